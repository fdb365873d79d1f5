//! `nutdrv_qx` and `blazer_ser`: the Megatec/Q* engine of
//! [`nut_serial::qx`] on a serial port or (nutdrv_qx) a USB bridge, as
//! programs of the driver runtime.
//!
//! * [`options`]: NUT 2.8.0's option tables and their translation;
//! * [`driver`]: the engine on a blocking [`wire`] as a runtime [`Driver`]
//!   (polls, staleness and recovery, RW delays, instant commands,
//!   shutdown);
//! * [`usb`]: NUT's USB options, device matching, the bridge choice and
//!   the USB wire (re-opened after errors);
//! * here: the two [`Program`]s (identity, banner, `-h` text, opening the
//!   port with the cable's power lines or the USB device, and probing).
//!
//! The serial transport is `serialport` at 2400 baud 8N1 (see
//! [`nut_serial::port::SerialLink`]). `port=auto`, or any USB option,
//! selects USB as in NUT: real devices with the cargo feature `usb` (or
//! `usb-system`), and beyond NUT a simulated unit with
//! `-x simulate_usb=<bridge>[:<protocol>]`.
//!
//! [`Driver`]: nut_server::runtime::Driver

pub mod driver;
pub mod options;
pub mod sim_control;
pub mod usb;
pub mod wire;

use nut_serial::port::{QX_BAUD, SerialLink};
use nut_serial::qx::Engine;
use nut_server::driver::{Identity, NUT_VERSION, VarTable};
use nut_server::error::Error;
use nut_server::runtime::program::{InitContext, Program, Started};
use nut_server::state::DriverState;

pub use driver::QxDriver;
pub use options::Flavour;
pub use usb::{QxUsbBus, UsbWire};
pub use wire::{QxWire, Step};

/// Where the program's UPS is: a serial port or a USB unit.
#[derive(Debug)]
#[non_exhaustive]
pub enum QxPort {
    /// A serial port.
    Serial(SerialLink),
    /// A unit behind a USB bridge.
    Usb(UsbWire<QxUsbBus>),
}

impl QxWire for QxPort {
    fn name(&self) -> &str {
        match self {
            Self::Serial(l) => QxWire::name(l),
            Self::Usb(w) => w.name(),
        }
    }

    fn send(&mut self, query: &[u8]) -> Result<(), String> {
        match self {
            Self::Serial(l) => QxWire::send(l, query),
            Self::Usb(w) => w.send(query),
        }
    }

    fn receive(&mut self, engine: &mut Engine) -> Result<Step, String> {
        match self {
            Self::Serial(l) => l.receive(engine),
            Self::Usb(w) => w.receive(engine),
        }
    }
}

/// The `nutdrv_qx` or `blazer_ser` program.
#[derive(Debug, Clone, Copy)]
pub struct QxProgram {
    /// Which of the two.
    pub flavour: Flavour,
}

impl QxProgram {
    /// `nutdrv_qx`.
    pub const NUTDRV_QX: Self = Self {
        flavour: Flavour::NutdrvQx,
    };
    /// `blazer_ser`.
    pub const BLAZER_SER: Self = Self {
        flavour: Flavour::BlazerSer,
    };
}

/// The hints NUT prints when the port cannot be opened.
const OPEN_HINTS: &str = "\nThings to try:\n\n - Check 'port=' in ups.conf\n\n - Check owner/permissions of all parts of path\n";

/// Reads [`sim_control`] commands from stdin for the simulated unit (a
/// background driver's stdin is /dev/null: the thread ends at once).
fn serve_sim_commands(bus: &nut_serial::qx::usb::sim::SimUsbBus) -> Result<(), Error> {
    let Some(unit) = bus.units().first().cloned() else {
        return Ok(());
    };
    let control = sim_control::SimControl::new(unit);
    std::thread::Builder::new()
        .name("qx-sim-stdin".to_owned())
        .spawn(move || {
            control.serve_lines(
                std::io::BufReader::new(std::io::stdin()),
                std::io::stdout(),
                "sim: ",
            );
        })
        .map(|_| ())
        .map_err(|e| Error::Device(format!("can't start the simulation's command reader: {e}")))
}

impl Program for QxProgram {
    type Driver = QxDriver<QxPort>;

    fn name(&self) -> &'static str {
        match self.flavour {
            Flavour::NutdrvQx => "nutdrv_qx",
            Flavour::BlazerSer => "blazer_ser",
        }
    }

    fn description(&self) -> &'static str {
        match self.flavour {
            Flavour::NutdrvQx => "Generic Q* USB/Serial driver",
            Flavour::BlazerSer => "Megatec/Q1 protocol serial driver",
        }
    }

    fn identity(&self) -> Identity {
        Identity {
            program: self.name().to_owned(),
            version: NUT_VERSION.to_owned(),
            internal_version: match self.flavour {
                Flavour::NutdrvQx => "0.32",
                Flavour::BlazerSer => "1.58",
            }
            .to_owned(),
        }
    }

    fn vartab(&self) -> VarTable {
        options::vartab(self.flavour)
    }

    fn help(&self) -> String {
        let mut text = String::new();
        if self.flavour == Flavour::NutdrvQx {
            text.push_str("\nProtocols (protocol=, autodetected in this order otherwise): ");
            let names: Vec<&str> = nut_serial::qx::PROBE_ORDER
                .iter()
                .filter(|p| p.is_implemented())
                .map(|p| p.name())
                .collect();
            text.push_str(&names.join(", "));
            text.push('\n');
            text.push_str(
                "\nnut-rs: with -x simulate_usb=<bridge>[:<protocol>] (cypress, phoenix, ippon,\n\
                 krauler, fabula, hunnox) the driver serves a simulated UPS behind that USB\n\
                 bridge instead of USB; in the foreground (-F) it reads ",
            );
            text.push_str(&sim_control::COMMANDS_HELP.replacen(
                "simulated USB UPS commands (one per line on stdin):\n",
                "these commands on stdin:\n",
                1,
            ));
        }
        text.push_str(&format!(
            "\nRead The Fine Manual ('man 8 {}')\n",
            self.name()
        ));
        text
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<Self::Driver>, Error> {
        let mut opts = options::from_settings(self.flavour, ctx.settings).map_err(Error::Device)?;
        let port = ctx.settings.port.clone().unwrap_or_default();
        if self.flavour == Flavour::NutdrvQx && state.get("driver.parameter.pollfreq").is_none() {
            let pollfreq = opts.config.pollfreq.as_secs().to_string();
            state.set_info("driver.parameter.pollfreq", &pollfreq);
        }
        let (wire, cable_note) = if let Some(usb) = &opts.usb {
            let bus = match usb.simulate {
                Some((framing, protocol)) => {
                    let bus = usb::simulated_bus(framing, protocol).map_err(Error::Device)?;
                    serve_sim_commands(&bus)?;
                    QxUsbBus::Sim(bus)
                }
                None => QxUsbBus::usb().map_err(Error::Device)?,
            };
            state.set_info("driver.version.usb", &bus.version_text());
            let wire = UsbWire::open(bus, usb, &port).map_err(Error::Device)?;
            // The ids gate the omron protocol and become ups.vendorid/productid.
            opts.config.usb_ids = Some(wire.ids());
            (QxPort::Usb(wire), None)
        } else {
            let link = SerialLink::open(&port, QX_BAUD, opts.cable).map_err(|e| {
                let text = match e {
                    nut_serial::Error::Transport(text) => text,
                    other => other.to_string(),
                };
                Error::Device(format!("{text}\n{OPEN_HINTS}"))
            })?;
            let note = link.lines_error.clone();
            (QxPort::Serial(link), note)
        };
        let mut driver = QxDriver::start(wire, &opts.config, &opts.candidates, self.flavour, state)
            .map_err(|e| Error::Device(e.0))?;
        if let Some(reason) = cable_note {
            driver.note(
                nut_server::runtime::log::Level::Debug(1),
                format!("{port}: cablepower lines not set ({reason}); fine on a pseudo-terminal"),
            );
        }
        Ok(Started {
            driver,
            events: None,
        })
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod usb_tests;
