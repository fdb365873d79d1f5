//! Our `upsd` binary as a process: options, start-up refusals (against the
//! real upsd's), the PID file with `-c reload|stop`, background start,
//! SIGHUP with good and bad configurations, SIGTERM.
//!
//! The binary is looked up next to this test's executable
//! (`<target>/debug/upsd`, built by `cargo build -p nut-cli --bin upsd` or
//! any workspace test run); without it the tests skip loudly, and fail
//! under CI.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::support::fake_driver::{FakeDriver, RICH_DUMP};
use crate::support::lab::USERS;
use crate::support::wire::Wire;
use crate::support::{
    REAL_UPSD, TempDir, current_user, free_port, in_ci, real_nut_lock, run_bounded, signal_child,
    spawn_logged, stop_children, wait_for,
};

/// How long a start-up that should fail may take.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Our binary, or `None` after a loud skip (a failure under CI).
fn our_binary(test: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("upsd");
    if bin.is_file() {
        return Some(bin);
    }
    assert!(
        !in_ci(),
        "{test}: {} is missing; build it with `cargo build -p nut-cli --bin upsd`",
        bin.display()
    );
    eprintln!(
        "SKIPPED {test}: {} not built (cargo build -p nut-cli --bin upsd)",
        bin.display()
    );
    None
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// A configuration directory with a state directory inside.
fn conf_dir(tag: &str) -> TempDir {
    let dir = TempDir::new(tag).expect("temp dir");
    let state = dir.path().join("state");
    std::fs::create_dir(&state).expect("state");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    dir
}

fn command(program: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("NUT_CONFPATH", dir)
        .env("NUT_STATEPATH", dir.join("state"))
        .env("NUT_ALTPIDPATH", dir.join("state"))
        .env_remove("NUT_DEBUG_LEVEL")
        .env_remove("ALLOW_NO_DEVICE")
        .env_remove("ALLOW_NOT_ALL_LISTENERS");
    cmd
}

/// One refusal scenario: the files to write (`PORT` replaced), and the
/// line both daemons print (`DIR` replaced).
struct Refusal {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    line: &'static str,
}

const REFUSALS: &[Refusal] = &[
    Refusal {
        name: "no upsd.conf",
        files: &[],
        line: "stat DIR/upsd.conf: No such file or directory",
    },
    Refusal {
        name: "no ups.conf",
        files: &[("upsd.conf", "LISTEN 127.0.0.1 PORT\n")],
        line: "Can't open DIR/ups.conf: Can't open DIR/ups.conf: No such file or directory",
    },
    Refusal {
        name: "no UPS in ups.conf",
        files: &[
            ("upsd.conf", "LISTEN 127.0.0.1 PORT\n"),
            ("ups.conf", "maxretry = 3\n"),
        ],
        line: "Fatal error: at least one UPS must be defined in ups.conf",
    },
    Refusal {
        name: "no upsd.users",
        files: &[
            ("upsd.conf", "LISTEN 127.0.0.1 PORT\n"),
            ("ups.conf", "[u]\n driver = fake\n port = none\n"),
        ],
        line: "stat DIR/upsd.users: No such file or directory",
    },
    Refusal {
        name: "no listener",
        files: &[
            ("upsd.conf", "LISTEN 192.0.2.1 PORT\n"),
            ("ups.conf", "[u]\n driver = fake\n port = none\n"),
            ("upsd.users", ""),
        ],
        line: "no listening interface available",
    },
];

/// Runs one scenario with `program`; returns (exit code, stdout+stderr).
fn refuse(program: &Path, scenario: &Refusal) -> (Option<i32>, String, String) {
    let dir = conf_dir("upsd-refuse");
    let port = free_port().to_string();
    for (name, text) in scenario.files {
        write_private(&dir.path().join(name), &text.replace("PORT", &port));
    }
    let user = current_user();
    let mut cmd = command(program, dir.path(), &["-F", "-u", &user]);
    let (code, out, err) = run_bounded(&mut cmd, REFUSAL_TIMEOUT);
    let line = scenario.line.replace("DIR", &dir.path().to_string_lossy());
    (code, format!("{out}{err}"), line)
}

#[test]
fn start_up_refusals_match_the_real_upsd() {
    let Some(ours) = our_binary("start_up_refusals_match_the_real_upsd") else {
        return;
    };
    let real = Path::new(REAL_UPSD).is_file().then(|| Path::new(REAL_UPSD));
    if real.is_none() {
        assert!(!in_ci(), "real upsd required under CI");
        eprintln!("(real upsd missing: checking ours against recorded messages only)");
    }
    let _lock = real_nut_lock();
    for scenario in REFUSALS {
        let (code, text, line) = refuse(&ours, scenario);
        assert_eq!(code, Some(1), "{}: ours\n{text}", scenario.name);
        assert!(
            text.lines().any(|l| l == line),
            "{}: ours lacks {line:?}\n{text}",
            scenario.name
        );
        if let Some(real) = real {
            let (code, text, line) = refuse(real, scenario);
            assert_eq!(code, Some(1), "{}: real\n{text}", scenario.name);
            assert!(
                text.lines().any(|l| l == line),
                "{}: the real upsd lacks {line:?}\n{text}",
                scenario.name
            );
        }
    }
    eprintln!("compared {} start-up refusals", REFUSALS.len());
}

#[test]
fn help_version_and_retired_options_match_the_real_upsd() {
    let Some(ours) = our_binary("help_version_and_retired_options_match_the_real_upsd") else {
        return;
    };
    let cases: &[&[&str]] = &[
        &["-h"],
        &["-V"],
        &["-i", "1.2.3.4"],
        &["-p", "3493"],
        &["-x"],
    ];
    for args in cases {
        let mine = run_bounded(Command::new(&ours).args(*args), REFUSAL_TIMEOUT);
        if Path::new(REAL_UPSD).is_file() {
            let theirs = run_bounded(Command::new(REAL_UPSD).args(*args), REFUSAL_TIMEOUT);
            let fix = |text: &str, program: &str| text.replace(program, "upsd");
            assert_eq!(
                (
                    mine.0,
                    fix(&mine.1, &ours.to_string_lossy()),
                    fix(&mine.2, &ours.to_string_lossy())
                ),
                (theirs.0, theirs.1.clone(), fix(&theirs.2, REAL_UPSD)),
                "upsd {args:?}"
            );
        }
        assert!(
            mine.1.starts_with("Network UPS Tools upsd 2.8.0\n"),
            "{mine:?}"
        );
    }
}

/// Kills the daemon named by a PID file when dropped (background tests).
struct PidGuard(PathBuf);

impl Drop for PidGuard {
    fn drop(&mut self) {
        if let Some(pid) = std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
        {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

fn write_lab(dir: &Path, port: u16, upses: &[&str]) {
    write_private(
        &dir.join("upsd.conf"),
        &format!("LISTEN 127.0.0.1 {port}\n"),
    );
    let mut ups_conf = String::new();
    for ups in upses {
        ups_conf.push_str(&format!("[{ups}]\n  driver = fake\n  port = none\n"));
    }
    write_private(&dir.join("ups.conf"), &ups_conf);
    write_private(&dir.join("upsd.users"), USERS);
}

fn list_ups(port: u16) -> Vec<String> {
    Wire::connect(port)
        .and_then(|mut w| w.request("LIST UPS"))
        .unwrap_or_default()
}

#[test]
fn background_pid_file_reload_and_stop() {
    let Some(ours) = our_binary("background_pid_file_reload_and_stop") else {
        return;
    };
    let dir = conf_dir("upsd-bg");
    let state = dir.path().join("state");
    let _a = FakeDriver::start(&state.join("fake-a"), RICH_DUMP).expect("driver a");
    let _b = FakeDriver::start(&state.join("fake-b"), RICH_DUMP).expect("driver b");
    let port = free_port();
    write_lab(dir.path(), port, &["a"]);
    let user = current_user();
    let pid_file = state.join("upsd.pid");
    let _guard = PidGuard(pid_file.clone());
    let (code, out, err) = run_bounded(
        &mut command(&ours, dir.path(), &["-u", &user]),
        Duration::from_secs(20),
    );
    assert_eq!(code, Some(0), "background start\n{out}{err}");
    assert!(
        err.contains(&format!("listening on 127.0.0.1 port {port}")),
        "{err}"
    );
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .expect("PID file")
        .trim()
        .parse()
        .expect("PID");
    assert_eq!(list_ups(port)[1], "UPS a \"Description unavailable\"");
    // A second instance refuses.
    let (code, out, err) = run_bounded(
        &mut command(&ours, dir.path(), &["-u", &user]),
        Duration::from_secs(20),
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("Fatal error: A previous upsd instance is already running!"),
        "{out}{err}"
    );
    // -c reload through the PID file.
    write_lab(dir.path(), port, &["a", "b"]);
    let (code, _, err) = run_bounded(
        &mut command(&ours, dir.path(), &["-c", "reload"]),
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(0), "{err}");
    wait_for("reload adds [b]", Duration::from_secs(10), || {
        (list_ups(port).len() == 4).then_some(())
    });
    // -c stop (a prefix works, as in upsd).
    let (code, _, err) = run_bounded(
        &mut command(&ours, dir.path(), &["-c", "st"]),
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(0), "{err}");
    wait_for("upsd exits", Duration::from_secs(10), || {
        (!Path::new(&format!("/proc/{pid}")).exists() || !pid_file.exists()).then_some(())
    });
    wait_for("PID file removed", Duration::from_secs(5), || {
        (!pid_file.exists()).then_some(())
    });
    let (code, _, err) = run_bounded(
        &mut command(&ours, dir.path(), &["-c", "stop"]),
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("Failed to signal the currently running daemon (if any)"),
        "{err}"
    );
}

#[test]
fn sighup_applies_good_configurations_and_keeps_the_old_on_bad_ones() {
    let Some(ours) = our_binary("sighup_applies_good_configurations_and_keeps_the_old_on_bad_ones")
    else {
        return;
    };
    let dir = conf_dir("upsd-hup");
    let state = dir.path().join("state");
    let _a = FakeDriver::start(&state.join("fake-a"), RICH_DUMP).expect("driver a");
    let _b = FakeDriver::start(&state.join("fake-b"), RICH_DUMP).expect("driver b");
    let port = free_port();
    write_lab(dir.path(), port, &["a"]);
    let log = dir.path().join("upsd.log");
    let user = current_user();
    let mut child: Child =
        spawn_logged(&mut command(&ours, dir.path(), &["-F", "-u", &user]), &log).expect("spawn");
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for("serving [a]", Duration::from_secs(10), || {
        (list_ups(port).len() == 3).then_some(())
    });
    // A line that does not parse: the reload is refused, [a] stays.
    write_private(
        &dir.path().join("ups.conf"),
        "[a]\n  driver = fake\n  port = none\n  desc = \"bad # here\"\n",
    );
    signal_child(&child, Signal::SIGHUP);
    wait_for("the bad reload is logged", Duration::from_secs(10), || {
        read_log()
            .contains("Reload failed: Parse error: ")
            .then_some(())
    });
    assert_eq!(list_ups(port)[1], "UPS a \"Description unavailable\"");
    write_lab(dir.path(), port, &["b"]);
    signal_child(&child, Signal::SIGHUP);
    wait_for(
        "reload replaces [a] by [b]",
        Duration::from_secs(10),
        || {
            (list_ups(port).get(1).map(String::as_str) == Some("UPS b \"Description unavailable\""))
                .then_some(())
        },
    );
    signal_child(&child, Signal::SIGTERM);
    let status = wait_for("exit after SIGTERM", Duration::from_secs(10), || {
        child.try_wait().ok().flatten()
    });
    assert_eq!(status.code(), Some(0));
    let text = read_log();
    for line in [
        "Running as foreground process, not saving a PID file",
        "Connected to UPS [a]: fake-a",
        "SIGHUP: reloading configuration",
        "Deleting UPS [a]",
        "Connected to UPS [b]: fake-b",
        "Signal 15: exiting",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    stop_children(&mut [&mut child]);
}

#[test]
fn an_unknown_user_is_refused() {
    let Some(ours) = our_binary("an_unknown_user_is_refused") else {
        return;
    };
    let dir = conf_dir("upsd-user");
    write_lab(dir.path(), free_port(), &["a"]);
    let (code, out, err) = run_bounded(
        &mut command(&ours, dir.path(), &["-F", "-u", "no-such-user-nut-rs"]),
        REFUSAL_TIMEOUT,
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("user no-such-user-nut-rs not found"), "{err}");
}

/// CPU time (user + system) a process has used, from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

#[test]
fn running_out_of_descriptors_backs_off_instead_of_spinning() {
    let Some(ours) = our_binary("running_out_of_descriptors_backs_off_instead_of_spinning") else {
        return;
    };
    if !Path::new("/usr/bin/prlimit").is_file() {
        assert!(!in_ci(), "prlimit required under CI");
        eprintln!("SKIPPED running_out_of_descriptors_backs_off_instead_of_spinning: no prlimit");
        return;
    }
    let dir = conf_dir("upsd-emfile");
    let state = dir.path().join("state");
    let _a = FakeDriver::start(&state.join("fake-a"), RICH_DUMP).expect("driver a");
    let port = free_port();
    write_lab(dir.path(), port, &["a"]);
    let log = dir.path().join("upsd.log");
    let user = current_user();
    let mut child =
        spawn_logged(&mut command(&ours, dir.path(), &["-F", "-u", &user]), &log).expect("spawn");
    wait_for("serving [a]", Duration::from_secs(10), || {
        (list_ups(port).len() == 3).then_some(())
    });
    let mut first = Wire::connect(port).expect("first client");
    let (code, _, err) = run_bounded(
        Command::new("/usr/bin/prlimit").args(["--pid", &child.id().to_string(), "--nofile=24:24"]),
        Duration::from_secs(5),
    );
    assert_eq!(code, Some(0), "prlimit: {err}");
    // More clients than descriptors: the kernel queues them, accept fails.
    let crowd: Vec<_> = (0..40)
        .filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_time(child.id());
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_time(child.id()) - before;
    assert!(
        used < Duration::from_millis(500),
        "upsd used {used:?} of CPU in 2 s"
    );
    assert_eq!(first.request("NETVER").expect("served"), ["1.3"]);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        text.matches("accept: Too many open files").count(),
        1,
        "logged once, not per attempt:\n{text}"
    );
    drop(crowd);
    stop_children(&mut [&mut child]);
}
