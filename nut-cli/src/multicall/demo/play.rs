//! The outage, played and printed: [`run`] prepares the demo directory
//! (device sequence, `upsmon.conf`, the stack's files), serves the stack,
//! waits for the UPS to show a status, starts the embedded upsmon, and
//! prints one timestamped line per status change and per upsmon output
//! until upsmon has handed over its SHUTDOWNCMD (or a signal comes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use nut_monitor::Output;
use nut_monitor::runtime::Logger;
use nut_monitor::runtime::upsmon::{Family, run_embedded};
use nut_proto::client::ConnectOptions;
use nut_proto::client::tokio::Client;
use nut_server::stack::demo::{
    self as stack, DemoDir, DemoOptions, DemoStack, StopSignals, UPS_NAME, write_ignoring_errors,
};
use tokio::sync::{mpsc, oneshot};

use super::scenario::{OUTAGE_FILE_NAME, OUTAGE_SEQUENCE, UPSMON_CONF_NAME, scaled, upsmon_conf};
use crate::error::{Error, Result};

/// How often the demo reads the UPS's status from upsd.
const STATUS_PERIOD: Duration = Duration::from_millis(200);

/// What upsd reports before the driver's first dump.
const WAITING_STATUS: &str = "WAIT";

/// How long the simulated UPS may take to show its first status.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a stop signal may trail upsmon's own exit on that signal
/// (upsmon and the demo both listen for SIGINT and SIGTERM).
const SIGNAL_GRACE: Duration = Duration::from_millis(300);

/// How the outage ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// upsmon decided to shut down and handed over SHUTDOWNCMD; with
    /// `--keep-serving`, the signal that stopped the demo afterwards.
    Decided {
        /// The signal's number (`None`: the demo stopped by itself).
        stopped_by: Option<i32>,
    },
    /// A signal (its number) stopped the demo before the decision.
    Signal(i32),
    /// upsmon stopped without deciding; the text says why.
    UpsmonStopped(String),
}

/// Plays the outage (see the module docs).
///
/// # Errors
///
/// [`Error::Fatal`] when the port, the directory, the files, the driver or
/// upsmon's configuration cannot be set up, or the UPS never shows a
/// status.
pub fn run(options: &DemoOptions) -> Result<Outcome> {
    let fatal = |e: &dyn std::fmt::Display| Error::fatal(e.to_string());
    let runtime = stack::build_runtime().map_err(|e| fatal(&e))?;
    let signals = {
        let _inside = runtime.enter();
        StopSignals::install().map_err(|e| fatal(&format!("can't install signal handlers: {e}")))?
    };
    let speed = options.speed.unwrap_or(1);
    let listener = stack::bind_listener(options.port).map_err(|e| fatal(&e))?;
    let port = stack::local_port(&listener).map_err(|e| fatal(&e))?;
    let dir = DemoDir::create(&std::env::temp_dir()).map_err(|e| fatal(&e))?;
    let device = match &options.device {
        Some(path) => {
            std::path::absolute(path).map_err(|e| fatal(&format!("{}: {e}", path.display())))?
        }
        None => dir
            .write_file(OUTAGE_FILE_NAME, &scaled(OUTAGE_SEQUENCE, speed))
            .map_err(|e| fatal(&e))?,
    };
    dir.write_config(port, Some(&device))
        .map_err(|e| fatal(&e))?;
    let conf_text = upsmon_conf(port, speed);
    let conf_path = dir
        .write_file(UPSMON_CONF_NAME, &conf_text)
        .map_err(|e| fatal(&e))?;
    let config = nut_monitor::config::parse(conf_text.as_bytes(), &conf_path.display().to_string())
        .map_err(|e| fatal(&e))?
        .config;
    let stack = DemoStack::load(&dir, listener, options).map_err(|e| fatal(&e))?;
    let verbose = options.foreground || options.debug > 0;
    let play = Play {
        port,
        keep_serving: options.keep_serving,
        verbose,
        started: Instant::now(),
        upsmon_logger: Arc::new(Logger::new("upsmon", true, options.debug)),
        signals,
        header: header(port, speed, &dir, &device),
    };
    let outcome = runtime.block_on(async move {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<i32>();
        let serving = stack.serve(
            move || {
                let _ = ready_tx.send(());
            },
            async move { stop_rx.await.unwrap_or(0) },
        );
        tokio::pin!(serving);
        let playing = play.run(ready_rx, config, conf_path);
        tokio::pin!(playing);
        tokio::select! {
            served = &mut serving => {
                // The stack only ends by itself when it cannot start.
                served.map(|_| Outcome::UpsmonStopped("upsd stopped".to_owned()))
                    .map_err(|e| fatal(&e))
            }
            outcome = &mut playing => {
                let _ = stop_tx.send(match &outcome {
                    Ok(Outcome::Signal(signal) | Outcome::Decided { stopped_by: Some(signal) }) => *signal,
                    _ => 0,
                });
                let _ = serving.await;
                outcome
            }
        }
    });
    drop(runtime);
    let where_ = dir.path().display().to_string();
    drop(dir);
    if let Ok(
        Outcome::Signal(signal)
        | Outcome::Decided {
            stopped_by: Some(signal),
        },
    ) = &outcome
    {
        write_ignoring_errors(
            &mut std::io::stderr(),
            &format!("nut demo: stopped by signal {signal}; removed {where_}\n"),
        );
    }
    outcome
}

/// What the demo prints first.
fn header(port: u16, speed: u32, dir: &DemoDir, device: &std::path::Path) -> String {
    let ups = format!("{UPS_NAME}@127.0.0.1:{port}");
    let pace = if speed == 1 {
        String::new()
    } else {
        format!(" at {speed}x speed")
    };
    format!(
        "nut demo: a power outage{pace} on the simulated UPS {ups}.\n\
         dummy-ups plays {device}, upsd serves it on 127.0.0.1 port {port}, and upsmon\n\
         (primary, {conf}) watches it; all in this process, no hardware involved.\n\
         Look in from another terminal: upsc {ups}     Ctrl-C stops.\n\n",
        device = device.display(),
        conf = dir.path().join(UPSMON_CONF_NAME).display(),
    )
}

/// The part of one status reading the demo prints.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reading {
    status: String,
    charge: Option<String>,
    runtime: Option<String>,
}

impl Reading {
    /// `status` padded, then charge (%) and runtime (min:s) when known.
    fn line(&self) -> String {
        let mut line = format!("{:<22}", self.status);
        if let Some(charge) = &self.charge {
            line.push_str(&format!("  charge {charge:>3} %"));
        }
        if let Some(runtime) = &self.runtime {
            let text = match runtime.parse::<f64>() {
                // The cast is exact for any runtime a UPS reports.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(seconds) if (0.0..1e9).contains(&seconds) => {
                    let seconds = seconds.round() as u64;
                    format!("{}:{:02}", seconds / 60, seconds % 60)
                }
                _ => runtime.clone(),
            };
            line.push_str(&format!("  runtime {text:>6}"));
        }
        line.trim_end().to_owned()
    }
}

/// Reads the UPS's status through upsd, reconnecting when needed.
#[derive(Debug)]
struct StatusReader {
    port: u16,
    client: Option<Client>,
}

impl StatusReader {
    async fn read(&mut self) -> Option<Reading> {
        if self.client.is_none() {
            self.client = Client::connect("127.0.0.1", self.port, &ConnectOptions::default())
                .await
                .ok();
        }
        let client = self.client.as_mut()?;
        // One LIST VAR: a consistent snapshot (three GETs could straddle
        // one of the driver's updates).
        let Ok(vars) = client.list_var(UPS_NAME).await else {
            // Stale data or a broken link: try again on a fresh one.
            self.client = None;
            return None;
        };
        let value = |name: &str| {
            vars.iter()
                .find(|var| var.name == name)
                .map(|var| var.value.clone())
        };
        Some(Reading {
            status: value("ups.status")?,
            charge: value("battery.charge"),
            runtime: value("battery.runtime"),
        })
    }
}

/// The notification that announces upsmon's shutdown decision.
const SHUTDOWN_NOTIFICATION: &str = "SHUTDOWN";

/// When the steps of upsmon's shutdown were seen.
#[derive(Debug, Default)]
struct Decision {
    /// The SHUTDOWN notification.
    notified: Option<Instant>,
    /// SHUTDOWNCMD handed over (FINALDELAY later): the decision is final.
    command: Option<Instant>,
}

/// The printing side of the demo.
struct Play {
    port: u16,
    keep_serving: bool,
    verbose: bool,
    started: Instant,
    upsmon_logger: Arc<Logger>,
    signals: StopSignals,
    header: String,
}

impl Play {
    /// One timestamped line: local time, seconds since start, who, what.
    fn print(&self, who: &str, what: &str) {
        let now = chrono::Local::now().format("%H:%M:%S%.3f");
        let elapsed = self.started.elapsed().as_secs_f64();
        write_ignoring_errors(
            &mut std::io::stdout(),
            &format!("{now} {elapsed:>6.1}s  {who:<7} {what}\n"),
        );
    }

    async fn run(
        mut self,
        ready: oneshot::Receiver<()>,
        config: nut_monitor::config::Config,
        conf_path: std::path::PathBuf,
    ) -> Result<Outcome> {
        tokio::select! {
            biased;
            signal = self.signals.recv() => return Ok(Outcome::Signal(signal)),
            started = ready => if started.is_err() {
                return Ok(Outcome::UpsmonStopped("upsd did not start".to_owned()));
            },
        }
        let mut reader = StatusReader {
            port: self.port,
            client: None,
        };
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        let first = loop {
            tokio::select! {
                biased;
                signal = self.signals.recv() => return Ok(Outcome::Signal(signal)),
                reading = reader.read() => match reading {
                    // upsd says WAIT until the driver's first dump.
                    Some(reading) if reading.status != WAITING_STATUS => break reading,
                    _ => {}
                },
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::fatal(format!(
                    "the simulated UPS showed no status within {START_TIMEOUT:?}"
                )));
            }
            tokio::time::sleep(STATUS_PERIOD).await;
        };
        write_ignoring_errors(&mut std::io::stdout(), &self.header);
        self.print("status", &first.line());
        let mut last = first;
        let (outputs_tx, mut outputs) = mpsc::unbounded_channel();
        let upsmon = run_embedded(
            config,
            conf_path,
            Family::Any,
            self.upsmon_logger.clone(),
            outputs_tx,
        );
        tokio::pin!(upsmon);
        self.print(
            "upsmon",
            &format!(
                "started: primary of {UPS_NAME}@127.0.0.1:{}, polling every second",
                self.port
            ),
        );
        let mut ticker = tokio::time::interval(STATUS_PERIOD);
        let mut upsmon_running = true;
        let mut decision = Decision::default();
        loop {
            tokio::select! {
                biased;
                signal = self.signals.recv() => {
                    return Ok(if decision.command.is_some() {
                        Outcome::Decided {
                            stopped_by: Some(signal),
                        }
                    } else {
                        Outcome::Signal(signal)
                    });
                }
                Some(output) = outputs.recv() => self.show(&output, &mut decision),
                ended = &mut upsmon, if upsmon_running => {
                    upsmon_running = false;
                    // Anything upsmon sent before it returned comes first.
                    while let Ok(output) = outputs.try_recv() {
                        self.show(&output, &mut decision);
                    }
                    if decision.command.is_none() {
                        return Ok(self.stopped_early(ended).await);
                    }
                    self.decided(&decision);
                    if !self.keep_serving {
                        return Ok(Outcome::Decided { stopped_by: None });
                    }
                }
                _ = ticker.tick() => {
                    if let Some(reading) = reader.read().await
                        && reading != last
                    {
                        self.print("status", &reading.line());
                        last = reading;
                    }
                }
            }
        }
    }

    /// Prints one output of upsmon and notes the decision's steps.
    fn show(&self, output: &Output, decision: &mut Decision) {
        match output {
            Output::Notify(n) if n.kind.name() == SHUTDOWN_NOTIFICATION => {
                decision.notified.get_or_insert_with(Instant::now);
            }
            Output::RunShutdownCmd { .. } => {
                decision.command.get_or_insert_with(Instant::now);
            }
            _ => {}
        }
        match output {
            Output::Notify(n) => {
                self.print("notify", &format!("{:<9} {}", n.kind.name(), n.message))
            }
            Output::RunShutdownCmd { command } => self.print(
                "upsmon",
                &format!("SHUTDOWNCMD would run now: {command}  (not run: this is a demo)"),
            ),
            Output::Wall(text) if self.verbose => {
                self.print("upsmon", &format!("wall: {text}  (not broadcast: demo)"));
            }
            Output::WritePowerdownFlag { path } => self.print(
                "upsmon",
                &format!("POWERDOWNFLAG {path}  (not written: demo)"),
            ),
            // upsmon's reasoning (info and up) tells the story.
            Output::Log { level, message }
                if self.verbose || *level != nut_monitor::LogLevel::Debug =>
            {
                self.print("upsmon", message);
            }
            _ => {}
        }
    }

    /// What upsmon's decision means, printed once it is over.
    fn decided(&self, decision: &Decision) {
        let since_start =
            |at: Option<Instant>| at.map_or(0.0, |t| t.duration_since(self.started).as_secs_f64());
        let next = if self.keep_serving {
            "upsd keeps serving the UPS (FSD stays set) until Ctrl-C."
        } else {
            "Stopping."
        };
        write_ignoring_errors(
            &mut std::io::stdout(),
            &format!(
                "\nnut demo: shutdown decision at {:.1} s (SHUTDOWN), SHUTDOWNCMD due at {:.1} s \
                 (FINALDELAY later).\nA real system would power off now; this demo ran no \
                 shutdown. {next}\n",
                since_start(decision.notified),
                since_start(decision.command),
            ),
        );
    }

    /// upsmon returned before deciding: a signal it saw first, or a failure.
    async fn stopped_early(
        &mut self,
        ended: std::result::Result<u8, nut_monitor::Error>,
    ) -> Outcome {
        let grace = tokio::time::sleep(SIGNAL_GRACE);
        tokio::select! {
            signal = self.signals.recv() => Outcome::Signal(signal),
            () = grace => Outcome::UpsmonStopped(match ended {
                Ok(code) => format!("upsmon stopped (exit {code}) before a shutdown decision"),
                Err(e) => format!("upsmon: {e}"),
            }),
        }
    }
}
