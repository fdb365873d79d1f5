//! `cargo bench -p nut-server --bench upsd_vs_real [-- --quick]`: our upsd
//! against the real NUT 2.8.0 upsd, side by side in one run, with the same
//! device data, and a do-nothing line server as the loopback ceiling.
//! Prints a Markdown report with our/real ratios and a verdict per target
//! of issue 3 (see `BENCHMARKS.md` at the repository root).
//!
//! Needs root (the servers run with `-u root`), Debian's `nut-server`
//! 2.8.0 (`/lib/nut/upsd`, `/lib/nut/dummy-ups`) and our release build of
//! `upsd` and `dummy-ups`, which it builds first with
//! `cargo build --release -p nut-cli --bin upsd --bin dummy-ups` into the
//! same target directory (set `NUT_BENCH_NO_BUILD=1` to skip that, or
//! `NUT_BENCH_UPSD` / `NUT_BENCH_DUMMY_UPS` to point elsewhere).
//!
//! Options (after `--`), or environment:
//!
//! * `--quick` / `NUT_BENCH_QUICK=1`: short runs, one repetition, 1,000
//!   idle clients instead of 10,000 (about a minute and a half);
//! * `--phases=a,b` / `NUT_BENCH_PHASES`: only these phases (`start`,
//!   `idle`, `get`, `pipeline`, `list`, `churn`, `refuse`, `crowd`);
//! * `--port-base=N` / `NUT_BENCH_PORT_BASE` (default 14400): the 50
//!   loopback ports from N are used;
//! * `NUT_BENCH_REPORT=FILE`: also write the report there;
//! * `NUT_BENCH_KEEP=1`: keep the labs' files and logs (in the temporary
//!   directory it names).
//!
//! Every process it starts is stopped by PID at the end, on error, on a
//! panic, on SIGINT/SIGTERM and when the watchdog fires.

mod ceiling;
mod labs;
mod load;
mod phases;
mod procs;
mod report;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

use labs::Programs;
use procs::Registry;

/// The whole run is stopped (everything killed) after this long.
const WATCHDOG: Duration = Duration::from_secs(20 * 60);

/// Repetitions of the LIST and churn cells at most.
pub(crate) const MINOR_REPS: usize = 3;

/// Ports used from the base.
pub(crate) const PORTS: u16 = 50;

/// How long and how often things are measured.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Short run.
    pub(crate) quick: bool,
    /// Repetitions of each GET and pipeline cell (the median is reported);
    /// LIST and churn take at most [`MINOR_REPS`].
    pub(crate) reps: usize,
    /// Seconds per GET / pipeline run.
    pub(crate) run_secs: f64,
    /// Seconds per LIST run.
    pub(crate) list_secs: f64,
    /// Seconds per churn run.
    pub(crate) churn_secs: f64,
    /// Idle clients of the crowd test.
    pub(crate) crowd: usize,
    /// Length of the idle CPU / wake-up window.
    pub(crate) idle_window: Duration,
    /// Cold starts per flavor.
    pub(crate) cold_starts: usize,
    /// First loopback port.
    pub(crate) port_base: u16,
    /// Phases to run (`None`: all).
    pub(crate) phases: Option<Vec<String>>,
}

impl Settings {
    fn parse(args: &[String]) -> Result<Self, String> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut quick = env("NUT_BENCH_QUICK").is_some_and(|v| v != "0");
        let mut phases = env("NUT_BENCH_PHASES");
        let mut port_base = env("NUT_BENCH_PORT_BASE");
        for arg in args {
            match arg.as_str() {
                "--quick" => quick = true,
                // cargo bench passes --bench to harness-less benches.
                "--bench" => {}
                other => {
                    if let Some(v) = other.strip_prefix("--phases=") {
                        phases = Some(v.to_owned());
                    } else if let Some(v) = other.strip_prefix("--port-base=") {
                        port_base = Some(v.to_owned());
                    } else {
                        return Err(format!(
                            "unknown argument {other:?}; use --quick, --phases=a,b, --port-base=N"
                        ));
                    }
                }
            }
        }
        let port_base = match port_base {
            Some(text) => text
                .parse::<u16>()
                .ok()
                .filter(|p| *p >= 1024 && p.checked_add(PORTS).is_some())
                .ok_or_else(|| format!("bad port base {text:?}"))?,
            None => 14400,
        };
        let phases = phases.map(|p| p.split(',').map(|s| s.trim().to_owned()).collect());
        Ok(if quick {
            Self {
                quick,
                reps: 1,
                run_secs: 1.0,
                list_secs: 1.0,
                churn_secs: 1.0,
                crowd: 1000,
                idle_window: Duration::from_secs(3),
                cold_starts: 1,
                port_base,
                phases,
            }
        } else {
            Self {
                quick,
                reps: 5,
                run_secs: 2.5,
                list_secs: 2.0,
                churn_secs: 2.0,
                crowd: 10_000,
                idle_window: Duration::from_secs(10),
                cold_starts: 3,
                port_base,
                phases,
            }
        })
    }

    /// Whether phase `name` runs.
    pub(crate) fn wants(&self, name: &str) -> bool {
        self.phases
            .as_ref()
            .is_none_or(|p| p.iter().any(|x| x == name))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, port] = args.as_slice()
        && flag == "--ceiling"
    {
        return match port
            .parse()
            .map_err(|_| "bad port".to_owned())
            .and_then(ceiling::main)
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::parse(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("upsd_vs_real: {e}");
            return ExitCode::from(2);
        }
    };
    let root = std::env::temp_dir().join(format!("nut-bench-{}", std::process::id()));
    let registry = Arc::new(Registry::default());
    watch_signals(Arc::clone(&registry), root.clone());
    let outcome = run(&settings, &registry, &root);
    registry.stop_all();
    if std::env::var_os("NUT_BENCH_KEEP").is_some() {
        eprintln!("upsd_vs_real: labs and logs kept in {}", root.display());
    } else {
        let _ = std::fs::remove_dir_all(&root);
    }
    match outcome {
        Ok(text) => {
            println!("{text}");
            if let Ok(path) = std::env::var("NUT_BENCH_REPORT")
                && let Err(e) = std::fs::write(&path, &text)
            {
                eprintln!("upsd_vs_real: {path}: {e}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("upsd_vs_real: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// SIGINT, SIGTERM or the watchdog: stop every child, remove the files,
/// exit.
fn watch_signals(registry: Arc<Registry>, root: PathBuf) {
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let why = runtime.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                tokio::time::sleep(WATCHDOG).await;
                return "watchdog";
            };
            tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
                () = tokio::time::sleep(WATCHDOG) => "watchdog",
            }
        });
        eprintln!("upsd_vs_real: {why}: stopping every process started");
        registry.stop_all();
        let _ = std::fs::remove_dir_all(&root);
        std::process::exit(130);
    });
}

fn run(settings: &Settings, registry: &Registry, root: &Path) -> Result<String, String> {
    for program in [labs::REAL_UPSD, labs::REAL_DUMMY_UPS] {
        if !Path::new(program).exists() {
            return Err(format!(
                "{program} is missing: install Debian's nut-server 2.8.0 (apt-get install nut-server)"
            ));
        }
    }
    for port in settings.port_base..settings.port_base + PORTS {
        std::net::TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("port {port} is not free ({e}); use --port-base=N"))?;
    }
    let programs = locate_programs()?;
    let nofile = procs::raise_nofile();
    std::fs::create_dir_all(root).map_err(|e| format!("{}: {e}", root.display()))?;
    eprintln!(
        "upsd_vs_real: {} run, ours: {}, loader fd limit {nofile}, load average {}",
        if settings.quick { "quick" } else { "full" },
        programs.our_upsd.display(),
        procs::load_average()
    );
    let mut bench = phases::Bench::new(settings.clone(), registry, root, programs)?;
    bench.run_all()?;
    Ok(report::render(settings, &bench.results, nofile))
}

/// Our release binaries: built (or found up to date) in this benchmark's
/// own target directory.
fn locate_programs() -> Result<Programs, String> {
    if let (Ok(upsd), Ok(dummy)) = (
        std::env::var("NUT_BENCH_UPSD"),
        std::env::var("NUT_BENCH_DUMMY_UPS"),
    ) {
        return Ok(Programs {
            our_upsd: upsd.into(),
            our_dummy_ups: dummy.into(),
        });
    }
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // <target>/release/deps/upsd_vs_real-<hash>
    let release = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot tell the target directory")?
        .to_owned();
    let target = release.parent().ok_or("cannot tell the target directory")?;
    if std::env::var_os("NUT_BENCH_NO_BUILD").is_none() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("no workspace")?;
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        eprintln!("upsd_vs_real: cargo build --release -p nut-cli --bin upsd --bin dummy-ups");
        let status = Command::new(cargo)
            .args(["build", "--release", "-q", "-p", "nut-cli"])
            .args(["--bin", "upsd", "--bin", "dummy-ups"])
            .current_dir(workspace)
            .env("CARGO_TARGET_DIR", target)
            .status()
            .map_err(|e| format!("cargo build: {e}"))?;
        if !status.success() {
            return Err(format!(
                "cargo build of upsd and dummy-ups failed ({status})"
            ));
        }
    }
    let programs = Programs {
        our_upsd: release.join("upsd"),
        our_dummy_ups: release.join("dummy-ups"),
    };
    for p in [&programs.our_upsd, &programs.our_dummy_ups] {
        if !p.exists() {
            return Err(format!(
                "{} is missing: run cargo build --release -p nut-cli --bin upsd --bin dummy-ups",
                p.display()
            ));
        }
    }
    Ok(programs)
}
