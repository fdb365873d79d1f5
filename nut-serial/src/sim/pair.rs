//! An engine wired to a simulator in memory, with a simulated clock: the
//! building block of engine tests and corpus comparisons.

use std::time::{Duration, Instant};

use super::Simulator;
use crate::qx::{Engine, Event, QxConfig};

/// A [`qx::Engine`](crate::qx::Engine) talking to a [`Simulator`].
#[derive(Debug)]
pub struct Pair {
    /// The driver side.
    pub engine: Engine,
    /// The device side.
    pub sim: Simulator,
    /// Simulated time.
    pub now: Instant,
    /// Every event seen so far.
    pub events: Vec<Event>,
}

impl Pair {
    /// Starts `cfg` against `sim` at `now`.
    pub fn new(cfg: QxConfig, sim: Simulator, now: Instant) -> Self {
        Self {
            engine: Engine::new(cfg, now),
            sim,
            now,
            events: Vec::new(),
        }
    }

    /// Moves bytes both ways until neither side has anything to say.
    fn exchange(&mut self) {
        let mut buf = Vec::new();
        loop {
            let mut moved = false;
            while self.engine.poll_transmit(&mut buf) {
                self.sim.handle_input(self.now, &buf);
                buf.clear();
                moved = true;
            }
            while self.sim.poll_transmit(&mut buf) {
                self.engine.handle_input(self.now, &buf);
                buf.clear();
                moved = true;
            }
            while let Some(e) = self.engine.poll_event() {
                self.events.push(e);
            }
            if !moved {
                return;
            }
        }
    }

    /// Runs for `d` of simulated time.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.exchange();
            match self.engine.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                }
                _ => {
                    self.now = end;
                    self.sim.tick(end);
                    return;
                }
            }
        }
    }

    /// Runs until `done` holds for an event seen during this call, or `limit`
    /// passes; returns whether it held.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Event) -> bool) -> bool {
        let end = self.now + limit;
        let start = self.events.len();
        while self.now < end {
            self.run_for(Duration::from_millis(500));
            if self
                .events
                .get(start..)
                .unwrap_or_default()
                .iter()
                .any(&mut done)
            {
                return true;
            }
        }
        false
    }

    /// The events since index `from`.
    pub fn events_since(&self, from: usize) -> &[Event] {
        self.events.get(from..).unwrap_or_default()
    }
}
