//! The multi-host oracle scenario (issue 4 part 6): a primary and two
//! secondaries as separate hosts, one real upsd, and one secondary cut off
//! from the network during the outage.
//!
//! Each host is a network namespace made by the test (`ip netns add`,
//! one veth pair to the root namespace where upsd listens, addresses
//! 10.231.<host>.1/.2). Where namespaces are not permitted the hosts are
//! distinct loopback addresses 127.0.0.3-5, each reaching upsd through a
//! proxy in the test that can black-hole its traffic. Every host runs the
//! real upsmon on UPS `real` and ours on UPS `ours`, side by side, so the
//! two implementations live through the same network and the same cut.
//!
//! Timeline (POLLFREQ 1, HOSTSYNC 4, DEADTIME 3, FINALDELAY 1): on
//! battery at 1 s; `sec2`'s link goes down at 2 s (packets dropped, no
//! reset, as with a pulled cable); low battery at 3.5 s. The primary sets
//! FSD; `sec1` sees it and shuts down; the primary keeps waiting for the
//! cut-off `sec2`, whose login upsd still counts, until HOSTSYNC expires
//! ("Host sync timer expired, forcing shutdown"), then shuts down. `sec2`
//! never hears of the low battery or the FSD: it notices the dead link
//! when a poll times out, reports COMMBAD, and its last known state (on
//! battery) shuts it down once DEADTIME and HOSTSYNC have passed.
//!
//! Compared: on every host, real and ours must emit the same events in the
//! same order (or one of the orders the race allows, see [`EXPECT`]), take
//! the same decision, and emit each event within one poll of the other.
//! That holds on `sec2` after the cut too because both give up on a read
//! after 5 s (libupsclient's timeout; nut-proto's `DEFAULT_IO_TIMEOUT`).
//! The primary's HOSTSYNC wait differs by design inside that bound: NUT
//! compares whole seconds of `time()`, so it waits between 4 and 5 s
//! depending on the wall clock's fraction; ours waits 4 s (plus at most one
//! 250 ms NUMLOGINS round).

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::oracle_lab::{
    Impl, Monitor, MonitorConf, Sandbox, Server, epoch_ms, normalize_polls, occurrences,
    real_nut_missing, skip, write_monitor_dir,
};
use super::support::{record_compared, wait_for};

pub(crate) const TESTS: &[(&str, fn())] = &[("oracle_hosts::multi_host", multi_host)];

/// upsd's port (the brief's range 14250-14299).
const PORT: u16 = 14270;
/// Where the test talks to upsd (one of the brief's loopback addresses).
const ADMIN: &str = "127.0.0.2";
/// One poll interval plus the time to start a logging script.
const TOLERANCE: u64 = 1250;

const STEP_OB: u64 = 1000;
const STEP_CUT: u64 = 2000;
const STEP_LB: u64 = 3500;
const END: u64 = 16_000;

/// `(name, role)` of each host; the last one is cut off.
const HOSTS: [(&str, &str); 3] = [
    ("pri", "primary"),
    ("sec1", "secondary"),
    ("sec2", "secondary"),
];

/// What each host may do, normalized (real and ours alike). `sec1` sees
/// the low battery and the primary's FSD in one poll, or (when it polls
/// between the driver's update and the primary's FSD) the low battery one
/// poll earlier: a secondary waits for the FSD then.
const EXPECT: [&[&[&str]]; 3] = [
    &[&["ONBATT", "LOWBATT", "SHUTDOWN", "SHUTDOWNCMD"]],
    &[
        &["ONBATT", "FSD", "LOWBATT", "SHUTDOWN", "SHUTDOWNCMD"],
        &["ONBATT", "LOWBATT", "FSD", "SHUTDOWN", "SHUTDOWNCMD"],
    ],
    &[&["ONBATT", "COMMBAD", "SHUTDOWN", "SHUTDOWNCMD"]],
];

/// The hosts' network.
enum Net {
    Namespaces(Namespaces),
    Loopback(Vec<Proxy>),
}

impl Net {
    /// Where host `i` reaches upsd.
    fn upsd_address(&self, i: usize) -> String {
        match self {
            Self::Namespaces(_) => format!("10.231.{}.1", i + 1),
            Self::Loopback(_) => format!("127.0.0.{}", i + 3),
        }
    }

    /// Addresses upsd listens on (the admin one first).
    fn listen(&self) -> Vec<String> {
        let mut all = vec![ADMIN.to_owned()];
        if let Self::Namespaces(_) = self {
            all.extend((0..HOSTS.len()).map(|i| self.upsd_address(i)));
        }
        all
    }

    fn netns(&self, i: usize) -> Option<String> {
        match self {
            Self::Namespaces(n) => Some(n.name(i)),
            Self::Loopback(_) => None,
        }
    }

    /// Cuts host `i` off: its packets are dropped from now on.
    fn cut(&self, i: usize) {
        match self {
            Self::Namespaces(n) => n.cut(i),
            Self::Loopback(proxies) => proxies[i].cut.store(true, Ordering::SeqCst),
        }
    }
}

/// The test's namespaces, deleted (with their veth pairs) on drop.
struct Namespaces {
    tag: String,
}

/// Prefix of every namespace this test makes; the owner's PID follows.
const NS_PREFIX: &str = "nutrs-upsmon2-";

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Namespaces {
    fn name(&self, i: usize) -> String {
        format!("{NS_PREFIX}{}-{}", self.tag, HOSTS[i].0)
    }

    /// The root-side end of host `i`'s veth pair (names are at most 15 bytes).
    fn root_link(&self, i: usize) -> String {
        format!("u2r{}h{i}", self.tag)
    }

    /// Makes the namespaces, or says why it cannot.
    fn create() -> Result<Self, String> {
        remove_stale_namespaces();
        let tag = (std::process::id() % 100_000).to_string();
        let n = Self { tag };
        for i in 0..HOSTS.len() {
            let ns = n.name(i);
            let root = n.root_link(i);
            let host = format!("u2h{}h{i}", n.tag);
            let (root_ip, host_ip) = (
                format!("10.231.{}.1/24", i + 1),
                format!("10.231.{}.2/24", i + 1),
            );
            ip(&["netns", "add", &ns])?;
            ip(&[
                "link", "add", &root, "type", "veth", "peer", "name", &host, "netns", &ns,
            ])?;
            ip(&["addr", "add", &root_ip, "dev", &root])?;
            ip(&["link", "set", &root, "up"])?;
            ip(&["-n", &ns, "addr", "add", &host_ip, "dev", &host])?;
            ip(&["-n", &ns, "link", "set", &host, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(n)
    }

    fn cut(&self, i: usize) {
        ip(&["link", "set", &self.root_link(i), "down"]).unwrap();
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for i in 0..HOSTS.len() {
            // Deleting a namespace destroys its veth pair, both ends.
            let _ = ip(&["netns", "del", &self.name(i)]);
        }
    }
}

/// Deletes namespaces left by an earlier run of this test that died
/// before cleaning up (their owner's PID is gone).
fn remove_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(rest) = name.strip_prefix(NS_PREFIX) else {
            continue;
        };
        let owner = rest.split('-').next().unwrap_or("");
        let mine = (std::process::id() % 100_000).to_string();
        let alive = owner == mine
            || std::fs::read_dir("/proc").is_ok_and(|d| {
                d.flatten().any(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|p| p.parse::<u32>().ok())
                        .is_some_and(|p| (p % 100_000).to_string() == owner)
                })
            });
        if !alive {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

/// A TCP proxy from one loopback address to upsd that can black-hole its
/// traffic (the fallback "network" when namespaces are not permitted).
struct Proxy {
    cut: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(listen: &str, upstream: &str) -> Self {
        let cut = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let listener = TcpListener::bind(listen).unwrap();
        listener.set_nonblocking(true).unwrap();
        let (c, s, upstream) = (cut.clone(), stop.clone(), upstream.to_owned());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let _ = client.set_nonblocking(false);
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let (c, s) = (c.clone(), s.clone());
                    std::thread::spawn(move || pump(from, to, &c, &s));
                }
            }
        });
        Self { cut, stop }
    }
}

/// Copies `from` to `to` until either closes or the proxy stops; drops
/// everything once `cut` is set, keeping both sockets open.
fn pump(mut from: TcpStream, mut to: TcpStream, cut: &AtomicBool, stop: &AtomicBool) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) if !cut.load(Ordering::SeqCst) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The hosts' network: namespaces if permitted (and not disabled with
/// `NUT_RS_NO_NETNS`), else loopback addresses with proxies.
fn network() -> Net {
    if std::env::var_os("NUT_RS_NO_NETNS").is_none() {
        match Namespaces::create() {
            Ok(n) => {
                eprintln!(
                    "  multi_host: hosts are network namespaces {NS_PREFIX}{}-*",
                    n.tag
                );
                return Net::Namespaces(n);
            }
            Err(why) => eprintln!(
                "  multi_host: network namespaces not available ({why}); \
                 using loopback addresses 127.0.0.3-5"
            ),
        }
    }
    eprintln!("  multi_host: hosts are loopback addresses 127.0.0.3-5 behind proxies");
    let upstream = format!("{ADMIN}:{PORT}");
    Net::Loopback(
        (0..HOSTS.len())
            .map(|i| Proxy::start(&format!("127.0.0.{}:{PORT}", i + 3), &upstream))
            .collect(),
    )
}

fn multi_host() {
    if let Some(why) = real_nut_missing() {
        return skip("oracle_hosts::multi_host", &why);
    }
    std::fs::create_dir_all("/run/nut").unwrap();
    let net = network();
    let listen = net.listen();
    let listen: Vec<&str> = listen.iter().map(String::as_str).collect();
    let nut = Sandbox::start(
        &Server::Real,
        &listen,
        PORT,
        &["real".to_owned(), "ours".to_owned()],
    );
    // (host index, implementation, monitor)
    let mut monitors: Vec<(usize, Impl, Monitor)> = Vec::new();
    for (i, (host, role)) in HOSTS.iter().enumerate() {
        for (imp, ups) in [(Impl::Real, "real"), (Impl::Ours, "ours")] {
            let (user, pass) = if *role == "primary" {
                ("monuser", "monpass")
            } else {
                ("monsec", "secpass")
            };
            let conf = MonitorConf {
                monitors: vec![format!(
                    "MONITOR {ups}@{}:{PORT} 1 {user} {pass} {role}",
                    net.upsd_address(i)
                )],
                extra: "HOSTSYNC 4\nDEADTIME 3".to_owned(),
                upssched: None,
            };
            let dir = nut.lab.path(&format!("{host}-{ups}"));
            write_monitor_dir(&dir, imp, &conf);
            let label = format!("{host}/{ups}");
            monitors.push((
                i,
                imp,
                Monitor::start(&label, imp, &dir, net.netns(i).as_deref()),
            ));
        }
    }
    let all_in = wait_for(Duration::from_secs(10), || {
        nut.logins("real") >= 3 && nut.logins("ours") >= 3
    });
    if !all_in {
        for (_, _, m) in &monitors {
            eprintln!("--- {} output:\n{}", m.label, m.output());
        }
        panic!("multi_host: all six upsmons must log in");
    }
    std::thread::sleep(Duration::from_millis(1200));
    let origin = Instant::now();
    let origin_ms = epoch_ms();
    let at = |ms: u64| {
        let due = origin + Duration::from_millis(ms);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    };
    let both = ["real".to_owned(), "ours".to_owned()];
    at(STEP_OB);
    nut.set_var(&both, "ups.status", "OB");
    at(STEP_CUT);
    net.cut(HOSTS.len() - 1);
    at(STEP_LB);
    nut.set_var(&both, "ups.status", "OB LB");
    at(END);
    let seen: Vec<Seen> = monitors
        .iter()
        .map(|(host, imp, m)| Seen {
            host: *host,
            imp: *imp,
            label: m.label.clone(),
            events: m.events(origin_ms),
            output: m.output(),
        })
        .collect();
    drop(monitors);
    drop(nut);
    drop(net);
    for s in &seen {
        eprintln!("  multi_host: {:>10} {:?}", s.label, s.events);
    }
    let of = |host: usize, imp: Impl| {
        seen.iter()
            .find(|s| s.host == host && s.imp == imp)
            .unwrap()
    };
    let mut compared = 0;
    for (i, expect) in EXPECT.iter().enumerate() {
        let (real, ours) = (of(i, Impl::Real), of(i, Impl::Ours));
        for s in [real, ours] {
            let got = normalize_polls(&s.events);
            assert!(
                expect.iter().any(|e| *e == got.as_slice()),
                "multi_host: {} did {got:?}, not one of {expect:?}\noutput:\n{}",
                s.label,
                s.output
            );
        }
        // The k-th occurrence of each event.
        for (name, real_times) in occurrences(&real.events) {
            let ours_times = occurrences(&ours.events).remove(&name).unwrap_or_default();
            for (r, o) in real_times.iter().zip(&ours_times) {
                assert!(
                    r.abs_diff(*o) <= TOLERANCE,
                    "multi_host: {} {name} at {r} ms (real) vs {o} ms (ours): more than a poll apart",
                    HOSTS[i].0
                );
                compared += 1;
            }
        }
    }
    check_primary_waited_for_cut_host(&seen);
    record_compared(1, compared);
    println!("oracle_hosts::multi_host: compared 1 scenarios, {compared} steps");
    eprintln!("oracle_hosts::multi_host: compared 1 scenarios, {compared} steps");
}

/// What one upsmon of one host did.
struct Seen {
    host: usize,
    imp: Impl,
    label: String,
    events: Vec<(u64, String)>,
    output: String,
}

/// The primary shut down only after HOSTSYNC (4 s) of waiting for the
/// cut-off secondary, whose login upsd kept counting (NUT's whole-second
/// clock may add up to a second); `sec1` had gone long before.
fn check_primary_waited_for_cut_host(seen: &[Seen]) {
    let time = |host: usize, imp: Impl, name: &str| {
        seen.iter()
            .find(|s| s.host == host && s.imp == imp)
            .and_then(|s| s.events.iter().find(|(_, n)| n == name).map(|(t, _)| *t))
            .unwrap()
    };
    for imp in [Impl::Real, Impl::Ours] {
        let low = time(0, imp, "LOWBATT");
        let shutdown = time(0, imp, "SHUTDOWN");
        let sec1_done = time(1, imp, "SHUTDOWNCMD");
        assert!(
            (low + 4000..=low + 5000 + TOLERANCE).contains(&shutdown),
            "{imp:?} primary: LOWBATT at {low} ms, SHUTDOWN at {shutdown} ms: not HOSTSYNC later"
        );
        assert!(
            sec1_done < shutdown,
            "{imp:?}: sec1 must be done ({sec1_done} ms) before the primary ({shutdown} ms)"
        );
    }
}
