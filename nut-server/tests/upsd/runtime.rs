//! Our runtime without real NUT: scripted drivers, our upsd in-process.
//! Client limits, reload, driver loss and return, LIST latency, shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use nut_server::config::Users;
use nut_server::config::ups_conf::UpsdDevice;
use nut_server::upsd::serve::listen;
use nut_server::upsd::serve::{Control, UpsdOptions};
use nut_server::upsd::{Server, ServerConfig};

use crate::support::fake_driver::{FakeDriver, RICH_DUMP};
use crate::support::lab::{Ours, USERS};
use crate::support::wire::Wire;
use crate::support::{TempDir, wait_for};

/// A UPS served by a fake driver (`fake-<name>` in the state directory).
fn device(name: &str) -> UpsdDevice {
    UpsdDevice {
        name: name.into(),
        driver: "fake".into(),
        port: "none".into(),
        desc: None,
    }
}

fn config(names: &[&str]) -> ServerConfig {
    let mut config = ServerConfig::new(names.iter().map(|n| device(n)).collect());
    config.users = Users::parse("upsd.users".as_ref(), USERS.as_bytes()).expect("users");
    config
}

/// Fake drivers plus our upsd on an ephemeral loopback port.
struct Rig {
    drivers: Vec<(String, FakeDriver)>,
    ours: Option<Ours>,
    port: u16,
    dir: TempDir,
}

impl Rig {
    fn start(names: &[&str], max_clients: usize) -> Self {
        let dir = TempDir::new("upsd-rt").expect("temp dir");
        std::fs::create_dir(dir.path().join("state")).expect("state dir");
        let mut rig = Self {
            drivers: Vec::new(),
            ours: None,
            port: 0,
            dir,
        };
        for name in names {
            rig.start_driver(name);
        }
        let listener = listen::bind_one("127.0.0.1:0".parse().expect("addr")).expect("bind");
        rig.port = listener.local_addr().expect("addr").port();
        let mut options = UpsdOptions::new(rig.dir.path().join("state"));
        options.max_clients = max_clients;
        let server = Server::new(config(names));
        rig.ours = Some(Ours::spawn(server, options, vec![listener], Vec::new()));
        for name in names {
            rig.wait_serving(name);
        }
        rig
    }

    fn start_driver(&mut self, name: &str) {
        let path = self.dir.path().join("state").join(format!("fake-{name}"));
        let driver = FakeDriver::start(&path, RICH_DUMP).expect("fake driver");
        self.drivers.push((name.to_owned(), driver));
    }

    fn stop_driver(&mut self, name: &str) {
        self.drivers.retain(|(n, _)| n != name);
    }

    fn ours(&self) -> &Ours {
        self.ours.as_ref().expect("running")
    }

    fn wire(&self) -> Wire {
        Wire::connect(self.port).expect("connect")
    }

    /// Polls until `GET VAR <ups> ups.status` answers `want`.
    fn wait_reply(&self, ups: &str, want: &str) {
        let mut wire = self.wire();
        let line = format!("GET VAR {ups} ups.status");
        wait_for(
            &format!("{line} -> {want}\n{}", self.ours().log_text()),
            Duration::from_secs(10),
            || (wire.request(&line).ok()? == [want]).then_some(()),
        );
    }

    fn wait_serving(&self, ups: &str) {
        self.wait_reply(ups, &format!("VAR {ups} ups.status \"OL LB\""));
    }
}

/// Reads from a raw stream until EOF or `timeout`; true on EOF.
fn closes_within(stream: &mut TcpStream, timeout: Duration) -> bool {
    stream.set_read_timeout(Some(timeout)).expect("timeout");
    let mut buf = [0u8; 256];
    matches!(stream.read(&mut buf), Ok(0))
}

#[test]
fn maxconn_refuses_cleanly_and_recovers() {
    let rig = Rig::start(&["rich"], 2);
    let mut first = rig.wire();
    let mut second = rig.wire();
    assert_eq!(first.request("NETVER").expect("first"), ["1.3"]);
    assert_eq!(second.request("NETVER").expect("second"), ["1.3"]);
    let mut third = TcpStream::connect(("127.0.0.1", rig.port)).expect("connect");
    assert!(
        closes_within(&mut third, Duration::from_secs(2)),
        "the client past MAXCONN is closed at once"
    );
    assert_eq!(first.request("NETVER").expect("first again"), ["1.3"]);
    drop(second);
    wait_for("a slot frees up", Duration::from_secs(5), || {
        let mut next = Wire::connect(rig.port).ok()?;
        (next.request("NETVER").ok()? == ["1.3"]).then_some(())
    });
    assert!(
        rig.ours()
            .log_text()
            .contains("Refusing connection from 127.0.0.1: MAXCONN reached (2 clients)")
    );
}

#[test]
fn list_replies_leave_in_one_write_without_the_nagle_stall() {
    let rig = Rig::start(&["rich"], usize::MAX);
    // A stock client: no TCP_NODELAY, one request at a time.
    let stream = TcpStream::connect(("127.0.0.1", rig.port)).expect("connect");
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let rounds = 50;
    let start = Instant::now();
    let mut line = String::new();
    for _ in 0..rounds {
        writer.write_all(b"LIST VAR rich\n").expect("write");
        loop {
            line.clear();
            reader.read_line(&mut line).expect("read");
            if line == "END LIST VAR rich\n" {
                break;
            }
            assert!(!line.is_empty(), "connection closed");
        }
    }
    let elapsed = start.elapsed();
    // upsd 2.8.0 needs ~44 ms per LIST here (delayed ACK against Nagle).
    assert!(
        elapsed < Duration::from_millis(20) * rounds,
        "{rounds} LIST VAR took {elapsed:?}"
    );
}

#[test]
fn reload_adds_and_removes_upses_and_kicks_their_clients() {
    let mut rig = Rig::start(&["a", "b"], usize::MAX);
    let mut mon = rig.wire();
    for (line, want) in [
        ("USERNAME monuser", "OK"),
        ("PASSWORD monpass", "OK"),
        ("LOGIN b", "OK"),
    ] {
        assert_eq!(mon.request(line).expect(line), [want]);
    }
    let mut bystander = rig.wire();
    rig.start_driver("c");
    rig.ours()
        .control(Control::Reload(Box::new(config(&["c", "a"]))));
    let eof = mon.until_close(b"").expect("read until close");
    assert_eq!(eof, ["<EOF>"], "the client on the removed UPS is kicked");
    rig.wait_serving("c");
    assert_eq!(
        bystander.request("LIST UPS").expect("list"),
        [
            "BEGIN LIST UPS",
            "UPS c \"Description unavailable\"",
            "UPS a \"Description unavailable\"",
            "END LIST UPS"
        ]
    );
    assert_eq!(
        bystander.request("GET VAR b ups.status").expect("b"),
        ["ERR UNKNOWN-UPS"]
    );
    let log = rig.ours().log_text();
    assert!(log.contains("SIGHUP: reloading configuration"), "{log}");
    assert!(log.contains("Deleting UPS [b]"), "{log}");
    assert!(
        log.contains("Kicking client 127.0.0.1 (was on UPS [b])"),
        "{log}"
    );
    rig.ours()
        .control(Control::ReloadFailed("upsd.conf:3: bad".into()));
    assert_eq!(
        bystander.request("GET VAR a ups.status").expect("a"),
        ["VAR a ups.status \"OL LB\""]
    );
    wait_for(
        "the failed reload is logged",
        Duration::from_secs(5),
        || {
            rig.ours()
                .log_text()
                .contains("Reload failed: upsd.conf:3: bad")
                .then_some(())
        },
    );
}

#[test]
fn a_lost_driver_is_reported_and_reconnected() {
    let mut rig = Rig::start(&["rich"], usize::MAX);
    rig.stop_driver("rich");
    rig.wait_reply("rich", "ERR DRIVER-NOT-CONNECTED");
    rig.start_driver("rich");
    rig.wait_serving("rich");
    let log = rig.ours().log_text();
    assert!(
        log.contains("Can't connect to UPS [rich] (fake-rich)"),
        "{log}"
    );
    assert_eq!(
        log.matches("Connected to UPS [rich]: fake-rich").count(),
        2,
        "{log}"
    );
}

#[test]
fn tracking_reaches_the_driver_and_back() {
    let rig = Rig::start(&["rich"], usize::MAX);
    let mut admin = rig.wire();
    for line in ["USERNAME admin", "PASSWORD adminpass", "SET TRACKING ON"] {
        assert_eq!(admin.request(line).expect(line), ["OK"]);
    }
    for (cmd, want) in [
        ("test.battery.start", "SUCCESS"),
        ("test.fail", "ERR FAILED"),
        ("test.invalid", "ERR INVALID-ARGUMENT"),
    ] {
        let reply = admin
            .request(&format!("INSTCMD rich {cmd}"))
            .expect("instcmd");
        let id = reply[0]
            .strip_prefix("OK TRACKING ")
            .expect("tracking id")
            .to_owned();
        wait_for(cmd, Duration::from_secs(5), || {
            (admin.request(&format!("GET TRACKING {id}")).ok()? == [want]).then_some(())
        });
    }
}

#[test]
fn stop_closes_every_connection_promptly() {
    let mut rig = Rig::start(&["rich"], usize::MAX);
    let mut idle = TcpStream::connect(("127.0.0.1", rig.port)).expect("connect");
    let mut wire = rig.wire();
    assert_eq!(wire.request("NETVER").expect("netver"), ["1.3"]);
    let ours = rig.ours.take().expect("running");
    let start = Instant::now();
    assert!(ours.stop(), "upsd stops within 5 s");
    assert!(closes_within(&mut idle, Duration::from_secs(2)));
    assert!(start.elapsed() < Duration::from_secs(5));
}
