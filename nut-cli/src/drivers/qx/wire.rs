//! [`QxWire`]: how the driver moves one Q* exchange to the device and its
//! reply back to the engine. A byte stream ([`Link`]: a serial port, the
//! in-memory simulator) feeds the engine bytes as they come, within the
//! reply timeout; a USB bridge ([`super::usb::UsbWire`]) returns a whole
//! reply per exchange, given to the engine at once.

use std::time::Instant;

use nut_serial::port::Link;
use nut_serial::qx::Engine;

/// Bytes read from a stream at a time (NUT reads up to 511 per line).
const READ_CHUNK: usize = 512;

/// What one [`QxWire::receive`] brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Reply bytes reached the engine (the wire works).
    Arrived,
    /// Time passed (and maybe the reply deadline with it).
    Waited,
    /// The engine waits for nothing.
    Idle,
}

/// A way to exchange Q* queries with a device.
pub trait QxWire {
    /// What to call the device in a log line (the port, or the USB unit).
    fn name(&self) -> &str;

    /// Sends the engine's query.
    ///
    /// # Errors
    ///
    /// What failed, for a log line (the wire recovers by itself).
    fn send(&mut self, query: &[u8]) -> Result<(), String>;

    /// Waits, at most until the engine's reply deadline, for the reply and
    /// hands what came (or the deadline) to the engine.
    ///
    /// # Errors
    ///
    /// What failed, for a log line; the engine has been told (no reply).
    fn receive(&mut self, engine: &mut Engine) -> Result<Step, String>;
}

impl<L: Link> QxWire for L {
    fn name(&self) -> &str {
        Link::name(self)
    }

    fn send(&mut self, query: &[u8]) -> Result<(), String> {
        self.clear_input()
            .and_then(|()| self.write_all(query))
            .map_err(|e| format!("I/O error: {e} (the port is re-opened at the next poll)"))
    }

    fn receive(&mut self, engine: &mut Engine) -> Result<Step, String> {
        let Some(deadline) = engine.poll_timeout() else {
            return Ok(Step::Idle);
        };
        // Read even when the deadline has passed: the reply may be waiting
        // in the port since the last call.
        let wait = deadline.saturating_duration_since(Instant::now());
        let mut buf = [0u8; READ_CHUNK];
        match self.read(&mut buf, wait) {
            Ok(0) => {
                let now = Instant::now();
                if now >= deadline {
                    engine.handle_timeout(now);
                }
                Ok(Step::Waited)
            }
            Ok(n) => {
                engine.handle_input(Instant::now(), buf.get(..n).unwrap_or_default());
                Ok(Step::Arrived)
            }
            Err(e) => {
                // Nothing can arrive: let the reply timeout pass.
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                engine.handle_timeout(Instant::now());
                Err(format!(
                    "I/O error: {e} (the port is re-opened at the next poll)"
                ))
            }
        }
    }
}
