//! Simulated time, driver set-up and corpus access for the device tests.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use nut_hid::sim::SimBus;
use nut_hid::transport::{DriverConfig, DriverEvent, UsbHidDriver};

/// The simulated clock's resolution: each step calls every driver's
/// `handle_timeout`, so measured delays are exact to this.
pub(crate) const STEP: Duration = Duration::from_millis(50);

/// The driver type every test uses.
pub(crate) type Driver = UsbHidDriver<SimBus>;

/// Print to the real stderr (the harness does not capture this), so the
/// measured delays show in a plain `cargo test` run.
pub(crate) fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A descriptor from `<workspace>/../shared/corpus/hid/<relative>`, or
/// `None` after a loud SKIPPED line; with env `CI` set a missing corpus
/// fails the test.
pub(crate) fn corpus_descriptor(relative: &str, test: &str) -> Option<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/hid");
    let path = dir.join(relative);
    let Ok(content) = std::fs::read(&path) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus file missing at {} (CI is set, so this is a failure)",
            path.display()
        );
        report(&format!(
            "SKIPPED {test}: HID corpus file not found at {} (it lives beside the repository, see shared/corpus/MANIFEST.md)",
            path.display()
        ));
        return None;
    };
    Some(nut_hid::descriptor_bytes(&content).expect("corpus descriptor is hex text or binary"))
}

/// A driver configuration from `ups.conf`-style options.
pub(crate) fn config(options: &[(&str, Option<&str>)]) -> DriverConfig {
    let mut config = DriverConfig::default();
    for (name, value) in options {
        assert_eq!(config.set_option(name, *value), Ok(true), "option {name}");
    }
    config
}

/// Simulated time shared by the drivers of one test.
pub(crate) struct Clock {
    pub(crate) now: Instant,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Self {
            now: Instant::now(),
        }
    }

    /// Let `by` pass in [`STEP`]s, running every driver that is due.
    pub(crate) fn pass(&mut self, drivers: &mut [&mut Driver], by: Duration) {
        let end = self.now + by;
        while self.now < end {
            self.now += STEP;
            for driver in drivers.iter_mut() {
                let _ = driver.handle_timeout(self.now);
            }
        }
    }

    /// Let time pass in [`STEP`]s until `done` holds for `driver` (checked
    /// after each step), at most `limit`. Returns the time it took.
    pub(crate) fn until(
        &mut self,
        driver: &mut Driver,
        limit: Duration,
        done: impl Fn(&Driver) -> bool,
    ) -> Option<Duration> {
        let begin = self.now;
        while self.now - begin < limit {
            if done(driver) {
                return Some(self.now - begin);
            }
            self.now += STEP;
            let _ = driver.handle_timeout(self.now);
        }
        done(driver).then(|| self.now - begin)
    }
}

/// Start a driver on `bus` at `clock.now`.
pub(crate) fn start(bus: &SimBus, clock: &Clock, config: DriverConfig) -> Driver {
    let mut driver = UsbHidDriver::new(bus.clone(), config).expect("valid options");
    driver
        .handle_start(clock.now)
        .expect("the simulated UPS is found");
    driver
}

/// A published variable, `None` while stale.
pub(crate) fn var(driver: &Driver, name: &str) -> Option<String> {
    driver.data()?.get(name).map(str::to_owned)
}

/// The `ups.status` tokens, empty while stale.
pub(crate) fn status(driver: &Driver) -> Vec<String> {
    var(driver, "ups.status")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Drain the driver's events.
pub(crate) fn events(driver: &mut Driver) -> Vec<DriverEvent> {
    std::iter::from_fn(|| driver.poll_event()).collect()
}
