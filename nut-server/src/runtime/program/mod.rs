//! The whole life of a driver, for any [`Program`]: NUT's `main.c`.
//!
//! [`run`] does what a NUT driver process does, in NUT's order: banner,
//! command line, `ups.conf` section (`-a`) or `-x` alone (`-s`), the
//! driver's options (an unknown one is fatal with NUT's message), `-c`
//! commands to a running instance, `-k` (through the running instance
//! first, else here), going to the background, chroot and `-u`/`-g`,
//! taking over from a running instance, the device's initialisation, the
//! socket `<statepath>/<driver>-<ups>` (mode 0660), the PID file, signals,
//! then [`serve`](super::serve::serve()) until an exit, and the
//! clean-up of socket and PID file.
//!
//! [`run_task`] runs a driver as a task of an existing tokio runtime
//! instead (no process-wide effects: no signals, PID file, privileges or
//! stdio changes), for hosting many drivers in one process; [`start_task`]
//! is its first half, up to a bound socket (see [`crate::stack`]).
//!
//! Privileges: as root, `-u`/`user` (default `nut`, as NUT's packages) is
//! switched to with `setgroups`/`setgid`/`setuid` before the runtime
//! starts; as another user nothing is switched, as NUT does.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::cli::{self, Action, CliError, DriverArgs, Foreground};
use super::hub::{Hub, HubOptions};
use super::log::{Level, Logger};
use super::paths::NutPaths;
use super::process;
use super::serve::{Control, Exit, ServeConfig, serve};
use super::{Driver, run_shutdown};
use crate::driver::{self, Identity, Settings, VarTable};
use crate::error::Error;
use crate::state::{DriverState, TrackingResult};

pub mod config;
pub mod host;
pub mod setup;

pub use config::DriverConfig;
pub use host::{ProcessHost, dump_text};
pub use setup::Reexec;

/// The user NUT's packages run drivers as when started by root.
pub const DEFAULT_USER: &str = "nut";

/// Environment variable: set to `1`/`yes`/`true` to publish the shared
/// commands and variables of newer NUT (see
/// [`HubOptions::advertise_shared`]).
pub const ADVERTISE_SHARED_ENV: &str = "NUT_RS_ADVERTISE_SHARED";

/// A driver program: its identity, options and device initialisation.
pub trait Program {
    /// The device logic.
    type Driver: Driver + 'static;

    /// The program name (`driver.name`, the socket and PID file prefix).
    fn name(&self) -> &'static str;

    /// The banner's description, e.g. `Device simulation and repeater driver`.
    fn description(&self) -> &'static str;

    /// `driver.name`, `driver.version`, `driver.version.internal`.
    fn identity(&self) -> Identity;

    /// The options accepted in `ups.conf` and with `-x`.
    fn vartab(&self) -> VarTable;

    /// Extra text for `-h` (`upsdrv_help`).
    fn help(&self) -> String {
        String::new()
    }

    /// A line printed right after the banner, as some NUT drivers do
    /// (apcsmart: `APC command table version 3.1`).
    fn banner_note(&self) -> Option<&'static str> {
        None
    }

    /// NUT's `DRV_EXPERIMENTAL`: the banner is followed by a warning that
    /// some features may not work.
    fn experimental(&self) -> bool {
        false
    }

    /// Opens the device and publishes its first state (`upsdrv_initups`,
    /// `upsdrv_initinfo`, the first `upsdrv_updateinfo`). The configuration
    /// and identity are published already; runs inside the tokio runtime.
    fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> impl Future<Output = Result<Started<Self::Driver>, Error>>;
}

/// What [`Program::init`] gets.
#[derive(Debug)]
#[non_exhaustive]
pub struct InitContext<'a> {
    /// The UPS name.
    pub ups: &'a str,
    /// The configuration applied.
    pub settings: &'a Settings,
    /// NUT's directories.
    pub paths: &'a NutPaths,
    /// The working directory (for `./` paths).
    pub cwd: &'a Path,
    /// The time of the first update.
    pub now: Instant,
}

/// An initialised driver.
#[derive(Debug)]
pub struct Started<D: Driver> {
    /// The driver.
    pub driver: D,
    /// Its I/O results, if it has I/O tasks.
    pub events: Option<mpsc::UnboundedReceiver<D::Event>>,
}

/// What a driver process reads from its environment, resolved once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Environment {
    /// NUT's directories.
    pub paths: NutPaths,
    /// The working directory.
    pub cwd: PathBuf,
    /// `NUT_QUIET_INIT_BANNER`: no banner.
    pub quiet_banner: bool,
    /// `NUT_DEBUG_LEVEL`: debug level when no `-D` is given.
    pub debug_level: Option<u8>,
    /// See [`ADVERTISE_SHARED_ENV`].
    pub advertise_shared: bool,
    /// This process is the background child of a driver.
    pub daemon_child: bool,
    /// How to start this program again to go to the background (`None`:
    /// stay in the foreground).
    pub reexec: Option<Reexec>,
}

impl Environment {
    /// From the process environment; the program re-executes itself to go
    /// to the background.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok();
        let yes = |name: &str| {
            var(name).is_some_and(|v| matches!(v.as_str(), "1" | "yes" | "true" | "on"))
        };
        Self {
            paths: NutPaths::from_env(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            quiet_banner: yes("NUT_QUIET_INIT_BANNER"),
            debug_level: var("NUT_DEBUG_LEVEL").and_then(|v| v.parse().ok()),
            advertise_shared: yes(ADVERTISE_SHARED_ENV),
            daemon_child: var(setup::DAEMON_CHILD_ENV).is_some(),
            reexec: std::env::current_exe().ok().map(|program| Reexec {
                program,
                prefix: Vec::new(),
                args_env: None,
            }),
        }
    }

    /// An environment with explicit directories and nothing else set.
    pub fn with_paths(paths: NutPaths) -> Self {
        Self {
            paths,
            cwd: PathBuf::from("/"),
            quiet_banner: false,
            debug_level: None,
            advertise_shared: false,
            daemon_child: false,
            reexec: None,
        }
    }
}

/// The banner line every NUT driver prints first.
pub fn banner<P: Program>(program: &P) -> String {
    let identity = program.identity();
    format!(
        "Network UPS Tools - {} {} ({})",
        program.description(),
        identity.internal_version,
        identity.version
    )
}

/// The program's `main`: [`run`] with the process's arguments and
/// environment.
pub fn main<P: Program>(program: &P) -> ExitCode {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_else(|| program.name().to_owned());
    let args: Vec<String> = argv.collect();
    ExitCode::from(run(program, &argv0, &args, Environment::from_process()))
}

/// Runs a driver process (see the module docs); returns its exit status.
pub fn run<P: Program>(program: &P, argv0: &str, args: &[String], env: Environment) -> u8 {
    if !env.quiet_banner && !env.daemon_child {
        println!("{}", banner(program));
        if let Some(note) = program.banner_note() {
            println!("{note}");
        }
        if program.experimental() {
            println!(
                "Warning: This is an experimental driver.\nSome features may not function correctly.\n"
            );
        }
    }
    let parsed = match cli::parse(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            if let CliError::UnknownOption { getopt } = &e {
                eprintln!("{argv0}: {getopt}");
            }
            eprintln!("{e}");
            return 1;
        }
    };
    match parsed.action {
        Action::Version => return 0,
        Action::Help => {
            print!("{}", cli::help_text(program.name(), &program.vartab()));
            print!("{}", program.help());
            return 0;
        }
        Action::ListVars => {
            print!("{}", cli::list_text(&program.vartab()));
            return 0;
        }
        Action::Run => {}
    }
    match Process::new(program, &parsed, args, env) {
        Ok(process) => process.run(),
        Err(code) => code,
    }
}

/// A driver process between argument parsing and exit.
struct Process<'p, P: Program> {
    program: &'p P,
    args: &'p DriverArgs,
    raw_args: &'p [String],
    env: Environment,
    config: DriverConfig,
    logger: Logger,
    socket: PathBuf,
    pid_file: PathBuf,
}

impl<'p, P: Program> Process<'p, P> {
    fn new(
        program: &'p P,
        args: &'p DriverArgs,
        raw_args: &'p [String],
        env: Environment,
    ) -> Result<Self, u8> {
        let Some(selector) = &args.ups else {
            eprintln!("{}", CliError::NoSelector);
            return Err(1);
        };
        let config = DriverConfig::load(
            selector,
            &env.paths.ups_conf(),
            args.options_before.clone(),
            args.options.clone(),
            args.pollinterval,
        )
        .map_err(|e| {
            eprintln!("{e}");
            1
        })?;
        let debug_from_conf = config
            .debug_min()
            .map_or(0, |d| u8::try_from(d).unwrap_or(u8::MAX));
        let debug = if args.debug > 0 {
            args.debug
        } else {
            env.debug_level.unwrap_or(0)
        }
        .max(debug_from_conf);
        let logger = Logger::stderr(program.name(), debug, args.quiet);
        let socket = env.paths.socket(program.name(), &config.ups);
        let pid_file = env.paths.pid_file(program.name(), &config.ups);
        Ok(Self {
            program,
            args,
            raw_args,
            env,
            config,
            logger,
            socket,
            pid_file,
        })
    }

    fn foreground(&self) -> Foreground {
        self.args.foreground.unwrap_or_else(|| {
            if self.args.debug > 0 || self.args.dump.is_some() {
                Foreground::Foreground
            } else {
                Foreground::Background
            }
        })
    }

    fn run(mut self) -> u8 {
        // The configuration is checked before anything else, as NUT does.
        let mut state = DriverState::new();
        let settings = match self.config.apply(
            &mut state,
            self.program.name(),
            &self.program.vartab(),
            self.args.command.is_none(),
        ) {
            Ok(settings) => settings,
            Err(e) => return report_config_error(&e),
        };
        if let Some(command) = self.args.command {
            return setup::send_command(
                command,
                &self.socket,
                &self.pid_file,
                self.args.pid,
                &mut self.logger,
            );
        }
        if self.args.killpower
            && let Some(code) = setup::killpower_via_socket(&self.socket, &mut self.logger)
        {
            return code;
        }
        let background = self.foreground() == Foreground::Background
            && self.args.dump.is_none()
            && !self.args.killpower;
        if background
            && !self.env.daemon_child
            && let Some(reexec) = self.env.reexec.clone()
        {
            return setup::daemonize(&reexec, self.raw_args, &self.pid_file, &mut self.logger);
        }
        if self.env.daemon_child {
            let _ = nix::unistd::setsid();
        }
        if let Err(code) = self.drop_privileges(&settings) {
            return code;
        }
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("can't start the runtime: {e}");
                return 1;
            }
        };
        runtime.block_on(self.run_async(state, settings, background))
    }

    /// chroot (`-r`, `chroot`) and the user switch; see the module docs.
    fn drop_privileges(&mut self, settings: &Settings) -> Result<(), u8> {
        let is_root = nix::unistd::Uid::effective().is_root();
        let user = self
            .args
            .user
            .clone()
            .or_else(|| settings.user.clone())
            .unwrap_or_else(|| DEFAULT_USER.to_owned());
        let account = if is_root {
            match process::lookup_user(&user) {
                Ok(account) => Some(account),
                Err(e) => {
                    eprintln!("{e}");
                    return Err(1);
                }
            }
        } else {
            self.logger
                .write(Level::Debug(1), "become_user: not root, not switching user");
            None
        };
        let chroot = self
            .args
            .chroot
            .clone()
            .or_else(|| self.config.globals.chroot.clone());
        if let Some(dir) = chroot
            && let Err(e) =
                std::os::unix::fs::chroot(&dir).and_then(|()| std::env::set_current_dir("/"))
        {
            eprintln!("chroot({dir}): {e}");
            return Err(1);
        }
        if let Some(account) = account
            && let Err(e) = process::become_user(&account)
        {
            eprintln!("{e}");
            return Err(1);
        }
        Ok(())
    }

    async fn run_async(
        mut self,
        mut state: DriverState,
        settings: Settings,
        background: bool,
    ) -> u8 {
        let dump = self.args.dump;
        if dump.is_none() && !self.args.killpower {
            setup::take_over(&self.socket, &self.pid_file, &mut self.logger);
        }
        let now = Instant::now();
        driver::publish_identity(&mut state, &self.program.identity());
        let ctx = InitContext {
            ups: &self.config.ups,
            settings: &settings,
            paths: &self.env.paths,
            cwd: &self.env.cwd,
            now,
        };
        let started = match self.program.init(ctx, &mut state).await {
            Ok(started) => started,
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        };
        let Started { mut driver, events } = started;
        driver::publish_after_init(&mut state, &settings);
        if self.args.killpower {
            self.logger.write(
                Level::Notice,
                format!("Initiating UPS [{}] shutdown", self.config.ups),
            );
            let status = run_shutdown(
                &mut driver,
                Instant::now(),
                &mut state,
                sdcommands(&settings),
            );
            drain_driver_logs(&mut driver, &mut self.logger);
            return u8::from(status != TrackingResult::Handled);
        }
        if let Some(count) = dump {
            for _ in 0..=count {
                driver.update(Instant::now(), &mut state);
            }
            print!("{}", dump_text(&state));
            return 0;
        }
        let gid = self.socket_group(&settings);
        let listener = match setup::bind_socket(&self.socket, gid, &mut self.logger).and_then(|l| {
            tokio::net::UnixListener::from_std(l).map_err(|source| Error::Socket {
                path: self.socket.clone(),
                source,
            })
        }) {
            Ok(listener) => listener,
            Err(e) => {
                println!(
                    "\n{e}\n{}",
                    setup::socket_hints(&e, &self.env.paths.statepath, self.program.name())
                );
                eprintln!("Exiting.");
                return 1;
            }
        };
        let socket_id = setup::file_identity(&self.socket);
        let pid = std::process::id();
        let write_pid = background || self.foreground() == Foreground::ForegroundWithPidFile;
        if write_pid {
            if let Err(e) = process::write_pid_file(&self.pid_file, pid) {
                self.logger.write(
                    Level::Warning,
                    format!("can't write PID file {}: {e}", self.pid_file.display()),
                );
            }
        } else {
            self.logger.write(
                Level::Warning,
                "Running as foreground process, not saving a PID file",
            );
        }
        if background {
            setup::detach_stdio();
            self.logger.to_syslog();
            self.logger.write(Level::Info, "Startup successful");
        }
        let (controls_tx, controls_rx) = mpsc::unbounded_channel();
        if let Err(e) = setup::forward_signals(controls_tx) {
            self.logger.write(
                Level::Warning,
                format!("can't install signal handlers: {e}"),
            );
        }
        let hub = Hub::new(state, self.hub_options(&settings, pid));
        let serve_config = serve_config(&settings);
        let mut host = ProcessHost::new(self.logger, self.config.clone());
        let exit = serve(
            listener,
            hub,
            driver,
            &mut host,
            events,
            Some(controls_rx),
            serve_config,
        )
        .await;
        setup::remove_if_same(&self.socket, socket_id);
        if write_pid {
            process::remove_pid_file(&self.pid_file, pid);
        }
        if let Exit::Signal(Some(signal)) = exit {
            host.logger()
                .write(Level::Info, format!("Signal {signal}: exiting"));
        }
        exit.code()
    }

    fn socket_group(&mut self, settings: &Settings) -> Option<u32> {
        let explicit = self.args.group.clone().or_else(|| settings.group.clone());
        let name = explicit
            .clone()
            .unwrap_or_else(|| process::DEFAULT_GROUP.to_owned());
        let gid = process::lookup_group(&name);
        if gid.is_none() && explicit.is_some() {
            self.logger.write(
                Level::Warning,
                format!("WARNING: could not resolve group name '{name}'"),
            );
        }
        gid
    }

    fn hub_options(&self, settings: &Settings, pid: u32) -> HubOptions {
        let mut options = HubOptions::new(pid);
        options.advertise_shared = self.env.advertise_shared;
        options.allow_killpower = settings.allow_killpower;
        options.debug_level = self.logger.debug_level();
        options
    }
}

/// NUT's output for a configuration it refuses: an unknown option is
/// reported on stdout with exit status 0 (NUT 2.8's `storeval`), anything
/// else on stderr with status 1.
fn report_config_error(error: &Error) -> u8 {
    match error {
        Error::UnknownDriverOption { .. } => {
            println!(
                "\n{error}\n\nLook in the man page or call this driver with -h for a list of\n\
                 valid variable names and flags."
            );
            0
        }
        // NUT's format string ends in a newline of its own.
        Error::WrongDriver { .. } => {
            eprintln!("{error}\n");
            1
        }
        _ => {
            eprintln!("{error}");
            1
        }
    }
}

fn sdcommands(settings: &Settings) -> Option<&str> {
    settings.value("sdcommands")
}

fn serve_config(settings: &Settings) -> ServeConfig {
    let mut config = ServeConfig::new(Duration::from_secs(u64::from(settings.pollinterval)));
    config.sdcommands = sdcommands(settings).map(str::to_owned);
    config
}

fn drain_driver_logs<D: Driver>(driver: &mut D, logger: &mut Logger) {
    while let Some(record) = driver.poll_log() {
        logger.log(&record);
    }
}

/// Runs the driver configured by `config` as a task of the current tokio
/// runtime: initialises the device, serves the socket in
/// `env.paths.statepath` until [`Control::Exit`] arrives on `controls` (or
/// another exit), then removes the socket. Nothing process-wide is
/// touched; log records go to `logger`. Build `config` with
/// [`DriverConfig::from_conf`] to read `ups.conf` once for many drivers.
/// [`start_task`] and [`StartedTask::serve`] are the two halves, for a
/// host that must know when the socket is ready.
///
/// # Errors
///
/// The configuration, the device initialisation or the socket failed.
pub async fn run_task<P: Program>(
    program: &P,
    config: DriverConfig,
    env: &Environment,
    logger: Logger,
    controls: mpsc::UnboundedReceiver<Control>,
) -> Result<Exit, Error> {
    Ok(start_task(program, config, env, logger)
        .await?
        .serve(controls)
        .await)
}

/// The first half of [`run_task`]: applies the configuration, initialises
/// the device and binds the socket (mode 0660, no group change). When this
/// returns, clients can connect; they are answered once
/// [`StartedTask::serve`] runs.
///
/// # Errors
///
/// The configuration, the device initialisation or the socket failed.
pub async fn start_task<P: Program>(
    program: &P,
    config: DriverConfig,
    env: &Environment,
    logger: Logger,
) -> Result<StartedTask<P::Driver>, Error> {
    let ups = config.ups.clone();
    let mut state = DriverState::new();
    let settings = config.apply(&mut state, program.name(), &program.vartab(), true)?;
    driver::publish_identity(&mut state, &program.identity());
    let ctx = InitContext {
        ups: &ups,
        settings: &settings,
        paths: &env.paths,
        cwd: &env.cwd,
        now: Instant::now(),
    };
    let Started { driver, events } = program.init(ctx, &mut state).await?;
    driver::publish_after_init(&mut state, &settings);
    let socket = env.paths.socket(program.name(), &ups);
    let mut logger = logger;
    let listener = setup::bind_socket(&socket, None, &mut logger)?;
    let socket_id = setup::file_identity(&socket);
    let listener =
        tokio::net::UnixListener::from_std(listener).map_err(|source| Error::Socket {
            path: socket.clone(),
            source,
        })?;
    let mut options = HubOptions::new(std::process::id());
    options.advertise_shared = env.advertise_shared;
    options.allow_killpower = settings.allow_killpower;
    options.debug_level = logger.debug_level();
    Ok(StartedTask {
        listener,
        hub: Hub::new(state, options),
        driver,
        host: ProcessHost::new(logger, config),
        events,
        serve_config: serve_config(&settings),
        socket,
        socket_id,
    })
}

/// A driver from [`start_task`]: initialised, its socket bound.
pub struct StartedTask<D: Driver> {
    listener: tokio::net::UnixListener,
    hub: Hub,
    driver: D,
    host: ProcessHost,
    events: Option<mpsc::UnboundedReceiver<D::Event>>,
    serve_config: ServeConfig,
    socket: PathBuf,
    socket_id: Option<(u64, u64)>,
}

impl<D: Driver> std::fmt::Debug for StartedTask<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedTask")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

impl<D: Driver> StartedTask<D> {
    /// The state socket it listens on.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The second half of [`run_task`]: serves until an exit, then removes
    /// the socket (unless a successor replaced it).
    pub async fn serve(mut self, controls: mpsc::UnboundedReceiver<Control>) -> Exit {
        let exit = serve(
            self.listener,
            self.hub,
            self.driver,
            &mut self.host,
            self.events,
            Some(controls),
            self.serve_config,
        )
        .await;
        setup::remove_if_same(&self.socket, self.socket_id);
        exit
    }
}
