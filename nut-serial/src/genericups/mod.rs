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
//! The engine never touches a port or a clock. Drive it like this:
//!
//! ```no_run
//! use std::time::Instant;
//! use nut_serial::genericups::{Engine, Event, GenericConfig, ModemLines, run_actions};
//!
//! # fn open_port() -> Box<dyn ModemLines> { unimplemented!() }
//! # fn sleep_until(_: Instant) {}
//! let cfg = GenericConfig::from_options([("upstype", "1")])?;
//! let mut port = open_port();
//! let mut engine = Engine::new(cfg, Instant::now());
//! loop {
//!     run_actions(&mut engine, port.as_mut(), Instant::now())?;
//!     while let Some(event) = engine.poll_event() {
//!         if let Event::Status(status) = event { println!("ups.status: {status}"); }
//!     }
//!     let Some(deadline) = engine.poll_timeout() else { break };
//!     sleep_until(deadline);
//!     engine.handle_timeout(Instant::now());
//! }
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
