//! The sans-IO heart of upsd: the UPS table, users, descriptions, tracking
//! and the registry of client connections, shared by every [`Session`].
//!
//! The runtime owns one [`Server`] and calls into it with `now` passed in:
//! driver links report with `handle_driver_*` and collect bytes to write
//! with [`Server::poll_driver_transmit`]; connections go through their
//! [`Session`]. Log lines come out of [`Server::poll_log`].

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use nut_proto::net::ErrorCode;

use super::session::Session;
use super::tracking::{Tracking, format_uuid_v4};
use super::ups::{Sinks, Timing, Ups, UpsId};
use crate::config::Users;
use crate::config::ups_conf::UpsdDevice;
use crate::config::upsd_conf::{DEFAULT_MAXAGE, DEFAULT_TRACKINGDELAY};
use crate::desc::Descriptions;
use crate::runtime::log::{Level, LogRecord};

/// The NUT version upsd reports (`VER`, `server.version`).
pub const VERSION: &str = crate::driver::NUT_VERSION;

/// `VER` and `server.info`: upsd 2.8.0's text.
pub fn version_text() -> String {
    format!("Network UPS Tools upsd {VERSION} - http://www.networkupstools.org/")
}

/// A client connection's handle in the [`Server`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub(crate) u64);

/// Where tracking ids come from: 16 random bytes per id.
pub type RandomSource = Box<dyn FnMut() -> [u8; 16] + Send>;

/// 16 bytes from the operating system's generator.
///
/// Should the generator fail (it does not on Linux once booted), the bytes
/// come from a counter mixed with SplitMix64, so that ids stay unique.
pub fn os_random() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
        for chunk in bytes.chunks_mut(8) {
            let mut z = COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
    bytes
}

/// What upsd serves, as read from its configuration files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The UPSes, in `ups.conf` order.
    pub devices: Vec<UpsdDevice>,
    /// `upsd.users`.
    pub users: Users,
    /// `cmdvartab` descriptions.
    pub descriptions: Descriptions,
    /// `MAXAGE`, seconds.
    pub maxage: u32,
    /// `TRACKINGDELAY`, seconds.
    pub tracking_delay: u32,
    /// Whether STARTTLS can be offered (a certificate is configured).
    pub tls_available: bool,
}

impl ServerConfig {
    /// A configuration serving `devices`, with no users, no descriptions
    /// and upsd's default timings.
    pub fn new(devices: Vec<UpsdDevice>) -> Self {
        Self {
            devices,
            users: Users::empty("upsd.users".as_ref()),
            descriptions: Descriptions::new(),
            maxage: DEFAULT_MAXAGE,
            tracking_delay: DEFAULT_TRACKINGDELAY,
            tls_available: false,
        }
    }
}

/// What a reload changed, for the runtime to act on.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReloadReport {
    /// New UPSes: start a driver link for each.
    pub added: Vec<UpsId>,
    /// UPSes whose socket name changed: their link was dropped; reconnect.
    pub redefined: Vec<UpsId>,
    /// Removed UPSes: stop their driver links.
    pub removed: Vec<UpsId>,
    /// Connections logged into a removed UPS: close them.
    pub kicked: Vec<ClientId>,
}

/// A client connection as the server tracks it.
#[derive(Debug, Clone)]
pub(crate) struct ClientRecord {
    pub(crate) addr: String,
    /// The UPS it did LOGIN on.
    pub(crate) login: Option<UpsId>,
    pub(crate) kicked: bool,
}

/// upsd's shared state.
pub struct Server {
    pub(crate) upses: Vec<Ups>,
    pub(crate) users: Users,
    pub(crate) descriptions: Descriptions,
    pub(crate) timing: Timing,
    pub(crate) tls_available: bool,
    pub(crate) tracking: Tracking,
    pub(crate) clients: BTreeMap<ClientId, ClientRecord>,
    next_client: u64,
    next_ups: u64,
    pub(crate) log: VecDeque<LogRecord>,
    /// UPSes with bytes for their driver since the last poll.
    wakeups: Vec<UpsId>,
    random: RandomSource,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("upses", &self.upses)
            .field("clients", &self.clients.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server for `config`; every UPS starts without a driver link.
    pub fn new(config: ServerConfig) -> Self {
        let mut server = Self {
            upses: Vec::new(),
            users: config.users,
            descriptions: config.descriptions,
            timing: Timing::from_maxage(config.maxage),
            tls_available: config.tls_available,
            tracking: Tracking::new(Duration::from_secs(u64::from(config.tracking_delay))),
            clients: BTreeMap::new(),
            next_client: 1,
            next_ups: 1,
            log: VecDeque::new(),
            wakeups: Vec::new(),
            random: Box::new(os_random),
        };
        for device in &config.devices {
            if server.find_ups(&device.name).is_some() {
                server.log_line(
                    Level::Error,
                    format!("UPS name [{}] is already in use!", device.name),
                );
                continue;
            }
            let ups = server.create_ups(device);
            server.upses.push(ups);
        }
        server
    }

    /// Replaces the source of tracking-id randomness (tests use a fixed one).
    pub fn set_random_source(&mut self, random: RandomSource) {
        self.random = random;
    }

    fn create_ups(&mut self, device: &UpsdDevice) -> Ups {
        let id = UpsId(self.next_ups);
        self.next_ups += 1;
        Ups::new(
            id,
            &device.name,
            device.desc.as_deref(),
            &device.socket_name(),
        )
    }

    /// Applies a new configuration with upsd's reload rules: a UPS that
    /// stays keeps its data, FSD latch and logins (a changed socket name
    /// drops its link); new UPSes are listed first, in file order, then the
    /// remaining old ones; a removed UPS takes its logged-in clients with
    /// it. Users, descriptions and timings are replaced.
    pub fn reload(&mut self, config: ServerConfig) -> ReloadReport {
        self.log_line(Level::Info, "SIGHUP: reloading configuration");
        let mut report = ReloadReport::default();
        let mut fresh = Vec::new();
        let mut retained = vec![false; self.upses.len()];
        for device in &config.devices {
            if fresh
                .iter()
                .any(|u: &Ups| u.name.eq_ignore_ascii_case(&device.name))
            {
                self.log_line(
                    Level::Error,
                    format!("UPS name [{}] is already in use!", device.name),
                );
                continue;
            }
            match self.find_ups(&device.name) {
                Some(index) if !retained.get(index).copied().unwrap_or(true) => {
                    if let Some(flag) = retained.get_mut(index) {
                        *flag = true;
                    }
                    let socket_name = device.socket_name();
                    let Some(ups) = self.upses.get_mut(index) else {
                        continue;
                    };
                    ups.desc.clone_from(&device.desc);
                    if ups.socket_name != socket_name {
                        ups.socket_name = socket_name;
                        ups.on_lost();
                        report.redefined.push(ups.id);
                        let message = format!("Redefined UPS [{}]", ups.name);
                        self.log_line(Level::Notice, message);
                    }
                }
                _ => {
                    let ups = self.create_ups(device);
                    report.added.push(ups.id);
                    fresh.push(ups);
                }
            }
        }
        let old = std::mem::take(&mut self.upses);
        for (ups, keep) in old.into_iter().zip(retained) {
            if keep {
                fresh.push(ups);
            } else {
                self.log_line(Level::Notice, format!("Deleting UPS [{}]", ups.name));
                report.removed.push(ups.id);
                for (id, client) in &mut self.clients {
                    if client.login == Some(ups.id) && !client.kicked {
                        client.kicked = true;
                        report.kicked.push(*id);
                        self.log.push_back(LogRecord::new(
                            Level::Info,
                            format!("Kicking client {} (was on UPS [{}])", client.addr, ups.name),
                        ));
                    }
                }
            }
        }
        self.upses = fresh;
        if self.upses.is_empty() {
            self.log_line(Level::Warning, "Warning: no UPSes currently defined!");
        }
        self.users = config.users;
        self.descriptions = config.descriptions;
        self.timing = Timing::from_maxage(config.maxage);
        self.tracking
            .set_delay(Duration::from_secs(u64::from(config.tracking_delay)));
        self.tls_available = config.tls_available;
        report
    }

    pub(crate) fn log_line(&mut self, level: Level, message: impl Into<String>) {
        self.log.push_back(LogRecord::new(level, message));
    }

    /// The next log line, oldest first.
    #[must_use]
    pub fn poll_log(&mut self) -> Option<LogRecord> {
        self.log.pop_front()
    }

    /// The UPSes in `LIST UPS` order.
    pub fn ups_ids(&self) -> Vec<UpsId> {
        self.upses.iter().map(|u| u.id).collect()
    }

    /// A UPS's name, if it still exists.
    pub fn ups_name(&self, id: UpsId) -> Option<&str> {
        self.ups(id).map(|u| u.name.as_str())
    }

    /// The driver socket's file name (`<driver>-<ups>`), if the UPS exists.
    pub fn socket_name(&self, id: UpsId) -> Option<&str> {
        self.ups(id).map(|u| u.socket_name.as_str())
    }

    /// Whether the UPS currently has a driver link.
    pub fn is_driver_connected(&self, id: UpsId) -> bool {
        self.ups(id).is_some_and(Ups::is_connected)
    }

    fn ups(&self, id: UpsId) -> Option<&Ups> {
        self.upses.iter().find(|u| u.id == id)
    }

    fn ups_mut(&mut self, id: UpsId) -> Option<&mut Ups> {
        self.upses.iter_mut().find(|u| u.id == id)
    }

    /// The index of a UPS by name, without regard to case (as upsd).
    pub(crate) fn find_ups(&self, name: &str) -> Option<usize> {
        self.upses
            .iter()
            .position(|u| u.name.eq_ignore_ascii_case(name))
    }

    /// The driver socket of `id` accepted the connection.
    pub fn handle_driver_connected(&mut self, id: UpsId, now: Instant) {
        let Some(index) = self.upses.iter().position(|u| u.id == id) else {
            return;
        };
        if let Some(ups) = self.upses.get_mut(index) {
            ups.on_connected(now, &mut self.log);
        }
    }

    /// Connecting to the driver socket of `id` failed with `error` (the
    /// operating system's text); logged at most every 300 s.
    pub fn handle_driver_connect_failed(&mut self, id: UpsId, now: Instant, error: &str) {
        let Some(index) = self.upses.iter().position(|u| u.id == id) else {
            return;
        };
        if let Some(ups) = self.upses.get_mut(index) {
            ups.on_connect_failed(now, error, &mut self.log);
        }
    }

    /// Bytes arrived from the driver of `id`.
    pub fn handle_driver_input(&mut self, id: UpsId, now: Instant, bytes: &[u8]) {
        let Some(index) = self.upses.iter().position(|u| u.id == id) else {
            return;
        };
        let timing = self.timing;
        let mut sinks = Sinks {
            log: &mut self.log,
            tracking: &mut self.tracking,
        };
        if let Some(ups) = self.upses.get_mut(index) {
            ups.handle_input(now, bytes, &mut sinks);
            ups.check(now, timing, sinks.log);
        }
    }

    /// The driver link of `id` closed; `reason` is logged when given (a read
    /// or write error, in NUT's words).
    pub fn handle_driver_lost(&mut self, id: UpsId, reason: Option<&str>) {
        let Some(ups) = self.ups_mut(id) else {
            return;
        };
        ups.on_lost();
        if let Some(reason) = reason {
            let message = reason.to_owned();
            self.log_line(Level::Warning, message);
        }
    }

    /// Runs the periodic checks of `id` (PING a quiet driver, staleness).
    pub fn handle_driver_timeout(&mut self, id: UpsId, now: Instant) {
        let timing = self.timing;
        let Some(index) = self.upses.iter().position(|u| u.id == id) else {
            return;
        };
        if let Some(ups) = self.upses.get_mut(index) {
            ups.check(now, timing, &mut self.log);
        }
    }

    /// When [`Self::handle_driver_timeout`] should next run for `id`.
    #[must_use]
    pub fn poll_driver_timeout(&self, id: UpsId) -> Option<Instant> {
        self.ups(id).and_then(|u| u.next_check(self.timing))
    }

    /// Moves the bytes waiting for the driver of `id` into `out`; false when
    /// there are none.
    #[must_use]
    pub fn poll_driver_transmit(&mut self, id: UpsId, out: &mut Vec<u8>) -> bool {
        self.ups_mut(id).is_some_and(|u| u.take_outbox(out))
    }

    /// A UPS whose driver link has bytes to write since the last call (after
    /// a client's SET or INSTCMD, or a PING from an availability check).
    #[must_use]
    pub fn poll_driver_wakeup(&mut self) -> Option<UpsId> {
        self.wakeups.pop()
    }

    /// Queues a line for the driver of the UPS at `index`; false without a
    /// driver link.
    pub(crate) fn send_to_driver(&mut self, index: usize, line: &[u8]) -> bool {
        let Some(ups) = self.upses.get_mut(index) else {
            return false;
        };
        let sent = ups.send(line);
        if sent && !self.wakeups.contains(&ups.id) {
            self.wakeups.push(ups.id);
        }
        sent
    }

    /// upsd's `ups_available`: checks (and logs) staleness first.
    pub(crate) fn availability_error(&mut self, index: usize, now: Instant) -> Option<ErrorCode> {
        let timing = self.timing;
        let ups = self.upses.get_mut(index)?;
        if ups.check(now, timing, &mut self.log) && !self.wakeups.contains(&ups.id) {
            self.wakeups.push(ups.id);
        }
        ups.availability().error()
    }

    /// A new tracking id (upper-case UUIDv4).
    pub(crate) fn new_tracking_id(&mut self) -> String {
        format_uuid_v4((self.random)())
    }

    /// Registers a client connection from `addr` and returns its session.
    pub fn open_session(&mut self, addr: IpAddr, now: Instant) -> Session {
        self.open_named_session(addr.to_canonical().to_string(), now)
    }

    /// Registers a client connection known as `addr` in `LIST CLIENT` and
    /// logs (a Unix-socket peer: `unix:<uid>`) and returns its session.
    pub fn open_named_session(&mut self, addr: String, now: Instant) -> Session {
        let id = ClientId(self.next_client);
        self.next_client += 1;
        self.clients.insert(
            id,
            ClientRecord {
                addr: addr.clone(),
                login: None,
                kicked: false,
            },
        );
        Session::new(id, addr, now)
    }

    /// Forgets a closed connection (its LOGIN no longer counts).
    pub fn close_session(&mut self, session: &Session) {
        self.close_client(session.id());
    }

    /// Whether connection `id` is open (its session not yet closed).
    pub fn has_client(&self, id: ClientId) -> bool {
        self.clients.contains_key(&id)
    }

    /// [`Server::close_session`] by the connection's id.
    pub fn close_client(&mut self, id: ClientId) {
        let Some(record) = self.clients.remove(&id) else {
            return;
        };
        if let Some(login) = record.login
            && let Some(ups) = self.ups_mut(login)
        {
            ups.numlogins = ups.numlogins.saturating_sub(1);
        }
    }

    /// Whether a reload removed the UPS this client was logged into.
    pub fn is_kicked(&self, id: ClientId) -> bool {
        self.clients.get(&id).is_none_or(|c| c.kicked)
    }

    /// Marks every connection for closing (upsd is stopping).
    pub fn kick_all(&mut self) {
        for client in self.clients.values_mut() {
            client.kicked = true;
        }
    }

    /// How many client connections are open.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(name: &str) -> UpsdDevice {
        UpsdDevice {
            name: name.into(),
            driver: "dummy-ups".into(),
            port: "x.dev".into(),
            desc: None,
        }
    }

    #[test]
    fn duplicate_names_without_case_keep_the_first() {
        let mut server = Server::new(ServerConfig::new(vec![device("a"), device("A")]));
        assert_eq!(server.ups_ids().len(), 1);
        assert_eq!(
            server.poll_log().map(|r| r.message),
            Some("UPS name [A] is already in use!".into())
        );
    }

    #[test]
    fn reload_lists_new_upses_first_and_keeps_fsd_of_survivors() {
        let mut server = Server::new(ServerConfig::new(vec![device("a"), device("b")]));
        let ids = server.ups_ids();
        server.upses[1].fsd = true;
        let report = server.reload(ServerConfig::new(vec![
            device("c"),
            device("b"),
            device("d"),
        ]));
        let names: Vec<_> = server.upses.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["c", "d", "b"]);
        assert!(server.upses[2].fsd);
        assert_eq!(report.removed, [ids[0]]);
        assert_eq!(report.added.len(), 2);
        let logs: Vec<_> = std::iter::from_fn(|| server.poll_log())
            .map(|r| r.message)
            .collect();
        assert_eq!(
            logs,
            ["SIGHUP: reloading configuration", "Deleting UPS [a]"]
        );
    }

    #[test]
    fn reload_redefines_a_ups_whose_socket_changed() {
        let mut server = Server::new(ServerConfig::new(vec![device("a")]));
        let id = server.ups_ids()[0];
        server.handle_driver_connected(id, Instant::now());
        let mut moved = device("a");
        moved.driver = "other".into();
        let report = server.reload(ServerConfig::new(vec![moved]));
        assert_eq!(report.redefined, [id]);
        assert!(!server.is_driver_connected(id));
        assert_eq!(server.socket_name(id), Some("other-a"));
    }

    #[test]
    fn removing_a_ups_kicks_its_clients_and_closing_decrements_logins() {
        let now = Instant::now();
        let mut server = Server::new(ServerConfig::new(vec![device("a"), device("b")]));
        let ids = server.ups_ids();
        let session = server.open_session("127.0.0.1".parse().unwrap(), now);
        if let Some(c) = server.clients.get_mut(&session.id()) {
            c.login = Some(ids[1]);
        }
        server.upses[1].numlogins = 1;
        let other = server.open_session("::ffff:10.0.0.1".parse().unwrap(), now);
        assert_eq!(server.clients[&other.id()].addr, "10.0.0.1");
        server.close_session(&other);
        let report = server.reload(ServerConfig::new(vec![device("a")]));
        assert_eq!(report.kicked, [session.id()]);
        assert!(server.is_kicked(session.id()));
        server.close_session(&session);
        assert_eq!(server.client_count(), 0);
    }

    #[test]
    fn os_random_differs_between_calls() {
        assert_ne!(os_random(), os_random());
    }
}
