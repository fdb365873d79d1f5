//! A tiny, zero-latency stand-in for upsd and the upsmon runtime, written
//! independently of `nut_monitor::replay` so that each can check the other.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use nut_monitor::notify::Notification;
use nut_monitor::{Engine, Output, PollResult, Request, config};

/// What upsd says about one UPS from a given time on.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Status(String),
    Alarm(String, String),
    Buzz(String, String),
    Down,
}

pub(crate) struct Sim {
    pub(crate) engine: Engine,
    pub(crate) base: Instant,
    pub(crate) now: Instant,
    answers: BTreeMap<usize, Vec<(u64, Answer)>>,
    logins: BTreeMap<usize, Vec<(u64, u32)>>,
    latched: BTreeSet<usize>,
    /// Every output except status polls, with its time in ms.
    pub(crate) outputs: Vec<(u64, Output)>,
    pub(crate) polls: Vec<u64>,
}

#[allow(clippy::disallowed_methods)] // tests need one real base instant
pub(crate) fn base() -> Instant {
    Instant::now()
}

pub(crate) fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap()
}

impl Sim {
    pub(crate) fn new(conf: &str) -> Self {
        let parsed = config::parse(conf.as_bytes(), "upsmon.conf").expect("config");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let base = base();
        Self {
            engine: Engine::new(parsed.config, base).expect("engine"),
            base,
            now: base,
            answers: BTreeMap::new(),
            logins: BTreeMap::new(),
            latched: BTreeSet::new(),
            outputs: Vec::new(),
            polls: Vec::new(),
        }
    }

    fn id(&self, ups: &str) -> usize {
        self.engine.ups_id(ups).expect("known UPS").index()
    }

    pub(crate) fn at(&self, t: u64) -> Instant {
        self.base + Duration::from_millis(t)
    }

    pub(crate) fn t(&self) -> u64 {
        ms(self.now - self.base)
    }

    pub(crate) fn answer(&mut self, ups: &str, at: u64, answer: Answer) -> &mut Self {
        let id = self.id(ups);
        let v = self.answers.entry(id).or_default();
        v.push((at, answer));
        // Stable: of two answers for the same time, the later one wins.
        v.sort_by_key(|(t, _)| *t);
        self
    }

    pub(crate) fn status(&mut self, ups: &str, at: u64, status: &str) -> &mut Self {
        self.answer(ups, at, Answer::Status(status.to_owned()))
    }

    pub(crate) fn down(&mut self, ups: &str, at: u64) -> &mut Self {
        self.answer(ups, at, Answer::Down)
    }

    pub(crate) fn logins(&mut self, ups: &str, at: u64, n: u32) -> &mut Self {
        let id = self.id(ups);
        let v = self.logins.entry(id).or_default();
        v.push((at, n));
        v.sort_by_key(|(t, _)| *t);
        self
    }

    fn current(&self, id: usize) -> PollResult {
        let t = self.t();
        let answer = self
            .answers
            .get(&id)
            .and_then(|v| v.iter().rev().find(|(at, _)| *at <= t))
            .map_or_else(|| Answer::Status("OL".into()), |(_, a)| a.clone());
        let fsd = |s: String| {
            if self.latched.contains(&id) {
                format!("FSD {s}")
            } else {
                s
            }
        };
        match answer {
            Answer::Status(s) => PollResult::status(fsd(s)),
            Answer::Alarm(s, a) => PollResult::status(fsd(s)).with_alarm(a),
            Answer::Buzz(s, b) => PollResult::status(fsd(s)).with_buzzwords(b),
            Answer::Down => PollResult::failed("Driver not connected"),
        }
    }

    fn current_logins(&self, id: usize) -> u32 {
        let t = self.t();
        self.logins
            .get(&id)
            .and_then(|v| v.iter().rev().find(|(at, _)| *at <= t))
            .map_or(1, |(_, n)| *n)
    }

    /// Answers everything the engine asks, at once.
    pub(crate) fn drain(&mut self) {
        while let Some(output) = self.engine.poll_output() {
            let now = self.now;
            match output {
                Output::Send {
                    ups,
                    request: Request::Status,
                } => {
                    self.polls.push(self.t());
                    let answer = self.current(ups.index());
                    self.engine.handle_poll(now, ups, answer);
                }
                Output::Send {
                    ups,
                    request: Request::SetFsd,
                } => {
                    self.latched.insert(ups.index());
                    self.outputs.push((self.t(), output));
                    self.engine.handle_fsd_ack(now, ups, Ok(()));
                }
                Output::Send {
                    ups,
                    request: Request::NumLogins,
                } => {
                    let n = self.current_logins(ups.index());
                    self.outputs.push((self.t(), output));
                    self.engine.handle_numlogins(now, ups, Ok(n));
                }
                other => self.outputs.push((self.t(), other)),
            }
        }
    }

    /// Runs until the engine's next wake-up would be after `end` ms.
    pub(crate) fn run_until(&mut self, end: u64) -> &mut Self {
        let end_at = self.at(end);
        loop {
            self.drain();
            let Some(next) = self.engine.poll_timeout() else {
                break;
            };
            if next > end_at {
                break;
            }
            self.now = self.now.max(next);
            self.engine.handle_timeout(self.now);
        }
        self.drain();
        self
    }

    /// Sleeps through `[from, to)`: nothing runs, then time resumes at `to`.
    pub(crate) fn pause(&mut self, from: u64, to: u64) -> &mut Self {
        self.run_until(from);
        self.now = self.at(to);
        self.engine.handle_timeout(self.now);
        self.drain();
        self
    }

    pub(crate) fn notifications(&self) -> Vec<(u64, &Notification)> {
        self.outputs
            .iter()
            .filter_map(|(t, o)| match o {
                Output::Notify(n) => Some((*t, n)),
                _ => None,
            })
            .collect()
    }

    /// `(ms, "KIND")` for notifications and the shutdown steps.
    pub(crate) fn trace(&self) -> Vec<(u64, String)> {
        self.outputs
            .iter()
            .filter_map(|(t, o)| {
                let name = match o {
                    Output::Notify(n) => n.kind.name().to_owned(),
                    Output::Send {
                        ups,
                        request: Request::SetFsd,
                    } => {
                        format!("SETFSD {}", self.engine.ups_name(*ups).unwrap_or("?"))
                    }
                    Output::WritePowerdownFlag { .. } => "POWERDOWNFLAG".to_owned(),
                    Output::RunShutdownCmd { .. } => "SHUTDOWNCMD".to_owned(),
                    Output::Exit => "EXIT".to_owned(),
                    _ => return None,
                };
                Some((*t, name))
            })
            .collect()
    }

    /// Kinds only, in order.
    pub(crate) fn kinds(&self) -> Vec<String> {
        self.trace().into_iter().map(|(_, k)| k).collect()
    }

    pub(crate) fn logs(&self) -> Vec<String> {
        self.outputs
            .iter()
            .filter_map(|(_, o)| match o {
                Output::Log { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// When the forced-shutdown sequence started (first FSD sent or SHUTDOWN).
    pub(crate) fn shutdown_at(&self) -> Option<u64> {
        self.trace()
            .into_iter()
            .find(|(_, k)| k.starts_with("SETFSD") || k == "SHUTDOWN")
            .map(|(t, _)| t)
    }
}

/// `[(ms, "KIND"), ...]` from a literal list.
pub(crate) fn expect(items: &[(u64, &str)]) -> Vec<(u64, String)> {
    items.iter().map(|(t, k)| (*t, (*k).to_owned())).collect()
}
