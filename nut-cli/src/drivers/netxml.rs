//! `netxml-ups` on the driver runtime: the I/O around the sans-IO
//! [`nut_snmp::netxml::Session`].
//!
//! Start-up is NUT's: `GET /` (a failure is fatal, `Connectivity test:
//! ...`), the first product page that parses (none: fatal `communication
//! failure`), the writable variables, then the first update. After that an
//! I/O task fetches the pages of each update and sends SETs; the driver
//! never waits on the network. When two or more pages of an update fail the
//! data goes stale, with one log line per failing URL and error (repeated
//! only when the error changes) and a notice when the card answers again.
//!
//! With `subscribe`, start-up also reads the configure page and opens the
//! alarm channel; its ALARM messages are applied as they come, and a lost
//! channel is opened again while polling goes on. (NUT 2.8.0's own
//! subscription never succeeds — it rejects every line of the card's reply
//! — and it then stops polling; we poll regardless.)
//!
//! Beyond NUT: a SET answers `HANDLED` when the card accepted the form
//! (NUT always answers `FAILED`), and its value is XML-escaped.

use std::collections::VecDeque;
use std::time::Instant;

use nut_server::driver::{Identity, NUT_VERSION, VarKind, VarTable};
use nut_server::error::Error;
use nut_server::runtime::log::{Level, LogRecord};
use nut_server::runtime::program::{InitContext, Program, Started};
use nut_server::runtime::{Answer, CallId, Driver};
use nut_server::state::{DriverState, Flags, TrackingResult};
use nut_snmp::netxml::Options;
use nut_snmp::netxml::alarm::AlarmChannel;
use nut_snmp::netxml::http::Transport;
use nut_snmp::netxml::options::TlsTrust;
use nut_snmp::netxml::request;
use nut_snmp::netxml::request::HttpRequest;
use nut_snmp::netxml::session::{Change, Freshness, PRODUCT_PATHS, Session};
use tokio::sync::mpsc;

/// The program name.
pub const PROGRAM: &str = "netxml-ups";
/// The driver version of NUT 2.8.0's netxml-ups (`driver.version.internal`).
pub const DRIVER_VERSION: &str = "0.44";

/// The `netxml-ups` program.
#[derive(Debug, Clone, Copy, Default)]
pub struct NetxmlProgram;

/// The pages of one update: each path (`None`: no URL learned) and its
/// body or error.
pub type PollResults = Vec<(Option<String>, Result<Vec<u8>, nut_snmp::Error>)>;

/// What the I/O task reports.
#[derive(Debug)]
pub enum NetxmlEvent {
    /// The pages of one update.
    Polled(PollResults),
    /// The card's answer to a SET.
    Sent(CallId, Result<(), nut_snmp::Error>),
    /// A message on the alarm channel.
    Alarm(Vec<u8>),
    /// The alarm channel was lost (why); it is being opened again.
    AlarmLost(String),
    /// The alarm channel is open again (the card's host).
    AlarmBack(String),
}

enum Command {
    Poll([Option<String>; 3]),
    Send(CallId, HttpRequest),
}

/// A fatal option error, in NUT's words where it has some.
fn option_error(e: &nut_snmp::Error) -> Error {
    match e {
        nut_snmp::Error::Option { reason, .. } => Error::Usage(reason.clone()),
        other => Error::Usage(other.to_string()),
    }
}

fn options(ctx: &InitContext<'_>) -> Result<Options, Error> {
    let settings = ctx.settings;
    Options::parse(
        settings.port.as_deref(),
        |name| settings.value(name).map(str::to_owned),
        |name| settings.flag(name),
    )
    .map_err(|e| option_error(&e))
}

/// Fetches the pages of one update, in order.
async fn poll(transport: &Transport, paths: [Option<String>; 3]) -> PollResults {
    let mut results = Vec::with_capacity(paths.len());
    for path in paths {
        let result = match &path {
            Some(path) => transport.get(path).await,
            None => Err(nut_snmp::Error::Netxml(
                "no URL learned for this page".into(),
            )),
        };
        results.push((path, result));
    }
    results
}

impl Program for NetxmlProgram {
    type Driver = NetxmlDriver;

    fn name(&self) -> &'static str {
        PROGRAM
    }

    fn description(&self) -> &'static str {
        "network XML UPS"
    }

    fn identity(&self) -> Identity {
        Identity {
            program: PROGRAM.to_owned(),
            version: NUT_VERSION.to_owned(),
            internal_version: DRIVER_VERSION.to_owned(),
        }
    }

    fn experimental(&self) -> bool {
        true
    }

    fn vartab(&self) -> VarTable {
        let mut table = VarTable::new();
        table
            .add(
                "timeout",
                VarKind::Value,
                "network timeout (default: 5 seconds)",
            )
            .add(
                "subscribe",
                VarKind::Flag,
                "authenticated subscription on NMC",
            )
            .add_sensitive("login", "login value for authenticated mode")
            .add_sensitive("password", "password value for authenticated mode")
            .add(
                "shutdown_duration",
                VarKind::Value,
                "shutdown duration in second (default: 120 seconds)",
            )
            .add(
                "shutdown_timer",
                VarKind::Value,
                "shutdown timer in second (default: none)",
            )
            .add(
                "do_convert_deci",
                VarKind::Flag,
                "enable legacy convert_deci() for certain measurements 10x too large",
            )
            .add(
                "certfingerprint",
                VarKind::Value,
                "https: accept only the card certificate with this SHA-256 fingerprint",
            )
            .add(
                "cafile",
                VarKind::Value,
                "https: trust the CA certificates in this PEM file",
            )
            .add(
                "insecure",
                VarKind::Flag,
                "https: accept any card certificate (not recommended)",
            );
        table
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<NetxmlDriver>, Error> {
        let options = options(&ctx)?;
        let transport = Transport::new(&options).map_err(|e| option_error(&e))?;
        let mut logs = VecDeque::new();
        if options.tls == TlsTrust::Insecure {
            logs.push_back(LogRecord::new(
                Level::Warning,
                format!(
                    "{}: insecure: the card's certificate is not checked",
                    options.base_url
                ),
            ));
        }
        transport
            .get("/")
            .await
            .map_err(|e| Error::Usage(format!("Connectivity test: {e}")))?;
        logs.push_back(LogRecord::new(Level::Info, "Connectivity test: 200 OK"));
        let mut session = Session::new(options.clone());
        let mut found = false;
        for path in PRODUCT_PATHS {
            match transport.get(path).await {
                Ok(body) => match session.handle_product(path, &body) {
                    Ok(()) => {
                        found = true;
                        break;
                    }
                    Err(e @ nut_snmp::Error::Netxml(_)) if body_is_v4(&e) => {
                        return Err(Error::Usage(e.to_string()));
                    }
                    Err(e) => logs.push_back(LogRecord::new(Level::Debug(1), e.to_string())),
                },
                Err(e) => logs.push_back(LogRecord::new(Level::Debug(1), e.to_string())),
            }
        }
        if !found {
            return Err(Error::Usage("communication failure".into()));
        }
        session.register_writable();
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        if options.subscribe
            && let Some(subscription) = subscribe(&transport, &mut session, &mut logs).await
        {
            tokio::spawn(alarm_task(subscription, events_tx.clone()));
        }
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let mut driver = NetxmlDriver {
            session,
            commands: commands_tx,
            poll_in_flight: false,
            answers: VecDeque::new(),
            logs,
            failing: Vec::new(),
            stale: false,
            options,
        };
        let first = poll(&transport, driver.session.poll_paths()).await;
        driver.apply_poll(state, first);
        tokio::spawn(io_task(transport, commands_rx, events_tx));
        Ok(Started {
            driver,
            events: Some(events_rx),
        })
    }
}

/// An open alarm channel and what it takes to open it again.
struct Subscription {
    channel: AlarmChannel,
    transport: Transport,
    path: String,
    body: String,
}

/// The local host name (`driver.hostname`), `<unknown>` when unknown.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "<unknown>".to_owned())
}

/// The alarm subscription at start-up (`subscribe`): `driver.hostname`,
/// the configure page, then the channel. A failure is logged, not fatal:
/// the driver polls.
async fn subscribe(
    transport: &Transport,
    session: &mut Session,
    logs: &mut VecDeque<LogRecord>,
) -> Option<Subscription> {
    let host = host_name();
    session.set_host_name(&host);
    if let Some(path) = session.urls().configure.clone() {
        match transport.get(&path).await {
            Ok(body) => {
                if let Err(e) = session.handle_document(&body) {
                    logs.push_back(LogRecord::new(Level::Debug(1), e.to_string()));
                }
            }
            Err(e) => logs.push_back(LogRecord::new(Level::Debug(1), e.to_string())),
        }
    }
    let Some(path) = session.urls().subscribe.clone() else {
        logs.push_back(LogRecord::new(
            Level::Warning,
            "subscribe: the card's product page names no subscription URL; polling only",
        ));
        return None;
    };
    let options = session.options();
    let body = request::subscribe_body(
        &format!("{PROGRAM} v{DRIVER_VERSION}"),
        &host,
        options.shutdown_duration,
        options.shutdown_timer,
    );
    match AlarmChannel::open(transport, &path, body.clone()).await {
        Ok(channel) => {
            logs.push_back(LogRecord::new(
                Level::Notice,
                format!("NSM connection to '{}' established", channel.host()),
            ));
            Some(Subscription {
                channel,
                transport: transport.clone(),
                path,
                body,
            })
        }
        Err(e) => {
            logs.push_back(LogRecord::new(
                Level::Warning,
                format!("subscribe: {e}; polling only"),
            ));
            None
        }
    }
}

/// Forwards alarm messages; when the channel is lost, reports it and opens
/// it again (every [`RESUBSCRIBE_EVERY`]).
async fn alarm_task(mut subscription: Subscription, events: mpsc::UnboundedSender<NetxmlEvent>) {
    loop {
        let event = match subscription.channel.next().await {
            Ok(message) => NetxmlEvent::Alarm(message),
            Err(e) => {
                if events.send(NetxmlEvent::AlarmLost(e.to_string())).is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(RESUBSCRIBE_EVERY).await;
                    let body = subscription.body.clone();
                    if let Ok(channel) =
                        AlarmChannel::open(&subscription.transport, &subscription.path, body).await
                    {
                        subscription.channel = channel;
                        break;
                    }
                }
                NetxmlEvent::AlarmBack(subscription.channel.host().to_owned())
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

/// Time between two attempts to open a lost alarm channel.
const RESUBSCRIBE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

fn body_is_v4(e: &nut_snmp::Error) -> bool {
    matches!(e, nut_snmp::Error::Netxml(text) if text.contains("XML v4"))
}

async fn io_task(
    transport: Transport,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<NetxmlEvent>,
) {
    while let Some(command) = commands.recv().await {
        let event = match command {
            Command::Poll(paths) => NetxmlEvent::Polled(poll(&transport, paths).await),
            Command::Send(call, request) => {
                NetxmlEvent::Sent(call, transport.send(&request).await.map(drop))
            }
        };
        if events.send(event).is_err() {
            break;
        }
    }
}

/// The running driver.
#[derive(Debug)]
pub struct NetxmlDriver {
    session: Session,
    commands: mpsc::UnboundedSender<Command>,
    poll_in_flight: bool,
    answers: VecDeque<(CallId, TrackingResult)>,
    logs: VecDeque<LogRecord>,
    /// The error last logged for each failing page.
    failing: Vec<(Option<String>, String)>,
    stale: bool,
    options: Options,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Poll(_) => "Poll",
            Self::Send(..) => "Send",
        })
    }
}

impl NetxmlDriver {
    /// The session (what the card said last).
    pub fn session(&self) -> &Session {
        &self.session
    }

    fn apply_poll(&mut self, state: &mut DriverState, results: PollResults) {
        let mut errors = 0;
        let mut failing = Vec::new();
        for (path, result) in results {
            let outcome = result.and_then(|body| self.session.handle_document(&body));
            if let Err(e) = outcome {
                errors += 1;
                let text = match &path {
                    Some(_) => e.to_string(),
                    None => format!("{}: {e}", self.options.base_url),
                };
                if !self.failing.iter().any(|(p, t)| *p == path && *t == text) {
                    self.logs
                        .push_back(LogRecord::new(Level::Warning, text.clone()));
                }
                failing.push((path, text));
            }
        }
        self.failing = failing;
        for notice in self.session.take_notices() {
            self.logs.push_back(LogRecord::new(Level::Notice, notice));
        }
        let freshness = self.session.finish_update(errors);
        self.publish(state);
        match freshness {
            Freshness::Stale => {
                if !self.stale {
                    self.logs.push_back(LogRecord::new(
                        Level::Warning,
                        format!(
                            "Communication with the card at {} lost: data stale",
                            self.options.base_url
                        ),
                    ));
                }
                self.stale = true;
                state.data_stale();
            }
            Freshness::Ok => {
                if self.stale {
                    self.logs.push_back(LogRecord::new(
                        Level::Notice,
                        format!(
                            "Communication with the card at {} restored",
                            self.options.base_url
                        ),
                    ));
                }
                self.stale = false;
                self.publish_status(state);
                state.data_ok();
            }
        }
    }

    /// `ups.alarm` and `ups.status` from the session's status bits.
    fn publish_status(&self, state: &mut DriverState) {
        state.alarm_init();
        for alarm in self.session.alarms() {
            state.alarm_set(alarm);
        }
        state.alarm_commit();
        state.status_init();
        for token in self.session.status() {
            state.status_set(token);
        }
        state.status_commit();
    }

    /// A message from the alarm channel: applied at once (the status too,
    /// unless the pages say the card is unreachable).
    fn apply_alarm(&mut self, state: &mut DriverState, message: &[u8]) {
        if let Err(e) = self.session.handle_document(message) {
            self.logs.push_back(LogRecord::new(
                Level::Debug(1),
                format!("alarm channel: {e}"),
            ));
            return;
        }
        self.publish(state);
        if !self.stale {
            self.publish_status(state);
        }
    }

    fn publish(&mut self, state: &mut DriverState) {
        for change in self.session.take_changes() {
            match change {
                Change::Set(name, value) => {
                    state.set_info(&name, &value);
                }
                Change::Writable(name) => {
                    state.set_info(&name, "");
                    state.set_flags(&name, Flags::RW);
                }
                Change::Delete(name) => {
                    state.del_info(&name);
                }
            }
        }
    }
}

impl Driver for NetxmlDriver {
    type Event = NetxmlEvent;

    fn update(&mut self, _now: Instant, _state: &mut DriverState) {
        if self.poll_in_flight {
            return;
        }
        if self
            .commands
            .send(Command::Poll(self.session.poll_paths()))
            .is_ok()
        {
            self.poll_in_flight = true;
        }
    }

    fn set_var(
        &mut self,
        _now: Instant,
        _state: &mut DriverState,
        call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        let Some(request) = self.session.set_request(var, value) else {
            return Answer::Done(TrackingResult::Unknown);
        };
        match self.commands.send(Command::Send(call, request)) {
            Ok(()) => Answer::Pending,
            Err(_) => Answer::Done(TrackingResult::Failed),
        }
    }

    fn instcmd(
        &mut self,
        _now: Instant,
        _state: &mut DriverState,
        _call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        self.logs.push_back(LogRecord::new(
            Level::Notice,
            format!(
                "instcmd: unknown command [{cmd}] [{}]",
                param.unwrap_or("(null)")
            ),
        ));
        Answer::Done(TrackingResult::Unknown)
    }

    fn shutdown(&mut self, _now: Instant, _state: &mut DriverState) -> TrackingResult {
        let Some(request) = self.session.shutdown_request() else {
            return TrackingResult::Unknown;
        };
        let options = self.options.clone();
        // The runtime is single-threaded and this call is synchronous: the
        // POST runs on a thread of its own with its own runtime and client.
        let sent = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let transport = Transport::new(&options).map_err(|e| e.to_string())?;
                transport
                    .send(&request)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
        })
        .join();
        // netxml-ups ignores the card's answer: the shutdown counts as sent.
        if let Ok(Err(e)) = sent {
            self.logs.push_back(LogRecord::new(Level::Warning, e));
        }
        TrackingResult::Handled
    }

    fn handle_event(&mut self, _now: Instant, state: &mut DriverState, event: NetxmlEvent) {
        match event {
            NetxmlEvent::Polled(results) => {
                self.poll_in_flight = false;
                self.apply_poll(state, results);
            }
            NetxmlEvent::Sent(call, result) => {
                let status = match result {
                    Ok(()) => TrackingResult::Handled,
                    Err(e) => {
                        self.logs
                            .push_back(LogRecord::new(Level::Warning, format!("set: {e}")));
                        TrackingResult::Failed
                    }
                };
                self.answers.push_back((call, status));
            }
            NetxmlEvent::Alarm(message) => self.apply_alarm(state, &message),
            NetxmlEvent::AlarmLost(reason) => self.logs.push_back(LogRecord::new(
                Level::Warning,
                format!(
                    "NSM connection with '{}' lost: {reason}",
                    self.options.host()
                ),
            )),
            NetxmlEvent::AlarmBack(host) => self.logs.push_back(LogRecord::new(
                Level::Notice,
                format!("NSM connection to '{host}' established"),
            )),
        }
    }

    fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        self.answers.pop_front()
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }
}
