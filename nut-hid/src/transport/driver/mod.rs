//! The `usbhid-ups` driver loop core: finds and opens the UPS, runs the
//! [`Mapper`] on it every `pollinterval`, reads interrupt reports, sends
//! SET_REPORTs for commands, and reconnects by itself.
//!
//! It is sans-IO in the time sense: it never reads a clock nor sleeps.
//! The caller passes `now`, runs [`UsbHidDriver::handle_timeout`] when
//! [`UsbHidDriver::poll_timeout`] says, and drains
//! [`UsbHidDriver::poll_event`]. Device I/O goes through the [`UsbBus`]
//! and its [`Transport`]s, synchronously, each call bounded by its own
//! timeout.
//!
//! ```no_run
//! # use std::time::Instant;
//! # use nut_hid::transport::{DriverConfig, UsbBus, UsbHidDriver};
//! # fn run<B: UsbBus>(bus: B, mut sleep_until: impl FnMut(Instant)) -> Result<(), nut_hid::Error> {
//! let mut driver = UsbHidDriver::new(bus, DriverConfig::default())?;
//! driver.handle_start(Instant::now())?;
//! loop {
//!     if let Some(at) = driver.poll_timeout() {
//!         sleep_until(at);
//!     }
//!     driver.handle_timeout(Instant::now());
//!     while let Some(event) = driver.poll_event() {
//!         println!("{event:?}");
//!     }
//!     match driver.data() {
//!         Some(vars) => println!("{:?}", vars.get("ups.status")),
//!         None => println!("data stale: {}", driver.state().as_str()),
//!     }
//! }
//! # }
//! ```
//!
//! # Staleness and reconnection
//!
//! When the device is gone (a transfer answers "no device", "busy",
//! "access denied", …), an I/O error hits the interrupt pipe, no mapped
//! value can be read at all, or the interrupt pipe stays silent past
//! `interrupt_pipe_no_events_tolerance`, the driver drops the transport
//! **and the mapper** at once: [`UsbHidDriver::data`] answers `None` (stale)
//! from that moment and no value of the lost device is ever shown again.
//! `driver.state` becomes `reconnect.trying`; one reconnect attempt is made
//! per `pollinterval` (plus `waitbeforereconnect`), re-finding the unit by
//! [`UnitIdentity`] (serial number, else port path). A reconnect builds a
//! new mapper from a freshly read descriptor and runs the start-up walk
//! and an update in the same cycle, so the data is fresh again at most one
//! `pollinterval` after the unit is back.
//!
//! # Deliberate differences from NUT
//!
//! * Up to [`MAX_INTERRUPT_READS`] interrupt reports are read per cycle
//!   (the first read waits [`INTERRUPT_TIMEOUT`], later ones
//!   [`INTERRUPT_DRAIN_TIMEOUT`]); NUT reads one, so a burst of reports
//!   takes it several cycles.
//! * `waitbeforereconnect` delays the next attempt instead of sleeping
//!   inside it.
//! * The descriptor is read again and the subdriver chosen again on each
//!   reconnect (NUT keeps the old ones), so a firmware that changed its
//!   descriptor is mapped correctly.
//! * Units without serial numbers keep their identity by port path
//!   ([`UnitIdentity`]).

mod config;
mod write;

pub use config::{DEFAULT_POLLINTERVAL, DriverConfig, MAX_OPTION_SECONDS, UsbTuning};
pub use write::{WriteFailure, WriteOutcome};

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use nut_proto::model::Status;

use crate::Error;
use crate::descriptor::ReportDescriptor;
use crate::mapper::{Mapper, UpdateSummary, Variables};
use crate::select::select;

use super::source::TransportSource;
use super::{
    DEFAULT_INTERRUPT_SIZE, INTERRUPT_TIMEOUT, Transport, TransportError, UnitIdentity, UsbBus,
    UsbDevice, UsbMatcher,
};
use write::WriteJob;

/// Most interrupt reports read in one cycle.
pub const MAX_INTERRUPT_READS: usize = 16;
/// Timeout of the interrupt reads after the first in one cycle.
pub const INTERRUPT_DRAIN_TIMEOUT: Duration = Duration::from_millis(10);
/// Most events kept for [`UsbHidDriver::poll_event`]; older ones are
/// dropped first.
pub const MAX_PENDING_EVENTS: usize = 64;

/// What the driver is doing: NUT's `driver.state` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DriverState {
    /// Created, not started.
    InitStarting,
    /// Looking for and opening the device.
    InitDevice,
    /// The start-up walk.
    InitInfo,
    /// The first update after start-up.
    InitUpdateinfo,
    /// An update cycle.
    Updateinfo,
    /// Waiting for the next cycle.
    Quiet,
    /// Disconnected, trying to re-find the unit.
    ReconnectTrying,
    /// Re-found; the first update after the reconnect.
    ReconnectUpdateinfo,
}

impl DriverState {
    /// The value published as `driver.state`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InitStarting => "init.starting",
            Self::InitDevice => "init.device",
            Self::InitInfo => "init.info",
            Self::InitUpdateinfo => "init.updateinfo",
            Self::Updateinfo => "updateinfo",
            Self::Quiet => "quiet",
            Self::ReconnectTrying => "reconnect.trying",
            Self::ReconnectUpdateinfo => "reconnect.updateinfo",
        }
    }
}

impl fmt::Display for DriverState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the runtime should know or log.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DriverEvent {
    /// `driver.state` changed.
    State(DriverState),
    /// The device was opened and its start-up walk done.
    Connected {
        /// The device.
        device: UsbDevice,
        /// True after a disconnection.
        reconnect: bool,
    },
    /// The device was dropped.
    Disconnected {
        /// The transfer error that caused it; `None` when no mapped value
        /// could be read, or the interrupt pipe stayed silent too long.
        error: Option<TransportError>,
    },
    /// The data is stale from now on (NUT's `dstate_datastale`).
    DataStale,
    /// The data is fresh again (NUT's `dstate_dataok`).
    DataOk,
    /// A reconnect attempt failed; the next comes one `pollinterval` later.
    ReconnectFailed {
        /// Why.
        error: Error,
    },
    /// A command or setvar that answered [`WriteOutcome::Pending`] ended.
    WriteFinished {
        /// The command or variable name.
        name: String,
        /// How it ended (never `Pending`).
        outcome: WriteOutcome,
    },
    /// A shutdown started with [`UsbHidDriver::handle_shutdown`] ended.
    ShutdownFinished {
        /// The command that worked ("Shutdown successful with …"), or
        /// `None` ("Shutdown failed!").
        command: Option<String>,
    },
}

/// What one [`UsbHidDriver::handle_timeout`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CycleReport {
    /// A poll cycle ran (it was due).
    pub ran: bool,
    /// A reconnect was attempted.
    pub reconnect_attempted: bool,
    /// Interrupt reports received.
    pub interrupt_reports: usize,
    /// Mapping rows those reports updated.
    pub interrupt_updates: usize,
    /// The mapper's update, when one ran to the end.
    pub update: Option<UpdateSummary>,
}

/// An open device with its mapper.
struct Link<T> {
    transport: T,
    mapper: Mapper,
    device: UsbDevice,
    max_report: bool,
    interrupt_size: usize,
}

/// The driver loop core over a [`UsbBus`]. See the module docs.
pub struct UsbHidDriver<B: UsbBus> {
    bus: B,
    config: DriverConfig,
    matcher: UsbMatcher,
    link: Option<Link<B::Transport>>,
    identity: Option<UnitIdentity>,
    state: DriverState,
    stale: bool,
    next_cycle: Option<Instant>,
    next_reconnect: Option<Instant>,
    silent_cycles: u32,
    events: VecDeque<DriverEvent>,
    job: Option<WriteJob>,
}

impl<B: UsbBus> fmt::Debug for UsbHidDriver<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsbHidDriver")
            .field("state", &self.state)
            .field("stale", &self.stale)
            .field("device", &self.device())
            .field("identity", &self.identity)
            .field("next_cycle", &self.next_cycle)
            .field("next_reconnect", &self.next_reconnect)
            .finish_non_exhaustive()
    }
}

impl<B: UsbBus> UsbHidDriver<B> {
    /// A driver for the first device on `bus` that a subdriver claims and
    /// the matching options accept.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPattern`] for a matching option that does not compile.
    pub fn new(bus: B, config: DriverConfig) -> Result<Self, Error> {
        Ok(Self {
            matcher: UsbMatcher::new(&config.matching)?,
            bus,
            config,
            link: None,
            identity: None,
            state: DriverState::InitStarting,
            stale: true,
            next_cycle: None,
            next_reconnect: None,
            silent_cycles: 0,
            events: VecDeque::new(),
            job: None,
        })
    }

    /// Find, open and map the device, then run the first update. After
    /// this the driver recovers from disconnections by itself (a second
    /// call does nothing).
    ///
    /// # Errors
    ///
    /// What NUT treats as fatal at start-up: no matching device
    /// ([`Error::NoMatchingDevice`]), the device busy without
    /// `allow_duplicates`, an unreadable or bad report descriptor, a
    /// `subdriver=` problem.
    pub fn handle_start(&mut self, now: Instant) -> Result<(), Error> {
        if self.identity.is_some() {
            // Started already: reconnection is the loop's business.
            return Ok(());
        }
        self.set_state(DriverState::InitDevice);
        let link = self.connect(now)?;
        self.identity = Some(UnitIdentity::of(&link.device));
        self.push_event(DriverEvent::Connected {
            device: link.device.clone(),
            reconnect: false,
        });
        self.link = Some(link);
        self.set_state(DriverState::InitUpdateinfo);
        self.next_cycle = Some(now);
        let _ = self.cycle(now);
        Ok(())
    }

    /// Run what is due at `now`: the rest of a paused write, and the poll
    /// cycle when [`UsbHidDriver::poll_timeout`] has passed.
    pub fn handle_timeout(&mut self, now: Instant) -> CycleReport {
        self.run_job(now);
        match self.next_cycle {
            Some(due) if now >= due => self.cycle(now),
            _ => CycleReport::default(),
        }
    }

    /// When [`UsbHidDriver::handle_timeout`] should next be called;
    /// `None` before [`UsbHidDriver::handle_start`].
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let resume = self.job.as_ref().and_then(WriteJob::resume_at);
        match (self.next_cycle, resume) {
            (Some(cycle), Some(resume)) => Some(cycle.min(resume)),
            (cycle, resume) => cycle.or(resume),
        }
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<DriverEvent> {
        self.events.pop_front()
    }

    /// The published variables, or `None` while the data is stale (not
    /// started, disconnected, reconnecting).
    #[must_use]
    pub fn data(&self) -> Option<&Variables> {
        self.fresh_mapper().map(Mapper::variables)
    }

    /// `ups.status` as last assembled, or `None` while stale.
    #[must_use]
    pub fn status(&self) -> Option<&Status> {
        self.fresh_mapper().map(Mapper::status)
    }

    /// The instant commands (empty while stale).
    #[must_use]
    pub fn commands(&self) -> Vec<&str> {
        self.fresh_mapper()
            .map(|m| m.commands().collect())
            .unwrap_or_default()
    }

    /// The mapper of the open device (for dumps), stale or not.
    #[must_use]
    pub fn mapper(&self) -> Option<&Mapper> {
        self.link.as_ref().map(|link| &link.mapper)
    }

    /// True while the data must not be used.
    #[must_use]
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// `driver.state`.
    #[must_use]
    pub fn state(&self) -> DriverState {
        self.state
    }

    /// The open device, if connected.
    #[must_use]
    pub fn device(&self) -> Option<&UsbDevice> {
        self.link.as_ref().map(|link| &link.device)
    }

    /// The unit this driver is bound to (after start).
    #[must_use]
    pub fn identity(&self) -> Option<&UnitIdentity> {
        self.identity.as_ref()
    }

    /// The bus (for a simulation's or a test's inspection).
    #[must_use]
    pub fn bus(&self) -> &B {
        &self.bus
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &DriverConfig {
        &self.config
    }

    fn fresh_mapper(&self) -> Option<&Mapper> {
        if self.stale {
            return None;
        }
        self.mapper()
    }

    fn push_event(&mut self, event: DriverEvent) {
        if self.events.len() >= MAX_PENDING_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    fn set_state(&mut self, state: DriverState) {
        if self.state != state {
            self.state = state;
            self.push_event(DriverEvent::State(state));
        }
    }

    /// Open the first acceptable device (by identity when reconnecting),
    /// read its descriptor and run the start-up walk.
    fn connect(&mut self, now: Instant) -> Result<Link<B::Transport>, Error> {
        let devices = self.bus.devices().map_err(|source| Error::Transport {
            operation: "enumerate",
            source,
        })?;
        let select_options = self.config.select_options();
        let order: Vec<usize> = match &self.identity {
            Some(identity) => identity.find(&devices),
            None => (0..devices.len()).collect(),
        };
        let mut last_error = None;
        for index in order {
            let Some(device) = devices.get(index) else {
                continue;
            };
            if !self.matcher.matches(device) {
                continue;
            }
            let Ok(selection) = select(&device.info, &select_options) else {
                continue;
            };
            let open = self.config.open_options(&selection.effects);
            let mut transport = match self.bus.open(device, &open) {
                Ok(transport) => transport,
                Err(TransportError::Busy) if self.matcher.allow_duplicates() => continue,
                Err(TransportError::Busy) => {
                    return Err(Error::Transport {
                        operation: "claim",
                        source: TransportError::Busy,
                    });
                }
                Err(source) => {
                    last_error = Some(Error::Transport {
                        operation: "open",
                        source,
                    });
                    continue;
                }
            };
            let bytes = match transport.report_descriptor() {
                Ok(bytes) => bytes,
                Err(source) => {
                    last_error = Some(Error::Transport {
                        operation: "report descriptor read",
                        source,
                    });
                    continue;
                }
            };
            let (vid, pid) = (device.info.vendor_id, device.info.product_id);
            let parser =
                selection
                    .subdriver
                    .parser_config(vid, pid, self.config.disable_fix_report_desc);
            let descriptor = match ReportDescriptor::decode(&bytes, &parser) {
                Ok(descriptor) => descriptor,
                Err(error) => {
                    last_error = Some(error);
                    continue;
                }
            };
            let max_report = self.config.max_report || selection.effects.max_report;
            let interrupt_size = self
                .config
                .interrupt_size
                .or_else(|| selection.effects.interrupt_size.map(|s| s as usize))
                .unwrap_or(DEFAULT_INTERRUPT_SIZE);
            let mut mapper = Mapper::new(
                descriptor,
                &selection,
                device.info.clone(),
                self.config.mapper.clone(),
            );
            if self.identity.is_none() {
                self.set_state(DriverState::InitInfo);
            }
            let mut source = TransportSource::new(&mut transport, max_report);
            mapper
                .handle_init(now, &mut source)
                .map_err(|_| Error::Transport {
                    operation: "start-up walk",
                    source: source.failure.clone().unwrap_or(TransportError::NoDevice),
                })?;
            return Ok(Link {
                transport,
                mapper,
                device: device.clone(),
                max_report,
                interrupt_size,
            });
        }
        Err(last_error.unwrap_or(Error::NoMatchingDevice {
            seen: devices.len(),
        }))
    }

    /// One poll cycle (hid-maps.md §1.11).
    fn cycle(&mut self, now: Instant) -> CycleReport {
        let mut report = CycleReport {
            ran: true,
            ..CycleReport::default()
        };
        self.next_cycle = Some(now + self.config.pollinterval);
        if self.link.is_none() {
            if self.next_reconnect.is_some_and(|at| now < at) {
                return report;
            }
            report.reconnect_attempted = true;
            if !self.reconnect(now) {
                return report;
            }
        } else if self.state == DriverState::Quiet {
            self.set_state(DriverState::Updateinfo);
        }
        let Some(link) = self.link.as_mut() else {
            return report;
        };
        let mut failure = None;
        if link.mapper.uses_interrupt_pipe() {
            let mut timeout = INTERRUPT_TIMEOUT;
            for _ in 0..MAX_INTERRUPT_READS {
                match link.transport.read_interrupt(link.interrupt_size, timeout) {
                    Ok(Some(bytes)) if !bytes.is_empty() => {
                        report.interrupt_reports += 1;
                        let mut source = TransportSource::new(&mut link.transport, link.max_report);
                        report.interrupt_updates +=
                            link.mapper.handle_interrupt(&bytes, &mut source);
                        if let Some(error) = source.failure.filter(TransportError::is_gone) {
                            failure = Some(Some(error));
                            break;
                        }
                    }
                    Ok(_) => break,
                    Err(error) if error.is_gone() || matches!(error, TransportError::Io(_)) => {
                        failure = Some(Some(error));
                        break;
                    }
                    Err(_) => break,
                }
                timeout = INTERRUPT_DRAIN_TIMEOUT;
            }
            if failure.is_none() {
                self.silent_cycles = if report.interrupt_reports == 0 {
                    self.silent_cycles.saturating_add(1)
                } else {
                    0
                };
                if self
                    .config
                    .no_events_tolerance
                    .is_some_and(|tolerance| self.silent_cycles > tolerance)
                {
                    failure = Some(None);
                }
            }
        }
        if failure.is_none() {
            let mut source = TransportSource::new(&mut link.transport, link.max_report);
            match link.mapper.handle_update(now, &mut source) {
                Ok(summary) => report.update = Some(summary),
                Err(_) => failure = Some(source.failure),
            }
        }
        if let Some(error) = failure {
            self.disconnect(now, error);
            return report;
        }
        if self.stale {
            self.stale = false;
            self.push_event(DriverEvent::DataOk);
        }
        self.set_state(DriverState::Quiet);
        report
    }

    /// One reconnect attempt; true when the unit is back.
    fn reconnect(&mut self, now: Instant) -> bool {
        self.set_state(DriverState::ReconnectTrying);
        match self.connect(now) {
            Ok(link) => {
                if let Some(identity) = &mut self.identity {
                    identity.moved_to(&link.device.location);
                }
                self.push_event(DriverEvent::Connected {
                    device: link.device.clone(),
                    reconnect: true,
                });
                self.link = Some(link);
                self.silent_cycles = 0;
                self.next_reconnect = None;
                self.set_state(DriverState::ReconnectUpdateinfo);
                true
            }
            Err(error) => {
                self.push_event(DriverEvent::ReconnectFailed { error });
                self.next_reconnect =
                    Some(now + self.config.pollinterval + self.config.wait_before_reconnect);
                false
            }
        }
    }

    /// Drop the device and its data at once.
    fn disconnect(&mut self, now: Instant, error: Option<TransportError>) {
        self.link = None;
        if !self.stale {
            self.stale = true;
            self.push_event(DriverEvent::DataStale);
        }
        self.push_event(DriverEvent::Disconnected { error });
        self.set_state(DriverState::ReconnectTrying);
        self.next_reconnect =
            Some(now + self.config.pollinterval + self.config.wait_before_reconnect);
        self.abort_job();
    }
}
