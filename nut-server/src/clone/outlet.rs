//! The `clone-outlet` driver's logic, sans-IO (NUT's `clone-outlet.c`,
//! 0.02 in 2.8.0): one outlet of a UPS presented as a UPS of its own,
//! for monitoring only.
//!
//! With `prefix = outlet.1`, the upstream's `outlet.1.status`,
//! `outlet.1.delay.shutdown` and `outlet.1.timer.shutdown` decide the
//! clone's `ups.status`, which is the upstream's with:
//!
//! * ` OFF` appended while `<prefix>.status` is `off` (any case);
//! * else `FSD ` in front while `-1 < <prefix>.timer.shutdown <=
//!   <prefix>.delay.shutdown` (the outlet's shutdown countdown runs);
//! * else unchanged.
//!
//! Every other upstream variable is copied, except `driver.*`; there are
//! no commands and nothing is writable. The status is recomputed after
//! every batch of upstream input and at every poll.
//!
//! Deliberate differences from NUT 2.8.0, as for [`clone`](super::clone_ups):
//! the data goes stale when the upstream is gone (NUT keeps it fresh and
//! spins), an upstream `DATASTALE` does not make it reconnect, and an
//! upstream `DELINFO` of a `driver.*` variable is ignored.

use std::collections::VecDeque;
use std::time::Instant;

use nut_proto::cnum::strtol;
use nut_proto::sock::DriverMessage;

use super::link::{Link, LinkAction, LinkEvent, LinkOutput};
use super::{CONNECT_FAILURE_LOG_INTERVAL, UPSTREAM_DEAD_AFTER, starts_with_ignore_case};
use crate::driver::{VarKind, VarTable};
use crate::error::Error;
use crate::runtime::log::{Level, LogRecord};
use crate::state::DriverState;

/// The status published before the upstream's arrives.
const WAIT_STATUS: &str = "WAIT";

/// clone-outlet's options (`-h`).
pub fn vartab() -> VarTable {
    let mut table = VarTable::new();
    table.add("prefix", VarKind::Value, "Outlet prefix (mandatory)");
    table
}

/// The three upstream variables of the outlet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Names {
    delay: String,
    timer: String,
    status: String,
}

/// The clone-outlet driver; see the module docs.
#[derive(Debug)]
pub struct CloneOutlet {
    socket: String,
    names: Names,
    link: Link,
    /// The upstream's `ups.status`, as last received.
    status: String,
    delay: i64,
    timer: i64,
    outlet_on: bool,
    last_failure_log: Option<Instant>,
    logs: VecDeque<LogRecord>,
}

impl CloneOutlet {
    /// A clone of outlet `prefix` of the driver serving `socket`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingDriverOption`] without a prefix, with NUT's message.
    pub fn new(socket: &str, prefix: Option<&str>) -> Result<Self, Error> {
        let prefix = prefix.ok_or(Error::MissingDriverOption {
            option: "prefix",
            message: "Outlet prefix is mandatory for this driver!",
        })?;
        Ok(Self {
            socket: socket.to_owned(),
            names: Names {
                delay: format!("{prefix}.delay.shutdown"),
                timer: format!("{prefix}.timer.shutdown"),
                status: format!("{prefix}.status"),
            },
            link: Link::new(UPSTREAM_DEAD_AFTER),
            status: WAIT_STATUS.to_owned(),
            delay: -1,
            timer: -1,
            outlet_on: true,
            last_failure_log: None,
            logs: VecDeque::new(),
        })
    }

    /// Asks for the upstream connection (`upsdrv_initups`).
    pub fn init(&mut self) {
        self.link.connect();
    }

    /// A report of the I/O adapter about the upstream connection.
    pub fn handle_link_event(&mut self, now: Instant, state: &mut DriverState, event: LinkEvent) {
        let had_input = matches!(event, LinkEvent::Input(_));
        self.link.handle_event(now, event);
        self.drain_link(now, state);
        if had_input && self.link.is_connected() {
            self.publish_status(state);
        }
    }

    /// One poll (`upsdrv_updateinfo`).
    pub fn handle_update(&mut self, now: Instant, state: &mut DriverState) {
        self.link.handle_timeout(now);
        self.drain_link(now, state);
        if self.link.is_connected() {
            self.publish_status(state);
        } else {
            self.link.connect();
        }
    }

    /// Whether the upstream connection is still being made, or made and
    /// its first dump not complete.
    pub fn settling(&self) -> bool {
        self.link.is_connecting() || (self.link.is_connected() && !self.link.dump_done())
    }

    /// The status the clone publishes now.
    pub fn status(&self) -> String {
        if !self.outlet_on {
            format!("{} OFF", self.status)
        } else if self.timer > -1 && self.timer <= self.delay {
            format!("FSD {}", self.status)
        } else {
            self.status.clone()
        }
    }

    /// The next thing for the I/O adapter to do.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<LinkAction> {
        self.link.poll_action()
    }

    /// When the core wants [`CloneOutlet::handle_update`] called next, at
    /// the latest.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.link.poll_timeout()
    }

    /// Something to log.
    #[must_use]
    pub fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }

    fn publish_status(&self, state: &mut DriverState) {
        state.set_info("ups.status", &self.status());
    }

    fn drain_link(&mut self, now: Instant, state: &mut DriverState) {
        while let Some(output) = self.link.poll_output() {
            match output {
                LinkOutput::Connected => {
                    state.set_info("ups.status", WAIT_STATUS);
                    self.last_failure_log = None;
                    self.log(Level::Info, format!("Connected to UPS [{}]", self.socket));
                }
                LinkOutput::ConnectFailed(why) => {
                    state.data_stale();
                    let quiet = self.last_failure_log.is_some_and(|at| {
                        now.saturating_duration_since(at) < CONNECT_FAILURE_LOG_INTERVAL
                    });
                    if !quiet {
                        self.last_failure_log = Some(now);
                        self.log(
                            Level::Error,
                            format!("Can't connect to UPS [{}]: {why}", self.socket),
                        );
                    }
                }
                LinkOutput::Lost(why) => {
                    state.data_stale();
                    self.log(
                        Level::Warning,
                        format!("Lost the connection to UPS [{}]: {why}", self.socket),
                    );
                }
                LinkOutput::Message(message) => self.apply(state, message),
            }
        }
    }

    /// One upstream line (`parse_args`).
    fn apply(&mut self, state: &mut DriverState, message: DriverMessage) {
        match message {
            DriverMessage::DataStale => state.data_stale(),
            DriverMessage::DataOk => state.data_ok(),
            DriverMessage::DelInfo { var } if !starts_with_ignore_case(&var, "driver.") => {
                state.del_info(&var);
            }
            DriverMessage::SetInfo { var, value } if !starts_with_ignore_case(&var, "driver.") => {
                if var.eq_ignore_ascii_case(&self.names.delay) {
                    self.delay = strtol(&value);
                }
                if var.eq_ignore_ascii_case(&self.names.timer) {
                    self.timer = strtol(&value);
                }
                if var.eq_ignore_ascii_case(&self.names.status) {
                    self.outlet_on = !value.eq_ignore_ascii_case("off");
                }
                if var.eq_ignore_ascii_case("ups.status") {
                    self.status = value;
                    return;
                }
                state.set_info(&var, &value);
            }
            _ => {}
        }
    }

    fn log(&mut self, level: Level, message: impl Into<String>) {
        self.logs.push_back(LogRecord::new(level, message));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn connected(now: Instant) -> (CloneOutlet, DriverState) {
        let mut outlet = CloneOutlet::new("dummy-ups-pdu", Some("outlet.1")).expect("prefix");
        let mut state = DriverState::new();
        outlet.init();
        assert_eq!(outlet.poll_action(), Some(LinkAction::Connect));
        outlet.handle_link_event(now, &mut state, LinkEvent::Connected);
        assert_eq!(
            outlet.poll_action(),
            Some(LinkAction::Send(b"DUMPALL\n".to_vec()))
        );
        (outlet, state)
    }

    fn input(outlet: &mut CloneOutlet, state: &mut DriverState, now: Instant, text: &str) {
        outlet.handle_link_event(now, state, LinkEvent::Input(text.as_bytes().to_vec()));
    }

    #[test]
    fn the_prefix_is_mandatory() {
        let err = CloneOutlet::new("x", None).expect_err("no prefix");
        assert_eq!(
            err.to_string(),
            "Outlet prefix is mandatory for this driver!"
        );
    }

    #[test]
    fn status_follows_the_outlet() {
        let now = Instant::now();
        let (mut outlet, mut state) = connected(now);
        assert_eq!(state.get("ups.status"), Some("WAIT"));
        input(
            &mut outlet,
            &mut state,
            now,
            concat!(
                "SETINFO ups.status \"OL\"\nSETINFO outlet.1.status \"on\"\n",
                "SETINFO outlet.1.delay.shutdown \"30\"\nSETINFO outlet.1.timer.shutdown \"-1\"\n",
                "SETINFO driver.name \"usbhid-ups\"\nSETINFO battery.charge \"90\"\nDATAOK\nDUMPDONE\n"
            ),
        );
        assert_eq!(state.get("ups.status"), Some("OL"));
        assert_eq!(state.get("outlet.1.status"), Some("on"));
        assert_eq!(state.get("battery.charge"), Some("90"));
        assert_eq!(
            state.get("driver.name"),
            None,
            "upstream driver.* not copied"
        );
        assert!(!state.is_stale());

        // The countdown runs: -1 < 30 <= 30.
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO outlet.1.timer.shutdown \"30\"\n",
        );
        assert_eq!(state.get("ups.status"), Some("FSD OL"));
        // Past the delay: not critical (NUT's test).
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO outlet.1.timer.shutdown \"31\"\n",
        );
        assert_eq!(state.get("ups.status"), Some("OL"));
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO outlet.1.timer.shutdown \"0\"\n",
        );
        assert_eq!(state.get("ups.status"), Some("FSD OL"));
        // Off wins over the countdown.
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO outlet.1.status \"OFF\"\n",
        );
        assert_eq!(state.get("ups.status"), Some("OL OFF"));
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO ups.status \"OB LB\"\n",
        );
        assert_eq!(state.get("ups.status"), Some("OB LB OFF"));
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO outlet.1.status \"on\"\nSETINFO outlet.1.timer.shutdown \"-1\"\n",
        );
        assert_eq!(state.get("ups.status"), Some("OB LB"));
    }

    #[test]
    fn without_a_delay_the_countdown_is_not_critical() {
        let now = Instant::now();
        let (mut outlet, mut state) = connected(now);
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO ups.status \"OL\"\nSETINFO outlet.1.timer.shutdown \"5\"\n",
        );
        // delay.shutdown never came: -1 < 5 <= -1 is false.
        assert_eq!(state.get("ups.status"), Some("OL"));
    }

    #[test]
    fn a_lost_upstream_makes_the_data_stale_and_reconnects() {
        let now = Instant::now();
        let (mut outlet, mut state) = connected(now);
        input(
            &mut outlet,
            &mut state,
            now,
            "SETINFO ups.status \"OL\"\nDATAOK\n",
        );
        assert!(!state.is_stale());
        outlet.handle_link_event(now, &mut state, LinkEvent::Closed("end of file".into()));
        assert!(state.is_stale());
        let log = outlet.poll_log().expect("connected log");
        assert_eq!(log.message, "Connected to UPS [dummy-ups-pdu]");
        let log = outlet.poll_log().expect("lost log");
        assert!(
            log.message
                .starts_with("Lost the connection to UPS [dummy-ups-pdu]")
        );
        outlet.handle_update(now + Duration::from_secs(2), &mut state);
        assert_eq!(outlet.poll_action(), Some(LinkAction::Connect));
        // The status is kept until the new dump says otherwise.
        assert_eq!(state.get("ups.status"), Some("OL"));
    }

    #[test]
    fn silence_is_death_after_fifteen_seconds() {
        let t0 = Instant::now();
        let (mut outlet, mut state) = connected(t0);
        input(&mut outlet, &mut state, t0, "DATAOK\n");
        let wake = outlet.poll_timeout().expect("keep-alive");
        assert!(wake > t0);
        outlet.handle_update(t0 + Duration::from_millis(5001), &mut state);
        assert_eq!(
            outlet.poll_action(),
            Some(LinkAction::Send(b"PING\n".to_vec()))
        );
        outlet.handle_update(t0 + Duration::from_millis(15_001), &mut state);
        assert!(state.is_stale());
        assert_eq!(outlet.poll_action(), Some(LinkAction::Close));
        // NUT reconnects in the same poll.
        assert_eq!(outlet.poll_action(), Some(LinkAction::Connect));
    }
}
