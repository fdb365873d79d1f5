//! A genericups engine wired to a simulated UPS, with a simulated clock.

use std::time::{Duration, Instant};

use nut_serial::genericups::{
    ContactClosureUps, Engine, Event, GenericConfig, UpsType, run_actions,
};

/// Engine + simulated UPS + clock.
pub(crate) struct Rig {
    pub(crate) engine: Engine,
    pub(crate) ups: ContactClosureUps,
    pub(crate) now: Instant,
    /// Every event so far.
    pub(crate) events: Vec<Event>,
}

impl Rig {
    /// Starts the engine on `cfg` against `ups` and runs the start-up
    /// (cable power, first reading).
    pub(crate) fn new(cfg: GenericConfig, ups: ContactClosureUps) -> Self {
        let now = Instant::now();
        let mut rig = Self {
            engine: Engine::new(cfg, now),
            ups,
            now,
            events: Vec::new(),
        };
        rig.settle();
        rig
    }

    /// Type `number` as the driver and the UPS both have it.
    pub(crate) fn of_type(number: u8) -> Self {
        let entry = UpsType::get(number).expect("a table type");
        Self::new(
            GenericConfig::of_type(entry),
            ContactClosureUps::of_type(entry),
        )
    }

    /// Runs pending actions and collects events.
    pub(crate) fn settle(&mut self) {
        run_actions(&mut self.engine, &mut self.ups, self.now)
            .expect("the simulator never fails a set");
        self.events
            .extend(std::iter::from_fn(|| self.engine.poll_event()));
    }

    /// Moves time to the next deadline and handles it; `false` if there is
    /// none.
    pub(crate) fn next(&mut self) -> bool {
        let Some(deadline) = self.engine.poll_timeout() else {
            return false;
        };
        self.now = self.now.max(deadline);
        self.engine.handle_timeout(self.now);
        self.settle();
        true
    }

    /// Lets `span` of time pass, handling every deadline in it.
    pub(crate) fn run_for(&mut self, span: Duration) {
        let end = self.now + span;
        while let Some(deadline) = self.engine.poll_timeout() {
            if deadline > end {
                break;
            }
            self.next();
        }
        self.now = end;
    }

    /// One more poll.
    pub(crate) fn poll(&mut self) {
        assert!(self.next(), "the engine polls");
    }

    /// The status published last.
    pub(crate) fn status(&self) -> String {
        self.engine
            .status()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// Every status published, in order.
    pub(crate) fn statuses(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Status(s) => Some(s.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The log messages so far.
    pub(crate) fn logs(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Log { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }
}
