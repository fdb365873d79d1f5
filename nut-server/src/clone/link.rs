//! One connection to an upstream driver's state socket, sans-IO: what the
//! clone drivers do as socket *clients* (NUT's `sstate_*` functions in
//! `clone.c`, and the connection half of `failover.c`).
//!
//! The owner asks for a connection ([`Link::connect`]); the I/O adapter
//! performs the [`LinkAction`]s drained with [`Link::poll_action`] and
//! reports back with the `handle_*` methods. On connection the link sends
//! `DUMPALL`; it decodes what the driver sends with NUT's leniency and
//! yields each message as a [`LinkOutput::Message`]. Keep-alive follows
//! upsd and `clone.c`: silent for more than a third of `maxage`, it sends
//! `PING` (at most that often); silent for more than `maxage`, the
//! upstream is declared dead and the connection closed
//! ([`LinkOutput::Lost`]). The owner decides when to connect again.
//!
//! A syntax error on the socket (a line the tokenizer cannot read) closes
//! the connection, as NUT's `pconf_char` failure does; a known command
//! with the wrong arguments is ignored.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use nut_proto::sock::{
    ClientMessage, DecodeErrorKind, DecodeOptions, Decoded, DriverDecoder, DriverMessage,
};

/// Shortest interval between two `PING`s and between two keep-alive
/// wake-ups, whatever `maxage` says (a `maxage` under 3 s would otherwise
/// ask for a ping on every check).
pub const MIN_PING_INTERVAL: Duration = Duration::from_secs(1);

/// What the I/O adapter must do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkAction {
    /// Connect to the socket; answer with [`Link::handle_connected`] or
    /// [`Link::handle_connect_failed`].
    Connect,
    /// Write these bytes on the connection.
    Send(Vec<u8>),
    /// Close the connection.
    Close,
}

/// What the I/O adapter reports about a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkEvent {
    /// [`LinkAction::Connect`] succeeded.
    Connected,
    /// [`LinkAction::Connect`] failed (why, as the system worded it).
    ConnectFailed(String),
    /// Bytes arrived.
    Input(Vec<u8>),
    /// The connection ended: end of file, or a read or write error (why).
    Closed(String),
}

/// What the link reports to its owner.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LinkOutput {
    /// The connection is up and `DUMPALL` was sent.
    Connected,
    /// A connection attempt failed (why, as the system worded it).
    ConnectFailed(String),
    /// A message from the driver.
    Message(DriverMessage),
    /// The connection is gone (why); no more messages until the next
    /// [`Link::connect`].
    Lost(String),
}

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Connecting,
    Connected,
}

/// One upstream socket connection; see the module docs.
#[derive(Debug)]
pub struct Link {
    maxage: Duration,
    state: State,
    decoder: DriverDecoder,
    last_heard: Option<Instant>,
    last_ping: Option<Instant>,
    dump_done: bool,
    actions: VecDeque<LinkAction>,
    outputs: VecDeque<LinkOutput>,
}

impl Link {
    /// A link that declares its upstream dead after `maxage` of silence.
    pub fn new(maxage: Duration) -> Self {
        Self {
            maxage,
            state: State::Idle,
            decoder: DriverDecoder::with_options(DecodeOptions::NUT),
            last_heard: None,
            last_ping: None,
            dump_done: false,
            actions: VecDeque::new(),
            outputs: VecDeque::new(),
        }
    }

    /// Whether the connection is up.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// Whether a connection attempt is under way.
    pub fn is_connecting(&self) -> bool {
        self.state == State::Connecting
    }

    /// Whether the driver finished its answer to our `DUMPALL`.
    pub fn dump_done(&self) -> bool {
        self.dump_done
    }

    /// Asks for a connection, unless one is up or being made.
    pub fn connect(&mut self) {
        if self.state == State::Idle {
            self.state = State::Connecting;
            self.actions.push_back(LinkAction::Connect);
        }
    }

    /// Closes the connection (or forgets an attempt) without reporting a
    /// loss.
    pub fn close(&mut self) {
        if self.state != State::Idle {
            self.actions.push_back(LinkAction::Close);
        }
        self.reset();
    }

    fn reset(&mut self) {
        self.state = State::Idle;
        self.decoder = DriverDecoder::with_options(DecodeOptions::NUT);
        self.dump_done = false;
        self.last_ping = None;
    }

    /// Any report of the I/O adapter (dispatches to the `handle_*`
    /// methods).
    pub fn handle_event(&mut self, now: Instant, event: LinkEvent) {
        match event {
            LinkEvent::Connected => self.handle_connected(now),
            LinkEvent::ConnectFailed(why) => self.handle_connect_failed(&why),
            LinkEvent::Input(bytes) => self.handle_input(now, &bytes),
            LinkEvent::Closed(why) => self.handle_closed(&why),
        }
    }

    /// The adapter connected: sends `DUMPALL`.
    pub fn handle_connected(&mut self, now: Instant) {
        if self.state != State::Connecting {
            // Closed meanwhile: this connection is not wanted any more.
            self.actions.push_back(LinkAction::Close);
            return;
        }
        self.state = State::Connected;
        self.decoder = DriverDecoder::with_options(DecodeOptions::NUT);
        self.dump_done = false;
        self.last_heard = Some(now);
        self.last_ping = None;
        self.send(&ClientMessage::DumpAll);
        self.outputs.push_back(LinkOutput::Connected);
    }

    /// The adapter could not connect.
    pub fn handle_connect_failed(&mut self, why: &str) {
        if self.state == State::Connecting {
            self.state = State::Idle;
            self.outputs
                .push_back(LinkOutput::ConnectFailed(why.to_owned()));
        }
    }

    /// The connection ended (end of file, or an error: `why`).
    pub fn handle_closed(&mut self, why: &str) {
        if self.state == State::Connected {
            self.reset();
            self.outputs.push_back(LinkOutput::Lost(why.to_owned()));
        }
    }

    /// Bytes from the driver. Input that arrives while not connected (the
    /// tail of a closed connection) is dropped. The messages queued are
    /// bounded by `bytes`: the adapter reads in small chunks and drains
    /// [`Link::poll_output`] after each.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if self.state != State::Connected {
            return;
        }
        let mut rest = bytes;
        while let Decoded::Complete { item, consumed } = self.decoder.decode_next(rest) {
            rest = rest.get(consumed..).unwrap_or_default();
            match item {
                Ok(DriverMessage::Unknown { .. }) => {}
                Ok(message) => {
                    if matches!(message, DriverMessage::DumpDone) {
                        self.dump_done = true;
                    }
                    self.last_heard = Some(now);
                    self.outputs.push_back(LinkOutput::Message(message));
                }
                Err(error) if matches!(error.kind, DecodeErrorKind::Syntax(_)) => {
                    self.actions.push_back(LinkAction::Close);
                    self.reset();
                    self.outputs
                        .push_back(LinkOutput::Lost(format!("Parse error on sock: {error}")));
                    return;
                }
                // NUT's parser ignores a known command with wrong arguments.
                Err(_) => {}
            }
        }
    }

    /// Sends a message if connected; returns whether it was queued.
    pub fn send(&mut self, message: &ClientMessage) -> bool {
        let mut line = Vec::new();
        message.encode(&mut line);
        self.send_raw(line)
    }

    /// Sends a raw line (LF included) if connected; returns whether it was
    /// queued.
    pub fn send_raw(&mut self, line: Vec<u8>) -> bool {
        if self.state != State::Connected {
            return false;
        }
        self.actions.push_back(LinkAction::Send(line));
        true
    }

    /// The keep-alive check (`sstate_dead`): pings a quiet driver and
    /// declares a silent one dead. Returns whether the connection is up
    /// afterwards.
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        if self.state != State::Connected {
            return false;
        }
        let heard = self.last_heard.unwrap_or(now);
        let silent = now.saturating_duration_since(heard);
        let interval = self.ping_interval();
        let since_ping = self
            .last_ping
            .map_or(Duration::MAX, |p| now.saturating_duration_since(p));
        if silent <= self.maxage && silent > interval && since_ping > interval {
            self.send(&ClientMessage::Ping);
            self.last_ping = Some(now);
        }
        if silent > self.maxage {
            self.actions.push_back(LinkAction::Close);
            self.reset();
            self.outputs.push_back(LinkOutput::Lost(format!(
                "didn't hear from the driver for {} seconds (max {})",
                silent.as_secs(),
                self.maxage.as_secs()
            )));
            return false;
        }
        true
    }

    fn ping_interval(&self) -> Duration {
        (self.maxage / 3).max(MIN_PING_INTERVAL)
    }

    /// When [`Link::handle_timeout`] has something to do next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state != State::Connected {
            return None;
        }
        let heard = self.last_heard?;
        // One millisecond past each bound: the checks are strict (`>`).
        let step = Duration::from_millis(1);
        let interval = self.ping_interval();
        let ping_from = self.last_ping.map_or(heard, |p| p.max(heard));
        let ping = ping_from + interval + step;
        let dead = heard + self.maxage + step;
        Some(ping.min(dead))
    }

    /// The next thing for the I/O adapter to do.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<LinkAction> {
        self.actions.pop_front()
    }

    /// The next report for the owner.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<LinkOutput> {
        self.outputs.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain_actions(link: &mut Link) -> Vec<LinkAction> {
        std::iter::from_fn(|| link.poll_action()).collect()
    }

    fn drain_outputs(link: &mut Link) -> Vec<LinkOutput> {
        std::iter::from_fn(|| link.poll_output()).collect()
    }

    fn connected(now: Instant, maxage: u64) -> Link {
        let mut link = Link::new(Duration::from_secs(maxage));
        link.connect();
        link.handle_connected(now);
        drain_actions(&mut link);
        drain_outputs(&mut link);
        link
    }

    #[test]
    fn connecting_sends_dumpall_once_up() {
        let now = Instant::now();
        let mut link = Link::new(Duration::from_secs(15));
        link.connect();
        link.connect();
        assert_eq!(drain_actions(&mut link), [LinkAction::Connect]);
        assert!(link.is_connecting());
        link.handle_connected(now);
        assert_eq!(
            drain_actions(&mut link),
            [LinkAction::Send(b"DUMPALL\n".to_vec())]
        );
        assert_eq!(drain_outputs(&mut link), [LinkOutput::Connected]);
        assert!(link.is_connected());
    }

    #[test]
    fn a_failed_attempt_leaves_the_link_idle() {
        let mut link = Link::new(Duration::from_secs(15));
        link.connect();
        drain_actions(&mut link);
        link.handle_connect_failed("No such file or directory");
        assert_eq!(
            drain_outputs(&mut link),
            [LinkOutput::ConnectFailed(
                "No such file or directory".into()
            )]
        );
        link.connect();
        assert_eq!(drain_actions(&mut link), [LinkAction::Connect]);
    }

    #[test]
    fn a_connection_made_after_close_is_closed_again() {
        let mut link = Link::new(Duration::from_secs(15));
        link.connect();
        link.close();
        drain_actions(&mut link);
        link.handle_connected(Instant::now());
        assert_eq!(drain_actions(&mut link), [LinkAction::Close]);
        assert!(drain_outputs(&mut link).is_empty());
    }

    #[test]
    fn messages_are_decoded_across_chunks() {
        let now = Instant::now();
        let mut link = connected(now, 15);
        link.handle_input(now, b"SETINFO ups.status \"O");
        assert!(drain_outputs(&mut link).is_empty());
        link.handle_input(now, b"L\"\nFOO bar\nDUMPDONE\n");
        assert_eq!(
            drain_outputs(&mut link),
            [
                LinkOutput::Message(DriverMessage::SetInfo {
                    var: "ups.status".into(),
                    value: "OL".into()
                }),
                LinkOutput::Message(DriverMessage::DumpDone),
            ]
        );
        assert!(link.dump_done());
    }

    #[test]
    fn a_syntax_error_closes_the_connection() {
        let now = Instant::now();
        let mut link = connected(now, 15);
        link.handle_input(now, b"SETINFO x \"a#b\"\nDATAOK\n");
        assert_eq!(drain_actions(&mut link), [LinkAction::Close]);
        let outputs = drain_outputs(&mut link);
        assert!(
            matches!(outputs.as_slice(), [LinkOutput::Lost(why)] if why.starts_with("Parse error on sock"))
        );
        assert!(!link.is_connected());
    }

    #[test]
    fn input_while_not_connected_is_dropped() {
        let now = Instant::now();
        let mut link = Link::new(Duration::from_secs(15));
        link.handle_input(now, b"DATAOK\n");
        assert!(drain_outputs(&mut link).is_empty());
    }

    #[test]
    fn silence_brings_a_ping_then_death() {
        let t0 = Instant::now();
        let mut link = connected(t0, 15);
        // Exactly a third of maxage is not yet "more than".
        assert!(link.handle_timeout(t0 + Duration::from_secs(5)));
        assert!(drain_actions(&mut link).is_empty());
        assert_eq!(
            link.poll_timeout(),
            Some(t0 + Duration::from_secs(5) + Duration::from_millis(1))
        );
        let t1 = t0 + Duration::from_millis(5001);
        assert!(link.handle_timeout(t1));
        assert_eq!(
            drain_actions(&mut link),
            [LinkAction::Send(b"PING\n".to_vec())]
        );
        // Not again before another third has passed.
        assert!(link.handle_timeout(t1 + Duration::from_secs(5)));
        assert!(drain_actions(&mut link).is_empty());
        assert!(link.poll_timeout() > Some(t1 + Duration::from_secs(5)));
        // 15 s is the limit, 15 s + 1 ms is dead.
        assert!(link.handle_timeout(t0 + Duration::from_secs(15)));
        drain_actions(&mut link);
        assert!(!link.handle_timeout(t0 + Duration::from_millis(15_001)));
        assert_eq!(drain_actions(&mut link), [LinkAction::Close]);
        assert!(matches!(
            drain_outputs(&mut link).as_slice(),
            [LinkOutput::Lost(_)]
        ));
        assert_eq!(link.poll_timeout(), None);
    }

    #[test]
    fn any_known_message_counts_as_heard() {
        let t0 = Instant::now();
        let mut link = connected(t0, 15);
        let t1 = t0 + Duration::from_secs(14);
        link.handle_input(t1, b"PONG\n");
        assert!(link.handle_timeout(t0 + Duration::from_secs(20)));
        // An unknown line does not.
        link.handle_input(t0 + Duration::from_secs(25), b"HELLO\n");
        assert!(!link.handle_timeout(t1 + Duration::from_millis(15_001)));
    }

    #[test]
    fn a_tiny_maxage_still_pings_at_most_every_second() {
        let t0 = Instant::now();
        let link = connected(t0, 0);
        let wake = link.poll_timeout().expect("connected");
        assert!(wake > t0, "never a wake-up in the past");
        assert_eq!(wake, t0 + Duration::from_millis(1));
    }

    #[test]
    fn lost_is_reported_once_and_only_when_connected() {
        let now = Instant::now();
        let mut link = connected(now, 15);
        link.handle_closed("end of file");
        link.handle_closed("end of file");
        assert_eq!(
            drain_outputs(&mut link),
            [LinkOutput::Lost("end of file".into())]
        );
        assert!(!link.send(&ClientMessage::Ping));
    }
}
