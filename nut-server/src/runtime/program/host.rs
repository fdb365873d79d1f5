//! [`ProcessHost`]: the [`Host`] of a driver process (or of a driver run
//! as a task): logging, `SET driver.debug`, reload from `ups.conf`, and the
//! `upsc`-format dump.

use std::io::Write;

use super::config::DriverConfig;
use crate::config::UpsConf;
use crate::runtime::log::{Level, LogRecord, Logger};
use crate::runtime::reload::{ReloadPlan, plan};
use crate::runtime::serve::Host;
use crate::state::DriverState;

/// The host of one driver.
#[derive(Debug)]
pub struct ProcessHost {
    logger: Logger,
    configured_debug: u8,
    config: DriverConfig,
}

impl ProcessHost {
    /// A host logging through `logger`; `config` is what the driver runs
    /// with (reload compares against it).
    pub fn new(logger: Logger, config: DriverConfig) -> Self {
        Self {
            configured_debug: logger.debug_level(),
            logger,
            config,
        }
    }

    /// The logger.
    pub fn logger(&mut self) -> &mut Logger {
        &mut self.logger
    }

    /// The configuration in force.
    pub fn config(&self) -> &DriverConfig {
        &self.config
    }
}

impl Host for ProcessHost {
    fn log(&mut self, record: &LogRecord) {
        self.logger.log(record);
    }

    fn set_debug_level(&mut self, requested: Option<u8>) -> u8 {
        let level = requested.unwrap_or(self.configured_debug);
        self.logger.set_debug_level(level);
        self.logger.write(
            Level::Info,
            format!("Applying debug level {level} received during run-time via socket protocol"),
        );
        level
    }

    fn reload(&mut self) -> Option<ReloadPlan> {
        let Some(path) = self.config.file.clone() else {
            // `-s`: nothing to read again.
            return Some(ReloadPlan::default());
        };
        let conf = match UpsConf::load(&path) {
            Ok(conf) => conf,
            Err(e) => {
                self.logger.write(
                    Level::Error,
                    format!("reload failed, keeping the old configuration: {e}"),
                );
                return None;
            }
        };
        let Some(section) = conf.section(&self.config.ups).cloned() else {
            self.logger.write(
                Level::Error,
                format!(
                    "reload failed, keeping the old configuration: section {} is gone from {}",
                    self.config.ups,
                    path.display()
                ),
            );
            return None;
        };
        let new = self.config.with_file(conf.globals, section);
        let plan = plan(
            &self.config.globals,
            &self.config.effective_section(),
            &new.globals,
            &new.effective_section(),
            self.config.cli_interval,
        );
        if let Some(debug_min) = plan.debug_min {
            let floor = debug_min.map_or(0, |d| u8::try_from(d).unwrap_or(u8::MAX));
            self.configured_debug = self.configured_debug.max(floor);
            self.logger.set_debug_level(self.configured_debug);
        }
        self.config = new;
        Some(plan)
    }

    fn dump(&mut self, state: &DriverState) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(dump_text(state).as_bytes());
        let _ = out.flush();
    }
}

/// The `upsc`-format text of a state (what `-d` prints).
pub fn dump_text(state: &DriverState) -> String {
    state
        .tree()
        .vars()
        .map(|v| format!("{}: {}\n", v.name(), v.value()))
        .collect()
}
