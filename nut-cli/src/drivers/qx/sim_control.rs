//! Line commands that change the unit of `-x simulate_usb=…` while the
//! driver runs in the foreground (beyond NUT, for demos and tests):
//! line failure, low battery, charge, a silent unit, unplug and replug.

use std::io::{BufRead, Write};
use std::sync::{MutexGuard, PoisonError};

use nut_serial::qx::usb::sim::{SharedUnit, SimUsbUps};
use nut_serial::sim::Fault;

/// The commands, for `-h` and `help`.
pub const COMMANDS_HELP: &str = "\
simulated USB UPS commands (one per line on stdin):
  ol | ob           line restored / line failed
  charge N          battery charge in percent (0-100)
  silent | answer   the unit stops / resumes answering
  unplug | replug   pull the USB cable / plug it back in
  help              this text
";

/// Changes one simulated unit by line commands.
#[derive(Debug, Clone)]
pub struct SimControl {
    unit: SharedUnit,
}

impl SimControl {
    /// Control of `unit`.
    pub fn new(unit: SharedUnit) -> Self {
        Self { unit }
    }

    fn lock(&self) -> MutexGuard<'_, SimUsbUps> {
        self.unit.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies one command line; the answer to print (empty for a blank
    /// line).
    ///
    /// # Errors
    ///
    /// An unknown command or a bad number.
    pub fn apply(&self, line: &str) -> Result<String, String> {
        let mut words = line.split_whitespace();
        let Some(command) = words.next() else {
            return Ok(String::new());
        };
        let mut unit = self.lock();
        match command.to_ascii_lowercase().as_str() {
            "ob" => unit.sim.state.fail_line(),
            "ol" => unit.sim.state.restore_line(),
            "charge" => {
                let n = words
                    .next()
                    .and_then(|w| w.parse::<f64>().ok())
                    .filter(|n| (0.0..=100.0).contains(n))
                    .ok_or("charge needs a number from 0 to 100")?;
                unit.sim.state.charge = n;
                unit.sim.state.battery_charge = Some(n.round());
            }
            "silent" => unit.sim.fault = Fault::Silent,
            "answer" => unit.sim.fault = Fault::None,
            "unplug" => unit.unplug(),
            "replug" => unit.replug(),
            "help" | "?" => return Ok(COMMANDS_HELP.trim_end().to_owned()),
            other => return Err(format!("unknown command `{other}` (try help)")),
        }
        Ok(command.to_ascii_lowercase())
    }

    /// Answers each line of `input` on `output` until either ends.
    pub fn serve_lines(&self, input: impl BufRead, mut output: impl Write, prefix: &str) {
        for line in input.lines() {
            let Ok(line) = line else { break };
            let answer = match self.apply(line.trim()) {
                Ok(text) if text.is_empty() => continue,
                Ok(text) => format!("{prefix}ok: {text}"),
                Err(text) => format!("{prefix}error: {text}"),
            };
            if writeln!(output, "{answer}")
                .and_then(|()| output.flush())
                .is_err()
            {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use nut_serial::qx::Protocol;
    use nut_serial::qx::usb::Bridge;

    use super::*;
    use crate::drivers::qx::usb::simulated_bus;

    #[test]
    fn commands_change_the_unit() {
        let bus = simulated_bus(Bridge::Cypress, Protocol::Megatec).unwrap();
        let unit = bus.units()[0].clone();
        let control = SimControl::new(unit.clone());
        let mut out = Vec::new();
        control.serve_lines(
            &b"ob\ncharge 40\n\nunplug\ncharge 101\nbogus\n"[..],
            &mut out,
            "sim: ",
        );
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert_eq!(lines[0], "sim: ok: ob");
        assert!(lines[3].starts_with("sim: error: charge needs"), "{text}");
        assert!(
            lines[4].starts_with("sim: error: unknown command"),
            "{text}"
        );
        let u = unit.lock().unwrap();
        assert!(u.sim.state.bits.utility_fail);
        assert_eq!(u.sim.state.battery_charge, Some(40.0));
        assert!(!u.is_plugged());
        drop(u);
        control.apply("replug").unwrap();
        assert!(unit.lock().unwrap().is_plugged());
        assert!(control.apply("help").unwrap().contains("unplug"));
    }
}
