//! Smart mode and discovery (NUT's `upsdrv_initinfo`): `Y` until `SM`,
//! the firmware (`V`, then `b`), the command set (`a`) or an old unit's
//! compatibility table, one read per advertised variable, the choice among
//! letters that share a name (or names that share a letter), and the
//! capabilities (`^Z`) that make variables writable enumerations.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{Action, Engine, Event, Outcome, Purpose};
use crate::apc::caps::{parse_capabilities, parse_command_set};
use crate::apc::format::{convert, values};
use crate::apc::reply::{NA, ReadMode, SM};
use crate::apc::table::{
    COMMANDS, Pattern, STRING_LEN, UNREPORTED, VARS, compat_commands, vars_for_letter,
};
use crate::error::{Error, Received};

/// `^Z`: the capabilities query.
const CAPS: u8 = 0x1a;
/// ESC: aborts a half-entered command.
const ESC: u8 = 0x1b;
/// Firmware known to announce more capabilities than it sends.
const QUIRKY_FIRMWARE: &[u8] = b"451.2.I";
/// Wait before retrying `Y` after a read error (NUT: 1 s).
const SMART_MODE_RETRY: Duration = Duration::from_secs(1);
/// The variables an old unit (no `a`) is asked for.
const LEGACY_NAMES: [&str; 10] = [
    "ups.temperature",
    "ups.load",
    "input.voltage",
    "output.voltage",
    "battery.charge",
    "battery.voltage",
    "ups.model",
    "ups.serial",
    "ups.firmware",
    "output.current",
];

/// What follows the variable reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Then {
    /// Read the capabilities (`quirk`: tolerate an overflowing string).
    Caps { quirk: bool },
    /// Guess the model of an old unit.
    Legacy,
    /// Finish.
    Done,
}

/// A discovery step waiting for its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    SmartMode { try_no: u32 },
    SmartModeEsc { try_no: u32, last: Vec<u8> },
    FirmwareOld,
    FirmwareNew,
    CommandSet { quirk: bool },
    Verify { queue: VecDeque<usize>, then: Then },
    Deprecate { idx: usize, then: Then },
    Caps { quirk: bool },
}

impl Engine {
    pub(super) fn start_setup(&mut self, _now: Instant) {
        self.smart_mode(1);
    }

    /// `[flush, Y, read]`.
    fn smart_mode(&mut self, try_no: u32) {
        let script = vec![
            Action::Flush { alerts: false },
            Action::Send(b"Y".to_vec()),
            self.read(ReadMode::Alerts, self.cfg.short_timeout, true),
        ];
        self.run(Purpose::Setup(Step::SmartMode { try_no }), script);
    }

    /// `[ESC, read]` after a `Y` that got no `SM` (a pause first after a
    /// read error).
    pub(super) fn escape_script(&self, after_error: bool) -> Vec<Action> {
        let mut script = Vec::new();
        if after_error {
            script.push(Action::Pause(SMART_MODE_RETRY));
        }
        script.push(Action::Send(vec![ESC]));
        script.push(self.read(ReadMode::Alerts, self.cfg.short_timeout, true));
        script
    }

    pub(super) fn setup_done(&mut self, now: Instant, step: Step, outcome: Outcome) {
        match step {
            Step::SmartMode { try_no } => match outcome {
                Ok(Some(reply)) if reply == SM => self.firmware_old(),
                other => {
                    let last = match &other {
                        Ok(Some(r)) => r.clone(),
                        Err(Error::Truncated { received, .. }) => received.0.clone(),
                        _ => Vec::new(),
                    };
                    let script = self.escape_script(other.is_err());
                    self.run(Purpose::Setup(Step::SmartModeEsc { try_no, last }), script);
                }
            },
            Step::SmartModeEsc { try_no, last } => {
                if try_no < self.cfg.smart_mode_tries {
                    self.smart_mode(try_no + 1);
                } else {
                    self.fatal(Error::SmartModeFailed {
                        tries: try_no,
                        received: Received(last),
                    });
                }
            }
            Step::FirmwareOld => match outcome {
                Err(_) => self.command_set(false),
                Ok(Some(fw)) if !fw.is_empty() && fw != NA => self.firmware_known(now, &fw),
                Ok(_) => {
                    let script = vec![
                        Action::Send(b"b".to_vec()),
                        self.read(ReadMode::Alerts, self.cfg.reply_timeout, true),
                    ];
                    self.run(Purpose::Setup(Step::FirmwareNew), script);
                }
            },
            Step::FirmwareNew => match outcome {
                Ok(Some(fw)) if !fw.is_empty() => self.firmware_known(now, &fw),
                _ => self.command_set(false),
            },
            Step::CommandSet { quirk } => self.command_set_done(now, quirk, outcome),
            Step::Verify { mut queue, then } => {
                if let Some(idx) = queue.pop_front() {
                    self.verified(idx, outcome);
                }
                self.next_verify(now, queue, then);
            }
            Step::Deprecate { idx, then } => {
                self.deprecate_checked(idx, outcome);
                self.deprecate_from(now, idx + 1, then);
            }
            Step::Caps { quirk } => {
                match outcome {
                    Ok(Some(text)) if text != NA => self.apply_caps(&text, quirk),
                    Ok(_) => self.events.push_back(Event::BadReply {
                        error: Error::Rejected {
                            query: Received::new(&[CAPS]),
                            received: Received::default(),
                        },
                    }),
                    Err(error) => self.events.push_back(Event::BadReply { error }),
                }
                self.finish_setup(now);
            }
        }
    }

    fn firmware_old(&mut self) {
        let script = vec![
            Action::Flush { alerts: false },
            Action::Send(b"V".to_vec()),
            self.read(ReadMode::Alerts, self.cfg.reply_timeout, true),
        ];
        self.run(Purpose::Setup(Step::FirmwareOld), script);
    }

    /// Old firmware with a known command set skips `a`.
    fn firmware_known(&mut self, now: Instant, fw: &[u8]) {
        if fw == QUIRKY_FIRMWARE {
            return self.command_set(true);
        }
        let key = if fw.len() == 2 && fw.iter().all(u8::is_ascii_hexdigit) {
            "set\x01".to_owned()
        } else {
            String::from_utf8_lossy(fw).into_owned()
        };
        let Some(cmds) = compat_commands(&key) else {
            return self.command_set(false);
        };
        let model = if key.starts_with(['0', '5']) {
            "Matrix-UPS"
        } else {
            "Smart-UPS"
        };
        self.vars.set("ups.model", model.to_owned());
        let queue = self.mark_letters(cmds);
        self.next_verify(now, queue, Then::Done);
    }

    fn command_set(&mut self, quirk: bool) {
        let script = vec![
            Action::Flush { alerts: false },
            Action::Send(b"a".to_vec()),
            self.read(ReadMode::CommandSet, self.cfg.long_timeout, true),
        ];
        self.run(Purpose::Setup(Step::CommandSet { quirk }), script);
    }

    fn command_set_done(&mut self, now: Instant, quirk: bool, outcome: Outcome) {
        let text = match outcome {
            Err(error) => return self.fatal(error),
            Ok(text) => text.unwrap_or_default(),
        };
        let Some(set) = parse_command_set(&text).filter(|_| text != NA) else {
            // An old unit: ask for the basics and guess the model.
            let mut queue = VecDeque::new();
            for name in LEGACY_NAMES {
                for (idx, def) in VARS.iter().enumerate().filter(|(_, d)| d.name == name) {
                    if def.multi {
                        self.var_state[idx].present = true;
                    } else {
                        queue.push_back(idx);
                    }
                }
            }
            self.next_verify(now, queue, Then::Legacy);
            return;
        };
        let caps = set.commands.contains(&CAPS);
        let queue = self.mark_letters(set.commands);
        let then = if caps {
            Then::Caps { quirk }
        } else {
            Then::Done
        };
        self.next_verify(now, queue, then);
    }

    /// NUT's protocol_verify over `letters`: commands are marked present,
    /// `multi` variables too (checked later), the other variables are
    /// returned to be read.
    fn mark_letters(&mut self, letters: &[u8]) -> VecDeque<usize> {
        let mut queue = VecDeque::new();
        for &letter in letters.iter().filter(|l| !UNREPORTED.contains(l)) {
            let mut found = false;
            for idx in vars_for_letter(letter) {
                found = true;
                if VARS[idx].multi {
                    self.var_state[idx].present = true;
                } else if !queue.contains(&idx) {
                    queue.push_back(idx);
                }
            }
            if found {
                continue;
            }
            for (i, def) in COMMANDS.iter().enumerate() {
                if def.letter == letter {
                    self.cmd_present[i] = true;
                }
            }
        }
        queue
    }

    fn next_verify(&mut self, now: Instant, queue: VecDeque<usize>, then: Then) {
        match queue.front() {
            Some(&idx) => {
                let script = self.preread(idx);
                self.run(Purpose::Setup(Step::Verify { queue, then }), script);
            }
            None => self.deprecate_from(now, 0, then),
        }
    }

    /// `[flush, letter, read]` without acting on alerts.
    fn preread(&self, idx: usize) -> Vec<Action> {
        let letter = VARS.get(idx).map_or(0, |d| d.letter);
        self.query(letter, false, true)
    }

    /// The value of a discovery read, or why there is none.
    fn preread_value(&self, idx: usize, outcome: Outcome) -> Result<Vec<u8>, Error> {
        let def = VARS
            .get(idx)
            .ok_or(Error::NotReady("variable table index"))?;
        let query = Received::new(&[def.letter]);
        let raw = match outcome? {
            None => return Err(Error::NoReply { query }),
            Some(raw) if raw == NA => {
                return Err(Error::Rejected {
                    query,
                    received: Received(raw),
                });
            }
            Some(raw) => raw,
        };
        if let Some(pattern) = def.pattern
            && !pattern.matches(&raw)
        {
            return Err(Error::BadField {
                query,
                var: def.name,
                field: String::from_utf8_lossy(&raw).into_owned(),
                reason: match pattern {
                    Pattern::Firmware => "not a firmware version",
                    Pattern::AmbientTemperature => "not an ambient temperature (dd.dd)",
                    Pattern::Uptime => "not an uptime (ddd.d)",
                },
                received: Received(raw),
            });
        }
        Ok(raw)
    }

    fn verified(&mut self, idx: usize, outcome: Outcome) {
        let result = self
            .preread_value(idx, outcome)
            .and_then(|raw| self.publish(idx, &raw));
        match result {
            Ok(()) => {
                if let Some(state) = self.var_state.get_mut(idx) {
                    state.present = true;
                }
                self.string_setup(idx);
            }
            Err(error) => self.events.push_back(Event::BadReply { error }),
        }
    }

    /// Publishes a reply to `VARS[idx]` (every sub-field of a packed one).
    pub(super) fn publish(&mut self, idx: usize, raw: &[u8]) -> Result<(), Error> {
        let def = VARS
            .get(idx)
            .ok_or(Error::NotReady("variable table index"))?;
        let published = values(def, raw)?;
        let count = published.len();
        for (name, value) in published {
            self.vars.set(&name, value);
        }
        if let Some(state) = self.var_state.get_mut(idx) {
            if def.pack {
                for leftover in count..state.count {
                    self.vars
                        .remove(&crate::apc::table::packed_name(def.name, leftover));
                }
            }
            state.count = count;
        }
        Ok(())
    }

    fn string_setup(&mut self, idx: usize) {
        if let Some(def) = VARS.get(idx).filter(|d| d.string) {
            let info = self.info.entry(def.name.to_owned()).or_default();
            info.writable = true;
            info.string_len = Some(STRING_LEN);
        }
    }

    /// The next `multi` variable still present, from `from` on.
    fn deprecate_from(&mut self, now: Instant, from: usize, then: Then) {
        let next = (from..VARS.len())
            .find(|&i| VARS[i].multi && self.var_state.get(i).is_some_and(|s| s.present));
        match next {
            Some(idx) => {
                let script = self.preread(idx);
                self.run(Purpose::Setup(Step::Deprecate { idx, then }), script);
            }
            None => self.after_verify(now, then),
        }
    }

    fn deprecate_checked(&mut self, idx: usize, outcome: Outcome) {
        let Some(def) = VARS.get(idx) else {
            return;
        };
        let result = self
            .preread_value(idx, outcome)
            .and_then(|raw| self.publish(idx, &raw));
        match result {
            Ok(()) => {
                for (j, other) in VARS.iter().enumerate().skip(idx + 1) {
                    if other.name == def.name || other.letter == def.letter {
                        self.var_state[j].present = false;
                    }
                }
                self.string_setup(idx);
            }
            Err(error) => {
                self.var_state[idx].present = false;
                self.events.push_back(Event::BadReply { error });
            }
        }
    }

    fn after_verify(&mut self, now: Instant, then: Then) {
        match then {
            Then::Caps { quirk } => {
                let script = vec![
                    Action::Flush { alerts: false },
                    Action::Send(vec![CAPS]),
                    self.read(ReadMode::Capabilities, self.cfg.long_timeout, true),
                ];
                self.run(Purpose::Setup(Step::Caps { quirk }), script);
            }
            Then::Legacy => {
                if self.present("output.current") {
                    self.vars.set("ups.model", "Matrix-UPS".to_owned());
                } else if !self.present("ups.model") {
                    self.vars.set("ups.model", "Smart-UPS".to_owned());
                }
                self.finish_setup(now);
            }
            Then::Done => self.finish_setup(now),
        }
    }

    pub(super) fn present(&self, name: &str) -> bool {
        VARS.iter()
            .zip(&self.var_state)
            .any(|(d, s)| d.name == name && s.present)
    }

    /// The first present variable read by `letter`.
    pub(super) fn present_by_letter(&self, letter: u8) -> Option<usize> {
        (0..VARS.len()).find(|&i| VARS[i].letter == letter && self.var_state[i].present)
    }

    fn apply_caps(&mut self, text: &[u8], quirk: bool) {
        let caps = match parse_capabilities(text, quirk) {
            Ok(caps) => caps,
            Err(error) => return self.events.push_back(Event::BadReply { error }),
        };
        let locale = self
            .vars
            .get("ups.firmware")
            .and_then(|fw| fw.bytes().last());
        for cap in caps {
            let Some(idx) = self.present_by_letter(cap.letter) else {
                continue;
            };
            let def = VARS[idx];
            if def.pack || !(cap.locale == b'4' || Some(cap.locale) == locale) {
                continue;
            }
            let info = self.info.entry(def.name.to_owned()).or_default();
            info.writable = true;
            info.string_len = None;
            for value in cap.values {
                info.enums
                    .push(convert(def.format, &String::from_utf8_lossy(&value)));
            }
        }
    }

    fn finish_setup(&mut self, now: Instant) {
        self.vars.set("ups.mfr", "APC".to_owned());
        self.ready = true;
        self.next_poll = now;
        self.events.push_back(Event::Ready);
    }
}
