//! Instant commands (qx-protocols §1.9), settings (§1.10) and the
//! shutdown sequence (§1.13).

use std::time::Instant;

use super::{Engine, Event, Job, Phase};
use crate::error::Error;
use crate::qx::commands::{self, DELAY_VARS};
use crate::qx::tables::Check;

/// Attempts of each shutdown step (NUT: 3).
const SHUTDOWN_ATTEMPTS: u32 = 3;

impl Engine {
    /// Queues instant command `name` (with the client's extra data as
    /// `param`). The outcome comes as [`Event::CommandDone`] with the id.
    pub fn instcmd(&mut self, now: Instant, name: &str, param: Option<&str>) -> Result<u64, Error> {
        self.protocol
            .ok_or(Error::NotReady("no protocol detected yet"))?;
        let name = match name {
            "beeper.off" => "beeper.disable",
            "beeper.on" => "beeper.enable",
            other => other,
        };
        let cmd = self
            .enabled_command(name)
            .ok_or_else(|| Error::UnknownCommand(name.to_owned()))?;
        let bytes = commands::build(
            &cmd,
            param,
            self.delay_start,
            self.delay_shutdown,
            self.vars.map(),
        )?;
        let id = self.next_id;
        self.next_id += 1;
        self.jobs.push_back(Job::Command {
            id,
            name: name.to_owned(),
            bytes: self.address(bytes),
            check: cmd.check,
        });
        self.drive(now);
        Ok(id)
    }

    /// Sets a writable variable (`ups.delay.start`, `ups.delay.shutdown`:
    /// validated against the protocol's range and normalised).
    pub fn setvar(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let p = self
            .protocol
            .ok_or(Error::NotReady("no protocol detected yet"))?;
        let v = commands::normalise_delay(p, name, value)?;
        self.set_delay(name, v);
        self.drain_changes();
        Ok(())
    }

    /// Starts NUT's shutdown sequence (§1.13): delays reset to
    /// `ondelay`/`offdelay`, `shutdown.stop`, then `shutdown.stayoff` (with
    /// `stayoff`) or `shutdown.return`, each up to 3 times. The outcome
    /// comes as [`Event::ShutdownDone`].
    pub fn shutdown(&mut self, now: Instant) -> Result<(), Error> {
        let p = self
            .protocol
            .ok_or(Error::NotReady("no protocol detected yet"))?;
        let start = self.cfg.ondelay.unwrap_or_else(|| p.ondelay().default);
        let off = self.cfg.offdelay.unwrap_or_else(|| p.offdelay().default);
        let start = commands::normalise_delay(p, DELAY_VARS[0], &start.to_string())?;
        let off = commands::normalise_delay(p, DELAY_VARS[1], &off.to_string())?;
        self.set_delay(DELAY_VARS[0], start);
        self.set_delay(DELAY_VARS[1], off);
        let build = |engine: &Self, name: &str| -> Result<(Vec<u8>, Check), Error> {
            let cmd = engine
                .enabled_command(name)
                .ok_or_else(|| Error::UnknownCommand(name.to_owned()))?;
            let bytes = commands::build(&cmd, None, start, off, engine.vars.map())?;
            Ok((engine.address(bytes), cmd.check))
        };
        let stop = build(self, "shutdown.stop").ok();
        let main = build(
            self,
            if self.cfg.stayoff {
                "shutdown.stayoff"
            } else {
                "shutdown.return"
            },
        )?;
        self.jobs.push_back(Job::Shutdown {
            stopping: stop.is_some(),
            stop,
            main,
            attempt: 0,
        });
        self.drive(now);
        self.drain_changes();
        Ok(())
    }

    pub(super) fn job_reply(&mut self, reply: &[u8]) {
        let Some(p) = self.protocol else {
            return;
        };
        let Phase::Job(job) = &mut self.phase else {
            return;
        };
        match job {
            Job::Command {
                id,
                name,
                bytes,
                check,
            } => {
                let result = commands::judge(p, check, bytes, reply);
                if result.is_ok() {
                    self.force_full = true;
                }
                self.events.push_back(Event::CommandDone {
                    id: *id,
                    name: std::mem::take(name),
                    result,
                });
                self.phase = Phase::Idle;
            }
            Job::Shutdown {
                stop,
                main,
                attempt,
                stopping,
            } => {
                let (bytes, check) = match (*stopping, stop.as_ref()) {
                    (true, Some(s)) => s.clone(),
                    _ => main.clone(),
                };
                let result = commands::judge(p, &check, &bytes, reply);
                *attempt += 1;
                if *stopping {
                    if result.is_ok() || *attempt >= SHUTDOWN_ATTEMPTS {
                        *stopping = false;
                        *attempt = 0;
                    }
                    return;
                }
                match result {
                    Ok(()) => {
                        self.events.push_back(Event::ShutdownDone(Ok(())));
                        self.phase = Phase::Idle;
                    }
                    Err(e) if *attempt >= SHUTDOWN_ATTEMPTS => {
                        self.events.push_back(Event::ShutdownDone(Err(e)));
                        self.phase = Phase::Idle;
                    }
                    Err(_) => {}
                }
            }
        }
    }
}
