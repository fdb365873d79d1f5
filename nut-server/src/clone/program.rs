//! `clone`, `clone-outlet` and `failover` as driver-runtime programs: each
//! wraps its sans-IO core in a [`Driver`] that hands the core's link
//! actions to the [`super::io`] tasks and feeds their events back.
//!
//! Start-up connects to the upstream socket(s) and waits (at most
//! [`START_WAIT`]) for the outcome and the first dump, so that the first
//! state served (and `-d`) holds the upstream's data; NUT connects during
//! `upsdrv_initups` too. A failure is logged, not fatal, and retried at
//! every poll.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::clone_ups::{self, CloneOptions, CloneUps};
use super::failover::{self, Failover, FailoverOptions};
use super::io::spawn_link;
use super::link::{LinkAction, LinkEvent};
use super::outlet::{self, CloneOutlet};
use super::upstream_socket;
use crate::driver::{Identity, NUT_VERSION, VarTable};
use crate::error::Error;
use crate::runtime::log::{Level, LogRecord};
use crate::runtime::program::{InitContext, Program, Started};
use crate::runtime::{Answer, CallId, Driver};
use crate::state::{DriverState, TrackingResult};

/// What the I/O tasks report: the upstream's index and the event.
pub type ProxyEvent = (usize, LinkEvent);

/// Longest start-up wait for the upstream connections and dumps.
pub const START_WAIT: Duration = Duration::from_secs(4);

fn identity(program: &str, internal_version: &str) -> Identity {
    Identity {
        program: program.to_owned(),
        version: NUT_VERSION.to_owned(),
        internal_version: internal_version.to_owned(),
    }
}

/// The senders of a driver's link tasks, one per upstream.
#[derive(Debug)]
struct Links {
    senders: Vec<mpsc::UnboundedSender<LinkAction>>,
}

impl Links {
    /// Starts one task per socket; returns them with their events.
    fn start(sockets: Vec<std::path::PathBuf>) -> (Self, mpsc::UnboundedReceiver<ProxyEvent>) {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let senders = sockets
            .into_iter()
            .enumerate()
            .map(|(index, path)| spawn_link(path, index, events_tx.clone()))
            .collect();
        (Self { senders }, events_rx)
    }

    fn send(&self, index: usize, action: LinkAction) {
        if let Some(sender) = self.senders.get(index) {
            // A task that ended only happens at exit.
            let _ = sender.send(action);
        }
    }
}

/// What the three proxy cores share: link actions for their upstreams,
/// and whether start-up should still wait.
pub trait ProxyCore {
    /// The next action for upstream `index` (`clone` and `clone-outlet`
    /// have one upstream, index 0).
    fn next_action(&mut self) -> Option<(usize, LinkAction)>;
    /// Whether a connection or a first dump is still on its way.
    fn settling(&self) -> bool;
}

impl ProxyCore for CloneUps {
    fn next_action(&mut self) -> Option<(usize, LinkAction)> {
        self.poll_action().map(|action| (0, action))
    }
    fn settling(&self) -> bool {
        // The inherent method (inherent methods win over trait methods).
        Self::settling(self)
    }
}

impl ProxyCore for CloneOutlet {
    fn next_action(&mut self) -> Option<(usize, LinkAction)> {
        self.poll_action().map(|action| (0, action))
    }
    fn settling(&self) -> bool {
        // The inherent method (inherent methods win over trait methods).
        Self::settling(self)
    }
}

impl ProxyCore for Failover {
    fn next_action(&mut self) -> Option<(usize, LinkAction)> {
        self.poll_action()
    }
    fn settling(&self) -> bool {
        self.upstreams()
            .iter()
            .any(|u| u.link.is_connecting() || (u.link.is_connected() && !u.link.dump_done()))
    }
}

/// A proxy core on the runtime: the core, its link tasks and the
/// runtime's own log lines (`clone`, `clone-outlet` and `failover` are
/// this with their cores).
#[derive(Debug)]
pub struct ProxyDriver<C> {
    core: C,
    links: Links,
    logs: VecDeque<LogRecord>,
}

/// `clone` on the runtime.
pub type CloneDriver = ProxyDriver<CloneUps>;
/// `clone-outlet` on the runtime.
pub type CloneOutletDriver = ProxyDriver<CloneOutlet>;
/// `failover` on the runtime.
pub type FailoverDriver = ProxyDriver<Failover>;

impl<C: ProxyCore> ProxyDriver<C>
where
    Self: Driver<Event = ProxyEvent>,
{
    /// Starts the link tasks to `sockets`, hands them the core's first
    /// actions and feeds the first events back until no connection or
    /// first dump is pending, or [`START_WAIT`] is over.
    async fn start(
        core: C,
        sockets: Vec<std::path::PathBuf>,
        logs: VecDeque<LogRecord>,
        state: &mut DriverState,
    ) -> Started<Self> {
        let (links, mut events) = Links::start(sockets);
        let mut driver = Self { core, links, logs };
        driver.flush();
        let deadline = tokio::time::Instant::now() + START_WAIT;
        while driver.core.settling() {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(event)) => driver.handle_event(Instant::now(), state, event),
                Ok(None) | Err(_) => break,
            }
        }
        Started {
            driver,
            events: Some(events),
        }
    }
}

impl<C> ProxyDriver<C> {
    /// The core.
    pub fn core(&self) -> &C {
        &self.core
    }
}

impl<C: ProxyCore> ProxyDriver<C> {
    fn flush(&mut self) {
        while let Some((index, action)) = self.core.next_action() {
            self.links.send(index, action);
        }
    }
}

/// The `clone` program.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloneProgram;

impl Program for CloneProgram {
    type Driver = CloneDriver;

    fn name(&self) -> &'static str {
        "clone"
    }

    fn description(&self) -> &'static str {
        "Clone UPS driver"
    }

    fn identity(&self) -> Identity {
        identity("clone", "0.03")
    }

    fn vartab(&self) -> VarTable {
        clone_ups::vartab()
    }

    fn experimental(&self) -> bool {
        true
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<CloneDriver>, Error> {
        let port = ctx.settings.port.clone().unwrap_or_default();
        let path = upstream_socket(&ctx.paths.statepath, &port)?;
        let mut core = CloneUps::new(&port, CloneOptions::from_settings(ctx.settings));
        core.init(ctx.now, state);
        Ok(ProxyDriver::start(core, vec![path], VecDeque::new(), state).await)
    }
}

impl Driver for CloneDriver {
    type Event = ProxyEvent;

    fn update(&mut self, now: Instant, state: &mut DriverState) {
        self.core.handle_update(now, state);
        self.flush();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.core.poll_timeout()
    }

    fn set_var(
        &mut self,
        _now: Instant,
        state: &mut DriverState,
        _call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        Answer::Done(self.core.set_var(state, var, value))
    }

    fn instcmd(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        _call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        let status = self.core.instcmd(now, state, cmd, param);
        self.flush();
        Answer::Done(status)
    }

    fn shutdown(&mut self, _now: Instant, _state: &mut DriverState) -> TrackingResult {
        self.logs
            .push_back(LogRecord::new(Level::Error, "shutdown not supported"));
        TrackingResult::Unknown
    }

    fn handle_event(&mut self, now: Instant, state: &mut DriverState, event: ProxyEvent) {
        self.core.handle_link_event(now, state, event.1);
        self.flush();
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.core.poll_log().or_else(|| self.logs.pop_front())
    }
}

/// The `clone-outlet` program.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloneOutletProgram;

impl Program for CloneOutletProgram {
    type Driver = CloneOutletDriver;

    fn name(&self) -> &'static str {
        "clone-outlet"
    }

    fn description(&self) -> &'static str {
        "clone outlet UPS Driver"
    }

    fn identity(&self) -> Identity {
        identity("clone-outlet", "0.02")
    }

    fn vartab(&self) -> VarTable {
        outlet::vartab()
    }

    fn experimental(&self) -> bool {
        true
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<CloneOutletDriver>, Error> {
        let port = ctx.settings.port.clone().unwrap_or_default();
        let mut core = CloneOutlet::new(&port, ctx.settings.value("prefix"))?;
        let path = upstream_socket(&ctx.paths.statepath, &port)?;
        core.init();
        Ok(ProxyDriver::start(core, vec![path], VecDeque::new(), state).await)
    }
}

impl Driver for CloneOutletDriver {
    type Event = ProxyEvent;

    fn update(&mut self, now: Instant, state: &mut DriverState) {
        self.core.handle_update(now, state);
        self.flush();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.core.poll_timeout()
    }

    fn shutdown(&mut self, _now: Instant, _state: &mut DriverState) -> TrackingResult {
        self.logs
            .push_back(LogRecord::new(Level::Error, "shutdown not supported"));
        TrackingResult::Unknown
    }

    fn handle_event(&mut self, now: Instant, state: &mut DriverState, event: ProxyEvent) {
        self.core.handle_link_event(now, state, event.1);
        self.flush();
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.core.poll_log().or_else(|| self.logs.pop_front())
    }
}

/// The `failover` program.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailoverProgram;

impl Program for FailoverProgram {
    type Driver = FailoverDriver;

    fn name(&self) -> &'static str {
        "failover"
    }

    fn description(&self) -> &'static str {
        "UPS Failover Driver"
    }

    fn identity(&self) -> Identity {
        identity("failover", "0.01")
    }

    fn vartab(&self) -> VarTable {
        failover::vartab()
    }

    fn experimental(&self) -> bool {
        true
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<FailoverDriver>, Error> {
        let (options, option_logs) = FailoverOptions::from_settings(ctx.settings);
        let paths = options
            .sockets
            .iter()
            .map(|name| upstream_socket(&ctx.paths.statepath, name))
            .collect::<Result<Vec<_>, _>>()?;
        let tracking = crate::runtime::query::tracking_id();
        let mut core = Failover::new(options, &tracking, ctx.now);
        core.init(ctx.now, state);
        let mut started = ProxyDriver::start(core, paths, option_logs.into(), state).await;
        let driver = &mut started.driver;
        if !driver.core.upstreams().iter().any(|u| u.alive()) {
            driver.logs.push_back(LogRecord::new(
                Level::Warning,
                "upsdrv_initinfo: none of the tracked UPS drivers were connectable",
            ));
        }
        Ok(started)
    }
}

impl Driver for FailoverDriver {
    type Event = ProxyEvent;

    fn update(&mut self, now: Instant, state: &mut DriverState) {
        self.core.handle_update(now, state);
        self.flush();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.core.poll_timeout()
    }

    fn set_var(
        &mut self,
        now: Instant,
        _state: &mut DriverState,
        call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        let answer = self.core.set_var(now, call, var, value);
        self.flush();
        answer
    }

    fn instcmd(
        &mut self,
        now: Instant,
        _state: &mut DriverState,
        call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        let answer = self.core.instcmd(now, call, cmd, param);
        self.flush();
        answer
    }

    fn shutdown(&mut self, _now: Instant, _state: &mut DriverState) -> TrackingResult {
        self.logs.push_back(LogRecord::new(
            Level::Error,
            "failover: upsdrv_shutdown: Shutdown is not supported by this proxying driver. \
             Upstream drivers may implement their own shutdown handling, which would be \
             called directly or by upsdrvctl to shut down any specific upstream driver.",
        ));
        TrackingResult::Unknown
    }

    fn handle_event(&mut self, now: Instant, state: &mut DriverState, event: ProxyEvent) {
        let (index, event) = event;
        self.core.handle_link_event(now, state, index, event);
        self.flush();
    }

    fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        self.core.poll_answer()
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front().or_else(|| self.core.poll_log())
    }
}
