//! Instant commands and writable variables as SET_REPORT plans
//! (hid-maps.md §1.13–1.14): the mapper works out the report bytes; the
//! caller sends them in order, stopping at the first failure, then calls
//! [`Mapper::handle_write_result`].

use std::fmt;
use std::time::Duration;

use super::{Access, Mapper, RowState};
use crate::convert::{Env, c_atoi};
use crate::report::ReportKind;
use crate::subdriver::{Row, RowFlags, Target};

/// Pause NUT makes between the two halves of `shutdown.return`/`stayoff`.
pub const COMPOSITE_PAUSE: Duration = Duration::from_millis(125);

/// Commands `shutdown.default` tries, in order (the first handled wins).
pub const SHUTDOWN_SEQUENCE: [&str; 4] = [
    "shutdown.return",
    "shutdown.reboot",
    "load.off.delay",
    "shutdown.stayoff",
];

/// Most nested writes one plan may contain (composites and the Eaton
/// bypass/ECO sequencing nest a few levels; this bounds recursion).
const MAX_PLAN_DEPTH: usize = 4;

/// One step of a [`WritePlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteStep {
    /// SET_REPORT of a feature report: `data` is the whole report, report
    /// ID byte first when the descriptor uses them.
    SetReport {
        /// The report ID.
        report_id: u8,
        /// The bytes to send.
        data: Vec<u8>,
    },
    /// Wait before the next step.
    Pause(Duration),
}

/// What to send to the device for a command or a setvar. An empty plan
/// means the request was handled without touching the device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WritePlan {
    steps: Vec<WriteStep>,
}

impl WritePlan {
    /// The steps, in order.
    #[must_use]
    pub fn steps(&self) -> &[WriteStep] {
        &self.steps
    }

    /// True when nothing needs sending.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    fn extend(&mut self, other: Self) {
        self.steps.extend(other.steps);
    }
}

/// Why a command or setvar was refused (NUT's `STAT_*` results; data,
/// not a Rust error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// No bound row of that name (NUT: unknown).
    Unknown,
    /// The row is not a command row (NUT: invalid).
    Invalid,
    /// The value could not be converted (NUT: conversion failed).
    ConversionFailed,
    /// The field cannot be written (constant, or outside its report).
    Failed,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unknown => "unknown",
            Self::Invalid => "invalid",
            Self::ConversionFailed => "conversion failed",
            Self::Failed => "failed",
        })
    }
}

/// A source for conversions during writes: no device access (writes use
/// the cached buffers only).
struct NoDevice;

impl super::ReportSource for NoDevice {
    fn get_feature_report(&mut self, _: u8, _: usize) -> Result<Vec<u8>, super::FetchError> {
        Err(super::FetchError::NoData)
    }
}

impl Mapper {
    fn bound_row(&self, name: &str) -> Option<(&'static Row, usize)> {
        self.subdriver
            .rows
            .iter()
            .zip(&self.rows)
            .find_map(|(row, state)| match state {
                RowState::Bound(field) if row.name().eq_ignore_ascii_case(name) => {
                    Some((row, *field))
                }
                _ => None,
            })
    }

    /// Convert `text` for `row` and build the SET_REPORT writing it.
    fn write_row(
        &mut self,
        row: &Row,
        field: usize,
        text: &str,
        depth: usize,
    ) -> Result<WritePlan, Refusal> {
        let mut plan = WritePlan::default();
        let number = match row.conversion {
            Some(conversion) => {
                let mut none = NoDevice;
                let mut access = Access {
                    cache: &mut self.cache,
                    source: &mut none,
                    descriptor: &self.descriptor,
                    interrupt_only: self.interrupt_only,
                    skip_report: None,
                    gone: false,
                };
                let mut env = Env {
                    vars: &mut self.vars,
                    state: &mut self.state,
                    bits: &self.bits,
                    device: &mut access,
                };
                let number = conversion.value_for(text, &mut env);
                let pending = std::mem::take(&mut self.state.pending_setvars);
                for (name, value) in pending {
                    if depth < MAX_PLAN_DEPTH
                        && let Ok(nested) = self.setvar_at(&name, &value, depth + 1)
                    {
                        plan.extend(nested);
                    }
                }
                number.ok_or(Refusal::ConversionFailed)?
            }
            None => c_atoi(text),
        };
        let field = self.descriptor.fields().get(field).ok_or(Refusal::Failed)?;
        let report_id = field.report_id;
        let len = ReportKind::ALL
            .iter()
            .filter_map(|kind| self.descriptor.report_len(*kind, report_id))
            .max()
            .ok_or(Refusal::Failed)?;
        let mut data = self
            .cache
            .last(report_id)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        data.resize(len, 0);
        if self.descriptor.uses_report_ids()
            && let Some(first) = data.first_mut()
        {
            *first = report_id;
        }
        let logical = field
            .logical_for_value(number as f64)
            .map_err(|_| Refusal::Failed)?;
        field
            .encode_logical(logical, &mut data, 0)
            .map_err(|_| Refusal::Failed)?;
        self.cache.replace(report_id, data.clone());
        plan.steps.push(WriteStep::SetReport { report_id, data });
        Ok(plan)
    }

    /// Plan an instant command (`argument` replaces the row's default).
    ///
    /// # Errors
    ///
    /// A [`Refusal`] as NUT would answer.
    pub fn instcmd(&mut self, name: &str, argument: Option<&str>) -> Result<WritePlan, Refusal> {
        self.instcmd_at(name, argument, 0)
    }

    fn instcmd_at(
        &mut self,
        name: &str,
        argument: Option<&str>,
        depth: usize,
    ) -> Result<WritePlan, Refusal> {
        let name = match name {
            "beeper.off" => "beeper.disable",
            "beeper.on" => "beeper.enable",
            other => other,
        };
        let Some((row, field)) = self.bound_row(name) else {
            return self.composite(name, depth);
        };
        if !matches!(row.target, Target::Command(_)) {
            return Err(Refusal::Invalid);
        }
        let text = argument.unwrap_or(row.text);
        self.write_row(row, field, text, depth)
    }

    /// NUT's fallbacks when no row of that name is bound.
    fn composite(&mut self, name: &str, depth: usize) -> Result<WritePlan, Refusal> {
        if depth >= MAX_PLAN_DEPTH {
            return Err(Refusal::Unknown);
        }
        match name {
            "load.on" => self.instcmd_at("load.on.delay", Some("0"), depth + 1),
            "load.off" => self.instcmd_at("load.off.delay", Some("0"), depth + 1),
            "shutdown.return" | "shutdown.stayoff" => {
                let stay_off = name == "shutdown.stayoff";
                let mut plan = WritePlan::default();
                if self.vars.contains("ups.start.auto")
                    && let Ok(auto) = self.setvar_at(
                        "ups.start.auto",
                        if stay_off { "no" } else { "yes" },
                        depth + 1,
                    )
                {
                    plan.extend(auto);
                }
                let start = if stay_off {
                    "-1".to_owned()
                } else {
                    self.vars
                        .get("ups.delay.start")
                        .unwrap_or_default()
                        .to_owned()
                };
                let shutdown = self
                    .vars
                    .get("ups.delay.shutdown")
                    .unwrap_or_default()
                    .to_owned();
                plan.extend(self.instcmd_at("load.on.delay", Some(&start), depth + 1)?);
                plan.steps.push(WriteStep::Pause(COMPOSITE_PAUSE));
                plan.extend(self.instcmd_at("load.off.delay", Some(&shutdown), depth + 1)?);
                Ok(plan)
            }
            _ => Err(Refusal::Unknown),
        }
    }

    /// Plan a setvar. An `ABSENT` variable (such as `ups.delay.start`) is
    /// changed at once and the plan is empty.
    ///
    /// # Errors
    ///
    /// [`Refusal::Unknown`] for an unknown or read-only variable, else as
    /// for [`Mapper::instcmd`].
    pub fn setvar(&mut self, name: &str, value: &str) -> Result<WritePlan, Refusal> {
        self.setvar_at(name, value, 0)
    }

    fn setvar_at(&mut self, name: &str, value: &str, depth: usize) -> Result<WritePlan, Refusal> {
        let (row, field) = self.bound_row(name).ok_or(Refusal::Unknown)?;
        if !matches!(row.target, Target::Variable(_)) || !row.flags.contains(RowFlags::RW) {
            return Err(Refusal::Unknown);
        }
        if row.is_absent() {
            self.vars.set(row.name(), value);
            return Ok(WritePlan::default());
        }
        self.write_row(row, field, value, depth)
    }

    /// The plans `shutdown.default` tries, in order: the caller sends each
    /// until one succeeds ("Shutdown successful with …").
    pub fn shutdown_plans(&mut self) -> Vec<(&'static str, Result<WritePlan, Refusal>)> {
        SHUTDOWN_SEQUENCE
            .iter()
            .map(|name| (*name, self.instcmd(name, None)))
            .collect()
    }

    /// Report how a plan went: after a success the report cache is
    /// flushed and the next update is a full one (so `SEMI_STATIC` rows
    /// are read again).
    pub fn handle_write_result(&mut self, success: bool) {
        if success {
            self.cache.expire();
            self.force_full = true;
            self.written_since_full = true;
        }
    }
}
