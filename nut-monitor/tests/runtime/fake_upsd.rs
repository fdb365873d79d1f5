//! A tiny upsd speaking the part of the protocol upsmon uses, with state the
//! tests change: each UPS's status, whether its driver is reachable, the
//! FSD latch (reported in front of the status, as upsd does) and logins.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) status: HashMap<String, String>,
    pub(crate) down: bool,
    pub(crate) fsd: Vec<String>,
    pub(crate) logins: HashMap<String, u32>,
    /// Every request line, in order (passwords included: test data).
    pub(crate) requests: Vec<String>,
}

#[derive(Clone)]
pub(crate) struct FakeUpsd {
    pub(crate) state: Arc<Mutex<State>>,
}

impl FakeUpsd {
    /// Listens on 127.0.0.1:`port` (one of the ports assigned to these tests).
    pub(crate) fn start(port: u16, ups: &str) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("fake upsd port free");
        let state = Arc::new(Mutex::new(State::default()));
        state.lock().unwrap().status.insert(ups.into(), "OL".into());
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Self { state }
    }

    pub(crate) fn set_status(&self, ups: &str, status: &str) {
        self.state
            .lock()
            .unwrap()
            .status
            .insert(ups.into(), status.into());
    }

    pub(crate) fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    pub(crate) fn fsd_set(&self, ups: &str) -> bool {
        self.state.lock().unwrap().fsd.iter().any(|u| u == ups)
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut out = stream.try_clone().unwrap();
    let mut logged_in: Option<String> = None;
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut s = state.lock().unwrap();
        s.requests.push(line.clone());
        let reply = match words.as_slice() {
            ["USERNAME", _] | ["PASSWORD", _] => "OK".to_owned(),
            ["LOGIN", ups] => {
                *s.logins.entry((*ups).into()).or_default() += 1;
                logged_in = Some((*ups).into());
                "OK".to_owned()
            }
            ["PRIMARY", _] | ["MASTER", _] => "OK PRIMARY-GRANTED".to_owned(),
            ["GET", "VAR", ups, "ups.status"] => match s.status.get(*ups) {
                None => "ERR UNKNOWN-UPS".to_owned(),
                Some(_) if s.down => "ERR DRIVER-NOT-CONNECTED".to_owned(),
                Some(st) => {
                    let fsd = if s.fsd.iter().any(|u| u == ups) {
                        "FSD "
                    } else {
                        ""
                    };
                    format!("VAR {ups} ups.status \"{fsd}{st}\"")
                }
            },
            ["GET", "VAR", _, _] => "ERR VAR-NOT-SUPPORTED".to_owned(),
            ["FSD", ups] => {
                s.fsd.push((*ups).into());
                "OK FSD-SET".to_owned()
            }
            ["GET", "NUMLOGINS", ups] => {
                format!(
                    "NUMLOGINS {ups} {}",
                    s.logins.get(*ups).copied().unwrap_or(0)
                )
            }
            ["LOGOUT"] => {
                let _ = out.write_all(b"OK Goodbye\n");
                break;
            }
            ["STARTTLS"] => "ERR FEATURE-NOT-CONFIGURED".to_owned(),
            _ => "ERR UNKNOWN-COMMAND".to_owned(),
        };
        drop(s);
        if out.write_all(format!("{reply}\n").as_bytes()).is_err() {
            break;
        }
    }
    if let Some(ups) = logged_in
        && let Some(n) = state.lock().unwrap().logins.get_mut(&ups)
    {
        *n = n.saturating_sub(1);
    }
}
