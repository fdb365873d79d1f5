//! upslog against the fake upsd: formats, several systems, signals, the
//! background mode and its PID file.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::fake_upsd::{FakeUpsd, standard};
use crate::support::{Run, after_notice, eventually, finish, free_port, run_with, signal};

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nut-cli-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn text(&self, name: &str) -> String {
        fs::read_to_string(self.file(name)).unwrap_or_default()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Kills a still-running upslog when a test fails half-way.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Stops a background upslog by the PID in its PID file when a test fails.
struct DaemonGuard(PathBuf);

impl Drop for DaemonGuard {
    fn drop(&mut self) {
        if let Some(pid) = fs::read_to_string(&self.0)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
        {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

fn spawn_upslog(args: &[&str], pid_dir: &Scratch) -> Child {
    Command::new(env!("CARGO_BIN_EXE_upslog"))
        .args(args)
        .env("NUT_ALTPIDPATH", &pid_dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("upslog runs")
}

#[test]
fn logs_a_custom_format_to_stdout_and_stops_after_count() {
    let fake = FakeUpsd::start(standard);
    let scratch = Scratch::new("upslog-count");
    let system = fake.target("ups");
    let how = Run::default().env("NUT_ALTPIDPATH", &scratch.0.display().to_string());
    let out = run_with(
        "upslog",
        &[
            "-s",
            &system,
            "-l",
            "-",
            "-i",
            "1",
            "-d",
            "2",
            "-f",
            "%VAR ups.status%|%VAR battery.charge%|%VAR no.such%|%VAR nodot%|%UPSHOST%|%TIME @Y%|%ETIME%",
        ],
        &how,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "Network UPS Tools upslog 2.8.0");
    assert_eq!(
        lines[1],
        format!("logging status of {system} to - (1s intervals)")
    );
    assert_eq!(lines.len(), 4, "{out:?}");
    let year = chrono::Local::now().format("%Y").to_string();
    for line in &lines[2..] {
        let fields: Vec<&str> = line.split('|').collect();
        assert_eq!(
            fields[..6],
            [
                "OL CHRG",
                "100",
                "NA",
                "INVALID",
                system.as_str(),
                year.as_str()
            ]
        );
        assert!(
            fields[6].parse::<u64>().is_ok_and(|t| t > 1_600_000_000),
            "{line}"
        );
    }
    // The PID file is removed on a clean exit.
    assert!(!scratch.file("upslog.pid").exists());
}

#[test]
fn several_systems_share_one_file_with_the_system_prefix() {
    // -m and -N come from NUT 2.8.3+.
    let fake = FakeUpsd::start(standard);
    let scratch = Scratch::new("upslog-multi");
    let log = scratch.file("all.log").display().to_string();
    let (a, b) = (fake.target("ups"), fake.target("nosuch"));
    let how = Run::default().env("NUT_ALTPIDPATH", &scratch.0.display().to_string());
    let out = run_with(
        "upslog",
        &[
            "-F",
            "-N",
            "-d",
            "1",
            "-s",
            &a,
            "-l",
            &log,
            "-m",
            &format!("{b},{log}"),
            "-f",
            "[%VAR ups.status%]",
        ],
        &how,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        scratch.text("all.log"),
        format!("{a}\t[OL CHRG]\n{b}\t[NA]\n")
    );
}

#[test]
fn unreachable_server_is_a_warning_and_values_are_na() {
    let port = free_port().expect("free port");
    let scratch = Scratch::new("upslog-refused");
    let how = Run::default().env("NUT_ALTPIDPATH", &scratch.0.display().to_string());
    let out = run_with(
        "upslog",
        &["-s", &format!("ups@127.0.0.1:{port}"), "-l", "-", "-d", "1"],
        &how,
    );
    assert_eq!(out.code, Some(0));
    assert_eq!(
        out.stderr,
        "Warning: initial connect failed: Connection failure: Connection refused\n"
    );
    assert!(out.stdout.ends_with(" NA NA NA [NA] NA NA\n"), "{out:?}");
}

#[test]
fn sighup_reopens_the_log_and_sigusr1_logs_at_once() {
    let fake = FakeUpsd::start(standard);
    let scratch = Scratch::new("upslog-signals");
    let log = scratch.file("ups.log");
    let log_text = log.display().to_string();
    let mut guard = Guard(Some(spawn_upslog(
        &[
            "-F",
            "-s",
            &fake.target("ups"),
            "-l",
            &log_text,
            "-i",
            "30",
            "-f",
            "%VAR ups.status%",
        ],
        &scratch,
    )));
    let pid = guard.0.as_ref().map_or(0, Child::id);
    assert!(eventually(Duration::from_secs(10), || scratch
        .text("ups.log")
        == "OL CHRG\n"));
    // Log rotation: move the file away, SIGHUP, and the next line goes to a new file.
    fs::rename(&log, scratch.file("ups.log.1")).expect("rotate");
    signal(pid, "HUP");
    assert!(eventually(Duration::from_secs(10), || scratch
        .text("ups.log")
        == "OL CHRG\n"));
    // SIGUSR1 logs right away instead of waiting for the 30 s interval.
    let started = Instant::now();
    signal(pid, "USR1");
    assert!(eventually(Duration::from_secs(10), || {
        scratch.text("ups.log") == "OL CHRG\nOL CHRG\n"
    }));
    assert!(started.elapsed() < Duration::from_secs(10));
    signal(pid, "TERM");
    let child = guard.0.take().expect("child");
    let out = finish(child, Duration::from_secs(10));
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.stderr,
        after_notice("Signal 1: reopening log file\nSignal 15: exiting\n")
    );
    assert_eq!(scratch.text("ups.log.1"), "OL CHRG\n");
}

#[test]
fn logging_to_a_file_goes_to_the_background_with_a_pid_file() {
    let fake = FakeUpsd::start(standard);
    let scratch = Scratch::new("upslog-daemon");
    let log = scratch.file("bg.log").display().to_string();
    let how = Run::default().env("NUT_ALTPIDPATH", &scratch.0.display().to_string());
    let started = Instant::now();
    let out = run_with(
        "upslog",
        &[
            "-s",
            &fake.target("ups"),
            "-l",
            &log,
            "-i",
            "1",
            "-f",
            "%VAR battery.charge%",
            "-p",
            "bglog",
        ],
        &how,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the foreground part returns at once"
    );
    let pid_file = scratch.file("bglog.pid");
    let _daemon = DaemonGuard(pid_file.clone());
    assert!(eventually(Duration::from_secs(10), || pid_file.exists()));
    let pid: u32 = scratch.text("bglog.pid").trim().parse().expect("a pid");
    assert!(eventually(Duration::from_secs(10), || scratch
        .text("bg.log")
        .lines()
        .count()
        >= 2));
    assert!(scratch.text("bg.log").lines().all(|l| l == "100"));
    signal(pid, "TERM");
    assert!(
        eventually(Duration::from_secs(10), || !pid_file.exists()),
        "daemon stopped"
    );
}

#[test]
fn help_and_missing_arguments() {
    let out = run_with("upslog", &["-h"], &Run::default());
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout
            .starts_with("Network UPS Tools upslog 2.8.0\nUPS status logger.\n")
    );
    let out = run_with("upslog", &[], &Run::default());
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(1), "No UPS defined for monitoring - use -s <system>\n")
    );
    let port = free_port().expect("free port");
    let system = format!("ups@127.0.0.1:{port}");
    let out = run_with(
        "upslog",
        &["-s", &system, "-l", "/nonexistent/dir/x.log"],
        &Run::default(),
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            Some(1),
            "Warning: initial connect failed: Connection failure: Connection refused\n\
             could not open logfile /nonexistent/dir/x.log: No such file or directory\n"
        )
    );
}
