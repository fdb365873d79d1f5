//! The monitoring loop: the [`Engine`] driven by the clock, the connection
//! tasks' answers and signals (SIGTERM/SIGINT/SIGQUIT exit, SIGHUP
//! reloads, SIGUSR1 forces the shutdown), with its outputs delivered.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nut_proto::client::{ConnectOptions, TlsOptions};
use tokio::io::AsyncReadExt as _;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::cli::Family;
use super::conn::{Answer, Handle, Job, Reply, Settings};
use super::{Load, deliver, load_config, privsep};
use crate::config::{Config, MonitorEntry};
use crate::runtime::Logger;
use crate::{Engine, Error, LogLevel, Output};

/// Who does the privileged work.
#[derive(Debug)]
pub(crate) enum Privileged {
    /// This process (`-p`): write the flag and run SHUTDOWNCMD here.
    Local,
    /// The root parent, over the link.
    Parent(UnixStream),
    /// The program upsmon is embedded in (see `super::embed`): every output
    /// that leaves the process (notifications, log lines, `wall`, the flag
    /// and SHUTDOWNCMD) is sent to it instead of delivered.
    Embedder(mpsc::UnboundedSender<Output>),
}

/// Everything the loop needs.
#[derive(Debug)]
pub(crate) struct Setup {
    pub(crate) config: Config,
    pub(crate) config_path: PathBuf,
    pub(crate) family: Family,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) logger: Arc<Logger>,
    pub(crate) privileged: Privileged,
}

/// STARTTLS settings for one UPS, and whether TLS is mandatory. `None`
/// when nothing about TLS is configured (no STARTTLS is tried then).
fn tls_for(config: &Config, entry: &MonitorEntry) -> Option<(TlsOptions, bool)> {
    let address = &entry.address;
    let with_port = format!("{}:{}", address.host, address.port);
    let host = config
        .cert_hosts
        .iter()
        .find(|h| h.host == address.host || h.host == with_port);
    let forced = config.force_ssl || host.is_some_and(|h| h.force_ssl);
    let verify = config.cert_verify || host.is_some_and(|h| h.verify);
    if !forced && !verify && config.cert_path.is_none() && host.is_none() {
        return None;
    }
    let ca = config.cert_path.as_ref().map(PathBuf::from);
    let is_dir = ca.as_ref().is_some_and(|p| p.is_dir());
    let tls = TlsOptions {
        ca_dir: ca.clone().filter(|_| is_dir),
        ca_file: ca.filter(|_| !is_dir),
        verify,
        server_name: None,
        identity: None,
    };
    Some((tls, forced))
}

fn settings(config: &Config, setup_family: Family, timeout: Option<Duration>) -> Vec<Settings> {
    config
        .monitors
        .iter()
        .map(|entry| Settings {
            entry: entry.clone(),
            connect: ConnectOptions {
                connect_timeout: timeout,
                ..ConnectOptions::default()
            },
            tls: tls_for(config, entry),
            family: setup_family,
        })
        .collect()
}

/// Whether a running connection can serve a new configuration's entry.
fn same(a: &Settings, b: &Settings) -> bool {
    a.entry == b.entry && a.tls == b.tls && a.family == b.family
}

/// Runs until the engine exits or a signal stops it; returns the exit code.
pub(crate) async fn run(setup: Setup) -> Result<u8, Error> {
    let Setup {
        config,
        config_path,
        family,
        connect_timeout,
        logger,
        mut privileged,
    } = setup;
    let mut engine = Engine::new(config, Instant::now())?;
    let (reply_tx, mut replies) = mpsc::unbounded_channel::<Reply>();
    let mut generation = 0u64;
    let mut conns: Vec<Handle> = settings(engine.config(), family, connect_timeout)
        .into_iter()
        .map(|s| Handle::spawn(s, reply_tx.clone(), logger.clone()))
        .collect();

    let sig =
        |kind: SignalKind| signal(kind).map_err(|e| Error::io("can't install signal handlers", &e));
    let mut sigterm = sig(SignalKind::terminate())?;
    let mut sigint = sig(SignalKind::interrupt())?;
    let mut sigquit = sig(SignalKind::quit())?;
    let mut sighup = sig(SignalKind::hangup())?;
    let mut sigusr1 = sig(SignalKind::user_defined1())?;

    let (parent_tx, mut parent_rx) = tokio::sync::oneshot::channel::<()>();
    if let Privileged::Parent(link) = &privileged {
        watch_parent(link, parent_tx, &logger)?;
    }
    let mut parent_gone = false;
    let mut asked_parent = false;

    loop {
        if parent_gone {
            engine.handle_parent_died(Instant::now());
        }
        while let Some(output) = engine.poll_output() {
            let output = match (&privileged, output) {
                (
                    Privileged::Embedder(embedder),
                    leaving @ (Output::Notify(_)
                    | Output::Log { .. }
                    | Output::Wall(_)
                    | Output::WritePowerdownFlag { .. }
                    | Output::RunShutdownCmd { .. }),
                ) => {
                    let _ = embedder.send(leaving);
                    continue;
                }
                (_, output) => output,
            };
            match output {
                Output::Send { ups, request } => {
                    if let Some(conn) = conns.get(ups.index()) {
                        conn.send(Job {
                            generation,
                            ups,
                            request,
                        });
                    }
                }
                Output::Notify(n) => {
                    deliver::notify(&n, engine.config().notify_cmd.as_deref(), &logger);
                }
                Output::Log { level, message } => logger.log(level, &message),
                Output::Wall(text) => deliver::wall(&text, &logger),
                Output::WritePowerdownFlag { path } => match &mut privileged {
                    Privileged::Local => deliver::write_powerdown_flag(&path, &logger),
                    Privileged::Parent(link) => {
                        if !std::mem::replace(&mut asked_parent, true) {
                            privsep::request_shutdown(link, &logger);
                        }
                    }
                    Privileged::Embedder(_) => {} // sent to it above
                },
                Output::RunShutdownCmd { command } => match &mut privileged {
                    Privileged::Local => {
                        if !nix::unistd::geteuid().is_root() {
                            logger.log(LogLevel::Warning, "Not root, shutdown may fail");
                        }
                        deliver::run_shutdown_cmd(&command, &logger);
                    }
                    Privileged::Parent(link) => {
                        if !std::mem::replace(&mut asked_parent, true) {
                            privsep::request_shutdown(link, &logger);
                        }
                    }
                    Privileged::Embedder(_) => {} // sent to it above
                },
                Output::Exit => return Ok(0),
            }
        }
        let deadline = engine.poll_timeout();
        let sleep = async {
            match deadline {
                Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = sleep => engine.handle_timeout(Instant::now()),
            Some(reply) = replies.recv() => {
                if reply.generation == generation {
                    let now = Instant::now();
                    match reply.answer {
                        Answer::Poll(result) => engine.handle_poll(now, reply.ups, result),
                        Answer::Fsd(result) => engine.handle_fsd_ack(now, reply.ups, result),
                        Answer::Logins(result) => engine.handle_numlogins(now, reply.ups, result),
                    }
                }
            }
            _ = sigterm.recv() => return Ok(exiting(&logger, 15)),
            _ = sigint.recv() => return Ok(exiting(&logger, 2)),
            _ = sigquit.recv() => return Ok(exiting(&logger, 3)),
            _ = sigusr1.recv() => engine.handle_user_fsd(Instant::now()),
            _ = sighup.recv() => {
                match reload(&mut engine, &config_path, &logger) {
                    Reload::Kept => {}
                    Reload::Fatal => return Ok(1),
                    Reload::Applied => {
                        generation += 1;
                        let mut old: Vec<Option<Handle>> = conns.drain(..).map(Some).collect();
                        for s in settings(engine.config(), family, connect_timeout) {
                            let kept = old
                                .iter_mut()
                                .find(|h| h.as_ref().is_some_and(|h| same(&h.settings, &s)))
                                .and_then(Option::take);
                            conns.push(kept.unwrap_or_else(|| {
                                Handle::spawn(s, reply_tx.clone(), logger.clone())
                            }));
                        }
                    }
                }
            }
            _ = &mut parent_rx, if !parent_gone => parent_gone = true,
        }
    }
}

fn exiting(logger: &Logger, signal: i32) -> u8 {
    logger.log(LogLevel::Info, &format!("Signal {signal}: exiting"));
    0
}

/// Watches the link to the parent; `gone` fires at end of file.
fn watch_parent(
    link: &UnixStream,
    gone: tokio::sync::oneshot::Sender<()>,
    logger: &Logger,
) -> Result<(), Error> {
    let reader = link
        .try_clone()
        .and_then(|s| s.set_nonblocking(true).map(|()| s))
        .and_then(tokio::net::UnixStream::from_std)
        .map_err(|e| Error::io("can't watch the privileged parent", &e))?;
    logger.debug("watching the privileged parent");
    tokio::spawn(async move {
        let mut reader = reader;
        let mut buf = [0u8; 16];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = gone.send(());
    });
    Ok(())
}

/// The outcome of SIGHUP.
enum Reload {
    /// The old configuration stays (unreadable or unparsable file).
    Kept,
    /// The new one is in force.
    Applied,
    /// Not enough power configured: NUT exits.
    Fatal,
}

/// NUT's `reload_conf`.
fn reload(engine: &mut Engine, path: &std::path::Path, logger: &Logger) -> Reload {
    logger.log(LogLevel::Info, "Reloading configuration");
    let Some(config) = load_config(path, logger, Load::Reload) else {
        return Reload::Kept;
    };
    match engine.handle_reload(Instant::now(), config) {
        Ok(()) => Reload::Applied,
        Err(Error::InsufficientPower {
            total,
            min_supplies,
        }) => {
            logger.log(
                LogLevel::Critical,
                &format!(
                    "Fatal error: total power value ({total}) less than MINSUPPLIES ({min_supplies})"
                ),
            );
            logger.log(
                LogLevel::Critical,
                "Impossible power configuration, unable to continue",
            );
            Reload::Fatal
        }
        Err(e) => {
            logger.log(LogLevel::Error, &format!("Reload failed: {e}"));
            Reload::Kept
        }
    }
}
