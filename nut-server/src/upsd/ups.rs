//! One UPS as upsd sees it: its `ups.conf` entry, the state of the link to
//! its driver socket, the cached variables and commands, staleness, the FSD
//! latch and the login count (NUT's `upstype_t` and `sstate.c`).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use nut_proto::net::ErrorCode;
use nut_proto::sock::{DecodeErrorKind, DecodeOptions, DriverDecoder, DriverMessage, Snapshot};

use super::tracking::{Tracking, result_text};
use crate::runtime::log::{Level, LogRecord};

/// How long upsd stays quiet after logging that a driver socket cannot be
/// reached (NUT's `SS_CONNFAIL_INT`).
pub const CONNECT_FAILURE_LOG_INTERVAL: Duration = Duration::from_secs(300);

/// upsd compares whole seconds (`difftime` of `time()`), so "more than N
/// seconds" happens between N and N+1 real seconds; we wait the full N+1 so
/// that we never call data stale (or ping) earlier than upsd would.
const WHOLE_SECOND_GRACE: Duration = Duration::from_secs(1);

/// A stable handle on a UPS, valid across reloads until it is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UpsId(pub(crate) u64);

/// What the data of a UPS is good for right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Availability {
    /// Connected and fresh.
    Available,
    /// No driver connection: `ERR DRIVER-NOT-CONNECTED`.
    NotConnected,
    /// Connected but stale: `ERR DATA-STALE`.
    Stale,
}

impl Availability {
    /// The error to answer, if any.
    pub(crate) fn error(self) -> Option<ErrorCode> {
        match self {
            Self::Available => None,
            Self::NotConnected => Some(ErrorCode::DriverNotConnected),
            Self::Stale => Some(ErrorCode::DataStale),
        }
    }
}

/// Timing settings shared by every UPS (from `upsd.conf`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Silence after which the data is stale.
    pub(crate) stale_after: Duration,
    /// Silence after which the driver is pinged.
    pub(crate) ping_after: Duration,
}

impl Timing {
    /// upsd's rules for `MAXAGE` seconds: stale after more than MAXAGE s of
    /// silence, PING after more than MAXAGE/3 s (at least every second).
    pub(crate) fn from_maxage(maxage: u32) -> Self {
        let third = Duration::from_secs(u64::from(maxage / 3));
        Self {
            stale_after: Duration::from_secs(u64::from(maxage)) + WHOLE_SECOND_GRACE,
            ping_after: third + WHOLE_SECOND_GRACE,
        }
    }
}

/// Where queued log lines and tracking results go while a UPS handles input.
pub(crate) struct Sinks<'a> {
    pub(crate) log: &'a mut VecDeque<LogRecord>,
    pub(crate) tracking: &'a mut Tracking,
}

/// One configured UPS.
#[derive(Debug)]
pub(crate) struct Ups {
    pub(crate) id: UpsId,
    /// Section name, as written in `ups.conf`.
    pub(crate) name: String,
    /// `desc`, if any.
    pub(crate) desc: Option<String>,
    /// `<driver>-<name>`, the socket's file name in the state path.
    pub(crate) socket_name: String,
    connected: bool,
    /// The driver's variables and commands as last heard.
    pub(crate) snapshot: Snapshot,
    decoder: DriverDecoder,
    dump_done: bool,
    /// The driver's last DATAOK/DATASTALE; not reset on reconnect (upsd's
    /// `data_ok` is only ever set by the driver).
    data_ok: bool,
    /// The staleness upsd last logged.
    stale: bool,
    /// When upsd last recognised a line from the driver (set on connect).
    last_heard: Option<Instant>,
    last_ping: Option<Instant>,
    last_connect_failure: Option<Instant>,
    /// The FSD latch: set by `FSD`, cleared only by removing the UPS.
    pub(crate) fsd: bool,
    /// Connections that did `LOGIN` on this UPS.
    pub(crate) numlogins: u32,
    /// Bytes waiting to be written to the driver.
    outbox: Vec<u8>,
}

impl Ups {
    pub(crate) fn new(id: UpsId, name: &str, desc: Option<&str>, socket_name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            desc: desc.map(str::to_owned),
            socket_name: socket_name.to_owned(),
            connected: false,
            snapshot: Snapshot::new(),
            decoder: DriverDecoder::with_options(DecodeOptions::NUT),
            dump_done: false,
            data_ok: false,
            stale: false,
            last_heard: None,
            last_ping: None,
            last_connect_failure: None,
            fsd: false,
            numlogins: 0,
            outbox: Vec::new(),
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.connected
    }

    /// The driver socket accepted us: ask for a dump and show `WAIT` until
    /// it arrives, as upsd does.
    pub(crate) fn on_connected(&mut self, now: Instant, log: &mut VecDeque<LogRecord>) {
        self.connected = true;
        self.snapshot = Snapshot::new();
        let wait = DriverMessage::SetInfo {
            var: "ups.status".into(),
            value: "WAIT".into(),
        };
        // A fresh snapshot always has room for one variable.
        let _ = self.snapshot.apply(&wait);
        self.decoder = DriverDecoder::with_options(DecodeOptions::NUT);
        self.dump_done = false;
        self.stale = false;
        self.last_heard = Some(now);
        self.outbox.clear();
        self.outbox.extend_from_slice(b"DUMPALL\n");
        log.push_back(LogRecord::new(
            Level::Info,
            format!("Connected to UPS [{}]: {}", self.name, self.socket_name),
        ));
    }

    /// A connection attempt failed; logged at most every 300 s.
    pub(crate) fn on_connect_failed(
        &mut self,
        now: Instant,
        error: &str,
        log: &mut VecDeque<LogRecord>,
    ) {
        let quiet = self
            .last_connect_failure
            .is_some_and(|t| now.saturating_duration_since(t) < CONNECT_FAILURE_LOG_INTERVAL);
        if quiet {
            return;
        }
        self.last_connect_failure = Some(now);
        log.push_back(LogRecord::new(
            Level::Error,
            format!(
                "Can't connect to UPS [{}] ({}): {error}",
                self.name, self.socket_name
            ),
        ));
    }

    /// The driver link closed: forget its data (upsd frees the tree).
    pub(crate) fn on_lost(&mut self) {
        self.connected = false;
        self.snapshot = Snapshot::new();
        self.outbox.clear();
        self.dump_done = false;
    }

    /// Queues bytes for the driver; false when there is no driver link.
    pub(crate) fn send(&mut self, line: &[u8]) -> bool {
        if !self.connected {
            return false;
        }
        self.outbox.extend_from_slice(line);
        true
    }

    /// Moves the bytes waiting for the driver into `out`.
    pub(crate) fn take_outbox(&mut self, out: &mut Vec<u8>) -> bool {
        if self.outbox.is_empty() {
            return false;
        }
        out.append(&mut self.outbox);
        true
    }

    /// Reads what the driver sent, applying each line with upsd's rules.
    pub(crate) fn handle_input(&mut self, now: Instant, bytes: &[u8], sinks: &mut Sinks<'_>) {
        if !self.connected {
            return;
        }
        let mut rest = bytes;
        while let nut_proto::sock::Decoded::Complete { item, consumed } =
            self.decoder.decode_next(rest)
        {
            rest = rest.get(consumed..).unwrap_or_default();
            match item {
                Ok(message) => {
                    if self.apply(&message, sinks) {
                        self.last_heard = Some(now);
                    }
                }
                Err(error) => {
                    if let DecodeErrorKind::Syntax(syntax) = error.kind {
                        sinks.log.push_back(LogRecord::new(
                            Level::Notice,
                            format!("Parse error on sock: {}", syntax.kind),
                        ));
                    }
                }
            }
        }
    }

    /// Applies one driver line; true when upsd recognises it (which is what
    /// refreshes "last heard").
    fn apply(&mut self, message: &DriverMessage, sinks: &mut Sinks<'_>) -> bool {
        match message {
            DriverMessage::Pong => true,
            DriverMessage::DumpDone => {
                self.dump_done = true;
                true
            }
            DriverMessage::DataOk => {
                self.data_ok = true;
                true
            }
            DriverMessage::DataStale => {
                self.data_ok = false;
                true
            }
            // upsd needs a flag word after the name; without one the line is
            // not recognised.
            DriverMessage::SetFlags { flags, .. } if flags.is_empty() => false,
            DriverMessage::Tracking { id, result } => {
                sinks.tracking.set(id, *result);
                sinks.log.push_back(LogRecord::new(
                    Level::Info,
                    format!("tracking ID: {id}\tresult: {}", result_text(Some(*result))),
                ));
                true
            }
            DriverMessage::SetInfo { .. }
            | DriverMessage::DelInfo { .. }
            | DriverMessage::AddEnum { .. }
            | DriverMessage::DelEnum { .. }
            | DriverMessage::AddRange { .. }
            | DriverMessage::DelRange { .. }
            | DriverMessage::SetAux { .. }
            | DriverMessage::SetFlags { .. }
            | DriverMessage::AddCmd { .. }
            | DriverMessage::DelCmd { .. } => {
                if let Err(error) = self.snapshot.apply(message) {
                    sinks.log.push_back(LogRecord::new(
                        Level::Warning,
                        format!("UPS [{}]: {error}", self.name),
                    ));
                }
                true
            }
            _ => false,
        }
    }

    /// Whether the driver itself says the data is stale (only believed once
    /// the dump is done).
    fn driver_says_stale(&self) -> bool {
        self.dump_done && !self.data_ok
    }

    /// upsd's periodic check: pings a quiet driver, and logs staleness
    /// changes. Returns true when a PING was queued.
    pub(crate) fn check(
        &mut self,
        now: Instant,
        timing: Timing,
        log: &mut VecDeque<LogRecord>,
    ) -> bool {
        if !self.connected {
            return false;
        }
        let Some(last_heard) = self.last_heard else {
            return false;
        };
        let silent = now.saturating_duration_since(last_heard);
        let mut pinged = false;
        let dead = if self.driver_says_stale() {
            true
        } else {
            let since_ping = self
                .last_ping
                .map_or(Duration::MAX, |t| now.saturating_duration_since(t));
            if silent >= timing.ping_after && since_ping >= timing.ping_after {
                self.outbox.extend_from_slice(b"PING\n");
                self.last_ping = Some(now);
                pinged = true;
            }
            silent >= timing.stale_after
        };
        if dead && !self.stale {
            self.stale = true;
            log.push_back(LogRecord::new(
                Level::Notice,
                format!("Data for UPS [{}] is stale - check driver", self.name),
            ));
        } else if !dead && self.stale {
            self.stale = false;
            log.push_back(LogRecord::new(
                Level::Notice,
                format!("UPS [{}] data is no longer stale", self.name),
            ));
        }
        pinged
    }

    /// When [`Self::check`] next has something to do.
    pub(crate) fn next_check(&self, timing: Timing) -> Option<Instant> {
        if !self.connected || self.driver_says_stale() {
            return None;
        }
        let last_heard = self.last_heard?;
        let ping_base = self.last_ping.map_or(last_heard, |p| p.max(last_heard));
        let ping = ping_base + timing.ping_after;
        let stale = (!self.stale).then(|| last_heard + timing.stale_after);
        Some(stale.map_or(ping, |s| s.min(ping)))
    }

    /// Whether clients may read this UPS now (after [`Self::check`]).
    pub(crate) fn availability(&self) -> Availability {
        if !self.connected {
            Availability::NotConnected
        } else if self.stale {
            Availability::Stale
        } else {
            Availability::Available
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connected(now: Instant) -> (Ups, VecDeque<LogRecord>) {
        let mut ups = Ups::new(UpsId(1), "dummy", None, "dummy-ups-dummy");
        let mut log = VecDeque::new();
        ups.on_connected(now, &mut log);
        (ups, log)
    }

    fn feed(ups: &mut Ups, now: Instant, bytes: &[u8]) -> VecDeque<LogRecord> {
        let mut log = VecDeque::new();
        let mut tracking = Tracking::new(Duration::from_secs(60));
        let mut sinks = Sinks {
            log: &mut log,
            tracking: &mut tracking,
        };
        ups.handle_input(now, bytes, &mut sinks);
        log
    }

    #[test]
    fn connect_asks_for_a_dump_and_shows_wait() {
        let now = Instant::now();
        let (mut ups, log) = connected(now);
        assert_eq!(log[0].message, "Connected to UPS [dummy]: dummy-ups-dummy");
        assert_eq!(ups.snapshot.value("ups.status"), Some("WAIT"));
        let mut out = Vec::new();
        assert!(ups.take_outbox(&mut out));
        assert_eq!(out, b"DUMPALL\n");
        feed(
            &mut ups,
            now,
            b"SETINFO ups.status \"OL\"\nADDCMD load.off\nDATAOK\nDUMPDONE\n",
        );
        assert_eq!(ups.snapshot.value("ups.status"), Some("OL"));
        assert!(ups.snapshot.has_command("LOAD.OFF"));
        assert_eq!(ups.availability(), Availability::Available);
    }

    #[test]
    fn datastale_counts_only_after_the_dump() {
        let now = Instant::now();
        let timing = Timing::from_maxage(15);
        let (mut ups, _) = connected(now);
        feed(&mut ups, now, b"DATASTALE\n");
        let mut log = VecDeque::new();
        ups.check(now, timing, &mut log);
        assert_eq!(ups.availability(), Availability::Available);
        feed(&mut ups, now, b"DUMPDONE\n");
        ups.check(now, timing, &mut log);
        assert_eq!(ups.availability(), Availability::Stale);
        assert_eq!(
            log[0].message,
            "Data for UPS [dummy] is stale - check driver"
        );
        feed(&mut ups, now, b"DATAOK\n");
        ups.check(now, timing, &mut log);
        assert_eq!(ups.availability(), Availability::Available);
        assert_eq!(log[1].message, "UPS [dummy] data is no longer stale");
    }

    #[test]
    fn silence_pings_then_goes_stale_at_upsd_thresholds() {
        let t0 = Instant::now();
        let timing = Timing::from_maxage(15);
        let (mut ups, _) = connected(t0);
        feed(&mut ups, t0, b"DATAOK\nDUMPDONE\n");
        let mut out = Vec::new();
        ups.take_outbox(&mut out);
        let mut log = VecDeque::new();
        // 5 s is not "more than 15/3 s" in whole seconds; 6 s is.
        assert!(!ups.check(t0 + Duration::from_millis(5_999), timing, &mut log));
        assert_eq!(ups.next_check(timing), Some(t0 + Duration::from_secs(6)));
        assert!(ups.check(t0 + Duration::from_secs(6), timing, &mut log));
        out.clear();
        ups.take_outbox(&mut out);
        assert_eq!(out, b"PING\n");
        // No second ping until another 6 s have passed.
        assert!(!ups.check(t0 + Duration::from_secs(11), timing, &mut log));
        assert_eq!(ups.availability(), Availability::Available);
        assert!(ups.check(t0 + Duration::from_millis(15_999), timing, &mut log));
        assert_eq!(ups.availability(), Availability::Available);
        ups.check(t0 + Duration::from_secs(16), timing, &mut log);
        assert_eq!(ups.availability(), Availability::Stale);
        // Any recognised line revives it.
        feed(&mut ups, t0 + Duration::from_secs(17), b"PONG\n");
        ups.check(t0 + Duration::from_secs(17), timing, &mut log);
        assert_eq!(ups.availability(), Availability::Available);
    }

    #[test]
    fn unrecognised_lines_do_not_count_as_heard() {
        let t0 = Instant::now();
        let timing = Timing::from_maxage(3);
        let (mut ups, _) = connected(t0);
        feed(&mut ups, t0, b"DATAOK\nDUMPDONE\n");
        let later = t0 + Duration::from_secs(4);
        feed(
            &mut ups,
            later,
            b"FOO bar\nSETINFO only.one\nSETFLAGS x\nPID 12\n",
        );
        let mut log = VecDeque::new();
        ups.check(later, timing, &mut log);
        assert_eq!(ups.availability(), Availability::Stale);
    }

    #[test]
    fn lost_link_forgets_data_but_keeps_fsd_and_data_ok() {
        let now = Instant::now();
        let (mut ups, _) = connected(now);
        feed(
            &mut ups,
            now,
            b"SETINFO ups.status \"OL\"\nDATAOK\nDUMPDONE\n",
        );
        ups.fsd = true;
        ups.on_lost();
        assert_eq!(ups.availability(), Availability::NotConnected);
        assert!(ups.snapshot.is_empty());
        assert!(!ups.send(b"PING\n"));
        ups.on_connected(now, &mut VecDeque::new());
        assert!(ups.fsd);
        feed(&mut ups, now, b"DUMPDONE\n");
        let mut log = VecDeque::new();
        ups.check(now, Timing::from_maxage(15), &mut log);
        assert_eq!(ups.availability(), Availability::Available);
    }

    #[test]
    fn connect_failures_are_logged_every_300_s() {
        let t0 = Instant::now();
        let mut ups = Ups::new(UpsId(1), "x", None, "dummy-ups-x");
        let mut log = VecDeque::new();
        ups.on_connect_failed(t0, "No such file or directory", &mut log);
        ups.on_connect_failed(t0 + Duration::from_secs(299), "again", &mut log);
        ups.on_connect_failed(t0 + Duration::from_secs(300), "later", &mut log);
        let messages: Vec<_> = log.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Can't connect to UPS [x] (dummy-ups-x): No such file or directory",
                "Can't connect to UPS [x] (dummy-ups-x): later"
            ]
        );
    }

    #[test]
    fn tracking_lines_reach_the_table_and_the_log() {
        let now = Instant::now();
        let (mut ups, _) = connected(now);
        let mut log = VecDeque::new();
        let mut tracking = Tracking::new(Duration::from_secs(60));
        tracking.insert("ID-1", now);
        let mut sinks = Sinks {
            log: &mut log,
            tracking: &mut tracking,
        };
        ups.handle_input(now, b"TRACKING ID-1 3\n", &mut sinks);
        assert_eq!(tracking.status("id-1", now), "ERR FAILED");
        assert_eq!(log[0].message, "tracking ID: ID-1\tresult: ERR FAILED");
    }

    #[test]
    fn socket_parse_errors_are_logged() {
        let now = Instant::now();
        let (mut ups, _) = connected(now);
        let log = feed(&mut ups, now, b"SETINFO a \"x#y\"\nPONG\n");
        assert_eq!(
            log[0].message,
            "Parse error on sock: Unbalanced word due to unescaped # in quotes"
        );
    }
}
