//! `start` and `shutdown`: running driver programs with NUT's attempts,
//! time limits and messages, and `-F` supervision of several drivers.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Instant;

use super::{Job, Session, Tracked};
use crate::error::strerror;
use crate::upsdrvctl::cli::Action;
use crate::upsdrvctl::log::Message;
use crate::upsdrvctl::plan::{self, Device, Launch, Passthrough};
use crate::upsdrvctl::process::{self, Waited};
use crate::upsdrvctl::retry::{AttemptOutcome, Next, StartAttempts, StartResult};
use crate::upsdrvctl::supervise;

impl Job<'_> {
    pub(super) fn start<'d>(&self, session: &mut Session<'_>, devices: &[&'d Device]) {
        let options = &self.invocation.options;
        if self.invocation.ups.is_none()
            && let Some(warning) =
                plan::foreground_warning(Action::Start, self.count, options, session.log.level())
        {
            session.say(warning);
        }
        let (passthrough, notes) = Passthrough::new(options, session.log.level());
        for note in notes {
            session.say(note);
        }
        let mut tracked: Vec<Tracked<'d>> = Vec::new();
        for device in devices {
            session.debug(1, format!("Starting UPS: {}", device.name));
            let program = self
                .locator
                .locate(device.driver_name(), process::is_program);
            if let Err(e) = std::fs::metadata(&program) {
                session.error(format!(
                    "Can't start {}: {}",
                    program.display(),
                    strerror(&e)
                ));
                // Fatal in NUT: its exit clean-up stops only the drivers of
                // a foreground run.
                if options.foreground.is_foreground() {
                    self.stop_tracked(session, tracked);
                }
                return;
            }
            let args = passthrough.start_args(&device.name);
            if let Some(child) = self.start_one(session, device, &program, &args) {
                tracked.push(child);
            }
        }
        self.revisit_timeouts(session, &mut tracked);
        if session.failed {
            if options.foreground.is_foreground() {
                self.stop_tracked(session, tracked);
            }
            return;
        }
        if options.foreground.is_foreground() && !self.testing() && !tracked.is_empty() {
            session.debug(
                1,
                "upsdrvctl: was asked for explicit foregrounding - not exiting now (driver \
                 startup was completed)",
            );
            self.supervise(session, tracked, &passthrough);
        }
    }

    /// The attempts for one driver; returns the process still held (a
    /// driver not waited for, or one that outlived `maxstartdelay`).
    fn start_one<'d>(
        &self,
        session: &mut Session<'_>,
        device: &'d Device,
        program: &Path,
        args: &[String],
    ) -> Option<Tracked<'d>> {
        let mut attempts = StartAttempts::new(
            self.config.attempts(device),
            self.config.retry_delay(device),
        );
        let mut held = None;
        loop {
            let now = Instant::now();
            match attempts.next(now) {
                Next::Launch { remaining } => {
                    session.debug(2, format!("{remaining} remaining attempts"));
                    session.debug(2, plan::exec_line(program, args));
                    let outcome = if self.testing() {
                        AttemptOutcome::Started
                    } else {
                        let (outcome, child) = self.launch(session, device, program, args);
                        held = child;
                        outcome
                    };
                    attempts.handle_outcome(Instant::now(), outcome);
                }
                Next::Sleep(until) => std::thread::sleep(until.saturating_duration_since(now)),
                Next::Done(result) => {
                    match result {
                        StartResult::Started => {}
                        StartResult::Failed => session.failed = true,
                        StartResult::TimedOut { earlier_failures } => {
                            session.failed |= earlier_failures;
                        }
                    }
                    return held;
                }
            }
        }
    }

    /// One attempt at running `program args` for `device`, waiting as NUT
    /// would; returns how it went and the process if upsdrvctl keeps it.
    fn launch<'d>(
        &self,
        session: &mut Session<'_>,
        device: &'d Device,
        program: &Path,
        args: &[String],
    ) -> (AttemptOutcome, Option<Tracked<'d>>) {
        let options = &self.invocation.options;
        let mode = plan::launch(
            self.config,
            device,
            self.count,
            options,
            session.log.level(),
        );
        let mut command = process::command(program, args);
        command.envs(self.env.driver_env.iter().map(|(k, v)| (k, v)));
        if let Launch::Exec(message) = mode {
            session.say(message);
            let _ = session.out.flush();
            let _ = session.err.flush();
            let e = command.exec();
            session.error(format!("execv: {}", strerror(&e)));
            return (AttemptOutcome::Failed, None);
        }
        let child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                // NUT's child reports its failed execv and exits 1.
                session.say(Message::always(format!("execv: {}", strerror(&e))));
                session.say(Message::always("Driver failed to start (exit status=1)"));
                return (AttemptOutcome::Failed, None);
            }
        };
        let limit = match mode {
            Launch::Detach(message) => {
                session.say(message);
                let tracked = Tracked {
                    device,
                    child,
                    timed_out: false,
                };
                return (AttemptOutcome::Started, Some(tracked));
            }
            Launch::Wait(limit) => limit,
            Launch::Exec(_) => None,
        };
        match process::wait_with_limit(child, limit) {
            Ok(Waited::Exited(status)) => match process::exit_code(status) {
                Some(0) => (AttemptOutcome::Started, None),
                Some(code) => {
                    session.say(Message::always(format!(
                        "Driver failed to start (exit status={code})"
                    )));
                    (AttemptOutcome::Failed, None)
                }
                None => {
                    session.say(Message::always("Driver exited abnormally"));
                    (AttemptOutcome::Failed, None)
                }
            },
            Ok(Waited::Running(child)) => {
                session.say(Message::always("Startup timer elapsed, continuing..."));
                let tracked = Tracked {
                    device,
                    child,
                    timed_out: true,
                };
                (AttemptOutcome::TimedOut, Some(tracked))
            }
            Err(e) => {
                session.say(Message::always(format!("waitpid: {}", strerror(&e))));
                (AttemptOutcome::Failed, None)
            }
        }
    }

    /// NUT's second look at drivers still starting at `maxstartdelay`.
    fn revisit_timeouts(&self, session: &mut Session<'_>, tracked: &mut Vec<Tracked<'_>>) {
        if !tracked.iter().any(|t| t.timed_out) {
            return;
        }
        session.debug(
            1,
            "upsdrvctl: got some timeouts with preceding operations, revising them now",
        );
        tracked.retain_mut(|t| {
            if !t.timed_out {
                return true;
            }
            let pid = t.child.id();
            let ups = &t.device.name;
            let prefix = format!("Driver [{ups}] PID {pid} initially exceeded maxstartdelay");
            match t.child.try_wait() {
                Ok(None) => {
                    session.error(format!("{prefix} and is still starting"));
                    // Not ours to stop: it may yet finish starting.
                    false
                }
                Ok(Some(status)) => {
                    match (process::exit_code(status), process::exit_signal(status)) {
                        (Some(0), _) => {
                            session.debug(1, format!("{prefix} but has finished by now"));
                        }
                        (Some(code), _) => session.error(format!(
                            "{prefix} and has failed to start by now (exit status={code})"
                        )),
                        (None, Some(signal)) => session.error(format!(
                            "{prefix} and has died after signal {signal} by now"
                        )),
                        (None, None) => {
                            session.error(format!("{prefix} and has exited abnormally by now"));
                        }
                    }
                    false
                }
                Err(e) => {
                    session.error(format!(
                        "{prefix} and we got an error asking it again: {}",
                        strerror(&e)
                    ));
                    false
                }
            }
        });
    }

    pub(super) fn shutdown<'d>(&self, session: &mut Session<'_>, devices: &[&'d Device]) {
        let (passthrough, _) = Passthrough::new(&self.invocation.options, 0);
        let mut tracked: Vec<Tracked<'d>> = Vec::new();
        for device in devices {
            session.debug(1, format!("Shutdown UPS: {}", device.name));
            let program = self
                .locator
                .locate(device.driver_name(), process::is_program);
            let args = passthrough.shutdown_args(&device.name);
            session.debug(2, plan::exec_line(&program, &args));
            if self.testing() {
                continue;
            }
            let (outcome, child) = self.launch(session, device, &program, &args);
            if outcome == AttemptOutcome::Failed {
                session.failed = true;
            }
            tracked.extend(child);
        }
        self.revisit_timeouts(session, &mut tracked);
    }

    /// `-F` with several UPSes: stay with the drivers until told to stop.
    fn supervise(&self, session: &mut Session<'_>, tracked: Vec<Tracked<'_>>, pt: &Passthrough) {
        use nix::sys::signal::SigSet;
        let mut signals = SigSet::empty();
        for signal in supervise::SIGNALS {
            signals.add(signal);
        }
        if let Err(e) = signals.thread_block() {
            session.error(format!("can't block signals: {e}"));
            self.stop_tracked(session, tracked);
            return;
        }
        let mut supervisor = supervise::Supervisor::new();
        let mut tracked = tracked;
        loop {
            // Exits first (one may have happened before the block).
            let mut index = 0;
            while let Some(t) = tracked.get_mut(index) {
                let Ok(Some(status)) = t.child.try_wait() else {
                    index += 1;
                    continue;
                };
                let device = t.device;
                let code = process::exit_code(status);
                let driver = device.driver_name();
                let ups = &device.name;
                match supervisor.handle_exit(Instant::now(), code) {
                    supervise::Reaction::Restart => {
                        session.debug(
                            1,
                            format!(
                                "Driver [{driver}] for [{ups}] exited soon after reload-or-exit \
                                 or similar signal, restarting it"
                            ),
                        );
                        tracked.swap_remove(index);
                        let program = self.locator.locate(driver, process::is_program);
                        let args = pt.start_args(ups);
                        if let Some(child) = self.start_one(session, device, &program, &args) {
                            tracked.push(child);
                        }
                    }
                    _ => {
                        session.debug(
                            1,
                            format!(
                                "Driver [{driver}] for [{ups}] exited inexplicably with code {}, \
                                 aborting",
                                code.unwrap_or(-1)
                            ),
                        );
                        tracked.swap_remove(index);
                        self.stop_tracked(session, tracked);
                        session.error(supervise::DRIVER_LOST);
                        return;
                    }
                }
            }
            let Ok(signal) = signals.wait() else {
                continue;
            };
            match supervisor.handle_signal(Instant::now(), signal) {
                supervise::Reaction::Stop => {
                    self.stop_tracked(session, tracked);
                    return;
                }
                supervise::Reaction::Forward(signal) => {
                    for t in &tracked {
                        let Ok(pid) = i32::try_from(t.child.id()) else {
                            continue;
                        };
                        session.debug(
                            1,
                            format!(
                                "Signalling UPS [{}]: {} ({})",
                                t.device.name,
                                signal as i32,
                                plan::signal_description(signal)
                            ),
                        );
                        if let Err(e) = process::send_signal(pid, signal) {
                            session.error(format!("Signalling PID {pid} failed: {}", strerror(&e)));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
