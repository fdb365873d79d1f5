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
//!
//! Nothing here touches the network, files, processes or the clock; the
//! upsmon runtime wires these pieces to the `nut-proto` client.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod engine;
mod error;
pub mod notify;
pub mod replay;
pub mod upssched;

pub use engine::{
    CLOCK_JUMP_TOLERANCE, Engine, LogLevel, MAX_STATUS_LEN, MIN_POLL_INTERVAL, Output,
    POWERDOWN_MAGIC, PollResult, REPLY_TIMEOUT, Request, SYNC_POLL_PERIOD, UpsId,
};
pub use error::Error;
