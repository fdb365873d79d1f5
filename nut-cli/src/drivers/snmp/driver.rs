//! The snmp-ups [`Driver`]: a walk every `pollfreq`, the engine's
//! variables published on the driver state, INSTCMD/SET as SNMP SETs and
//! the shutdown sequence (snmp-maps.md 1.12–1.13).
//!
//! An agent that stops answering costs one request's tries per poll, not
//! one per row: after the first request of a walk that gets no answer,
//! the rest of the walk fails at once ([`Session`]), the data goes stale
//! and the log names the agent and the error; the next poll tries again,
//! and the first walk that gets answers brings the data back.

use std::collections::{BTreeSet, VecDeque};
use std::time::Instant;

use nut_server::runtime::log::{Level, LogRecord};
use nut_server::runtime::{Answer, CallId, Driver};
use nut_server::state::{DriverState, Flags, TrackingResult};
use nut_snmp::engine::{SetRefusal, SetRequest};
use nut_snmp::udp::Client;
use nut_snmp::{Agent, Engine, Oid, Value};

use super::SnmpOptions;

/// The commands snmp-ups's shutdown tries, in order (snmp-maps.md 1.13).
pub const SHUTDOWN_COMMANDS: [&str; 4] = [
    "shutdown.return",
    "shutdown.reboot",
    "load.off.delay",
    "shutdown.stayoff",
];

/// The UDP client as the engine's [`Agent`], failing fast once a request
/// of the current walk went unanswered.
#[derive(Debug)]
pub struct Session {
    client: Client,
    fail_fast: bool,
    failure: Option<String>,
}

impl Session {
    fn new(client: Client) -> Self {
        Self {
            client,
            fail_fast: false,
            failure: None,
        }
    }

    /// Starts a walk: forget the last failure.
    fn begin(&mut self, fail_fast: bool) {
        self.fail_fast = fail_fast;
        self.failure = None;
    }

    fn record<T>(&mut self, result: Result<Option<T>, nut_snmp::Error>) -> Option<T> {
        match result {
            Ok(value) => value,
            Err(e) => {
                self.failure = Some(e.to_string());
                None
            }
        }
    }

    fn gave_up(&self) -> bool {
        self.fail_fast && self.failure.is_some()
    }
}

impl Agent for Session {
    fn get(&mut self, oid: &Oid) -> Option<Value> {
        if self.gave_up() {
            return None;
        }
        let result = self.client.get_value(oid);
        self.record(result)
    }

    fn get_next(&mut self, oid: &Oid) -> Option<(Oid, Value)> {
        if self.gave_up() {
            return None;
        }
        let result = self.client.get_next_value(oid);
        self.record(result)
    }
}

/// snmp-ups for one device.
#[derive(Debug)]
pub struct SnmpDriver {
    engine: Engine,
    session: Session,
    options: SnmpOptions,
    ups: String,
    last_walk: Option<Instant>,
    published: BTreeSet<String>,
    commands: BTreeSet<String>,
    /// The agent failed the last walk (for logging the change only).
    failing: bool,
    logs: VecDeque<LogRecord>,
}

impl SnmpDriver {
    /// A driver over a detected engine and an open session.
    pub fn new(
        engine: Engine,
        client: Client,
        options: SnmpOptions,
        ups: &str,
        logs: VecDeque<LogRecord>,
    ) -> Self {
        Self {
            engine,
            session: Session::new(client),
            options,
            ups: ups.to_owned(),
            last_walk: None,
            published: BTreeSet::new(),
            commands: BTreeSet::new(),
            failing: false,
            logs,
        }
    }

    /// The mapping engine (its MIB, its variables).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Start-up after detection (snmp-maps.md 1.4 steps 3–7): the init
    /// walk, `ondelay`/`offdelay`, then the first update walk.
    pub fn start(&mut self, now: Instant, state: &mut DriverState) {
        self.session.begin(false);
        self.engine.init(&mut self.session);
        self.apply_delays();
        self.walk(now, state);
    }

    /// `ondelay` / `offdelay`: set `ups.delay.start` / `ups.delay.shutdown`.
    fn apply_delays(&mut self) {
        let delays = [
            ("ups.delay.start", self.options.ondelay),
            ("ups.delay.shutdown", self.options.offdelay),
        ];
        for (name, delay) in delays {
            let Some(seconds) = delay else { continue };
            let result = match self.engine.set_variable(name, &seconds.to_string()) {
                Ok(request) => self.send(&request),
                Err(refusal) => refusal_result(refusal),
            };
            if result != TrackingResult::Handled {
                self.log(
                    Level::Warning,
                    format!("[{}] can't set {name} to {seconds}: {result:?}", self.ups),
                );
            }
        }
    }

    /// One update walk, published; stale with a log line when the agent
    /// did not answer.
    fn walk(&mut self, now: Instant, state: &mut DriverState) {
        self.last_walk = Some(now);
        self.session.begin(true);
        let ok = self.engine.update(&mut self.session);
        let failure = self.session.failure.take();
        match failure {
            Some(error) => {
                if !self.failing {
                    self.log(
                        Level::Warning,
                        format!(
                            "[{}] data is stale: agent {} failed: {error}",
                            self.ups, self.options.peer
                        ),
                    );
                }
                // The last good values stand (a walk nobody answered would
                // publish an empty status): only the data goes stale.
                self.failing = true;
                state.data_stale();
            }
            None => {
                if self.failing {
                    self.log(
                        Level::Notice,
                        format!("[{}] agent {} answers again", self.ups, self.options.peer),
                    );
                }
                self.failing = false;
                self.publish(state);
                if ok {
                    state.data_ok();
                } else {
                    state.data_stale();
                }
            }
        }
    }

    /// The engine's variables and commands onto the driver state.
    fn publish(&mut self, state: &mut DriverState) {
        let mut now_published = BTreeSet::new();
        for (name, var) in self.engine.variables() {
            if name == "ups.status" {
                state.status_init();
                state.status_set(&var.value);
                state.status_commit();
            } else {
                state.set_info(name, &var.value);
            }
            if var.writable {
                let mut flags = Flags::RW;
                if let Some(len) = var.string_len {
                    flags |= Flags::STRING;
                    state.set_aux(name, i64::try_from(len).unwrap_or(i64::MAX));
                }
                state.set_flags(name, flags);
                for text in &var.enums {
                    state.add_enum(name, text);
                }
            }
            now_published.insert(name.clone());
        }
        for gone in self.published.difference(&now_published) {
            state.del_info(gone);
        }
        self.published = now_published;
        for command in self.engine.commands() {
            if self.commands.insert(command.clone()) {
                state.add_cmd(command);
            }
        }
    }

    /// Sends a planned SET; the engine learns the result.
    fn send(&mut self, request: &SetRequest) -> TrackingResult {
        match self.session.client.set(request) {
            Ok(()) => {
                self.engine.handle_set_result(request, true);
                TrackingResult::Handled
            }
            Err(e) => {
                self.log(Level::Error, format!("[{}] {e}", self.ups));
                self.engine.handle_set_result(request, false);
                TrackingResult::Failed
            }
        }
    }

    /// An instant command by SNMP SET.
    fn command(&mut self, cmd: &str, param: Option<&str>) -> TrackingResult {
        match self.engine.instant_command(cmd, param) {
            Ok(request) => self.send(&request),
            Err(refusal) => refusal_result(refusal),
        }
    }

    fn log(&mut self, level: Level, message: String) {
        self.logs.push_back(LogRecord::new(level, message));
    }
}

fn refusal_result(refusal: SetRefusal) -> TrackingResult {
    match refusal {
        SetRefusal::Invalid => TrackingResult::Invalid,
        SetRefusal::ConversionFailed => TrackingResult::ConversionFailed,
        _ => TrackingResult::Unknown,
    }
}

impl Driver for SnmpDriver {
    type Event = ();

    fn update(&mut self, now: Instant, state: &mut DriverState) {
        // snmp-ups walks only when `now > lastpoll + pollfreq`; between
        // walks the published state (data OK or stale) stands. Updates come
        // every pollinterval, so a walk is at most that late (as in NUT).
        let due = self.last_walk.is_none_or(|last| {
            now.checked_duration_since(last)
                .is_some_and(|d| d > self.options.pollfreq || self.options.pollfreq.is_zero())
        });
        if due {
            self.walk(now, state);
        }
    }

    fn set_var(
        &mut self,
        _now: Instant,
        state: &mut DriverState,
        _call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        let result = match self.engine.set_variable(var, value) {
            Ok(request) => self.send(&request),
            Err(refusal) => refusal_result(refusal),
        };
        if result == TrackingResult::Handled {
            self.publish(state);
        }
        Answer::Done(result)
    }

    fn instcmd(
        &mut self,
        _now: Instant,
        _state: &mut DriverState,
        _call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        Answer::Done(self.command(cmd, param))
    }

    fn shutdown(&mut self, _now: Instant, _state: &mut DriverState) -> TrackingResult {
        self.log(
            Level::Notice,
            format!(
                "[{}] shutting down the UPS; the network to agent {} may already be down",
                self.ups, self.options.peer
            ),
        );
        self.apply_delays();
        for cmd in SHUTDOWN_COMMANDS {
            if self.command(cmd, None) == TrackingResult::Handled {
                self.log(Level::Info, format!("Shutdown successful with '{cmd}'"));
                return TrackingResult::Handled;
            }
        }
        self.log(Level::Error, "Shutdown failed!".to_owned());
        TrackingResult::Failed
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use nut_snmp::Recording;
    use nut_snmp::udp::{Behaviour, Running, Simulator, TransportConfig};

    const DEVICE: &[u8] = b"1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33
1.3.6.1.2.1.1.6.0|4|lab
1.3.6.1.2.1.33.1.1.1.0|4|Acme
1.3.6.1.2.1.33.1.1.2.0|4|SIM 3000
1.3.6.1.2.1.33.1.2.1.0|2|2
1.3.6.1.2.1.33.1.2.4.0|2|100
1.3.6.1.2.1.33.1.4.1.0|2|3
1.3.6.1.2.1.33.1.8.2.0|2|-1
";

    fn serve(addr: &str, behaviour: Behaviour) -> Running {
        let mut sim = Simulator::bind(addr).expect("bind");
        sim.set_behaviour(behaviour);
        sim.insert("public", Recording::parse(DEVICE).expect("recording"));
        sim.spawn()
    }

    fn options(peer: &str, pollfreq: u64) -> SnmpOptions {
        SnmpOptions {
            peer: peer.to_owned(),
            mibs: "auto".to_owned(),
            community: "public".to_owned(),
            version: "v1".to_owned(),
            v3: None,
            pollfreq: Duration::from_secs(pollfreq),
            semistatic_freq: 10,
            retries: 0,
            timeout: Duration::from_millis(200),
            no_transfer_oids: false,
            symmetra_three_phase: false,
            ondelay: None,
            offdelay: None,
        }
    }

    fn driver(peer: &str, pollfreq: u64) -> (SnmpDriver, DriverState, Instant) {
        let options = options(peer, pollfreq);
        let mut transport = TransportConfig::default();
        transport.timeout = options.timeout;
        transport.retries = 0;
        let mut client = Client::connect(peer, &transport).expect("client");
        let engine = Engine::detect(&mut client, &options.engine_config()).expect("detected");
        let mut driver = SnmpDriver::new(engine, client, options, "t", VecDeque::new());
        let mut state = DriverState::new();
        let now = Instant::now();
        driver.start(now, &mut state);
        (driver, state, now)
    }

    #[test]
    fn walks_at_most_once_per_pollfreq() {
        let running = serve("127.0.0.1:0", Behaviour::default());
        let peer = running.addr().expect("addr").to_string();
        let (mut driver, mut state, start) = driver(&peer, 30);
        assert_eq!(state.get("ups.status"), Some("OL"));
        let agents = running.agents();
        let on_battery = Oid::parse("1.3.6.1.2.1.33.1.4.1.0").expect("oid");
        nut_snmp::udp::sim::lock(&agents)
            .get_mut("public")
            .expect("served")
            .insert(on_battery, Value::Integer(5));
        driver.update(start + Duration::from_secs(10), &mut state);
        assert_eq!(
            state.get("ups.status"),
            Some("OL"),
            "no walk before pollfreq"
        );
        driver.update(start + Duration::from_secs(31), &mut state);
        assert_eq!(state.get("ups.status"), Some("OB"));
        driver.update(start + Duration::from_secs(40), &mut state);
        assert_eq!(driver.last_walk, Some(start + Duration::from_secs(31)));
        // snmp-ups walks only from updateinfo: no wake-up of its own.
        assert_eq!(driver.poll_timeout(), None);
    }

    #[test]
    fn a_dead_agent_costs_one_timeout_per_walk_keeps_the_values_and_recovers() {
        let running = serve("127.0.0.1:0", Behaviour::default());
        let addr = running.addr().expect("addr");
        let peer = addr.to_string();
        let (mut driver, mut state, start) = driver(&peer, 0);
        assert!(!state.is_stale());
        running.stop().expect("stopped");
        let silent = serve(
            &peer,
            Behaviour {
                silent: true,
                ..Behaviour::default()
            },
        );
        let began = Instant::now();
        driver.update(start + Duration::from_secs(1), &mut state);
        // Every row would cost 200 ms; one timeout ends the walk.
        assert!(
            began.elapsed() < Duration::from_millis(600),
            "{:?}",
            began.elapsed()
        );
        assert!(state.is_stale());
        assert_eq!(
            state.get("ups.status"),
            Some("OL"),
            "last good values stand"
        );
        let log = driver.poll_log().expect("a log line");
        assert!(
            log.message.contains(&format!("agent {peer} failed"))
                && log.message.contains("no usable answer"),
            "{}",
            log.message
        );
        driver.update(start + Duration::from_secs(2), &mut state);
        assert!(driver.poll_log().is_none(), "logged once per outage");
        silent.stop().expect("stopped");
        let _back = serve(&peer, Behaviour::default());
        driver.update(start + Duration::from_secs(3), &mut state);
        assert!(!state.is_stale());
        let log = driver.poll_log().expect("recovery logged");
        assert!(log.message.contains("answers again"), "{}", log.message);
    }

    #[test]
    fn commands_and_sets_go_to_the_agent_and_unknown_ones_are_refused() {
        let running = serve("127.0.0.1:0", Behaviour::default());
        let peer = running.addr().expect("addr").to_string();
        let (mut driver, mut state, now) = driver(&peer, 30);
        let call = CallId::INTERNAL;
        let answer = driver.set_var(now, &mut state, call, "device.location", "rack 4");
        assert_eq!(answer, Answer::Done(TrackingResult::Handled));
        assert_eq!(state.get("device.location"), Some("rack 4"));
        let written = nut_snmp::udp::sim::lock(&running.agents())
            .get("public")
            .and_then(|r| r.get(&Oid::parse("1.3.6.1.2.1.1.6.0").ok()?).cloned());
        assert_eq!(written, Some(Value::OctetString(b"rack 4".to_vec())));
        assert_eq!(
            driver.instcmd(now, &mut state, call, "load.off", None),
            Answer::Done(TrackingResult::Handled)
        );
        assert_eq!(
            driver.instcmd(now, &mut state, call, "no.such.command", None),
            Answer::Done(TrackingResult::Unknown)
        );
        // (Writability is upsd's check, as with NUT's drivers.)
        assert_eq!(
            driver.set_var(now, &mut state, call, "no.such.variable", "1"),
            Answer::Done(TrackingResult::Unknown)
        );
    }
}
