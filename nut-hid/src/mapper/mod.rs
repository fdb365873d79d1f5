//! The sans-IO mapping engine: given a decoded descriptor, a subdriver and
//! a [`ReportSource`], publish the NUT variables, commands and `ups.status`
//! exactly as `usbhid-ups` does (hid-maps.md §1.8–1.14).
//!
//! Life cycle, driven by the caller (a USB driver, a simulation, a test):
//!
//! 1. [`Mapper::new`] with the descriptor decoded by
//!    [`Subdriver::parser_config`](crate::Subdriver::parser_config);
//! 2. [`Mapper::handle_init`] once (and after each reconnect): the start-up
//!    walk binds every mapping row to a field ("first hit wins") and
//!    publishes the identity, the first values and the command list;
//! 3. [`Mapper::handle_interrupt`] for every interrupt report;
//! 4. [`Mapper::handle_update`] every `pollinterval`: a full update every
//!    `pollfreq`, else a quick one (`QUICK_POLL` rows only); then
//!    `ups.status` (and on full updates `ups.alarm`) are assembled;
//! 5. [`Mapper::instcmd`], [`Mapper::setvar`] and [`Mapper::shutdown_plans`]
//!    return [`WritePlan`]s of SET_REPORTs for the caller to send, then
//!    [`Mapper::handle_write_result`].
//!
//! Nothing here sleeps, reads a clock or touches USB: time comes in as
//! `now`, bytes through the [`ReportSource`].
//!
//! Deliberate differences from NUT: an interrupt event whose first row is
//! a command row publishes nothing (NUT publishes a spurious variable
//! named like the command); reports with a wrong report ID byte or too
//! short for a field are skipped rather than read.

mod identity;
mod publish;
mod source;
mod status;
mod vars;
mod write;

pub use source::{FetchError, ReportSource};
pub use status::{StatusBits, StatusOptions};
pub use vars::{Variable, Variables};
pub use write::{COMPOSITE_PAUSE, Refusal, SHUTDOWN_SEQUENCE, WritePlan, WriteStep};

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use nut_proto::model::{Status, StatusToken};

use crate::Error;
use crate::convert::c_atoi;
use crate::convert::state::ConvState;
use crate::descriptor::ReportDescriptor;
use crate::path::HidPath;
use crate::report::ReportKind;
use crate::select::{DeviceInfo, Selection};
use crate::subdriver::{Row, RowFlags, Subdriver, SubdriverId, Target};
use crate::usage::UsageNames;
use publish::{Access, apply_flags, publish};
use source::ReportCache;

/// NUT's default seconds between full updates.
pub const DEFAULT_POLLFREQ: Duration = Duration::from_secs(30);
/// The CyberPower subdriver's default `pollfreq`.
pub const CPS_POLLFREQ: Duration = Duration::from_secs(12);
/// Most events one interrupt report produces (NUT's limit).
pub const MAX_INTERRUPT_EVENTS: usize = 32;
/// The LB/RB delay NUT applies by itself to some APC Back-UPS models.
const APC_AUTO_LBRB_DELAY: Duration = Duration::from_secs(3);

/// `ups.conf` options the mapping engine uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MapperConfig {
    /// `lowbatt`: replaces the published `battery.charge.low`.
    pub lowbatt: Option<String>,
    /// `ondelay`: replaces the published `ups.delay.start`.
    pub ondelay: Option<String>,
    /// `offdelay`: replaces the published `ups.delay.shutdown`.
    pub offdelay: Option<String>,
    /// `pollfreq` (default 30 s, 12 s for cps).
    pub pollfreq: Option<Duration>,
    /// `pollonly`: the interrupt pipe is not used.
    pub pollonly: bool,
    /// `interruptonly`: bind to Input fields, never GET_REPORT.
    pub interrupt_only: bool,
    /// Status options (`onlinedischarge_*`, `lbrb_log_delay_*`).
    pub status: StatusOptions,
    /// `ignorelb`: LB from the charge/runtime thresholds, not the UPS.
    pub ignore_lb: bool,
    /// Seconds east of UTC for the UPS clock conversions (MGE `ups.date`).
    pub utc_offset_seconds: i64,
}

/// What kind of update [`Mapper::handle_update`] ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateKind {
    /// Every bound row (per the static/semi-static rules).
    Full,
    /// `QUICK_POLL` rows only.
    Quick,
}

/// The result of one [`Mapper::handle_update`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateSummary {
    /// Full or quick.
    pub kind: UpdateKind,
    /// Rows read.
    pub attempted: usize,
    /// Rows that gave a value.
    pub succeeded: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowState {
    /// Not looked at yet.
    Unbound,
    /// Path missing, or superseded by an earlier row: never used.
    Inactive,
    /// Bound to a field (index into the descriptor's fields).
    Bound(usize),
}

/// The mapping engine for one device. See the module docs.
#[derive(Debug)]
pub struct Mapper {
    subdriver: &'static Subdriver,
    names: UsageNames,
    descriptor: ReportDescriptor,
    device: DeviceInfo,
    config: MapperConfig,
    status_options: StatusOptions,
    interrupt_pipe: bool,
    interrupt_only: bool,
    skip_report: Option<u8>,
    rows: Vec<RowState>,
    vars: Variables,
    commands: BTreeSet<String>,
    bits: StatusBits,
    state: ConvState,
    cache: ReportCache,
    alarm_texts: Vec<String>,
    alarm_active: bool,
    status: Status,
    last_full: Option<Instant>,
    force_full: bool,
    written_since_full: bool,
    lb_since: Option<Instant>,
    charge_before: Option<f64>,
}

impl Mapper {
    /// A mapper for `descriptor` (decoded with the subdriver's
    /// [`parser_config`](Subdriver::parser_config)), the selected
    /// subdriver and its claim effects, the device and the options.
    #[must_use]
    pub fn new(
        descriptor: ReportDescriptor,
        selection: &Selection,
        device: DeviceInfo,
        config: MapperConfig,
    ) -> Self {
        let subdriver = selection.subdriver;
        let effects = &selection.effects;
        let mut state = ConvState {
            cps_detect: effects.cps_scale_detection,
            powercom_byte_order_fallback: effects.powercom_byte_order_fallback,
            powercom_discrete_delay: effects.powercom_discrete_delay,
            ondelay: config.ondelay.clone(),
            offdelay: config.offdelay.clone(),
            utc_offset: config.utc_offset_seconds,
            ..ConvState::default()
        };
        if let Some(scales) = effects.scales {
            state.scales = scales;
        }
        let mut status_options = config.status;
        if status_options.lbrb_log_delay.is_none()
            && subdriver.id == SubdriverId::Apc
            && status::apc_auto_lbrb_delay(&device)
        {
            status_options.lbrb_log_delay = Some(APC_AUTO_LBRB_DELAY);
        }
        let skip_report =
            ((device.vendor_id, device.product_id) == (0x09ae, 0x1330)).then_some(0x54);
        Self {
            subdriver,
            names: subdriver.names(),
            rows: vec![RowState::Unbound; subdriver.rows.len()],
            interrupt_pipe: !(config.pollonly || effects.disable_interrupt_pipe),
            interrupt_only: config.interrupt_only || effects.interrupt_only,
            descriptor,
            device,
            status_options,
            config,
            skip_report,
            vars: Variables::new(),
            commands: BTreeSet::new(),
            bits: StatusBits::default(),
            state,
            cache: ReportCache::default(),
            alarm_texts: Vec::new(),
            alarm_active: false,
            status: Status::default(),
            last_full: None,
            force_full: false,
            written_since_full: false,
            lb_since: None,
            charge_before: None,
        }
    }

    /// The subdriver in use.
    #[must_use]
    pub fn subdriver(&self) -> &'static Subdriver {
        self.subdriver
    }

    /// The descriptor the rows are bound to.
    #[must_use]
    pub fn descriptor(&self) -> &ReportDescriptor {
        &self.descriptor
    }

    /// The published variables.
    #[must_use]
    pub fn variables(&self) -> &Variables {
        &self.vars
    }

    /// The instant commands, sorted.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.commands.iter().map(String::as_str)
    }

    /// `ups.status` as last assembled (empty before the first update).
    #[must_use]
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The status bits.
    #[must_use]
    pub fn status_bits(&self) -> &StatusBits {
        &self.bits
    }

    /// True when the interrupt pipe is in use (no `pollonly`, not disabled
    /// by the claim).
    #[must_use]
    pub fn uses_interrupt_pipe(&self) -> bool {
        self.interrupt_pipe
    }

    /// The effective `pollfreq`.
    #[must_use]
    pub fn pollfreq(&self) -> Duration {
        self.config
            .pollfreq
            .unwrap_or(if self.subdriver.id == SubdriverId::Cps {
                CPS_POLLFREQ
            } else {
                DEFAULT_POLLFREQ
            })
    }

    /// The fields each mapping row is bound to, in table order: `(row,
    /// Some(field index))` for bound rows (after [`Mapper::handle_init`]).
    pub fn bindings(&self) -> impl Iterator<Item = (&'static Row, Option<usize>)> + '_ {
        self.subdriver
            .rows
            .iter()
            .zip(&self.rows)
            .map(|(row, state)| match state {
                RowState::Bound(field) => (row, Some(*field)),
                _ => (row, None),
            })
    }

    /// The field a mapping path binds to (first field of the bound report
    /// type whose path starts with it), as an index.
    fn bind(&self, path: &str) -> Option<usize> {
        let path = HidPath::parse(path, &self.names);
        if path.is_empty() {
            return None;
        }
        let kind = if self.interrupt_only {
            ReportKind::Input
        } else {
            ReportKind::Feature
        };
        self.descriptor
            .fields()
            .iter()
            .position(|f| f.kind == kind && f.is_named() && f.path.starts_with(&path))
    }

    /// Read and publish one row. `Err` when the read failed.
    fn process_row(
        &mut self,
        index: usize,
        field: usize,
        source: &mut dyn ReportSource,
        collect_alarms: bool,
    ) -> Result<(), FetchError> {
        let row = self
            .subdriver
            .rows
            .get(index)
            .copied()
            .ok_or(FetchError::NoData)?;
        let mut access = Access {
            cache: &mut self.cache,
            source,
            descriptor: &self.descriptor,
            interrupt_only: self.interrupt_only,
            skip_report: self.skip_report,
            gone: false,
        };
        let value = access.read(field);
        let result = match value {
            Ok(value) => {
                publish(
                    &row,
                    value,
                    &mut self.vars,
                    &mut self.state,
                    &mut self.bits,
                    &mut access,
                    &mut self.alarm_texts,
                    collect_alarms,
                );
                if let Target::Command(name) = row.target {
                    self.commands.insert(name.to_owned());
                }
                Ok(())
            }
            Err(error) => Err(error),
        };
        if access.gone {
            return Err(FetchError::Gone);
        }
        result
    }

    /// The start-up walk (also after a reconnect): publish the identity,
    /// bind the rows in table order and read them, then apply the
    /// `lowbatt`/`ondelay`/`offdelay` options and list the commands.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the source reports the device gone.
    pub fn handle_init(
        &mut self,
        now: Instant,
        source: &mut dyn ReportSource,
    ) -> Result<(), Error> {
        self.cache.expire();
        self.publish_identity(source);
        for index in 0..self.rows.len() {
            let Some(row) = self.subdriver.rows.get(index).copied() else {
                continue;
            };
            let field = match self.rows[index] {
                RowState::Inactive => continue,
                RowState::Bound(field) => field,
                RowState::Unbound => match self.bind(row.path) {
                    None => {
                        self.rows[index] = RowState::Inactive;
                        continue;
                    }
                    Some(field) => field,
                },
            };
            if row.is_absent() {
                self.rows[index] = RowState::Bound(field);
                if let Target::Variable(name) = row.target
                    && !self.vars.contains(name)
                {
                    self.vars.set(name, row.text);
                    apply_flags(&row, self.vars.entry(name));
                }
                continue;
            }
            if let Target::Variable(name) = row.target
                && self.rows[index] == RowState::Unbound
                && self.vars.contains(name)
            {
                self.rows[index] = RowState::Inactive;
                continue;
            }
            self.rows[index] = RowState::Bound(field);
            if self.process_row(index, field, source, false) == Err(FetchError::Gone) {
                return Err(Error::Disconnected);
            }
        }
        self.after_init();
        self.alarm_texts.clear();
        self.cache.expire();
        self.last_full = Some(now);
        self.charge_before = self.vars.get("battery.charge").map(crate::convert::c_atof);
        Ok(())
    }

    fn publish_identity(&mut self, source: &mut dyn ReportSource) {
        struct Reader<'a, 'b> {
            mapper: &'a mut Mapper,
            source: &'b mut dyn ReportSource,
        }
        impl identity::IdentitySource for Reader<'_, '_> {
            fn value(&mut self, path: &str) -> Option<f64> {
                let field = self.mapper.bind(path)?;
                let mut access = Access {
                    cache: &mut self.mapper.cache,
                    source: &mut *self.source,
                    descriptor: &self.mapper.descriptor,
                    interrupt_only: self.mapper.interrupt_only,
                    skip_report: self.mapper.skip_report,
                    gone: false,
                };
                access.read(field).ok()
            }
            fn string(&mut self, index: u32) -> Option<String> {
                self.source.string(index)
            }
        }
        let subdriver = self.subdriver;
        let device = self.device.clone();
        let id = identity::identity(
            subdriver,
            &device,
            &mut Reader {
                mapper: self,
                source,
            },
        );
        if let Some(family) = id.mge_family {
            self.state.mge_family = family;
        }
        for (name, value) in [
            ("ups.mfr", id.mfr),
            ("ups.model", id.model),
            ("ups.serial", id.serial),
            ("ups.firmware", id.firmware),
            ("ups.firmware.aux", id.firmware_aux),
        ] {
            match value {
                Some(value) => self.vars.set(name, &value),
                None => self.vars.delete(name),
            }
        }
        self.vars
            .set("ups.vendorid", &format!("{:04x}", device.vendor_id));
        self.vars
            .set("ups.productid", &format!("{:04x}", device.product_id));
        self.vars.set("driver.version.data", subdriver.name);
    }

    fn after_init(&mut self) {
        if let Some(lowbatt) = &self.config.lowbatt
            && self.vars.contains("battery.charge.low")
        {
            self.vars
                .set("battery.charge.low", &c_atoi(lowbatt).to_string());
        }
        for (option, name) in [
            (&self.config.ondelay, "ups.delay.start"),
            (&self.config.offdelay, "ups.delay.shutdown"),
        ] {
            if let Some(value) = option
                && self.vars.contains(name)
            {
                self.vars.set(name, value);
            }
        }
        let bound = |name: &str| {
            self.subdriver
                .rows
                .iter()
                .zip(&self.rows)
                .any(|(row, state)| {
                    matches!(row.target, Target::Command(n) if n == name)
                        && matches!(state, RowState::Bound(_))
                })
        };
        let mut extra = Vec::new();
        if bound("load.off.delay") {
            extra.push("load.off");
        }
        if bound("load.on.delay") {
            extra.push("load.on");
        }
        if bound("load.off.delay") && bound("load.on.delay") {
            extra.extend(["shutdown.return", "shutdown.stayoff"]);
        }
        self.commands.extend(extra.into_iter().map(str::to_owned));
        let pollfreq = self.pollfreq().as_secs();
        self.vars
            .set("driver.parameter.pollfreq", &pollfreq.to_string());
    }

    /// One poll cycle: a full update when `pollfreq` has passed since the
    /// last one (or after a write), else a quick update; then the status.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the device is gone or no row could be
    /// read at all; the caller then reconnects and calls
    /// [`Mapper::handle_init`] again.
    pub fn handle_update(
        &mut self,
        now: Instant,
        source: &mut dyn ReportSource,
    ) -> Result<UpdateSummary, Error> {
        self.state.buzzwords.clear();
        let full = self.force_full
            || self
                .last_full
                .is_none_or(|last| now > last + self.pollfreq());
        if full {
            self.alarm_texts.clear();
        }
        let (mut attempted, mut succeeded) = (0, 0);
        for index in 0..self.rows.len() {
            let RowState::Bound(field) = self.rows[index] else {
                continue;
            };
            let Some(row) = self.subdriver.rows.get(index) else {
                continue;
            };
            if row.is_absent() || matches!(row.target, Target::Command(_)) {
                continue;
            }
            let wanted = if full {
                // With the interrupt pipe, STATIC rows are never re-read
                // and SEMI_STATIC ones only after a write.
                let skipped = row.flags.contains(RowFlags::STATIC)
                    || (!self.written_since_full && row.flags.contains(RowFlags::SEMI_STATIC));
                !(self.interrupt_pipe && skipped)
            } else {
                row.flags.contains(RowFlags::QUICK_POLL)
            };
            if !wanted {
                continue;
            }
            attempted += 1;
            match self.process_row(index, field, source, full) {
                Ok(()) => succeeded += 1,
                Err(FetchError::Gone) => {
                    self.cache.expire();
                    return Err(Error::Disconnected);
                }
                Err(_) => {}
            }
        }
        self.cache.expire();
        if attempted > 0 && succeeded == 0 {
            return Err(Error::Disconnected);
        }
        if full {
            self.last_full = Some(now);
            self.force_full = false;
            self.written_since_full = false;
            self.commit_alarm();
        }
        self.commit_status(now);
        Ok(UpdateSummary {
            kind: if full {
                UpdateKind::Full
            } else {
                UpdateKind::Quick
            },
            attempted,
            succeeded,
        })
    }

    fn commit_alarm(&mut self) {
        let mut texts: Vec<String> = self.alarm_texts.clone();
        texts.extend(self.bits.alarm_texts().into_iter().map(str::to_owned));
        if texts.is_empty() {
            self.vars.delete("ups.alarm");
            self.alarm_active = false;
        } else {
            self.vars.set("ups.alarm", &texts.join(" "));
            self.alarm_active = true;
        }
    }

    fn commit_status(&mut self, now: Instant) {
        let assembled = status::assemble(
            &self.bits,
            &self.status_options,
            self.vars.get("battery.charge"),
            now,
            &mut self.lb_since,
        );
        match assembled.transfer_reason {
            Some(reason) => self.vars.set("input.transfer.reason", reason),
            None => self.vars.delete("input.transfer.reason"),
        }
        let mut words: Vec<String> = self.state.buzzwords.clone();
        for word in assembled.buzzwords {
            if !words.iter().any(|w| w == word) {
                words.push(word.to_owned());
            }
        }
        if words.is_empty() {
            self.vars.delete("experimental.ups.mode.buzzwords");
        } else {
            self.vars
                .set("experimental.ups.mode.buzzwords", &words.join(" "));
        }
        let mut tokens = assembled.tokens;
        if self.config.ignore_lb {
            tokens.retain(|t| *t != StatusToken::LowBattery);
            if self.below_thresholds() {
                tokens.push(StatusToken::LowBattery);
            }
        }
        let charge = self.vars.get("battery.charge").map(crate::convert::c_atof);
        if let (Some(before), Some(after)) = (self.charge_before, charge)
            && after != before
            && (0.0..100.0).contains(&after)
        {
            let token = if after > before {
                StatusToken::Charging
            } else {
                StatusToken::Discharging
            };
            if !tokens.contains(&token) {
                tokens.push(token);
            }
        }
        self.charge_before = charge;
        if self.alarm_active {
            tokens.insert(0, StatusToken::Alarm);
        }
        self.status = Status::new(tokens);
        self.vars.set("ups.status", &self.status.to_string());
    }

    fn below_thresholds(&self) -> bool {
        let pair = |value: &str, limit: &str| -> Option<bool> {
            Some(c_atoi(self.vars.get(value)?) < c_atoi(self.vars.get(limit)?))
        };
        pair("battery.charge", "battery.charge.low")
            .or_else(|| pair("battery.runtime", "battery.runtime.low"))
            .unwrap_or(false)
    }

    /// An interrupt report (report ID byte first when the descriptor uses
    /// them): each Input field of that report is routed to the first
    /// non-`ABSENT` row bound to its Feature twin (or to itself) and
    /// published. Returns how many rows it updated.
    pub fn handle_interrupt(&mut self, report: &[u8], source: &mut dyn ReportSource) -> usize {
        let report_id = if self.descriptor.uses_report_ids() {
            match report.first() {
                Some(id) => *id,
                None => return 0,
            }
        } else {
            0
        };
        self.cache.store(report_id, report.to_vec());
        let events: Vec<(usize, f64)> = self
            .descriptor
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.kind == ReportKind::Input && f.report_id == report_id && f.is_named()
            })
            .take(MAX_INTERRUPT_EVENTS)
            .filter_map(|(index, input)| {
                let value = input.decode(report).ok()?;
                let twin = if self.interrupt_only {
                    None
                } else {
                    self.descriptor.fields().iter().position(|f| {
                        f.kind == ReportKind::Feature && f.is_named() && f.path == input.path
                    })
                };
                Some((twin.unwrap_or(index), value))
            })
            .collect();
        let mut updated = 0;
        for (field, value) in events {
            let Some((index, row)) = self
                .subdriver
                .rows
                .iter()
                .zip(&self.rows)
                .enumerate()
                .find(|(_, (row, state))| **state == RowState::Bound(field) && !row.is_absent())
                .map(|(index, (row, _))| (index, *row))
            else {
                continue;
            };
            let _ = index;
            if matches!(row.target, Target::Command(_)) {
                continue;
            }
            let mut access = Access {
                cache: &mut self.cache,
                source: &mut *source,
                descriptor: &self.descriptor,
                interrupt_only: self.interrupt_only,
                skip_report: self.skip_report,
                gone: false,
            };
            publish(
                &row,
                value,
                &mut self.vars,
                &mut self.state,
                &mut self.bits,
                &mut access,
                &mut self.alarm_texts,
                true,
            );
            updated += 1;
        }
        updated
    }
}

#[cfg(test)]
mod tests;
