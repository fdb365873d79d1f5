//! An APC Smart UPS as a sans-IO responder: single-letter queries in,
//! CRLF-terminated replies out, alert characters sent on its own when the
//! [`UnitState`] changes (line fails or returns, battery low, overload,
//! replace battery), `-` cycling and string entry, and the commands with
//! their own rules: `K`, `Z` and `^N` act only when pressed twice, 1 to 4
//! seconds apart; `S` only on battery; `@` takes three digits.

mod pair;
mod state;

pub use pair::Pair;
pub use state::{Setting, UnitState};

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::megatec::Fault;
use crate::apc::status::StatusBits;
use crate::apc::table::STRING_LEN;

/// The shortest gap between the two presses of a repeated command.
pub const REPEAT_MIN: Duration = Duration::from_secs(1);
/// The longest gap between the two presses of a repeated command.
pub const REPEAT_MAX: Duration = Duration::from_secs(4);
/// How long `U` (simulated power failure) keeps the unit on battery.
const SIMULATED_FAILURE: Duration = Duration::from_secs(2);
/// Most received bytes remembered for inspection.
const MAX_RECEIVED: usize = 65_536;
/// ESC: aborts a half-entered argument.
const ESC: u8 = 0x1b;

/// Bytes still expected after a command letter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Argument {
    /// `@` and its three digits.
    Hibernate(Vec<u8>),
    /// `-` after `c` or `x`: eight characters (CR-padded).
    Text { letter: u8, text: Vec<u8> },
}

/// A pending power change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timer {
    at: Instant,
    /// Turn the load back on this long after the mains returns (`None` =
    /// stay off).
    wake_after: Option<Duration>,
}

/// The alert-relevant flags as last announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Announced {
    bits: StatusBits,
}

/// The simulated unit.
#[derive(Debug, Clone)]
pub struct Simulator {
    /// The unit's state; change it at will.
    pub state: UnitState,
    /// Injected misbehaviour.
    pub fault: Fault,
    /// Send alert characters (units can be told not to).
    pub alerts: bool,
    smart: bool,
    last_var: Option<u8>,
    argument: Option<Argument>,
    pressed: Option<(u8, Instant)>,
    output: VecDeque<Vec<u8>>,
    received: Vec<u8>,
    announced: Announced,
    last_tick: Option<Instant>,
    power_off: Option<Timer>,
    wake: Option<(Instant, Duration)>,
    failure_until: Option<Instant>,
}

impl Simulator {
    /// A unit in `state`, in dumb mode until it gets `Y`.
    pub fn new(state: UnitState) -> Self {
        Self {
            announced: Announced {
                bits: state.status(),
            },
            state,
            fault: Fault::None,
            alerts: true,
            smart: false,
            last_var: None,
            argument: None,
            pressed: None,
            output: VecDeque::new(),
            received: Vec::new(),
            last_tick: None,
            power_off: None,
            wake: None,
            failure_until: None,
        }
    }

    /// Every byte received so far (bounded).
    pub fn received(&self) -> &[u8] {
        &self.received
    }

    /// Whether the unit is in smart mode.
    pub fn is_smart(&self) -> bool {
        self.smart
    }

    /// Bytes from the host.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.tick(now);
        for &b in bytes {
            if self.received.len() < MAX_RECEIVED {
                self.received.push(b);
            }
            match self.fault {
                Fault::Silent => continue,
                Fault::Echo => {
                    self.output.push_back(vec![b, b'\r', b'\n']);
                    continue;
                }
                Fault::Garbage => {
                    self.output.push_back(b"\x15GARBAGE\x7f\r\n".to_vec());
                    continue;
                }
                _ => {}
            }
            if let Some(reply) = self.byte(now, b).filter(|r| !r.is_empty()) {
                let reply = match self.fault {
                    Fault::Truncate if reply.len() > 1 => reply[..reply.len() / 2].to_vec(),
                    _ => {
                        let mut r = reply;
                        r.extend_from_slice(b"\r\n");
                        r
                    }
                };
                self.output.push_back(reply);
            }
        }
        self.tick(now);
    }

    /// The next bytes to send (a reply or alerts), appended to `out`.
    #[must_use]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        match self.output.pop_front() {
            Some(bytes) => {
                out.extend_from_slice(&bytes);
                true
            }
            None => false,
        }
    }

    /// Advances time to `now`: battery, timers, and alerts for whatever
    /// changed since the last announcement.
    pub fn tick(&mut self, now: Instant) {
        let dt = self
            .last_tick
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        self.last_tick = Some(now);
        self.state.advance(dt);
        if self.failure_until.is_some_and(|t| now >= t) {
            self.failure_until = None;
            self.state.restore_line();
            self.state.transfer_reason = b'S';
        }
        if let Some(timer) = self.power_off.filter(|t| now >= t.at) {
            self.power_off = None;
            self.state.output_off = true;
            self.wake = timer.wake_after.map(|d| (now, d));
        }
        if let Some((since, after)) = self.wake {
            if self.state.line_failed {
                self.wake = Some((now, after));
            } else if now.saturating_duration_since(since) >= after {
                self.wake = None;
                self.state.output_off = false;
            }
        }
        self.announce();
    }

    /// Sends the alert characters for flags that changed.
    fn announce(&mut self) {
        let now = self.state.status();
        let was = self.announced.bits;
        if now == was {
            return;
        }
        self.announced.bits = now;
        if !self.alerts || !self.smart || self.fault == Fault::Silent {
            return;
        }
        let changed = |bit: StatusBits| now.has(bit) != was.has(bit);
        // Clearing alerts first, so a transfer back to mains never shows a
        // stale LB or OVER next to OL.
        let mut alerts = Vec::new();
        if changed(StatusBits::LB) && !now.has(StatusBits::LB) {
            alerts.push(b'+');
        }
        if changed(StatusBits::OVER) && !now.has(StatusBits::OVER) {
            alerts.push(b'=');
        }
        if changed(StatusBits::OB) && now.has(StatusBits::OB) {
            alerts.push(b'!');
        }
        if changed(StatusBits::OL) && now.has(StatusBits::OL) {
            alerts.push(b'$');
        }
        if changed(StatusBits::LB) && now.has(StatusBits::LB) {
            alerts.push(b'%');
        }
        if changed(StatusBits::OVER) && now.has(StatusBits::OVER) {
            alerts.push(b'?');
        }
        if changed(StatusBits::RB) && now.has(StatusBits::RB) {
            alerts.push(b'#');
        }
        if !alerts.is_empty() {
            self.output.push_back(alerts);
        }
    }

    /// One byte from the host; the reply text (without CRLF), if any.
    fn byte(&mut self, now: Instant, b: u8) -> Option<Vec<u8>> {
        if b == ESC {
            self.argument = None;
            return None;
        }
        if let Some(arg) = self.argument.take() {
            return self.argument_byte(now, arg, b);
        }
        if b == b'Y' {
            self.smart = true;
            return Some(b"SM".to_vec());
        }
        if !self.smart || b == b'\r' || b == b'\n' {
            return None;
        }
        let repeated = matches!(b, b'K' | b'Z' | 0x0e) && self.state.commands.contains(&b);
        if repeated {
            return self.repeated(now, b);
        }
        self.pressed = None;
        let text: Vec<u8> = match b {
            b'R' => {
                self.smart = false;
                b"BYE".to_vec()
            }
            b'a' => self.state.command_set(),
            0x1a => self.state.capabilities(),
            b'-' => return Some(self.next_value()),
            c if self.state.commands.contains(&c) => return Some(self.command(now, c)),
            c => match self.state.reply(c) {
                Some(text) => {
                    self.last_var = Some(c);
                    text.into_bytes()
                }
                None => b"NA".to_vec(),
            },
        };
        Some(text)
    }

    fn argument_byte(&mut self, now: Instant, arg: Argument, b: u8) -> Option<Vec<u8>> {
        match arg {
            Argument::Hibernate(mut digits) => {
                if !b.is_ascii_digit() {
                    return Some(b"NO".to_vec());
                }
                digits.push(b);
                if digits.len() < 3 {
                    self.argument = Some(Argument::Hibernate(digits));
                    return None;
                }
                let units: u64 = digits.iter().fold(0, |a, d| a * 10 + u64::from(d - b'0'));
                let delay = self.shutdown_delay();
                self.power_off = Some(Timer {
                    at: now + delay,
                    wake_after: Some(Duration::from_secs(units * 6 * 60)),
                });
                Some(b"OK".to_vec())
            }
            Argument::Text { letter, mut text } => {
                text.push(b);
                if text.len() < STRING_LEN {
                    self.argument = Some(Argument::Text { letter, text });
                    return None;
                }
                let value: String = text
                    .iter()
                    .filter(|c| **c != b'\r')
                    .map(|c| char::from(*c))
                    .collect();
                if letter == b'c' {
                    self.state.ups_id = value;
                } else {
                    self.state.battery_date = value;
                }
                Some(b"OK".to_vec())
            }
        }
    }

    /// `-`: the next value of the last queried setting, or string entry.
    fn next_value(&mut self) -> Vec<u8> {
        match self.last_var {
            Some(letter @ (b'c' | b'x')) => {
                self.argument = Some(Argument::Text {
                    letter,
                    text: Vec::new(),
                });
                // The unit answers once the eight characters are in.
                Vec::new()
            }
            Some(letter) => match self.state.settings.iter_mut().find(|s| s.letter == letter) {
                Some(s) if !s.values.is_empty() => {
                    s.current = (s.current + 1) % s.values.len();
                    b"OK".to_vec()
                }
                _ => b"NO".to_vec(),
            },
            None => b"NA".to_vec(),
        }
    }

    fn shutdown_delay(&self) -> Duration {
        let secs = self
            .state
            .setting(b'p')
            .and_then(|s| s.value().parse::<u64>().ok())
            .unwrap_or(20);
        Duration::from_secs(secs)
    }

    /// `K`, `Z`, `^N`: nothing happens at the first press; the second, 1–4
    /// s later, acts.
    fn repeated(&mut self, now: Instant, c: u8) -> Option<Vec<u8>> {
        let confirmed = self.pressed.is_some_and(|(p, at)| {
            let gap = now.saturating_duration_since(at);
            p == c && (REPEAT_MIN..=REPEAT_MAX).contains(&gap)
        });
        if !confirmed {
            self.pressed = Some((c, now));
            return None;
        }
        self.pressed = None;
        match c {
            b'K' => {
                self.power_off = Some(Timer {
                    at: now + self.shutdown_delay(),
                    wake_after: None,
                });
                Some(b"OK".to_vec())
            }
            b'Z' => {
                self.state.output_off = true;
                self.wake = None;
                None
            }
            _ => {
                self.state.output_off = false;
                self.wake = None;
                self.power_off = None;
                None
            }
        }
    }

    fn command(&mut self, now: Instant, c: u8) -> Vec<u8> {
        match c {
            b'W' => {
                self.state.test_result = "OK".into();
                b"OK".to_vec()
            }
            b'A' => b"OK".to_vec(),
            b'D' => {
                self.state.calibrating = !self.state.calibrating;
                b"OK".to_vec()
            }
            b'U' if !self.state.line_failed => {
                self.state.fail_line();
                self.state.transfer_reason = b'S';
                self.failure_until = Some(now + SIMULATED_FAILURE);
                b"OK".to_vec()
            }
            b'S' if self.state.line_failed => {
                self.power_off = Some(Timer {
                    at: now + self.shutdown_delay(),
                    wake_after: Some(Duration::ZERO),
                });
                b"OK".to_vec()
            }
            b'@' => {
                self.argument = Some(Argument::Hibernate(Vec::new()));
                Vec::new()
            }
            _ => b"NA".to_vec(),
        }
    }
}

#[cfg(test)]
mod tests;
