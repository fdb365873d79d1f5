//! Benchmark (issue 7 part 8): wall time and CPU of a full `snmp-ups`
//! poll of a large mapping, ours against NUT 2.8.0's, on the same agent.
//!
//! The agent is our simulator (in this process, on loopback) serving the
//! corpus recording our engine publishes the most variables for among
//! those with outlets (the corpus holds no ePDU; an Eaton 9PX with a
//! Network-M2 card, outlets and an EMP sensor is the largest). Each driver
//! runs `-d 1`: detection, the init walk (every row of the mapping read),
//! one update walk, the dump, exit. That is the full read both drivers do
//! the same way; steady-state polls cannot be compared through `-d N`,
//! since 2.8.0 walks at most once per wall-clock second (`pollfreq` is
//! compared in whole seconds). CPU is the children's user+system time from
//! `/proc/self/stat` (clock ticks of 10 ms: many runs, summed). Wall time
//! is the median run.
//!
//! `cargo bench -p nut-cli --bench snmp_poll` (needs the corpus beside the
//! repository and `/lib/nut/snmp-ups` for the comparison).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nut_snmp::udp::Simulator;
use nut_snmp::{Config, Engine, Recording};

const REAL: &str = "/lib/nut/snmp-ups";
const OURS: &str = env!("CARGO_BIN_EXE_snmp-ups");
/// Runs per driver.
const RUNS: u32 = 30;
/// Assumed `sysconf(_SC_CLK_TCK)` (Linux's USER_HZ).
const TICKS_PER_SECOND: f64 = 100.0;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/snmp/librenms");
    dir.is_dir().then_some(dir)
}

/// The children's CPU time so far (waited-for children only).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    // Fields after the command: state is field 3; cutime 16, cstime 17.
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Duration::from_secs_f64((ticks(16) + ticks(17)) / TICKS_PER_SECOND)
}

/// One driver run: (wall, CPU).
fn run(driver: &str, state: &Path, agent: &str, community: &str) -> (Duration, Duration) {
    let mut command = Command::new(driver);
    command
        .args(["-s", "bench", "-x", &format!("port={agent}")])
        .args(["-x", &format!("community={community}")])
        .args(["-x", "mibs=auto", "-d", "1"])
        .env("NUT_STATEPATH", state)
        .env("NUT_CONFPATH", state)
        .env("NUT_ALTPIDPATH", state)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if std::fs::read_to_string("/proc/self/status").is_ok_and(|s| s.contains("\nUid:\t0\t")) {
        command.args(["-u", "root"]);
    }
    let cpu_before = children_cpu();
    let started = Instant::now();
    let status = command.status().expect("driver runs");
    let wall = started.elapsed();
    assert!(status.success(), "{driver} failed: {status}");
    (wall, children_cpu().saturating_sub(cpu_before))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// Median wall time and mean CPU time of one `-d 1` run.
fn per_run(driver: &str, state: &Path, agent: &str, community: &str) -> (Duration, Duration) {
    let mut walls = Vec::new();
    let mut cpu = Duration::ZERO;
    for _ in 0..RUNS {
        let (wall, used) = run(driver, state, agent, community);
        walls.push(wall);
        cpu += used;
    }
    (median(walls), cpu / RUNS)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("snmp_poll: run with `cargo bench -p nut-cli --bench snmp_poll`");
        return;
    }
    let Some(dir) = corpus() else {
        println!("SKIPPED snmp_poll: corpus not found beside the repository");
        return;
    };
    let mut best: Option<(usize, String, Recording, &'static str)> = None;
    for entry in std::fs::read_dir(&dir).expect("corpus readable").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "snmprec") {
            continue;
        }
        let Ok(rec) = Recording::parse(&std::fs::read(&path).unwrap_or_default()) else {
            continue;
        };
        let mut agent = rec.clone();
        let Ok(mut engine) = Engine::detect(&mut agent, &Config::default()) else {
            continue;
        };
        engine.init(&mut agent);
        let vars = engine.variables().len();
        let has_outlets = engine.get("outlet.count").is_some();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if has_outlets && best.as_ref().is_none_or(|(n, ..)| vars > *n) {
            best = Some((vars, name, rec, engine.mib().name));
        }
    }
    let Some((vars, name, rec, mib)) = best else {
        println!("SKIPPED snmp_poll: no recording with outlets");
        return;
    };
    let sim = Simulator::bind("127.0.0.1:0").expect("simulator binds");
    sim.insert(&name, rec);
    let running = sim.spawn();
    let agent = running.addr().expect("address").to_string();
    let state = std::env::temp_dir().join(format!("nut-rs-snmp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&state).expect("state dir");
    std::fs::write(state.join("ups.conf"), "").expect("ups.conf");
    println!(
        "snmp_poll: {name} (mib {mib}, {vars} variables, outlets), {RUNS} runs of -d 1 \
         (detection + init walk + update walk), v1 over loopback, our simulator as the agent"
    );
    let (our_wall, our_cpu) = per_run(OURS, &state, &agent, &name);
    println!(
        "  ours        full read: wall {:8.3} ms  cpu {:8.3} ms",
        ms(our_wall),
        ms(our_cpu)
    );
    if Path::new(REAL).exists() {
        let (real_wall, real_cpu) = per_run(REAL, &state, &agent, &name);
        println!(
            "  NUT 2.8.0   full read: wall {:8.3} ms  cpu {:8.3} ms",
            ms(real_wall),
            ms(real_cpu)
        );
        let ratio = |a: Duration, b: Duration| {
            if b.is_zero() {
                f64::NAN
            } else {
                a.as_secs_f64() / b.as_secs_f64()
            }
        };
        println!(
            "  ratio ours/NUT: wall {:.2}  cpu {:.2}",
            ratio(our_wall, real_wall),
            ratio(our_cpu, real_cpu)
        );
    } else {
        println!("  NUT 2.8.0: {REAL} not installed, no comparison");
    }
    let _ = std::fs::remove_dir_all(&state);
    drop(running);
}
