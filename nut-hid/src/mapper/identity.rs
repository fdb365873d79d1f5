//! `ups.mfr`, `ups.model`, `ups.serial` (and APC's `ups.firmware`): each
//! subdriver's `format_mfr`/`format_model`/`format_serial` (hid-maps.md §2).
//! A `None` result means the variable is not published.

use crate::convert::state::family;
use crate::select::DeviceInfo;
use crate::subdriver::{MGE_MODELS, Subdriver, SubdriverId};

/// Longest model text APC's formatting keeps.
const APC_MODEL_MAX: usize = 63;
/// Longest serial Belkin reads from its string index.
const BELKIN_SERIAL_MAX: usize = 63;

/// What the identity formatting reads from the device besides the USB
/// strings: a HID path's value, or a string descriptor.
pub(crate) trait IdentitySource {
    /// The value at a mapping-style HID path.
    fn value(&mut self, path: &str) -> Option<f64>;
    /// A USB string descriptor.
    fn string(&mut self, index: u32) -> Option<String>;
}

/// The formatted identity of a device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) mfr: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) serial: Option<String>,
    pub(crate) firmware: Option<String>,
    pub(crate) firmware_aux: Option<String>,
    pub(crate) mge_family: Option<u16>,
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.is_empty())
}

fn string_at(source: &mut dyn IdentitySource, path: &str, max: usize) -> Option<String> {
    let index = source.value(path)? as i64;
    if !(1..=255).contains(&index) {
        return None;
    }
    let text: String = source.string(index as u32)?.chars().take(max).collect();
    let text = text.trim_end_matches('\n').to_owned();
    (!text.is_empty()).then_some(text)
}

/// Format the identity as `subdriver` does.
pub(crate) fn identity(
    subdriver: &Subdriver,
    device: &DeviceInfo,
    source: &mut dyn IdentitySource,
) -> Identity {
    let mut out = Identity {
        serial: device.serial.clone(),
        ..Identity::default()
    };
    out.mfr = match subdriver.id {
        SubdriverId::Explore | SubdriverId::TrippLite => device.vendor.clone(),
        SubdriverId::Belkin => {
            let trimmed = device
                .vendor
                .as_deref()
                .unwrap_or_default()
                .trim_start_matches(' ');
            Some(
                if trimmed.is_empty() {
                    "Belkin"
                } else {
                    trimmed
                }
                .to_owned(),
            )
        }
        _ => non_empty(&device.vendor)
            .map(str::to_owned)
            .or_else(|| subdriver.mfr_fallback.map(str::to_owned)),
    };
    out.model = match subdriver.id {
        SubdriverId::Mge => Some(mge_model(device, source, &mut out.mge_family)),
        SubdriverId::Apc => {
            let product: String = non_empty(&device.product)
                .unwrap_or("unknown")
                .chars()
                .take(APC_MODEL_MAX)
                .collect();
            Some(apc_model(&product, &mut out))
        }
        SubdriverId::Belkin => Some(non_empty(&device.product).unwrap_or("unknown").to_owned()),
        SubdriverId::DeltaUps => string_at(source, "UPS.DeltaCustom.[1].DeltaModelName", 511)
            .or_else(|| device.product.clone()),
        _ => device.product.clone(),
    };
    if subdriver.id == SubdriverId::Belkin && non_empty(&out.serial).is_none() {
        out.serial = string_at(source, "UPS.PowerSummary.iSerialNumber", BELKIN_SERIAL_MAX);
    }
    out
}

/// APC: the Product string split at `FW:` (and `USB FW:`).
fn apc_model(product: &str, out: &mut Identity) -> String {
    let Some(at) = product.find("FW:") else {
        return product.to_owned();
    };
    let firmware = product.get(at + 3..).unwrap_or_default();
    match firmware.find("USB FW:") {
        Some(usb) => {
            out.firmware = Some(drop_last_char(firmware.get(..usb).unwrap_or_default()));
            out.firmware_aux = Some(firmware.get(usb + 7..).unwrap_or_default().to_owned());
        }
        None => out.firmware = Some(firmware.to_owned()),
    }
    drop_last_char(product.get(..at).unwrap_or_default())
}

/// NUT cuts one character before the `FW:` separator (usually a space).
fn drop_last_char(text: &str) -> String {
    let mut chars = text.chars();
    chars.next_back();
    chars.as_str().to_owned()
}

/// MGE/Eaton: the model table lookup (and the model family it implies).
fn mge_model(
    device: &DeviceInfo,
    source: &mut dyn IdentitySource,
    family_out: &mut Option<u16>,
) -> String {
    if device.vendor_id == 0x047c {
        return device.product.clone().unwrap_or_default();
    }
    let product = non_empty(&device.product).unwrap_or("unknown").to_owned();
    let model = string_at(source, "UPS.PowerSummary.iModel", 19).or_else(|| {
        source
            .value("UPS.Flow.[4].ConfigApparentPower")
            .map(|va| format!("{}", va as i64))
    });
    let Some(model) = model.filter(|m| !m.is_empty()) else {
        *family_out = Some(family::DEFAULT);
        return product;
    };
    match MGE_MODELS
        .iter()
        .find(|entry| entry.product == product && entry.model == model)
    {
        Some(entry) => {
            *family_out = Some(entry.family);
            entry
                .name
                .map_or_else(|| format!("{product} {model}"), str::to_owned)
        }
        None => {
            *family_out = Some(family::DEFAULT);
            format!("{product} {model}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apc_firmware_split() {
        let mut out = Identity::default();
        assert_eq!(
            apc_model("Back-UPS RS 1500 FW:8.g9 .D USB FW:g9", &mut out),
            "Back-UPS RS 1500"
        );
        assert_eq!(out.firmware.as_deref(), Some("8.g9 .D"));
        assert_eq!(out.firmware_aux.as_deref(), Some("g9"));
        let mut out = Identity::default();
        assert_eq!(apc_model("Back-UPS 500", &mut out), "Back-UPS 500");
        assert_eq!(out.firmware, None);
        let mut out = Identity::default();
        assert_eq!(apc_model("ÜFW:1", &mut out), "", "cuts whole characters");
    }
}
