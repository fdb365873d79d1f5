//! A scripted upsd for journey tests: it answers each request line with what
//! a test's handler returns, including replies real upsd never sends
//! (ENUM/RANGE types that dummy-ups lacks, malformed lines, a connection
//! closed in the middle of a LIST, silence).

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::support::bind_port;

/// What the fake does with one request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// Send these lines (each gets a `\n`).
    Lines(Vec<String>),
    /// Send these bytes verbatim, then close the connection.
    RawThenClose(String),
    /// Say nothing (the client must time out).
    Silence,
}

/// Shorthand for a one-line reply.
pub(crate) fn line(text: &str) -> Reply {
    Reply::Lines(vec![text.to_owned()])
}

/// Shorthand for a multi-line reply.
pub(crate) fn lines(text: &[&str]) -> Reply {
    Reply::Lines(text.iter().map(|s| (*s).to_owned()).collect())
}

type Handler = dyn Fn(&str) -> Reply + Send + Sync;

/// A running fake; stops accepting when dropped.
pub(crate) struct FakeUpsd {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FakeUpsd {
    /// Starts a fake whose answers come from `handler`. Requests it does
    /// not care about should get [`standard`]'s answers.
    pub(crate) fn start(handler: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Self {
        let (listener, port) = bind_port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log, flag) = (Arc::clone(&requests), Arc::clone(&stop));
        thread::spawn(move || accept_loop(&listener, &handler, &log, &flag));
        Self {
            port,
            requests,
            stop,
        }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `UPS@127.0.0.1:PORT`.
    pub(crate) fn target(&self, ups: &str) -> String {
        format!("{ups}@127.0.0.1:{}", self.port)
    }

    /// Every request line received so far, in order.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for FakeUpsd {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
    }
}

fn accept_loop(
    listener: &TcpListener,
    handler: &Arc<Handler>,
    log: &Arc<Mutex<Vec<String>>>,
    stop: &Arc<AtomicBool>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let (handler, log) = (Arc::clone(handler), Arc::clone(log));
        thread::spawn(move || serve(stream, &*handler, &log));
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut request = String::new();
    loop {
        request.clear();
        match reader.read_line(&mut request) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let request = request.trim_end_matches(['\r', '\n']).to_owned();
        if let Ok(mut log) = log.lock() {
            log.push(request.clone());
        }
        match handler(&request) {
            Reply::Lines(lines) => {
                let mut text = String::new();
                for l in lines {
                    text.push_str(&l);
                    text.push('\n');
                }
                if writer.write_all(text.as_bytes()).is_err() {
                    return;
                }
            }
            Reply::RawThenClose(raw) => {
                let _ = writer.write_all(raw.as_bytes());
                let _ = writer.shutdown(std::net::Shutdown::Both);
                return;
            }
            Reply::Silence => {}
        }
    }
}

/// upsd's answers for a small UPS `ups` with one writable variable of each
/// kind: what dummy-ups cannot publish (ENUM and RANGE).
pub(crate) fn standard(request: &str) -> Reply {
    let owned = nut_proto::tokenizer::split_line(request).unwrap_or_default();
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["STARTTLS"] => line("ERR FEATURE-NOT-CONFIGURED"),
        ["USERNAME", _] | ["PASSWORD", _] | ["SET", "TRACKING", _] => line("OK"),
        ["LIST", "UPS"] => lines(&[
            "BEGIN LIST UPS",
            "UPS ups \"Fake \\\"quoted\\\" UPS\"",
            "UPS other \"Description unavailable\"",
            "END LIST UPS",
        ]),
        ["LIST", "VAR", "ups"] => lines(&[
            "BEGIN LIST VAR ups",
            "VAR ups battery.charge \"100\"",
            "VAR ups device.model \"Model \\\"X\\\" \\\\ 1\"",
            "VAR ups ups.status \"OL CHRG\"",
            "END LIST VAR ups",
        ]),
        ["LIST", "RW", "ups"] => lines(&[
            "BEGIN LIST RW ups",
            "RW ups input.transfer.high \"264\"",
            "RW ups ups.beeper \"enabled\"",
            "RW ups ups.delay.shutdown \"120\"",
            "RW ups ups.id \"rack1\"",
            "RW ups ups.mystery \"x\"",
            "RW ups ups.untyped \"y\"",
            "END LIST RW ups",
        ]),
        ["LIST", "CMD", "ups"] => lines(&[
            "BEGIN LIST CMD ups",
            "CMD ups beeper.toggle",
            "CMD ups load.off",
            "END LIST CMD ups",
        ]),
        ["LIST", "CLIENT", "ups"] => lines(&[
            "BEGIN LIST CLIENT ups",
            "CLIENT ups 127.0.0.1",
            "CLIENT ups ::1",
            "END LIST CLIENT ups",
        ]),
        ["LIST", "ENUM", "ups", "input.transfer.high"] => lines(&[
            "BEGIN LIST ENUM ups input.transfer.high",
            "ENUM ups input.transfer.high \"253\"",
            "ENUM ups input.transfer.high \"264\"",
            "END LIST ENUM ups input.transfer.high",
        ]),
        ["LIST", "ENUM", "ups", "ups.beeper"] => lines(&[
            "BEGIN LIST ENUM ups ups.beeper",
            "ENUM ups ups.beeper \"enabled\"",
            "ENUM ups ups.beeper \"disabled\"",
            "END LIST ENUM ups ups.beeper",
        ]),
        ["LIST", "RANGE", "ups", "ups.delay.shutdown"] => lines(&[
            "BEGIN LIST RANGE ups ups.delay.shutdown",
            "RANGE ups ups.delay.shutdown \"12\" \"600\"",
            "RANGE ups ups.delay.shutdown \"900\" \"1200\"",
            "END LIST RANGE ups ups.delay.shutdown",
        ]),
        ["LIST", _, name, ..] | ["GET", _, name, ..] if *name != "ups" => line("ERR UNKNOWN-UPS"),
        ["GET", "VAR", "ups", var] => match *var {
            "battery.charge" => line("VAR ups battery.charge \"100\""),
            "ups.status" => line("VAR ups ups.status \"OL CHRG\""),
            "input.transfer.high" => line("VAR ups input.transfer.high \"264\""),
            "ups.beeper" => line("VAR ups ups.beeper \"enabled\""),
            "ups.delay.shutdown" => line("VAR ups ups.delay.shutdown \"120\""),
            "ups.id" => line("VAR ups ups.id \"rack1\""),
            "ups.mystery" => line("VAR ups ups.mystery \"x\""),
            _ => line("ERR VAR-NOT-SUPPORTED"),
        },
        ["GET", "TYPE", "ups", var] => match *var {
            "input.transfer.high" => line("TYPE ups input.transfer.high RW ENUM NUMBER"),
            "ups.beeper" => line("TYPE ups ups.beeper RW ENUM STRING:10"),
            "ups.delay.shutdown" => line("TYPE ups ups.delay.shutdown RW RANGE NUMBER"),
            "ups.id" => line("TYPE ups ups.id RW STRING:8"),
            "ups.mystery" => line("TYPE ups ups.mystery RW FANCY NUMBER"),
            _ => line("ERR VAR-NOT-SUPPORTED"),
        },
        ["GET", "DESC", "ups", var] => match *var {
            "ups.id" => line("DESC ups ups.id \"UPS system identifier\""),
            "ups.untyped" => line("ERR DATA-STALE"),
            v => line(&format!("DESC ups {v} \"Description unavailable\"")),
        },
        ["GET", "CMDDESC", "ups", "beeper.toggle"] => {
            line("CMDDESC ups beeper.toggle \"Toggle the UPS beeper\"")
        }
        ["GET", "CMDDESC", "ups", _] => line("ERR CMD-NOT-SUPPORTED"),
        ["INSTCMD", ..] | ["SET", "VAR", ..] => line("OK"),
        ["LOGOUT"] => line("OK Goodbye"),
        _ => line("ERR UNKNOWN-COMMAND"),
    }
}
