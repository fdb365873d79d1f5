//! Instant commands, setvars and the shutdown sequence on the device: the
//! [`crate::Mapper`] plans the SET_REPORTs, this sends them, honouring the
//! plan's pauses without sleeping (a paused plan resumes in a later
//! [`UsbHidDriver::handle_timeout`]).

use std::time::Instant;

use crate::mapper::{Refusal, WritePlan, WriteStep};
use crate::transport::{Transport, TransportError, UsbBus};

use super::{DriverEvent, UsbHidDriver};

/// How a command, setvar or shutdown went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteOutcome {
    /// Every SET_REPORT was taken (or nothing needed sending).
    Done,
    /// The plan pauses; the end comes as [`DriverEvent::WriteFinished`]
    /// (or [`DriverEvent::ShutdownFinished`]).
    Pending,
    /// Refused before touching the device (NUT's unknown/invalid/…).
    Refused(Refusal),
    /// The device did not take it.
    Failed(WriteFailure),
}

/// Why a write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteFailure {
    /// The device is not connected (data stale).
    NotConnected,
    /// Another write is still pausing between its steps.
    Busy,
    /// A SET_REPORT failed.
    Transport(TransportError),
}

/// A write being sent: one plan, or for shutdown the alternatives tried in
/// order until one goes through.
#[derive(Debug)]
pub(super) struct WriteJob {
    name: String,
    alternatives: Vec<(String, WritePlan)>,
    alternative: usize,
    step: usize,
    resume_at: Option<Instant>,
    shutdown: bool,
}

impl WriteJob {
    pub(super) fn resume_at(&self) -> Option<Instant> {
        self.resume_at
    }
}

impl<B: UsbBus> UsbHidDriver<B> {
    /// Run instant command `name` (with `argument` replacing the row's
    /// default value, as `upscmd` sends it).
    pub fn instcmd(&mut self, now: Instant, name: &str, argument: Option<&str>) -> WriteOutcome {
        self.start_write(now, name, |mapper| mapper.instcmd(name, argument))
    }

    /// Set writable variable `name` to `value`.
    pub fn setvar(&mut self, now: Instant, name: &str, value: &str) -> WriteOutcome {
        self.start_write(now, name, |mapper| mapper.setvar(name, value))
    }

    /// Shut the UPS down as `shutdown.default` does: try `shutdown.return`,
    /// `shutdown.reboot`, `load.off.delay`, `shutdown.stayoff` in order
    /// until one is taken. The end always comes as
    /// [`DriverEvent::ShutdownFinished`] (also when this returns `Done`).
    pub fn handle_shutdown(&mut self, now: Instant) -> WriteOutcome {
        if self.job.is_some() {
            return WriteOutcome::Failed(WriteFailure::Busy);
        }
        let Some(link) = self.link.as_mut() else {
            self.push_event(DriverEvent::ShutdownFinished { command: None });
            return WriteOutcome::Failed(WriteFailure::NotConnected);
        };
        let alternatives: Vec<(String, WritePlan)> = link
            .mapper
            .shutdown_plans()
            .into_iter()
            .filter_map(|(name, plan)| Some((name.to_owned(), plan.ok()?)))
            .collect();
        if alternatives.is_empty() {
            self.push_event(DriverEvent::ShutdownFinished { command: None });
            return WriteOutcome::Refused(Refusal::Unknown);
        }
        self.job = Some(WriteJob {
            name: "shutdown.default".to_owned(),
            alternatives,
            alternative: 0,
            step: 0,
            resume_at: None,
            shutdown: true,
        });
        self.run_job(now).unwrap_or(WriteOutcome::Pending)
    }

    fn start_write(
        &mut self,
        now: Instant,
        name: &str,
        plan: impl FnOnce(&mut crate::Mapper) -> Result<WritePlan, Refusal>,
    ) -> WriteOutcome {
        if self.job.is_some() {
            return WriteOutcome::Failed(WriteFailure::Busy);
        }
        let Some(link) = self.link.as_mut().filter(|_| !self.stale) else {
            return WriteOutcome::Failed(WriteFailure::NotConnected);
        };
        let plan = match plan(&mut link.mapper) {
            Ok(plan) => plan,
            Err(refusal) => return WriteOutcome::Refused(refusal),
        };
        self.job = Some(WriteJob {
            name: name.to_owned(),
            alternatives: vec![(name.to_owned(), plan)],
            alternative: 0,
            step: 0,
            resume_at: None,
            shutdown: false,
        });
        self.run_job(now).unwrap_or(WriteOutcome::Pending)
    }

    /// Send the current job's steps due at `now`. `Some(outcome)` when it
    /// ended in this call (an event is queued too when it had paused).
    pub(super) fn run_job(&mut self, now: Instant) -> Option<WriteOutcome> {
        let job = self.job.as_mut()?;
        let had_paused = job.resume_at.is_some() || job.step > 0;
        let result = loop {
            let Some((_, plan)) = job.alternatives.get(job.alternative) else {
                break Err(WriteFailure::Transport(TransportError::other(
                    "no shutdown command was taken",
                )));
            };
            let Some(link) = self.link.as_mut() else {
                break Err(WriteFailure::NotConnected);
            };
            match plan.steps().get(job.step) {
                None => {
                    link.mapper.handle_write_result(true);
                    break Ok(());
                }
                Some(WriteStep::Pause(pause)) => match job.resume_at {
                    Some(at) if now >= at => {
                        job.resume_at = None;
                        job.step += 1;
                    }
                    Some(_) => return None,
                    None => {
                        job.resume_at = Some(now + *pause);
                        return None;
                    }
                },
                Some(WriteStep::SetReport { report_id, data }) => {
                    match link.transport.set_feature_report(*report_id, data) {
                        Ok(()) => job.step += 1,
                        Err(error) => {
                            link.mapper.handle_write_result(false);
                            let more = job.alternative + 1 < job.alternatives.len();
                            if job.shutdown && more && !error.is_gone() {
                                job.alternative += 1;
                                job.step = 0;
                                continue;
                            }
                            break Err(WriteFailure::Transport(error));
                        }
                    }
                }
            }
        };
        let job = self.job.take()?;
        let outcome = match &result {
            Ok(()) => WriteOutcome::Done,
            Err(failure) => WriteOutcome::Failed(failure.clone()),
        };
        if job.shutdown {
            let command = result
                .is_ok()
                .then(|| {
                    job.alternatives
                        .get(job.alternative)
                        .map(|(n, _)| n.clone())
                })
                .flatten();
            self.push_event(DriverEvent::ShutdownFinished { command });
        } else if had_paused {
            self.push_event(DriverEvent::WriteFinished {
                name: job.name,
                outcome: outcome.clone(),
            });
        }
        if let Err(WriteFailure::Transport(error)) = &result
            && error.is_gone()
        {
            self.disconnect(now, Some(error.clone()));
        }
        Some(outcome)
    }

    /// The device went away: a pending write fails.
    pub(super) fn abort_job(&mut self) {
        if let Some(job) = self.job.take() {
            let outcome = WriteOutcome::Failed(WriteFailure::NotConnected);
            if job.shutdown {
                self.push_event(DriverEvent::ShutdownFinished { command: None });
            } else {
                self.push_event(DriverEvent::WriteFinished {
                    name: job.name,
                    outcome,
                });
            }
        }
    }
}
