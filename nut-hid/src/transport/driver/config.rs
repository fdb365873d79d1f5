//! The `usbhid-ups` options the driver loop core uses (nut-spec.md §10.1,
//! hid-maps.md §1.15), gathered in one [`DriverConfig`] that
//! [`DriverConfig::set_option`] fills from `ups.conf` name/value pairs.

use std::time::Duration;

use crate::Error;
use crate::mapper::MapperConfig;
use crate::select::SelectOptions;
use crate::transport::matcher::UsbMatchOptions;
use crate::transport::{MAX_INTERRUPT_SIZE, OpenOptions};

/// NUT's default `pollinterval`.
pub const DEFAULT_POLLINTERVAL: Duration = Duration::from_secs(2);
/// Longest `pollinterval`, `pollfreq`, `waitbeforereconnect` or
/// `lbrb_log_delay_sec` accepted (one day).
pub const MAX_OPTION_SECONDS: u64 = 86_400;
/// Most warnings kept in [`DriverConfig::warnings`].
const MAX_WARNINGS: usize = 32;
/// The options that take a value.
const VALUE_OPTIONS: &[&str] = &[
    "vendorid",
    "productid",
    "vendor",
    "product",
    "serial",
    "bus",
    "device",
    "busport",
    "subdriver",
    "lowbatt",
    "ondelay",
    "offdelay",
    "pollfreq",
    "pollinterval",
    "waitbeforereconnect",
    "lbrb_log_delay_sec",
    "interruptsize",
    "interrupt_pipe_no_events_tolerance",
    "usb_config_index",
    "usb_hid_rep_index",
    "usb_hid_desc_index",
    "usb_hid_ep_in",
    "usb_hid_ep_out",
];

/// USB interface tuning; `None` = not configured (a subdriver's claim may
/// then choose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UsbTuning {
    /// `usb_config_index`.
    pub config_index: u8,
    /// `usb_hid_rep_index`: the HID interface.
    pub interface: Option<u8>,
    /// `usb_hid_desc_index`.
    pub descriptor_index: Option<u8>,
    /// `usb_hid_ep_in`.
    pub endpoint_in: Option<u8>,
    /// `usb_hid_ep_out`.
    pub endpoint_out: Option<u8>,
    /// `usb_set_altinterface`.
    pub alt_setting: Option<u8>,
}

/// Everything the driver loop core is configured with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DriverConfig {
    /// `vendorid` … `busport`, `allow_duplicates`.
    pub matching: UsbMatchOptions,
    /// `subdriver`, `explore`, the Powercom flags (`vendor_id` and
    /// `product_id` are taken from [`DriverConfig::matching`]).
    pub select: SelectOptions,
    /// `lowbatt`, `ondelay`, `offdelay`, `pollfreq`, `pollonly`,
    /// `interruptonly`, the status options, `ignorelb`.
    pub mapper: MapperConfig,
    /// The `usb_*` tuning options.
    pub usb: UsbTuning,
    /// `pollinterval` (driver core option, default 2 s).
    pub pollinterval: Duration,
    /// `interruptsize`: interrupt read length.
    pub interrupt_size: Option<usize>,
    /// `interrupt_pipe_no_events_tolerance`: reconnect after more than
    /// this many consecutive cycles without an interrupt report (`None` =
    /// never, NUT's −1).
    pub no_events_tolerance: Option<u32>,
    /// `waitbeforereconnect`: extra delay before each reconnect attempt.
    pub wait_before_reconnect: Duration,
    /// `maxreport`: NUT's short GET_REPORT length quirk.
    pub max_report: bool,
    /// `disable_fix_report_desc`.
    pub disable_fix_report_desc: bool,
    /// Non-fatal remarks about options (NUT logs these).
    pub warnings: Vec<String>,
}

impl Default for DriverConfig {
    fn default() -> Self {
        Self {
            matching: UsbMatchOptions::default(),
            select: SelectOptions::default(),
            mapper: MapperConfig::default(),
            usb: UsbTuning::default(),
            pollinterval: DEFAULT_POLLINTERVAL,
            interrupt_size: None,
            no_events_tolerance: None,
            wait_before_reconnect: Duration::ZERO,
            max_report: false,
            disable_fix_report_desc: false,
            warnings: Vec::new(),
        }
    }
}

fn invalid(name: &str, value: &str, reason: &'static str) -> Error {
    Error::InvalidOption {
        name: name.to_owned(),
        value: value.chars().take(64).collect(),
        reason,
    }
}

fn seconds(name: &str, value: &str, positive: bool) -> Result<Duration, Error> {
    let number: u64 = value
        .trim()
        .parse()
        .map_err(|_| invalid(name, value, "not a whole number of seconds"))?;
    if positive && number == 0 {
        return Err(invalid(name, value, "must be at least 1 second"));
    }
    if number > MAX_OPTION_SECONDS {
        return Err(invalid(name, value, "more than one day"));
    }
    Ok(Duration::from_secs(number))
}

/// A byte in decimal or `0x` hexadecimal (NUT reads these with `strtol`).
fn byte(name: &str, value: &str) -> Result<u8, Error> {
    let text = value.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| invalid(name, value, "not a number from 0 to 255"))
}

impl DriverConfig {
    /// Apply one `ups.conf` entry: `value` is `None` for a flag. Returns
    /// `Ok(false)` for a name this driver does not know (the caller decides
    /// whether that is an error: the generic driver options are not here).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for a bad value, a flag given a value, or
    /// a value option given none.
    pub fn set_option(&mut self, name: &str, value: Option<&str>) -> Result<bool, Error> {
        const FLAGS: &[&str] = &[
            "allow_duplicates",
            "explore",
            "pollonly",
            "interruptonly",
            "maxreport",
            "disable_fix_report_desc",
            "onlinedischarge",
            "onlinedischarge_onbattery",
            "onlinedischarge_calibration",
            "lbrb_log_delay_without_calibrating",
            "ignorelb",
            "powercom_sdcmd_byte_order_fallback",
            "powercom_sdcmd_discrete_delay",
        ];
        if FLAGS.contains(&name) {
            if let Some(value) = value {
                return Err(invalid(name, value, "is a flag and takes no value"));
            }
            self.set_flag(name);
            return Ok(true);
        }
        if name == "usb_set_altinterface" {
            self.usb.alt_setting = Some(match value {
                Some(value) => byte(name, value)?,
                None => 0,
            });
            return Ok(true);
        }
        let Some(value) = value else {
            if VALUE_OPTIONS.contains(&name) {
                return Err(invalid(name, "", "needs a value"));
            }
            return Ok(false);
        };
        self.set_value(name, value)
    }

    fn set_flag(&mut self, name: &str) {
        match name {
            "allow_duplicates" => self.matching.allow_duplicates = true,
            "explore" => self.select.explore = true,
            "pollonly" => self.mapper.pollonly = true,
            "interruptonly" => self.mapper.interrupt_only = true,
            "maxreport" => self.max_report = true,
            "disable_fix_report_desc" => self.disable_fix_report_desc = true,
            "onlinedischarge" | "onlinedischarge_onbattery" => {
                self.mapper.status.onlinedischarge_onbattery = true;
            }
            "onlinedischarge_calibration" => self.mapper.status.onlinedischarge_calibration = true,
            "lbrb_log_delay_without_calibrating" => {
                self.mapper.status.lbrb_log_delay_without_calibrating = true;
            }
            "ignorelb" => self.mapper.ignore_lb = true,
            "powercom_sdcmd_byte_order_fallback" => self.select.powercom_byte_order_fallback = true,
            "powercom_sdcmd_discrete_delay" => self.select.powercom_discrete_delay = true,
            _ => {}
        }
    }

    fn set_value(&mut self, name: &str, value: &str) -> Result<bool, Error> {
        let text = || Some(value.to_owned());
        match name {
            "vendorid" => self.matching.vendor_id = text(),
            "productid" => self.matching.product_id = text(),
            "vendor" => self.matching.vendor = text(),
            "product" => self.matching.product = text(),
            "serial" => self.matching.serial = text(),
            "bus" => self.matching.bus = text(),
            "device" => self.matching.device = text(),
            "busport" => self.matching.busport = text(),
            "subdriver" => self.select.subdriver = text(),
            "lowbatt" => self.mapper.lowbatt = text(),
            "ondelay" => self.mapper.ondelay = text(),
            "offdelay" => self.mapper.offdelay = text(),
            "pollfreq" => self.mapper.pollfreq = Some(seconds(name, value, true)?),
            "pollinterval" => self.pollinterval = seconds(name, value, true)?,
            "waitbeforereconnect" => self.wait_before_reconnect = seconds(name, value, false)?,
            "lbrb_log_delay_sec" => {
                self.mapper.status.lbrb_log_delay = Some(seconds(name, value, false)?);
            }
            "interruptsize" => {
                let size: i64 = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid(name, value, "not a number"))?;
                if size <= 0 {
                    return Err(invalid(name, value, "must be greater than 0"));
                }
                let size = usize::try_from(size)
                    .ok()
                    .filter(|s| *s <= MAX_INTERRUPT_SIZE)
                    .ok_or_else(|| invalid(name, value, "larger than the interrupt size limit"))?;
                self.interrupt_size = Some(size);
            }
            "interrupt_pipe_no_events_tolerance" => {
                self.no_events_tolerance = match value.trim().parse::<i64>() {
                    Ok(n) if n >= 0 => Some(u32::try_from(n).unwrap_or(u32::MAX)),
                    Ok(_) => None,
                    Err(_) => {
                        if self.warnings.len() < MAX_WARNINGS {
                            self.warnings.push(format!(
                                "interrupt_pipe_no_events_tolerance={value:.64}: not a number, using -1"
                            ));
                        }
                        None
                    }
                };
            }
            "usb_config_index" => self.usb.config_index = byte(name, value)?,
            "usb_hid_rep_index" => self.usb.interface = Some(byte(name, value)?),
            "usb_hid_desc_index" => self.usb.descriptor_index = Some(byte(name, value)?),
            "usb_hid_ep_in" => self.usb.endpoint_in = Some(byte(name, value)?),
            "usb_hid_ep_out" => self.usb.endpoint_out = Some(byte(name, value)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The selection options with the IDs and tuning flags filled in from
    /// the other options (what [`crate::select()`] needs).
    #[must_use]
    pub fn select_options(&self) -> SelectOptions {
        let mut select = self.select.clone();
        select.vendor_id.clone_from(&self.matching.vendor_id);
        select.product_id.clone_from(&self.matching.product_id);
        select.interface_configured = self.usb.interface.is_some();
        select.endpoint_in_configured = self.usb.endpoint_in.is_some();
        select.endpoint_out_configured = self.usb.endpoint_out.is_some();
        select
    }

    /// How to open the interface: the configured tuning, else what the
    /// claim chose, else NUT's defaults.
    #[must_use]
    pub fn open_options(&self, effects: &crate::select::ClaimEffects) -> OpenOptions {
        let defaults = OpenOptions::new();
        OpenOptions {
            config_index: self.usb.config_index,
            interface: self
                .usb
                .interface
                .or(effects.interface)
                .unwrap_or(defaults.interface),
            descriptor_index: self.usb.descriptor_index,
            endpoint_in: self
                .usb
                .endpoint_in
                .or(effects.endpoint_in)
                .unwrap_or(defaults.endpoint_in),
            endpoint_out: self
                .usb
                .endpoint_out
                .or(effects.endpoint_out)
                .unwrap_or(defaults.endpoint_out),
            alt_setting: self.usb.alt_setting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::ClaimEffects;

    fn set(config: &mut DriverConfig, name: &str, value: Option<&str>) -> Result<bool, Error> {
        config.set_option(name, value)
    }

    #[test]
    fn matching_options_feed_selection() {
        let mut config = DriverConfig::default();
        assert_eq!(set(&mut config, "vendorid", Some("051d")), Ok(true));
        assert_eq!(set(&mut config, "productid", Some("0002")), Ok(true));
        assert_eq!(set(&mut config, "serial", Some("3B.*")), Ok(true));
        assert_eq!(set(&mut config, "allow_duplicates", None), Ok(true));
        let select = config.select_options();
        assert_eq!(select.vendor_id.as_deref(), Some("051d"));
        assert_eq!(select.product_id.as_deref(), Some("0002"));
        assert!(config.matching.allow_duplicates);
        assert_eq!(config.matching.serial.as_deref(), Some("3B.*"));
    }

    #[test]
    fn timing_options() {
        let mut config = DriverConfig::default();
        assert_eq!(config.pollinterval, DEFAULT_POLLINTERVAL);
        set(&mut config, "pollfreq", Some("12")).expect("valid");
        set(&mut config, "pollinterval", Some("1")).expect("valid");
        set(&mut config, "waitbeforereconnect", Some("0")).expect("valid");
        assert_eq!(config.mapper.pollfreq, Some(Duration::from_secs(12)));
        assert_eq!(config.pollinterval, Duration::from_secs(1));
        assert!(set(&mut config, "pollfreq", Some("0")).is_err());
        assert!(set(&mut config, "pollfreq", Some("soon")).is_err());
        let limit = MAX_OPTION_SECONDS.to_string();
        let over = (MAX_OPTION_SECONDS + 1).to_string();
        assert!(set(&mut config, "pollinterval", Some(&limit)).is_ok());
        assert!(set(&mut config, "pollinterval", Some(&over)).is_err());
    }

    #[test]
    fn interruptsize_must_be_positive_and_bounded() {
        let mut config = DriverConfig::default();
        for bad in ["0", "-8", "x"] {
            let error = set(&mut config, "interruptsize", Some(bad)).expect_err(bad);
            assert!(error.to_string().contains("interruptsize"), "{error}");
        }
        let limit = MAX_INTERRUPT_SIZE.to_string();
        let over = (MAX_INTERRUPT_SIZE + 1).to_string();
        assert_eq!(set(&mut config, "interruptsize", Some(&limit)), Ok(true));
        assert!(set(&mut config, "interruptsize", Some(&over)).is_err());
        assert_eq!(set(&mut config, "interruptsize", Some("8")), Ok(true));
        assert_eq!(config.interrupt_size, Some(8));
    }

    #[test]
    fn no_events_tolerance_falls_back_to_never() {
        let mut config = DriverConfig::default();
        set(&mut config, "interrupt_pipe_no_events_tolerance", Some("3")).expect("valid");
        assert_eq!(config.no_events_tolerance, Some(3));
        set(
            &mut config,
            "interrupt_pipe_no_events_tolerance",
            Some("-1"),
        )
        .expect("valid");
        assert_eq!(config.no_events_tolerance, None);
        set(
            &mut config,
            "interrupt_pipe_no_events_tolerance",
            Some("many"),
        )
        .expect("valid");
        assert_eq!(config.no_events_tolerance, None);
        assert_eq!(config.warnings.len(), 1);
    }

    #[test]
    fn flags_and_values_are_told_apart() {
        let mut config = DriverConfig::default();
        assert!(set(&mut config, "pollonly", Some("yes")).is_err());
        assert!(set(&mut config, "pollfreq", None).is_err());
        assert!(set(&mut config, "vendorid", None).is_err());
        assert_eq!(set(&mut config, "no_such_option", None), Ok(false));
        assert_eq!(set(&mut config, "no_such_option", Some("1")), Ok(false));
        for flag in ["pollonly", "interruptonly", "onlinedischarge", "maxreport"] {
            assert_eq!(set(&mut config, flag, None), Ok(true), "{flag}");
        }
        assert!(config.mapper.pollonly && config.mapper.interrupt_only && config.max_report);
        assert!(config.mapper.status.onlinedischarge_onbattery);
    }

    #[test]
    fn usb_tuning_overrides_claims() {
        let mut config = DriverConfig::default();
        let effects = ClaimEffects {
            interface: Some(2),
            endpoint_in: Some(4),
            ..ClaimEffects::default()
        };
        let open = config.open_options(&effects);
        assert_eq!(
            (open.interface, open.endpoint_in, open.endpoint_out),
            (2, 4, 1)
        );
        set(&mut config, "usb_hid_rep_index", Some("0x01")).expect("hex");
        set(&mut config, "usb_hid_ep_in", Some("3")).expect("decimal");
        assert!(set(&mut config, "usb_hid_ep_in", Some("256")).is_err());
        let open = config.open_options(&effects);
        assert_eq!((open.interface, open.endpoint_in), (1, 3));
        assert!(config.select_options().interface_configured);
        set(&mut config, "usb_set_altinterface", None).expect("flag form");
        assert_eq!(config.usb.alt_setting, Some(0));
    }
}
