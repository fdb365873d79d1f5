//! The start-up walk and the quick and full polls (qx-protocols §1.8):
//! each table row in the walk is queried (replies are shared between rows
//! reading the same query), accepted, converted and published.

use std::time::Instant;

use super::{Engine, Event, Phase, RowError, Walk, WalkKind};
use crate::error::{Error, Received};
use crate::qx::battery::Battery;
use crate::qx::commands::{self, DELAY_VARS};
use crate::qx::decode::{self, Context};
use crate::qx::rows::{Conv, Flags};
use crate::qx::status::StatusBit;

impl Engine {
    /// Side effects of a successful row: rows switched on at run time.
    fn after_row(&mut self, idx: usize) {
        let Some(row) = self.rows.get(idx).copied() else {
            return;
        };
        match row.conv {
            Conv::QsModel(_) if self.state.qs_hex_t => {
                for (i, r) in self.rows.iter().enumerate() {
                    if r.flags.has(Flags::SKIP) {
                        self.enabled[i] = true;
                    }
                }
                self.cmd_enabled.iter_mut().for_each(|on| *on = true);
            }
            Conv::BestupsModel => {
                let model = self.state.bestups_model.clone().unwrap_or_default();
                for (i, r) in self.rows.iter().enumerate() {
                    if r.query == b"RT\r" {
                        self.enabled[i] = !matches!(model.as_str(), "PRO" | "320");
                    } else if r.query == b"BP?\r" {
                        self.enabled[i] = matches!(model.as_str(), "AX1" | "620");
                    }
                }
            }
            _ => {}
        }
    }

    pub(super) fn process_row(&mut self, idx: usize, reply: &[u8]) -> Result<(), RowError> {
        let Some(row) = self.rows.get(idx).copied() else {
            return Ok(());
        };
        let protocol = self
            .current_protocol()
            .ok_or(RowError::Convert(Error::NotReady("no protocol")))?;
        let accepted = decode::accept(protocol, &row, reply).map_err(RowError::Accept)?;
        let field = decode::window(&row, &accepted).map_err(RowError::Accept)?;
        let packs = self
            .battery
            .as_ref()
            .map(Battery::packs)
            .or_else(|| self.vars.num("battery.packs"))
            .unwrap_or(1.0);
        let mut ctx = Context {
            protocol,
            vars: self.vars.map(),
            status: self.status,
            state: &mut self.state,
            one_pack: self.cfg.battery_voltage_reports_one_pack,
            packs,
        };
        let out = decode::convert(&row, field, &accepted, &mut ctx).map_err(RowError::Convert)?;
        if let Some(value) = out.value
            && !row.flags.has(Flags::NOT_VAR)
        {
            if value.is_empty() {
                return Err(RowError::Convert(Error::BadField {
                    query: Received::new(row.query),
                    var: row.var,
                    field: String::new(),
                    reason: "empty value",
                    received: Received::new(reply),
                }));
            }
            self.vars.set(row.var, value);
        }
        for (name, value) in out.extra {
            self.vars.set(name, value);
        }
        for t in out.tokens {
            self.status.apply(t);
        }
        self.alarms.extend(out.alarm);
        self.after_row(idx);
        Ok(())
    }

    fn row_in_walk(&self, kind: WalkKind, idx: usize) -> bool {
        let (Some(row), Some(true)) = (self.rows.get(idx), self.enabled.get(idx)) else {
            return false;
        };
        match kind {
            WalkKind::Init => {
                row.is_absent()
                    || row.is_status()
                    || row.is_alarm()
                    || row.flags.has(Flags::NOT_VAR)
                    || !self.vars.contains(row.var)
            }
            WalkKind::Quick => row.flags.has(Flags::QUICK),
            WalkKind::Full => {
                !row.is_absent()
                    && !row.flags.has(Flags::STATIC)
                    && (self.force_full || !row.flags.has(Flags::SEMI_STATIC))
            }
        }
    }

    /// Advances the walk; `true` when the engine should keep driving
    /// (walk finished), `false` when a query went out.
    pub(super) fn walk_step(&mut self, now: Instant) -> bool {
        loop {
            let Phase::Walk(walk) = &self.phase else {
                return true;
            };
            let (kind, idx) = (walk.kind, walk.pos);
            let Some(row) = self.rows.get(idx).copied() else {
                self.finish_walk(now, kind, Ok(()));
                return true;
            };
            if !self.row_in_walk(kind, idx) {
                self.advance_walk();
                continue;
            }
            if let Conv::Const(v) = row.conv {
                if !self.vars.contains(row.var) {
                    self.vars.set(row.var, v.to_owned());
                }
                self.advance_walk();
                continue;
            }
            let cached = walk
                .cache
                .as_ref()
                .filter(|(q, r)| q.eq_ignore_ascii_case(row.query) && !r.is_empty())
                .map(|(_, r)| r.clone());
            if let Some(reply) = cached {
                if let Err(e) = self.row_result(kind, idx, &reply) {
                    self.finish_walk(now, kind, Err(e));
                    return true;
                }
                self.advance_walk();
                continue;
            }
            let bytes = self.address(row.query.to_vec());
            self.send(now, bytes);
            return false;
        }
    }

    fn advance_walk(&mut self) {
        if let Phase::Walk(walk) = &mut self.phase {
            walk.pos += 1;
        }
    }

    pub(super) fn walk_reply(&mut self, now: Instant, reply: Vec<u8>) {
        let Phase::Walk(walk) = &mut self.phase else {
            return;
        };
        let (kind, idx) = (walk.kind, walk.pos);
        let query = self
            .rows
            .get(idx)
            .map(|r| r.query.to_vec())
            .unwrap_or_default();
        walk.cache = Some((query, reply.clone()));
        match self.row_result(kind, idx, &reply) {
            Ok(()) => self.advance_walk(),
            Err(e) => self.finish_walk(now, kind, Err(e)),
        }
    }

    /// Processes a row within a walk; `Err` aborts the walk.
    fn row_result(&mut self, kind: WalkKind, idx: usize, reply: &[u8]) -> Result<(), Error> {
        let quick = self
            .rows
            .get(idx)
            .is_some_and(|r| r.flags.has(Flags::QUICK));
        match self.process_row(idx, reply) {
            Ok(()) => Ok(()),
            Err(e) if quick => Err(e.into_error()),
            Err(RowError::Accept(_)) if kind == WalkKind::Init => {
                if let Some(on) = self.enabled.get_mut(idx) {
                    *on = false;
                }
                Ok(())
            }
            Err(_) => Ok(()),
        }
    }

    pub(super) fn start_poll(&mut self, now: Instant) {
        let full =
            self.force_full || now.saturating_duration_since(self.last_full) > self.cfg.pollfreq;
        if full {
            self.status.clear();
            self.alarms.clear();
        }
        self.state.scaled_battery_row = false;
        self.next_poll = now + self.cfg.pollinterval;
        self.phase = Phase::Walk(Walk {
            kind: if full {
                WalkKind::Full
            } else {
                WalkKind::Quick
            },
            pos: 0,
            cache: None,
        });
    }

    fn finish_walk(&mut self, now: Instant, kind: WalkKind, result: Result<(), Error>) {
        self.phase = Phase::Idle;
        match (kind, result) {
            (WalkKind::Init, Err(e)) => self.fatal(Error::InitFailed(Box::new(e))),
            (WalkKind::Init, Ok(())) => self.finish_init(now),
            (_, Err(error)) => {
                self.failures += 1;
                self.events.push_back(Event::PollFailed {
                    error: error.clone(),
                    failures: self.failures,
                });
                if self.failures >= self.cfg.stale_after && !self.stale {
                    self.stale = true;
                    self.events.push_back(Event::Stale { error });
                }
            }
            (kind, Ok(())) => {
                let full = kind == WalkKind::Full;
                if full {
                    let online = self.status.has(StatusBit::OnLine);
                    let scaled = self.state.scaled_battery_row;
                    if let Some(b) = &mut self.battery {
                        b.update(&mut self.vars, scaled, online, now);
                    }
                    if self.status.has(StatusBit::ReplaceBattery) {
                        self.alarms.push("Replace battery!".to_owned());
                    }
                    if self.status.has(StatusBit::ForcedShutdown) {
                        self.alarms.push("Shutdown imminent!".to_owned());
                    }
                    let text = self.alarms.join(" ");
                    if text.is_empty() {
                        self.vars.remove("ups.alarm");
                    } else {
                        self.vars.set("ups.alarm", text);
                    }
                    self.last_full = now;
                    self.force_full = false;
                }
                let status = self.status.render();
                self.vars.set("ups.status", status.to_string());
                if self.committed.as_ref() != Some(&status) {
                    self.committed = Some(status.clone());
                    self.events.push_back(Event::Status(status));
                }
                if self.failures + 1 >= self.cfg.stale_after {
                    self.events.push_back(Event::Recovered {
                        failures: self.failures,
                    });
                }
                self.failures = 0;
                self.stale = false;
                self.events.push_back(Event::PollOk { full });
            }
        }
    }

    fn finish_init(&mut self, now: Instant) {
        let Some(p) = self.protocol else {
            return;
        };
        let scaled = self.state.scaled_battery_row;
        match Battery::init(&self.cfg, &mut self.vars, scaled, now) {
            Ok(b) => self.battery = Some(b),
            Err(e) => return self.fatal(e),
        }
        let delays = if p.has_delay_vars() {
            [
                (DELAY_VARS[0], self.cfg.ondelay, p.ondelay()),
                (DELAY_VARS[1], self.cfg.offdelay, p.offdelay()),
            ]
            .to_vec()
        } else {
            Vec::new()
        };
        for (var, configured, range) in delays {
            let value = configured.unwrap_or(range.default);
            match commands::normalise_delay(p, var, &value.to_string()) {
                Ok(v) => self.set_delay(var, v),
                Err(e) => return self.fatal(e),
            }
        }
        self.last_full = now;
        self.next_poll = now;
    }
}
