//! The transcript suite: one script of requests (every command, reply and
//! error of nut-spec §2, the transcripts of real-nut-lab §2.3/§2.4, parser
//! edge cases, tracking with real drivers, FSD, LOGOUT, a killed driver, a
//! frozen one) run against the real upsd 2.8.0 and against ours, each over
//! its own real dummy-ups and fake driver; the replies must be the same
//! bytes, tracking UUIDs aside.

use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::support::lab::{Flavor, Side};
use crate::support::wire::Wire;
use crate::support::{real_nut_available, real_nut_lock};

/// `MAXAGE` of both sides: short, so that a frozen driver goes stale fast,
/// long enough that a loaded machine does not make a live one look stale.
const MAXAGE: u32 = 6;

/// How long a polled request may take to reach its expected state.
const POLL_TIMEOUT: Duration = Duration::from_secs(25);

/// One step of the script. `conn` numbers the client connections.
#[derive(Debug, Clone)]
enum Step {
    /// Send one line; record the reply.
    Send(usize, String),
    /// Send raw bytes; record the reply. `pause` keeps the probe out of
    /// the same server read (upsd drops the rest of a read after a parse
    /// error).
    Raw(usize, Vec<u8>, bool),
    /// Send a line after which the server closes; record up to the close.
    Close(usize, String),
    /// Repeat a line while its reply is exactly `while_reply`; record the
    /// first other reply.
    PollWhile(usize, String, &'static str),
    /// Repeat a line until its reply is exactly `until`; record it.
    PollUntil(usize, String, &'static str),
    /// Stop the `[dummy]` driver.
    KillDriver,
    /// Start the `[dummy]` driver again and wait until it serves data.
    StartDriver,
    /// Freeze (SIGSTOP) or thaw (SIGCONT) the `[dummy]` driver.
    Signal(Signal),
}

fn send(conn: usize, line: &str) -> Step {
    Step::Send(conn, line.to_owned())
}

/// Lines sent on one connection, each on its own.
fn lines(conn: usize, lines: &[&str]) -> Vec<Step> {
    lines.iter().map(|l| send(conn, l)).collect()
}

/// The script.
fn script() -> Vec<Step> {
    let mut s = Vec::new();
    // Read-only commands (lab §2.3), on connection 0.
    s.extend(lines(
        0,
        &[
            "VER",
            "NETVER",
            "PROTVER",
            "HELP",
            "LIST UPS",
            "LIST VAR dummy",
            "LIST RW dummy",
            "LIST CMD dummy",
            "GET VAR dummy ups.status",
            "GET TYPE dummy ups.status",
            "GET TYPE dummy battery.charge",
            "GET TYPE dummy driver.name",
            "GET DESC dummy ups.status",
            "GET DESC dummy battery.charge",
            "GET DESC dummy device.mfr",
            "GET DESC dummy upstream.ups.status",
            "GET CMDDESC dummy load.off",
            "GET CMDDESC dummy LOAD.OFF",
            "GET CMDDESC dummy nosuch.cmd",
            "GET UPSDESC dummy",
            "GET UPSDESC rich",
            "GET NUMLOGINS dummy",
            "LIST ENUM dummy ups.status",
            "LIST RANGE dummy battery.charge",
            "LIST CLIENT dummy",
            "LIST CLIENT",
            "GET TRACKING",
            "GET TRACKING 00000000-0000-4000-8000-000000000000",
            "STARTTLS",
            "STARTTLS extra",
            // The rich driver: ENUM, RANGE, STRING:n, escapes, flagless.
            "LIST VAR rich",
            "LIST RW rich",
            "LIST CMD rich",
            "GET VAR rich device.model",
            "GET VAR rich UPS.MIXED",
            "GET TYPE rich input.transfer.high",
            "GET TYPE rich ups.delay.shutdown",
            "GET TYPE rich ups.delay.start",
            "GET TYPE rich ups.id",
            "GET TYPE rich ups.bad",
            "GET TYPE rich ups.flagless",
            "LIST ENUM rich input.transfer.high",
            "LIST ENUM RICH INPUT.TRANSFER.HIGH",
            "LIST RANGE rich ups.delay.shutdown",
            "LIST RANGE rich ups.delay.start",
            "LIST RANGE rich ups.id",
            "GET DESC rich input.transfer.high",
            "GET CMDDESC rich test.battery.start",
            // A UPS whose driver never started.
            "GET VAR down ups.status",
            "LIST VAR down",
            "LIST RW down",
            "LIST CMD down",
            "GET TYPE down ups.status",
            "GET DESC down ups.status",
            "GET CMDDESC down load.off",
            "GET NUMLOGINS down",
            "GET UPSDESC down",
            "LIST ENUM down x",
            "LIST RANGE down x",
            "LIST CLIENT down",
            "GET VAR down server.info",
        ],
    ));
    // Errors and parser behaviour, unauthenticated (lab §2.3).
    s.extend(lines(
        0,
        &[
            "GET VAR nosuch ups.status",
            "GET VAR dummy no.such.var",
            "LIST VAR nosuch",
            "LIST CMD nosuch",
            "LIST RW nosuch",
            "LIST ENUM nosuch x",
            "LIST RANGE nosuch x",
            "LIST CLIENT nosuch",
            "GET TYPE nosuch x",
            "GET DESC nosuch x",
            "GET CMDDESC nosuch x",
            "GET UPSDESC nosuch",
            "GET NUMLOGINS nosuch",
            "FOO",
            "",
            "# only a comment",
            "GET",
            "GET VAR",
            "GET VAR dummy",
            "GET TYPE dummy",
            "GET DESC dummy",
            "GET CMDDESC dummy",
            "GET UPSDESC",
            "GET NUMLOGINS",
            "GET FOO dummy x",
            "GET FOO",
            "LIST",
            "LIST FOO",
            "LIST FOO a b c",
            "LIST VAR",
            "LIST ENUM dummy",
            "LIST RANGE dummy",
            "LIST UPS extra",
            "VER extra",
            "NETVER x",
            "PROTVER x",
            "HELP x",
            "USERNAME",
            "USERNAME a b",
            "PASSWORD",
            "LOGOUT x",
            "GET VAR dummy ups.status extra args",
            "LIST VAR dummy extra",
            "GET VAR nosuch server.version",
            "GET VAR nosuch SERVER.INFO",
            "GET VAR \"a b\" server.version",
            "GET VAR dummy server.foo",
            "GET TYPE dummy server.version",
            "GET TRACKING x y",
            "SET VAR dummy ups.load 50",
            "SET VAR dummy",
            "SET",
            "SET FOO dummy x y",
            "INSTCMD dummy load.off",
            "INSTCMD nosuch load.off",
            "INSTCMD",
            "FSD dummy",
            "FSD",
            "LOGIN dummy",
            "LOGIN",
            "MASTER dummy",
            "PRIMARY a b",
            "get var dummy ups.status",
            "GET VAR DUMMY ups.status",
            "GET VAR dummy UPS.STATUS",
            "gEt TyPe DuMmY uPs.StAtUs",
            "GET VAR \"dummy\" \"ups.status\"",
            "   GET   VAR   dummy   ups.status   ",
            "GET TYPE dummy nosuch",
            "GET DESC dummy nosuch",
            "GET DESC dummy a=b",
            "GET DESC dummy \"a b\"",
            "GET DESC dummy \"\\\"q\\\"\"",
            "GET CMDDESC dummy nosuch.cmd",
            "LIST ENUM dummy nosuch",
            "LIST RANGE dummy nosuch",
            "GET VAR 'dummy' ups.status",
            "GET VAR dum\\my ups.status",
            "GET VAR dummy ups.sta\"tus",
            "GET VAR dummy a=b",
        ],
    ));
    let long_name = format!("GET VAR dummy {}", "v".repeat(1000));
    let long_line = format!("GET VAR dummy ups.status {}", "x ".repeat(2500));
    s.push(Step::Send(0, long_name));
    s.push(Step::Send(0, long_line));
    for raw in [
        &b"NETVER\r\n"[..],
        b"GET\tVAR\tdummy\tups.status\n",
        b"VER\0\n",
        b"VER\nNETVER\nGET VAR dummy ups.status\n",
        b"\n",
        // An open quote swallows the newline: one request of two lines.
        b"GET VAR dummy \"ups.status\nVER\"\n",
    ] {
        s.push(Step::Raw(0, raw.to_vec(), false));
    }
    // `#` inside quotes: no answer; the line after still works.
    s.push(Step::Raw(0, b"GET VAR dummy \"a#b\"\n".to_vec(), true));
    s.push(send(0, "NETVER"));
    // Credentials are only checked when used.
    s.extend(lines(
        0,
        &[
            "PASSWORD x",
            "LOGIN dummy",
            "USERNAME admin",
            "USERNAME admin",
            "PASSWORD wrong",
            "SET VAR dummy ups.load 50",
            "INSTCMD dummy load.off",
            "FSD dummy",
            "LOGIN dummy",
            "SET TRACKING ON",
        ],
    ));
    // Admin: SET, INSTCMD, TRACKING with real answers (lab §2.3).
    s.extend(lines(
        1,
        &[
            "USERNAME admin",
            "PASSWORD adminpass",
            "GET TRACKING",
            "SET TRACKING ON",
            "GET TRACKING",
            "SET VAR dummy ups.load 61",
        ],
    ));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    s.push(Step::PollUntil(
        1,
        "GET VAR dummy ups.load".into(),
        "VAR dummy ups.load \"61\"",
    ));
    s.push(send(1, "INSTCMD dummy load.off"));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    s.push(send(1, "INSTCMD dummy load.off 5"));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    s.push(send(1, "INSTCMD dummy load.off a b"));
    s.push(Step::PollWhile(1, "get tracking $T".into(), "PENDING"));
    s.extend(lines(
        1,
        &[
            "INSTCMD dummy load.on",
            "INSTCMD DUMMY LOAD.OFF",
            "INSTCMD nosuch load.off",
            "INSTCMD dummy",
            "SET VAR dummy no.such.var 1",
            "SET VAR dummy driver.name foo",
            "SET VAR nosuch x y",
            "SET VAR dummy ups.model 0123456789012345678901234567890123456789",
            "SET VAR dummy ups.model 01234567890123456789012345678901",
            "SET VAR dummy ups.load",
            "SET TRACKING",
            "SET TRACKING maybe",
            "SET FOO",
            "SET FOO x",
            "LOGIN dummy",
            "MASTER dummy",
            "PRIMARY dummy",
            "GET TRACKING 00000000-0000-0000-0000-000000000000",
        ],
    ));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    // The rich driver answers at once, with every result code.
    s.extend(lines(
        1,
        &[
            "SET VAR rich ups.delay.shutdown 99999",
            "SET VAR rich ups.delay.shutdown abc",
            "SET VAR rich ups.delay.shutdown 12abc",
            "SET VAR rich ups.delay.start 650000",
            "SET VAR rich ups.delay.start 599999",
            "SET VAR rich input.transfer.high 999",
            "SET VAR rich input.transfer.high 271",
        ],
    ));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    s.extend(lines(
        1,
        &[
            "SET VAR rich input.transfer.high \" 271\"",
            "SET VAR rich ups.id TOOLONGID1",
            "SET VAR rich ups.id \"EIGHT CH\"",
            "SET VAR rich ups.bad y",
            "SET VAR rich ups.flagless 2",
            "SET VAR rich ups.mixed x",
            "INSTCMD rich test.battery.start",
        ],
    ));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    s.push(send(1, "INSTCMD rich test.fail"));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    s.push(send(1, "INSTCMD rich test.invalid"));
    s.push(Step::PollWhile(1, "GET TRACKING $T".into(), "PENDING"));
    s.push(Step::PollUntil(
        1,
        "GET VAR rich ups.id".into(),
        "VAR rich ups.id \"EIGHT CH\"",
    ));
    s.extend(lines(
        1,
        &[
            "SET TRACKING off",
            "GET TRACKING",
            "GET TRACKING $T",
            "SET VAR dummy ups.load 43",
            "INSTCMD dummy load.off",
        ],
    ));
    s.push(Step::PollUntil(
        1,
        "GET VAR dummy ups.load".into(),
        "VAR dummy ups.load \"43\"",
    ));
    // Another connection with tracking on sees any id (the table is shared).
    s.extend(lines(
        0,
        &[
            "GET TRACKING $T",
            "GET TRACKING 00000000-0000-4000-8000-000000000000",
        ],
    ));
    // upsmon roles, LOGIN counting, LIST CLIENT.
    s.extend(lines(
        2,
        &[
            "USERNAME monuser",
            "PASSWORD monpass",
            "LOGIN nosuch",
            "LOGIN DUMMY",
            "LOGIN dummy",
            "LOGIN nosuch",
            "GET NUMLOGINS dummy",
            "GET NUMLOGINS DUMMY",
            "LIST CLIENT dummy",
            "LIST CLIENT DUMMY",
            "MASTER dummy",
            "PRIMARY dummy",
            "MASTER nosuch",
            "PRIMARY nosuch",
            "SET VAR dummy ups.load 10",
            "INSTCMD dummy load.off",
            "USERNAME again",
        ],
    ));
    s.extend(lines(
        3,
        &[
            "USERNAME secuser",
            "PASSWORD secpass",
            "PRIMARY dummy",
            "FSD dummy",
            "LOGIN dummy",
            "GET NUMLOGINS dummy",
        ],
    ));
    s.extend(lines(0, &["LIST CLIENT dummy", "GET NUMLOGINS dummy"]));
    s.push(Step::Close(2, "LOGOUT".into()));
    s.push(Step::PollUntil(
        0,
        "GET NUMLOGINS dummy".into(),
        "NUMLOGINS dummy 1",
    ));
    s.push(send(0, "LIST CLIENT dummy"));
    // Pipelined after LOGOUT: still answered, and upsd then keeps the
    // connection (the later line counts as activity again).
    s.push(Step::Raw(3, b"LOGOUT\nNETVER\n".to_vec(), false));
    s.push(send(3, "GET NUMLOGINS dummy"));
    s.push(Step::Close(3, "LOGOUT".into()));
    // FSD: latched, shown on ups.status in GET and LIST VAR.
    s.extend(lines(
        1,
        &[
            "FSD nosuch",
            "FSD dummy",
            "GET VAR dummy ups.status",
            "LIST VAR dummy",
            "LIST RW dummy",
            "FSD dummy",
            "FSD rich",
            "GET VAR rich ups.status",
        ],
    ));
    // Driver down (lab §2.4): immediate DRIVER-NOT-CONNECTED, FSD survives.
    s.push(Step::KillDriver);
    s.push(Step::PollUntil(
        0,
        "GET VAR dummy ups.status".into(),
        "ERR DRIVER-NOT-CONNECTED",
    ));
    s.extend(lines(
        0,
        &[
            "LIST VAR dummy",
            "LIST CMD dummy",
            "LIST RW dummy",
            "GET TYPE dummy ups.status",
            "GET NUMLOGINS dummy",
            "LIST UPS",
            "GET UPSDESC dummy",
            "LIST CLIENT dummy",
        ],
    ));
    s.extend(lines(
        1,
        &[
            "SET VAR dummy ups.load 1",
            "INSTCMD dummy load.off",
            "FSD dummy",
        ],
    ));
    s.push(Step::StartDriver);
    s.push(send(0, "GET VAR dummy ups.status"));
    s.push(send(0, "GET NUMLOGINS dummy"));
    // Data stale (lab §2.4): a frozen driver, a short MAXAGE.
    s.push(Step::Signal(Signal::SIGSTOP));
    s.push(Step::PollUntil(
        0,
        "GET VAR dummy ups.status".into(),
        "ERR DATA-STALE",
    ));
    s.extend(lines(
        0,
        &[
            "LIST VAR dummy",
            "LIST RW dummy",
            "LIST CMD dummy",
            "GET TYPE dummy ups.status",
            "GET DESC dummy ups.status",
            "GET CMDDESC dummy load.off",
            "GET NUMLOGINS dummy",
            "LIST ENUM dummy ups.status",
            "LIST UPS",
            "LIST CLIENT dummy",
            "GET VAR dummy server.version",
        ],
    ));
    s.extend(lines(
        4,
        &[
            "USERNAME monuser",
            "PASSWORD monpass",
            "LOGIN dummy",
            "FSD dummy",
            "SET VAR dummy ups.load 1",
        ],
    ));
    s.extend(lines(
        1,
        &["SET VAR dummy ups.load 2", "INSTCMD dummy load.off"],
    ));
    s.push(Step::Signal(Signal::SIGCONT));
    s.push(Step::PollUntil(
        0,
        "GET VAR dummy ups.status".into(),
        "VAR dummy ups.status \"FSD OL\"",
    ));
    s.push(send(0, "GET NUMLOGINS dummy"));
    s.push(Step::Close(1, "LOGOUT".into()));
    s
}

/// What one step produced on one side.
#[derive(Debug, Clone)]
struct Record {
    request: String,
    reply: Vec<String>,
}

/// The connection numbered `index`, opened on first use.
fn conn<'a>(conns: &'a mut HashMap<usize, Wire>, index: usize, side: &Side) -> &'a mut Wire {
    conns.entry(index).or_insert_with(|| side.wire())
}

/// Runs the script on one side.
fn run(side: &mut Side, steps: &[Step]) -> Vec<Record> {
    let mut conns: HashMap<usize, Wire> = HashMap::new();
    let mut tracking = String::from("none");
    let mut records = Vec::new();
    for step in steps {
        let (request, reply) = match step {
            Step::Send(c, line) => {
                let line = line.replace("$T", &tracking);
                let reply = conn(&mut conns, *c, side).request(&line).expect("request");
                (line, reply)
            }
            Step::Raw(c, bytes, pause) => {
                let reply = conn(&mut conns, *c, side)
                    .exchange(bytes, *pause)
                    .expect("raw");
                (format!("{:?}", String::from_utf8_lossy(bytes)), reply)
            }
            Step::Close(c, line) => {
                let line = line.replace("$T", &tracking);
                let bytes = if line.ends_with('\n') {
                    line.clone()
                } else {
                    format!("{line}\n")
                };
                let reply = conn(&mut conns, *c, side)
                    .until_close(bytes.as_bytes())
                    .expect("close");
                conns.remove(c);
                (line, reply)
            }
            Step::PollWhile(c, line, pending) => {
                let line = line.replace("$T", &tracking);
                let reply = poll(conn(&mut conns, *c, side), &line, |r| r != [*pending]);
                (line, reply)
            }
            Step::PollUntil(c, line, wanted) => {
                let line = line.replace("$T", &tracking);
                let reply = poll(conn(&mut conns, *c, side), &line, |r| r == [*wanted]);
                (line, reply)
            }
            Step::KillDriver => {
                side.kill_driver("dummy");
                continue;
            }
            Step::StartDriver => {
                side.start_driver("dummy");
                side.wait_ready("dummy");
                continue;
            }
            Step::Signal(signal) => {
                side.signal_driver("dummy", *signal);
                continue;
            }
        };
        if let Some(id) = reply.first().and_then(|r| r.strip_prefix("OK TRACKING ")) {
            tracking = id.to_owned();
        }
        records.push(Record { request, reply });
    }
    records
}

/// Repeats `line` until `done` accepts the reply or the poll times out
/// (then the last reply is returned, and the comparison shows it).
fn poll(wire: &mut Wire, line: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + POLL_TIMEOUT;
    loop {
        let reply = wire.request(line).expect("poll request");
        if done(&reply) || Instant::now() >= deadline {
            return reply;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Replaces UUIDs (tracking ids differ by design) with `<UUID>`.
fn normalise(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            let is_uuid = word.len() == 36
                && word.char_indices().all(|(i, c)| {
                    if matches!(i, 8 | 13 | 18 | 23) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                });
            if is_uuid { "<UUID>" } else { word }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn transcripts_match_the_real_upsd_byte_for_byte() {
    if !real_nut_available("transcripts_match_the_real_upsd_byte_for_byte") {
        return;
    }
    let _lock = real_nut_lock();
    let steps = script();
    let (real, ours) = thread::scope(|scope| {
        let real = scope.spawn(|| {
            let mut side = Side::start(Flavor::Real, MAXAGE, "");
            let records = run(&mut side, &steps);
            (records, side.log_text())
        });
        let ours = scope.spawn(|| {
            let mut side = Side::start(Flavor::Ours, MAXAGE, "");
            let records = run(&mut side, &steps);
            (records, side.log_text())
        });
        (
            real.join().expect("real side"),
            ours.join().expect("our side"),
        )
    });
    let (real, real_log) = real;
    let (ours, our_log) = ours;
    assert_eq!(real.len(), ours.len());
    let mut compared = 0;
    let mut identical = 0;
    let mut report = String::new();
    for (r, o) in real.iter().zip(&ours) {
        let width = r.reply.len().max(o.reply.len()).max(1);
        compared += width;
        let r_lines: Vec<_> = r.reply.iter().map(|l| normalise(l)).collect();
        let o_lines: Vec<_> = o.reply.iter().map(|l| normalise(l)).collect();
        if r_lines == o_lines {
            identical += width;
        } else {
            report.push_str(&format!(
                "\n>>> {}\n  real: {:?}\n  ours: {:?}",
                r.request, r_lines, o_lines
            ));
        }
    }
    eprintln!("compared {compared} transcript lines: {identical} identical");
    assert!(
        report.is_empty(),
        "differences:{report}\n--- real upsd log ---\n{real_log}\n--- our log ---\n{our_log}"
    );
    // The stale and reconnect phases really happened on both.
    for log in [&real_log, &our_log] {
        assert!(
            log.contains("Data for UPS [dummy] is stale - check driver"),
            "{log}"
        );
        assert!(log.contains("UPS [dummy] data is no longer stale"), "{log}");
        assert!(
            log.contains("Can't connect to UPS [down] (dummy-ups-down)"),
            "{log}"
        );
    }
}
