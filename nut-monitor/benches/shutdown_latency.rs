//! Shutdown latency, ours against NUT 2.8.0's upsmon (issue 4 part 7).
//!
//! ```text
//! cargo bench -p nut-monitor --features runtime --bench shutdown_latency [-- RUNS]
//! ```
//!
//! Each run starts a fresh real upsd with one real dummy-ups UPS (upsd
//! keeps the FSD latch until it restarts), one upsmon as primary with
//! POLLFREQ 1, POLLFREQALERT 1, FINALDELAY 0, HOSTSYNC 15, notifications
//! to syslog only (no `wall`) and a SHUTDOWNCMD that stamps the time, and
//! then publishes `OB LB`. upsmon reaches upsd through a proxy in this
//! program that stamps the first reply carrying the low battery.
//!
//! * **total**: from the driver publishing `OB LB` (the first time upsd
//!   answers this program's 5 ms polls with it) to SHUTDOWNCMD running.
//!   Dominated by where the publish falls in upsmon's poll interval. The
//!   driver publishes on its own loop, so that phase depends on when
//!   upsmon starts after the driver: to spread it, run `k` of `N` waits
//!   `(k + 1/2) / N` s before starting upsmon, the same for both.
//! * **reaction**: from upsd's reply carrying `OB LB` leaving for upsmon to
//!   SHUTDOWNCMD running: judging the status, `FSD`, the `NUMLOGINS` wait
//!   (only itself is logged in), the privileged parent, the shell.
//!
//! Runs alternate real and ours. Without real NUT the bench prints
//! SKIPPED and exits successfully. Every process is stopped by PID.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nut_proto::client::ConnectOptions;
use nut_proto::client::blocking::Client;

/// Selects the program this process runs as (our upsmon).
const EXEC_ENV: &str = "NUT_RS_BENCH_EXEC";
const REAL_UPSD: &str = "/lib/nut/upsd";
const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
const REAL_UPSMON: &str = "/lib/nut/upsmon";
/// upsd, and the proxy in front of it (the brief's addresses and ports).
const HOST: &str = "127.0.0.2";
const UPSD_PORT: u16 = 14280;
const PROXY_PORT: u16 = 14281;
const DEFAULT_RUNS: usize = 10;
/// Longest a run may take to reach SHUTDOWNCMD after the publish.
const RUN_LIMIT: Duration = Duration::from_secs(15);

fn main() -> ExitCode {
    if std::env::var(EXEC_ENV).as_deref() == Ok("upsmon") {
        return nut_monitor::runtime::upsmon::main(std::env::args_os());
    }
    let runs = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .or_else(|| std::env::var("BENCH_RUNS").ok()?.parse().ok())
        .unwrap_or(DEFAULT_RUNS)
        .max(1);
    let missing: Vec<&str> = [REAL_UPSD, REAL_DUMMY_UPS, REAL_UPSMON]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        println!(
            "SKIPPED shutdown_latency: {} not installed",
            missing.join(", ")
        );
        return ExitCode::SUCCESS;
    }
    std::fs::create_dir_all("/run/nut").unwrap();
    let mut results: Vec<(Impl, Sample)> = Vec::new();
    for run in 0..runs {
        let phase = Duration::from_micros(
            u64::try_from((2 * run + 1) * 500_000 / runs).unwrap_or_default(),
        );
        for imp in [Impl::Real, Impl::Ours] {
            match one_run(imp, phase) {
                Ok(sample) => {
                    println!(
                        "run {run:>2} {:<4}  total {:>6.1} ms  reaction {:>6.1} ms",
                        imp.name(),
                        sample.total_ms,
                        sample.reaction_ms
                    );
                    results.push((imp, sample));
                }
                Err(why) => println!("run {run:>2} {:<4}  failed: {why}", imp.name()),
            }
        }
    }
    let stats = |imp: Impl, pick: fn(&Sample) -> f64| {
        let mut v: Vec<f64> = results
            .iter()
            .filter(|(i, _)| *i == imp)
            .map(|(_, s)| pick(s))
            .collect();
        v.sort_by(f64::total_cmp);
        median(&v)
    };
    let count = |imp: Impl| results.iter().filter(|(i, _)| *i == imp).count();
    println!(
        "\nshutdown latency, OB LB published -> SHUTDOWNCMD running ({} real / {} ours runs, POLLFREQ 1, FINALDELAY 0)",
        count(Impl::Real),
        count(Impl::Ours)
    );
    for (what, pick) in [
        ("total", (|s: &Sample| s.total_ms) as fn(&Sample) -> f64),
        ("reaction", |s: &Sample| s.reaction_ms),
    ] {
        let (real, ours) = (stats(Impl::Real, pick), stats(Impl::Ours, pick));
        println!(
            "  {what:<8} median: real {real:>7.1} ms   ours {ours:>7.1} ms   ours/real {:.2}",
            ours / real
        );
    }
    if results.is_empty() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => f64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Impl {
    Real,
    Ours,
}

impl Impl {
    fn name(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Ours => "ours",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    total_ms: f64,
    reaction_ms: f64,
}

fn epoch_ns() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    )
    .unwrap()
}

/// A scratch directory, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nutrs-bench-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// upsd + dummy-ups, stopped by PID on drop (before the directory goes).
struct Nut<'a> {
    dir: &'a Dir,
}

impl<'a> Nut<'a> {
    fn start(dir: &'a Dir) -> Result<Self, String> {
        dir.write(
            "bench.dev",
            "battery.charge: 100\nups.mfr: Acme\nups.model: Sim\nups.status: OL\n",
            0o644,
        );
        dir.write(
            "ups.conf",
            "[bench]\n  driver = dummy-ups\n  port = bench.dev\n",
            0o644,
        );
        dir.write("upsd.conf", &format!("LISTEN {HOST} {UPSD_PORT}\n"), 0o600);
        dir.write(
            "upsd.users",
            "[admin]\n  password = adminpass\n  actions = SET\n\
             [monuser]\n  password = monpass\n  upsmon primary\n",
            0o600,
        );
        let nut = Self { dir };
        for (program, args) in [
            (REAL_DUMMY_UPS, &["-a", "bench", "-u", "root"][..]),
            (REAL_UPSD, &["-u", "root"][..]),
        ] {
            let ok = Command::new(program)
                .args(args)
                .env("NUT_CONFPATH", &dir.0)
                .env("NUT_STATEPATH", dir.0.join("state"))
                .env("NUT_ALTPIDPATH", dir.0.join("state"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err(format!("{program} did not start (port {UPSD_PORT} busy?)"));
            }
        }
        let end = Instant::now() + Duration::from_secs(8);
        while Instant::now() < end {
            if nut.status().as_deref() == Some("OL") {
                return Ok(nut);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("upsd/dummy-ups did not come up".into())
    }

    fn admin(&self) -> Option<Client> {
        let options = ConnectOptions {
            connect_timeout: Some(Duration::from_secs(2)),
            ..ConnectOptions::default()
        };
        let mut c = Client::connect(HOST, UPSD_PORT, &options).ok()?;
        c.username("admin").ok()?;
        c.password("adminpass").ok()?;
        Some(c)
    }

    fn status(&self) -> Option<String> {
        self.admin()?.get_var("bench", "ups.status").ok()
    }

    fn logins(&self) -> u32 {
        self.admin()
            .and_then(|mut c| c.get_numlogins("bench").ok())
            .unwrap_or(0)
    }
}

impl Drop for Nut<'_> {
    fn drop(&mut self) {
        for name in ["upsd.pid", "dummy-ups-bench.pid"] {
            if let Some(pid) = std::fs::read_to_string(self.dir.0.join("state").join(name))
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
            {
                kill(pid);
            }
        }
    }
}

fn kill(pid: i32) {
    let _ = Command::new("kill")
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Every descendant of `pid` (from /proc).
fn descendants(pid: u32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut queue = vec![i32::try_from(pid).unwrap_or(i32::MAX)];
    while let Some(p) = queue.pop() {
        let tasks = std::fs::read_dir(format!("/proc/{p}/task"))
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default();
        for task in tasks {
            let kids = std::fs::read_to_string(task.join("children")).unwrap_or_default();
            for kid in kids.split_whitespace().filter_map(|k| k.parse().ok()) {
                out.push(kid);
                queue.push(kid);
            }
        }
    }
    out
}

/// A running upsmon, its process tree stopped by PID on drop.
struct Upsmon(Child);

impl Drop for Upsmon {
    fn drop(&mut self) {
        for pid in descendants(self.0.id()) {
            kill(pid);
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_upsmon(imp: Impl, dir: &Path) -> Upsmon {
    let out = std::fs::File::create(dir.join("upsmon.out")).unwrap();
    let mut c = match imp {
        Impl::Real => {
            let mut c = Command::new("unshare");
            c.args([
                "-m",
                "sh",
                "-c",
                &format!("mount -t tmpfs tmpfs /run/nut && exec {REAL_UPSMON} -F -u root"),
            ]);
            c
        }
        Impl::Ours => {
            let mut c = Command::new(std::env::current_exe().unwrap());
            c.env(EXEC_ENV, "upsmon").args(["-F", "-u", "root"]);
            c
        }
    };
    let child = c
        .env("NUT_CONFPATH", dir)
        .env("NUT_ALTPIDPATH", dir)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    Upsmon(child)
}

/// The proxy between upsmon and upsd: stamps (ns since the epoch) the
/// first reply to upsmon whose `ups.status` holds `LB`.
struct Proxy {
    seen_lb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start() -> Self {
        let seen_lb = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let listener = TcpListener::bind((HOST, PROXY_PORT)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let (seen, s) = (seen_lb.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let Ok(server) = TcpStream::connect((HOST, UPSD_PORT)) else {
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let up = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let s1 = s.clone();
                std::thread::spawn(move || pump(up.0, up.1, None, &s1));
                let (seen, s2) = (seen.clone(), s.clone());
                std::thread::spawn(move || pump(server, client, Some(&seen), &s2));
            }
        });
        Self { seen_lb, stop }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Copies `from` to `to`; with `seen`, stamps the first `ups.status`
/// reply holding `LB` before forwarding it.
fn pump(mut from: TcpStream, mut to: TcpStream, seen: Option<&AtomicU64>, stop: &AtomicBool) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(50)));
    let mut pending = Vec::<u8>::new();
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if let Some(seen) = seen {
                    for &b in &buf[..n] {
                        if b != b'\n' {
                            pending.push(b);
                            continue;
                        }
                        let text = String::from_utf8_lossy(&pending);
                        let low = text.starts_with("VAR ")
                            && text.contains(" ups.status ")
                            && text
                                .rsplit('"')
                                .nth(1)
                                .is_some_and(|s| s.split_whitespace().any(|t| t == "LB"));
                        if low && seen.load(Ordering::SeqCst) == 0 {
                            seen.store(epoch_ns(), Ordering::SeqCst);
                        }
                        pending.clear();
                    }
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

fn one_run(imp: Impl, phase: Duration) -> Result<Sample, String> {
    let dir = Dir::new(imp.name());
    let nut = Nut::start(&dir)?;
    let proxy = Proxy::start();
    let stamp = dir.0.join("shutdown.stamp");
    let shutdown = dir.write(
        "shutdown.sh",
        &format!("#!/bin/sh\ndate +%s%N > {}\n", stamp.display()),
        0o755,
    );
    let mut conf = format!(
        "RUN_AS_USER root\nMONITOR bench@{HOST}:{PROXY_PORT} 1 monuser monpass primary\n\
         MINSUPPLIES 1\nPOLLFREQ 1\nPOLLFREQALERT 1\nHOSTSYNC 15\nDEADTIME 15\nFINALDELAY 0\n\
         SHUTDOWNCMD \"{}\"\nPOWERDOWNFLAG {}\n",
        shutdown.display(),
        dir.0.join("killpower").display()
    );
    for t in [
        "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "REPLBATT",
        "NOCOMM", "NOPARENT",
    ] {
        conf.push_str(&format!("NOTIFYFLAG {t} SYSLOG\n"));
    }
    dir.write("upsmon.conf", &conf, 0o600);
    std::thread::sleep(phase);
    let upsmon = start_upsmon(imp, &dir.0);
    let end = Instant::now() + Duration::from_secs(10);
    while nut.logins() < 1 {
        if Instant::now() > end {
            return Err(format!(
                "upsmon did not log in: {}",
                std::fs::read_to_string(dir.0.join("upsmon.out")).unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let mut admin = nut.admin().ok_or("no admin connection")?;
    admin
        .set_var("bench", "ups.status", "OB LB")
        .map_err(|e| e.to_string())?;
    // The driver publishes on its next loop (1-2 s later): watch for it.
    let mut watcher = nut.admin().ok_or("no admin connection")?;
    let end = Instant::now() + Duration::from_secs(5);
    let published = loop {
        let status = watcher
            .get_var("bench", "ups.status")
            .map_err(|e| e.to_string())?;
        if status.split_whitespace().any(|t| t == "LB") {
            break epoch_ns();
        }
        if Instant::now() > end {
            return Err("the driver never published OB LB".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let end = Instant::now() + RUN_LIMIT;
    let ran = loop {
        if let Some(ns) = std::fs::read_to_string(&stamp)
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
        {
            break ns;
        }
        if Instant::now() > end {
            return Err("SHUTDOWNCMD never ran".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let seen = proxy.seen_lb.load(Ordering::SeqCst);
    drop(upsmon);
    drop(proxy);
    drop(nut);
    let ms = |from: u64| (ran.saturating_sub(from)) as f64 / 1e6;
    if seen == 0 {
        return Err("the proxy never saw OB LB go to upsmon".into());
    }
    Ok(Sample {
        total_ms: ms(published),
        reaction_ms: ms(seen),
    })
}
