//! The forced-shutdown sequence (NUT `forceshutdown` → `sync_secondaries`
//! → `doshutdown`, §16.5) as states of the [`Engine`].
//!
//! 1. A primary sends `FSD` for every UPS it is primary for and waits for
//!    the answers (at most [`REPLY_TIMEOUT`]).
//! 2. It then asks `NUMLOGINS` of those UPSes every [`SYNC_POLL_PERIOD`]
//!    until no UPS has more than one login (itself) or HOSTSYNC has passed;
//!    SHUTDOWN_HOSTSYNC is notified once if the first count showed others.
//! 3. Everyone (a pure secondary starts here): log and `wall`
//!    "Executing automatic power-fail shutdown", notify SHUTDOWN, wait
//!    FINALDELAY, write POWERDOWNFLAG, run SHUTDOWNCMD, then exit or
//!    linger as SHUTDOWNEXIT says.
//!
//! Once started the sequence never turns back, as in NUT.
//! SHUTDOWN_HOSTSYNC is a later-NUT notification; 2.8.0 has none.
//! While lingering (SHUTDOWNEXIT) the engine asks nothing of upsd; later
//! NUT keeps reading NUMLOGINS then.

use std::time::{Duration, Instant};

use super::io::{LogLevel, Output, Request, UpsId};
use super::{Engine, REPLY_TIMEOUT};
use crate::config::ShutdownExit;
use crate::notify::NotifyKind;

/// How often a primary re-reads `NUMLOGINS` while waiting (NUT: 250 ms).
pub const SYNC_POLL_PERIOD: Duration = Duration::from_millis(250);

/// Where the engine is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Polling and judging.
    Monitoring,
    /// Waiting for the answers to `FSD`.
    SettingFsd {
        pending: Vec<UpsId>,
        deadline: Instant,
    },
    /// Waiting for secondaries to log out.
    Syncing(Sync),
    /// Between SHUTDOWN and SHUTDOWNCMD.
    FinalDelay { until: Instant },
    /// SHUTDOWNCMD ran; staying alive per SHUTDOWNEXIT.
    Lingering { until: Option<Instant> },
    /// [`Output::Exit`] was emitted.
    Done,
}

/// State of the `NUMLOGINS` wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sync {
    started: Instant,
    /// UPSes whose answer this round still lacks.
    pending: Vec<UpsId>,
    max_logins: u32,
    round_deadline: Instant,
    next_round: Option<Instant>,
    first_round: bool,
}

impl Phase {
    pub(crate) fn timeout(&self) -> Option<Instant> {
        match self {
            Self::Monitoring | Self::Done => None,
            Self::SettingFsd { deadline, .. } => Some(*deadline),
            Self::Syncing(s) if !s.pending.is_empty() => Some(s.round_deadline),
            Self::Syncing(s) => s.next_round,
            Self::FinalDelay { until } => Some(*until),
            Self::Lingering { until } => *until,
        }
    }
}

impl Engine {
    fn primaries(&self) -> Vec<UpsId> {
        (0..self.ups.len())
            .filter(|&i| self.ups[i].primary)
            .map(UpsId)
            .collect()
    }

    /// NUT `forceshutdown`: starts the sequence unless it already runs.
    pub(crate) fn force_shutdown(&mut self, now: Instant) {
        if self.phase != Phase::Monitoring {
            return;
        }
        self.cycle = None;
        self.log(
            LogLevel::Debug,
            "Shutting down any UPSes in PRIMARY mode...".to_owned(),
        );
        let primaries = self.primaries();
        if primaries.is_empty() {
            self.do_shutdown(now);
            return;
        }
        // NUT 2.8.0 raises no FSD notification for the FSD it sets itself
        // (lab §3.2: "the primary gets no FSD notification of its own");
        // later releases notify FSD once upsd answers OK. We follow 2.8.0,
        // the oracle. A secondary notifies FSD when it sees it in the status.
        for &ups in &primaries {
            self.out.push_back(Output::Send {
                ups,
                request: Request::SetFsd,
            });
        }
        self.phase = Phase::SettingFsd {
            pending: primaries,
            deadline: now + REPLY_TIMEOUT,
        };
    }

    pub(crate) fn fsd_ack(&mut self, now: Instant, ups: UpsId, result: Result<(), String>) {
        let Phase::SettingFsd { pending, .. } = &mut self.phase else {
            return;
        };
        let Some(pos) = pending.iter().position(|&p| p == ups) else {
            return;
        };
        pending.remove(pos);
        let done = pending.is_empty();
        if let Err(reason) = result {
            let name = self.ups_name(ups).unwrap_or_default().to_owned();
            self.log(
                LogLevel::Error,
                format!("FSD set on UPS {name} failed: {reason}"),
            );
        }
        if done {
            self.start_sync(now);
        }
    }

    fn start_sync(&mut self, now: Instant) {
        self.log(
            LogLevel::Debug,
            "This system is a primary... waiting for secondaries to logout...".to_owned(),
        );
        self.phase = Phase::Syncing(Sync {
            started: now,
            pending: Vec::new(),
            max_logins: 0,
            round_deadline: now,
            next_round: None,
            first_round: true,
        });
        self.start_round(now);
    }

    fn start_round(&mut self, now: Instant) {
        let primaries = self.primaries();
        let host_sync = self.config.host_sync;
        let Phase::Syncing(sync) = &mut self.phase else {
            return;
        };
        // Never wait on a silent upsd for longer than HOSTSYNC allows.
        let latest = (sync.started + host_sync + SYNC_POLL_PERIOD).max(now);
        sync.round_deadline = (now + REPLY_TIMEOUT).min(latest);
        sync.next_round = None;
        sync.max_logins = 0;
        sync.pending.clone_from(&primaries);
        for ups in primaries {
            self.out.push_back(Output::Send {
                ups,
                request: Request::NumLogins,
            });
        }
    }

    pub(crate) fn numlogins(&mut self, now: Instant, ups: UpsId, result: Result<u32, String>) {
        let Phase::Syncing(sync) = &mut self.phase else {
            return;
        };
        let Some(pos) = sync.pending.iter().position(|&p| p == ups) else {
            return;
        };
        sync.pending.remove(pos);
        match result {
            Ok(n) => sync.max_logins = sync.max_logins.max(n),
            Err(reason) => {
                let name = self.ups_name(ups).unwrap_or_default().to_owned();
                self.log(
                    LogLevel::Debug,
                    format!("NUMLOGINS on UPS {name} failed: {reason}"),
                );
            }
        }
        if matches!(&self.phase, Phase::Syncing(s) if s.pending.is_empty()) {
            self.finish_round(now);
        }
    }

    fn finish_round(&mut self, now: Instant) {
        let host_sync = self.config.host_sync;
        let Phase::Syncing(sync) = &mut self.phase else {
            return;
        };
        sync.pending.clear();
        if sync.max_logins <= 1 {
            self.do_shutdown(now);
            return;
        }
        let first = std::mem::replace(&mut sync.first_round, false);
        let expired = now.saturating_duration_since(sync.started) > host_sync;
        if !expired {
            sync.next_round = Some(now + SYNC_POLL_PERIOD);
        }
        if first {
            self.notify(NotifyKind::ShutdownHostsync, None);
        }
        if expired {
            self.log(
                LogLevel::Info,
                "Host sync timer expired, forcing shutdown".to_owned(),
            );
            self.do_shutdown(now);
        }
    }

    /// NUT `doshutdown`.
    fn do_shutdown(&mut self, now: Instant) {
        let text = "Executing automatic power-fail shutdown";
        self.log(LogLevel::Critical, text.to_owned());
        self.out.push_back(Output::Wall(text.to_owned()));
        self.notify(NotifyKind::Shutdown, None);
        self.phase = Phase::FinalDelay {
            until: now + self.config.final_delay,
        };
        if self.config.final_delay.is_zero() {
            self.finish(now);
        }
    }

    /// After FINALDELAY: the privileged part, then exit or linger.
    fn finish(&mut self, now: Instant) {
        if let Some(path) = &self.config.powerdown_flag {
            self.out
                .push_back(Output::WritePowerdownFlag { path: path.clone() });
        }
        match &self.config.shutdown_cmd {
            Some(command) => self.out.push_back(Output::RunShutdownCmd {
                command: command.clone(),
            }),
            None => self.log(
                LogLevel::Error,
                "Unable to call shutdown command: no SHUTDOWNCMD is configured".to_owned(),
            ),
        }
        match self.config.shutdown_exit {
            ShutdownExit::Immediately => self.exit(),
            ShutdownExit::After(d) => {
                self.log(
                    LogLevel::Warning,
                    format!(
                        "Configured to only exit upsmon {} sec after initiating shutdown",
                        d.as_secs()
                    ),
                );
                self.phase = Phase::Lingering {
                    until: Some(now + d),
                };
            }
            ShutdownExit::Never => {
                self.log(
                    LogLevel::Warning,
                    "Configured to not exit upsmon after initiating shutdown".to_owned(),
                );
                self.phase = Phase::Lingering { until: None };
            }
        }
    }

    fn exit(&mut self) {
        self.out.push_back(Output::Exit);
        self.phase = Phase::Done;
    }

    /// Timers of the shutdown phases.
    pub(crate) fn shutdown_timeout(&mut self, now: Instant) {
        match &self.phase {
            Phase::Monitoring | Phase::Done => {}
            Phase::SettingFsd { pending, deadline } => {
                if now >= *deadline {
                    let missing: Vec<String> = pending
                        .iter()
                        .filter_map(|&u| self.ups_name(u).map(str::to_owned))
                        .collect();
                    for name in missing {
                        self.log(
                            LogLevel::Error,
                            format!("FSD set on UPS {name} failed: no reply"),
                        );
                    }
                    self.start_sync(now);
                }
            }
            Phase::Syncing(sync) => {
                if !sync.pending.is_empty() {
                    if now >= sync.round_deadline {
                        self.finish_round(now);
                    }
                } else if sync.next_round.is_some_and(|t| now >= t) {
                    self.start_round(now);
                }
            }
            Phase::FinalDelay { until } => {
                if now >= *until {
                    self.finish(now);
                }
            }
            Phase::Lingering { until } => {
                if until.is_some_and(|t| now >= t) {
                    self.exit();
                }
            }
        }
    }
}
