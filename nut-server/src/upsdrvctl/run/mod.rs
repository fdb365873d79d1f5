//! upsdrvctl as a process: reads the environment and the command line, then
//! carries out the [plan](super::plan) made from them with the
//! [adapter](super::process),
//! printing NUT's messages, and returns NUT's exit status (0 or 1).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode};
use std::time::Instant;

mod control;
mod start;

use super::cli::{self, Action, Invocation, Parsed};
use super::log::{Log, Message};
use super::plan::{Config, Device, DriverLocator};
use crate::config::UpsConf;
use crate::error::{Error, strerror};
use crate::runtime::paths::NutPaths;

/// The version upsdrvctl announces (the NUT release we match).
pub const VERSION: &str = crate::driver::NUT_VERSION;

/// How long a `-c exit`/`-c reload-or-error` waits for the driver's answer
/// (NUT: 15 s).
pub const COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The banner line.
pub fn banner() -> String {
    format!("Network UPS Tools - UPS driver controller {VERSION}")
}

/// NUT 2.8.0's note for users who raise upsdrvctl's debug level hoping to
/// debug a driver (printed at level 2 unless `-d` is given).
const DEBUG_ADVICE: &str = "\n\
If you're not a NUT core developer, chances are that you're told to enable debugging\n\
to see why a driver isn't working for you. We're sorry for the confusion, but this is\n\
the 'upsdrvctl' wrapper, not the driver you're interested in.\n\
\n\
Below you'll find one or more lines starting with 'exec:' followed by an absolute\n\
path to the driver binary and some command line option. This is what the driver\n\
starts and you need to copy and paste that line and append the debug flags to that\n\
line (less the 'exec:' prefix).\n\
\n\
Alternately, provide an additional '-d' (lower-case) parameter to 'upsdrvctl' to\n\
pass its current debug level to the launched driver.\n";

/// What upsdrvctl reads from its environment, resolved once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Environment {
    /// `NUT_CONFPATH`, `NUT_STATEPATH`, `NUT_ALTPIDPATH`.
    pub paths: NutPaths,
    /// The directory of the upsdrvctl program: drivers found there are used
    /// before those in `driverpath` (see [`DriverLocator`]).
    pub own_dir: Option<PathBuf>,
    /// `NUT_QUIET_INIT_BANNER`: no banner line.
    pub quiet_banner: bool,
    /// `NUT_DEBUG_LEVEL`: the debug level when no `-D` is given.
    pub debug_level: Option<u32>,
    /// `NUT_IGNORE_NOWAIT=true`: ignore `nowait` in `ups.conf`.
    pub ignore_nowait: bool,
    /// Variables set for the drivers upsdrvctl runs (empty: they inherit
    /// upsdrvctl's environment, hence the same directories).
    pub driver_env: Vec<(String, PathBuf)>,
}

impl Environment {
    /// From the process environment.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok();
        Self {
            paths: NutPaths::from_env(),
            own_dir: std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(Path::to_owned)),
            quiet_banner: var("NUT_QUIET_INIT_BANNER").is_some_and(|v| {
                ["1", "yes", "true", "on"]
                    .iter()
                    .any(|w| v.eq_ignore_ascii_case(w))
            }),
            debug_level: var("NUT_DEBUG_LEVEL").and_then(|v| v.trim().parse().ok()),
            ignore_nowait: var("NUT_IGNORE_NOWAIT").as_deref() == Some("true"),
            driver_env: Vec::new(),
        }
    }

    /// Explicit directories and nothing else set (no drivers of our own);
    /// the drivers get the same directories through `NUT_CONFPATH`,
    /// `NUT_STATEPATH` and `NUT_ALTPIDPATH`.
    pub fn with_paths(paths: NutPaths) -> Self {
        let driver_env = vec![
            ("NUT_CONFPATH".to_owned(), paths.confpath.clone()),
            ("NUT_STATEPATH".to_owned(), paths.statepath.clone()),
            ("NUT_ALTPIDPATH".to_owned(), paths.altpidpath.clone()),
        ];
        Self {
            paths,
            own_dir: None,
            quiet_banner: false,
            debug_level: None,
            ignore_nowait: false,
            driver_env,
        }
    }
}

/// The program's `main`: [`run`] with the process's arguments, environment
/// and standard streams.
pub fn main() -> ExitCode {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| "upsdrvctl".to_owned());
    let args: Vec<String> = argv.collect();
    let code = run(
        &argv0,
        &args,
        &Environment::from_process(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}

/// Runs upsdrvctl with `args` (after the program name `argv0`); normal
/// output goes to `out`, messages to `err`. Returns the exit status.
///
/// With `-F` and a single UPS this process becomes the driver (`exec`), as
/// NUT's does; with `-F` and several it stays in the foreground until a
/// termination signal.
pub fn run(
    argv0: &str,
    args: &[String],
    env: &Environment,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if !env.quiet_banner {
        let _ = writeln!(out, "{}", banner());
    }
    let line = match cli::parse(argv0, args) {
        Ok(Parsed::Run(line)) => line,
        Ok(Parsed::Help { complaint }) => {
            if let Some(complaint) = complaint {
                let _ = writeln!(err, "{complaint}");
            }
            let _ = write!(out, "{}", cli::help(argv0));
            return 0;
        }
        Ok(Parsed::Version) => return 0,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return 1;
        }
    };
    let options = &line.options;
    let mut session = Session::new(options.debug, out, err);
    if options.debug == 0
        && let Some(level) = env.debug_level.filter(|l| *l > 0)
    {
        session.say(Message::always(format!(
            "Defaulting debug verbosity to NUT_DEBUG_LEVEL={level} since none was requested \
             by command-line options"
        )));
        session.log.raise_to(level);
    }
    if options.testing {
        let _ = writeln!(session.out, "*** Testing mode: not calling exec/kill");
        session.log.raise_to(2);
    }
    let invocation = line.invocation();
    // NUT 2.8.0 gives its advice for every command it had (and before
    // checking the command word); newer commands go without it.
    let advice = !options.pass_debug
        && !matches!(
            &invocation,
            Ok(Invocation {
                action: Action::List | Action::Status | Action::Command(_),
                ..
            })
        );
    if advice {
        session.say(Message::debug(2, DEBUG_ADVICE));
    }
    let invocation = match invocation {
        Ok(invocation) => invocation,
        Err(e) => return session.fatal(e.to_string()),
    };
    let path = env.paths.ups_conf();
    let conf = match UpsConf::load(&path) {
        Ok(conf) => conf,
        Err(Error::Open { path, source }) => {
            let path = path.display();
            return session.fatal(format!(
                "Can't open {path}: Can't open {path}: {}",
                strerror(&source)
            ));
        }
        Err(e) => return session.fatal(e.to_string()),
    };
    let (config, notes) = Config::from_ups_conf(&conf, env.ignore_nowait);
    for note in notes {
        session.say(note);
    }
    let devices = match config.select(invocation.action, invocation.ups.as_deref()) {
        Ok(devices) => devices,
        Err(e) => return session.fatal(e.to_string()),
    };
    let count = if invocation.ups.is_some() {
        1
    } else {
        config.devices.len()
    };
    let job = Job {
        env,
        config: &config,
        invocation: &invocation,
        count,
        locator: DriverLocator::new(env.own_dir.as_deref(), config.driverpath.as_deref()),
    };
    match invocation.action {
        Action::Start => job.start(&mut session, &devices),
        Action::Stop => {
            for device in &devices {
                job.stop(&mut session, device);
            }
        }
        Action::Shutdown => job.shutdown(&mut session, &devices),
        Action::List => {
            for device in &devices {
                let _ = writeln!(session.out, "{}", device.name);
            }
        }
        Action::Status => job.status(&mut session, &devices),
        Action::Command(command) => {
            for device in &devices {
                job.command(&mut session, device, command);
            }
        }
    }
    session.finish()
}

/// Output and the error tally of one run.
struct Session<'a> {
    log: Log,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    failed: bool,
}

impl<'a> Session<'a> {
    fn new(level: u32, out: &'a mut dyn Write, err: &'a mut dyn Write) -> Self {
        Self {
            log: Log::new(level),
            out,
            err,
            failed: false,
        }
    }

    fn say(&mut self, message: Message) {
        if let Some(text) = self.log.format(Instant::now(), &message) {
            let _ = self.err.write_all(text.as_bytes());
        }
    }

    fn debug(&mut self, level: u32, text: impl Into<String>) {
        self.say(Message::debug(level, text));
    }

    /// An error: printed, and the exit status will be 1.
    fn error(&mut self, text: impl Into<String>) {
        self.failed = true;
        self.say(Message::always(text));
    }

    /// A fatal error: printed, exit status 1 now.
    fn fatal(&mut self, text: impl Into<String>) -> u8 {
        self.error(text);
        self.finish()
    }

    fn finish(&mut self) -> u8 {
        let _ = self.out.flush();
        let _ = self.err.flush();
        u8::from(self.failed)
    }
}

/// A started driver process upsdrvctl still holds.
struct Tracked<'d> {
    device: &'d Device,
    child: Child,
    /// Still starting when `maxstartdelay` passed.
    timed_out: bool,
}

/// One run's fixed inputs.
struct Job<'a> {
    env: &'a Environment,
    config: &'a Config,
    invocation: &'a Invocation,
    count: usize,
    locator: DriverLocator,
}

impl Job<'_> {
    fn testing(&self) -> bool {
        self.invocation.options.testing
    }
}
