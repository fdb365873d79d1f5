//! `usbhid-ups` on the driver runtime: the [`Program`] (options, banner,
//! device start-up) around nut-hid's sans-IO loop core
//! ([`nut_hid::transport::UsbHidDriver`]) and its mapper.
//!
//! * USB: with the `usb` cargo feature (on by default; libusb is compiled
//!   from the source bundled with `libusb1-sys` unless the `usb-system`
//!   build is chosen) the driver opens real devices through libusb.
//!   Without it, only a simulated device can be driven.
//! * Simulation (beyond NUT, for tests and demos): `-x simulate=builtin`
//!   or `-x simulate=<descriptor file>` serves a simulated HID UPS
//!   ([`sim`]) instead of USB; in the foreground, line commands on stdin
//!   change it while the driver runs (`ob`, `lb`, `charge 40`, `unplug`,
//!   `replug`, …, see [`sim::COMMANDS_HELP`]). Everything after the bus is
//!   the code path of a real device.
//! * [`explore`]: the JSON dump of a device's descriptor and decoded
//!   values behind `nut hid explore`.

pub mod bus;
pub mod driver;
pub mod explore;
pub mod sim;

use std::io::BufReader;
use std::time::Duration;

use nut_hid::sim::SimBus;
use nut_hid::transport::{DriverConfig, UsbHidDriver};
use nut_server::driver::{Identity, NUT_VERSION, Settings, VarKind, VarTable};
use nut_server::error::Error;
use nut_server::runtime::program::{InitContext, Program, Started};
use nut_server::state::DriverState;

pub use bus::HidBus;
pub use driver::UsbHidUps;

/// The program name.
pub const PROGRAM: &str = "usbhid-ups";
/// NUT 2.8.0's `usbhid-ups` version.
pub const INTERNAL_VERSION: &str = "0.47";
/// The option that selects a simulated device (beyond NUT).
pub const SIMULATE_OPTION: &str = "simulate";

/// NUT 2.8.0's options, in its order and words (`-h`, `-L`).
const NUT_280_OPTIONS: &[(&str, VarKind, &str)] = &[
    (
        "lowbatt",
        VarKind::Value,
        "Set low battery level, in % (default=30)",
    ),
    (
        "offdelay",
        VarKind::Value,
        "Set shutdown delay, in seconds (default=20)",
    ),
    (
        "ondelay",
        VarKind::Value,
        "Set startup delay, in seconds (default=30)",
    ),
    (
        "pollfreq",
        VarKind::Value,
        "Set polling frequency, in seconds, to reduce data flow (default=30)",
    ),
    (
        "pollonly",
        VarKind::Flag,
        "Don't use interrupt pipe, only use polling",
    ),
    (
        "onlinedischarge",
        VarKind::Flag,
        "Set to treat discharging while online as being offline",
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
        "explore",
        VarKind::Flag,
        "Diagnostic matching of unsupported UPS",
    ),
    (
        "maxreport",
        VarKind::Flag,
        "Activate tweak for buggy APC Back-UPS firmware",
    ),
    (
        "interruptonly",
        VarKind::Flag,
        "Don't use polling, only use interrupt pipe",
    ),
    (
        "interruptsize",
        VarKind::Value,
        "Number of bytes to read from interrupt pipe",
    ),
];

/// Options of later NUT 2.8.x releases (nut-spec.md §10.1).
const NUT_28X_OPTIONS: &[(&str, VarKind, &str)] = &[
    (
        "busport",
        VarKind::Value,
        "Regular expression to match USB bus port name",
    ),
    (
        "allow_duplicates",
        VarKind::Flag,
        "If you have several UPS devices which may not be uniquely identified by options above, allow each driver instance with this option to take the first match if available, or try another (association of driver to device may vary between runs)",
    ),
    (
        "subdriver",
        VarKind::Value,
        "Regular expression to match a subdriver name (needs vendorid and productid)",
    ),
    (
        "usb_config_index",
        VarKind::Value,
        "Deeper tuning of USB communications for complex devices",
    ),
    (
        "usb_hid_rep_index",
        VarKind::Value,
        "Deeper tuning of USB communications for complex devices",
    ),
    (
        "usb_hid_desc_index",
        VarKind::Value,
        "Deeper tuning of USB communications for complex devices",
    ),
    (
        "usb_hid_ep_in",
        VarKind::Value,
        "Deeper tuning of USB communications for complex devices",
    ),
    (
        "usb_hid_ep_out",
        VarKind::Value,
        "Deeper tuning of USB communications for complex devices",
    ),
    (
        "interrupt_pipe_no_events_tolerance",
        VarKind::Value,
        "How many times in a row do we tolerate 'Got 0 HID objects' from USB interrupts? (default=-1: forever)",
    ),
    (
        "onlinedischarge_onbattery",
        VarKind::Flag,
        "Set to treat discharging while online as being offline",
    ),
    (
        "onlinedischarge_calibration",
        VarKind::Flag,
        "Set to treat discharging while online as doing calibration",
    ),
    (
        "onlinedischarge_log_throttle_sec",
        VarKind::Value,
        "Set to throttle log messages about discharging while online (only so often)",
    ),
    (
        "onlinedischarge_log_throttle_hovercharge",
        VarKind::Value,
        "Set to throttle log messages about discharging while online (only if battery.charge is under this value)",
    ),
    (
        "lbrb_log_delay_sec",
        VarKind::Value,
        "Set to delay status-setting (and log messages) about device in LB or LB+RB state",
    ),
    (
        "lbrb_log_delay_without_calibrating",
        VarKind::Flag,
        "Set to apply lbrb_log_delay_sec even if device is not calibrating",
    ),
    (
        "disable_fix_report_desc",
        VarKind::Flag,
        "Set to disable fix-ups for broken USB encoding, etc. which we apply by default on certain vendors/products",
    ),
    (
        "powercom_sdcmd_byte_order_fallback",
        VarKind::Flag,
        "Set to use legacy byte order for Powercom HID shutdown commands",
    ),
    (
        "powercom_sdcmd_discrete_delay",
        VarKind::Flag,
        "Set to use discrete delay values for Powercom HID shutdown commands",
    ),
    (
        "waitbeforereconnect",
        VarKind::Value,
        "Seconds to wait before trying to reconnect (default=0)",
    ),
    ("notification", VarKind::Value, "Ignored (compatibility)"),
];

/// Options that the driver accepts but has nothing to do with (beyond the
/// loop core's own).
const ACCEPTED_ONLY: &[&str] = &[
    "notification",
    "onlinedischarge_log_throttle_sec",
    "onlinedischarge_log_throttle_hovercharge",
    SIMULATE_OPTION,
];

/// The `usbhid-ups` program.
#[derive(Debug, Clone, Default)]
pub struct UsbHidUpsProgram {
    /// Drive the devices of this simulated bus instead of USB (what
    /// `nut sim hid` uses; `-x simulate=…` builds its own).
    pub sim: Option<SimBus>,
}

/// The driver's options (NUT's `vartab`): NUT 2.8.0's, then those of later
/// 2.8.x releases, then `simulate` (beyond NUT).
#[must_use]
pub fn vartab() -> VarTable {
    let mut table = VarTable::new();
    for (name, kind, help) in NUT_280_OPTIONS.iter().chain(NUT_28X_OPTIONS) {
        table.add(name, *kind, help);
    }
    table.add(
        SIMULATE_OPTION,
        VarKind::Value,
        "nut-rs: drive a simulated HID UPS instead of USB (builtin, or a report descriptor file, hex or binary) - for tests and demos",
    );
    table
}

/// The loop core's configuration from the applied `ups.conf` section.
///
/// # Errors
///
/// A bad option value (the message names it).
pub fn driver_config(settings: &Settings) -> Result<DriverConfig, String> {
    let mut config = DriverConfig::default();
    for (name, value) in &settings.options {
        let name = name.to_ascii_lowercase();
        if ACCEPTED_ONLY.contains(&name.as_str()) {
            continue;
        }
        match config.set_option(&name, value.as_deref()) {
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    config.pollinterval = Duration::from_secs(u64::from(settings.pollinterval.max(1)));
    config.mapper.ignore_lb = config.mapper.ignore_lb || settings.ignorelb;
    Ok(config)
}

/// The bus for `settings`: the program's simulated bus, a simulated device
/// of its own for `simulate=`, else USB.
fn open_bus(program: &UsbHidUpsProgram, settings: &Settings) -> Result<HidBus, String> {
    if let Some(bus) = &program.sim {
        return Ok(HidBus::Sim(bus.clone()));
    }
    let Some(spec) = settings.value(SIMULATE_OPTION) else {
        return HidBus::usb();
    };
    let spec = sim::load(
        spec,
        settings.value("vendorid"),
        settings.value("productid"),
    )?;
    let (bus, unit) = sim::bus(&spec)?;
    let control = sim::SimControl::new(bus.clone(), unit);
    // Commands on stdin while in the foreground (a background driver's
    // stdin is /dev/null: the thread ends at once).
    let spawned = std::thread::Builder::new()
        .name("hid-sim-stdin".to_owned())
        .spawn(move || {
            control.serve_lines(BufReader::new(std::io::stdin()), std::io::stdout(), "sim: ");
        });
    if let Err(e) = spawned {
        return Err(format!("can't start the simulation's command reader: {e}"));
    }
    Ok(HidBus::Sim(bus))
}

/// NUT's fatal message for a start-up failure.
fn start_error(error: &nut_hid::Error) -> String {
    match error {
        nut_hid::Error::NoMatchingDevice { .. } => "No matching HID UPS found".to_owned(),
        other => other.to_string(),
    }
}

impl Program for UsbHidUpsProgram {
    type Driver = UsbHidUps;

    fn name(&self) -> &'static str {
        PROGRAM
    }

    fn description(&self) -> &'static str {
        "Generic HID driver"
    }

    fn identity(&self) -> Identity {
        Identity {
            program: PROGRAM.to_owned(),
            version: NUT_VERSION.to_owned(),
            internal_version: INTERNAL_VERSION.to_owned(),
        }
    }

    fn vartab(&self) -> VarTable {
        vartab()
    }

    fn help(&self) -> String {
        format!(
            "\nnut-rs: with -x simulate=builtin (or a descriptor file, VVVV-PPPP-*.hex) the\n\
             driver serves a simulated UPS instead of USB; in the foreground (-F) it reads\n\
             {}",
            sim::COMMANDS_HELP.replacen(
                "simulated UPS commands (one per line on stdin):\n",
                "these commands on stdin:\n",
                1
            )
        )
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<UsbHidUps>, Error> {
        let config = driver_config(ctx.settings).map_err(Error::Device)?;
        let bus = open_bus(self, ctx.settings).map_err(Error::Device)?;
        state.set_info("driver.version.usb", &bus.version_text());
        let mut hid = UsbHidDriver::new(bus, config).map_err(|e| Error::Device(e.to_string()))?;
        hid.handle_start(ctx.now)
            .map_err(|e| Error::Device(start_error(&e)))?;
        let driver = UsbHidUps::new(hid, state);
        Ok(Started {
            driver,
            events: None,
        })
    }
}

#[cfg(test)]
mod tests;
