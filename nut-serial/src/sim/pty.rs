//! Serves a simulator (any [`Responder`], by default the Megatec
//! [`Simulator`]) on a pseudo-terminal pair.
//!
//! Uses `serialport`'s `TTYPort::pair()` (openpty through `nix`; the crate
//! forbids `unsafe`, so no direct `libc::openpty`). The simulator runs on
//! the master side in a thread; the slave side is the "serial port" a
//! driver opens (ours through the returned handle, or another program by
//! [`PtySim::path`]). Between reads the thread lets time pass for the
//! simulator, so what it sends on its own (APC alerts) goes out. The
//! thread stops when the [`PtySim`] is dropped.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};

use super::{Responder, Simulator};

/// How long the serving thread waits for input before checking for stop.
const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// A simulator served on a pty; the state stays reachable through
/// [`simulator`](Self::simulator) while it runs.
#[derive(Debug)]
pub struct PtySim<S: Responder + Send + 'static = Simulator> {
    simulator: Arc<Mutex<S>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<()>>>,
    path: Option<String>,
}

impl<S: Responder + Send + 'static> PtySim<S> {
    /// Starts serving `simulator`; returns the server and the slave port
    /// (the driver's end, raw mode).
    pub fn spawn(simulator: S) -> io::Result<(Self, TTYPort)> {
        let (mut master, slave) = TTYPort::pair().map_err(io::Error::other)?;
        master.set_timeout(READ_TIMEOUT).map_err(io::Error::other)?;
        let simulator = Arc::new(Mutex::new(simulator));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let simulator = Arc::clone(&simulator);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || serve(&mut master, &simulator, &stop))
        };
        let path = slave.name();
        Ok((
            Self {
                simulator,
                stop,
                thread: Some(thread),
                path,
            },
            slave,
        ))
    }

    /// The slave device path (e.g. `/dev/pts/3`).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The simulator, to change its state while it serves.
    pub fn simulator(&self) -> &Arc<Mutex<S>> {
        &self.simulator
    }

    /// Stops the serving thread and reports its I/O outcome.
    pub fn stop(mut self) -> io::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("simulator thread panicked")),
            None => Ok(()),
        }
    }
}

impl<S: Responder + Send + 'static> Drop for PtySim<S> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve<S: Responder>(
    master: &mut TTYPort,
    simulator: &Mutex<S>,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut buf = [0u8; 256];
    while !stop.load(Ordering::Relaxed) {
        let n = match master.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock =>
            {
                let mut out = Vec::new();
                {
                    let mut sim = simulator.lock().unwrap_or_else(PoisonError::into_inner);
                    sim.tick(Instant::now());
                    while sim.poll_transmit(&mut out) {}
                }
                if !out.is_empty() {
                    master.write_all(&out)?;
                    master.flush()?;
                }
                continue;
            }
            // EIO: the slave side was closed; keep waiting for a reopen.
            Err(e) if e.raw_os_error() == Some(5) => {
                std::thread::sleep(READ_TIMEOUT);
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        {
            let mut sim = simulator.lock().unwrap_or_else(PoisonError::into_inner);
            sim.handle_input(Instant::now(), buf.get(..n).unwrap_or_default());
            while sim.poll_transmit(&mut out) {}
        }
        if !out.is_empty() {
            master.write_all(&out)?;
            master.flush()?;
        }
    }
    Ok(())
}
