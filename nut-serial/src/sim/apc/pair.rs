//! Our apcsmart [`Engine`] wired to a [`Simulator`] in memory, with a
//! simulated clock: the building block of the APC engine tests.

use std::time::{Duration, Instant};

use super::Simulator;
use crate::apc::{ApcConfig, Engine, Event};

/// Longest simulated step, so the unit's timers and alerts keep up.
const MAX_STEP: Duration = Duration::from_millis(250);

/// An APC [`Engine`] talking to a [`Simulator`].
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
    pub fn new(cfg: ApcConfig, sim: Simulator, now: Instant) -> Self {
        Self {
            engine: Engine::new(cfg, now),
            sim,
            now,
            events: Vec::new(),
        }
    }

    /// Moves bytes both ways until neither side has anything to say.
    pub fn exchange(&mut self) {
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
            let step = (self.now + MAX_STEP).min(end);
            match self.engine.poll_timeout() {
                Some(t) if t <= step => {
                    self.now = self.now.max(t);
                    self.sim.tick(self.now);
                    self.engine.handle_timeout(self.now);
                }
                _ if step < end => {
                    self.now = step;
                    self.sim.tick(self.now);
                }
                _ => {
                    self.now = end;
                    self.sim.tick(end);
                    self.exchange();
                    return;
                }
            }
        }
    }

    /// Runs until `done` holds for an event seen during this call, or
    /// `limit` passes; returns whether it held.
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

    /// A published variable.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.engine.vars().get(name).map(String::as_str)
    }
}
