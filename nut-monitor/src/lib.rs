//! upsmon's shutdown policy, its configuration, and a scenario replayer.
//!
//! * [`config`]: `upsmon.conf` with NUT's defaults, validation and messages.
//! * [`Engine`]: the policy as a pure, clock-driven state machine (style
//!   Rule 5): `handle_*` inputs with `now`, [`Output`]s drained with
//!   [`Engine::poll_output`], the next wake-up from [`Engine::poll_timeout`].
//! * [`notify`]: the 31 notification types, stock messages and flags.
//! * [`replay`]: runs an engine against timed statuses on a virtual clock
//!   and returns the timeline of its actions (`upsmon --simulate`).
//! * [`upssched`]: `upssched.conf` and its sans-IO timer table.
//! * `runtime` (feature `runtime`): the upsmon and upssched programs around
//!   these cores: tokio, the upsd client, processes, signals, files.
//!
//! Outside `runtime`, nothing here touches the network, files, processes or
//! the clock; the runtime wires these pieces to the `nut-proto` client.
//!
//! # Example: a dry run of an outage
//!
//! ```
//! use std::time::Instant;
//! use nut_monitor::{config, replay::{replay, Scenario}};
//!
//! let conf = b"MONITOR ups@localhost 1 monuser secret primary\n\
//!              POLLFREQ 5\nFINALDELAY 5\nSHUTDOWNCMD \"/sbin/shutdown -h now\"\n";
//! let parsed = config::parse(conf, "upsmon.conf")?;
//! assert!(parsed.diagnostics.is_empty());
//!
//! // The UPS goes on battery at 10 s, its battery runs low at 60 s.
//! let scenario = Scenario::parse(b"10 status ups@localhost OB\n60 status ups@localhost \"OB LB\"\nend 120\n")?;
//! let timeline = replay(parsed.config, &scenario, Instant::now())?;
//!
//! let kinds: Vec<_> = timeline.notifications().into_iter().map(|(_, kind)| kind).collect();
//! // As in NUT 2.8.0, a primary is not notified of the FSD it sets itself.
//! assert_eq!(kinds, ["ONBATT", "LOWBATT", "SHUTDOWN"]);
//! // The shutdown command runs FINALDELAY after the decision.
//! let decided = timeline.shutdown_decision().expect("shut down");
//! let ran = timeline.shutdown_command().expect("command ran");
//! assert_eq!((ran - decided).as_secs(), 5);
//! # Ok::<(), nut_monitor::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod engine;
mod error;
pub mod notify;
pub mod replay;
#[cfg(feature = "runtime")]
pub mod runtime;
pub mod upssched;

pub use engine::{
    CLOCK_JUMP_TOLERANCE, Engine, LogLevel, MAX_STATUS_LEN, MIN_POLL_INTERVAL, Output,
    POWERDOWN_MAGIC, PollResult, REPLY_TIMEOUT, Request, SYNC_POLL_PERIOD, UpsId,
};
pub use error::Error;
