//! `stop`, `-c` and `status`: finding a running driver through its PID
//! file and socket, signalling it, and the stop escalation.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nix::sys::signal::Signal;

use super::{COMMAND_TIMEOUT, Job, Session, Tracked};
use crate::error::strerror;
use crate::runtime::query;
use crate::upsdrvctl::cli::DriverCommand;
use crate::upsdrvctl::log::Message;
use crate::upsdrvctl::plan::{self, Device};
use crate::upsdrvctl::process;
use crate::upsdrvctl::status::{self, Row};
use crate::upsdrvctl::stop::{StopEscalation, StopResult, StopStep};

impl Job<'_> {
    /// The PID file naming `device`'s driver, with NUT's messages when
    /// there is none.
    fn find_pid_file(&self, session: &mut Session<'_>, device: &Device) -> Option<PathBuf> {
        let (main, legacy) = plan::pid_files(&self.env.paths.altpidpath, device);
        let Err(e) = std::fs::metadata(&main) else {
            return Some(main);
        };
        let (path, e) = match legacy {
            Some(legacy) => {
                session.say(Message::always(format!(
                    "Can't open {}: {}",
                    main.display(),
                    strerror(&e)
                )));
                match std::fs::metadata(&legacy) {
                    Ok(_) => return Some(legacy),
                    Err(e) => (legacy, e),
                }
            }
            None => (main, e),
        };
        session.error(format!(
            "Can't open {} either: {}",
            path.display(),
            strerror(&e)
        ));
        None
    }

    /// The PID in `pid_file`, with NUT's messages when there is none.
    fn read_pid(session: &mut Session<'_>, pid_file: &Path) -> Option<i32> {
        let text = match process::read_pid_text(pid_file) {
            Ok(text) => text,
            Err(e) => {
                session.say(Message::always(format!(
                    "fopen {}: {}",
                    pid_file.display(),
                    strerror(&e)
                )));
                return None;
            }
        };
        let pid = plan::pid_from_text(&text);
        match i32::try_from(pid) {
            Ok(pid) if pid >= 1 => Some(pid),
            _ => {
                session.say(Message::always(format!(
                    "Ignoring invalid pid number {pid}"
                )));
                None
            }
        }
    }

    pub(super) fn stop(&self, session: &mut Session<'_>, device: &Device) {
        session.debug(1, format!("Stopping UPS: {}", device.name));
        let Some(pid_file) = self.find_pid_file(session, device) else {
            return;
        };
        let name = pid_file.display().to_string();
        session.debug(2, format!("Sending signal to {name}"));
        if self.testing() {
            return;
        }
        let Some(pid) = Self::read_pid(session, &pid_file) else {
            session.error(format!("Stopping {name} failed"));
            return;
        };
        if stop_process(session, &name, pid, || process::is_alive(pid)) == StopResult::Killed {
            // A killed driver leaves its PID file behind.
            let _ = std::fs::remove_file(&pid_file);
        }
    }

    pub(super) fn command(
        &self,
        session: &mut Session<'_>,
        device: &Device,
        command: DriverCommand,
    ) {
        let ups = &device.name;
        let Some(signal) = plan::command_signal(command) else {
            let name = command.name();
            session.debug(1, format!("Signalling UPS [{ups}]: driver.{name}"));
            if self.testing() {
                return;
            }
            let socket = plan::socket(&self.env.paths.statepath, device);
            let request = format!("INSTCMD driver.{name}");
            match query::oneshot(&socket, &request, COMMAND_TIMEOUT) {
                Ok(code) => {
                    session.say(Message::always(format!(
                        "Request for driver to {name} returned code {code}"
                    )));
                    if code != 0 {
                        session.failed = true;
                    }
                }
                Err(e) => {
                    session.error(format!("Socket dialog with the other driver instance: {e}"))
                }
            }
            return;
        };
        session.debug(
            1,
            format!(
                "Signalling UPS [{ups}]: {} ({})",
                signal as i32,
                plan::signal_description(signal)
            ),
        );
        let Some(pid_file) = self.find_pid_file(session, device) else {
            return;
        };
        let name = pid_file.display().to_string();
        session.debug(2, format!("Sending signal to {name}"));
        if self.testing() {
            return;
        }
        let Some(pid) = Self::read_pid(session, &pid_file) else {
            session.error(format!("Signalling {name} failed"));
            return;
        };
        if let Err(e) = process::send_signal(pid, signal) {
            session.error(format!("Signalling {name} failed: {}", strerror(&e)));
        }
    }

    pub(super) fn status(&self, session: &mut Session<'_>, devices: &[&Device]) {
        let _ = writeln!(session.out, "{}", status::HEADER);
        for device in devices {
            let (pid_file, _) = plan::pid_files(&self.env.paths.altpidpath, device);
            let pid = process::read_pid_text(&pid_file)
                .ok()
                .and_then(|text| i32::try_from(plan::pid_from_text(&text)).ok())
                .filter(|pid| *pid >= 1)
                .map(|pid| (pid, process::is_alive(pid)));
            let probe = process::probe(&plan::socket(&self.env.paths.statepath, device));
            let row = Row::new(&device.name, device.driver_name(), pid, probe);
            let _ = writeln!(session.out, "{}", row.line());
            if !row.is_responsive() {
                session.failed = true;
            }
        }
    }

    /// Stops the drivers this run started and still holds (NUT's clean-up
    /// of a foreground run).
    pub(super) fn stop_tracked(&self, session: &mut Session<'_>, tracked: Vec<Tracked<'_>>) {
        for mut t in tracked {
            let Ok(pid) = i32::try_from(t.child.id()) else {
                continue;
            };
            if matches!(t.child.try_wait(), Ok(Some(_))) {
                continue;
            }
            session.debug(1, format!("Stopping UPS: {}", t.device.name));
            let child = &mut t.child;
            stop_process(session, &format!("PID {pid}"), pid, || {
                matches!(child.try_wait(), Ok(None))
            });
        }
    }
}

/// Runs the stop escalation against `pid` (named `name` in messages);
/// `alive` tells whether it still runs.
fn stop_process(
    session: &mut Session<'_>,
    name: &str,
    pid: i32,
    mut alive: impl FnMut() -> bool,
) -> StopResult {
    let mut stop = StopEscalation::new();
    loop {
        match stop.next() {
            StopStep::Send(signal) => {
                if signal == Signal::SIGKILL {
                    session.say(Message::always(format!(
                        "Stopping {name} failed, retrying harder"
                    )));
                }
                // A zombie takes signals but is gone: report it as the
                // missing process it is where init reaps promptly.
                let result = if signal == Signal::SIGTERM && !alive() {
                    Err(std::io::Error::from(nix::errno::Errno::ESRCH))
                } else {
                    process::send_signal(pid, signal)
                };
                let sent = match result {
                    Ok(()) => true,
                    Err(e) => {
                        let e = strerror(&e);
                        session.say(Message::always(format!("kill: {e}")));
                        session.error(format!("Stopping {name} failed: {e}"));
                        false
                    }
                };
                stop.handle_sent(Instant::now(), sent);
            }
            StopStep::CheckAt(at) => {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                stop.handle_check(Instant::now(), alive());
            }
            StopStep::Done(result) => {
                if result == StopResult::StillRunning {
                    session.error(format!("Stopping {name} failed"));
                }
                return result;
            }
        }
    }
}
