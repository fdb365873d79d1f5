//! Polls (NUT's `upsdrv_updateinfo`): the status byte (`Q`), then the
//! polled variables (every variable once an hour), staleness at the first
//! failure, and the `Y` nudge after ten skipped polls while stale.

use std::time::Instant;

use super::{Action, Engine, Event, Outcome, Purpose};
use crate::apc::reply::{NA, ReadMode, SM};
use crate::apc::status::decode_status;
use crate::apc::table::{VARS, packed_name};
use crate::error::{Error, Received};

/// A poll step waiting for its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Nudge,
    NudgeEsc,
    Status,
    Var { idx: usize, full: bool },
}

impl Engine {
    /// Starts the poll if one is due; `false` when nothing changed.
    pub(super) fn start_poll(&mut self, now: Instant) -> bool {
        if now < self.next_poll {
            return false;
        }
        self.next_poll = now + self.cfg.pollinterval;
        if self.stale {
            self.nudge = self.nudge.saturating_add(1);
            if self.nudge < self.cfg.nudge_after {
                return true;
            }
            let script = vec![
                Action::Flush { alerts: false },
                Action::Send(b"Y".to_vec()),
                self.read(ReadMode::Alerts, self.cfg.short_timeout, true),
            ];
            self.run(Purpose::Poll(Step::Nudge), script);
            return true;
        }
        self.poll_status();
        true
    }

    fn poll_status(&mut self) {
        let script = self.query(b'Q', true, false);
        self.run(Purpose::Poll(Step::Status), script);
    }

    pub(super) fn poll_done(&mut self, now: Instant, step: Step, outcome: Outcome) {
        match step {
            Step::Nudge => match outcome {
                Ok(Some(reply)) if reply == SM => {
                    self.nudge = 0;
                    self.poll_status();
                }
                other => {
                    let script = self.escape_script(other.is_err());
                    self.run(Purpose::Poll(Step::NudgeEsc), script);
                }
            },
            Step::NudgeEsc => {}
            Step::Status => {
                let bits = match outcome {
                    Ok(Some(raw)) if raw == NA => Err(Error::Rejected {
                        query: Received::new(b"Q"),
                        received: Received(raw),
                    }),
                    Ok(Some(raw)) => decode_status(&raw),
                    Ok(None) => Err(Error::NoReply {
                        query: Received::new(b"Q"),
                    }),
                    Err(e) => Err(e),
                };
                match bits {
                    Ok(bits) => {
                        self.bits = bits;
                        self.commit_status();
                        let full = self.last_full.is_none_or(|t| {
                            now.saturating_duration_since(t) > self.cfg.full_update
                        });
                        if full {
                            self.last_full = Some(now);
                        }
                        self.next_var(0, full);
                    }
                    Err(error) => self.fail_poll(error),
                }
            }
            Step::Var { idx, full } => match outcome {
                Err(error) => self.fail_poll(error),
                Ok(None) => self.fail_poll(Error::NoReply {
                    query: Received::new(&[VARS.get(idx).map_or(0, |d| d.letter)]),
                }),
                Ok(Some(raw)) if raw == NA => {
                    self.drop_var(idx, raw);
                    self.next_var(idx + 1, full);
                }
                Ok(Some(raw)) => {
                    if let Err(error) = self.publish(idx, &raw) {
                        self.events.push_back(Event::BadReply { error });
                    }
                    self.next_var(idx + 1, full);
                }
            },
        }
    }

    /// A variable that now answers `NA` is no longer supported.
    fn drop_var(&mut self, idx: usize, raw: Vec<u8>) {
        let Some(def) = VARS.get(idx) else {
            return;
        };
        let count = self.var_state.get(idx).map_or(0, |s| s.count);
        if def.pack {
            for i in 0..count {
                self.vars.remove(&packed_name(def.name, i));
            }
        } else {
            self.vars.remove(def.name);
        }
        if let Some(state) = self.var_state.get_mut(idx) {
            state.present = false;
            state.count = 0;
        }
        self.events.push_back(Event::BadReply {
            error: Error::Rejected {
                query: Received::new(&[def.letter]),
                received: Received(raw),
            },
        });
    }

    fn next_var(&mut self, from: usize, full: bool) {
        let next = (from..VARS.len())
            .find(|&i| self.var_state.get(i).is_some_and(|s| s.present) && (full || VARS[i].poll));
        match next {
            Some(idx) => {
                let script = self.query(VARS[idx].letter, true, false);
                self.run(Purpose::Poll(Step::Var { idx, full }), script);
            }
            None => self.poll_ok(full),
        }
    }

    fn poll_ok(&mut self, full: bool) {
        if self.cfg.ignorelb {
            // LB follows the charge and runtime just read.
            self.commit_status();
        }
        if self.stale {
            self.events.push_back(Event::Recovered);
        }
        self.stale = false;
        self.nudge = 0;
        self.events.push_back(Event::PollOk { full });
    }

    fn fail_poll(&mut self, error: Error) {
        self.events.push_back(Event::PollFailed {
            error: error.clone(),
        });
        if !self.stale {
            self.stale = true;
            self.nudge = 0;
            // A full update runs when the unit answers again.
            self.last_full = None;
            self.events.push_back(Event::Stale { error });
        }
    }
}
