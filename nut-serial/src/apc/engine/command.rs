//! Instant commands (with the 3–15 s confirmation window of the dangerous
//! ones) and settings: enumerated values cycled with `-`, and the two
//! 8-character strings written after `-`.

use std::time::Instant;

use super::shutdown::Ctx;
use super::{Action, Engine, Event, Outcome, Purpose};
use crate::apc::config::{ApcConfig, ShutdownMethod};
use crate::apc::format::convert;
use crate::apc::reply::{NA, NO, OK, ReadMode};
use crate::apc::status::{StatusBits, decode_status};
use crate::apc::table::{COMMANDS, STRING_LEN, VARS};
use crate::error::{Error, Received};

/// Most `-` presses while looking for an enumerated value (NUT: 32).
const MAX_CYCLES: u32 = 32;
/// `^N`: load on.
const LOAD_ON: u8 = 0x0e;

/// How an instant command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandOutcome {
    /// Sent, and the unit accepted it.
    Executed,
    /// A dangerous command asked for the first time (or outside the
    /// window): nothing was sent; ask again 3–15 s later to run it.
    AwaitingConfirmation,
}

/// How a setting ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetOutcome {
    /// The unit now holds the new value.
    Changed,
    /// The unit already held it; nothing was written.
    Unchanged,
}

/// Queued work that runs between polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Job {
    Command {
        id: u64,
        name: String,
        row: usize,
        param: Option<String>,
    },
    Set {
        id: u64,
        idx: usize,
        value: String,
    },
    Shutdown,
}

/// A command step waiting for its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CmdStep {
    Generic { id: u64, name: String, letter: u8 },
    CalStatus { id: u64, name: String, start: bool },
    CalToggle { id: u64, name: String },
    LoadOn { id: u64, name: String },
}

/// A setting step waiting for its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SetStep {
    id: u64,
    idx: usize,
    value: String,
    stage: SetStage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SetStage {
    EnumRead,
    EnumNext { orig: String, tries: u32 },
    EnumCheck { orig: String, tries: u32 },
    StringRead,
    StringWrite,
    Refresh(SetOutcome),
}

impl Engine {
    /// Asks for instant command `name` (with the client's extra argument
    /// `param`: `at:<n>` or `cs` for `shutdown.return`). The outcome comes
    /// as [`Event::CommandDone`] with the returned id.
    ///
    /// `shutdown.return`, `shutdown.stayoff` and `load.off` run only when
    /// asked twice for the same command, 3–15 s apart (NUT's window; unlike
    /// NUT the first ask of another command does not count, and a run
    /// command must be confirmed afresh next time).
    pub fn instcmd(&mut self, now: Instant, name: &str, param: Option<&str>) -> Result<u64, Error> {
        if !self.ready {
            return Err(Error::NotReady("still detecting the unit"));
        }
        let row = COMMANDS
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name) && c.extra.accepts(param))
            .ok_or_else(|| Error::UnknownCommand(with_param(name, param)))?;
        if !self.cmd_present.get(row).copied().unwrap_or(false) {
            return Err(Error::UnknownCommand(with_param(name, param)));
        }
        let def = COMMANDS[row];
        let id = self.next_id();
        if def.nasty {
            let key = with_param(def.name, param).to_ascii_lowercase();
            let (min, max) = self.cfg.confirm_window;
            let confirmed = self.armed.get(&key).is_some_and(|t| {
                let elapsed = now.saturating_duration_since(*t);
                elapsed >= min && elapsed <= max
            });
            if confirmed {
                self.armed.remove(&key);
            } else {
                self.armed.insert(key, now);
                self.events.push_back(Event::CommandDone {
                    id,
                    name: def.name.to_owned(),
                    result: Ok(CommandOutcome::AwaitingConfirmation),
                });
                return Ok(id);
            }
        }
        self.jobs.push_back(Job::Command {
            id,
            name: def.name.to_owned(),
            row,
            param: param.map(str::to_owned),
        });
        self.drive(now);
        self.drain_changes();
        Ok(id)
    }

    /// Sets a writable variable: an enumerated one is cycled with `-` until
    /// the unit shows `value`; `ups.id` and `battery.date` are written as
    /// text. The outcome comes as [`Event::SetDone`].
    pub fn setvar(&mut self, now: Instant, name: &str, value: &str) -> Result<u64, Error> {
        if !self.ready {
            return Err(Error::NotReady("still detecting the unit"));
        }
        let idx = (0..VARS.len())
            .find(|&i| VARS[i].name.eq_ignore_ascii_case(name) && self.var_state[i].present)
            .ok_or_else(|| Error::UnknownVariable(name.to_owned()))?;
        let info = self
            .info
            .get(VARS[idx].name)
            .filter(|i| i.writable)
            .ok_or_else(|| Error::UnknownVariable(name.to_owned()))?;
        let invalid = |reason| Error::InvalidValue {
            name: name.to_owned(),
            value: value.to_owned(),
            reason,
        };
        if !info.enums.is_empty() {
            if !info.enums.iter().any(|e| e == value) {
                return Err(invalid("not one of the values the unit offers"));
            }
        } else if value.len() > STRING_LEN {
            return Err(invalid("longer than 8 characters"));
        } else if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(invalid("not printable ASCII"));
        }
        let id = self.next_id();
        self.jobs.push_back(Job::Set {
            id,
            idx,
            value: value.to_owned(),
        });
        self.drive(now);
        self.drain_changes();
        Ok(id)
    }

    /// Starts the next queued job; `false` when there is none.
    pub(super) fn start_job(&mut self, now: Instant) -> bool {
        let Some(job) = self.jobs.pop_front() else {
            return false;
        };
        match job {
            Job::Command {
                id,
                name,
                row,
                param,
            } => self.start_command(now, id, name, row, param),
            Job::Set { id, idx, value } => {
                let letter = VARS.get(idx).map_or(0, |d| d.letter);
                let stage = if self
                    .info
                    .get(VARS[idx].name)
                    .is_some_and(|i| !i.enums.is_empty())
                {
                    SetStage::EnumRead
                } else {
                    SetStage::StringRead
                };
                let script = self.query(letter, true, false);
                self.run(
                    Purpose::Set(SetStep {
                        id,
                        idx,
                        value,
                        stage,
                    }),
                    script,
                );
            }
            Job::Shutdown => self.start_shutdown(),
        }
        true
    }

    fn start_command(
        &mut self,
        now: Instant,
        id: u64,
        name: String,
        row: usize,
        param: Option<String>,
    ) {
        let Some(def) = COMMANDS.get(row).copied() else {
            return;
        };
        let ctx = || Ctx::Command {
            id,
            name: name.clone(),
        };
        match def.name {
            "calibrate.start" | "calibrate.stop" => {
                let script = self.query(b'Q', true, false);
                let start = def.name == "calibrate.start";
                self.run(
                    Purpose::Command(CmdStep::CalStatus { id, name, start }),
                    script,
                );
            }
            "load.on" => {
                let mut script = vec![Action::Flush { alerts: false }];
                script.extend(self.repeated(LOAD_ON));
                self.run(Purpose::Command(CmdStep::LoadOn { id, name }), script);
            }
            "load.off" => self.start_method(now, ctx(), ShutdownMethod::Instant, None),
            "shutdown.stayoff" => self.start_method(now, ctx(), ShutdownMethod::Delayed, None),
            "shutdown.return" => match param.as_deref() {
                Some(p) if p.len() > 3 && p.is_char_boundary(3) => {
                    let digits = ApcConfig::awd_digits(Some(&p[3..]));
                    self.start_method(now, ctx(), ShutdownMethod::Hard, Some(digits));
                }
                Some(p) if p.eq_ignore_ascii_case("cs") => {
                    self.start_method(now, ctx(), ShutdownMethod::Cs, None);
                }
                _ => self.start_method(now, ctx(), ShutdownMethod::Soft, None),
            },
            _ => {
                let mut script = vec![Action::Flush { alerts: true }];
                if def.repeat {
                    script.extend(self.repeated(def.letter));
                } else {
                    script.push(Action::Send(vec![def.letter]));
                }
                script.push(self.read(ReadMode::Alerts, self.cfg.reply_timeout, false));
                let step = CmdStep::Generic {
                    id,
                    name,
                    letter: def.letter,
                };
                self.run(Purpose::Command(step), script);
            }
        }
    }

    pub(super) fn command_done(&mut self, _now: Instant, step: CmdStep, outcome: Outcome) {
        let (id, name, result) = match step {
            CmdStep::Generic { id, name, letter } => {
                let result = accepted(&[letter], outcome).map(|()| CommandOutcome::Executed);
                (id, name, result)
            }
            CmdStep::CalStatus { id, name, start } => {
                let bits = match outcome {
                    Ok(Some(raw)) => decode_status(&raw),
                    Ok(None) => Err(Error::NoReply {
                        query: Received::new(b"Q"),
                    }),
                    Err(e) => Err(e),
                };
                let running = bits.as_ref().map(|b| b.has(StatusBits::CAL));
                let refusal = match running {
                    Ok(true) if start => Some("runtime calibration already in progress"),
                    Ok(false) if !start => Some("runtime calibration not occurring"),
                    _ => None,
                };
                match (bits, refusal) {
                    (Err(e), _) => (id, name, Err(e)),
                    (Ok(_), Some(reason)) => (
                        id,
                        name.clone(),
                        Err(Error::CommandNotApplicable {
                            command: name,
                            reason,
                        }),
                    ),
                    (Ok(_), None) => {
                        let script = vec![
                            Action::Send(b"D".to_vec()),
                            self.read(ReadMode::Alerts, self.cfg.reply_timeout, false),
                        ];
                        self.run(Purpose::Command(CmdStep::CalToggle { id, name }), script);
                        return;
                    }
                }
            }
            CmdStep::CalToggle { id, name } => {
                let result = match outcome {
                    Ok(Some(raw)) if raw != NA && raw != NO => Ok(CommandOutcome::Executed),
                    Ok(Some(raw)) => Err(Error::CommandRefused {
                        command: Received::new(b"D"),
                        received: Received(raw),
                    }),
                    Ok(None) => Err(Error::NoReply {
                        query: Received::new(b"D"),
                    }),
                    Err(e) => Err(e),
                };
                (id, name, result)
            }
            CmdStep::LoadOn { id, name } => (id, name, outcome.map(|_| CommandOutcome::Executed)),
        };
        self.events
            .push_back(Event::CommandDone { id, name, result });
    }

    pub(super) fn set_done(&mut self, _now: Instant, step: SetStep, outcome: Outcome) {
        let SetStep {
            id,
            idx,
            value,
            stage,
        } = step;
        let Some(def) = VARS.get(idx).copied() else {
            return;
        };
        let refused = |reason, received: Vec<u8>| Error::SetRefused {
            name: def.name.to_owned(),
            reason,
            received: Received(received),
        };
        let reply = match (&stage, outcome) {
            (SetStage::Refresh(done), outcome) => {
                if let Ok(Some(raw)) = outcome
                    && raw != NA
                    && let Err(error) = self.publish(idx, &raw)
                {
                    self.events.push_back(Event::BadReply { error });
                }
                return self.set_finished(id, def.name, Ok(*done));
            }
            (_, Err(e)) => return self.set_finished(id, def.name, Err(e)),
            (_, Ok(None)) => {
                let query = Received::new(&self.last_sent);
                return self.set_finished(id, def.name, Err(Error::NoReply { query }));
            }
            (_, Ok(Some(raw))) => raw,
        };
        let shown = || convert(def.format, &String::from_utf8_lossy(&reply));
        let next = match stage {
            SetStage::EnumRead | SetStage::StringRead if reply == NA => {
                return self.set_finished(
                    id,
                    def.name,
                    Err(refused("the unit answered NA", reply)),
                );
            }
            SetStage::EnumRead if shown() == value => {
                return self.set_finished(id, def.name, Ok(SetOutcome::Unchanged));
            }
            SetStage::EnumRead => {
                let orig = shown();
                (self.next_value(), SetStage::EnumNext { orig, tries: 0 })
            }
            SetStage::EnumNext { orig, tries } => {
                if reply == NO {
                    return self.set_finished(
                        id,
                        def.name,
                        Err(refused("the unit refused (NO)", reply)),
                    );
                }
                if reply != OK {
                    return self.set_finished(
                        id,
                        def.name,
                        Err(refused("unexpected answer to -", reply)),
                    );
                }
                let script = vec![
                    Action::Send(vec![def.letter]),
                    self.read(ReadMode::Alerts, self.cfg.reply_timeout, false),
                ];
                (script, SetStage::EnumCheck { orig, tries })
            }
            SetStage::EnumCheck { orig, tries } => {
                let now_shows = shown();
                if now_shows == value {
                    (
                        self.query(def.letter, true, true),
                        SetStage::Refresh(SetOutcome::Changed),
                    )
                } else if now_shows == orig {
                    return self.set_finished(
                        id,
                        def.name,
                        Err(refused("the value list wrapped around", reply)),
                    );
                } else if tries + 1 >= MAX_CYCLES {
                    return self.set_finished(id, def.name, Err(refused("gave up cycling", reply)));
                } else {
                    (
                        self.next_value(),
                        SetStage::EnumNext {
                            orig,
                            tries: tries + 1,
                        },
                    )
                }
            }
            SetStage::StringRead if reply == value.as_bytes() => {
                return self.set_finished(id, def.name, Ok(SetOutcome::Unchanged));
            }
            SetStage::StringRead => {
                let mut text = value.clone().into_bytes();
                text.resize(STRING_LEN, b'\r');
                let mut script = self.long_write(b'-', &text);
                script.push(self.read(ReadMode::Alerts, self.cfg.reply_timeout, false));
                (script, SetStage::StringWrite)
            }
            SetStage::StringWrite => {
                if reply == NO {
                    return self.set_finished(
                        id,
                        def.name,
                        Err(refused("the unit refused the text (NO)", reply)),
                    );
                }
                (
                    self.query(def.letter, true, true),
                    SetStage::Refresh(SetOutcome::Changed),
                )
            }
            SetStage::Refresh(_) => return,
        };
        let (script, stage) = next;
        self.run(
            Purpose::Set(SetStep {
                id,
                idx,
                value,
                stage,
            }),
            script,
        );
    }

    /// `-` then a read: one step through an enumerated value list.
    fn next_value(&self) -> Vec<Action> {
        vec![
            Action::Send(b"-".to_vec()),
            self.read(ReadMode::Alerts, self.cfg.reply_timeout, false),
        ]
    }

    fn set_finished(&mut self, id: u64, name: &str, result: Result<SetOutcome, Error>) {
        self.events.push_back(Event::SetDone {
            id,
            name: name.to_owned(),
            result,
        });
    }
}

/// `OK` accepts a command; anything else refuses it.
fn accepted(command: &[u8], outcome: Outcome) -> Result<(), Error> {
    match outcome? {
        Some(r) if r == OK => Ok(()),
        Some(r) => Err(Error::CommandRefused {
            command: Received::new(command),
            received: Received(r),
        }),
        None => Err(Error::NoReply {
            query: Received::new(command),
        }),
    }
}

fn with_param(name: &str, param: Option<&str>) -> String {
    match param {
        Some(p) if !p.is_empty() => format!("{name} {p}"),
        _ => name.to_owned(),
    }
}
