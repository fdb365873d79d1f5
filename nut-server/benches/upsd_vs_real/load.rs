//! The load generator: tokio on the current thread (it leaves the other
//! core to the server under test), TCP_NODELAY on every socket, loopback
//! only, each run bounded in time and in requests.
//!
//! Modes: request/response `GET VAR`, pipelined `GET VAR` (a fixed number
//! in flight, refilled in one write per batch of replies), `LIST VAR`
//! (whole list per request), connection churn (connect, `VER`, close) and
//! idle clients (open, `VER`, hold).

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::timeout;

/// Most latency samples (and requests) one run may take, whatever its
/// duration.
pub(crate) const MAX_REQUESTS_PER_RUN: u64 = 4_000_000;

/// Extra time a run may take past its duration for the last replies.
const DRAIN: Duration = Duration::from_secs(3);

/// Read buffer per client connection.
const CLIENT_BUFFER: usize = 64 * 1024;

/// What one run measured.
#[derive(Debug, Default, Clone)]
pub(crate) struct RunStats {
    /// Completed requests (including those answered with an error).
    pub(crate) requests: u64,
    /// Replies that were not the expected kind (`ERR …`).
    pub(crate) errors: u64,
    /// Connections that failed (refused, reset, timed out).
    pub(crate) io_errors: u64,
    /// Lines received.
    pub(crate) lines: u64,
    /// Wall time of the run.
    pub(crate) secs: f64,
    /// Latencies in µs, sorted.
    pub(crate) latencies: Vec<u32>,
    /// The first problem seen, for the log.
    pub(crate) first_error: Option<String>,
}

impl RunStats {
    /// Requests per second.
    pub(crate) fn rate(&self) -> f64 {
        if self.secs > 0.0 {
            count_f64(self.requests) / self.secs
        } else {
            0.0
        }
    }

    /// The `q` quantile of the latencies in µs (0 when there are none).
    pub(crate) fn quantile_us(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let last = self.latencies.len() - 1;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((last as f64) * q).round() as usize;
        self.latencies
            .get(index.min(last))
            .map_or(0.0, |v| f64::from(*v))
    }

    fn merge(&mut self, other: Self) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.io_errors += other.io_errors;
        self.lines += other.lines;
        self.latencies.extend_from_slice(&other.latencies);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    fn note(&mut self, problem: impl Into<String>) {
        if self.first_error.is_none() {
            self.first_error = Some(problem.into());
        }
    }
}

/// A u64 count as f64 (exact below 2^53, which every count here is).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn count_f64(n: u64) -> f64 {
    n as f64
}

/// A client connection reading lines.
#[derive(Debug)]
pub(crate) struct Client {
    reader: BufReader<TcpStream>,
    line: Vec<u8>,
}

impl Client {
    /// Connects with TCP_NODELAY, giving up after `limit`.
    pub(crate) async fn connect(addr: SocketAddr, limit: Duration) -> io::Result<Self> {
        let stream = timeout(limit, TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
        stream.set_nodelay(true)?;
        Ok(Self {
            reader: BufReader::with_capacity(CLIENT_BUFFER, stream),
            line: Vec::with_capacity(256),
        })
    }

    /// Sends bytes.
    pub(crate) async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(bytes).await
    }

    /// The next line, without its `\n`; an error at end of stream.
    pub(crate) async fn line(&mut self) -> io::Result<&[u8]> {
        self.line.clear();
        let n = self.reader.read_until(b'\n', &mut self.line).await?;
        if n == 0 || self.line.last() != Some(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        self.line.pop();
        Ok(&self.line)
    }

    /// Whether a complete line is already buffered (no read needed).
    fn has_buffered_line(&self) -> bool {
        self.reader.buffer().contains(&b'\n')
    }

    /// One request, one reply line, within `limit`.
    pub(crate) async fn ask(&mut self, request: &[u8], limit: Duration) -> io::Result<String> {
        timeout(limit, async {
            self.send(request).await?;
            Ok(String::from_utf8_lossy(self.line().await?).into_owned())
        })
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no reply"))?
    }

    /// The whole reply to `LIST …` up to its `END LIST` line (or an `ERR`).
    pub(crate) async fn ask_list(
        &mut self,
        request: &str,
        limit: Duration,
    ) -> io::Result<Vec<String>> {
        let end = format!("END {}", request.trim_end());
        timeout(limit, async {
            self.send(request.as_bytes()).await?;
            let mut lines = Vec::new();
            loop {
                let line = String::from_utf8_lossy(self.line().await?).into_owned();
                let done = line == end || line.starts_with("ERR ");
                lines.push(line);
                if done {
                    return Ok(lines);
                }
            }
        })
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no reply"))?
    }
}

/// The shared request budget of one run.
#[derive(Debug)]
struct Budget {
    left: AtomicU64,
    deadline: Instant,
}

impl Budget {
    fn new(duration: Duration) -> Arc<Self> {
        Arc::new(Self {
            left: AtomicU64::new(MAX_REQUESTS_PER_RUN),
            deadline: Instant::now() + duration,
        })
    }

    /// Takes one request from the budget, unless time or count is up.
    fn take(&self) -> bool {
        Instant::now() < self.deadline
            && self
                .left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
    }
}

fn micros_since(start: Instant) -> u32 {
    u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX)
}

/// What a load run does on each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `GET VAR` request/response.
    Get,
    /// `GET VAR` with this many in flight.
    Pipeline(usize),
    /// `LIST VAR`.
    List,
}

/// Runs `mode` on `conns` connections to `addr` for `duration`, asking
/// about UPS `ups`.
pub(crate) async fn run(
    addr: SocketAddr,
    mode: Mode,
    ups: &str,
    conns: usize,
    duration: Duration,
) -> RunStats {
    let budget = Budget::new(duration);
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..conns {
        let budget = Arc::clone(&budget);
        let ups = ups.to_owned();
        tasks.spawn(async move {
            let mut stats = RunStats::default();
            let outcome = async {
                let mut client = Client::connect(addr, Duration::from_secs(3)).await?;
                match mode {
                    Mode::Get => get_loop(&mut client, &ups, &budget, &mut stats).await,
                    Mode::Pipeline(depth) => {
                        pipeline_loop(&mut client, &ups, depth, &budget, &mut stats).await
                    }
                    Mode::List => list_loop(&mut client, &ups, &budget, &mut stats).await,
                }
            };
            match timeout(duration + DRAIN, outcome).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    stats.io_errors += 1;
                    stats.note(format!("io: {e}"));
                }
                Err(_) => {
                    stats.io_errors += 1;
                    stats.note("no reply by the end of the run");
                }
            }
            stats
        });
    }
    collect(tasks, started).await
}

async fn collect(mut tasks: JoinSet<RunStats>, started: Instant) -> RunStats {
    let mut total = RunStats::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(stats) => total.merge(stats),
            Err(e) => total.note(format!("task: {e}")),
        }
    }
    total.secs = started.elapsed().as_secs_f64();
    total.latencies.sort_unstable();
    total
}

async fn get_loop(
    client: &mut Client,
    ups: &str,
    budget: &Budget,
    stats: &mut RunStats,
) -> io::Result<()> {
    let request = format!("GET VAR {ups} ups.status\n").into_bytes();
    while budget.take() {
        let start = Instant::now();
        client.send(&request).await?;
        let line = client.line().await?;
        stats.latencies.push(micros_since(start));
        stats.requests += 1;
        stats.lines += 1;
        if !line.starts_with(b"VAR ") {
            stats.errors += 1;
            stats.note(String::from_utf8_lossy(line).into_owned());
        }
    }
    Ok(())
}

async fn pipeline_loop(
    client: &mut Client,
    ups: &str,
    depth: usize,
    budget: &Budget,
    stats: &mut RunStats,
) -> io::Result<()> {
    let request = format!("GET VAR {ups} ups.status\n").into_bytes();
    let mut in_flight: VecDeque<Instant> = VecDeque::with_capacity(depth);
    let mut batch = Vec::with_capacity(request.len() * depth);
    let refill = |n: usize, in_flight: &mut VecDeque<Instant>, batch: &mut Vec<u8>| {
        batch.clear();
        let now = Instant::now();
        for _ in 0..n {
            if !budget.take() {
                break;
            }
            batch.extend_from_slice(&request);
            in_flight.push_back(now);
        }
    };
    refill(depth.max(1), &mut in_flight, &mut batch);
    client.send(&batch).await?;
    while !in_flight.is_empty() {
        // One reply (waiting if need be), then every reply already here.
        let mut answered = 0;
        loop {
            let line = client.line().await?;
            if !line.starts_with(b"VAR ") {
                stats.errors += 1;
                stats.note(String::from_utf8_lossy(line).into_owned());
            }
            let sent = in_flight.pop_front().unwrap_or_else(Instant::now);
            stats.latencies.push(micros_since(sent));
            stats.requests += 1;
            stats.lines += 1;
            answered += 1;
            if in_flight.is_empty() || !client.has_buffered_line() {
                break;
            }
        }
        refill(answered, &mut in_flight, &mut batch);
        if !batch.is_empty() {
            client.send(&batch).await?;
        }
    }
    Ok(())
}

async fn list_loop(
    client: &mut Client,
    ups: &str,
    budget: &Budget,
    stats: &mut RunStats,
) -> io::Result<()> {
    let request = format!("LIST VAR {ups}\n").into_bytes();
    let end = format!("END LIST VAR {ups}").into_bytes();
    while budget.take() {
        let start = Instant::now();
        client.send(&request).await?;
        loop {
            let line = client.line().await?;
            stats.lines += 1;
            if line == end.as_slice() {
                break;
            }
            if line.starts_with(b"ERR ") {
                stats.errors += 1;
                stats.note(String::from_utf8_lossy(line).into_owned());
                break;
            }
        }
        stats.latencies.push(micros_since(start));
        stats.requests += 1;
    }
    Ok(())
}

/// Connection churn: `workers` loops of connect, `VER`, close.
pub(crate) async fn churn(addr: SocketAddr, workers: usize, duration: Duration) -> RunStats {
    let budget = Budget::new(duration);
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..workers {
        let budget = Arc::clone(&budget);
        tasks.spawn(async move {
            let mut stats = RunStats::default();
            while budget.take() {
                let start = Instant::now();
                let answer = async {
                    let mut client = Client::connect(addr, Duration::from_secs(2)).await?;
                    client.ask(b"VER\n", Duration::from_secs(2)).await
                }
                .await;
                stats.requests += 1;
                match answer {
                    Ok(line) => {
                        stats.latencies.push(micros_since(start));
                        stats.lines += 1;
                        if line.starts_with("ERR") {
                            stats.errors += 1;
                            stats.note(line);
                        }
                    }
                    Err(e) => {
                        stats.io_errors += 1;
                        stats.note(format!("io: {e}"));
                        // Do not hammer a server that refuses.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            stats
        });
    }
    collect(tasks, started).await
}

/// How one idle client's opening went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// Connected and answered `VER`.
    Served,
    /// Closed or reset by the server before any answer (a clean refusal).
    Refused,
    /// Connected but no answer in time (sitting in a listen backlog).
    Unanswered,
    /// The connection could not be made.
    ConnectFailed,
}

/// Idle clients held open.
#[derive(Debug, Default)]
pub(crate) struct IdleSet {
    /// Clients that answered `VER`.
    pub(crate) served: Vec<Client>,
    /// Clients connected but never answered, kept open too.
    pub(crate) pending: Vec<Client>,
    /// Clients the server closed or reset before answering.
    pub(crate) refused: usize,
    /// Connects that failed or timed out.
    pub(crate) connect_failed: usize,
    /// Seconds taken to open them all.
    pub(crate) open_secs: f64,
    /// Connect + first `VER` latencies of the served ones, sorted, µs.
    pub(crate) latencies: Vec<u32>,
}

/// Opens `count` clients to `addr`, `concurrency` at a time; each sends
/// `VER` and waits up to `reply_limit` for the answer.
pub(crate) async fn open_idle(
    addr: SocketAddr,
    count: usize,
    concurrency: usize,
    connect_limit: Duration,
    reply_limit: Duration,
) -> IdleSet {
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let total = u64::try_from(count).unwrap_or(u64::MAX);
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let next = Arc::clone(&next);
        tasks.spawn(async move {
            let mut mine = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let start = Instant::now();
                let outcome = match Client::connect(addr, connect_limit).await {
                    Err(_) => (Opened::ConnectFailed, None),
                    Ok(mut client) => match client.ask(b"VER\n", reply_limit).await {
                        Ok(_) => (Opened::Served, Some(client)),
                        Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                            (Opened::Unanswered, Some(client))
                        }
                        Err(_) => (Opened::Refused, None),
                    },
                };
                mine.push((outcome.0, outcome.1, micros_since(start)));
            }
            mine
        });
    }
    let mut set = IdleSet::default();
    while let Some(done) = tasks.join_next().await {
        for (kind, client, micros) in done.unwrap_or_default() {
            match (kind, client) {
                (Opened::Served, Some(client)) => {
                    set.served.push(client);
                    set.latencies.push(micros);
                }
                (Opened::Unanswered, Some(client)) => set.pending.push(client),
                (Opened::Refused, _) => set.refused += 1,
                _ => set.connect_failed += 1,
            }
        }
    }
    set.open_secs = started.elapsed().as_secs_f64();
    set.latencies.sort_unstable();
    set
}

impl IdleSet {
    /// How many served clients still answer `VER` (each gets `limit`),
    /// asked `concurrency` at a time.
    pub(crate) async fn survivors(&mut self, concurrency: usize, limit: Duration) -> usize {
        let clients = std::mem::take(&mut self.served);
        let chunk = clients.len().div_ceil(concurrency.max(1)).max(1);
        let mut tasks = JoinSet::new();
        let mut iter = clients.into_iter();
        loop {
            let part: Vec<Client> = iter.by_ref().take(chunk).collect();
            if part.is_empty() {
                break;
            }
            tasks.spawn(async move {
                let mut alive = Vec::new();
                let mut answered = 0usize;
                for mut client in part {
                    if client.ask(b"VER\n", limit).await.is_ok() {
                        answered += 1;
                    }
                    alive.push(client);
                }
                (answered, alive)
            });
        }
        let mut answered = 0;
        while let Some(done) = tasks.join_next().await {
            if let Ok((n, alive)) = done {
                answered += n;
                self.served.extend(alive);
            }
        }
        answered
    }
}
