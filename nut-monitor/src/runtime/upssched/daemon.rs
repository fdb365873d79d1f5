//! The timer daemon: [`Timers`] behind a Unix socket on PIPEFN.
//!
//! It serves one request line per connection turn, checks its timers
//! whenever one is due (exactly; NUT ticks once a second), runs CMDSCRIPT
//! for every expired timer with that timer's own UPSNAME, NOTIFYTYPE and
//! NOTIFYMSG, and exits after [`IDLE_EXIT`] without timers, removing PIPEFN.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

use super::wire::{self, MAX_LINE, Request};
use crate::runtime::Logger;
use crate::upssched::{Command, Config, Timers};
use crate::{Error, LogLevel};

/// How long the daemon lingers without timers (NUT: 15 one-second checks).
pub const IDLE_EXIT: Duration = Duration::from_secs(15);

/// A request and where to send its reply.
struct Incoming {
    request: Option<Request>,
    reply: tokio::sync::oneshot::Sender<String>,
}

/// Binds PIPEFN (replacing a stale socket nobody answers on).
///
/// # Errors
///
/// [`Error::Io`] when the socket cannot be created.
pub(crate) fn bind(pipe: &Path) -> Result<UnixListener, Error> {
    if std::os::unix::net::UnixStream::connect(pipe).is_err() {
        let _ = std::fs::remove_file(pipe);
    }
    UnixListener::bind(pipe).map_err(|e| Error::io(format!("bind {}", pipe.display()), &e))
}

/// Serves until idle; returns when the daemon should exit.
pub(crate) async fn serve(
    listener: UnixListener,
    config: Arc<Config>,
    pipe: PathBuf,
    logger: Arc<Logger>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Incoming>();
    let mut timers = Timers::new();
    let mut idle_since = Instant::now();
    loop {
        while let Some(command) = timers.poll_command() {
            run_cmdscript(&config, &command, &logger);
        }
        let wake = timers.poll_timeout().unwrap_or(idle_since + IDLE_EXIT);
        tokio::select! {
            () = tokio::time::sleep_until(tokio::time::Instant::from_std(wake)) => {
                let now = Instant::now();
                if !timers.is_empty() {
                    timers.handle_timeout(now);
                    idle_since = now;
                } else if now.saturating_duration_since(idle_since) >= IDLE_EXIT {
                    logger.debug("Timer queue empty, exiting");
                    break;
                }
            }
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(client(stream, tx.clone()));
                }
            }
            Some(incoming) = rx.recv() => {
                let now = Instant::now();
                let reply = match incoming.request {
                    Some(Request::Action(action, event)) => {
                        idle_since = now;
                        if timers.handle_action(now, &action, &event) {
                            "OK\n".to_owned()
                        } else {
                            logger.log(LogLevel::Error, "Too many timers: request dropped");
                            "ERR UNKNOWN\n".to_owned()
                        }
                    }
                    Some(Request::List) => list(&timers, now),
                    None => "ERR UNKNOWN\n".to_owned(),
                };
                let _ = incoming.reply.send(reply);
            }
        }
    }
    let _ = std::fs::remove_file(&pipe);
}

/// The LIST-TIMERS reply.
fn list(timers: &Timers, now: Instant) -> String {
    let mut out = String::from("BEGIN LIST TIMERS\n");
    let wall = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    for t in timers.timers() {
        let left = t.expires.saturating_duration_since(now);
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            t.name,
            (wall + left).as_secs(),
            left.as_secs(),
            t.notify_types.join(","),
            t.ups.join(","),
            t.messages.join("\t").replace('\n', " ")
        ));
    }
    out.push_str("END LIST TIMERS\n");
    out
}

/// One connection: request lines in, replies out.
async fn client(stream: UnixStream, tx: mpsc::UnboundedSender<Incoming>) {
    let (read, mut write) = stream.into_split();
    // A connection may send at most this much: a client sends one line.
    let budget = u64::try_from(MAX_LINE * 64).unwrap_or(u64::MAX);
    let mut lines = BufReader::new(read.take(budget));
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let request = if line.len() > MAX_LINE {
            None
        } else {
            wire::decode(line.trim_end_matches(['\r', '\n']))
        };
        let (reply_tx, reply_rx) = tokio::sync::oneshot::channel();
        if tx
            .send(Incoming {
                request,
                reply: reply_tx,
            })
            .is_err()
        {
            break;
        }
        let Ok(reply) = reply_rx.await else { break };
        if write.write_all(reply.as_bytes()).await.is_err() {
            break;
        }
    }
}

/// Starts `CMDSCRIPT <argument>` with the command's environment, in the
/// background (tokio reaps it).
fn run_cmdscript(config: &Config, command: &Command, logger: &Logger) {
    let Some((program, fixed)) = config
        .cmd_script
        .as_deref()
        .and_then(<[String]>::split_first)
    else {
        return;
    };
    logger.debug(&format!("Executing command: {}", command.argument));
    let spawned = tokio::process::Command::new(program)
        .args(fixed)
        .arg(&command.argument)
        .env("UPSNAME", &command.ups)
        .env("NOTIFYTYPE", &command.notify_type)
        .env("NOTIFYMSG", &command.message)
        .stdin(Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => drop(child),
        Err(e) => logger.log(
            LogLevel::Error,
            &format!(
                "Can't execute CMDSCRIPT {program}: {}",
                nut_proto::error::strerror(&e)
            ),
        ),
    }
}
