//! Choosing the subdriver for a device: each subdriver's claim rule over
//! its USB ID table (hid-maps.md §1.3), in NUT's probe order, or the one
//! option `subdriver=` names; and what a claim changes besides choosing
//! (interface and endpoint overrides, poll-only, scale factors).

mod pattern;

pub use pattern::{MAX_PATTERN_LEN, MAX_PROGRAM_LEN, MAX_REPEAT, Pattern};

use crate::Error;
use crate::convert::state::Scales;
use crate::subdriver::{self, MatchHandler, Subdriver, SubdriverId, UsbId};

/// Interrupt read size NUT forces for Powercom 0d9f:0001.
const POWERCOM_INTERRUPT_SIZE: u32 = 8;

/// What the USB layer knows about a device before opening its HID interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// USB vendor ID.
    pub vendor_id: u16,
    /// USB product ID.
    pub product_id: u16,
    /// `bcdDevice`.
    pub bcd_device: u16,
    /// iManufacturer string, if any.
    pub vendor: Option<String>,
    /// iProduct string, if any.
    pub product: Option<String>,
    /// iSerialNumber string, if any.
    pub serial: Option<String>,
}

impl DeviceInfo {
    /// A device with these IDs and no strings.
    #[must_use]
    pub fn new(vendor_id: u16, product_id: u16) -> Self {
        Self {
            vendor_id,
            product_id,
            ..Self::default()
        }
    }

    /// The same device with USB strings.
    #[must_use]
    pub fn with_strings(
        mut self,
        vendor: Option<&str>,
        product: Option<&str>,
        serial: Option<&str>,
    ) -> Self {
        self.vendor = vendor.map(str::to_owned);
        self.product = product.map(str::to_owned);
        self.serial = serial.map(str::to_owned);
        self
    }
}

/// The `ups.conf` options that take part in choosing the subdriver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelectOptions {
    /// `subdriver=`: force a subdriver (name string or regex).
    pub subdriver: Option<String>,
    /// `vendorid=` as given (only whether it is set matters here).
    pub vendor_id: Option<String>,
    /// `productid=` as given: turns "possibly supported" into accepted.
    pub product_id: Option<String>,
    /// Flag `explore`.
    pub explore: bool,
    /// `usb_hid_rep_index` was configured (claims then keep it).
    pub interface_configured: bool,
    /// `usb_hid_ep_in` was configured.
    pub endpoint_in_configured: bool,
    /// `usb_hid_ep_out` was configured.
    pub endpoint_out_configured: bool,
    /// Flag `powercom_sdcmd_byte_order_fallback`.
    pub powercom_byte_order_fallback: bool,
    /// Flag `powercom_sdcmd_discrete_delay`.
    pub powercom_discrete_delay: bool,
}

/// What a successful claim changes besides choosing the subdriver. All
/// empty when the subdriver was forced with `subdriver=`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ClaimEffects {
    /// Never use the interrupt pipe (as `pollonly`).
    pub disable_interrupt_pipe: bool,
    /// NUT's `maxreport` GET_REPORT length quirk.
    pub max_report: bool,
    /// Bind mappings to Input objects and never GET_REPORT (`interruptonly`).
    pub interrupt_only: bool,
    /// Interrupt read size to use.
    pub interrupt_size: Option<u32>,
    /// HID interface to claim instead of 0.
    pub interface: Option<u8>,
    /// Interrupt IN endpoint instead of 1.
    pub endpoint_in: Option<u8>,
    /// Interrupt OUT endpoint instead of 1.
    pub endpoint_out: Option<u8>,
    /// CyberPower scale auto-detection.
    pub cps_scale_detection: bool,
    /// Scale factors (TrippLite, openUPS).
    pub(crate) scales: Option<Scales>,
    /// Powercom: `powercom_sdcmd_byte_order_fallback` was read.
    pub powercom_byte_order_fallback: bool,
    /// Powercom: `powercom_sdcmd_discrete_delay` was read.
    pub powercom_discrete_delay: bool,
}

/// The chosen subdriver and the effects of its claim.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Selection {
    /// The subdriver.
    pub subdriver: &'static Subdriver,
    /// What its claim changed.
    pub effects: ClaimEffects,
    /// Chosen with `subdriver=` (claim functions skipped).
    pub forced: bool,
}

enum Support {
    Supported(UsbId),
    Possibly,
    Unknown,
}

fn support(subdriver: &Subdriver, device: &DeviceInfo) -> Support {
    let mut vendor_known = false;
    for id in subdriver.usb_ids {
        if id.vendor_id == device.vendor_id {
            if id.product_id == device.product_id {
                return Support::Supported(*id);
            }
            vendor_known = true;
        }
    }
    if vendor_known {
        Support::Possibly
    } else {
        Support::Unknown
    }
}

fn contains(text: &Option<String>, needle: &str) -> bool {
    text.as_deref().is_some_and(|t| t.contains(needle))
}

fn handler_effects(handler: MatchHandler, device: &DeviceInfo, effects: &mut ClaimEffects) {
    match handler {
        MatchHandler::ApcGeneralCheck => {
            let product = device.product.as_deref().unwrap_or_default();
            effects.max_report =
                product.starts_with("Back-UPS ES 525") || product.starts_with("Back-UPS CS");
        }
        MatchHandler::DisableInterruptPipe => effects.disable_interrupt_pipe = true,
        MatchHandler::CpsBatteryScale => effects.cps_scale_detection = true,
        MatchHandler::TrippLiteBatteryScale0Dot1 => {
            effects.scales = Some(Scales {
                battery: 0.1,
                ..Scales::default()
            });
        }
        MatchHandler::TrippLiteBatteryScale1Dot0 => effects.scales = Some(Scales::default()),
        MatchHandler::TrippLiteSmart1500Lcdt => {
            effects.scales = Some(Scales {
                battery: 100_000.0,
                io_voltage: 100_000.0,
                io_frequency: 0.01,
                io_current: 0.01,
                ..Scales::default()
            });
        }
        MatchHandler::OpenUpsVoltageMultiplier => {
            let (vin, vout, charge, discharge) = match device.product_id {
                0xd004 => (3.545, 2.571, 0.08274, 1.6113),
                0xd005 => (0.1, 0.1, 0.1, 0.1),
                _ => (1.0, 1.0, 1.0, 1.0),
            };
            effects.scales = Some(Scales {
                io_voltage: vin,
                output_voltage: vout,
                charge_current: charge,
                discharge_current: discharge,
                ..Scales::default()
            });
        }
    }
}

/// One subdriver's claim: `Some(effects)` when it accepts the device.
#[must_use]
pub fn claim(
    subdriver: &Subdriver,
    device: &DeviceInfo,
    options: &SelectOptions,
) -> Option<ClaimEffects> {
    let with_productid = options.product_id.is_some();
    let mut effects = ClaimEffects::default();
    let (vid, pid) = (device.vendor_id, device.product_id);
    let accepted = match (subdriver.id, support(subdriver, device)) {
        (SubdriverId::Explore, _) => options.explore,
        (_, Support::Unknown) => false,
        (SubdriverId::Mge, Support::Supported(_)) => match (vid, pid) {
            (0x06da, 0xffff) => contains(&device.vendor, "AEG") || contains(&device.product, "AEG"),
            (0x09d6, 0x0001) => contains(&device.vendor, "KSTAR"),
            _ => true,
        },
        (SubdriverId::Mge, Support::Possibly) => match vid {
            0x06da => contains(&device.vendor, "AEG") || contains(&device.product, "AEG"),
            0x09d6 => contains(&device.vendor, "KSTAR"),
            _ => with_productid,
        },
        (SubdriverId::Idowell, Support::Supported(_)) if (vid, pid) == (0x06da, 0xffff) => {
            contains(&device.vendor, "BMS") || contains(&device.product, "Smart-Battery")
        }
        (SubdriverId::Powercom, Support::Possibly) => pid != 0x0002 && with_productid,
        (SubdriverId::Belkin, Support::Possibly) => {
            (vid, pid) != (0x050d, 0x0218) && with_productid
        }
        (SubdriverId::TrippLite, Support::Possibly) => match vid {
            0x09ae => pid != 0x0001 && with_productid,
            0x05dd => false,
            _ => with_productid,
        },
        (_, Support::Supported(id)) => {
            if let Some(handler) = id.handler {
                handler_effects(handler, device, &mut effects);
            }
            true
        }
        (_, Support::Possibly) => with_productid,
    };
    if !accepted {
        return None;
    }
    match subdriver.id {
        SubdriverId::Powercom => {
            if pid == 0x0001 {
                effects.interrupt_only = true;
                effects.interrupt_size = Some(POWERCOM_INTERRUPT_SIZE);
            }
            effects.powercom_byte_order_fallback = options.powercom_byte_order_fallback;
            effects.powercom_discrete_delay = options.powercom_discrete_delay;
        }
        SubdriverId::Belkin if (vid, pid) == (0x10af, 0x0002) && !options.interface_configured => {
            effects.interface = Some(1);
        }
        SubdriverId::Arduino => {
            if !options.endpoint_in_configured {
                effects.endpoint_in = Some(4);
            }
            if !options.endpoint_out_configured {
                effects.endpoint_out = Some(5);
            }
            if !options.interface_configured {
                effects.interface = Some(2);
            }
        }
        SubdriverId::Powervar if !options.interface_configured => effects.interface = Some(1),
        _ => {}
    }
    Some(effects)
}

/// The subdriver `subdriver=` names: an exact name string, else a
/// case-insensitive extended regex matching a whole name string, else the
/// same with `.*` appended (unless the option ends in `.` + one character
/// or in `*`). First in probe order wins.
///
/// # Errors
///
/// [`Error::InvalidPattern`] for a bad regex, [`Error::UnknownSubdriver`]
/// when nothing matches.
pub fn resolve_subdriver(option: &str) -> Result<&'static Subdriver, Error> {
    if let Some(exact) = subdriver::ALL.iter().find(|s| s.name == option) {
        return Ok(exact);
    }
    let pattern = Pattern::new(option)?;
    if let Some(found) = subdriver::ALL.iter().find(|s| pattern.matches(s.name)) {
        return Ok(found);
    }
    let chars: Vec<char> = option.chars().collect();
    let ends_open = chars.len() >= 2 && chars[chars.len() - 2] == '.' || option.ends_with('*');
    if !ends_open {
        let widened = Pattern::new(&format!("{option}.*"))?;
        if let Some(found) = subdriver::ALL.iter().find(|s| widened.matches(s.name)) {
            return Ok(found);
        }
    }
    Err(Error::UnknownSubdriver {
        name: option.chars().take(64).collect(),
    })
}

/// Choose the subdriver for `device`: the one `subdriver=` names, else the
/// first in probe order whose claim accepts it.
///
/// # Errors
///
/// [`Error::SubdriverNeedsIds`] when `subdriver=` is set without both
/// `vendorid` and `productid`; [`Error::ExploreNeedsVendorId`] for
/// `explore` without `vendorid`; those of [`resolve_subdriver`]; and
/// [`Error::NoSubdriver`] when no subdriver claims the device.
pub fn select(device: &DeviceInfo, options: &SelectOptions) -> Result<Selection, Error> {
    if let Some(name) = &options.subdriver {
        if options.vendor_id.is_none() || options.product_id.is_none() {
            return Err(Error::SubdriverNeedsIds);
        }
        return Ok(Selection {
            subdriver: resolve_subdriver(name)?,
            effects: ClaimEffects::default(),
            forced: true,
        });
    }
    if options.explore && options.vendor_id.is_none() {
        return Err(Error::ExploreNeedsVendorId);
    }
    for subdriver in subdriver::ALL {
        if let Some(effects) = claim(subdriver, device, options) {
            return Ok(Selection {
                subdriver,
                effects,
                forced: false,
            });
        }
    }
    Err(Error::NoSubdriver {
        vendor_id: device.vendor_id,
        product_id: device.product_id,
    })
}

#[cfg(test)]
mod tests;
