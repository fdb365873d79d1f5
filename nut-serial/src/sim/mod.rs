//! Wire-level device simulators.
//!
//! [`megatec::Simulator`] is a Megatec/Q* UPS of any implemented protocol,
//! sans-IO (request bytes in, reply bytes out) and driven by a mutable
//! [`state::DeviceState`]; [`encode`] builds each reply. [`apc::Simulator`]
//! is an APC Smart UPS driven by an [`apc::UnitState`], with alerts and the
//! double-press commands. [`pty`] serves any [`Responder`] on a
//! pseudo-terminal (feature `pty`).

use std::time::Instant;

pub mod apc;
pub mod dialects;
pub mod encode;
pub mod megatec;
pub mod pair;
#[cfg(feature = "pty")]
pub mod pty;
pub mod reencode;
pub mod state;

pub use megatec::{Fault, Simulator};
pub use pair::Pair;
pub use state::DeviceState;

/// A simulated device as the pty adapter drives it: bytes in, bytes out,
/// and time passing (for what the device does on its own).
pub trait Responder {
    /// Bytes from the host.
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    /// The next bytes to send, appended to `out`; `false` when none.
    fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool;
    /// Time passed.
    fn tick(&mut self, now: Instant);
}

impl Responder for Simulator {
    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        Self::handle_input(self, now, bytes);
    }
    fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        Self::poll_transmit(self, out)
    }
    fn tick(&mut self, now: Instant) {
        Self::tick(self, now);
    }
}

impl Responder for apc::Simulator {
    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        Self::handle_input(self, now, bytes);
    }
    fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        Self::poll_transmit(self, out)
    }
    fn tick(&mut self, now: Instant) {
        Self::tick(self, now);
    }
}
