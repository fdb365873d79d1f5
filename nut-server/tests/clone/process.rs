//! Our clone, clone-outlet and failover as processes, with our dummy-ups
//! (or a scripted fake driver) as the upstream: mirroring, staleness when
//! the upstream dies and recovery when it comes back, the shutdown
//! sequence sent upstream, outlet states, fail-over between two upstreams,
//! forwarded SET, and the start-up errors.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::child::ours;
use crate::support::{Lab, Proc, SockClient, answers_ping, dump_value, wait_until};

const DEV: &str = "battery.charge: 100\nbattery.runtime: 1800\nups.status: OL\nups.mfr: Acme\n\
                   ups.load: 23\nups.delay.shutdown: 20\n";

/// Starts one of our drivers in the foreground and waits for its socket.
fn start(lab: &Lab, program: &str, ups: &str) -> Proc {
    let proc = Proc::spawn(
        &format!("our {program} {ups}"),
        ours(lab, program, &["-a", ups, "-u", "root", "-F"]),
    );
    let socket = lab.socket(program, ups);
    assert!(
        wait_until(Duration::from_secs(15), || answers_ping(&socket)),
        "our {program} for {ups} did not come up"
    );
    proc
}

/// A clone's value of `var`, read with a fresh `DUMPALL`.
fn value(socket: &Path, var: &str) -> Option<String> {
    SockClient::connect(socket)
        .ok()?
        .dump()
        .and_then(|d| dump_value(&d, var))
}

fn wait_value(socket: &Path, var: &str, want: &str, timeout: Duration) -> bool {
    wait_until(timeout, || value(socket, var).as_deref() == Some(want))
}

#[test]
fn clone_mirrors_our_dummy_ups_goes_stale_when_it_dies_and_recovers() {
    let lab = Lab::new("mirror");
    lab.write("up.dev", DEV);
    lab.write(
        "ups.conf",
        "[up]\ndriver = dummy-ups\nport = up.dev\n[cl]\ndriver = clone\nport = dummy-ups-up\n",
    );
    let mut upstream = start(&lab, "dummy-ups", "up");
    let _clone = start(&lab, "clone", "cl");
    let socket = lab.socket("clone", "cl");
    assert!(wait_value(
        &socket,
        "ups.load",
        "23",
        Duration::from_secs(5)
    ));
    let dump = SockClient::connect(&socket)
        .expect("connect")
        .dump()
        .expect("dump");
    for (var, want) in [
        ("battery.charge", "100"),
        ("battery.charge.low", "0"),
        ("battery.runtime.low", "0"),
        ("ups.status", "OL"),
        ("ups.mfr", "Acme"),
        ("ups.delay.shutdown", "120"),
        ("ups.delay.start", "30"),
        ("ups.timer.shutdown", "-1"),
        ("driver.name", "clone"),
        ("driver.version.internal", "0.03"),
        ("driver.parameter.port", "dummy-ups-up"),
    ] {
        assert_eq!(
            dump_value(&dump, var).as_deref(),
            Some(want),
            "{var} in {dump}"
        );
    }
    assert!(dump.contains("SETFLAGS battery.charge.low RW STRING\n"));
    assert!(dump.contains("ADDCMD shutdown.return\nADDCMD shutdown.stayoff\n"));
    assert!(
        !dump.contains("ADDCMD load.off"),
        "upstream commands not relayed"
    );
    assert!(dump.ends_with("DATAOK\nDUMPDONE\n"));

    // A client that stays, to see what the clone broadcasts.
    let mut listener = SockClient::connect(&socket).expect("connect");
    listener.send("PING\n");
    assert!(
        listener
            .read_until("PONG\n", Duration::from_secs(3))
            .is_some()
    );
    upstream.stop();
    assert!(
        listener
            .read_until("DATASTALE\n", Duration::from_secs(5))
            .is_some(),
        "the clone went stale when its upstream died"
    );

    lab.write("up.dev", &DEV.replace("ups.load: 23", "ups.load: 42"));
    let _upstream = start(&lab, "dummy-ups", "up");
    let seen = listener
        .read_until("DATAOK\n", Duration::from_secs(10))
        .expect("fresh again after the upstream came back");
    assert!(
        seen.contains("SETINFO ups.status \"WAIT\"\n"),
        "WAIT while the dump comes: {seen}"
    );
    assert!(wait_value(
        &socket,
        "ups.load",
        "42",
        Duration::from_secs(5)
    ));
}

/// A driver socket that answers like a NUT driver with a fixed state and
/// records every line its clients send.
struct FakeUpstream {
    lines: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

impl FakeUpstream {
    fn start(path: PathBuf, dump: &'static str) -> Self {
        let listener = UnixListener::bind(&path).expect("bind fake upstream");
        listener.set_nonblocking(true).expect("nonblocking");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, done) = (Arc::clone(&lines), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut clients = Vec::new();
            while !done.load(Ordering::Relaxed) {
                if let Ok((stream, _)) = listener.accept() {
                    let seen = Arc::clone(&seen);
                    let done = Arc::clone(&done);
                    clients.push(std::thread::spawn(move || {
                        serve(stream, dump, &seen, &done)
                    }));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            for client in clients {
                let _ = client.join();
            }
        });
        Self {
            lines,
            stop,
            thread: Some(thread),
            path,
        }
    }

    fn saw(&self, line: &str) -> bool {
        self.lines.lock().expect("lines").iter().any(|l| l == line)
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn serve(
    stream: std::os::unix::net::UnixStream,
    dump: &str,
    seen: &Mutex<Vec<String>>,
    done: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while !done.load(Ordering::Relaxed) {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {
                let text = line.trim_end().to_owned();
                let reply = match text.as_str() {
                    "DUMPALL" => dump.to_owned(),
                    "PING" => "PONG\n".to_owned(),
                    _ => String::new(),
                };
                seen.lock().expect("lines").push(text);
                if writer.write_all(reply.as_bytes()).is_err() {
                    return;
                }
            }
            Err(_) => {}
        }
    }
}

#[test]
fn clone_shutdown_return_switches_the_upstream_off_and_on() {
    let lab = Lab::new("sdret");
    lab.write(
        "ups.conf",
        concat!(
            "[cl]\ndriver = clone\nport = fake-up\noffdelay = 1\nondelay = 1\n",
            "load.off = outlet.1.load.off\nload.on = outlet.1.load.on\n",
            "load.status = outlet.1.status\n"
        ),
    );
    let fake = FakeUpstream::start(
        lab.socket("fake", "up"),
        "SETINFO ups.status \"OL\"\nSETINFO outlet.1.status \"on\"\nDATAOK\nDUMPDONE\n",
    );
    let _clone = start(&lab, "clone", "cl");
    let socket = lab.socket("clone", "cl");
    assert!(wait_value(
        &socket,
        "ups.status",
        "OL",
        Duration::from_secs(5)
    ));
    let mut client = SockClient::connect(&socket).expect("connect");
    client.send("INSTCMD shutdown.return TRACKING t-1\n");
    let seen = client
        .read_until("TRACKING t-1 0\n", Duration::from_secs(5))
        .expect("handled");
    assert!(seen.contains("SETINFO ups.status \"FSD OL\"\n"), "{seen}");
    assert!(
        wait_until(Duration::from_secs(8), || fake
            .saw("INSTCMD outlet.1.load.off")),
        "load.off reached the upstream"
    );
    assert!(
        wait_until(Duration::from_secs(8), || fake
            .saw("INSTCMD outlet.1.load.on")),
        "load.on reached the upstream"
    );
    assert!(wait_value(
        &socket,
        "ups.status",
        "OL",
        Duration::from_secs(3)
    ));
    client.send("INSTCMD load.off TRACKING t-2\n");
    assert!(
        client
            .read_until("TRACKING t-2 1\n", Duration::from_secs(5))
            .is_some(),
        "an unknown command is UNKNOWN"
    );
    client.send("SET battery.charge.low \"25.50\" TRACKING t-3\n");
    let seen = client
        .read_until("TRACKING t-3 0\n", Duration::from_secs(5))
        .expect("set handled");
    assert!(
        seen.contains("SETINFO battery.charge.low \"25.5\"\n"),
        "{seen}"
    );
}

const OUTLET_DEV: &str = "ups.status: OL\nbattery.charge: 90\noutlet.1.status: on\n\
                          outlet.1.delay.shutdown: 30\noutlet.1.timer.shutdown: -1\n";

#[test]
fn clone_outlet_follows_the_outlet_of_our_dummy_ups() {
    let lab = Lab::new("outlet");
    lab.write("pdu.dev", OUTLET_DEV);
    lab.write(
        "ups.conf",
        concat!(
            "[pdu]\ndriver = dummy-ups\nport = pdu.dev\n",
            "[o1]\ndriver = clone-outlet\nport = dummy-ups-pdu\nprefix = outlet.1\n"
        ),
    );
    let _upstream = start(&lab, "dummy-ups", "pdu");
    let _outlet = start(&lab, "clone-outlet", "o1");
    let socket = lab.socket("clone-outlet", "o1");
    assert!(wait_value(
        &socket,
        "ups.status",
        "OL",
        Duration::from_secs(5)
    ));
    assert_eq!(value(&socket, "battery.charge").as_deref(), Some("90"));
    assert_eq!(
        value(&socket, "driver.name").as_deref(),
        Some("clone-outlet")
    );
    lab.write(
        "pdu.dev",
        &OUTLET_DEV.replace("outlet.1.status: on", "outlet.1.status: off"),
    );
    assert!(
        wait_value(&socket, "ups.status", "OL OFF", Duration::from_secs(10)),
        "OFF follows the outlet"
    );
    lab.write(
        "pdu.dev",
        &OUTLET_DEV.replace("outlet.1.timer.shutdown: -1", "outlet.1.timer.shutdown: 10"),
    );
    assert!(
        wait_value(&socket, "ups.status", "FSD OL", Duration::from_secs(10)),
        "FSD while the outlet counts down"
    );
}

#[test]
fn clone_outlet_without_a_prefix_refuses_to_start() {
    let lab = Lab::new("noprefix");
    lab.write(
        "ups.conf",
        "[o1]\ndriver = clone-outlet\nport = dummy-ups-pdu\n",
    );
    let mut command = ours(&lab, "clone-outlet", &["-a", "o1", "-u", "root", "-F"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = Proc::spawn_with_output("clone-outlet", command).output(Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Outlet prefix is mandatory for this driver!"),
        "{stderr}"
    );
}

#[test]
fn clone_with_a_socket_name_too_long_refuses_to_start() {
    let lab = Lab::new("long");
    let port = "x".repeat(120);
    lab.write(
        "ups.conf",
        &format!("[cl]\ndriver = clone\nport = {port}\n"),
    );
    let mut command = ours(&lab, "clone", &["-a", "cl", "-u", "root", "-F"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = Proc::spawn_with_output("clone", command).output(Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Can't create a unix domain socket: pathname")
            && stderr.contains("is too long"),
        "{stderr}"
    );
}

#[test]
fn clone_starts_without_its_upstream_and_picks_it_up_later() {
    let lab = Lab::new("late");
    lab.write("up.dev", DEV);
    lab.write(
        "ups.conf",
        "[up]\ndriver = dummy-ups\nport = up.dev\n[cl]\ndriver = clone\nport = dummy-ups-up\n",
    );
    let _clone = start(&lab, "clone", "cl");
    let socket = lab.socket("clone", "cl");
    let dump = SockClient::connect(&socket)
        .expect("connect")
        .dump()
        .expect("dump");
    assert!(
        dump.starts_with("DATASTALE\n"),
        "stale without upstream: {dump}"
    );
    assert_eq!(dump_value(&dump, "ups.status"), None);
    let _upstream = start(&lab, "dummy-ups", "up");
    assert!(wait_value(
        &socket,
        "ups.status",
        "OL",
        Duration::from_secs(10)
    ));
    let dump = SockClient::connect(&socket)
        .expect("connect")
        .dump()
        .expect("dump");
    assert!(dump.ends_with("DATAOK\nDUMPDONE\n"));
}

#[test]
fn failover_switches_to_the_other_upstream_and_forwards_writes() {
    let lab = Lab::new("failover");
    lab.write("a.dev", &DEV.replace("ups.load: 23", "ups.load: 11"));
    lab.write("b.dev", &DEV.replace("ups.load: 23", "ups.load: 22"));
    lab.write(
        "ups.conf",
        concat!(
            "[a]\ndriver = dummy-ups\nport = a.dev\n[b]\ndriver = dummy-ups\nport = b.dev\n",
            "[fo]\ndriver = failover\nport = dummy-ups-a,dummy-ups-b\npollinterval = 1\n",
            "inittime = 5\nfsdmode = 2\nnoprimarytime = 1\n"
        ),
    );
    let mut a = start(&lab, "dummy-ups", "a");
    let _b = start(&lab, "dummy-ups", "b");
    let _failover = start(&lab, "failover", "fo");
    let socket = lab.socket("failover", "fo");
    assert!(
        wait_value(
            &socket,
            "driver.primary.socketname",
            "dummy-ups-a",
            Duration::from_secs(10)
        ),
        "the first good upstream is elected"
    );
    let dump = SockClient::connect(&socket)
        .expect("connect")
        .dump()
        .expect("dump");
    for (var, want) in [
        ("ups.load", "11"),
        ("ups.status", "OL"),
        ("upstream.driver.name", "dummy-ups"),
        ("driver.name", "failover"),
        ("driver.stats.total_drivers", "2"),
        ("driver.stats.alive_drivers", "2"),
        ("driver.primary.priority", "2"),
    ] {
        assert_eq!(
            dump_value(&dump, var).as_deref(),
            Some(want),
            "{var} in {dump}"
        );
    }
    assert!(dump.contains("ADDCMD upstream.load.off\n"), "{dump}");
    assert!(dump.contains("ADDCMD dummy-ups-a.force.ignore\n"));
    assert!(
        dump.contains("SETFLAGS ups.load RW\n"),
        "RW metadata mirrored: {dump}"
    );

    // A SET goes to the primary, whose broadcast comes back through us.
    let mut client = SockClient::connect(&socket).expect("connect");
    client.send("SET ups.load \"77\" TRACKING s-1\n");
    assert!(
        client
            .read_until("TRACKING s-1 0\n", Duration::from_secs(5))
            .is_some(),
        "forwarded SET answered"
    );
    assert!(wait_value(
        &socket,
        "ups.load",
        "77",
        Duration::from_secs(5)
    ));

    a.stop();
    assert!(
        wait_value(
            &socket,
            "driver.primary.socketname",
            "dummy-ups-b",
            Duration::from_secs(10)
        ),
        "failed over to b"
    );
    assert_eq!(value(&socket, "ups.load").as_deref(), Some("22"));
    let dump = SockClient::connect(&socket)
        .expect("connect")
        .dump()
        .expect("dump");
    assert!(dump.ends_with("DATAOK\nDUMPDONE\n"), "fresh: {dump}");

    // Ignoring b leaves no primary: fsdmode 2 raises ALARM and FSD.
    client.send("INSTCMD dummy-ups-b.force.ignore 60 TRACKING s-2\n");
    assert!(
        client
            .read_until("TRACKING s-2 0\n", Duration::from_secs(5))
            .is_some()
    );
    assert!(
        wait_value(&socket, "ups.status", "ALARM FSD", Duration::from_secs(10)),
        "fsdmode 2 once no primary is left"
    );
    assert_eq!(value(&socket, "driver.primary.socketname"), None);
    assert_eq!(
        value(&socket, "ups.alarm").as_deref(),
        Some("No suitable primaries for failover")
    );
    assert_eq!(
        value(&socket, "ups.load"),
        None,
        "the demoted primary's data is gone"
    );
}

/// The banner, the experimental warning and the driver's own options, as
/// `-h` prints them (the common options are the runtime's business).
fn help_parts(stdout: &str) -> (String, String) {
    // The test harness may print its own lines first.
    let banner = stdout.find("Network UPS Tools").unwrap_or(0);
    let head: String = stdout[banner..]
        .lines()
        .take(4)
        .map(|l| format!("{l}\n"))
        .collect();
    let tail = stdout
        .find("Acceptable values for -x or ups.conf in this driver:")
        .map_or_else(String::new, |at| stdout[at..].to_owned());
    (head, tail)
}

fn help_output(command: std::process::Command, name: &str) -> String {
    let mut command = command;
    command
        .env_remove("NUT_QUIET_INIT_BANNER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = Proc::spawn_with_output(name, command).output(Duration::from_secs(30));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn help_lists_each_drivers_options_like_nut() {
    let lab = Lab::new("help");
    let real = crate::support::real_nut("help_lists_each_drivers_options_like_nut");
    for (program, banner, option) in [
        ("clone", "Clone UPS driver 0.03", "-x load.status=<value>"),
        (
            "clone-outlet",
            "clone outlet UPS Driver 0.02",
            "-x prefix=<value>",
        ),
        (
            "failover",
            "UPS Failover Driver 0.01",
            "-x status_nothave_all=<value>",
        ),
    ] {
        let stdout = help_output(ours(&lab, program, &["-h"]), program);
        let (head, tail) = help_parts(&stdout);
        assert_eq!(
            head,
            format!(
                "Network UPS Tools - {banner} (2.8.0)\nWarning: This is an experimental driver.\n\
                 Some features may not function correctly.\n\n"
            ),
            "{program}"
        );
        assert!(tail.contains(option), "{program}: {stdout}");
        if real && program != "failover" {
            let binary = format!("/lib/nut/{program}");
            let mut command = lab.command(&binary);
            command.arg("-h");
            let (real_head, real_tail) = help_parts(&help_output(command, &binary));
            assert_eq!((head, tail), (real_head, real_tail), "{program} -h");
        }
    }
}

#[test]
fn dump_mode_shows_the_upstream_data() {
    let lab = Lab::new("dump");
    lab.write("up.dev", DEV);
    lab.write(
        "ups.conf",
        "[up]\ndriver = dummy-ups\nport = up.dev\n[cl]\ndriver = clone\nport = dummy-ups-up\n",
    );
    let _upstream = start(&lab, "dummy-ups", "up");
    let mut command = ours(&lab, "clone", &["-a", "cl", "-u", "root", "-d", "1"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = Proc::spawn_with_output("clone -d", command).output(Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in [
        "ups.load: 23\n",
        "ups.status: OL\n",
        "ups.timer.shutdown: -1\n",
    ] {
        assert!(stdout.contains(line), "{line} in {stdout}");
    }
}
