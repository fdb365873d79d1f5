//! The load phases: idle window, GET, pipelined GET, LIST, churn, the
//! refusal labs and the crowd of idle clients.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use super::{
    Bench, CHURN_WORKERS, Cell, Crowd, GET_CONNS, IDLE_CLIENTS, IdleProc, LIST_CONNS,
    OPEN_CONCURRENCY, PIPELINE_CONNS, PIPELINE_DEPTH, Perf, REFUSE_HOLD, REFUSE_MAXCONN,
    REFUSE_MAXCONN_CLIENTS, REFUSE_NOFILE, REFUSE_NOFILE_CLIENTS, Refusal, TARGETS,
};
use crate::MINOR_REPS;
use crate::labs::{Flavor, Lab, LabSpec, SMALL_DEV};
use crate::load::{self, IdleSet, Mode, RunStats};
use crate::procs::{self, Delta};

/// Pause between runs, for closed sockets to go.
const SETTLE: Duration = Duration::from_millis(300);

impl Bench<'_> {
    /// Address and PID of target `i` (real, ours, ceiling).
    fn target(&self, i: usize) -> (SocketAddr, u32) {
        match self.main.get(i) {
            Some(lab) => (lab.addr(), lab.upsd.unwrap_or(0)),
            None => (self.ceiling_addr(), self.ceiling.unwrap_or(0)),
        }
    }

    fn secs(seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds)
    }

    /// Runs `work` while sampling the server and ourselves.
    fn measure(&self, label: &str, server: u32, work: impl Future<Output = RunStats>) -> Perf {
        let me = std::process::id();
        let (s0, c0) = (procs::sample(server), procs::sample(me));
        let stats = self.runtime.block_on(work);
        let (s1, c1) = (procs::sample(server), procs::sample(me));
        let delta = |a: Option<procs::Sample>, b: Option<procs::Sample>| match (a, b) {
            (Some(a), Some(b)) => Delta::between(&a, &b),
            _ => Delta::default(),
        };
        let perf = Perf::from(&stats, delta(s0, s1), delta(c0, c1));
        eprintln!(
            "   {label:<34} {:>9.0}/s  p50 {:>8.0} µs  p99 {:>8.0} µs  server {:>3.0}%  loader {:>3.0}%{}",
            perf.rate,
            perf.p50,
            perf.p99,
            perf.server_cpu,
            perf.client_cpu,
            match (&stats.first_error, perf.errors) {
                (Some(e), n) if n > 0 => format!("  {n} errors, first: {e}"),
                _ => String::new(),
            }
        );
        std::thread::sleep(SETTLE);
        perf
    }

    fn drop_clients(&self, sets: Vec<IdleSet>) {
        self.runtime.block_on(async move { drop(sets) });
    }

    /// 100 idle clients on each main upsd; CPU time and wake-ups of every
    /// process over the window (the small labs of the start-up phase have
    /// no clients at all).
    pub(super) fn idle_window(&mut self) {
        eprintln!(
            "== idle: {IDLE_CLIENTS} idle clients per main upsd, {} s window",
            self.settings.idle_window.as_secs()
        );
        let mut sets = Vec::new();
        for lab in &self.main {
            let addr = lab.addr();
            let set = self.runtime.block_on(load::open_idle(
                addr,
                IDLE_CLIENTS,
                OPEN_CONCURRENCY,
                Duration::from_secs(2),
                Duration::from_secs(2),
            ));
            eprintln!(
                "   {}: {} idle clients held",
                lab.spec.name,
                set.served.len()
            );
            sets.push(set);
        }
        std::thread::sleep(Duration::from_secs(1));
        let mut watched: Vec<(String, u32)> = Vec::new();
        for lab in &self.main {
            let who = lab.spec.flavor.label();
            if let Some(pid) = lab.upsd {
                watched.push((
                    format!("{who} upsd, 2 UPS, {IDLE_CLIENTS} idle clients"),
                    pid,
                ));
            }
            for (pid, (ups, _)) in lab.drivers.iter().zip(&lab.spec.upses) {
                watched.push((format!("{who} dummy-ups [{ups}]"), *pid));
            }
        }
        for lab in &self.small {
            let who = lab.spec.flavor.label();
            if let Some(pid) = lab.upsd {
                let what = if lab.spec.flavor == Flavor::Stack {
                    "upsd + dummy-ups task"
                } else {
                    "upsd"
                };
                watched.push((format!("{who} {what}, 1 UPS, no clients"), pid));
            }
            for pid in &lab.drivers {
                watched.push((format!("{who} dummy-ups, 1 UPS"), *pid));
            }
        }
        let before: Vec<_> = watched.iter().map(|(_, p)| procs::sample(*p)).collect();
        std::thread::sleep(self.settings.idle_window);
        for ((name, pid), before) in watched.iter().zip(before) {
            if let (Some(a), Some(b)) = (before, procs::sample(*pid)) {
                let delta = Delta::between(&a, &b);
                eprintln!(
                    "   {name:<48} {:>7.2} ms CPU, {:>3} wake-ups",
                    delta.cpu_ms, delta.voluntary
                );
                self.results.idle.push(IdleProc {
                    name: name.clone(),
                    delta,
                    rss_kb: b.rss_kb,
                });
            }
        }
        for (i, lab) in self.main.iter().enumerate() {
            if let Some(slot) = self.results.idle_rss.get_mut(i) {
                *slot = lab.upsd.and_then(procs::sample).map_or(0, |s| s.rss_kb);
            }
        }
        self.drop_clients(sets);
        let mut small = std::mem::take(&mut self.small);
        for lab in &mut small {
            lab.stop(self.registry);
        }
    }

    /// GET VAR request/response at 1, 10, 50, 200 connections.
    pub(super) fn get_phase(&mut self) {
        eprintln!(
            "== GET VAR request/response ({} runs per cell)",
            self.settings.reps
        );
        let mut cells: Vec<(usize, Cell)> =
            GET_CONNS.iter().map(|c| (*c, Cell::default())).collect();
        for _ in 0..self.settings.reps {
            for (conns, cell) in &mut cells {
                for (i, runs) in cell.iter_mut().enumerate() {
                    let (addr, pid) = self.target(i);
                    let label = format!("get {} c{conns}", TARGETS.get(i).unwrap_or(&"?"));
                    let duration = Self::secs(self.settings.run_secs);
                    let work = load::run(addr, Mode::Get, "dummy", *conns, duration);
                    runs.push(self.measure(&label, pid, work));
                }
            }
        }
        self.results.get = cells;
    }

    /// Pipelined GET: 50 connections × 16 in flight.
    pub(super) fn pipeline_phase(&mut self) {
        eprintln!("== pipelined GET VAR ({PIPELINE_CONNS} conns x {PIPELINE_DEPTH} in flight)");
        let mut cell = Cell::default();
        for _ in 0..self.settings.reps {
            for (i, runs) in cell.iter_mut().enumerate() {
                let (addr, pid) = self.target(i);
                let label = format!("pipeline {}", TARGETS.get(i).unwrap_or(&"?"));
                let duration = Self::secs(self.settings.run_secs);
                let mode = Mode::Pipeline(PIPELINE_DEPTH);
                let work = load::run(addr, mode, "dummy", PIPELINE_CONNS, duration);
                runs.push(self.measure(&label, pid, work));
            }
        }
        self.results.pipeline = cell;
    }

    /// LIST VAR of the 15- and 200-line UPSes (real and ours only).
    pub(super) fn list_phase(&mut self) {
        eprintln!("== LIST VAR");
        let mut cells: Vec<(String, usize, Cell)> = Vec::new();
        for ups in ["dummy", "big"] {
            for conns in LIST_CONNS {
                cells.push((ups.to_owned(), conns, Cell::default()));
            }
        }
        for _ in 0..self.settings.reps.min(MINOR_REPS) {
            for (ups, conns, cell) in &mut cells {
                for (i, runs) in cell.iter_mut().take(2).enumerate() {
                    let (addr, pid) = self.target(i);
                    let label = format!("list {} {ups} c{conns}", TARGETS.get(i).unwrap_or(&"?"));
                    let duration = Self::secs(self.settings.list_secs);
                    let work = load::run(addr, Mode::List, ups, *conns, duration);
                    runs.push(self.measure(&label, pid, work));
                }
            }
        }
        self.results.list = cells;
    }

    /// Connection churn: connect, VER, close.
    pub(super) fn churn_phase(&mut self) {
        eprintln!("== connection churn (connect, VER, close)");
        let mut cells: Vec<(usize, Cell)> = CHURN_WORKERS
            .iter()
            .map(|w| (*w, Cell::default()))
            .collect();
        for _ in 0..self.settings.reps.min(MINOR_REPS) {
            for (workers, cell) in &mut cells {
                for (i, runs) in cell.iter_mut().enumerate() {
                    let (addr, pid) = self.target(i);
                    let label = format!("churn {} w{workers}", TARGETS.get(i).unwrap_or(&"?"));
                    let duration = Self::secs(self.settings.churn_secs);
                    runs.push(self.measure(&label, pid, load::churn(addr, *workers, duration)));
                }
            }
        }
        self.results.churn = cells;
    }

    /// Clients past MAXCONN, and past the fd limit with no MAXCONN.
    pub(super) fn refuse_phase(&mut self) -> Result<(), String> {
        eprintln!(
            "== refusal: MAXCONN {REFUSE_MAXCONN}, and nofile {REFUSE_NOFILE} without MAXCONN"
        );
        let mut labs = Vec::new();
        let mut offset = 3;
        for (maxconn, nofile) in [(Some(REFUSE_MAXCONN), 20_000), (None, REFUSE_NOFILE)] {
            for flavor in [Flavor::Real, Flavor::Ours] {
                let spec = LabSpec {
                    name: format!(
                        "refuse-{}-{}",
                        maxconn.map_or("nofile", |_| "maxconn"),
                        flavor.label()
                    ),
                    flavor,
                    port: self.port(offset),
                    upses: vec![("dummy".to_owned(), SMALL_DEV.to_owned())],
                    maxconn,
                    nofile,
                };
                offset += 1;
                labs.push(Lab::prepare(self.root, spec)?);
            }
        }
        let outcome = self.refuse_in(&mut labs);
        for lab in &mut labs {
            lab.stop(self.registry);
        }
        outcome
    }

    fn refuse_in(&mut self, labs: &mut [Lab]) -> Result<(), String> {
        for lab in labs.iter_mut() {
            lab.start_drivers(self.registry, &self.programs)?;
        }
        for lab in labs.iter_mut() {
            lab.start_upsd(self.registry, &self.programs)?;
        }
        for lab in labs.iter() {
            lab.wait_serving(self.registry, Duration::from_secs(20))?;
        }
        for lab in labs.iter() {
            let clients = if lab.spec.maxconn.is_some() {
                REFUSE_MAXCONN_CLIENTS
            } else {
                REFUSE_NOFILE_CLIENTS
            };
            let pid = lab.upsd.unwrap_or(0);
            let set = self.runtime.block_on(load::open_idle(
                lab.addr(),
                clients,
                OPEN_CONCURRENCY,
                Duration::from_secs(1),
                Duration::from_secs(1),
            ));
            let before = procs::sample(pid);
            std::thread::sleep(REFUSE_HOLD);
            let hold_cpu = match (before, procs::sample(pid)) {
                (Some(a), Some(b)) => Delta::between(&a, &b).cpu_pct(),
                _ => 0.0,
            };
            let refusal = Refusal {
                attempted: clients,
                served: set.served.len(),
                refused: set.refused,
                unanswered: set.pending.len(),
                connect_failed: set.connect_failed,
                open_secs: set.open_secs,
                hold_cpu,
            };
            eprintln!(
                "   {:<24} {clients} tried: {} served, {} refused, {} unanswered, {} connect failed; \
                 {:.1} s to try; upsd CPU while held {:.0}%",
                lab.spec.name,
                refusal.served,
                refusal.refused,
                refusal.unanswered,
                refusal.connect_failed,
                refusal.open_secs,
                refusal.hold_cpu
            );
            if lab.spec.maxconn.is_some() {
                self.results.refuse_maxconn.push(refusal);
            } else {
                self.results.refuse_nofile.push(refusal);
            }
            self.drop_clients(vec![set]);
            std::thread::sleep(Duration::from_millis(500));
        }
        Ok(())
    }

    /// The crowd: `crowd` idle clients held, GET at 1 and 10 connections
    /// beside them, RSS per idle client, survivors.
    pub(super) fn crowd_phase(&mut self) {
        let wanted = self.settings.crowd;
        eprintln!("== {wanted} idle clients, GET beside them");
        for i in 0..self.main.len() {
            let (addr, pid) = self.target(i);
            let name = TARGETS.get(i).unwrap_or(&"?");
            // GET without the crowd, just before: the same state of the
            // machine as the runs beside it.
            let mut get_without = Vec::new();
            for conns in [1, 10] {
                let label = format!("get {name} c{conns} before the crowd");
                let duration = Self::secs(self.settings.run_secs);
                let work = load::run(addr, Mode::Get, "dummy", conns, duration);
                get_without.push((conns, self.measure(&label, pid, work)));
            }
            let rss_before = procs::sample(pid).map_or(0, |s| s.rss_kb);
            let mut set = self.runtime.block_on(load::open_idle(
                addr,
                wanted,
                OPEN_CONCURRENCY,
                Duration::from_secs(3),
                Duration::from_secs(5),
            ));
            std::thread::sleep(Duration::from_millis(500));
            let rss_loaded = procs::sample(pid).map_or(0, |s| s.rss_kb);
            eprintln!(
                "   {name}: {} held ({} not served) in {:.1} s; RSS {rss_before} -> {rss_loaded} kB",
                set.served.len(),
                wanted.saturating_sub(set.served.len()),
                set.open_secs
            );
            let mut crowd = Crowd {
                wanted,
                held: set.served.len(),
                not_served: wanted.saturating_sub(set.served.len()),
                open_secs: set.open_secs,
                open_p50: quantile(&set.latencies, 0.5),
                open_p99: quantile(&set.latencies, 0.99),
                rss_before,
                rss_loaded,
                get_without,
                ..Crowd::default()
            };
            for conns in [1, 10] {
                let label = format!("get {name} c{conns} beside {}", crowd.held);
                let duration = Self::secs(self.settings.run_secs);
                let work = load::run(addr, Mode::Get, "dummy", conns, duration);
                crowd.get.push((conns, self.measure(&label, pid, work)));
            }
            crowd.survivors = self
                .runtime
                .block_on(set.survivors(OPEN_CONCURRENCY, Duration::from_secs(3)));
            eprintln!(
                "   {name}: {} of {} still answer",
                crowd.survivors, crowd.held
            );
            self.results.crowd.push(crowd);
            self.drop_clients(vec![set]);
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

fn quantile(sorted: &[u32], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return 0.0;
    };
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((last as f64) * q).round() as usize;
    sorted.get(index.min(last)).map_or(0.0, |v| f64::from(*v))
}
