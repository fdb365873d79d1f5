//! Our `apcsmart` binary against our APC Smart simulator on a pty: side by
//! side with Debian's apcsmart on an identical simulator (same variables,
//! values, flags, enums, commands; same status sequence when the line
//! fails and the battery drains), a silent unit (stale, logged with the
//! port and what came back, recovered), and `-k` without a running driver.

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use nut_serial::sim::apc::{Simulator, UnitState};
use nut_serial::sim::megatec::Fault;
use nut_serial::sim::pty::PtySim;

use crate::lab::{Driver, Dump, Lab, Sock, real_driver};

const OURS: &str = env!("CARGO_BIN_EXE_apcsmart");

/// A simulator served on a pty (the slave kept open for the test's life).
struct Unit {
    server: PtySim<Simulator>,
    _slave: serialport::TTYPort,
    path: String,
}

impl Unit {
    fn new() -> Self {
        let (server, slave) = PtySim::spawn(Simulator::new(UnitState::default())).expect("pty");
        let path = server.path().expect("pty path").to_owned();
        Self {
            server,
            _slave: slave,
            path,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Simulator) -> R) -> R {
        let sim: &Mutex<Simulator> = self.server.simulator();
        f(&mut sim.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A battery that reaches the low-runtime mark (2 min) within seconds.
fn drain(s: &mut UnitState) {
    s.load = 100.0;
    s.full_load_runtime = Duration::from_secs(150);
    s.charge = 84.0;
}

/// Variables that differ by nature: who the driver is, where its port is.
fn compared(var: &str) -> bool {
    !matches!(
        var,
        "driver.name" | "driver.version" | "driver.version.internal" | "driver.parameter.port"
    )
}

/// Every difference between the two dumps, and how many items matched.
fn differences(real: &Dump, ours: &Dump) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut same = 0;
    let names: std::collections::BTreeSet<&String> =
        real.vars.keys().chain(ours.vars.keys()).collect();
    for var in names.into_iter().filter(|v| compared(v)) {
        let (r, o) = (real.vars.get(var), ours.vars.get(var));
        if r == o {
            same += 1;
            eprintln!("  same  {var}: {}", r.map_or("", String::as_str));
        } else {
            out.push(format!("{var}: real {r:?}, ours {o:?}"));
        }
    }
    for (what, r, o) in [
        ("flags", &real.flags, &ours.flags),
        ("aux", &real.aux, &ours.aux),
    ] {
        if r == o {
            same += r.len();
            eprintln!("  same  {what} of {} variables", r.len());
        } else {
            out.push(format!("{what}: real {r:?}, ours {o:?}"));
        }
    }
    if real.enums == ours.enums {
        same += real.enums.len();
        eprintln!("  same  enums of {} variables", real.enums.len());
    } else {
        out.push(format!(
            "enums: real {:?}, ours {:?}",
            real.enums, ours.enums
        ));
    }
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    if sorted(&real.cmds) == sorted(&ours.cmds) {
        same += real.cmds.len();
        eprintln!("  same  {} instant commands", real.cmds.len());
    } else {
        out.push(format!(
            "commands: real {:?}, ours {:?}",
            real.cmds, ours.cmds
        ));
    }
    (out, same)
}

#[test]
fn ours_and_nuts_apcsmart_publish_the_same_from_the_same_unit() {
    let Some(real_bin) = real_driver("apcsmart") else {
        return;
    };
    let (real_unit, our_unit) = (Unit::new(), Unit::new());
    let (real_lab, our_lab) = (Lab::new("real"), Lab::new("ours"));
    real_lab.ups_conf("apc", "apcsmart", &real_unit.path, &[]);
    our_lab.ups_conf("apc", "apcsmart", &our_unit.path, &[]);
    let real = Driver::start(&real_lab, &real_bin, "apcsmart", "apc", &[]).expect("real apcsmart");
    let ours =
        Driver::start(&our_lab, Path::new(OURS), "apcsmart", "apc", &[]).expect("our apcsmart");
    let mut real_sock = Sock::connect(&real.socket).expect("real socket");
    let mut our_sock = Sock::connect(&ours.socket).expect("our socket");
    let (mut real_seq, mut our_seq) = (Vec::new(), Vec::new());
    real_sock.wait_status("OL", &mut real_seq).expect("real OL");
    our_sock.wait_status("OL", &mut our_seq).expect("our OL");
    let real_dump = real_sock.dumpall().expect("real dump").clone();
    let our_dump = our_sock.dumpall().expect("our dump").clone();
    eprintln!("apcsmart, real (left) and ours on identical simulated units:");
    let (diffs, same) = differences(&real_dump, &our_dump);
    for d in &diffs {
        eprintln!("  DIFF  {d}");
    }
    eprintln!(
        "apcsmart oracle: {same} items compared equal, {} differences",
        diffs.len()
    );
    assert!(same > 30, "too little compared: {same}");
    assert!(diffs.is_empty(), "see the DIFF lines above");

    // The line fails, then the battery drains: the same statuses, in order.
    for unit in [&real_unit, &our_unit] {
        unit.with(|s| s.state.fail_line());
    }
    real_sock.wait_status("OB", &mut real_seq).expect("real OB");
    our_sock.wait_status("OB", &mut our_seq).expect("our OB");
    for unit in [&real_unit, &our_unit] {
        unit.with(|s| drain(&mut s.state));
    }
    real_sock
        .wait_status("OB LB", &mut real_seq)
        .expect("real OB LB");
    our_sock
        .wait_status("OB LB", &mut our_seq)
        .expect("our OB LB");
    for unit in [&real_unit, &our_unit] {
        unit.with(|s| s.state.restore_line());
    }
    real_sock
        .wait_status("OL", &mut real_seq)
        .expect("real OL again");
    our_sock
        .wait_status("OL", &mut our_seq)
        .expect("our OL again");
    eprintln!("status sequence: real {real_seq:?}, ours {our_seq:?}");
    assert_eq!(real_seq, vec!["OL", "OB", "OB LB", "OL"]);
    assert_eq!(our_seq, real_seq);
}

#[test]
fn a_silent_unit_goes_stale_is_logged_and_recovers() {
    let unit = Unit::new();
    let lab = Lab::new("stale");
    lab.ups_conf("apc", "apcsmart", &unit.path, &[("pollinterval", "1")]);
    let driver = Driver::start(&lab, Path::new(OURS), "apcsmart", "apc", &[]).expect("apcsmart");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.wait_status("OL", &mut Vec::new()).expect("OL");
    assert!(!sock.dump.stale);

    unit.with(|s| s.fault = Fault::Silent);
    sock.wait_stale(true, Duration::from_secs(20))
        .expect("stale");
    let line = driver
        .wait_log("Communications with UPS lost", Duration::from_secs(5))
        .expect("log line");
    eprintln!("logged: {line}");
    assert!(line.contains(&unit.path), "names the port: {line}");
    assert!(
        line.contains("no reply to \"Q\""),
        "says what came back: {line}"
    );

    // The line fails while the cable is out; the driver sees it on return.
    unit.with(|s| {
        s.state.fail_line();
        s.fault = Fault::None;
    });
    sock.wait_stale(false, Duration::from_secs(20))
        .expect("fresh again");
    let line = driver
        .wait_log("re-established", Duration::from_secs(5))
        .expect("recovery logged");
    assert!(line.contains(&unit.path), "{line}");
    sock.wait_status("OB", &mut Vec::new())
        .expect("OB after recovery");
}

#[test]
fn garbage_is_logged_with_the_bytes_and_never_published() {
    let unit = Unit::new();
    let lab = Lab::new("garbage");
    lab.ups_conf("apc", "apcsmart", &unit.path, &[("pollinterval", "1")]);
    let driver = Driver::start(&lab, Path::new(OURS), "apcsmart", "apc", &[]).expect("apcsmart");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.wait_status("OL", &mut Vec::new()).expect("OL");
    unit.with(|s| s.fault = Fault::Garbage);
    sock.wait_stale(true, Duration::from_secs(20))
        .expect("stale");
    let line = driver
        .wait_log("Communications with UPS lost", Duration::from_secs(5))
        .expect("log line");
    eprintln!("logged: {line}");
    assert!(line.contains("GARBAGE"), "shows the bytes: {line}");
    assert_eq!(sock.dumpall().expect("dump").vars["ups.status"], "OL");
    unit.with(|s| s.fault = Fault::None);
    sock.wait_stale(false, Duration::from_secs(20))
        .expect("fresh");
}

#[test]
fn kill_power_without_a_running_driver_hibernates_the_unit() {
    let unit = Unit::new();
    let lab = Lab::new("killpower");
    lab.ups_conf("apc", "apcsmart", &unit.path, &[]);
    let out = lab
        .command(Path::new(OURS))
        .args(["-a", "apc", "-u", "root", "-k"])
        .output()
        .expect("run apcsmart -k");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    // sdtype 0 on line: hard hibernate `@000`.
    let received = unit.with(|s| s.received().to_vec());
    let received = String::from_utf8_lossy(&received).into_owned();
    assert!(received.contains("@000"), "sent {received:?}");
    assert!(text.contains("Initiating UPS [apc] shutdown"), "{text}");
}

#[test]
fn unknown_options_and_missing_ports_are_fatal_as_in_nut() {
    let lab = Lab::new("options");
    lab.ups_conf("apc", "apcsmart", "/dev/null", &[("frobnicate", "1")]);
    let out = lab
        .command(Path::new(OURS))
        .args(["-a", "apc", "-u", "root", "-F"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Fatal error: 'frobnicate' is not a valid variable name for this driver."),
        "{stdout}"
    );
    lab.ups_conf("apc", "apcsmart", "/dev/nut-rs-no-such-port", &[]);
    let out = lab
        .command(Path::new(OURS))
        .args(["-a", "apc", "-u", "root", "-F"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Unable to open /dev/nut-rs-no-such-port: "),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Fatal error: unusable configuration"));
}

#[test]
fn help_matches_nuts() {
    let Some(real_bin) = real_driver("apcsmart") else {
        return;
    };
    let run = |bin: &Path| {
        let out = std::process::Command::new(bin)
            .arg("-h")
            .output()
            .expect("run -h");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (real, ours) = (run(&real_bin), run(Path::new(OURS)));
    // The banner, and the driver's own part (the common options are the
    // runtime's, tested with dummy-ups).
    let head = |t: &str| t.lines().take(2).collect::<Vec<_>>().join("\n");
    let tail = |t: &str| t.split_once("Acceptable values").map(|(_, t)| t.to_owned());
    assert_eq!(head(&ours), head(&real));
    assert!(tail(&real).is_some(), "{real}");
    assert_eq!(tail(&ours), tail(&real));
}

/// Waits until `check` holds for the simulator.
fn wait_unit(unit: &Unit, what: &str, check: impl Fn(&Simulator) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !unit.with(|s| check(s)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the unit never saw {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn settings_commands_and_the_confirmation_window_reach_the_unit() {
    let unit = Unit::new();
    let lab = Lab::new("commands");
    lab.ups_conf("apc", "apcsmart", &unit.path, &[]);
    let driver = Driver::start(&lab, Path::new(OURS), "apcsmart", "apc", &[]).expect("apcsmart");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.wait_status("OL", &mut Vec::new()).expect("OL");
    let dump = sock.dumpall().expect("dump").clone();
    assert_eq!(
        dump.flags.get("input.transfer.high").map(String::as_str),
        Some("RW")
    );
    assert_eq!(
        dump.enums["input.transfer.high"],
        ["253", "264", "271", "280"]
    );

    // SET cycles the value with `-` until the unit holds it.
    sock.send("SET input.transfer.high \"271\"").expect("SET");
    wait_unit(&unit, "u = 271", |s| {
        s.state
            .setting(b'u')
            .map(|x| x.value().to_owned())
            .as_deref()
            == Some("271")
    });
    // A plain command is sent at once.
    sock.send("INSTCMD test.battery.start").expect("INSTCMD");
    wait_unit(&unit, "W", |s| s.received().contains(&b'W'));

    // load.off acts only when asked twice, 3 to 15 s apart: the first ask
    // sends nothing.
    let zs = |s: &Simulator| s.received().iter().filter(|b| **b == b'Z').count();
    sock.send("INSTCMD load.off").expect("INSTCMD");
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(
        unit.with(|s| zs(s)),
        0,
        "load.off sent without confirmation"
    );
    sock.send("INSTCMD load.off").expect("INSTCMD");
    wait_unit(&unit, "Z twice", |s| zs(s) == 2);
    wait_unit(&unit, "the load off", |s| s.state.output_off);
    sock.wait_status("OFF", &mut Vec::new()).expect("OFF");
}

#[test]
fn kill_power_through_the_running_driver() {
    let unit = Unit::new();
    let lab = Lab::new("killpower-running");
    lab.ups_conf("apc", "apcsmart", &unit.path, &[]);
    // `allow_killpower` is a flag: a line of its own.
    let conf = lab.dir.join("ups.conf");
    let text = std::fs::read_to_string(&conf).expect("ups.conf") + "  allow_killpower\n";
    std::fs::write(&conf, text).expect("ups.conf");
    let mut driver =
        Driver::start(&lab, Path::new(OURS), "apcsmart", "apc", &[]).expect("apcsmart");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.wait_status("OL", &mut Vec::new()).expect("OL");
    let out = lab
        .command(Path::new(OURS))
        .args(["-a", "apc", "-u", "root", "-k"])
        .output()
        .expect("run apcsmart -k");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received = unit.with(|s| s.received().to_vec());
    assert!(
        String::from_utf8_lossy(&received).contains("@000"),
        "the running driver sent no hibernate"
    );
    let status = driver.wait_exit(Duration::from_secs(10));
    assert!(status.is_some(), "the running driver did not exit");
    assert!(
        driver
            .log_text()
            .contains("shutdown request was successful"),
        "{}",
        driver.log_text()
    );
}

/// `nut sim apc --pty --link PATH` as a process of its own (so that no
/// driver inherits its pty master), killed by PID on drop.
struct SimProcess {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
}

impl SimProcess {
    fn start(link: &Path) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nut"))
            .args(["sim", "apc", "--pty", "--for", "120", "--link"])
            .arg(link)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("nut sim apc");
        let stdin = child.stdin.take().expect("stdin");
        let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("first line");
        assert!(
            line.starts_with("APC Smart-UPS simulator on /dev/"),
            "{line}"
        );
        // Keep reading its answers so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        Self { child, stdin }
    }

    fn command(&mut self, line: &str) {
        use std::io::Write;
        writeln!(self.stdin, "{line}").expect("sim stdin");
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_unplugged_port_is_opened_again_when_it_comes_back() {
    let lab = Lab::new("unplug");
    let link = lab.dir.join("ttyAPC");
    let first = SimProcess::start(&link);
    lab.ups_conf(
        "apc",
        "apcsmart",
        &link.to_string_lossy(),
        &[("pollinterval", "1")],
    );
    let driver = Driver::start(&lab, Path::new(OURS), "apcsmart", "apc", &[]).expect("apcsmart");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.wait_status("OL", &mut Vec::new()).expect("OL");
    // Unplugged: the pty goes away with its simulator.
    drop(first);
    sock.wait_stale(true, Duration::from_secs(20))
        .expect("stale");
    let line = driver
        .wait_log("opening it again", Duration::from_secs(10))
        .expect("port loss logged");
    eprintln!("logged: {line}");
    assert!(line.contains(&*link.to_string_lossy()), "{line}");
    // Plugged in again (the same name, a new device), on battery.
    let mut second = SimProcess::start(&link);
    second.command("ob");
    sock.wait_stale(false, Duration::from_secs(30))
        .expect("fresh again");
    driver
        .wait_log("opened again", Duration::from_secs(5))
        .expect("reopen logged");
    sock.wait_status("OB", &mut Vec::new())
        .expect("OB from the new unit");
}
