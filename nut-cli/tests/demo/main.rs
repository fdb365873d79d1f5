//! `nut demo` as a process: the outage is played from power failure to
//! upsmon's shutdown decision, every line timestamped, the notifications in
//! NUT's order, and no shutdown runs; Ctrl-C stops it early; its options.
//!
//! Run: `cargo test -p nut-cli --test demo`.

// Tests panic on broken setups by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Our multi-call binary.
const NUT: &str = env!("CARGO_BIN_EXE_nut");

/// The longest a `--fast` outage may take (it needs about 6 s).
const FAST_BOUND: Duration = Duration::from_secs(60);

/// How long the demo may take to stop after SIGINT.
const STOP_BOUND: Duration = Duration::from_secs(10);

/// Programs that would shut a machine down; the tests put traps with these
/// names first in the demo's PATH.
const SHUTDOWN_PROGRAMS: &[&str] = &[
    "shutdown",
    "poweroff",
    "halt",
    "reboot",
    "systemctl",
    "init",
    "telinit",
    "loginctl",
];

/// What the demo's SHUTDOWNCMD would print if it ran.
const SHUTDOWN_ECHO: &str = "nut demo: this is where the system would power off";

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("nutrs-demo-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// A `bin/` of traps that record their name in `tripped` if anything
    /// calls them.
    fn traps(&self) -> PathBuf {
        let bin = self.0.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for name in SHUTDOWN_PROGRAMS {
            let path = bin.join(name);
            std::fs::write(
                &path,
                format!(
                    "#!/bin/sh\necho {name} \"$@\" >> {}\n",
                    self.tripped().display()
                ),
            )
            .unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        bin
    }

    fn tripped(&self) -> PathBuf {
        self.0.join("tripped")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `nut demo args…` with the traps first in PATH, stdout and stderr to files.
fn demo(scratch: &Scratch, args: &[&str]) -> Child {
    let path = format!(
        "{}:{}",
        scratch.traps().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(NUT)
        .arg("demo")
        .args(args)
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(scratch.0.join("stdout")).unwrap())
        .stderr(std::fs::File::create(scratch.0.join("stderr")).unwrap())
        .spawn()
        .unwrap()
}

fn read(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        file.read_to_string(&mut text).unwrap();
    }
    text
}

/// Waits for `child` to exit within `bound`; kills it (by its PID) when it
/// does not.
fn wait_bounded(child: &mut Child, bound: Duration) -> Option<i32> {
    let end = Instant::now() + bound;
    while Instant::now() < end {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// One timestamped line: `HH:MM:SS.mmm  <elapsed>s  <who> <what>`.
#[derive(Debug)]
struct Event {
    elapsed: f64,
    who: String,
    what: String,
}

fn events(stdout: &str) -> Vec<Event> {
    stdout
        .lines()
        .filter_map(|line| {
            let (clock, rest) = line.split_once(' ')?;
            let ok = clock.len() == 12
                && clock.bytes().enumerate().all(|(i, b)| match i {
                    2 | 5 => b == b':',
                    8 => b == b'.',
                    _ => b.is_ascii_digit(),
                });
            if !ok {
                return None;
            }
            let rest = rest.trim_start();
            let (elapsed, rest) = rest.split_once("s  ")?;
            let (who, what) = rest.split_once(' ')?;
            Some(Event {
                elapsed: elapsed.trim().parse().ok()?,
                who: who.to_owned(),
                what: what.trim_start().to_owned(),
            })
        })
        .collect()
}

/// The notification types, in printed order.
fn notifications(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .filter(|e| e.who == "notify")
        .filter_map(|e| e.what.split_whitespace().next())
        .collect()
}

fn position(events: &[Event], what: impl Fn(&Event) -> bool) -> Option<usize> {
    events.iter().position(what)
}

/// The demo directory named in the header.
fn demo_dir(stdout: &str) -> PathBuf {
    let start = stdout
        .find("dummy-ups plays ")
        .expect("the header names the device")
        + 16;
    let device = stdout[start..].split_whitespace().next().unwrap();
    Path::new(device).parent().unwrap().to_owned()
}

#[test]
fn the_fast_outage_runs_to_the_shutdown_decision_and_shuts_nothing_down() {
    let scratch = Scratch::new("fast");
    let mut child = demo(&scratch, &["--fast", "--port", "0"]);
    let code = wait_bounded(&mut child, FAST_BOUND);
    let stdout = read(&scratch.0.join("stdout"));
    let stderr = read(&scratch.0.join("stderr"));
    assert_eq!(
        code,
        Some(0),
        "exit within {FAST_BOUND:?}\n{stdout}\n{stderr}"
    );
    let events = events(&stdout);

    // upsmon's notifications, in NUT's order (a primary is not notified of
    // the FSD it sets itself: the FSD shows in the status instead).
    assert_eq!(
        notifications(&events),
        ["ONBATT", "LOWBATT", "SHUTDOWN"],
        "{stdout}"
    );
    let status = |e: &Event| e.who == "status";
    let first_status = events.iter().find(|e| status(e)).expect("a status");
    assert!(first_status.what.starts_with("OL "), "{stdout}");
    assert!(first_status.what.contains("charge 100 %"), "{stdout}");
    let on_battery = position(&events, |e| status(e) && e.what.starts_with("OB DISCHRG ")).unwrap();
    let onbatt = position(&events, |e| e.what.starts_with("ONBATT ")).unwrap();
    let lowbatt = position(&events, |e| e.what.starts_with("LOWBATT ")).unwrap();
    let fsd = position(&events, |e| {
        status(e) && e.what.starts_with("FSD OB DISCHRG LB")
    })
    .unwrap_or_else(|| panic!("upsd shows the FSD upsmon set\n{stdout}"));
    let shutdown = position(&events, |e| e.what.starts_with("SHUTDOWN ")).unwrap();
    let command = position(&events, |e| {
        e.who == "upsmon" && e.what.starts_with("SHUTDOWNCMD would run now: echo ")
    })
    .unwrap_or_else(|| panic!("the decision\n{stdout}"));
    // The demo reads the status five times a second, upsmon once a second:
    // a status line and the notification it causes come in either order.
    assert!(
        onbatt < lowbatt && lowbatt < shutdown && on_battery < lowbatt && lowbatt < fsd,
        "{stdout}"
    );
    assert!(shutdown < command && fsd < command, "{stdout}");
    assert!(events[command].what.ends_with("(not run: this is a demo)"));
    // The charge falls while on battery.
    assert!(
        events
            .iter()
            .any(|e| status(e) && e.what.contains("charge  18 %")),
        "{stdout}"
    );
    // Time only moves forward; FINALDELAY (1 s at --fast) separates the
    // SHUTDOWN notification from SHUTDOWNCMD; the whole outage is quick.
    assert!(
        events.windows(2).all(|w| w[0].elapsed <= w[1].elapsed),
        "{stdout}"
    );
    let final_delay = events[command].elapsed - events[shutdown].elapsed;
    assert!(
        (0.8..2.5).contains(&final_delay),
        "FINALDELAY {final_delay}\n{stdout}"
    );
    assert!(events[command].elapsed < 20.0, "{stdout}");
    assert!(
        stdout.contains("\nnut demo: shutdown decision at ")
            && stdout.contains("this demo ran no shutdown. Stopping.\n"),
        "{stdout}"
    );

    // Nothing shut down: no trap was called, SHUTDOWNCMD itself never ran
    // (its echo would be a line of its own), and the directory is gone.
    assert!(!scratch.tripped().exists(), "{}", read(&scratch.tripped()));
    assert!(!stdout.lines().any(|l| l == SHUTDOWN_ECHO), "{stdout}");
    assert!(!demo_dir(&stdout).exists());
}

#[test]
fn ctrl_c_stops_the_outage_before_the_decision() {
    let scratch = Scratch::new("sigint");
    // Real time: on battery after 5 s, low battery after 20 s.
    let mut child = demo(&scratch, &["--port", "0"]);
    let end = Instant::now() + FAST_BOUND;
    while !read(&scratch.0.join("stdout")).contains(" notify  ONBATT ") {
        assert!(
            Instant::now() < end,
            "no ONBATT: {}",
            read(&scratch.0.join("stdout"))
        );
        if child.try_wait().unwrap().is_some() {
            panic!("the demo ended early: {}", read(&scratch.0.join("stderr")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = wait_bounded(&mut child, STOP_BOUND);
    let stdout = read(&scratch.0.join("stdout"));
    let stderr = read(&scratch.0.join("stderr"));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let dir = demo_dir(&stdout);
    assert!(
        stderr.contains(&format!(
            "nut demo: stopped by signal 2; removed {}\n",
            dir.display()
        )),
        "{stderr}"
    );
    assert!(!dir.exists());
    assert_eq!(notifications(&events(&stdout)), ["ONBATT"], "{stdout}");
    assert!(!stdout.contains("SHUTDOWNCMD"), "{stdout}");
    assert!(!scratch.tripped().exists());
}

#[test]
fn options_help_and_bad_speeds() {
    let help = Command::new(NUT).args(["demo", "-h"]).output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--fast",
        "--speed N",
        "--keep-serving",
        "--no-outage",
        "--device FILE",
    ] {
        assert!(text.contains(option), "{option}: {text}");
    }
    for (speed, shown) in [("0", "0"), ("101", "101"), ("fast", "fast")] {
        let out = Command::new(NUT)
            .args(["demo", "--speed", speed])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{speed}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!(
                "nut demo: --speed {shown}: not a speed (1 to 100)\nusage: nut demo"
            )),
            "{err}"
        );
    }
}

/// The port named in the header.
fn demo_port(stdout: &str) -> u16 {
    let start = stdout
        .find("on 127.0.0.1 port ")
        .expect("the header names the port")
        + 18;
    let digits: String = stdout[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// `GET VAR demo <var>` over a raw connection.
fn get_var(port: u16, var: &str) -> String {
    use std::io::{BufRead as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(STOP_BOUND)).unwrap();
    writeln!(stream, "GET VAR demo {var}").unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .unwrap();
    line.trim_end().to_owned()
}

#[test]
fn keep_serving_leaves_the_fsd_ups_served_until_ctrl_c() {
    let scratch = Scratch::new("keep");
    let mut child = demo(&scratch, &["--fast", "--keep-serving", "--port", "0"]);
    let end = Instant::now() + FAST_BOUND;
    while !read(&scratch.0.join("stdout")).contains("upsd keeps serving the UPS") {
        assert!(
            Instant::now() < end,
            "no decision: {}",
            read(&scratch.0.join("stdout"))
        );
        if child.try_wait().unwrap().is_some() {
            panic!("the demo ended early: {}", read(&scratch.0.join("stderr")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let stdout = read(&scratch.0.join("stdout"));
    // upsd still serves the UPS, with the FSD upsmon set.
    assert_eq!(
        get_var(demo_port(&stdout), "ups.status"),
        "VAR demo ups.status \"FSD OB DISCHRG LB\""
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "still serving");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(wait_bounded(&mut child, STOP_BOUND), Some(0));
    let stderr = read(&scratch.0.join("stderr"));
    let dir = demo_dir(&stdout);
    assert!(
        stderr.contains(&format!(
            "nut demo: stopped by signal 2; removed {}\n",
            dir.display()
        )),
        "{stderr}"
    );
    assert!(!dir.exists());
    assert!(!scratch.tripped().exists());
}
