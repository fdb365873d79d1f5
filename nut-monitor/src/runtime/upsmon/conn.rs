//! One task per monitored UPS: its upsd connection (connect, STARTTLS,
//! USERNAME/PASSWORD/LOGIN, PRIMARY with the MASTER fallback) and the
//! engine's requests on it, answered through a shared channel.
//!
//! Polling (NUT 2.8.0 sends only `GET VAR <ups> ups.status`, lab §3.1):
//! every poll reads `ups.status`, plus `ups.alarm` when the status holds
//! `ALARM`. Later NUT also reads `ups.mode.buzzwords` (or its
//! `experimental.` twin) on every poll, for ECO mode. We ask for those
//! once per connection and keep polling the one upsd has, so a device
//! without them costs no extra round trips, and a device with them gets
//! ECO detection as in later NUT.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use nut_proto::client::tokio::Client;
use nut_proto::client::{ConnectOptions, TlsOptions};
use nut_proto::net::ErrorCode;
use tokio::sync::mpsc;

use super::cli::Family;
use crate::config::{MonitorEntry, Role};
use crate::runtime::Logger;
use crate::{LogLevel, PollResult, REPLY_TIMEOUT, Request, UpsId};

/// The buzzword variables, in the order later NUT tries them.
const BUZZWORD_VARS: [&str; 2] = ["ups.mode.buzzwords", "experimental.ups.mode.buzzwords"];

/// How one connection is made.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The `MONITOR` line.
    pub(crate) entry: MonitorEntry,
    /// Timeouts and limits.
    pub(crate) connect: ConnectOptions,
    /// STARTTLS settings, and whether TLS is mandatory.
    pub(crate) tls: Option<(TlsOptions, bool)>,
    /// `-4` / `-6`.
    pub(crate) family: Family,
}

/// An engine request tagged with the configuration generation it was made in.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) generation: u64,
    pub(crate) ups: UpsId,
    pub(crate) request: Request,
}

/// An answer for the engine.
#[derive(Debug)]
pub(crate) enum Answer {
    Poll(PollResult),
    Fsd(Result<(), String>),
    Logins(Result<u32, String>),
}

/// An answer tagged like its [`Job`].
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) generation: u64,
    pub(crate) ups: UpsId,
    pub(crate) answer: Answer,
}

/// The runtime's handle on a connection task.
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) settings: Settings,
    jobs: mpsc::UnboundedSender<Job>,
}

impl Handle {
    /// Starts the task; answers go to `replies`.
    pub(crate) fn spawn(
        settings: Settings,
        replies: mpsc::UnboundedSender<Reply>,
        logger: Arc<Logger>,
    ) -> Self {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let mut conn = Conn {
            settings: settings.clone(),
            client: None,
            buzzwords: Buzzwords::Unknown,
            logger,
        };
        // Detached: dropping the handle closes `jobs`, which ends the task.
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                let answer = conn.run(job.request).await;
                let reply = Reply {
                    generation: job.generation,
                    ups: job.ups,
                    answer,
                };
                if replies.send(reply).is_err() {
                    break;
                }
            }
            conn.close().await;
        });
        Self { settings, jobs }
    }

    /// Queues a request.
    pub(crate) fn send(&self, job: Job) {
        let _ = self.jobs.send(job);
    }
}

/// What is known about the buzzword variables on this connection.
#[derive(Debug, Clone, Copy)]
enum Buzzwords {
    Unknown,
    Var(&'static str),
    Absent,
}

struct Conn {
    settings: Settings,
    client: Option<Client>,
    buzzwords: Buzzwords,
    logger: Arc<Logger>,
}

impl Conn {
    fn sys(&self) -> &str {
        &self.settings.entry.system
    }

    fn ups(&self) -> String {
        self.settings.entry.address.ups.clone()
    }

    /// Runs one request within [`REPLY_TIMEOUT`]; a request that takes
    /// longer drops the connection (NUT's alarm does the same).
    async fn run(&mut self, request: Request) -> Answer {
        match tokio::time::timeout(REPLY_TIMEOUT, self.run_inner(request)).await {
            Ok(answer) => answer,
            Err(_) => {
                self.client = None;
                let why = "Connection timed out".to_owned();
                match request {
                    Request::SetFsd => Answer::Fsd(Err(why)),
                    Request::NumLogins => Answer::Logins(Err(why)),
                    _ => Answer::Poll(PollResult::failed(why)),
                }
            }
        }
    }

    async fn run_inner(&mut self, request: Request) -> Answer {
        match request {
            Request::SetFsd => Answer::Fsd(self.fsd().await),
            Request::NumLogins => Answer::Logins(self.numlogins().await),
            _ => Answer::Poll(self.poll().await),
        }
    }

    async fn poll(&mut self) -> PollResult {
        if let Err(why) = self.ensure_connected().await {
            return PollResult::failed(why);
        }
        let ups = self.ups();
        let Some(client) = self.client.as_mut() else {
            return PollResult::failed("not connected");
        };
        let status = match client.get_var(&ups, "ups.status").await {
            Ok(status) => status,
            Err(e) => {
                let why = match e.server_code() {
                    Some(ErrorCode::UnknownUps) => format!(
                        "[{ups}] does not exist on server {}",
                        self.settings.entry.address.host
                    ),
                    _ => e.nut_message(),
                };
                self.logger.log(
                    LogLevel::Error,
                    &format!("Poll UPS [{}] failed - {why}", self.sys()),
                );
                self.drop_if_broken(&e);
                return PollResult::failed(why);
            }
        };
        let mut result = PollResult::status(status.clone());
        if status
            .split_whitespace()
            .any(|t| t.eq_ignore_ascii_case("ALARM"))
            && let Ok(text) = client.get_var(&ups, "ups.alarm").await
        {
            result = result.with_alarm(text);
        }
        if let Some(words) = self.buzzwords(&ups).await {
            result = result.with_buzzwords(words);
        }
        result
    }

    async fn buzzwords(&mut self, ups: &str) -> Option<String> {
        let client = self.client.as_mut()?;
        match self.buzzwords {
            Buzzwords::Absent => None,
            Buzzwords::Var(var) => client.get_var(ups, var).await.ok(),
            Buzzwords::Unknown => {
                for var in BUZZWORD_VARS {
                    match client.get_var(ups, var).await {
                        Ok(words) => {
                            self.buzzwords = Buzzwords::Var(var);
                            return Some(words);
                        }
                        // The driver may simply be down: decide later.
                        Err(e) if e.server_code() != Some(&ErrorCode::VarNotSupported) => {
                            return None;
                        }
                        Err(_) => {}
                    }
                }
                self.buzzwords = Buzzwords::Absent;
                None
            }
        }
    }

    async fn fsd(&mut self) -> Result<(), String> {
        self.ensure_connected().await?;
        let ups = self.ups();
        let client = self.client.as_mut().ok_or("not connected")?;
        match client.fsd(&ups).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.drop_if_broken(&e);
                Err(e.nut_message())
            }
        }
    }

    async fn numlogins(&mut self) -> Result<u32, String> {
        self.ensure_connected().await?;
        let ups = self.ups();
        let client = self.client.as_mut().ok_or("not connected")?;
        match client.get_numlogins(&ups).await {
            Ok(n) => Ok(n),
            Err(e) => {
                self.drop_if_broken(&e);
                Err(e.nut_message())
            }
        }
    }

    /// Transport failures leave the connection unusable: reconnect next time.
    fn drop_if_broken(&mut self, e: &nut_proto::Error) {
        if e.server_code().is_none() {
            self.client = None;
        }
    }

    async fn ensure_connected(&mut self) -> Result<(), String> {
        if self.client.is_some() {
            return Ok(());
        }
        self.logger
            .debug(&format!("Trying to connect to UPS [{}]", self.sys()));
        let mut client = match self.connect().await {
            Ok(c) => c,
            Err(why) => {
                self.logger.log(
                    LogLevel::Error,
                    &format!("UPS [{}]: connect failed: {why}", self.sys()),
                );
                return Err(why);
            }
        };
        if let Some((tls, forced)) = &self.settings.tls
            && let Err(e) = client.starttls(&self.named(tls)).await
        {
            let why = e.nut_message();
            if *forced {
                self.logger.log(
                    LogLevel::Error,
                    &format!("UPS [{}]: SSL required but unavailable: {why}", self.sys()),
                );
                return Err(why);
            }
            if !matches!(e, nut_proto::Error::StartTlsRefused { .. }) {
                // A failed handshake leaves the connection unusable.
                return Err(why);
            }
            self.logger
                .debug(&format!("UPS [{}]: STARTTLS refused: {e}", self.sys()));
        }
        self.authenticate(&mut client).await;
        self.buzzwords = Buzzwords::Unknown;
        self.client = Some(client);
        Ok(())
    }

    /// `tls` checking the certificate against the host named in MONITOR:
    /// with `-4`/`-6` the client connects to the address it resolved, whose
    /// text would otherwise be the name checked (NUT checks the name).
    fn named(&self, tls: &TlsOptions) -> TlsOptions {
        let mut tls = tls.clone();
        if tls.server_name.is_none() {
            tls.server_name = Some(self.settings.entry.address.host.clone());
        }
        tls
    }

    async fn connect(&self) -> Result<Client, String> {
        let address = &self.settings.entry.address;
        let options = &self.settings.connect;
        if self.settings.family == Family::Any {
            return Client::connect(&address.host, address.port, options)
                .await
                .map_err(|e| e.nut_message());
        }
        let no_host = || "No such host".to_owned();
        let found: Vec<SocketAddr> = tokio::net::lookup_host((address.host.as_str(), address.port))
            .await
            .map_err(|_| no_host())?
            .filter(|a| match self.settings.family {
                Family::V4 => a.is_ipv4(),
                Family::V6 => a.is_ipv6(),
                Family::Any => true,
            })
            .collect();
        let first = found.first().ok_or_else(no_host)?;
        Client::connect(&first.ip().to_string(), address.port, options)
            .await
            .map_err(|e| e.nut_message())
    }

    /// USERNAME, PASSWORD, LOGIN and (primary) PRIMARY. Failures are logged
    /// and the connection kept, as NUT does: polling works without a login.
    async fn authenticate(&self, client: &mut Client) {
        let entry = &self.settings.entry;
        if entry.power_value == 0 {
            // Monitor only: NUT does not log in.
            return;
        }
        let sys = self.sys();
        if let Err(e) = client.username(&entry.username).await {
            self.logger.log(
                LogLevel::Error,
                &format!("Set username on [{sys}] failed: {}", e.nut_message()),
            );
            return;
        }
        if let Err(e) = client.password(&entry.password).await {
            self.logger.log(
                LogLevel::Error,
                &format!("Set password on [{sys}] failed: {}", e.nut_message()),
            );
            return;
        }
        if let Err(e) = client.login(&entry.address.ups).await {
            self.logger.log(
                LogLevel::Error,
                &format!("Login to UPS [{sys}] failed: {}", e.nut_message()),
            );
            return;
        }
        self.logger.debug(&format!("Logged into UPS {sys}"));
        if entry.role == Role::Primary
            && let Err(e) = client.primary(&entry.address.ups).await
        {
            self.logger.log(
                LogLevel::Alert,
                &format!("Primary privileges unavailable on UPS [{sys}]"),
            );
            self.logger
                .log(LogLevel::Alert, &format!("Reason: {}", e.nut_message()));
        }
    }

    /// Closes the connection the way NUT does on exit (LOGOUT, bounded).
    async fn close(&mut self) {
        if let Some(mut client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), client.logout()).await;
        }
    }
}
