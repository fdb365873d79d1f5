//! An in-process fake upsd: scripted answers per request line.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::fake_ports;

/// What the fake does with one request line.
pub(crate) enum Action {
    /// Write these bytes (LF-terminated lines).
    Send(String),
    /// Write these bytes, then close.
    SendAndClose(String),
    /// Say nothing (the client must time out).
    Silent,
}

/// A per-connection request handler.
pub(crate) type Handler = Box<dyn FnMut(&str) -> Action + Send>;

/// A listening fake server; stops accepting when dropped.
pub(crate) struct FakeServer {
    pub(crate) port: u16,
    stop: Arc<AtomicBool>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Binds the first free port of [`fake_ports`], waiting for one to free up.
pub(crate) fn bind() -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        for port in fake_ports() {
            if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)) {
                return listener;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no free fake port in {:?}",
            fake_ports()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// Serves connections, each with a fresh handler from `make`.
pub(crate) fn serve(make: impl Fn() -> Handler + Send + 'static) -> FakeServer {
    let listener = bind();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !stopped.load(Ordering::SeqCst) && Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => {
                    let handler = make();
                    thread::spawn(move || run_connection(stream, handler));
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    FakeServer { port, stop }
}

/// Answers lines on one connection until the client or the script closes.
pub(crate) fn run_connection(stream: TcpStream, mut handler: Handler) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let reader = BufReader::new(stream);
    for line in reader.lines() {
        let Ok(line) = line else { return };
        let line = line.trim_end_matches('\r');
        match handler(line) {
            Action::Send(bytes) => {
                if writer.write_all(bytes.as_bytes()).is_err() {
                    return;
                }
            }
            Action::SendAndClose(bytes) => {
                let _ = writer.write_all(bytes.as_bytes());
                return;
            }
            Action::Silent => {}
        }
    }
}

/// A small upsd: one UPS `dummy` with fixed data, an old-server `PRIMARY`
/// (ERR UNKNOWN-COMMAND), tracking, and a few broken behaviours:
/// `LIST VAR broken` closes mid-list, `GET VAR hang x` never answers,
/// `LIST RW nas` answers `ERR UNKNOWN-COMMAND` as partial NAS firmware does.
pub(crate) fn mini_upsd() -> FakeServer {
    serve(|| {
        let mut polls = 0;
        Box::new(move |line| {
            let send = |s: &str| Action::Send(s.to_owned());
            match line {
                "VER" => send("Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n"),
                "NETVER" => send("1.3\n"),
                "HELP" => send(
                    "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS\n",
                ),
                "LIST UPS" => send(
                    "BEGIN LIST UPS\nUPS dummy \"Dummy UPS\"\nUPS other \"Description unavailable\"\nEND LIST UPS\n",
                ),
                "LIST VAR dummy" => send(concat!(
                    "BEGIN LIST VAR dummy\n",
                    "VAR dummy battery.charge \"100\"\n",
                    "VAR dummy device.model \"a \\\"quoted\\\" \\\\ value\"\n",
                    "VAR dummy ups.status \"OL CHRG FUTURE\"\n",
                    "END LIST VAR dummy\n"
                )),
                "LIST RW dummy" => {
                    send("BEGIN LIST RW dummy\nRW dummy ups.id \"rack 1\"\nEND LIST RW dummy\n")
                }
                "LIST CMD dummy" => send(
                    "BEGIN LIST CMD dummy\nCMD dummy load.off\nCMD dummy load.on\nEND LIST CMD dummy\n",
                ),
                "LIST ENUM dummy input.transfer.high" => send(concat!(
                    "BEGIN LIST ENUM dummy input.transfer.high\n",
                    "ENUM dummy input.transfer.high \"253\"\n",
                    "ENUM dummy input.transfer.high \"264\"\n",
                    "END LIST ENUM dummy input.transfer.high\n"
                )),
                "LIST RANGE dummy ups.delay.shutdown" => send(concat!(
                    "BEGIN LIST RANGE dummy ups.delay.shutdown\n",
                    "RANGE dummy ups.delay.shutdown \"12\" \"600\"\n",
                    "END LIST RANGE dummy ups.delay.shutdown\n"
                )),
                "LIST CLIENT dummy" => send(
                    "BEGIN LIST CLIENT dummy\nCLIENT dummy 127.0.0.1\nCLIENT dummy ::1\nEND LIST CLIENT dummy\n",
                ),
                "LIST VAR broken" => {
                    Action::SendAndClose("BEGIN LIST VAR broken\nVAR broken a \"1\"\n".into())
                }
                "LIST RW nas" | "PRIMARY nas" | "MASTER nas" => send("ERR UNKNOWN-COMMAND\n"),
                "GET VAR dummy ups.status" => send("VAR dummy ups.status \"OL\"\n"),
                "GET VAR dummy UPS.STATUS" => send("VAR dummy UPS.STATUS \"OL\"\n"),
                "GET VAR dummy wrong.echo" => send("VAR dummy other.var \"1\"\n"),
                "GET VAR nosuch ups.status" => send("ERR UNKNOWN-UPS\n"),
                "GET VAR dummy stale" => send("ERR DATA-STALE\n"),
                "GET VAR hang x" => Action::Silent,
                "GET TYPE dummy ups.id" => send("TYPE dummy ups.id RW STRING:32\n"),
                "GET DESC dummy ups.status" => send("DESC dummy ups.status \"UPS status\"\n"),
                "GET CMDDESC dummy load.off" => {
                    send("CMDDESC dummy load.off \"Turn off the load immediately\"\n")
                }
                "GET UPSDESC dummy" => send("UPSDESC dummy \"Dummy UPS\"\n"),
                "GET NUMLOGINS dummy" => send("NUMLOGINS dummy 2\n"),
                "USERNAME admin" | "PASSWORD secret" | "LOGIN dummy" | "SET TRACKING ON"
                | "SET TRACKING OFF" => send("OK\n"),
                "PRIMARY dummy" => send("ERR UNKNOWN-COMMAND\n"),
                "MASTER dummy" => send("OK MASTER-GRANTED\n"),
                "FSD dummy" => send("OK FSD-SET\n"),
                "GET TRACKING" => send("ON\n"),
                "SET VAR dummy ups.id \"rack \\\"2\\\"\"" => send("OK TRACKING id-set\n"),
                "SET VAR dummy ups.id \"plain\"" => send("OK\n"),
                "INSTCMD dummy load.off" => send("OK TRACKING id-cmd\n"),
                "INSTCMD dummy load.off 5" => send("OK\n"),
                "GET TRACKING id-set" => {
                    polls += 1;
                    send(if polls < 3 { "PENDING\n" } else { "SUCCESS\n" })
                }
                "GET TRACKING id-cmd" => send("ERR UNKNOWN\n"),
                "GET TRACKING id-slow" => send("PENDING\n"),
                "LOGOUT" => Action::SendAndClose("OK Goodbye\n".into()),
                _ => send("ERR UNKNOWN-COMMAND\n"),
            }
        })
    })
}
