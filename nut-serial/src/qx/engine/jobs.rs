//! Instant commands (qx-protocols §1.9), settings (§1.10) and the
//! shutdown sequence (§1.13).

use std::time::Instant;

use super::{Engine, Event, Job, Phase, Prelude};
use crate::error::Error;
use crate::qx::Protocol;
use crate::qx::commands::{self, DELAY_VARS};
use crate::qx::tables::Check;

/// Attempts of each shutdown step (NUT: 3).
const SHUTDOWN_ATTEMPTS: u32 = 3;

/// A variable NUT's tables make writable on the device itself (beyond
/// the server-side delays): the protocol, the variable, the command
/// prefix and the width its whole-number value is printed with (`%0Nf`),
/// and the range (qx-protocols §2.2 settings).
struct DeviceSetting {
    protocol: Protocol,
    var: &'static str,
    prefix: &'static str,
    width: usize,
    min: i64,
    max: i64,
}

/// voltronic `battery.packs` → `BATGN%02.0f\r`, 1…99.
const DEVICE_SETTINGS: [DeviceSetting; 1] = [DeviceSetting {
    protocol: Protocol::Voltronic,
    var: "battery.packs",
    prefix: "BATGN",
    width: 2,
    min: 1,
    max: 99,
}];

/// voltronic's acknowledgement: `(ACK` accepted, `(NAK` refused.
const ACK_CHECK: Check = Check {
    min_len: 5,
    lead: Some(b'('),
    from: 1,
    to: Some(3),
};

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
            pre: prelude(&cmd),
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
        if !p.has_delay_vars() {
            return Err(Error::UnknownVariable(name.to_owned()));
        }
        let v = commands::normalise_delay(p, name, value)?;
        self.set_delay(name, v);
        self.drain_changes();
        Ok(())
    }

    /// The range of `name` when it is a device setting of the detected
    /// protocol (voltronic `battery.packs`: 1…99), for publishing it RW.
    pub fn device_setting_range(&self, name: &str) -> Option<(i64, i64)> {
        self.device_setting(name).map(|s| (s.min, s.max))
    }

    fn device_setting(&self, name: &str) -> Option<&'static DeviceSetting> {
        let p = self.protocol?;
        DEVICE_SETTINGS
            .iter()
            .find(|s| s.protocol == p && s.var == name)
    }

    /// Sends a device setting ([`device_setting_range`](Self::device_setting_range)
    /// names them): the value, a number whose whole part is within the
    /// range, printed into the command (`BATGN04\r`). The outcome comes as
    /// [`Event::CommandDone`] with the id; the value is re-read at the next
    /// (full) poll.
    pub fn setvar_device(&mut self, now: Instant, name: &str, value: &str) -> Result<u64, Error> {
        let setting = self
            .device_setting(name)
            .ok_or_else(|| Error::UnknownVariable(name.to_owned()))?;
        let invalid = |reason| Error::InvalidValue {
            name: name.to_owned(),
            value: value.to_owned(),
            reason,
        };
        let number: f64 = value.trim().parse().map_err(|_| invalid("not a number"))?;
        if !number.is_finite()
            || !(setting.min as f64..=setting.max as f64).contains(&number.trunc())
        {
            return Err(invalid("out of range"));
        }
        let bytes = format!(
            "{}{:0width$.0}\r",
            setting.prefix,
            number,
            width = setting.width
        )
        .into_bytes();
        let id = self.next_id;
        self.next_id += 1;
        self.jobs.push_back(Job::Command {
            id,
            name: name.to_owned(),
            bytes: self.address(bytes),
            check: ACK_CHECK,
            pre: None,
        });
        self.drive(now);
        Ok(id)
    }

    /// Starts NUT's shutdown sequence (§1.13): delays reset to
    /// `ondelay`/`offdelay`, `shutdown.stop`, then `shutdown.stayoff` (with
    /// `stayoff`) or `shutdown.return`, each up to 3 times. The outcome
    /// comes as [`Event::ShutdownDone`].
    pub fn shutdown(&mut self, now: Instant) -> Result<(), Error> {
        let p = self
            .protocol
            .ok_or(Error::NotReady("no protocol detected yet"))?;
        if !p.has_delay_vars() {
            // NUT's shutdown starts by resetting the delay variables.
            return Err(Error::UnknownVariable(DELAY_VARS[0].to_owned()));
        }
        let start = self.cfg.ondelay.unwrap_or_else(|| p.ondelay().default);
        let off = self.cfg.offdelay.unwrap_or_else(|| p.offdelay().default);
        let start = commands::normalise_delay(p, DELAY_VARS[0], &start.to_string())?;
        let off = commands::normalise_delay(p, DELAY_VARS[1], &off.to_string())?;
        self.set_delay(DELAY_VARS[0], start);
        self.set_delay(DELAY_VARS[1], off);
        let build = |engine: &Self, name: &str| {
            let cmd = engine
                .enabled_command(name)
                .ok_or_else(|| Error::UnknownCommand(name.to_owned()))?;
            let bytes = commands::build(&cmd, None, start, off, engine.vars.map())?;
            Ok::<_, Error>(((engine.address(bytes), cmd.check), prelude(&cmd)))
        };
        let stop = build(self, "shutdown.stop").ok().map(|(stop, _)| stop);
        let (main, pre) = build(
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
            pre,
            pre_done: false,
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
                pre: pre @ Some(_),
                id,
                name,
                check,
                ..
            } => {
                let Some(prelude) = pre.take() else {
                    return;
                };
                match commands::judge(p, check, &prelude.bytes, reply) {
                    // The command itself goes out next.
                    Ok(()) => self
                        .vars
                        .set("ups.start.auto", prelude.start_auto.to_owned()),
                    Err(e) => {
                        self.events.push_back(Event::CommandDone {
                            id: *id,
                            name: std::mem::take(name),
                            result: Err(e),
                        });
                        self.phase = Phase::Idle;
                    }
                }
            }
            Job::Command {
                id,
                name,
                bytes,
                check,
                pre: None,
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
                pre,
                pre_done,
            } => {
                let (bytes, check) = match (*stopping, stop.as_ref(), pre.as_ref(), *pre_done) {
                    (true, Some(s), _, _) => s.clone(),
                    (false, _, Some(prelude), false) => (prelude.bytes.clone(), main.1),
                    _ => main.clone(),
                };
                let result = commands::judge(p, &check, &bytes, reply);
                if let (false, Some(prelude), false) = (*stopping, pre.as_ref(), *pre_done) {
                    if result.is_ok() {
                        *pre_done = true;
                        let auto = prelude.start_auto.to_owned();
                        self.vars.set("ups.start.auto", auto);
                        return;
                    }
                } else if !*stopping {
                    // The next attempt starts with the prelude again.
                    *pre_done = false;
                }
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

/// The command that must succeed before `cmd` (OMRON's `An`/`Af`).
fn prelude(cmd: &crate::qx::tables::CmdRow) -> Option<Prelude> {
    commands::prelude(cmd).map(|(bytes, start_auto)| Prelude {
        bytes: bytes.to_vec(),
        start_auto,
    })
}
