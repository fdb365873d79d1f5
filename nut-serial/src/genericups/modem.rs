//! The modem-control lines of a serial port as the genericups driver uses
//! them ([`ModemLines`]), the implementation over the `serialport` crate,
//! and [`run_actions`], which carries an [`Engine`]'s line actions out on
//! any implementation.
//!
//! Pseudo-terminals have no modem-control lines: on one, every call fails
//! (`ENOTTY`, NUT's `TIOCMSET: Inappropriate ioctl for device`). Tests use
//! the simulated device of [`sim`](super::sim) instead.

use std::time::Instant;

use super::engine::{Engine, LineAction};
use super::lines::InputLines;
use crate::error::Error;

/// Reading and driving the modem-control lines of one serial port.
///
/// Levels are logical: `true` = asserted.
pub trait ModemLines {
    /// Reads Clear To Send.
    fn read_cts(&mut self) -> Result<bool, Error>;
    /// Reads Data Carrier Detect.
    fn read_dcd(&mut self) -> Result<bool, Error>;
    /// Reads Data Set Ready.
    fn read_dsr(&mut self) -> Result<bool, Error>;
    /// Reads Ring Indicator.
    fn read_ri(&mut self) -> Result<bool, Error>;
    /// Raises (`true`) or drops Data Terminal Ready.
    fn set_dtr(&mut self, on: bool) -> Result<(), Error>;
    /// Raises (`true`) or drops Request To Send.
    fn set_rts(&mut self, on: bool) -> Result<(), Error>;
    /// Starts (`true`) or ends a break on the transmit line.
    fn set_break(&mut self, on: bool) -> Result<(), Error>;

    /// Reads all four input lines (NUT reads them at once with
    /// `TIOCMGET`; the default reads them one after the other).
    fn read_inputs(&mut self) -> Result<InputLines, Error> {
        Ok(InputLines {
            cts: self.read_cts()?,
            dcd: self.read_dcd()?,
            rng: self.read_ri()?,
            dsr: self.read_dsr()?,
        })
    }

    /// Sets DTR and RTS together (NUT: one `TIOCMSET`; the default sets
    /// DTR, then RTS).
    fn set_outputs(&mut self, dtr: bool, rts: bool) -> Result<(), Error> {
        self.set_dtr(dtr)?;
        self.set_rts(rts)
    }
}

/// Carries out every pending line action of `engine` on `lines`: output
/// changes and breaks, and input reads, whose result (or failure) goes
/// back into the engine at `now`.
///
/// An output that cannot be set is returned as the error: NUT's genericups
/// exits then (`ioctl TIOCMSET` is fatal), since a cable without power or a
/// shutdown not sent cannot be recovered by retrying. A failed read is not
/// an error here: the engine counts it and marks the data stale.
pub fn run_actions(
    engine: &mut Engine,
    lines: &mut dyn ModemLines,
    now: Instant,
) -> Result<(), Error> {
    while let Some(action) = engine.poll_action() {
        match action {
            LineAction::SetOutputs { dtr, rts } => lines.set_outputs(dtr, rts)?,
            LineAction::Break(on) => lines.set_break(on)?,
            LineAction::ReadInputs => match lines.read_inputs() {
                Ok(inputs) => engine.handle_poll(now, inputs),
                Err(error) => engine.handle_read_failure(now, error),
            },
        }
    }
    Ok(())
}

#[cfg(feature = "pty")]
mod serial {
    //! `ModemLines` over `serialport` (feature `pty`, which brings the
    //! crate in).

    use serialport::{SerialPort, TTYPort};

    use super::ModemLines;
    use crate::error::Error;

    fn failed<T>(result: serialport::Result<T>, what: &str) -> Result<T, Error> {
        result.map_err(|e| Error::Transport(format!("{what}: {e}")))
    }

    /// Implements [`ModemLines`] for a `serialport` type, given how to
    /// reach its `dyn SerialPort`.
    macro_rules! serial_modem_lines {
        ($ty:ty, |$this:ident| $port:expr) => {
            impl ModemLines for $ty {
                fn read_cts(&mut self) -> Result<bool, Error> {
                    let $this = self;
                    let port: &mut dyn SerialPort = $port;
                    failed(port.read_clear_to_send(), "reading CTS")
                }
                fn read_dcd(&mut self) -> Result<bool, Error> {
                    let $this = self;
                    let port: &mut dyn SerialPort = $port;
                    failed(port.read_carrier_detect(), "reading DCD")
                }
                fn read_dsr(&mut self) -> Result<bool, Error> {
                    let $this = self;
                    let port: &mut dyn SerialPort = $port;
                    failed(port.read_data_set_ready(), "reading DSR")
                }
                fn read_ri(&mut self) -> Result<bool, Error> {
                    let $this = self;
                    let port: &mut dyn SerialPort = $port;
                    failed(port.read_ring_indicator(), "reading RNG")
                }
                fn set_dtr(&mut self, on: bool) -> Result<(), Error> {
                    let $this = self;
                    let port: &mut dyn SerialPort = $port;
                    failed(port.write_data_terminal_ready(on), "setting DTR")
                }
                fn set_rts(&mut self, on: bool) -> Result<(), Error> {
                    let $this = self;
                    let port: &mut dyn SerialPort = $port;
                    failed(port.write_request_to_send(on), "setting RTS")
                }
                fn set_break(&mut self, on: bool) -> Result<(), Error> {
                    let $this = self;
                    let port: &mut dyn SerialPort = $port;
                    if on {
                        failed(port.set_break(), "starting a break")
                    } else {
                        failed(port.clear_break(), "ending a break")
                    }
                }
            }
        };
    }

    serial_modem_lines!(TTYPort, |this| this);
    serial_modem_lines!(Box<dyn SerialPort>, |this| &mut **this);
}
