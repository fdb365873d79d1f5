//! `nut demo --no-outage` as a process: it serves our clients and NUT's the same
//! bytes, takes a SET through `upsrw`, hosts its driver in its own process,
//! and on SIGTERM stops and removes its directory.
//!
//! The process is our `nut` binary when it sits beside this test binary
//! (any workspace build puts it there), else this test binary running the
//! same `nut_server::stack::demo::main` (a loud note says so; our clients
//! then come from nowhere, which fails under `CI`).

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nut_server::stack::demo::{ADMIN_PASSWORD, ADMIN_USER, READY_LINE, UPS_NAME};

use crate::child::ours;
use crate::support::{
    Lab, Proc, REAL_UPSC, REAL_UPSRW, Wire, free_port, in_ci, our_nut_binary, real_nut,
    run_bounded, serial, wait_until,
};

/// How long the demo may take to print its instructions.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long it may take to stop after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a SET may take to show in `GET VAR`.
const SET_TIMEOUT: Duration = Duration::from_secs(5);

/// The `nut` binary, or `None` after saying the demo runs in this binary.
fn nut_or_note(test: &str) -> Option<PathBuf> {
    let nut = our_nut_binary();
    if nut.is_none() {
        assert!(
            !in_ci(),
            "{test}: our `nut` binary is required under CI (build the workspace first)"
        );
        eprintln!(
            "NOTE {test}: no `nut` binary beside the test binary (cargo build -p nut-cli): \
             running the demo through this test binary; our clients are SKIPPED"
        );
    }
    nut
}

/// A command running `nut demo args…`.
fn demo_command(nut: Option<&Path>, args: &[&str]) -> Command {
    match nut {
        Some(path) => {
            let mut command = Command::new(path);
            command.arg("demo").args(args).stdin(Stdio::null());
            command
        }
        None => {
            let mut command = ours("demo", args);
            command.stdin(Stdio::null());
            command
        }
    }
}

/// A running demo and what it printed up to its ready line.
struct Running {
    process: Proc,
    printed: Vec<String>,
    dir: PathBuf,
}

fn start(nut: Option<&Path>, port: u16, stderr: &Path) -> Running {
    // The serving demo (the `nut` binary plays an outage by default).
    let mut command = demo_command(nut, &["--no-outage", "--port", &port.to_string()]);
    let log = std::fs::File::create(stderr).expect("stderr file");
    command.stdout(Stdio::piped()).stderr(log);
    let mut process = Proc::spawn("nut demo", command);
    let stdout = process.child_mut().stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut printed = Vec::new();
    while printed.last().map(String::as_str) != Some(READY_LINE) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => printed.push(line),
            Err(_) => panic!(
                "the demo did not get ready in {READY_TIMEOUT:?}; printed {printed:?}; stderr: {}",
                std::fs::read_to_string(stderr).unwrap_or_default()
            ),
        }
    }
    let dir = printed
        .iter()
        .find_map(|l| l.strip_prefix("Configuration and sockets: "))
        .and_then(|rest| rest.strip_suffix(" (removed on exit)."))
        .map(PathBuf::from)
        .expect("the directory is printed");
    Running {
        process,
        printed,
        dir,
    }
}

/// The driver's answer to `GETPID` on its socket.
fn driver_pid(socket: &Path) -> Option<i32> {
    use std::io::Write;
    let stream = std::os::unix::net::UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    (&stream).write_all(b"GETPID\n").ok()?;
    BufReader::new(&stream)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("PID ").and_then(|p| p.parse().ok()))
}

fn get_var(port: u16, var: &str) -> String {
    Wire::connect(port)
        .expect("connect")
        .request(&format!("GET VAR {UPS_NAME} {var}"))
}

/// `upsrw -s var=value` with `user`/`password` through `program` (with
/// `prefix` words first); the exit code.
fn upsrw_set(program: &[&str], port: u16, var: &str, value: &str, password: &str) -> Option<i32> {
    let (first, prefix) = program.split_first().expect("program");
    let (code, _, _) = run_bounded(Command::new(first).args(prefix).args([
        "-s",
        &format!("{var}={value}"),
        "-u",
        ADMIN_USER,
        "-p",
        password,
        &format!("{UPS_NAME}@127.0.0.1:{port}"),
    ]));
    code
}

#[test]
fn demo_serves_our_and_nuts_clients_then_cleans_up_on_sigterm() {
    const TEST: &str = "demo_serves_our_and_nuts_clients_then_cleans_up_on_sigterm";
    let _serial = serial();
    let nut = nut_or_note(TEST);
    let real = real_nut(&format!("{TEST} (real clients part)"));
    let logs = Lab::new("demo-logs");
    let stderr = logs.dir.join("demo.stderr");
    let port = free_port();
    let mut demo = start(nut.as_deref(), port, &stderr);
    let ups = format!("{UPS_NAME}@127.0.0.1:{port}");

    // What it printed: where, and how to get in.
    let first = demo
        .printed
        .iter()
        .find(|l| l.starts_with("nut demo: "))
        .expect("the first line");
    assert!(
        first.ends_with(&format!("listening on 127.0.0.1 port {port}.")),
        "{first}"
    );
    let text = demo.printed.join("\n");
    assert!(text.contains(&format!("  upsc {ups}\n")), "{text}");
    assert!(
        text.contains(&format!("{ADMIN_USER} / {ADMIN_PASSWORD}")),
        "{text}"
    );
    assert!(demo.dir.join("ups.conf").is_file());

    // One process: the driver's socket answers with the demo's own PID.
    let socket = demo.dir.join("state").join(format!("dummy-ups-{UPS_NAME}"));
    let kind = std::fs::symlink_metadata(&socket)
        .expect("socket")
        .file_type();
    assert!(kind.is_socket());
    assert_eq!(driver_pid(&socket), Some(demo.process.pid()));

    assert_eq!(
        get_var(port, "ups.status"),
        format!("VAR {UPS_NAME} ups.status \"OL\"\n")
    );

    // upsc: ours and NUT's print the same bytes.
    let nut_str = nut.as_ref().map(|p| p.display().to_string());
    let our_upsc = nut_str
        .as_ref()
        .map(|n| run_bounded(Command::new(n).args(["upsc", &ups])));
    let real_upsc = real.then(|| run_bounded(Command::new(REAL_UPSC).arg(&ups)));
    for (who, result) in [("our", &our_upsc), ("real", &real_upsc)] {
        if let Some((code, out, err)) = result {
            assert_eq!(*code, Some(0), "{who} upsc: {err}");
            for line in [
                "device.model: Demo 1500\n",
                "driver.parameter.mode: dummy-loop\n",
                "ups.status: OL\n",
            ] {
                assert!(out.contains(line), "{who} upsc lacks {line:?}:\n{out}");
            }
        }
    }
    if let (Some(ours), Some(real)) = (&our_upsc, &real_upsc) {
        assert_eq!(ours.1, real.1, "our upsc and NUT's differ");
        eprintln!(
            "demo: our upsc and NUT's printed the same {} lines",
            ours.1.lines().count()
        );
    }

    // SET through upsrw (ours, then NUT's), checked with GET VAR.
    let mut expected = "20".to_owned();
    if let Some(n) = &nut_str {
        assert_eq!(
            upsrw_set(
                &[n, "upsrw"],
                port,
                "ups.delay.shutdown",
                "120",
                ADMIN_PASSWORD
            ),
            Some(0)
        );
        expected = "120".to_owned();
    }
    if real {
        assert_eq!(
            upsrw_set(
                &[REAL_UPSRW],
                port,
                "ups.delay.shutdown",
                "150",
                ADMIN_PASSWORD
            ),
            Some(0)
        );
        expected = "150".to_owned();
        assert_ne!(
            upsrw_set(&[REAL_UPSRW], port, "ups.delay.shutdown", "999", "wrong"),
            Some(0),
            "a wrong password must be refused"
        );
    }
    let want = format!("VAR {UPS_NAME} ups.delay.shutdown \"{expected}\"\n");
    assert!(
        wait_until(SET_TIMEOUT, || get_var(port, "ups.delay.shutdown") == want),
        "SET did not show: {}",
        get_var(port, "ups.delay.shutdown")
    );

    // SIGTERM: exit 0, directory and port gone.
    demo.process.signal(Signal::SIGTERM);
    let status = demo
        .process
        .wait(STOP_TIMEOUT)
        .expect("stops after SIGTERM");
    assert!(status.success(), "exit status {status}");
    assert!(!demo.dir.exists(), "{} is left behind", demo.dir.display());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    let err = std::fs::read_to_string(&stderr).expect("stderr");
    assert!(
        err.contains(&format!(
            "nut demo: stopped by signal 15; removed {}\n",
            demo.dir.display()
        )),
        "{err}"
    );
    assert!(!demo.process.is_running());
}

#[test]
fn demo_refuses_a_taken_port_and_bad_options() {
    let _serial = serial();
    let nut = our_nut_binary();
    let port = free_port();
    let _taken = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
    let (code, out, err) = run_bounded(&mut demo_command(
        nut.as_deref(),
        &["--port", &port.to_string()],
    ));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains(&format!(
            "nut demo: can't listen on 127.0.0.1:{port}: Address already in use\n"
        )),
        "{err}"
    );
    let (code, _, err) = run_bounded(&mut demo_command(nut.as_deref(), &["--bogus"]));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("nut demo: unknown option --bogus\nusage: nut demo"),
        "{err}"
    );
}
