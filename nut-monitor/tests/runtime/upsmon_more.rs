//! Our upsmon's `-4`/`-6` (which address family it connects over) and
//! `-B` (background even with `-D`), against the fake upsd. The fake listens
//! on 127.0.0.1 only; an IPv6 door to it is a small relay on `[::1]` that
//! counts its connections.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::fake_upsd::FakeUpsd;
use super::support::{Lab, kill, run, start_upsmon, upsmon_conf, wait_for};

pub(crate) const TESTS: &[(&str, fn())] = &[
    (
        "upsmon_more::family_4_and_6_choose_the_address",
        family_4_and_6_choose_the_address,
    ),
    (
        "upsmon_more::background_with_b_even_when_debugging",
        background_with_b_even_when_debugging,
    ),
];

/// Loopback ports of this file (the TLS tests use 13970 to 13974).
const FAKE_PORT: u16 = 13975;
const RELAY_PORT: u16 = 13976;
const BACKGROUND_PORT: u16 = 13977;

const SECS: Duration = Duration::from_secs(1);

/// How long a upsmon that must not reach the server is watched.
const UNREACHED_WATCH: Duration = Duration::from_secs(3);

/// Relays `[::1]:from` to `127.0.0.1:to`; counts the connections it took.
fn ipv6_relay(from: u16, to: u16) -> Arc<AtomicU32> {
    let listener = TcpListener::bind(("::1", from)).expect("IPv6 loopback port free");
    let count = Arc::new(AtomicU32::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for inbound in listener.incoming().flatten() {
            assert!(inbound.peer_addr().unwrap().is_ipv6());
            seen.fetch_add(1, Ordering::SeqCst);
            let Ok(outbound) = TcpStream::connect(("127.0.0.1", to)) else {
                continue;
            };
            let pipe = |mut a: TcpStream, mut b: TcpStream| {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut a, &mut b);
                    let _ = b.shutdown(Shutdown::Write);
                });
            };
            pipe(inbound.try_clone().unwrap(), outbound.try_clone().unwrap());
            pipe(outbound, inbound);
        }
    });
    count
}

fn polled(fake: &FakeUpsd) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.starts_with("GET VAR"))
        .count()
}

/// Runs upsmon `-F -p <family>` on `MONITOR ups@<host>` for as long as it
/// takes to poll (`reaches`) or for [`UNREACHED_WATCH`]; returns its output.
fn watch(lab: &Lab, fake: &FakeUpsd, family: &str, host: &str, reaches: bool) -> String {
    let (n, s) = lab.logging_scripts();
    let monitor = format!("MONITOR ups@{host} 1 mon pass secondary");
    lab.write("upsmon.conf", &upsmon_conf(&monitor, &n, &s, ""));
    let before = polled(fake);
    let mon = start_upsmon(lab, &["-F", "-p", family]);
    let reached = if reaches {
        wait_for(5 * SECS, || polled(fake) > before)
    } else {
        wait_for(UNREACHED_WATCH, || polled(fake) > before)
    };
    assert_eq!(
        reached,
        reaches,
        "{family} {host}: upsmon said:\n{}",
        mon.output()
    );
    mon.output()
}

fn family_4_and_6_choose_the_address() {
    let lab = Lab::new("family");
    let fake = FakeUpsd::start(FAKE_PORT, "ups");
    let relayed = ipv6_relay(RELAY_PORT, FAKE_PORT);
    let v4 = format!("localhost:{FAKE_PORT}");
    let v6 = format!("[::1]:{RELAY_PORT}");
    // localhost: IPv4 with -4. With -6 it is ::1 or nothing, and nothing
    // listens on ::1 at that port: the fake is never reached.
    watch(&lab, &fake, "-4", &v4, true);
    let out = watch(&lab, &fake, "-6", &v4, false);
    assert!(out.contains(&format!("UPS [ups@{v4}]")), "{out}");
    assert_eq!(relayed.load(Ordering::SeqCst), 0);
    // An IPv6 address: reached with -6 (through the relay), never with -4.
    watch(&lab, &fake, "-6", &v6, true);
    let after_v6 = relayed.load(Ordering::SeqCst);
    assert!(after_v6 >= 1);
    let out = watch(&lab, &fake, "-4", &v6, false);
    assert_eq!(relayed.load(Ordering::SeqCst), after_v6, "-4 used IPv6");
    assert!(out.contains("No such host"), "{out}");
    // Without either, both work.
    watch(&lab, &fake, "-D", &v6, true);
    watch(&lab, &fake, "-D", &v4, true);
}

fn background_with_b_even_when_debugging() {
    let lab = Lab::new("bg");
    let fake = FakeUpsd::start(BACKGROUND_PORT, "ups");
    let (n, s) = lab.logging_scripts();
    let monitor = format!("MONITOR ups@127.0.0.1:{BACKGROUND_PORT} 1 mon pass secondary");
    lab.write("upsmon.conf", &upsmon_conf(&monitor, &n, &s, ""));

    // -D alone stays in the foreground.
    let mut fg = start_upsmon(&lab, &["-D", "-p"]);
    assert!(wait_for(5 * SECS, || polled(&fake) > 0), "{}", fg.output());
    assert_eq!(
        fg.wait_exit(SECS),
        None,
        "-D keeps upsmon in the foreground"
    );
    assert!(lab.path("upsmon.pid").exists());
    assert_eq!(run("upsmon", &lab, &["-c", "stop"]).status.code(), Some(0));
    assert_eq!(fg.wait_exit(5 * SECS), Some(0), "{}", fg.output());
    assert!(!lab.path("upsmon.pid").exists(), "PID file removed at exit");
    drop(fg);

    // -B -D: the command returns at once, a background copy monitors.
    let before = polled(&fake);
    let mut bg = start_upsmon(&lab, &["-B", "-D", "-p"]);
    assert_eq!(bg.wait_exit(5 * SECS), Some(0), "{}", bg.output());
    assert!(
        wait_for(5 * SECS, || polled(&fake) > before),
        "the background copy polls: {}",
        bg.output()
    );
    assert!(wait_for(3 * SECS, || lab.path("upsmon.pid").exists()));
    let pid: i32 = std::fs::read_to_string(lab.path("upsmon.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_ne!(u32::try_from(pid).unwrap(), bg.pid());
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(String::from_utf8_lossy(&cmdline).contains("--nut-rs-daemon"));
    // Its own process group, away from the terminal's signals.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
    assert_eq!(fields[2], pid.to_string(), "process group of {stat}");
    // It answers `-c stop`.
    assert_eq!(run("upsmon", &lab, &["-c", "stop"]).status.code(), Some(0));
    let gone = wait_for(5 * SECS, || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z "))
    });
    if !gone {
        kill(pid);
    }
    assert!(gone, "the background upsmon stopped");
}
