//! Scenario replayer: an [`Engine`] against a scripted upsd on a virtual
//! clock — the core of `upsmon --simulate`.
//!
//! The scripted upsd holds, per UPS, the current `ups.status` (`OL` until
//! told otherwise), `ups.alarm`, whether the driver is reachable, the
//! number of logins (1: upsmon itself) and the FSD latch: after the engine
//! sends `FSD`, the UPS reports `FSD` in front of its status, as upsd does.
//! Every request is answered with the state at the time it was sent,
//! [`Scenario::reply_latency`] later. A `sleep` event suspends the host:
//! nothing reaches the engine until it wakes, and then it all arrives late,
//! as after a real suspend.
//!
//! Scenario text, one event per line (times in seconds, decimals allowed):
//!
//! ```text
//! # time  event
//! 0       status    ups@localhost OL
//! 10.4    status    ups@localhost "OB DISCHRG"
//! 12      alarm     ups@localhost "Replace battery!"
//! 20      down      ups@localhost            # driver gone: polls fail
//! 25      numlogins ups@localhost 2
//! 30      fsd                                # upsmon -c fsd
//! 40      sleep     600                      # the host sleeps 600 s
//! latency 2                                  # reply latency, ms
//! end     700                                # stop the clock here
//! ```
//!
//! ```
//! use std::time::{Duration, Instant};
//! use nut_monitor::{config, replay};
//!
//! let conf = config::parse(b"MONITOR ups 1 u p primary\nFINALDELAY 0\nSHUTDOWNCMD halt\n", "upsmon.conf")?;
//! let scenario = replay::Scenario::parse(b"3 status ups \"OB LB\"\nend 20\n")?;
//! # #[allow(clippy::disallowed_methods)]
//! let timeline = replay::replay(conf.config, &scenario, Instant::now())?;
//! assert_eq!(timeline.shutdown_decision(), Some(Duration::from_secs(5)));
//! print!("{}", timeline.render(false));
//! # Ok::<(), nut_monitor::Error>(())
//! ```

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use nut_proto::tokenizer::split_text;

use crate::config::Config;
use crate::{Engine, Error, LogLevel, Output, PollResult, Request, UpsId};

/// Largest scenario text accepted.
pub const MAX_SCENARIO_LEN: usize = 1 << 20;

/// Most events in one scenario.
pub const MAX_EVENTS: usize = 100_000;

/// Latest time a scenario may name (ten years).
pub const MAX_TIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Engine steps after which a replay stops, whatever the scenario says.
pub const MAX_STEPS: usize = 10_000_000;

/// What happens at a point of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// upsd now reports this `ups.status` (and the driver is reachable).
    Status {
        /// The UPS as written in `MONITOR`.
        ups: String,
        /// The status text.
        status: String,
    },
    /// upsd now reports this `ups.alarm`.
    Alarm {
        /// The UPS.
        ups: String,
        /// The alarm text.
        text: String,
    },
    /// Polls of this UPS fail from now on (driver or upsd gone).
    Down {
        /// The UPS.
        ups: String,
    },
    /// `NUMLOGINS` of this UPS from now on.
    NumLogins {
        /// The UPS.
        ups: String,
        /// Logins, counting upsmon itself.
        count: u32,
    },
    /// `upsmon -c fsd`.
    UserFsd,
    /// The host sleeps this long.
    Sleep(Duration),
}

/// One timed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Time since the start.
    pub at: Duration,
    /// What happens.
    pub kind: EventKind,
}

/// A list of timed events plus how long to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The events; they need not be sorted.
    pub events: Vec<Event>,
    /// When to stop the clock.
    pub end: Duration,
    /// Delay between a request and its answer.
    pub reply_latency: Duration,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            end: Duration::from_secs(3600),
            reply_latency: Duration::ZERO,
        }
    }
}

impl Scenario {
    /// Reads the text form (see the module docs).
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] naming the line, or [`Error::TooLarge`].
    pub fn parse(text: &[u8]) -> Result<Self, Error> {
        if text.len() > MAX_SCENARIO_LEN {
            return Err(Error::TooLarge {
                file: "scenario".into(),
                len: text.len(),
                limit: MAX_SCENARIO_LEN,
            });
        }
        let mut scenario = Self::default();
        let mut end = None;
        for item in split_text(text) {
            let line = item.map_err(|e| scenario_error(e.line, &e.kind.to_string()))?;
            let n = line.number;
            let w: Vec<&str> = line.words.iter().map(String::as_str).collect();
            match w.as_slice() {
                ["end", t] => {
                    end = Some(parse_time(t).ok_or_else(|| scenario_error(n, "bad time"))?)
                }
                ["latency", ms] => {
                    let ms: u64 = ms.parse().map_err(|_| scenario_error(n, "bad latency"))?;
                    scenario.reply_latency = Duration::from_millis(ms);
                }
                [t, rest @ ..] => {
                    let at = parse_time(t)
                        .ok_or_else(|| scenario_error(n, &format!("bad time [{t}]")))?;
                    let kind = parse_event(rest).ok_or_else(|| {
                        scenario_error(n, &format!("bad event: {}", rest.join(" ")))
                    })?;
                    if scenario.events.len() >= MAX_EVENTS {
                        return Err(scenario_error(n, &format!("more than {MAX_EVENTS} events")));
                    }
                    scenario.events.push(Event { at, kind });
                }
                [] => {}
            }
        }
        let last = scenario
            .events
            .iter()
            .map(|e| e.at)
            .max()
            .unwrap_or_default();
        scenario.end = end.unwrap_or(last + Duration::from_secs(60));
        Ok(scenario)
    }
}

fn scenario_error(line: u32, message: &str) -> Error {
    Error::Scenario {
        line,
        message: message.to_owned(),
    }
}

fn parse_event(words: &[&str]) -> Option<EventKind> {
    Some(match words {
        ["status", ups, status @ ..] if !status.is_empty() => EventKind::Status {
            ups: (*ups).to_owned(),
            status: status.join(" "),
        },
        ["alarm", ups, text @ ..] => EventKind::Alarm {
            ups: (*ups).to_owned(),
            text: text.join(" "),
        },
        ["down", ups] => EventKind::Down {
            ups: (*ups).to_owned(),
        },
        ["numlogins", ups, n] => EventKind::NumLogins {
            ups: (*ups).to_owned(),
            count: n.parse().ok()?,
        },
        ["fsd"] => EventKind::UserFsd,
        ["sleep", secs] => EventKind::Sleep(parse_time(secs)?),
        _ => return None,
    })
}

/// Seconds with up to three decimals: `12`, `10.034`.
fn parse_time(text: &str) -> Option<Duration> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || whole.len() > 12 || frac.len() > 3 {
        return None;
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: u64 = whole.parse().ok()?;
    let ms: u64 = format!("{frac:0<3}").parse().ok()?;
    let d = Duration::from_secs(secs) + Duration::from_millis(ms);
    (d <= MAX_TIME).then_some(d)
}

/// One action of the engine, with its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Time since the start.
    pub at: Duration,
    /// The action.
    pub output: Output,
    /// For [`Output::Send`], the UPS's `MONITOR` name.
    pub ups: Option<String>,
}

/// Everything the engine did, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timeline {
    /// The actions.
    pub entries: Vec<Entry>,
}

impl Timeline {
    /// When the forced shutdown was decided (first `FSD` sent, or SHUTDOWN
    /// for a host that is primary for nothing).
    pub fn shutdown_decision(&self) -> Option<Duration> {
        self.entries
            .iter()
            .find(|e| match &e.output {
                Output::Send { request, .. } => *request == Request::SetFsd,
                Output::Notify(n) => n.kind.name() == "SHUTDOWN",
                _ => false,
            })
            .map(|e| e.at)
    }

    /// When SHUTDOWNCMD ran.
    pub fn shutdown_command(&self) -> Option<Duration> {
        self.entries
            .iter()
            .find(|e| matches!(e.output, Output::RunShutdownCmd { .. }))
            .map(|e| e.at)
    }

    /// `(ms, NOTIFYTYPE)` of every notification.
    pub fn notifications(&self) -> Vec<(u64, &'static str)> {
        self.entries
            .iter()
            .filter_map(|e| match &e.output {
                Output::Notify(n) => Some((millis(e.at), n.kind.name())),
                _ => None,
            })
            .collect()
    }

    /// One line per action: `   16.002  NOTIFY LOWBATT [ups] …`. Status
    /// polls and debug log lines only when `verbose`.
    pub fn render(&self, verbose: bool) -> String {
        let mut text = String::new();
        for e in &self.entries {
            let line = match (&e.output, e.ups.as_deref()) {
                (
                    Output::Send {
                        request: Request::Status,
                        ..
                    },
                    _,
                ) if !verbose => continue,
                (
                    Output::Log {
                        level: LogLevel::Debug,
                        ..
                    },
                    _,
                ) if !verbose => continue,
                (Output::Send { request, .. }, Some(ups)) => {
                    let what = match request {
                        Request::Status => "GET VAR ups.status",
                        Request::SetFsd => "FSD",
                        Request::NumLogins => "GET NUMLOGINS",
                    };
                    format!("SEND {what} {ups}")
                }
                (other, _) => other.to_string(),
            };
            let ms = millis(e.at);
            let _ = writeln!(text, "{:>6}.{:03}  {line}", ms / 1000, ms % 1000);
        }
        text
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The scripted upsd's view of one UPS.
#[derive(Debug, Clone)]
struct UpsdState {
    status: String,
    alarm: Option<String>,
    down: bool,
    logins: u32,
    fsd: bool,
}

impl Default for UpsdState {
    fn default() -> Self {
        Self {
            status: "OL".into(),
            alarm: None,
            down: false,
            logins: 1,
            fsd: false,
        }
    }
}

/// Something due at a time. The queue orders by (time, sequence); events
/// are queued first, so at equal times they apply before any answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// A scenario event (index).
    Event(usize),
    /// An answer for the engine.
    Reply(UpsId, Reply),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Reply {
    Poll(PollReply),
    Fsd,
    Logins(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PollReply {
    Status(String, Option<String>),
    Failed,
}

/// Runs `config` through `scenario`, the clock starting at `base`.
///
/// # Errors
///
/// [`Error::InsufficientPower`] as at upsmon's start, or
/// [`Error::Scenario`] for an event about a UPS the config does not monitor.
pub fn replay(config: Config, scenario: &Scenario, base: Instant) -> Result<Timeline, Error> {
    let mut engine = Engine::new(config, base)?;
    let mut upsd: BTreeMap<usize, UpsdState> = BTreeMap::new();
    let mut queue: BinaryHeap<Reverse<(Duration, u64, Due)>> = BinaryHeap::new();
    let mut seq = 0u64;
    for (i, e) in scenario.events.iter().enumerate() {
        if let Some(name) = event_ups(&e.kind)
            && engine.ups_id(name).is_none()
        {
            return Err(scenario_error(
                0,
                &format!(
                    "event at {:?} names UPS [{name}], which is not monitored",
                    e.at
                ),
            ));
        }
        queue.push(Reverse((e.at, seq, Due::Event(i))));
        seq += 1;
    }
    let mut timeline = Timeline::default();
    let mut now = Duration::ZERO;
    let mut awake_at = Duration::ZERO;
    for _ in 0..MAX_STEPS {
        // 1. Hand the engine's requests to upsd, log the rest.
        while let Some(output) = engine.poll_output() {
            let mut ups_name = None;
            if let Output::Send { ups, request } = &output {
                let state = upsd.entry(ups.index()).or_default();
                ups_name = engine.ups_name(*ups).map(str::to_owned);
                let reply = match request {
                    Request::Status if state.down => Reply::Poll(PollReply::Failed),
                    Request::Status => {
                        let status = if state.fsd {
                            format!("FSD {}", state.status)
                        } else {
                            state.status.clone()
                        };
                        Reply::Poll(PollReply::Status(status, state.alarm.clone()))
                    }
                    Request::SetFsd => {
                        state.fsd = true;
                        Reply::Fsd
                    }
                    Request::NumLogins => Reply::Logins(state.logins),
                };
                queue.push(Reverse((
                    now + scenario.reply_latency,
                    seq,
                    Due::Reply(*ups, reply),
                )));
                seq += 1;
            }
            let exit = output == Output::Exit;
            timeline.entries.push(Entry {
                at: now,
                output,
                ups: ups_name,
            });
            if exit {
                return Ok(timeline);
            }
        }
        // 2. The next thing to happen, deferred while the host sleeps.
        let engine_due = engine
            .poll_timeout()
            .map(|t| t.saturating_duration_since(base));
        let queue_due = queue.peek().map(|Reverse((t, _, _))| *t);
        let Some(mut next) = [engine_due, queue_due].into_iter().flatten().min() else {
            break;
        };
        next = next.max(awake_at).max(now);
        if next > scenario.end {
            break;
        }
        now = next;
        // 3. Everything due by now, in time order; then the engine's timer.
        while let Some(Reverse((t, _, _))) = queue.peek() {
            if *t > now {
                break;
            }
            let Some(Reverse((t, _, due))) = queue.pop() else {
                break;
            };
            match due {
                Due::Event(i) => {
                    let Some(event) = scenario.events.get(i) else {
                        continue;
                    };
                    if let EventKind::Sleep(length) = event.kind {
                        awake_at = awake_at.max(t + length);
                        if awake_at > now {
                            // Asleep: the rest waits for the wake-up.
                            break;
                        }
                    }
                    apply(&event.kind, &mut engine, &mut upsd, base + now);
                }
                Due::Reply(ups, reply) => deliver(&mut engine, base + now, ups, reply),
            }
        }
        if awake_at > now {
            continue;
        }
        if engine.poll_timeout().is_some_and(|t| t <= base + now) {
            engine.handle_timeout(base + now);
        }
    }
    Ok(timeline)
}

fn event_ups(kind: &EventKind) -> Option<&str> {
    match kind {
        EventKind::Status { ups, .. }
        | EventKind::Alarm { ups, .. }
        | EventKind::Down { ups }
        | EventKind::NumLogins { ups, .. } => Some(ups),
        EventKind::UserFsd | EventKind::Sleep(_) => None,
    }
}

/// Applies a scenario event to the scripted upsd (or the engine, for `fsd`).
fn apply(
    kind: &EventKind,
    engine: &mut Engine,
    upsd: &mut BTreeMap<usize, UpsdState>,
    now: Instant,
) {
    if let EventKind::UserFsd = kind {
        engine.handle_user_fsd(now);
        return;
    }
    let Some(id) = event_ups(kind).and_then(|name| engine.ups_id(name)) else {
        return;
    };
    let state = upsd.entry(id.index()).or_default();
    match kind {
        EventKind::Status { status, .. } => {
            state.status.clone_from(status);
            state.down = false;
        }
        EventKind::Alarm { text, .. } => state.alarm = Some(text.clone()),
        EventKind::Down { .. } => state.down = true,
        EventKind::NumLogins { count, .. } => state.logins = *count,
        EventKind::UserFsd | EventKind::Sleep(_) => {}
    }
}

fn deliver(engine: &mut Engine, now: Instant, ups: UpsId, reply: Reply) {
    match reply {
        Reply::Poll(PollReply::Status(status, alarm)) => {
            let mut result = PollResult::status(status);
            if let Some(a) = alarm {
                result = result.with_alarm(a);
            }
            engine.handle_poll(now, ups, result);
        }
        Reply::Poll(PollReply::Failed) => {
            engine.handle_poll(now, ups, PollResult::failed("Driver not connected"));
        }
        Reply::Fsd => engine.handle_fsd_ack(now, ups, Ok(())),
        Reply::Logins(n) => engine.handle_numlogins(now, ups, Ok(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("12"), Some(Duration::from_secs(12)));
        assert_eq!(parse_time("10.034"), Some(Duration::from_millis(10_034)));
        assert_eq!(parse_time("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_time("1.2345"), None);
        assert_eq!(parse_time("-1"), None);
        assert_eq!(parse_time(".5"), None);
        assert_eq!(parse_time("315360000"), Some(MAX_TIME));
        assert_eq!(parse_time("315360000.001"), None);
    }
}
