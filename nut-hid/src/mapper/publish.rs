//! Reading a row's value through the report cache and publishing it:
//! conversion or printf format, then the variable (with its flags), the
//! status bits or the alarm texts (hid-maps.md §1.7–1.8).

use super::source::ReportCache;
use super::{FetchError, ReportSource, StatusBits, Variable, Variables};
use crate::convert::state::ConvState;
use crate::convert::{DeviceAccess, Env, format_float};
use crate::descriptor::ReportDescriptor;
use crate::report::ReportKind;
use crate::subdriver::{Row, RowFlags, Target};

/// The device access a conversion or row read uses: the cache first, the
/// source when the report is not fresh.
pub(super) struct Access<'a> {
    pub(super) cache: &'a mut ReportCache,
    pub(super) source: &'a mut dyn ReportSource,
    pub(super) descriptor: &'a ReportDescriptor,
    pub(super) interrupt_only: bool,
    pub(super) skip_report: Option<u8>,
    pub(super) gone: bool,
}

impl Access<'_> {
    fn fetch(&mut self, report_id: u8) -> Result<Vec<u8>, FetchError> {
        if self.skip_report == Some(report_id) {
            return Err(FetchError::NoData);
        }
        if let Some(bytes) = self.cache.fresh(report_id) {
            return Ok(bytes.to_vec());
        }
        if self.interrupt_only {
            return self
                .cache
                .last(report_id)
                .map(<[u8]>::to_vec)
                .ok_or(FetchError::NoData);
        }
        let len = ReportKind::ALL
            .iter()
            .filter_map(|kind| self.descriptor.report_len(*kind, report_id))
            .max()
            .ok_or(FetchError::NoData)?;
        match self.source.get_feature_report(report_id, len) {
            Ok(bytes) => {
                if self.descriptor.uses_report_ids() && bytes.first() != Some(&report_id) {
                    return Err(FetchError::Io);
                }
                self.cache.store(report_id, bytes.clone());
                Ok(bytes)
            }
            Err(error) => {
                self.gone |= error == FetchError::Gone;
                Err(error)
            }
        }
    }

    pub(super) fn read(&mut self, field: usize) -> Result<f64, FetchError> {
        let report_id = self
            .descriptor
            .fields()
            .get(field)
            .ok_or(FetchError::NoData)?
            .report_id;
        let bytes = self.fetch(report_id)?;
        self.descriptor
            .fields()
            .get(field)
            .ok_or(FetchError::NoData)?
            .decode(&bytes)
            .map_err(|_| FetchError::Io)
    }
}

impl DeviceAccess for Access<'_> {
    fn string(&mut self, index: u32) -> Option<String> {
        self.source.string(index)
    }
    fn report(&mut self, report_id: u8) -> Option<Vec<u8>> {
        self.fetch(report_id).ok()
    }
    fn raw_feature(&mut self, report_id: u8, len: usize) -> Option<Vec<u8>> {
        match self.source.get_feature_report(report_id, len) {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                self.gone |= error == FetchError::Gone;
                None
            }
        }
    }
}

pub(super) fn apply_flags(row: &Row, variable: &mut Variable) {
    if row.flags.contains(RowFlags::RW) {
        variable.writable = true;
    }
    if row.flags.contains(RowFlags::STRING) {
        variable.string_len = Some(row.string_len);
    }
    if row.flags.contains(RowFlags::NUMBER) {
        variable.number = true;
    }
}

/// Publish one value per NUT's rules (1.8): conversion or format, then to
/// the variable, the status bits or the alarm texts.
#[allow(clippy::too_many_arguments)]
pub(super) fn publish(
    row: &Row,
    value: f64,
    vars: &mut Variables,
    state: &mut ConvState,
    bits: &mut StatusBits,
    access: &mut Access<'_>,
    alarms: &mut Vec<String>,
    collect_alarms: bool,
) {
    let text = match row.conversion {
        Some(conversion) => {
            let mut env = Env {
                vars,
                state,
                bits,
                device: access,
            };
            conversion.text_for(value, &mut env)
        }
        None => format_float(row.text, value),
    };
    let Some(text) = text else {
        return;
    };
    match row.target {
        Target::Status => {
            bits.apply(&text);
        }
        Target::Alarm => {
            if collect_alarms {
                alarms.push(text);
            }
        }
        Target::Variable(name) => {
            vars.set(name, &text);
            apply_flags(row, vars.entry(name));
            let wants_enum = row.flags.contains(RowFlags::ENUM) && row.flags.contains(RowFlags::RW);
            if wants_enum
                && vars
                    .variable(name)
                    .is_some_and(|v| v.enum_values.is_empty())
                && let Some(conversion) = row.conversion
            {
                let values = {
                    let mut env = Env {
                        vars,
                        state,
                        bits,
                        device: access,
                    };
                    conversion.enum_values(&mut env)
                };
                vars.entry(name).enum_values = values;
            }
        }
        Target::Command(_) => {}
    }
}
