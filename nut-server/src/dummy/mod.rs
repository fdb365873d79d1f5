//! dummy-ups, sans-IO: a simulated UPS fed from a definition file.
//!
//! [`DummyUps`] reproduces what the real dummy-ups 2.8.0 does with a parsed
//! [`Definition`]: which variables it creates and with which flags (see
//! [`table`]), `TIMER` pauses, the two file modes, and its answers to SET and
//! INSTCMD. The caller owns the clock and the file:
//!
//! * it reads and parses the file, and hands over a new [`Definition`]
//!   whenever the file's modification time changes
//!   ([`DummyUps::handle_definition`]);
//! * it calls [`DummyUps::handle_update`] once per poll (NUT: every
//!   `pollinterval` plus a fixed 1 s), and may wake at
//!   [`DummyUps::poll_timeout`] when a `TIMER` expires.
//!
//! [`start`] runs the whole start-up of the real driver (config, identity,
//! init, first update, `device.*`), so that the published tree matches the
//! real driver's `DUMPALL` for the same files.
//!
//! The I/O adapters sit beside the core: [`program`] is the `dummy-ups`
//! program for the driver runtime (file reading and re-reading), and
//! [`repeater`] the network side of `port = ups@host[:port]`.
//!
//! ```
//! use std::time::Instant;
//! use nut_server::config::UpsConf;
//! use nut_server::dummy::{self, Definition};
//! use nut_server::state::DriverState;
//!
//! let conf = UpsConf::parse("ups.conf".as_ref(), b"[dummy]\ndriver = dummy-ups\nport = dummy.seq\n")?;
//! let def = Definition::parse("dummy.seq".as_ref(), b"ups.status: OL\nTIMER 60\nups.status: OB\n")?;
//! let now = Instant::now();
//! let mut state = DriverState::new();
//! let mut ups = dummy::start(now, &mut state, &conf.globals, &conf.sections[0], &[], def, Default::default())?;
//! assert_eq!(state.get("ups.status"), Some("OL"));
//! ups.handle_update(now + std::time::Duration::from_secs(60), &mut state);
//! assert_eq!(state.get("ups.status"), Some("OB"));
//! # Ok::<(), nut_server::Error>(())
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::ups_conf::{Globals, Section};
use crate::driver::{self, Identity, NUT_VERSION, Settings, VarKind, VarTable};
use crate::error::Error;
use crate::state::{DriverState, Flags, TrackingResult};

pub mod definition;
pub mod program;
pub mod repeater;
pub mod table;

pub use definition::Definition;
use definition::EntryKind;

/// The program name (`driver.name`, socket `dummy-ups-<ups>`).
pub const PROGRAM: &str = "dummy-ups";

/// The internal version of the dummy-ups we behave like (NUT 2.8.0's).
pub const INTERNAL_VERSION: &str = "0.15";

/// The only instant command dummy-ups advertises (and does not implement).
pub const ADVERTISED_COMMAND: &str = "load.off";

/// How the definition file is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `dummy-once`: read to the end once, again only when the file changes;
    /// values set with SET persist.
    Once,
    /// `dummy-loop` (and the legacy `dummy`): read again and again.
    Loop,
    /// `repeater`: mirror another upsd (network part not in this module).
    Repeater,
}

impl Mode {
    /// dummy-ups's choice from the `mode` option and the `port`, with the
    /// value it publishes as `driver.parameter.mode`.
    ///
    /// An explicit `mode` wins; an unknown one is ignored (NUT's check never
    /// fires). Otherwise: `@` in the port means repeater, `.seq` loop,
    /// `.dev` once, anything else loop under the legacy name `dummy`.
    pub fn select(mode: Option<&str>, port: &str) -> (Self, &'static str) {
        match mode {
            Some("repeater") => return (Self::Repeater, "repeater"),
            Some("dummy-loop" | "dummy") => return (Self::Loop, "dummy-loop"),
            Some("dummy-once") => return (Self::Once, "dummy-once"),
            None if port.contains('@') => return (Self::Repeater, "repeater"),
            _ => {}
        }
        if port.ends_with(".seq") {
            (Self::Loop, "dummy-loop")
        } else if port.ends_with(".dev") {
            (Self::Once, "dummy-once")
        } else {
            (Self::Loop, "dummy")
        }
    }
}

/// Behaviour switches beyond NUT 2.8.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Options {
    /// Treat `ALARM <text>` lines as alarms (newer NUT): the text is added to
    /// `ups.alarm` and `ALARM` leads `ups.status`; a bare `ALARM` clears
    /// them. Off by default: dummy-ups 2.8.0 creates a variable `ALARM`.
    pub alarm_lines: bool,
}

/// Where the parse stands in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pause {
    /// No `TIMER` pending (NUT's `next_update == -1`).
    None,
    /// Resume at this instant.
    Until(Instant),
    /// A `TIMER` too long to represent: never resume.
    Forever,
}

/// The dummy-ups driver logic.
#[derive(Debug, Clone)]
pub struct DummyUps {
    mode: Mode,
    mode_name: &'static str,
    options: Options,
    definition: Definition,
    pending: Option<Definition>,
    /// Next entry of an unfinished pass (NUT's open parse context).
    cursor: Option<usize>,
    pause: Pause,
    /// dummy-ups's value buffer, which a bare `var:` line re-uses.
    last_value: String,
}

/// dummy-ups's options (`-h`): `mode`, `repeater_disable_strict_start`
/// (accepted by newer releases), and ours: `username` and `password` for
/// the repeater (never published).
pub fn vartab() -> VarTable {
    let mut table = VarTable::new();
    table
        .add(
            "mode",
            VarKind::Value,
            "Specify mode instead of guessing it from port value (dummy = dummy-loop, dummy-once, repeater)",
        )
        .add(
            "repeater_disable_strict_start",
            VarKind::Flag,
            "Do not terminate the driver encountering errors when starting the repeater mode",
        )
        // Beyond NUT: credentials for forwarding SET and INSTCMD upstream.
        .add_sensitive("username", "Repeater: user name to log in to the upstream upsd")
        .add_sensitive("password", "Repeater: password to log in to the upstream upsd");
    table
}

/// The identity dummy-ups publishes.
pub fn identity() -> Identity {
    Identity {
        program: PROGRAM.to_owned(),
        version: NUT_VERSION.to_owned(),
        internal_version: INTERNAL_VERSION.to_owned(),
    }
}

/// The file a `port` names: absolute paths as they are, `./` and `../`
/// relative to the working directory, anything else in the config directory.
pub fn definition_path(port: &str, confpath: &Path, cwd: &Path) -> PathBuf {
    if port.starts_with('/') {
        PathBuf::from(port)
    } else if port.starts_with('.') {
        cwd.join(port)
    } else {
        confpath.join(port)
    }
}

/// Runs dummy-ups's start-up on `state`, in the real driver's order: apply
/// `ups.conf` (and `-x` options), publish the identity, choose the mode,
/// load the built-in variables and the `definition` up to its first `TIMER`,
/// run the first update, then publish `driver.parameter.pollinterval`,
/// `.synchronous` and the `device.*` copies.
///
/// # Errors
///
/// The configuration errors of [`driver::apply_config`].
pub fn start(
    now: Instant,
    state: &mut DriverState,
    globals: &Globals,
    section: &Section,
    cli: &[(String, Option<String>)],
    definition: Definition,
    options: Options,
) -> Result<DummyUps, Error> {
    let settings = driver::apply_config(state, PROGRAM, globals, section, cli, &vartab())?;
    driver::publish_identity(state, &identity());
    let ups = init(now, state, &settings, definition, options);
    driver::publish_after_init(state, &settings);
    Ok(ups)
}

/// The device part of the start-up, between the core's configuration and
/// identity and its `device.*` copies: choose the mode, load the built-in
/// variables and the `definition` up to its first `TIMER`, run the first
/// update.
pub fn init(
    now: Instant,
    state: &mut DriverState,
    settings: &Settings,
    definition: Definition,
    options: Options,
) -> DummyUps {
    let port = settings.port.as_deref().unwrap_or_default();
    let mut ups = DummyUps::new(Mode::select(settings.value("mode"), port), options);
    ups.init_ups(state);
    ups.init_info(now, state, definition);
    ups.handle_update(now, state);
    ups
}

impl DummyUps {
    /// A driver in the given mode (see [`Mode::select`]).
    pub fn new((mode, mode_name): (Mode, &'static str), options: Options) -> Self {
        Self {
            mode,
            mode_name,
            options,
            definition: Definition::default(),
            pending: None,
            cursor: None,
            pause: Pause::None,
            last_value: String::new(),
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The mode's published name.
    pub fn mode_name(&self) -> &'static str {
        self.mode_name
    }

    /// `upsdrv_initups`: publishes `driver.parameter.mode`.
    pub fn init_ups(&self, state: &mut DriverState) {
        state.set_info("driver.parameter.mode", self.mode_name);
    }

    /// `upsdrv_initinfo`: the built-in variables, the file up to its first
    /// `TIMER`, `DATAOK`, and the `load.off` command. (In repeater mode only
    /// the command: the upstream data comes from the network side.)
    pub fn init_info(&mut self, now: Instant, state: &mut DriverState, definition: Definition) {
        if self.mode != Mode::Repeater {
            for (name, value) in table::INITIAL {
                state.set_info(name, value);
                state.set_flags(name, Flags::RW | Flags::STRING);
                state.set_aux(name, table::DEFAULT_STRING_LEN);
            }
            self.pending = Some(definition);
            self.run_pass(now, state);
            state.data_ok();
        }
        state.add_cmd(ADVERTISED_COMMAND);
    }

    /// A new version of the file (the caller saw its modification time
    /// change). In loop mode the next pass reads it; in once mode a new pass
    /// starts from its top at the next update, unless a pass is still
    /// waiting on a `TIMER`, after which it does.
    pub fn handle_definition(&mut self, definition: Definition) {
        self.pending = Some(definition);
    }

    /// `upsdrv_updateinfo`, without its fixed one-second sleep: continues or
    /// restarts the file as the mode says, then declares the data fresh.
    pub fn handle_update(&mut self, now: Instant, state: &mut DriverState) {
        match self.mode {
            Mode::Loop => self.run_pass(now, state),
            Mode::Once => {
                let idle = self.cursor.is_none() && self.pause == Pause::None;
                if !idle || self.pending.is_some() {
                    self.run_pass(now, state);
                }
            }
            Mode::Repeater => return,
        }
        state.data_ok();
    }

    /// When a pending `TIMER` expires, if one does.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.pause {
            Pause::Until(at) => Some(at),
            Pause::None | Pause::Forever => None,
        }
    }

    /// The driver's SET handler. `None` in repeater mode, where dummy-ups
    /// installs none (NUT then sends no `TRACKING` reply).
    ///
    /// Any variable may be set or created (upsd is what refuses unknown or
    /// read-only ones); an empty value deletes it; a name starting with
    /// `ups.status` sets the status.
    pub fn set_var(
        &mut self,
        state: &mut DriverState,
        name: &str,
        value: &str,
    ) -> Option<TrackingResult> {
        if self.mode == Mode::Repeater {
            return None;
        }
        apply_value(state, name, value);
        Some(TrackingResult::Handled)
    }

    /// The driver's INSTCMD handler: dummy-ups implements no command.
    pub fn instcmd(
        &mut self,
        _state: &mut DriverState,
        _name: &str,
        _param: Option<&str>,
    ) -> TrackingResult {
        TrackingResult::Unknown
    }

    /// `parse_data_file`: runs entries until a `TIMER` or the end.
    fn run_pass(&mut self, now: Instant, state: &mut DriverState) {
        match self.pause {
            Pause::Until(at) if now < at => return,
            Pause::Forever => return,
            _ => {}
        }
        let mut index = match self.cursor {
            Some(index) => index,
            None => {
                if let Some(definition) = self.pending.take() {
                    self.definition = definition;
                }
                0
            }
        };
        self.pause = Pause::None;
        while let Some(entry) = self.definition.entries.get(index) {
            index += 1;
            match &entry.kind {
                EntryKind::Timer { seconds } => {
                    self.pause = pause_after(now, *seconds);
                    break;
                }
                EntryKind::Driver { .. } => {}
                EntryKind::Status { tokens, .. } => {
                    state.status_init();
                    for token in tokens {
                        state.status_set(token);
                    }
                    state.status_commit();
                }
                EntryKind::Variable { name, value } => {
                    if self.options.alarm_lines && name == "ALARM" {
                        alarm_line(state, value.as_deref());
                        continue;
                    }
                    if let Some(value) = value {
                        value.clone_into(&mut self.last_value);
                    }
                    apply_value(state, name, &self.last_value);
                }
            }
        }
        self.cursor = (self.pause != Pause::None).then_some(index);
    }
}

fn pause_after(now: Instant, seconds: i32) -> Pause {
    match u64::try_from(seconds) {
        Ok(secs) => now
            .checked_add(Duration::from_secs(secs))
            .map_or(Pause::Forever, Pause::Until),
        // A negative delay resumes at the next update.
        Err(_) => Pause::Until(now),
    }
}

/// dummy-ups's `setvar`, shared by file lines and SET.
fn apply_value(state: &mut DriverState, name: &str, value: &str) {
    if name.starts_with("ups.status") {
        state.status_init();
        state.status_set(value);
        state.status_commit();
    } else if value.is_empty() {
        state.del_info(name);
    } else {
        state.set_info(name, value);
        let (flags, aux) = table::flags_for(name);
        state.set_flags(name, flags);
        if flags.contains(Flags::STRING) {
            state.set_aux(name, aux);
        }
    }
}

/// `ALARM` lines with [`Options::alarm_lines`].
fn alarm_line(state: &mut DriverState, text: Option<&str>) {
    match text {
        Some(text) => state.alarm_set(text),
        None => state.alarm_init(),
    }
    state.alarm_commit();
    state.status_commit();
}

#[cfg(test)]
mod tests;
