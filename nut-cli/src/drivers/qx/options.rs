//! The options of `nutdrv_qx` and `blazer_ser` (NUT 2.8.0's variable
//! tables, as `-h`/`-L` list them) and their translation into the engine's
//! [`QxConfig`], the cable's power lines and the protocols to probe.

use nut_serial::port::CablePower;
use nut_serial::qx::{Protocol, QxConfig};
use nut_server::driver::{Settings, VarKind, VarTable};

use super::usb::{SIMULATE_OPTION, UsbOptions};

/// Which NUT program the glue plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `nutdrv_qx`: every protocol, NUT's probe order.
    NutdrvQx,
    /// `blazer_ser`: the legacy Megatec/Q1 driver (four protocols,
    /// `ondelay` in minutes, `ups.mfr`/`ups.model` published too).
    BlazerSer,
}

/// The protocols `blazer_ser` knows, in its probe order.
pub const BLAZER_PROTOCOLS: [Protocol; 4] = [
    Protocol::Megatec,
    Protocol::MegatecOld,
    Protocol::Mustek,
    Protocol::Zinto,
];

/// Options that select NUT's USB transport instead of the serial port
/// (whatever `port` says, as in NUT).
const USB_OPTIONS: [&str; 13] = [
    "subdriver",
    "vendor",
    "product",
    "serial",
    "vendorid",
    "productid",
    "bus",
    "device",
    "busport",
    "usb_set_altinterface",
    "langid_fix",
    "noscanlangid",
    SIMULATE_OPTION,
];

/// Options the engine itself applies (`QxConfig::set_option`).
const ENGINE_OPTIONS: [&str; 13] = [
    "protocol",
    "novendor",
    "norating",
    "ignoresab",
    "nooutstats",
    "stayoff",
    "battery_voltage_reports_one_pack",
    "ondelay",
    "offdelay",
    "pollfreq",
    "runtimecal",
    "chargetime",
    "idleload",
];

/// nutdrv_qx 0.32's table (NUT 2.8.0), then what newer NUT added and our
/// engine supports.
const QX_VARS: &[(&str, VarKind, &str)] = &[
    (
        "offdelay",
        VarKind::Value,
        "Set shutdown delay, in seconds (default=30)",
    ),
    (
        "ondelay",
        VarKind::Value,
        "Set startup delay, in seconds (default=180)",
    ),
    (
        "stayoff",
        VarKind::Flag,
        "If invoked the UPS won't return after a shutdown when FSD arises",
    ),
    (
        "pollfreq",
        VarKind::Value,
        "Set polling frequency, in seconds, to reduce data flow (default=30)",
    ),
    (
        "protocol",
        VarKind::Value,
        "Preselect communication protocol (skip autodetection)",
    ),
    (
        "runtimecal",
        VarKind::Value,
        "Parameters used for runtime calculation",
    ),
    (
        "chargetime",
        VarKind::Value,
        "Nominal charge time for UPS battery",
    ),
    (
        "idleload",
        VarKind::Value,
        "Minimum load to be used for runtime calculation",
    ),
    (
        "subdriver",
        VarKind::Value,
        "Serial-over-USB subdriver selection",
    ),
    (
        "vendor",
        VarKind::Value,
        "Regular expression to match UPS Manufacturer string",
    ),
    (
        "product",
        VarKind::Value,
        "Regular expression to match UPS Product string",
    ),
    (
        "serial",
        VarKind::Value,
        "Regular expression to match UPS Serial number",
    ),
    (
        "vendorid",
        VarKind::Value,
        "Regular expression to match UPS Manufacturer numerical ID (4 digits hexadecimal)",
    ),
    (
        "productid",
        VarKind::Value,
        "Regular expression to match UPS Product numerical ID (4 digits hexadecimal)",
    ),
    (
        "bus",
        VarKind::Value,
        "Regular expression to match USB bus name",
    ),
    (
        "device",
        VarKind::Value,
        "Regular expression to match USB device name",
    ),
    (
        "usb_set_altinterface",
        VarKind::Value,
        "Force redundant call to usb_set_altinterface() (value=bAlternateSetting; default=0)",
    ),
    (
        "langid_fix",
        VarKind::Value,
        "Apply the language ID workaround to the krauler subdriver (0x409 or 0x4095)",
    ),
    (
        "noscanlangid",
        VarKind::Flag,
        "Don't autoscan valid range for langid",
    ),
    (
        "cablepower",
        VarKind::Value,
        "Set cable power for serial interface",
    ),
    (
        "reset_to_default",
        VarKind::Flag,
        "Reset capability options and their limits to safe default values",
    ),
    (
        "bypass_alarm",
        VarKind::Value,
        "Alarm (BEEP!) at Bypass Mode [enabled/disabled]",
    ),
    (
        "battery_alarm",
        VarKind::Value,
        "Alarm (BEEP!) at Battery Mode [enabled/disabled]",
    ),
    (
        "bypass_when_off",
        VarKind::Value,
        "Bypass when the UPS is Off [enabled/disabled]",
    ),
    (
        "alarm_control",
        VarKind::Value,
        "Alarm (BEEP!) Control [enabled/disabled]",
    ),
    (
        "converter_mode",
        VarKind::Value,
        "Converter Mode [enabled/disabled]",
    ),
    ("eco_mode", VarKind::Value, "ECO Mode [enabled/disabled]"),
    (
        "battery_open_status_check",
        VarKind::Value,
        "Battery Open Status Check [enabled/disabled]",
    ),
    (
        "bypass_forbidding",
        VarKind::Value,
        "Bypass not allowed (Bypass Forbidding) [enabled/disabled]",
    ),
    (
        "site_fault_detection",
        VarKind::Value,
        "Site fault detection [enabled/disabled]",
    ),
    (
        "advanced_eco_mode",
        VarKind::Value,
        "Advanced ECO Mode [enabled/disabled]",
    ),
    (
        "constant_phase_angle",
        VarKind::Value,
        "Constant Phase Angle Function (Output and input phase angles are not equal) [enabled/disabled]",
    ),
    (
        "limited_runtime_on_battery",
        VarKind::Value,
        "Limited runtime on battery mode [enabled/disabled]",
    ),
    (
        "max_bypass_volt",
        VarKind::Value,
        "Maximum voltage for Bypass Mode",
    ),
    (
        "min_bypass_volt",
        VarKind::Value,
        "Minimum voltage for Bypass Mode",
    ),
    (
        "max_bypass_freq",
        VarKind::Value,
        "Maximum frequency for Bypass Mode",
    ),
    (
        "min_bypass_freq",
        VarKind::Value,
        "Minimum frequency for Bypass Mode",
    ),
    (
        "work_range_type",
        VarKind::Value,
        "Device grid working range for P31 UPSes [Appliance/UPS]",
    ),
    (
        "output_phase_angle",
        VarKind::Value,
        "Change output phase angle to the provided value [000, 120, 180, 240]°",
    ),
    (
        "battery_number",
        VarKind::Value,
        "Set number of batteries that make a pack to n (integer, 1-9)",
    ),
    (
        "testing",
        VarKind::Flag,
        "If invoked the driver will exec also commands that still need testing",
    ),
    (
        "ignoresab",
        VarKind::Flag,
        "Ignore 'Shutdown Active' bit in UPS status",
    ),
    (
        "norating",
        VarKind::Flag,
        "Skip reading rating information from UPS",
    ),
    (
        "novendor",
        VarKind::Flag,
        "Skip reading vendor information from UPS",
    ),
    (
        "pins_shutdown_mode",
        VarKind::Value,
        "Set shutdown mode functionality of Pin 1 and Pin 7 on the UPS DB9 communication port (Per Best Power's EPS-0059) to n (integer, 0-6)",
    ),
    ("series", VarKind::Value, "Series (A/E)"),
    (
        "slave_address",
        VarKind::Value,
        "Slave address (UPS id) to match",
    ),
    (
        "input_fault_voltage",
        VarKind::Value,
        "Input fault voltage (whatever that means)",
    ),
    (
        "number_of_battery_cells",
        VarKind::Value,
        "Number of battery cells in series",
    ),
    (
        "nominal_cell_voltage",
        VarKind::Value,
        "Nominal battery cell voltage",
    ),
    (
        "runtime_half",
        VarKind::Value,
        "Nominal battery run time at 50% load (seconds)",
    ),
    (
        "runtime_full",
        VarKind::Value,
        "Nominal battery run time at 100% load (seconds)",
    ),
    (
        "recharge_time",
        VarKind::Value,
        "Nominal battery recharge time to 95% capacity (seconds)",
    ),
    (
        "output_voltages",
        VarKind::Value,
        "Possible output voltages (volts)",
    ),
    ("fault_1", VarKind::Value, "Fault record 1 (newest)"),
    ("fault_2", VarKind::Value, "Fault record 2"),
    ("fault_3", VarKind::Value, "Fault record 3"),
    ("fault_4", VarKind::Value, "Fault record 4"),
    ("fault_5", VarKind::Value, "Fault record 5 (oldest)"),
    (
        "nooutstats",
        VarKind::Flag,
        "Skip reading output load stats information from UPS",
    ),
    (
        "battery_voltage_reports_one_pack",
        VarKind::Flag,
        "If invoked the driver will treat the battery voltage reported by the UPS as that of one battery pack",
    ),
    (
        "busport",
        VarKind::Value,
        "Regular expression to match USB bus port name",
    ),
    (
        SIMULATE_OPTION,
        VarKind::Value,
        "nut-rs: drive a simulated Q* UPS behind a USB bridge instead of USB (bridge[:protocol], e.g. cypress or hunnox:hunnox) - for tests and demos",
    ),
];

/// blazer_ser 1.58's table (NUT 2.8.0; `protocol` is a flag there, yet
/// takes a value).
const BLAZER_VARS: &[(&str, VarKind, &str)] = &[
    (
        "cablepower",
        VarKind::Value,
        "Set cable power for serial interface",
    ),
    (
        "ondelay",
        VarKind::Value,
        "Delay before UPS startup (minutes)",
    ),
    (
        "offdelay",
        VarKind::Value,
        "Delay before UPS shutdown (seconds)",
    ),
    (
        "runtimecal",
        VarKind::Value,
        "Parameters used for runtime calculation",
    ),
    (
        "chargetime",
        VarKind::Value,
        "Nominal charge time for UPS battery",
    ),
    (
        "idleload",
        VarKind::Value,
        "Minimum load to be used for runtime calculation",
    ),
    (
        "norating",
        VarKind::Flag,
        "Skip reading rating information from UPS",
    ),
    (
        "novendor",
        VarKind::Flag,
        "Skip reading vendor information from UPS",
    ),
    (
        "protocol",
        VarKind::Flag,
        "Preselect communication protocol (skip autodetection)",
    ),
];

/// The option table of `flavour`.
pub fn vartab(flavour: Flavour) -> VarTable {
    let rows = match flavour {
        Flavour::NutdrvQx => QX_VARS,
        Flavour::BlazerSer => BLAZER_VARS,
    };
    let mut table = VarTable::new();
    for (name, kind, help) in rows {
        table.add(name, *kind, help);
    }
    table
}

/// What the glue takes from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct QxOptions {
    /// The engine's configuration (without a protocol for autodetection).
    pub config: QxConfig,
    /// The protocols to probe one after another, each with its own engine
    /// (`blazer_ser`'s order); empty: the engine probes NUT's order itself.
    pub candidates: Vec<Protocol>,
    /// `cablepower`.
    pub cable: CablePower,
    /// The USB options when the device is on USB (`port=auto` or any USB
    /// option given; nutdrv_qx only).
    pub usb: Option<UsbOptions>,
}

/// Translates the accepted options (`settings`) into [`QxOptions`]; the
/// error is the fatal message for the user.
pub fn from_settings(flavour: Flavour, settings: &Settings) -> Result<QxOptions, String> {
    from_options(
        flavour,
        settings.port.as_deref(),
        settings.pollinterval,
        &settings.options,
    )
}

/// [`from_settings`] from its parts: the port, the poll interval
/// (seconds) and the driver's own options as written.
pub fn from_options(
    flavour: Flavour,
    port: Option<&str>,
    pollinterval: u32,
    options: &[(String, Option<String>)],
) -> Result<QxOptions, String> {
    let mut config = QxConfig {
        pollinterval: std::time::Duration::from_secs(u64::from(pollinterval.max(1))),
        ..QxConfig::default()
    };
    let mut cable = CablePower::default();
    let mut usb =
        flavour == Flavour::NutdrvQx && port.is_some_and(|p| p.eq_ignore_ascii_case("auto"));
    for (name, value) in options {
        let name = name.to_ascii_lowercase();
        let value = value.as_deref().unwrap_or("");
        if name == "cablepower" {
            cable = value.parse().map_err(|e| format!("{e}"))?;
        } else if flavour == Flavour::NutdrvQx && USB_OPTIONS.contains(&name.as_str()) {
            usb = true;
        } else if flavour == Flavour::BlazerSer && name == "ondelay" {
            // blazer_ser counts ondelay in minutes.
            let minutes: i64 = value
                .trim()
                .parse()
                .map_err(|_| format!("Invalid value for ondelay: {value:?} (minutes)"))?;
            config.ondelay = Some(minutes.saturating_mul(60));
        } else if ENGINE_OPTIONS.contains(&name.as_str()) {
            config
                .set_option(&name, value)
                .map_err(|e| format!("{e}"))?;
        }
        // Anything else is registered only (NUT reads it for protocols or
        // transports not wired here, or not at all).
    }
    let usb = if usb {
        Some(UsbOptions::from_options(options, config.novendor)?)
    } else {
        None
    };
    if flavour == Flavour::BlazerSer {
        // blazer_ser always scales a one-pack (or one-cell) reading by the
        // packs it detects from the nominal voltage, and has no pollfreq:
        // every poll after the first is a full one (one Q1 exchange).
        config.battery_voltage_reports_one_pack = true;
        config.pollfreq = std::time::Duration::ZERO;
    }
    let candidates = match flavour {
        Flavour::NutdrvQx => Vec::new(),
        Flavour::BlazerSer => match config.protocol.take() {
            Some(p) if BLAZER_PROTOCOLS.contains(&p) => vec![p],
            Some(p) => {
                return Err(format!(
                    "Unknown protocol [{}] (blazer_ser knows megatec, megatec/old, mustek, zinto)",
                    p.name()
                ));
            }
            None => BLAZER_PROTOCOLS.to_vec(),
        },
    };
    Ok(QxOptions {
        config,
        candidates,
        cable,
        usb,
    })
}
