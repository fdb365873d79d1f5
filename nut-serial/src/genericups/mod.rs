//! Contact-closure UPSes ("genericups"), sans-IO.
//!
//! A contact-closure UPS has no protocol: it holds RS-232 input lines high
//! or low to say "on line" and "battery low", takes its cable power from
//! the computer's output lines, and shuts down when those lines change or a
//! break arrives. Which line means what depends on the cable: NUT's
//! genericups knows 24 cables ([`table::UPS_TYPES`], ups.conf `upstype`)
//! and lets ups.conf override each line ([`config`]).
//!
//! * [`lines`]: the lines, the conditions read from them and the
//!   `ups.status` they give ([`LineMap::status`]);
//! * [`table`]: the 24 upstypes;
//! * [`config`]: the options, overrides resolved;
//! * [`engine`]: the driver engine (polling, staleness, shutdown);
//! * [`modem`]: the [`ModemLines`] trait over a real port (`serialport`)
//!   and [`run_actions`], which carries the engine's actions out on one;
//! * [`sim`]: a simulated contact-closure UPS behind [`ModemLines`]
//!   (pseudo-terminals have no modem-control lines).
//!
//! The engine never touches a port or a clock. Drive it like this (here
//! against the simulated UPS; a driver passes its serial port instead, and
//! sleeps until `engine.poll_timeout()` between rounds):
//!
//! ```
//! use std::time::{Duration, Instant};
//! use nut_serial::genericups::{
//!     Engine, Event, GenericConfig, run_actions, sim::ContactClosureUps, table::UpsType,
//! };
//!
//! let cfg = GenericConfig::from_options([("upstype", "1")])?;
//! let mut ups = ContactClosureUps::of_type(UpsType::get(1).expect("type 1 exists"));
//! let start = Instant::now();
//! let mut engine = Engine::new(cfg, start);
//! let mut last = None;
//! for round in 0..6u32 {
//!     let now = start + Duration::from_secs(2 * u64::from(round));
//!     if round == 3 {
//!         ups.set_line_power(false); // the power fails
//!     }
//!     engine.handle_timeout(now);
//!     run_actions(&mut engine, &mut ups, now)?;
//!     while let Some(event) = engine.poll_event() {
//!         if let Event::Status(status) = event {
//!             last = Some(status.to_string());
//!         }
//!     }
//! }
//! assert_eq!(last.as_deref(), Some("OB"));
//! # Ok::<(), nut_serial::Error>(())
//! ```

pub mod config;
pub mod engine;
pub mod lines;
pub mod modem;
pub mod sim;
pub mod table;

pub use config::GenericConfig;
pub use engine::{Engine, Event, LineAction, LogLevel};
pub use lines::{InputLine, InputLines, InputSignal, LineMap, OutputSignal};
pub use modem::{ModemLines, run_actions};
pub use sim::{ContactClosureUps, ContactState};
pub use table::{UPS_TYPES, UpsType};
