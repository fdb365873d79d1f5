//! The `dummy-ups` program for the driver runtime: the I/O around the
//! sans-IO [`DummyUps`].
//!
//! In the file modes the definition file is read at start (a missing file
//! is fatal, as in NUT) and read again whenever its modification time or
//! size changes: `dummy-once` then replays it from the top, `dummy-loop`
//! takes it at its next pass. A file that cannot be read later is logged
//! and the last good version stays. `port = ups@host[:port]` selects the
//! [`repeater`].

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use super::repeater::{self, RepeaterDriver, RepeaterEvent};
use super::{Definition, DummyUps, Mode, Options, definition_path};
use crate::driver::{Identity, VarTable};
use crate::error::Error;
use crate::runtime::log::{Level, LogRecord};
use crate::runtime::program::{InitContext, Program, Started};
use crate::runtime::{Answer, CallId, Driver};
use crate::state::{DriverState, TrackingResult};

/// The `dummy-ups` program.
#[derive(Debug, Clone, Copy, Default)]
pub struct DummyUpsProgram {
    /// Behaviour switches beyond NUT 2.8.0.
    pub options: Options,
}

impl Program for DummyUpsProgram {
    type Driver = DummyDriver;

    fn name(&self) -> &'static str {
        super::PROGRAM
    }

    fn description(&self) -> &'static str {
        "Device simulation and repeater driver"
    }

    fn identity(&self) -> Identity {
        super::identity()
    }

    fn vartab(&self) -> VarTable {
        super::vartab()
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<DummyDriver>, Error> {
        let port = ctx.settings.port.clone().unwrap_or_default();
        let (mode, _) = Mode::select(ctx.settings.value("mode"), &port);
        if mode == Mode::Repeater {
            let (driver, events) = repeater::init(ctx, state, self.options).await?;
            return Ok(Started {
                driver: DummyDriver::Repeater(driver),
                events: Some(events),
            });
        }
        let path = definition_path(&port, &ctx.paths.confpath, ctx.cwd);
        let text = std::fs::read(&path).map_err(|source| Error::DefinitionFile {
            path: path.clone(),
            source,
        })?;
        let stamp = FileStamp::of(&path);
        let definition = Definition::parse(&path, &text)?;
        let mut logs = VecDeque::new();
        log_diagnostics(&mut logs, &path, &definition);
        let ups = super::init(ctx.now, state, ctx.settings, definition, self.options);
        Ok(Started {
            driver: DummyDriver::File(FileDriver {
                ups,
                path,
                stamp,
                logs,
            }),
            events: None,
        })
    }
}

/// dummy-ups in one of its modes.
#[derive(Debug)]
#[non_exhaustive]
pub enum DummyDriver {
    /// `dummy-once`, `dummy-loop`, `dummy`.
    File(FileDriver),
    /// `repeater`.
    Repeater(RepeaterDriver),
}

/// A definition file's identity for change detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

impl FileStamp {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Self {
            modified: meta.modified().ok(),
            len: meta.len(),
        })
    }
}

/// The file modes.
#[derive(Debug)]
pub struct FileDriver {
    ups: DummyUps,
    path: PathBuf,
    stamp: Option<FileStamp>,
    logs: VecDeque<LogRecord>,
}

impl FileDriver {
    /// The simulated UPS.
    pub fn ups(&self) -> &DummyUps {
        &self.ups
    }

    /// Reads the file again if it changed since the last reading.
    fn check_file(&mut self) {
        let stamp = FileStamp::of(&self.path);
        if stamp.is_none() || stamp == self.stamp {
            return;
        }
        match std::fs::read(&self.path) {
            Ok(text) => match Definition::parse(&self.path, &text) {
                Ok(definition) => {
                    self.stamp = stamp;
                    log_diagnostics(&mut self.logs, &self.path, &definition);
                    self.ups.handle_definition(definition);
                }
                Err(e) => self
                    .logs
                    .push_back(LogRecord::new(Level::Error, e.to_string())),
            },
            Err(e) => self.logs.push_back(LogRecord::new(
                Level::Error,
                format!(
                    "Can't open dummy-ups definition file {}: {e}",
                    self.path.display()
                ),
            )),
        }
    }
}

fn log_diagnostics(logs: &mut VecDeque<LogRecord>, path: &Path, definition: &Definition) {
    for diagnostic in &definition.diagnostics {
        logs.push_back(LogRecord::new(
            Level::Debug(2),
            format!(
                "{}:{}: {}",
                path.display(),
                diagnostic.line,
                diagnostic.message
            ),
        ));
    }
}

impl Driver for DummyDriver {
    type Event = RepeaterEvent;

    fn update(&mut self, now: Instant, state: &mut DriverState) {
        match self {
            Self::File(file) => {
                file.check_file();
                file.ups.handle_update(now, state);
            }
            Self::Repeater(repeater) => repeater.update(now, state),
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Self::File(file) => file.ups.poll_timeout(),
            Self::Repeater(_) => None,
        }
    }

    fn set_var(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        match self {
            Self::File(file) => match file.ups.set_var(state, var, value) {
                Some(status) => Answer::Done(status),
                None => Answer::NoHandler,
            },
            Self::Repeater(repeater) => repeater.set_var(now, state, call, var, value),
        }
    }

    fn instcmd(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        match self {
            Self::File(file) => {
                file.logs.push_back(LogRecord::new(
                    Level::Notice,
                    format!(
                        "instcmd: unknown command [{cmd}] [{}]",
                        param.unwrap_or("(null)")
                    ),
                ));
                Answer::Done(file.ups.instcmd(state, cmd, param))
            }
            Self::Repeater(repeater) => repeater.instcmd(now, state, call, cmd, param),
        }
    }

    fn shutdown(&mut self, _now: Instant, _state: &mut DriverState) -> TrackingResult {
        let logs = match self {
            Self::File(file) => &mut file.logs,
            Self::Repeater(repeater) => repeater.logs(),
        };
        logs.push_back(LogRecord::new(Level::Error, "shutdown not supported"));
        TrackingResult::Unknown
    }

    fn handle_event(&mut self, now: Instant, state: &mut DriverState, event: RepeaterEvent) {
        if let Self::Repeater(repeater) = self {
            repeater.handle_event(now, state, event);
        }
    }

    fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        match self {
            Self::File(_) => None,
            Self::Repeater(repeater) => repeater.poll_answer(),
        }
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        match self {
            Self::File(file) => file.logs.pop_front(),
            Self::Repeater(repeater) => repeater.logs().pop_front(),
        }
    }
}
