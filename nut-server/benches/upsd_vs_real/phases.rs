//! The measurements, phase by phase, and what they record in [`Results`].
//!
//! Interleaving: every throughput cell runs real, ours and the ceiling one
//! after the other, `reps` times, so a busy moment of the shared machine
//! hits all three alike; the report takes medians.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::Settings;
use crate::labs::{self, Flavor, Lab, LabSpec, Programs, SMALL_DEV};
use crate::load::{self, RunStats};
use crate::procs::{self, Delta, Registry};

mod measure;

/// Servers compared in the throughput phases.
pub(crate) const TARGETS: [&str; 3] = ["real", "ours", "ceiling"];

/// Connection counts of the GET phase.
pub(crate) const GET_CONNS: [usize; 4] = [1, 10, 50, 200];

/// Pipeline shape.
pub(crate) const PIPELINE_CONNS: usize = 50;
/// Requests in flight per pipelined connection.
pub(crate) const PIPELINE_DEPTH: usize = 16;

/// Connection counts of the LIST phase.
pub(crate) const LIST_CONNS: [usize; 2] = [1, 10];

/// Churn workers.
pub(crate) const CHURN_WORKERS: [usize; 2] = [1, 4];

/// Idle clients during the CPU / wake-up window.
pub(crate) const IDLE_CLIENTS: usize = 100;

/// Connections opened at once against upsd (real upsd's backlog is 16).
const OPEN_CONCURRENCY: usize = 16;

/// MAXCONN of the refusal labs, and clients thrown at them.
pub(crate) const REFUSE_MAXCONN: u32 = 100;
/// Clients thrown at the MAXCONN lab.
pub(crate) const REFUSE_MAXCONN_CLIENTS: usize = 150;
/// fd limit of the other refusal lab (no MAXCONN), and its clients.
pub(crate) const REFUSE_NOFILE: u32 = 1024;
/// Clients thrown at the fd-limited lab.
pub(crate) const REFUSE_NOFILE_CLIENTS: usize = 1100;

/// How long the refusal labs are watched with their clients pending.
const REFUSE_HOLD: Duration = Duration::from_secs(3);

/// One measured run, reduced.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Perf {
    /// Requests (or connections) per second.
    pub(crate) rate: f64,
    /// Median latency, µs.
    pub(crate) p50: f64,
    /// 99th percentile, µs.
    pub(crate) p99: f64,
    /// Server CPU, % of one core.
    pub(crate) server_cpu: f64,
    /// Load generator CPU, % of one core.
    pub(crate) client_cpu: f64,
    /// Error replies plus failed connections.
    pub(crate) errors: u64,
    /// Lines per request (LIST).
    pub(crate) lines_per_request: f64,
    /// Server CPU per request, µs: the cost of one request on this
    /// machine, whatever else ran beside it.
    pub(crate) server_us_per_request: f64,
}

impl Perf {
    fn from(stats: &RunStats, server: Delta, client: Delta) -> Self {
        Self {
            rate: stats.rate(),
            p50: stats.quantile_us(0.5),
            p99: stats.quantile_us(0.99),
            server_cpu: server.cpu_pct(),
            client_cpu: client.cpu_pct(),
            errors: stats.errors + stats.io_errors,
            lines_per_request: if stats.requests > 0 {
                load::count_f64(stats.lines) / load::count_f64(stats.requests)
            } else {
                0.0
            },
            server_us_per_request: if stats.requests > 0 {
                server.cpu_ms * 1000.0 / load::count_f64(stats.requests)
            } else {
                0.0
            },
        }
    }

    /// The median of each field over several runs.
    pub(crate) fn median(runs: &[Self]) -> Option<Self> {
        if runs.is_empty() {
            return None;
        }
        let m = |f: fn(&Self) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        };
        Some(Self {
            rate: m(|p| p.rate),
            p50: m(|p| p.p50),
            p99: m(|p| p.p99),
            server_cpu: m(|p| p.server_cpu),
            client_cpu: m(|p| p.client_cpu),
            errors: runs.iter().map(|p| p.errors).sum(),
            lines_per_request: m(|p| p.lines_per_request),
            server_us_per_request: m(|p| p.server_us_per_request),
        })
    }
}

/// The median over repetitions of `rate(a) / rate(b)`, each repetition's
/// runs taken back to back (so a busy moment of the machine hits both).
pub(crate) fn ratio_median(a: &[Perf], b: &[Perf]) -> Option<f64> {
    let mut ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(_, b)| b.rate > 0.0)
        .map(|(a, b)| a.rate / b.rate)
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied()
}

/// Runs of one cell per target (index as [`TARGETS`]).
pub(crate) type Cell = [Vec<Perf>; 3];

/// Start-up of one flavor.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColdStart {
    /// exec of the driver → `PONG` on its socket (ms), per run.
    pub(crate) driver_ms: Vec<f64>,
    /// exec of upsd → `VER` answered (ms).
    pub(crate) ver_ms: Vec<f64>,
    /// exec of upsd → `GET VAR` returns data (ms).
    pub(crate) data_ms: Vec<f64>,
    /// RSS of upsd and of the driver (kB) after serving a LIST and a GET.
    pub(crate) rss_kb: Option<(u64, u64)>,
    /// Why this flavor could not be measured.
    pub(crate) failure: Option<String>,
}

/// Clients thrown at a server past its limit.
#[derive(Debug, Clone, Default)]
pub(crate) struct Refusal {
    /// Clients attempted.
    pub(crate) attempted: usize,
    /// Served (`VER` answered).
    pub(crate) served: usize,
    /// Closed or reset by the server at once.
    pub(crate) refused: usize,
    /// Connected but never answered (in a backlog).
    pub(crate) unanswered: usize,
    /// Connects that failed or timed out.
    pub(crate) connect_failed: usize,
    /// Seconds to make all the attempts.
    pub(crate) open_secs: f64,
    /// Server CPU while the clients were held, % of one core.
    pub(crate) hold_cpu: f64,
}

/// The crowd of idle clients and GET beside it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Crowd {
    /// Clients asked for.
    pub(crate) wanted: usize,
    /// Clients served and held.
    pub(crate) held: usize,
    /// Not served.
    pub(crate) not_served: usize,
    /// Seconds to open them.
    pub(crate) open_secs: f64,
    /// Connect + `VER` p50 / p99 while opening, µs.
    pub(crate) open_p50: f64,
    /// See `open_p50`.
    pub(crate) open_p99: f64,
    /// RSS before opening and with all held, kB.
    pub(crate) rss_before: u64,
    /// See `rss_before`.
    pub(crate) rss_loaded: u64,
    /// GET with 1 and 10 connections just before opening them.
    pub(crate) get_without: Vec<(usize, Perf)>,
    /// GET with 1 and 10 connections while held.
    pub(crate) get: Vec<(usize, Perf)>,
    /// Served clients still answering after the GET runs.
    pub(crate) survivors: usize,
}

/// Idle process counters over the window.
#[derive(Debug, Clone)]
pub(crate) struct IdleProc {
    /// Which process.
    pub(crate) name: String,
    /// Counters over the window.
    pub(crate) delta: Delta,
    /// RSS at the end, kB.
    pub(crate) rss_kb: u64,
}

/// Everything measured.
#[derive(Debug, Default)]
pub(crate) struct Results {
    /// Load average at start and end.
    pub(crate) load_average: (String, String),
    /// upsd RSS right after start, serving both UPSes, kB (real, ours).
    pub(crate) fresh_rss: [u64; 2],
    /// Driver RSS, kB (real, ours; the small UPS's driver).
    pub(crate) fresh_driver_rss: [u64; 2],
    /// LIST VAR output compared between real and ours (UPS, same lines,
    /// differing lines).
    pub(crate) list_check: Vec<(String, usize, Vec<String>)>,
    /// Start-up, per flavor (real pair, our pair, our in-process stack).
    pub(crate) cold: Vec<(Flavor, ColdStart)>,
    /// The idle window: upsd with 100 idle clients, drivers, small labs.
    pub(crate) idle: Vec<IdleProc>,
    /// upsd RSS with 100 idle clients (real, ours).
    pub(crate) idle_rss: [u64; 2],
    /// GET per connection count.
    pub(crate) get: Vec<(usize, Cell)>,
    /// Pipelined GET.
    pub(crate) pipeline: Cell,
    /// LIST per (UPS, conns): real and ours (ceiling unused).
    pub(crate) list: Vec<(String, usize, Cell)>,
    /// Churn per worker count.
    pub(crate) churn: Vec<(usize, Cell)>,
    /// Past MAXCONN (real, ours).
    pub(crate) refuse_maxconn: Vec<Refusal>,
    /// Past the fd limit without MAXCONN (real, ours).
    pub(crate) refuse_nofile: Vec<Refusal>,
    /// The idle crowd (real, ours).
    pub(crate) crowd: Vec<Crowd>,
    /// Wall time of the run.
    pub(crate) wall_secs: f64,
}

/// The running benchmark.
pub(crate) struct Bench<'a> {
    settings: Settings,
    registry: &'a Registry,
    root: &'a Path,
    programs: Programs,
    runtime: Runtime,
    main: Vec<Lab>,
    small: Vec<Lab>,
    ceiling: Option<u32>,
    /// What was measured so far.
    pub(crate) results: Results,
}

impl<'a> Bench<'a> {
    /// A benchmark writing its labs under `root`.
    pub(crate) fn new(
        settings: Settings,
        registry: &'a Registry,
        root: &'a Path,
        programs: Programs,
    ) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("runtime: {e}"))?;
        Ok(Self {
            settings,
            registry,
            root,
            programs,
            runtime,
            main: Vec::new(),
            small: Vec::new(),
            ceiling: None,
            results: Results::default(),
        })
    }

    fn port(&self, offset: u16) -> u16 {
        self.settings.port_base + offset
    }

    fn ceiling_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port(0)))
    }

    fn two_upses() -> Vec<(String, String)> {
        vec![
            ("dummy".to_owned(), SMALL_DEV.to_owned()),
            ("big".to_owned(), labs::big_dev()),
        ]
    }

    /// Every phase the settings ask for.
    pub(crate) fn run_all(&mut self) -> Result<(), String> {
        let started = Instant::now();
        self.results.load_average.0 = procs::load_average();
        self.start_main()?;
        if self.settings.wants("start") {
            self.cold_starts()?;
        }
        if self.settings.wants("idle") {
            self.idle_window();
        }
        if self.settings.wants("get") {
            self.get_phase();
        }
        if self.settings.wants("pipeline") {
            self.pipeline_phase();
        }
        if self.settings.wants("list") {
            self.list_phase();
        }
        if self.settings.wants("churn") {
            self.churn_phase();
        }
        if self.settings.wants("refuse") {
            self.refuse_phase()?;
        }
        if self.settings.wants("crowd") {
            self.crowd_phase();
        }
        self.results.load_average.1 = procs::load_average();
        self.results.wall_secs = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// The main labs (real and ours, both UPSes, MAXCONN 15000, 20000
    /// fds) and the ceiling server.
    fn start_main(&mut self) -> Result<(), String> {
        eprintln!("== start: main labs (real, ours) and the ceiling server");
        for (i, flavor) in [Flavor::Real, Flavor::Ours].into_iter().enumerate() {
            let spec = LabSpec {
                name: format!("main-{}", flavor.label()),
                flavor,
                port: self.port(1 + u16::try_from(i).unwrap_or(0)),
                upses: Self::two_upses(),
                maxconn: Some(15_000),
                nofile: 20_000,
            };
            self.main.push(Lab::prepare(self.root, spec)?);
        }
        for lab in &mut self.main {
            lab.start_drivers(self.registry, &self.programs)?;
        }
        for lab in &mut self.main {
            lab.start_upsd(self.registry, &self.programs)?;
        }
        for lab in &self.main {
            lab.wait_serving(self.registry, Duration::from_secs(20))?;
        }
        let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let port = self.port(0).to_string();
        let log = self.root.join("ceiling.log");
        let pid = self
            .registry
            .spawn("ceiling", &exe, &["--ceiling", &port], &[], 20_000, &log)?;
        self.ceiling = Some(pid);
        let addr = self.ceiling_addr();
        labs::wait_for(Instant::now() + Duration::from_secs(5), || {
            labs::ask_once(addr, "GET VAR dummy ups.status\n")
        })
        .ok_or("the ceiling server did not answer")?;
        std::thread::sleep(Duration::from_millis(500));
        for (i, lab) in self.main.iter().enumerate() {
            let rss = |pid: Option<u32>| pid.and_then(procs::sample).map_or(0, |s| s.rss_kb);
            if let Some(slot) = self.results.fresh_rss.get_mut(i) {
                *slot = rss(lab.upsd);
            }
            if let Some(slot) = self.results.fresh_driver_rss.get_mut(i) {
                *slot = rss(lab.drivers.first().copied());
            }
        }
        self.check_lists();
        Ok(())
    }

    /// Same device data: LIST VAR from both, `driver.*` aside.
    fn check_lists(&mut self) {
        let addrs: Vec<SocketAddr> = self.main.iter().map(Lab::addr).collect();
        for (ups, _) in Self::two_upses() {
            let request = format!("LIST VAR {ups}\n");
            let lists: Vec<Vec<String>> = addrs
                .iter()
                .map(|addr| {
                    self.runtime.block_on(async {
                        let mut client = load::Client::connect(*addr, Duration::from_secs(2))
                            .await
                            .ok()?;
                        client.ask_list(&request, Duration::from_secs(5)).await.ok()
                    })
                })
                .map(Option::unwrap_or_default)
                .collect();
            let keep = |l: &&String| !l.contains(" driver.");
            let [real, ours] = lists.as_slice() else {
                continue;
            };
            let same = real
                .iter()
                .filter(keep)
                .filter(|l| ours.contains(l))
                .count();
            let mut differ: Vec<String> = real
                .iter()
                .filter(keep)
                .filter(|l| !ours.contains(l))
                .map(|l| format!("real only: {l}"))
                .collect();
            differ.extend(
                ours.iter()
                    .filter(keep)
                    .filter(|l| !real.contains(l))
                    .map(|l| format!("ours only: {l}")),
            );
            self.results.list_check.push((ups, same, differ));
        }
    }

    /// Cold starts: real pair, our pair, our in-process stack; the last
    /// run's labs are kept for the RSS figures and the idle window.
    fn cold_starts(&mut self) -> Result<(), String> {
        eprintln!(
            "== start-up times ({} runs per flavor)",
            self.settings.cold_starts
        );
        let flavors = [Flavor::Real, Flavor::Ours, Flavor::Stack];
        let mut cold: Vec<(Flavor, ColdStart)> =
            flavors.iter().map(|f| (*f, ColdStart::default())).collect();
        let mut kept: Vec<Lab> = Vec::new();
        let mut offset = 10;
        for run in 0..self.settings.cold_starts {
            let last = run + 1 == self.settings.cold_starts;
            for (flavor, record) in &mut cold {
                if record.failure.is_some() {
                    continue;
                }
                let spec = LabSpec {
                    name: format!("cold-{}-{run}", flavor.label().replace(' ', "-")),
                    flavor: *flavor,
                    port: self.port(offset),
                    upses: vec![("dummy".to_owned(), SMALL_DEV.to_owned())],
                    maxconn: None,
                    nofile: 1024,
                };
                offset += 1;
                let mut lab = Lab::prepare(self.root, spec)?;
                match cold_start(&mut lab, self.registry, &self.programs, record) {
                    Ok(()) if last => kept.push(lab),
                    Ok(()) => lab.stop(self.registry),
                    Err(e) => {
                        eprintln!("   {}: {e}", flavor.label());
                        record.failure = Some(e);
                        lab.stop(self.registry);
                    }
                }
            }
        }
        // RSS after one full LIST and a GET, settled.
        for lab in &kept {
            let addr = lab.addr();
            self.runtime.block_on(async {
                if let Ok(mut c) = load::Client::connect(addr, Duration::from_secs(2)).await {
                    let _ = c.ask_list("LIST VAR dummy\n", Duration::from_secs(5)).await;
                    let _ = c
                        .ask(b"GET VAR dummy ups.status\n", Duration::from_secs(2))
                        .await;
                }
            });
        }
        std::thread::sleep(Duration::from_millis(500));
        for lab in &kept {
            let rss = |pid: Option<u32>| pid.and_then(procs::sample).map_or(0, |s| s.rss_kb);
            let upsd = rss(lab.upsd);
            let driver = rss(lab.drivers.first().copied());
            if let Some((_, record)) = cold.iter_mut().find(|(f, _)| *f == lab.spec.flavor) {
                record.rss_kb = Some((upsd, driver));
            }
        }
        self.results.cold = cold;
        self.small = kept;
        Ok(())
    }
}

/// Times one cold start of `lab`'s flavor into `record`.
fn cold_start(
    lab: &mut Lab,
    registry: &Registry,
    programs: &Programs,
    record: &mut ColdStart,
) -> Result<(), String> {
    let drivers = lab.start_drivers(registry, programs)?;
    if let Some(t) = drivers.first() {
        record.driver_ms.push(t.as_secs_f64() * 1e3);
    }
    let exec = lab.start_upsd(registry, programs)?;
    let addr = lab.addr();
    let deadline = exec + Duration::from_secs(20);
    let upsd = lab.upsd.unwrap_or(0);
    let ver = labs::wait_for(deadline, || {
        if !registry.alive(upsd) {
            return Some(None);
        }
        labs::ask_once(addr, "VER\n").map(|_| Some(exec.elapsed()))
    })
    .flatten()
    .ok_or_else(|| lab.with_log("upsd never answered VER".to_owned()))?;
    let data = labs::wait_for(deadline, || {
        labs::first_value(addr, "dummy").map(|_| exec.elapsed())
    })
    .ok_or_else(|| lab.with_log("upsd never served the UPS".to_owned()))?;
    record.ver_ms.push(ver.as_secs_f64() * 1e3);
    record.data_ms.push(data.as_secs_f64() * 1e3);
    eprintln!(
        "   {}: driver {:.1} ms, upsd VER {:.1} ms, data {:.1} ms",
        lab.spec.flavor.label(),
        record.driver_ms.last().copied().unwrap_or(0.0),
        ver.as_secs_f64() * 1e3,
        data.as_secs_f64() * 1e3
    );
    Ok(())
}
