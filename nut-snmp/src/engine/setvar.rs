//! Instant commands and writable variables as SNMP SETs (snmp-maps.md
//! 1.12). The engine only plans the SET; the driver sends it and reports
//! the result with [`Engine::handle_set_result`].

use super::Engine;
use crate::mib::{Kind, Lookup, Row, flag};
use crate::oid::{Oid, fill_template, template_slots};

/// The value of a planned SET, by the encoding snmp-ups uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetValue {
    /// INTEGER (`i`).
    Integer(i64),
    /// OCTET STRING (`s`).
    String(String),
    /// TimeTicks (`t`): the NUT value in seconds × 100.
    TimeTicks(i64),
}

/// One SET to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetRequest {
    /// Where.
    pub oid: Oid,
    /// What.
    pub value: SetValue,
    /// For a variable: the name and value to publish once the SET
    /// succeeded (the name the client used).
    pub publish: Option<(String, String)>,
}

/// Why a command or SET is refused (NUT's `STAT_*` answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetRefusal {
    /// `UNKNOWN`: no such command or variable (or it is disabled).
    #[error("unknown command or variable")]
    Unknown,
    /// `INVALID`: a bad device or outlet number, no value to send, or a
    /// name meaning "all devices".
    #[error("invalid argument")]
    Invalid,
    /// `CONVERSION_FAILED`: the value cannot be encoded for this row.
    #[error("value conversion failed")]
    ConversionFailed,
}

/// Whether a plan is for a command or a variable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Command,
    Variable,
}

impl Engine {
    /// Plans the SET for instant command `name`, with the client's
    /// argument if any (else the row default).
    ///
    /// # Errors
    ///
    /// A [`SetRefusal`] naming NUT's answer.
    pub fn instant_command(
        &self,
        name: &str,
        argument: Option<&str>,
    ) -> Result<SetRequest, SetRefusal> {
        self.plan(Purpose::Command, name, argument)
    }

    /// Plans the SET for writing `value` to variable `name`.
    ///
    /// # Errors
    ///
    /// A [`SetRefusal`] naming NUT's answer.
    pub fn set_variable(&self, name: &str, value: &str) -> Result<SetRequest, SetRefusal> {
        self.plan(Purpose::Variable, name, Some(value))
    }

    /// Reports the result of a planned SET: on success a variable's new
    /// value is published at once.
    pub fn handle_set_result(&mut self, request: &SetRequest, succeeded: bool) {
        if let (true, Some((name, value))) = (succeeded, &request.publish) {
            self.publish_plain(name, value.clone());
        }
    }

    fn plan(
        &self,
        purpose: Purpose,
        client_name: &str,
        value: Option<&str>,
    ) -> Result<SetRequest, SetRefusal> {
        let (device, name) = self.split_device(client_name)?;
        let (row, oid_text) = self.find_target(purpose, &name, device)?;
        let text = match (purpose, value) {
            (_, Some(v)) => v.to_owned(),
            (Purpose::Command, None) => row.default.ok_or(SetRefusal::Invalid)?.to_owned(),
            (Purpose::Variable, None) => return Err(SetRefusal::Invalid),
        };
        let oid = Oid::parse(&oid_text).map_err(|_| SetRefusal::Unknown)?;
        let value = encode(purpose, row, &text)?;
        let publish = (purpose == Purpose::Variable).then(|| (client_name.to_owned(), text));
        Ok(SetRequest {
            oid,
            value,
            publish,
        })
    }

    /// `device.N.<name>` → (N, name) [quirk: one digit of N]; other names
    /// go to device 1, or are refused when they mean "all devices".
    fn split_device(&self, name: &str) -> Result<(i64, String), SetRefusal> {
        if let Some(rest) = name.strip_prefix("device.") {
            if let Some(digit) = rest.chars().next().and_then(|c| c.to_digit(10)) {
                let var = rest
                    .split_once('.')
                    .map(|(_, v)| v)
                    .ok_or(SetRefusal::Unknown)?;
                let device = i64::from(digit);
                if self.daisy.enabled && (device < 1 || device > self.daisy.count) {
                    return Err(SetRefusal::Invalid);
                }
                return Ok((device, var.to_owned()));
            }
            if self.daisy.enabled {
                let row = self
                    .mib
                    .rows
                    .iter()
                    .find(|r| r.name.eq_ignore_ascii_case(name));
                if row.is_some_and(|r| r.oid.is_none_or(|o| template_slots(o) > 0)) {
                    return Err(SetRefusal::Invalid);
                }
            }
            return Ok((1, name.to_owned()));
        }
        if self.multi_device() {
            return Err(SetRefusal::Invalid);
        }
        Ok((1, name.to_owned()))
    }

    /// The row and the instantiated OID text for `name` on `device`.
    fn find_target(
        &self,
        purpose: Purpose,
        name: &str,
        device: i64,
    ) -> Result<(&'static Row, String), SetRefusal> {
        let mib = self.mib;
        for (prefix, count_var) in [
            ("outlet.group.", "outlet.group.count"),
            ("outlet.", "outlet.count"),
        ] {
            let Some(rest) = name.strip_prefix(prefix) else {
                continue;
            };
            let Some((number, var)) = rest.split_once('.') else {
                continue;
            };
            let Ok(item) = number.parse::<i64>() else {
                continue;
            };
            let count_name = self.device_name_for(device, count_var);
            let count = self
                .vars
                .get(&count_name)
                .and_then(|v| v.value.split('.').next()?.parse::<i64>().ok());
            if count.is_none_or(|c| item > c) {
                return Err(SetRefusal::Invalid);
            }
            let template = format!("{prefix}%i.{var}");
            let row = mib
                .rows
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&template))
                .ok_or(SetRefusal::Unknown)?;
            let Some(text) = row.oid else {
                return Err(SetRefusal::Unknown);
            };
            let unit = device
                + if self.multi_device() {
                    self.daisy.offset
                } else {
                    0
                };
            let oid = match template_slots(text) {
                0 | 1 => fill_template(text, &[item]),
                _ if row.has(flag::DAISY_1) => fill_template(text, &[unit, item]),
                _ => fill_template(text, &[item, unit]),
            };
            return Ok((row, oid));
        }
        let (index, row) = mib
            .rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.name.eq_ignore_ascii_case(name))
            .ok_or(SetRefusal::Unknown)?;
        let command_registered = purpose == Purpose::Command && self.commands.contains(name);
        if !self.rows[index].ok && !command_registered {
            return Err(SetRefusal::Unknown);
        }
        let text = row.oid.ok_or(SetRefusal::Unknown)?;
        Ok((row, fill_template(text, &[device + self.daisy.offset])))
    }

    fn device_name_for(&self, device: i64, name: &str) -> String {
        if self.multi_device() {
            format!("device.{device}.{name}")
        } else {
            name.to_owned()
        }
    }
}

/// The SET value for `text` on `row` (step 4 of snmp-maps.md 1.12).
fn encode(purpose: Purpose, row: &Row, text: &str) -> Result<SetValue, SetRefusal> {
    if row.kind == Kind::Str {
        return Ok(SetValue::String(text.to_owned()));
    }
    let number = if purpose == Purpose::Command {
        text.trim()
            .parse::<i64>()
            .map_err(|_| SetRefusal::ConversionFailed)?
    } else if let Some(lookup @ Lookup::Pairs(_)) = row.lookup {
        lookup.value(text).ok_or(SetRefusal::ConversionFailed)?
    } else {
        let given: f64 = text
            .trim()
            .parse()
            .map_err(|_| SetRefusal::ConversionFailed)?;
        let scaled = given.trunc() / row.len_mult;
        if !scaled.is_finite() || scaled.abs() > 9.0e15 {
            return Err(SetRefusal::ConversionFailed);
        }
        #[allow(clippy::cast_possible_truncation)]
        let whole = scaled.trunc() as i64;
        whole
    };
    Ok(if row.has(flag::TYPE_TIME) {
        SetValue::TimeTicks(number.saturating_mul(100))
    } else {
        SetValue::Integer(number)
    })
}
