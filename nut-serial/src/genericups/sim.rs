//! A simulated contact-closure UPS behind [`ModemLines`], since
//! pseudo-terminals carry no modem-control lines.
//!
//! The device is sans-IO state: line power present or not, battery low or
//! not (and, for 4-wire interfaces, "replace battery" and "bypass"). Its
//! cable is a [`LineMap`] (normally an upstype's): the device drives the
//! input lines the way that wiring reads them, stays silent (every input
//! low) while the cable has no power, and takes a shutdown when the
//! computer puts the output lines into the wiring's `SD` state or sends a
//! break, once the cable was powered.

use super::lines::{InputLines, InputSignal, LineMap, OutputSignal};
use super::modem::ModemLines;
use super::table::UpsType;
use crate::error::Error;

/// Most output changes kept in [`ContactClosureUps::history`].
pub const MAX_HISTORY: usize = 256;

/// What the UPS reports through its contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContactState {
    /// Line (mains) power is present.
    pub line_power: bool,
    /// The battery is low.
    pub battery_low: bool,
    /// The battery needs replacing.
    pub replace_battery: bool,
    /// On bypass / no battery.
    pub bypass: bool,
}

impl Default for ContactState {
    /// On line, battery fine.
    fn default() -> Self {
        Self {
            line_power: true,
            battery_low: false,
            replace_battery: false,
            bypass: false,
        }
    }
}

/// One change the computer made on the output lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputChange {
    /// DTR and RTS after the change.
    Lines {
        /// DTR level.
        dtr: bool,
        /// RTS level.
        rts: bool,
    },
    /// A break started (`true`) or ended.
    Break(bool),
}

/// How the UPS was told to shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShutdownReceived {
    /// The output lines reached the wiring's `SD` levels.
    Lines {
        /// DTR level.
        dtr: bool,
        /// RTS level.
        rts: bool,
    },
    /// A break arrived (wiring `SD` = `ST`).
    Break,
}

/// A contact-closure UPS and its cable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactClosureUps {
    wiring: LineMap,
    /// What the UPS reports; change it at any time.
    pub state: ContactState,
    dtr: bool,
    rts: bool,
    breaking: bool,
    powered_once: bool,
    shutdown: Option<ShutdownReceived>,
    history: Vec<OutputChange>,
    fail_reads: bool,
}

impl ContactClosureUps {
    /// A UPS on line with a healthy battery, wired as `wiring`, all output
    /// lines low (the port not opened yet).
    pub fn new(wiring: LineMap) -> Self {
        Self {
            wiring,
            state: ContactState::default(),
            dtr: false,
            rts: false,
            breaking: false,
            powered_once: false,
            shutdown: None,
            history: Vec::new(),
            fail_reads: false,
        }
    }

    /// A UPS with the cable of `upstype`.
    pub fn of_type(upstype: &UpsType) -> Self {
        Self::new(upstype.lines)
    }

    /// The wiring.
    pub fn wiring(&self) -> &LineMap {
        &self.wiring
    }

    /// Line power fails (`false`) or returns.
    pub fn set_line_power(&mut self, present: bool) {
        self.state.line_power = present;
    }

    /// The battery goes low (`true`) or recovers.
    pub fn set_battery_low(&mut self, low: bool) {
        self.state.battery_low = low;
    }

    /// Makes every read fail (a USB-serial adapter pulled out) or work
    /// again.
    pub fn set_fail_reads(&mut self, fail: bool) {
        self.fail_reads = fail;
    }

    /// Whether the cable has power: every `CP` line raised.
    pub fn cable_powered(&self) -> bool {
        let cp = self.wiring.cable_power;
        (!cp.dtr || self.dtr) && (!cp.rts || self.rts)
    }

    /// How the shutdown came, if it did.
    pub fn shutdown_received(&self) -> Option<ShutdownReceived> {
        self.shutdown
    }

    /// Whether the UPS feeds its load (not after a shutdown).
    pub fn load_powered(&self) -> bool {
        self.shutdown.is_none()
    }

    /// DTR and RTS as the computer left them.
    pub fn outputs(&self) -> (bool, bool) {
        (self.dtr, self.rts)
    }

    /// Whether a break is on.
    pub fn breaking(&self) -> bool {
        self.breaking
    }

    /// The output changes so far (at most [`MAX_HISTORY`], oldest first).
    pub fn history(&self) -> &[OutputChange] {
        &self.history
    }

    /// The input lines as the UPS drives them now: for each signal of the
    /// wiring, its lines at their active levels when the condition holds,
    /// else the first of them inverted. All low while the cable has no
    /// power. Signals sharing a line overwrite each other in the order
    /// `OL`, `LB`, `RB`, `BYPASS`.
    pub fn inputs(&self) -> InputLines {
        let mut lines = InputLines::default();
        if !self.cable_powered() {
            return lines;
        }
        let w = &self.wiring;
        let s = &self.state;
        for (signal, holds) in [
            (&w.online, s.line_power),
            (&w.low_battery, s.battery_low),
            (&w.replace_battery, s.replace_battery),
            (&w.bypass, s.bypass),
        ] {
            drive(&mut lines, signal, holds);
        }
        lines
    }

    fn record(&mut self, change: OutputChange) {
        if self.history.len() < MAX_HISTORY {
            self.history.push(change);
        }
    }

    /// After DTR/RTS changed: note cable power, recognise the shutdown.
    fn outputs_changed(&mut self) {
        self.record(OutputChange::Lines {
            dtr: self.dtr,
            rts: self.rts,
        });
        if self.cable_powered() && self.is_cable_power_state() {
            self.powered_once = true;
        }
        if let Some(sd) = self.wiring.shutdown
            && self.powered_once
            && self.shutdown.is_none()
            && !sd.is_break()
            && sd != self.wiring.cable_power
            && (self.dtr, self.rts) == (sd.dtr, sd.rts)
        {
            self.shutdown = Some(ShutdownReceived::Lines {
                dtr: self.dtr,
                rts: self.rts,
            });
        }
    }

    /// Whether DTR/RTS are exactly the cable-power levels.
    fn is_cable_power_state(&self) -> bool {
        let cp: OutputSignal = self.wiring.cable_power;
        (self.dtr, self.rts) == (cp.dtr, cp.rts)
    }
}

/// Drives `signal`'s lines so that it reads `holds`.
fn drive(lines: &mut InputLines, signal: &InputSignal, holds: bool) {
    for (i, (line, level)) in signal.terms().enumerate() {
        let inverted = !holds && i == 0;
        lines.set(line, level != inverted);
    }
}

impl ModemLines for ContactClosureUps {
    fn read_cts(&mut self) -> Result<bool, Error> {
        self.read_inputs().map(|l| l.cts)
    }

    fn read_dcd(&mut self) -> Result<bool, Error> {
        self.read_inputs().map(|l| l.dcd)
    }

    fn read_dsr(&mut self) -> Result<bool, Error> {
        self.read_inputs().map(|l| l.dsr)
    }

    fn read_ri(&mut self) -> Result<bool, Error> {
        self.read_inputs().map(|l| l.rng)
    }

    fn read_inputs(&mut self) -> Result<InputLines, Error> {
        if self.fail_reads {
            return Err(Error::Transport(
                "simulated read failure (port gone)".to_owned(),
            ));
        }
        Ok(self.inputs())
    }

    fn set_dtr(&mut self, on: bool) -> Result<(), Error> {
        self.dtr = on;
        self.outputs_changed();
        Ok(())
    }

    fn set_rts(&mut self, on: bool) -> Result<(), Error> {
        self.rts = on;
        self.outputs_changed();
        Ok(())
    }

    /// Both at once, as one `TIOCMSET`.
    fn set_outputs(&mut self, dtr: bool, rts: bool) -> Result<(), Error> {
        self.dtr = dtr;
        self.rts = rts;
        self.outputs_changed();
        Ok(())
    }

    fn set_break(&mut self, on: bool) -> Result<(), Error> {
        self.breaking = on;
        self.record(OutputChange::Break(on));
        let wants_break = self.wiring.shutdown.is_some_and(|sd| sd.is_break());
        if on && wants_break && self.powered_once && self.shutdown.is_none() {
            self.shutdown = Some(ShutdownReceived::Break);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genericups::table::UPS_TYPES;

    #[test]
    fn unpowered_cable_reads_all_low() {
        let mut ups = ContactClosureUps::of_type(&UPS_TYPES[1]);
        ups.set_line_power(false);
        assert_eq!(ups.inputs(), InputLines::default());
        ups.set_dtr(true).unwrap();
        assert!(ups.cable_powered());
        assert!(ups.inputs().rng, "type 1: on battery = RNG high");
    }

    #[test]
    fn shutdown_needs_power_first_and_the_sd_levels() {
        // type 4: CP=RTS, SD drops every line: the idle port is not a shutdown
        let mut ups = ContactClosureUps::of_type(&UPS_TYPES[4]);
        ups.set_outputs(false, false).unwrap();
        assert_eq!(ups.shutdown_received(), None);
        ups.set_outputs(false, true).unwrap();
        assert_eq!(ups.shutdown_received(), None);
        ups.set_outputs(false, false).unwrap();
        assert_eq!(
            ups.shutdown_received(),
            Some(ShutdownReceived::Lines {
                dtr: false,
                rts: false
            })
        );
        assert!(!ups.load_powered());
    }

    #[test]
    fn break_counts_only_for_st_wiring() {
        let mut ups = ContactClosureUps::of_type(&UPS_TYPES[1]);
        ups.set_outputs(true, false).unwrap();
        ups.set_break(true).unwrap();
        assert_eq!(ups.shutdown_received(), None);
        let mut ups = ContactClosureUps::of_type(&UPS_TYPES[11]);
        ups.set_break(true).unwrap();
        assert_eq!(ups.shutdown_received(), None, "cable never powered");
        ups.set_outputs(true, false).unwrap();
        ups.set_break(true).unwrap();
        assert_eq!(ups.shutdown_received(), Some(ShutdownReceived::Break));
    }

    #[test]
    fn history_is_bounded() {
        let mut ups = ContactClosureUps::of_type(&UPS_TYPES[0]);
        for i in 0..=MAX_HISTORY {
            ups.set_dtr(i % 2 == 0).unwrap();
        }
        assert_eq!(ups.history().len(), MAX_HISTORY);
    }
}
