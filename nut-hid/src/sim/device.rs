//! One simulated HID UPS: a real report descriptor (bytes given at run
//! time), the current bytes of each of its Feature and Input reports, its
//! USB strings, and the interrupt reports it has queued.

use std::collections::{BTreeMap, VecDeque};

use crate::Error;
use crate::descriptor::{Field, ReportDescriptor};
use crate::path::HidPath;
use crate::report::ReportKind;
use crate::select::{DeviceInfo, SelectOptions, select};
use crate::subdriver::{Subdriver, Target};
use crate::transport::TransportError;
use crate::usage::UsageNames;

/// Most interrupt reports a device keeps queued; the oldest go first (a
/// real device's endpoint holds one, the host stack a few).
pub const MAX_QUEUED_INTERRUPTS: usize = 64;
/// Most SET_REPORTs remembered for [`SimDevice::writes`].
pub const MAX_RECORDED_WRITES: usize = 256;
/// String descriptor indexes of the three standard strings.
pub const VENDOR_STRING: u8 = 1;
/// iProduct's index.
pub const PRODUCT_STRING: u8 = 2;
/// iSerialNumber's index.
pub const SERIAL_STRING: u8 = 3;

/// A status the simulated UPS can be put in (each sets the usual
/// PresentStatus usages wherever the descriptor has them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimStatus {
    /// Mains present (ACPresent = 1, Discharging = 0) or not (0 / 1).
    OnLine(bool),
    /// Battery low: BelowRemainingCapacityLimit.
    LowBattery(bool),
    /// Shutdown imminent: ShutdownImminent.
    ShutdownImminent(bool),
    /// Charging: Charging.
    Charging(bool),
    /// Battery present: BatteryPresent.
    BatteryPresent(bool),
    /// Overload: Overload.
    Overload(bool),
    /// Battery needs replacing: NeedReplacement.
    NeedReplacement(bool),
}

/// A simulated HID UPS. See the module docs.
#[derive(Debug, Clone)]
pub struct SimDevice {
    info: DeviceInfo,
    descriptor_bytes: Vec<u8>,
    descriptor: ReportDescriptor,
    names: UsageNames,
    subdriver: Option<&'static Subdriver>,
    reports: BTreeMap<(ReportKind, u8), Vec<u8>>,
    strings: BTreeMap<u8, String>,
    interrupts: VecDeque<Vec<u8>>,
    writes: Vec<(u8, Vec<u8>)>,
    feature_reads: usize,
    auto_interrupts: bool,
}

fn flag(on: bool) -> f64 {
    if on { 1.0 } else { 0.0 }
}

impl SimDevice {
    /// A device answering with `descriptor` (raw bytes) and the IDs and
    /// strings of `info`. The descriptor is read the way the driver will
    /// read it: with the subdriver that claims `info` (or, if none does,
    /// NUT's generic parser settings). Every report starts zeroed.
    ///
    /// # Errors
    ///
    /// Any descriptor [`Error`].
    pub fn new(descriptor: &[u8], info: DeviceInfo) -> Result<Self, Error> {
        let subdriver = select(&info, &SelectOptions::default())
            .or_else(|_| {
                let options = SelectOptions {
                    product_id: Some(format!("{:04x}", info.product_id)),
                    ..SelectOptions::default()
                };
                select(&info, &options)
            })
            .ok()
            .map(|selection| selection.subdriver);
        let config = match subdriver {
            Some(subdriver) => subdriver.parser_config(info.vendor_id, info.product_id, false),
            None => crate::ParserConfig::nut(),
        };
        let decoded = ReportDescriptor::decode(descriptor, &config)?;
        let mut reports = BTreeMap::new();
        for layout in decoded.reports() {
            if layout.kind == ReportKind::Output {
                continue;
            }
            if let Some(buffer) = decoded.new_report(layout.kind, layout.report_id) {
                reports.insert((layout.kind, layout.report_id), buffer);
            }
        }
        let mut device = Self {
            names: subdriver.map_or(UsageNames::STANDARD, Subdriver::names),
            subdriver,
            descriptor_bytes: descriptor.to_vec(),
            descriptor: decoded,
            reports,
            strings: BTreeMap::new(),
            interrupts: VecDeque::new(),
            writes: Vec::new(),
            feature_reads: 0,
            auto_interrupts: true,
            info: DeviceInfo::default(),
        };
        device.set_info(info);
        Ok(device)
    }

    /// IDs and strings as enumeration reports them.
    #[must_use]
    pub fn info(&self) -> &DeviceInfo {
        &self.info
    }

    /// Replace IDs and strings (the standard strings are served at indexes
    /// [`VENDOR_STRING`], [`PRODUCT_STRING`], [`SERIAL_STRING`]).
    pub fn set_info(&mut self, info: DeviceInfo) {
        for (index, text) in [
            (VENDOR_STRING, &info.vendor),
            (PRODUCT_STRING, &info.product),
            (SERIAL_STRING, &info.serial),
        ] {
            match text {
                Some(text) => self.strings.insert(index, text.clone()),
                None => self.strings.remove(&index),
            };
        }
        self.info = info;
    }

    /// Give the device a serial number, or take it away.
    pub fn set_serial(&mut self, serial: Option<&str>) {
        let mut info = self.info.clone();
        info.serial = serial.map(str::to_owned);
        self.set_info(info);
    }

    /// Serve `text` as string descriptor `index` (e.g. the battery
    /// chemistry a `iDeviceChemistry` field points to).
    pub fn set_string(&mut self, index: u8, text: &str) {
        self.strings.insert(index, text.to_owned());
    }

    /// The decoded descriptor.
    #[must_use]
    pub fn descriptor(&self) -> &ReportDescriptor {
        &self.descriptor
    }

    /// The subdriver the driver will choose for this device, if any.
    #[must_use]
    pub fn subdriver(&self) -> Option<&'static Subdriver> {
        self.subdriver
    }

    /// Whether state changes queue interrupt reports (default on).
    pub fn set_auto_interrupts(&mut self, on: bool) {
        self.auto_interrupts = on;
    }

    /// Set every field at exactly `path` (Feature and Input twins alike) to
    /// `value`, in the field's physical units. Returns how many fields
    /// changed value.
    pub fn set_path(&mut self, path: &str, value: f64) -> usize {
        let path = HidPath::parse(path, &self.names);
        if path.is_empty() {
            return 0;
        }
        self.set_where(value, |field| field.path == path)
    }

    /// Set every field whose last usage is `usage` (extended usage,
    /// page in the high half) to `value`. Returns how many changed.
    pub fn set_usage(&mut self, usage: u32, value: f64) -> usize {
        self.set_where(value, |field| field.path.nodes().last() == Some(&usage))
    }

    /// Set every field whose last usage has this name in the subdriver's
    /// (or the standard) usage table. Returns how many changed.
    pub fn set_usage_named(&mut self, name: &str, value: f64) -> usize {
        match self.names.code(name) {
            Some(code) => self.set_usage(code, value),
            None => 0,
        }
    }

    /// Set NUT variable `name` to `value` in device units (before any
    /// conversion the subdriver applies): every field a mapping row of
    /// that variable binds to, with its Input twins. Returns how many
    /// fields changed.
    pub fn set_variable(&mut self, name: &str, value: f64) -> usize {
        let Some(subdriver) = self.subdriver else {
            return 0;
        };
        let paths: Vec<HidPath> = subdriver
            .rows
            .iter()
            .filter(|row| {
                matches!(row.target, Target::Variable(n) if n == name) && !row.is_absent()
            })
            .filter_map(|row| {
                let prefix = HidPath::parse(row.path, &self.names);
                let field = self.descriptor.find(&prefix, ReportKind::Feature)?;
                Some(field.path.clone())
            })
            .collect();
        self.set_where(value, |field| paths.contains(&field.path))
    }

    /// Put the UPS in a status. Returns how many fields changed.
    pub fn set_status(&mut self, status: SimStatus) -> usize {
        let set = |device: &mut Self, name: &str, on: bool| device.set_usage_named(name, flag(on));
        match status {
            SimStatus::OnLine(on) => set(self, "ACPresent", on) + set(self, "Discharging", !on),
            SimStatus::LowBattery(on) => set(self, "BelowRemainingCapacityLimit", on),
            SimStatus::ShutdownImminent(on) => set(self, "ShutdownImminent", on),
            SimStatus::Charging(on) => set(self, "Charging", on),
            SimStatus::BatteryPresent(on) => set(self, "BatteryPresent", on),
            SimStatus::Overload(on) => set(self, "Overload", on),
            SimStatus::NeedReplacement(on) => set(self, "NeedReplacement", on),
        }
    }

    /// A healthy UPS on mains: battery present and full, not charging.
    pub fn preset_online(&mut self) {
        self.set_status(SimStatus::OnLine(true));
        self.set_status(SimStatus::BatteryPresent(true));
        self.set_status(SimStatus::Charging(false));
        self.set_status(SimStatus::LowBattery(false));
        self.set_usage_named("RemainingCapacity", 100.0);
        self.interrupts.clear();
    }

    /// The value of the first field at exactly `path` of report type `kind`.
    #[must_use]
    pub fn value(&self, path: &str, kind: ReportKind) -> Option<f64> {
        let path = HidPath::parse(path, &self.names);
        let field = self
            .descriptor
            .fields()
            .iter()
            .find(|f| f.kind == kind && f.path == path)?;
        let report = self.reports.get(&(kind, field.report_id))?;
        field.decode(report).ok()
    }

    fn set_where(&mut self, value: f64, wanted: impl Fn(&Field) -> bool) -> usize {
        let mut changed = 0;
        let mut touched_inputs = Vec::new();
        for field in self.descriptor.fields() {
            if !field.is_named() || field.kind == ReportKind::Output || !wanted(field) {
                continue;
            }
            let Some(report) = self.reports.get_mut(&(field.kind, field.report_id)) else {
                continue;
            };
            let before = report.clone();
            if field.encode(value, report).is_err() {
                continue;
            }
            if *report != before {
                changed += 1;
                if field.kind == ReportKind::Input && !touched_inputs.contains(&field.report_id) {
                    touched_inputs.push(field.report_id);
                }
            }
        }
        if self.auto_interrupts {
            for report_id in touched_inputs {
                self.queue_interrupt(report_id);
            }
        }
        changed
    }

    /// Queue Input report `report_id` as it is now for the interrupt pipe.
    /// Returns false when the descriptor has no such Input report.
    pub fn queue_interrupt(&mut self, report_id: u8) -> bool {
        let Some(report) = self.reports.get(&(ReportKind::Input, report_id)) else {
            return false;
        };
        if self.interrupts.len() >= MAX_QUEUED_INTERRUPTS {
            self.interrupts.pop_front();
        }
        self.interrupts.push_back(report.clone());
        true
    }

    /// Queue every Input report as it is now (the periodic burst some
    /// devices send unasked). Returns how many were queued.
    pub fn queue_all_interrupts(&mut self) -> usize {
        let ids: Vec<u8> = self
            .reports
            .keys()
            .filter(|(kind, _)| *kind == ReportKind::Input)
            .map(|(_, id)| *id)
            .collect();
        ids.into_iter()
            .filter(|id| self.queue_interrupt(*id))
            .count()
    }

    /// Interrupt reports waiting to be read.
    #[must_use]
    pub fn queued_interrupts(&self) -> usize {
        self.interrupts.len()
    }

    /// The SET_REPORTs received so far: report ID and bytes, oldest first.
    #[must_use]
    pub fn writes(&self) -> &[(u8, Vec<u8>)] {
        &self.writes
    }

    /// Forget the recorded SET_REPORTs.
    pub fn clear_writes(&mut self) {
        self.writes.clear();
    }

    /// GET_REPORTs answered so far.
    #[must_use]
    pub fn feature_reads(&self) -> usize {
        self.feature_reads
    }

    /// The descriptor bytes, as GET_DESCRIPTOR answers them.
    #[must_use]
    pub fn descriptor_bytes(&self) -> &[u8] {
        &self.descriptor_bytes
    }

    /// Answer GET_REPORT: the report's bytes, cut to `len`. A report the
    /// descriptor does not declare stalls, as on a real device.
    ///
    /// # Errors
    ///
    /// [`TransportError::Stall`] for an undeclared report.
    pub fn get_feature_report(
        &mut self,
        report_id: u8,
        len: usize,
    ) -> Result<Vec<u8>, TransportError> {
        let report = self
            .reports
            .get(&(ReportKind::Feature, report_id))
            .ok_or(TransportError::Stall)?;
        self.feature_reads += 1;
        Ok(report.iter().copied().take(len.max(1)).collect())
    }

    /// Take SET_REPORT: the report's bytes become `data` (padded or cut to
    /// the declared length, report ID kept), the write is recorded, and
    /// the new values show in the Input twins of the fields written.
    ///
    /// # Errors
    ///
    /// [`TransportError::Stall`] for an undeclared report or a report ID
    /// byte that does not match.
    pub fn set_feature_report(&mut self, report_id: u8, data: &[u8]) -> Result<(), TransportError> {
        let uses_ids = self.descriptor.uses_report_ids();
        if uses_ids && data.first() != Some(&report_id) {
            return Err(TransportError::Stall);
        }
        let report = self
            .reports
            .get_mut(&(ReportKind::Feature, report_id))
            .ok_or(TransportError::Stall)?;
        let len = report.len();
        report.clear();
        report.extend(data.iter().copied().take(len));
        report.resize(len, 0);
        if self.writes.len() >= MAX_RECORDED_WRITES {
            self.writes.remove(0);
        }
        self.writes.push((report_id, data.to_vec()));
        let written: Vec<(HidPath, f64)> = self
            .descriptor
            .fields()
            .iter()
            .filter(|f| f.kind == ReportKind::Feature && f.report_id == report_id && f.is_named())
            .filter_map(|f| {
                Some((
                    f.path.clone(),
                    f.decode(self.reports.get(&(ReportKind::Feature, report_id))?)
                        .ok()?,
                ))
            })
            .collect();
        for (path, value) in written {
            self.set_where(value, |f| f.kind == ReportKind::Input && f.path == path);
        }
        Ok(())
    }

    /// The next queued interrupt report, if any.
    pub fn read_interrupt(&mut self, max_len: usize) -> Option<Vec<u8>> {
        let mut report = self.interrupts.pop_front()?;
        report.truncate(max_len);
        Some(report)
    }

    /// String descriptor `index`.
    ///
    /// # Errors
    ///
    /// [`TransportError::Stall`] when the device has no such string.
    pub fn string(&self, index: u8) -> Result<String, TransportError> {
        self.strings
            .get(&index)
            .cloned()
            .ok_or(TransportError::Stall)
    }
}
