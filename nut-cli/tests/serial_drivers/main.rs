//! Our serial driver binaries (`nutdrv_qx`, `blazer_ser`) as processes,
//! reading our simulators over pseudo-terminals:
//!
//! * without NUT: the driver serves a live UPS on its state socket,
//!   follows the simulated line failure, runs instant commands and RW
//!   delays, goes stale when the device falls silent and recovers, and
//!   `-k` shuts the UPS down;
//! * the oracle ([`oracle`]): NUT 2.8.0's `nutdrv_qx` (several protocols)
//!   and `blazer_ser` read a twin of the same simulated UPS, and both
//!   sockets must publish the same variables, values, flags, ranges and
//!   commands (driver name/version aside, every other difference
//!   explained with NUT's reason), and the same status sequence when the
//!   line fails and the battery drains. Skipped loudly without
//!   `/lib/nut/nutdrv_qx`, failed when env `CI` is set.
#![cfg(feature = "serial")]

mod lab;
mod oracle;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};

use nut_serial::qx::Protocol;
use nut_serial::sim::pty::PtySim;
use nut_serial::sim::{DeviceState, Fault, Simulator};

use lab::{Driver, Lab, Sock};

/// Our driver binary `name`.
fn ours(name: &str) -> PathBuf {
    PathBuf::from(match name {
        "blazer_ser" => env!("CARGO_BIN_EXE_blazer_ser"),
        _ => env!("CARGO_BIN_EXE_nutdrv_qx"),
    })
}

/// A simulator on a pty, its path, and the slave end (kept open while the
/// driver opens the pty by its path).
fn served(protocol: Protocol) -> (PtySim, String, Box<dyn std::any::Any>) {
    let (server, slave) =
        PtySim::spawn(Simulator::new(protocol, DeviceState::default())).expect("pty");
    let path = server.path().expect("pty path").to_owned();
    (server, path, Box::new(slave))
}

#[test]
fn our_nutdrv_qx_serves_a_live_ups_and_recovers_from_a_silent_device() {
    let (server, port, _slave) = served(Protocol::Megatec);
    let lab = Lab::new("live");
    let drv = Driver::start(
        &lab,
        &ours("nutdrv_qx"),
        "nutdrv_qx",
        &port,
        &[("protocol", "megatec")],
    )
    .unwrap();
    let mut sock = Sock::connect(&drv.socket).unwrap();
    let mut seen = Vec::new();
    sock.wait_status("OL", &mut seen).unwrap();
    let dump = sock.dumpall().unwrap().clone();
    assert_eq!(dump.vars["input.voltage"], "230.0");
    assert_eq!(dump.vars["driver.name"], "nutdrv_qx");
    assert!(dump.cmds.iter().any(|c| c == "shutdown.stayoff"));
    assert_eq!(dump.flags["ups.delay.start"], "RW NUMBER");

    // instant command and RW variable, through the socket
    assert_eq!(sock.instcmd("test.battery.start.quick", None).unwrap(), "0");
    let sim = server.simulator();
    assert!(sim.lock().unwrap().received().iter().any(|r| r == b"T"));
    assert_eq!(sock.set("ups.delay.shutdown", "120").unwrap(), "0");
    assert_eq!(sock.dumpall().unwrap().vars["ups.delay.shutdown"], "120");
    assert_eq!(sock.instcmd("no.such.command", None).unwrap(), "1");

    // the line fails
    sim.lock().unwrap().state.fail_line();
    sock.wait_status("OB", &mut seen).unwrap();

    // the cable is pulled: stale after five failed polls, with a log line
    sim.lock().unwrap().fault = Fault::Silent;
    sock.wait("stale", &mut seen, |d| d.stale).unwrap();
    let log = drv.log_text();
    assert!(
        log.contains(&format!("Communications with the UPS on {port} lost"))
            && log.contains("no reply to \"Q1\\r\""),
        "{log}"
    );
    // ... and plugged back in
    {
        let mut sim = sim.lock().unwrap();
        sim.fault = Fault::None;
        sim.state.restore_line();
    }
    sock.wait("fresh and OL", &mut seen, |d| {
        !d.stale && d.vars.get("ups.status").map(String::as_str) == Some("OL")
    })
    .unwrap();
    assert!(drv.log_text().contains("re-established"));
    eprintln!("statuses seen: {seen:?}");

    // `-k` while the driver runs: through its socket; the shutdown uses
    // offdelay/ondelay (defaults 30 s, 3 min), not the delay set above
    let before = sim.lock().unwrap().received().len();
    let out = lab.run(&ours("nutdrv_qx"), &["-a", "ups", "-u", "root", "-k"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent: Vec<Vec<u8>> = sim.lock().unwrap().received()[before..].to_vec();
    assert!(sent.iter().any(|r| r == b"S.5R0003"), "{sent:?}");
    assert!(drv.log_text().contains("Shutting down in 30 seconds"));
    drop(drv);
    drop(sock);
    server.stop().unwrap();
}

/// A USB-serial adapter unplugged and plugged back: the simulator process
/// (`nut sim megatec`) dies, its pty and the path to it vanish, the driver
/// goes stale naming the port's error, re-opens the path at each poll and
/// recovers on a new simulator behind the same path. (The simulator runs
/// as its own process: a pty served in the test process would stay open
/// in every child the tests spawn.)
#[test]
fn our_nutdrv_qx_reopens_a_port_that_vanished() {
    let lab = Lab::new("vanish");
    let link = lab.dir.join("ttyUSB0");
    let (sim, _out, _stdin) = nut_sim(&link);
    let drv = Driver::start(
        &lab,
        &ours("nutdrv_qx"),
        "nutdrv_qx",
        link.to_str().expect("utf-8 path"),
        &[("protocol", "megatec")],
    )
    .unwrap();
    let mut sock = Sock::connect(&drv.socket).unwrap();
    let mut seen = Vec::new();
    sock.wait_status("OL", &mut seen).unwrap();
    // unplugged
    drop(sim);
    let _ = std::fs::remove_file(&link);
    sock.wait("stale", &mut seen, |d| d.stale).unwrap();
    let log = drv.log_text();
    assert!(log.contains("the port itself fails"), "{log}");
    // plugged back: another device node behind the same path
    let (_sim, _out, mut stdin) = nut_sim(&link);
    stdin.write_all(b"ob\n").unwrap();
    sock.wait("fresh and OB", &mut seen, |d| {
        !d.stale && d.vars.get("ups.status").map(String::as_str) == Some("OB")
    })
    .unwrap();
    assert!(drv.log_text().contains("re-established"));
}

#[test]
fn our_blazer_ser_autodetects_and_minus_k_shuts_down() {
    let (server, port, _slave) = served(Protocol::Mustek);
    let lab = Lab::new("blazer");
    {
        let drv = Driver::start(&lab, &ours("blazer_ser"), "blazer_ser", &port, &[]).unwrap();
        let mut sock = Sock::connect(&drv.socket).unwrap();
        sock.wait_status("OL", &mut Vec::new()).unwrap();
        let dump = sock.dumpall().unwrap().clone();
        assert_eq!(dump.vars["driver.name"], "blazer_ser");
        assert_eq!(dump.vars["ups.model"], "SIMQ1");
        assert!(!dump.vars.contains_key("driver.version.data"));
        drop(drv);
    }
    // `-k` with no driver running: the standalone path
    lab.write_conf("blazer_ser", &port, &[("offdelay", "60")]);
    let out = lab.run(&ours("blazer_ser"), &["-a", "ups", "-u", "root", "-k"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // shutdown.stop, then shutdown.return with offdelay 60 s and the
    // default ondelay of 3 minutes
    let received = server.simulator().lock().unwrap().received().to_vec();
    let last = |q: &[u8]| received.iter().rposition(|r| r == q);
    let (stop, main) = (last(b"C"), last(b"S01R0003"));
    assert!(stop.is_some() && stop < main, "{received:?}");
    server.stop().unwrap();
}

#[test]
fn a_port_that_cannot_be_opened_is_fatal_with_nut_hints() {
    let lab = Lab::new("noport");
    lab.write_conf("nutdrv_qx", "/dev/nonexistent-nut-rs-tty", &[]);
    let out = lab.run(&ours("nutdrv_qx"), &["-a", "ups", "-u", "root", "-F"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Unable to open /dev/nonexistent-nut-rs-tty"),
        "{text}"
    );
    assert!(text.contains("Check 'port=' in ups.conf"), "{text}");
}

#[test]
fn an_unknown_option_is_fatal() {
    let lab = Lab::new("badopt");
    lab.write_conf("nutdrv_qx", "/dev/null", &[("frobnicate", "1")]);
    let out = lab.run(&ours("nutdrv_qx"), &["-a", "ups", "-u", "root", "-F"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("'frobnicate' is not a valid variable name for this driver"),
        "{text}"
    );
}

/// A child process killed by PID on drop.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `nut sim megatec --pty --link <link>` as a process (killed on drop),
/// once it has printed its pty (kept: it answers its commands on stdout),
/// and its stdin.
fn nut_sim(link: &Path) -> (Killed, BufReader<ChildStdout>, ChildStdin) {
    let mut sim = Killed(
        Command::new(env!("CARGO_BIN_EXE_nut"))
            .args(["sim", "megatec", "--pty", "--link"])
            .arg(link)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("nut sim"),
    );
    let mut out = BufReader::new(sim.0.stdout.take().expect("stdout"));
    let mut first = String::new();
    out.read_line(&mut first).expect("pty path");
    assert!(first.starts_with("/dev/"), "{first:?}");
    assert_eq!(
        std::fs::read_link(link).ok(),
        Some(PathBuf::from(first.trim()))
    );
    let stdin = sim.0.stdin.take().expect("stdin");
    (sim, out, stdin)
}

/// The README flow: `nut sim megatec --pty --link …` in one process, our
/// `nutdrv_qx` on the link, the state changed through the simulator's
/// stdin.
#[test]
fn nut_sim_megatec_and_our_nutdrv_qx_show_a_live_ups() {
    let lab = Lab::new("nut-sim");
    let link = lab.dir.join("ttyUPS");
    let (sim, _out, mut stdin) = nut_sim(&link);
    let drv = Driver::start(
        &lab,
        &ours("nutdrv_qx"),
        "nutdrv_qx",
        link.to_str().expect("utf-8 path"),
        &[("protocol", "megatec")],
    )
    .unwrap();
    let mut sock = Sock::connect(&drv.socket).unwrap();
    let mut seen = Vec::new();
    sock.wait_status("OL", &mut seen).unwrap();
    let mut say = |line: &str| stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
    say("ob");
    sock.wait_status("OB", &mut seen).unwrap();
    say("lb");
    sock.wait_status("OB LB", &mut seen).unwrap();
    say("silent");
    sock.wait("stale", &mut seen, |d| d.stale).unwrap();
    say("answer");
    say("ol");
    sock.wait("fresh and OL", &mut seen, |d| {
        !d.stale && d.vars.get("ups.status").map(String::as_str) == Some("OL")
    })
    .unwrap();
    assert_eq!(seen, ["OL", "OB", "OB LB", "OL"]);
    drop(drv);
    drop(sim);
}

#[test]
fn real_and_our_drivers_publish_the_same_ups() {
    oracle::run();
}
