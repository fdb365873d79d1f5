//! Byte links between a blocking driver adapter and a device: the [`Link`]
//! trait, a real serial port behind it (`SerialLink`, feature `serial`:
//! 8N1, no flow control, DTR/RTS per [`CablePower`], re-opened after an
//! error so that an unplugged USB-serial adapter comes back by itself) and
//! an in-memory simulator behind it ([`SimLink`], for tests without a
//! port).
//!
//! The engines stay sans-IO; a driver adapter moves their bytes through a
//! `Link` and gives them the time.

use std::io;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::sim::Responder;

/// The baud rate of the Megatec/Q* family (and APC Smart).
pub const QX_BAUD: u32 = 2400;

/// Longest wait inside one [`SimLink::read`] before time is given to the
/// simulator again.
const SIM_READ_SLICE: Duration = Duration::from_millis(5);

/// A byte link to a device, as a driver adapter uses it.
pub trait Link {
    /// What to call the link in a log line (the port path).
    fn name(&self) -> &str;
    /// Drops whatever the device sent that nobody asked for (NUT flushes
    /// the tty queues before each exchange).
    fn clear_input(&mut self) -> io::Result<()>;
    /// Sends `bytes` whole.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Reads what arrives within `timeout` into `buf`; `Ok(0)` when nothing
    /// did.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
}

/// `cablepower`: which modem-control lines power the cable (NUT's serial
/// Megatec/Q* drivers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CablePower {
    /// DTR raised, RTS dropped (the default).
    #[default]
    Normal,
    /// DTR dropped, RTS raised.
    Reverse,
    /// Both raised.
    Both,
    /// Both dropped.
    None,
}

impl CablePower {
    /// The `(DTR, RTS)` levels.
    pub fn lines(self) -> (bool, bool) {
        match self {
            Self::Normal => (true, false),
            Self::Reverse => (false, true),
            Self::Both => (true, true),
            Self::None => (false, false),
        }
    }
}

impl FromStr for CablePower {
    type Err = Error;

    /// `normal`, `reverse`, `both` or `none` (case-insensitive); anything
    /// else is refused (fatal in NUT).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(Self::Normal),
            "reverse" => Ok(Self::Reverse),
            "both" => Ok(Self::Both),
            "none" => Ok(Self::None),
            _ => Err(Error::InvalidOption {
                name: "cablepower".into(),
                value: s.into(),
                reason: "expected normal, reverse, both or none",
            }),
        }
    }
}

/// A simulated device in memory behind a [`Link`]: what is written goes to
/// the simulator at once, its replies come back on the next reads. The
/// simulator stays shared so a test can change its state meanwhile.
#[derive(Debug)]
pub struct SimLink<S: Responder> {
    sim: Arc<Mutex<S>>,
    pending: Vec<u8>,
    name: String,
}

impl<S: Responder> SimLink<S> {
    /// A link to `sim`, called `name` in logs.
    pub fn new(sim: Arc<Mutex<S>>, name: &str) -> Self {
        Self {
            sim,
            pending: Vec::new(),
            name: name.to_owned(),
        }
    }

    fn collect(&mut self, now: Instant) {
        let mut sim = self.sim.lock().unwrap_or_else(PoisonError::into_inner);
        sim.tick(now);
        while sim.poll_transmit(&mut self.pending) {}
    }
}

impl<S: Responder> Link for SimLink<S> {
    fn name(&self) -> &str {
        &self.name
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.collect(Instant::now());
        self.pending.clear();
        Ok(())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let now = Instant::now();
        self.sim
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .handle_input(now, bytes);
        self.collect(now);
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            self.collect(Instant::now());
            if !self.pending.is_empty() {
                let n = buf.len().min(self.pending.len());
                buf[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                return Ok(n);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(0);
            }
            std::thread::sleep(SIM_READ_SLICE.min(deadline - now));
        }
    }
}

#[cfg(feature = "serial")]
pub use serial::SerialLink;

#[cfg(feature = "serial")]
mod serial {
    //! [`SerialLink`]: a real port through `serialport`.

    use std::io::{self, Read, Write};
    use std::time::Duration;

    use serialport::{ClearBuffer, DataBits, FlowControl, Parity, SerialPort, StopBits, TTYPort};

    use super::{CablePower, Link};
    use crate::error::Error;

    /// How long NUT waits after setting DTR/RTS before the first exchange
    /// (the cable draws its power from them).
    const CABLE_SETTLE: Duration = Duration::from_millis(1100);

    /// A serial port at a fixed baud rate, 8N1, no flow control, with the
    /// cable's power lines set; closed on an I/O error and re-opened (lines
    /// set again) on the next use.
    #[derive(Debug)]
    pub struct SerialLink {
        path: String,
        baud: u32,
        cable: CablePower,
        port: Option<TTYPort>,
        /// Why DTR/RTS could not be set at the last opening (a
        /// pseudo-terminal has no modem-control lines); for a debug log.
        pub lines_error: Option<String>,
    }

    impl SerialLink {
        /// Opens `path` (exclusively, so that a second driver on the same
        /// port is refused) and sets the cable's lines.
        ///
        /// # Errors
        ///
        /// [`Error::Transport`] naming the port and the system's reason.
        pub fn open(path: &str, baud: u32, cable: CablePower) -> Result<Self, Error> {
            let mut link = Self {
                path: path.to_owned(),
                baud,
                cable,
                port: None,
                lines_error: None,
            };
            link.reopen()
                .map_err(|e| Error::Transport(format!("Unable to open {path}: {e}")))?;
            Ok(link)
        }

        fn reopen(&mut self) -> io::Result<&mut TTYPort> {
            if self.port.is_none() {
                let mut port = serialport::new(&self.path, self.baud)
                    .data_bits(DataBits::Eight)
                    .parity(Parity::None)
                    .stop_bits(StopBits::One)
                    .flow_control(FlowControl::None)
                    .timeout(Duration::from_millis(100))
                    .open_native()
                    .map_err(io::Error::from)?;
                let (dtr, rts) = self.cable.lines();
                let set = port
                    .write_data_terminal_ready(dtr)
                    .and_then(|()| port.write_request_to_send(rts));
                self.lines_error = match set {
                    Ok(()) => {
                        std::thread::sleep(CABLE_SETTLE);
                        None
                    }
                    Err(e) => Some(e.to_string()),
                };
                self.port = Some(port);
            }
            self.port
                .as_mut()
                .ok_or_else(|| io::Error::other("port not open"))
        }

        /// Whether the port is open now (it is closed after an I/O error
        /// until the next exchange re-opens it).
        pub fn is_open(&self) -> bool {
            self.port.is_some()
        }

        fn failed<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
            if result.is_err() {
                self.port = None;
            }
            result
        }
    }

    impl Link for SerialLink {
        fn name(&self) -> &str {
            &self.path
        }

        fn clear_input(&mut self) -> io::Result<()> {
            let result = self
                .reopen()
                .and_then(|port| port.clear(ClearBuffer::All).map_err(io::Error::from));
            self.failed(result)
        }

        fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
            let result = self.reopen().and_then(|port| {
                port.write_all(bytes)?;
                port.flush()
            });
            self.failed(result)
        }

        fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
            let result = self.reopen().and_then(|port| {
                port.set_timeout(timeout.max(Duration::from_millis(1)))
                    .map_err(io::Error::from)?;
                match port.read(buf) {
                    Ok(n) => Ok(n),
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                        ) =>
                    {
                        Ok(0)
                    }
                    Err(e) => Err(e),
                }
            });
            self.failed(result)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::Protocol;
    use crate::sim::{DeviceState, Fault, Simulator};

    #[test]
    fn cablepower_words() {
        assert_eq!(
            "normal".parse::<CablePower>().ok(),
            Some(CablePower::Normal)
        );
        assert_eq!("BOTH".parse::<CablePower>().ok(), Some(CablePower::Both));
        assert_eq!(CablePower::Reverse.lines(), (false, true));
        assert_eq!(CablePower::None.lines(), (false, false));
        assert_eq!(CablePower::default().lines(), (true, false));
        assert!("dtr".parse::<CablePower>().is_err());
    }

    #[test]
    fn sim_link_answers_and_goes_silent() {
        let sim = Arc::new(Mutex::new(Simulator::new(
            Protocol::Megatec,
            DeviceState::default(),
        )));
        let mut link = SimLink::new(Arc::clone(&sim), "sim");
        assert_eq!(link.name(), "sim");
        link.write_all(b"F\r").unwrap();
        let mut buf = [0u8; 64];
        let n = link.read(&mut buf, Duration::from_millis(50)).unwrap();
        assert!(buf[..n].starts_with(b"#"), "{:?}", &buf[..n]);
        sim.lock().unwrap().fault = Fault::Silent;
        link.write_all(b"Q1\r").unwrap();
        let started = Instant::now();
        assert_eq!(link.read(&mut buf, Duration::from_millis(30)).unwrap(), 0);
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
