//! The `genericups` driver: NUT's contact-closure driver on our driver
//! runtime, around the sans-IO engine of [`nut_serial::genericups`].
//!
//! The modem-control lines are read and set through [`ModemLines`]: on a
//! real serial port (`serialport`, with `HUPCL` cleared so that closing the
//! port leaves DTR and RTS as the driver set them, see
//! `apc_port::keep_lines_at_close`), or on anything a
//! [`GenericupsProgram::with_lines`] opener returns (the simulated
//! contact-closure UPS in the tests: pseudo-terminals have no modem lines,
//! NUT's own genericups fails on one with `TIOCMSET: Inappropriate ioctl`).
//!
//! The lines are read at each poll in the runtime's task: an ioctl does
//! not block. A read that fails (the adapter unplugged) marks data stale
//! and is logged with the port; the next poll tries again.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use nut_serial::genericups::{
    Engine, Event, GenericConfig, LogLevel, ModemLines, UPS_TYPES, config::OPTIONS, run_actions,
};
use nut_server::driver::{Identity, NUT_VERSION, VarKind, VarTable};
use nut_server::error::Error;
use nut_server::runtime::Driver;
use nut_server::runtime::log::{Level, LogRecord};
use nut_server::runtime::program::{InitContext, Program, Started};
use nut_server::state::{DriverState, TrackingResult};

use super::apc_port;

/// The program name.
pub const PROGRAM: &str = "genericups";

/// NUT 2.8.0's genericups version (`driver.version.internal`).
pub const DRIVER_VERSION: &str = "1.38";

/// NUT's message when `upstype` is missing.
const NO_UPSTYPE: &str = "No upstype set - see help text / man page!";

/// Opens the modem lines of a port path; the error is printed as the
/// fatal start-up message.
pub type LinesOpener =
    Arc<dyn Fn(&str) -> Result<Box<dyn ModemLines + Send>, String> + Send + Sync>;

/// The `genericups` program.
#[derive(Clone, Default)]
pub struct GenericupsProgram {
    opener: Option<LinesOpener>,
}

impl fmt::Debug for GenericupsProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenericupsProgram")
            .field("custom_lines", &self.opener.is_some())
            .finish()
    }
}

impl GenericupsProgram {
    /// A program whose "port" is whatever `opener` makes of the `port`
    /// setting (a simulated UPS, for tests), instead of a serial port.
    pub fn with_lines(opener: LinesOpener) -> Self {
        Self {
            opener: Some(opener),
        }
    }

    fn open(&self, path: &str) -> Result<Box<dyn ModemLines + Send>, Error> {
        if let Some(opener) = &self.opener {
            return opener(path).map_err(Error::Usage);
        }
        let port = apc_port::open(path).map_err(|e| {
            println!("{}", apc_port::open_failure_text(path, &e));
            Error::Usage(apc_port::UNUSABLE.to_owned())
        })?;
        // A pty has no HUPCL to speak of; anything else failing here is
        // reported but not fatal (the lines may still drop at close).
        if let Err(e) = apc_port::keep_lines_at_close(&port) {
            eprintln!("{path}: can't clear HUPCL: {e}");
        }
        Ok(Box::new(port))
    }
}

/// The options as the engine takes them, with the core's `pollinterval`
/// and `ignorelb`.
fn engine_config(ctx: &InitContext<'_>) -> Result<GenericConfig, Error> {
    let options: Vec<(&str, &str)> = ctx
        .settings
        .options
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_deref().unwrap_or_default()))
        .collect();
    if !options
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("upstype"))
    {
        return Err(Error::Usage(NO_UPSTYPE.to_owned()));
    }
    let mut cfg = GenericConfig::from_options(options)
        .map_err(|e| Error::Usage(format!("Fatal error: {e}")))?;
    cfg.pollinterval = std::time::Duration::from_secs(u64::from(ctx.settings.pollinterval.max(1)));
    // LB under `ignorelb` is the driver core's business (status_commit).
    cfg.ignorelb = false;
    Ok(cfg)
}

impl Program for GenericupsProgram {
    type Driver = GenericDriver;

    fn name(&self) -> &'static str {
        PROGRAM
    }

    fn description(&self) -> &'static str {
        "Generic contact-closure UPS driver"
    }

    fn identity(&self) -> Identity {
        Identity {
            program: PROGRAM.to_owned(),
            version: NUT_VERSION.to_owned(),
            internal_version: DRIVER_VERSION.to_owned(),
        }
    }

    fn vartab(&self) -> VarTable {
        let mut table = VarTable::new();
        for (name, help) in OPTIONS {
            table.add(name, VarKind::Value, help);
        }
        table
    }

    fn help(&self) -> String {
        let mut text = String::from("Valid UPS types:\n\n");
        for entry in &UPS_TYPES {
            text.push_str(&format!("{}: {}\n", entry.number, entry.desc));
        }
        text
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<GenericDriver>, Error> {
        let path = ctx.settings.port.clone().ok_or(Error::NoPort)?;
        let cfg = engine_config(&ctx)?;
        let mut driver = GenericDriver {
            engine: Engine::new(cfg, ctx.now),
            lines: self.open(&path)?,
            path: path.clone(),
            logs: VecDeque::new(),
        };
        // The cable power and the first reading; an output that cannot be
        // set is fatal, as NUT's `ioctl TIOCMSET` is.
        let powered = run_actions(&mut driver.engine, &mut *driver.lines, ctx.now);
        driver.drain_events(state);
        if let Err(e) = powered {
            // What the engine logged first (`UPS type: …`), as NUT prints
            // it before failing.
            for record in driver.logs.drain(..) {
                eprintln!("{}", record.message);
            }
            // nix names ENOTTY by its historic text; NUT prints glibc's.
            let reason = e
                .to_string()
                .replace("Not a typewriter", "Inappropriate ioctl for device");
            return Err(Error::Usage(format!(
                "ioctl TIOCMSET on {path}: {reason}\n(pseudo-terminals have no modem-control lines)"
            )));
        }
        Ok(Started {
            driver,
            events: None,
        })
    }
}

/// A running genericups.
pub struct GenericDriver {
    engine: Engine,
    lines: Box<dyn ModemLines + Send>,
    path: String,
    logs: VecDeque<LogRecord>,
}

impl fmt::Debug for GenericDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenericDriver")
            .field("engine", &self.engine)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl GenericDriver {
    /// The engine (for tests: what it holds).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Carries out the engine's line actions and publishes what came of
    /// them.
    fn pump(&mut self, now: Instant, state: &mut DriverState) {
        if let Err(e) = run_actions(&mut self.engine, &mut *self.lines, now) {
            self.logs.push_back(LogRecord::new(
                Level::Error,
                format!("can't set the lines of {}: {e}", self.path),
            ));
            state.data_stale();
        }
        self.drain_events(state);
    }

    fn drain_events(&mut self, state: &mut DriverState) {
        while let Some(event) = self.engine.poll_event() {
            match event {
                Event::Var { name, value } => {
                    state.set_info(name, &value);
                }
                Event::Status(status) => {
                    state.status_init();
                    state.status_set(&status.to_string());
                    state.status_commit();
                }
                Event::DataOk => state.data_ok(),
                Event::DataStale => state.data_stale(),
                Event::Log { level, message } => {
                    let level = match level {
                        LogLevel::Warning => Level::Warning,
                        LogLevel::Notice => Level::Notice,
                        _ => Level::Info,
                    };
                    // The engine's reports do not know the port: name it.
                    let message = if message.starts_with("Communications with UPS") {
                        format!("{message} (port {})", self.path)
                    } else {
                        message
                    };
                    self.logs.push_back(LogRecord::new(level, message));
                }
                _ => {}
            }
        }
    }
}

impl Driver for GenericDriver {
    type Event = ();

    fn update(&mut self, now: Instant, state: &mut DriverState) {
        self.engine.handle_timeout(now);
        self.pump(now, state);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.engine.poll_timeout()
    }

    /// Sets the `SD` lines (or sends the break) and holds them as NUT
    /// does (`sdtime`, or the break's length), waiting here: the driver
    /// exits after it, leaving the lines set.
    fn shutdown(&mut self, now: Instant, state: &mut DriverState) -> TrackingResult {
        if let Err(e) = self.engine.start_shutdown(now) {
            self.logs
                .push_back(LogRecord::new(Level::Error, format!("shutdown: {e}")));
            return TrackingResult::Invalid;
        }
        loop {
            self.pump(Instant::now(), state);
            if self.engine.is_done() {
                return TrackingResult::Handled;
            }
            let Some(at) = self.engine.poll_timeout() else {
                return TrackingResult::Failed;
            };
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            self.engine.handle_timeout(Instant::now());
        }
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }
}
