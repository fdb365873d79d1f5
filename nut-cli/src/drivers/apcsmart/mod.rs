//! The `apcsmart` driver: NUT's APC Smart protocol driver on our driver
//! runtime, around the sans-IO engine of [`nut_serial::apc`].
//!
//! Start-up follows NUT: the port is opened (NUT's message and exit when it
//! cannot be), the cable prepared, smart mode entered and the unit
//! discovered; a unit that never answers `Y` is fatal. Then the engine
//! polls on its own thread (module `io`); what it reads is published here.
//!
//! Beyond NUT: while data is stale the unit is nudged with `Y` at every
//! poll (NUT waits ten polls), and the log names the port and what came
//! back (or that nothing did).
//!
//! `ttymode` is accepted and checked but changes nothing: we always read
//! the port raw and frame the replies ourselves, which is what NUT's
//! canonical mode is for. No UUCP lock file is taken (`nolock` is
//! implied); the port is opened exclusively (`TIOCEXCL`) instead.

mod io;

use std::collections::VecDeque;
use std::sync::mpsc::{self as std_mpsc, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nut_serial::apc::{ApcConfig, Engine, ShutdownMethod};
use nut_server::driver::{Identity, NUT_VERSION, VarKind, VarTable};
use nut_server::error::Error;
use nut_server::runtime::log::{Level, LogRecord};
use nut_server::runtime::program::{InitContext, Program, Started};
use nut_server::runtime::{Answer, CallId, Driver};
use nut_server::state::{DriverState, Flags, TrackingResult};
use tokio::sync::mpsc;

pub use io::IoEvent;
use io::{IoThread, Request};

use super::apc_port;

/// The program name.
pub const PROGRAM: &str = "apcsmart";

/// NUT 2.8.0's apcsmart version (`driver.version.internal`).
pub const DRIVER_VERSION: &str = "3.2";

/// The line NUT's apcsmart prints after its banner.
pub const BANNER_NOTE: &str = "APC command table version 3.1";

/// Longest start-up (smart mode tries and discovery): NUT gives up after
/// five `Y`s; discovery reads each variable once.
const INIT_TIMEOUT: Duration = Duration::from_secs(120);

/// Longest shutdown sequence (`Y`, `Q`, up to five methods, `cshdelay`).
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(60);

/// The `apcsmart` program.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApcsmartProgram;

impl Program for ApcsmartProgram {
    type Driver = ApcDriver;

    fn name(&self) -> &'static str {
        PROGRAM
    }

    fn description(&self) -> &'static str {
        "APC Smart protocol driver"
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
        for (name, help) in [
            ("ttymode", "tty discipline selection"),
            ("cable", "alternate cable (940-0095B) selection"),
            ("awd", "hard hibernate's additional wakeup delay"),
            ("sdtype", "simple shutdown method"),
            ("advorder", "advanced shutdown control"),
            ("cshdelay", "CS hack delay"),
        ] {
            table.add(name, VarKind::Value, help);
        }
        table
    }

    fn banner_note(&self) -> Option<&'static str> {
        Some(BANNER_NOTE)
    }

    fn help(&self) -> String {
        "\nFor detailed information, please refer to:\n - apcsmart(8)\n \
         - http://www.networkupstools.org/docs/man/apcsmart.html\n"
            .to_owned()
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<ApcDriver>, Error> {
        let path = ctx.settings.port.clone().ok_or(Error::NoPort)?;
        let mut cfg = ApcConfig::default();
        for (name, value) in &ctx.settings.options {
            cfg.set_option(name, value.as_deref().unwrap_or_default())
                .map_err(|e| Error::Usage(format!("Fatal error: {e}")))?;
        }
        let pollinterval = Duration::from_secs(u64::from(ctx.settings.pollinterval.max(1)));
        cfg.pollinterval = pollinterval;
        // LB under `ignorelb` is derived by the driver core (status_commit),
        // which also sees `override.battery.*.low`.
        cfg.ignorelb = false;
        // Beyond NUT: a stale unit is nudged at every poll, not every tenth.
        cfg.nudge_after = 1;
        let cable = cfg.cable;
        let mut port = apc_port::open(&path).map_err(|e| {
            println!("{}", apc_port::open_failure_text(&path, &e));
            Error::Usage(apc_port::UNUSABLE.to_owned())
        })?;
        cable
            .prepare(&mut port)
            .map_err(|e| Error::Usage(format!("Fatal error: {path}: {e}")))?;
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let (requests, requests_rx) = std_mpsc::channel();
        let engine = Engine::new(cfg, Instant::now());
        let body = IoThread::new(
            engine,
            port,
            path.clone(),
            cable,
            pollinterval,
            events_tx,
            requests_rx,
        );
        let thread = std::thread::Builder::new()
            .name("apcsmart-io".into())
            .spawn(move || body.run())
            .map_err(|e| Error::Usage(format!("can't start the I/O thread: {e}")))?;
        let mut driver = ApcDriver {
            requests,
            thread: Some(thread),
            answers: VecDeque::new(),
            logs: VecDeque::new(),
            ignorelb: ctx.settings.ignorelb,
            device_status: String::new(),
        };
        // The first full update, as NUT's upsdrv_initinfo + updateinfo.
        let deadline = tokio::time::Instant::now() + INIT_TIMEOUT;
        let mut ready = false;
        loop {
            let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await else {
                return Err(Error::Usage(format!(
                    "Unable to detect an APC Smart protocol UPS on port {path}\n\
                     Check the cabling, port name or model name and try again \
                     (no complete answer in {} s)",
                    INIT_TIMEOUT.as_secs()
                )));
            };
            match event {
                IoEvent::Fatal(reason) => {
                    return Err(Error::Usage(format!(
                        "Unable to detect an APC Smart protocol UPS on port {path}\n\
                         Check the cabling, port name or model name and try again ({reason})"
                    )));
                }
                IoEvent::Ready { .. } => {
                    ready = true;
                    driver.handle_event(Instant::now(), state, event);
                }
                IoEvent::PollOk if ready => {
                    driver.handle_event(Instant::now(), state, event);
                    break;
                }
                other => driver.handle_event(Instant::now(), state, other),
            }
        }
        Ok(Started {
            driver,
            events: Some(events),
        })
    }
}

/// What a shutdown method is called in the log.
fn method_name(method: ShutdownMethod) -> &'static str {
    match method {
        ShutdownMethod::Soft => "soft hibernate (S)",
        ShutdownMethod::Hard => "hard hibernate (@)",
        ShutdownMethod::Delayed => "delayed power-off (K)",
        ShutdownMethod::Instant => "instant power-off (Z)",
        ShutdownMethod::Cs => "the CS hack (U, then S)",
        _ => "a shutdown method",
    }
}

/// A running apcsmart: the runtime side of its I/O thread.
#[derive(Debug)]
pub struct ApcDriver {
    requests: Sender<Request>,
    thread: Option<JoinHandle<()>>,
    answers: VecDeque<(CallId, TrackingResult)>,
    logs: VecDeque<LogRecord>,
    ignorelb: bool,
    /// `ups.status` as the unit gave it (before the core's `ignorelb`).
    device_status: String,
}

impl ApcDriver {
    fn publish_status(&mut self, state: &mut DriverState, status: &str) {
        status.clone_into(&mut self.device_status);
        state.status_init();
        state.status_set(status);
        state.status_commit();
    }
}

impl Drop for ApcDriver {
    fn drop(&mut self) {
        let _ = self.requests.send(Request::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Driver for ApcDriver {
    type Event = IoEvent;

    /// The I/O thread polls on its own; nothing to do here.
    fn update(&mut self, _now: Instant, _state: &mut DriverState) {}

    fn set_var(
        &mut self,
        _now: Instant,
        state: &mut DriverState,
        call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        let writable = state
            .tree()
            .get(var)
            .is_some_and(|v| v.flags().contains(Flags::RW));
        if !writable {
            return Answer::Done(TrackingResult::Unknown);
        }
        let request = Request::Set {
            call,
            name: var.to_owned(),
            value: value.to_owned(),
        };
        match self.requests.send(request) {
            Ok(()) => Answer::Pending,
            Err(_) => Answer::Done(TrackingResult::Failed),
        }
    }

    fn instcmd(
        &mut self,
        _now: Instant,
        state: &mut DriverState,
        call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        if !state.tree().has_command(cmd) {
            self.logs.push_back(LogRecord::new(
                Level::Notice,
                format!("instcmd: unknown command [{cmd}]"),
            ));
            return Answer::Done(TrackingResult::Unknown);
        }
        let request = Request::InstCmd {
            call,
            name: cmd.to_owned(),
            param: param.map(str::to_owned),
        };
        match self.requests.send(request) {
            Ok(()) => Answer::Pending,
            Err(_) => Answer::Done(TrackingResult::Failed),
        }
    }

    /// NUT's shutdown sequence (`sdtype`/`advorder`), waited for here: the
    /// driver exits after it.
    fn shutdown(&mut self, _now: Instant, _state: &mut DriverState) -> TrackingResult {
        let (reply, outcome) = std_mpsc::channel();
        if self.requests.send(Request::Shutdown(reply)).is_err() {
            return TrackingResult::Failed;
        }
        match outcome.recv_timeout(SHUTDOWN_TIMEOUT) {
            Ok(Ok(method)) => {
                self.logs.push_back(LogRecord::new(
                    Level::Info,
                    format!("shutdown: the UPS accepted {}", method_name(method)),
                ));
                TrackingResult::Handled
            }
            Ok(Err(e)) => {
                self.logs.push_back(LogRecord::new(
                    Level::Error,
                    format!("shutdown failed: {e}"),
                ));
                TrackingResult::Failed
            }
            Err(_) => {
                self.logs.push_back(LogRecord::new(
                    Level::Error,
                    format!(
                        "shutdown failed: no outcome in {} s",
                        SHUTDOWN_TIMEOUT.as_secs()
                    ),
                ));
                TrackingResult::Failed
            }
        }
    }

    fn handle_event(&mut self, _now: Instant, state: &mut DriverState, event: IoEvent) {
        match event {
            IoEvent::Var(name, Some(value)) if name == "ups.status" => {
                self.publish_status(state, &value);
            }
            IoEvent::Var(name, Some(value)) => {
                state.set_info(&name, &value);
            }
            IoEvent::Var(name, None) => {
                state.del_info(&name);
            }
            IoEvent::Ready { infos, commands } => {
                for (name, info) in infos {
                    let mut flags = Flags::NONE;
                    if info.writable {
                        flags |= Flags::RW;
                    }
                    if let Some(len) = info.string_len {
                        flags |= Flags::STRING;
                        state.set_aux(&name, i64::try_from(len).unwrap_or(i64::MAX));
                    }
                    if !flags.is_empty() {
                        state.set_flags(&name, flags);
                    }
                    for value in &info.enums {
                        state.add_enum(&name, value);
                    }
                }
                for cmd in commands {
                    state.add_cmd(cmd);
                }
            }
            IoEvent::PollOk => {
                if self.ignorelb && !self.device_status.is_empty() {
                    // LB follows the charge and runtime just read.
                    let status = self.device_status.clone();
                    self.publish_status(state, &status);
                }
                state.data_ok();
            }
            IoEvent::Stale => state.data_stale(),
            IoEvent::Recovered => state.data_ok(),
            IoEvent::Fatal(reason) => {
                self.logs.push_back(LogRecord::new(Level::Error, reason));
                state.data_stale();
            }
            IoEvent::Answer(call, status) => self.answers.push_back((call, status)),
            IoEvent::Log(record) => self.logs.push_back(record),
        }
    }

    fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        self.answers.pop_front()
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }
}
