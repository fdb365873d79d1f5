//! netxml-ups: Eaton / MGE network cards that speak NetXML over HTTP(S)
//! (feature `netxml`).
//!
//! Layers, from the wire up:
//!
//! * [`xml`]: a small bounded XML reader (no DOCTYPE, no entities beyond
//!   the predefined ones);
//! * [`document`]: the NetXML pages as typed values;
//! * [`map`] (rows in [`table`]) and [`convert`]: netxml-ups's object →
//!   variable table and its conversions;
//! * [`session`]: the sans-IO driver core (URLs learned, variables,
//!   status bits, `ups.status` / `ups.alarm`, sets and shutdown as
//!   [`request::HttpRequest`]s);
//! * [`options`]: NUT's options (and ours for certificate pinning);
//! * [`http`]: the HTTP(S) transport over `reqwest` and rustls (ring),
//!   and [`alarm`], the alarm subscription channel;
//! * [`device`] and [`sim`]: a simulated card and an HTTP/1.1 server
//!   serving it.
//!
//! ```
//! use nut_snmp::netxml::{device::Device, options::Options, session::Session};
//!
//! let device = Device::ups();
//! let mut session = Session::new(Options::with_url("http://card"));
//! session.handle_product("/mgeups/product.xml", device.product_page().as_bytes())?;
//! session.handle_document(device.summary_page().as_bytes())?;
//! assert_eq!(session.status(), ["OL", "CHRG"]);
//! assert_eq!(session.get("battery.charge"), Some("100"));
//! # Ok::<(), nut_snmp::Error>(())
//! ```

pub mod alarm;
pub mod convert;
pub mod device;
pub mod document;
pub mod http;
pub mod map;
pub mod options;
pub mod request;
pub mod session;
pub mod sim;
pub mod table;
pub mod xml;

pub use options::Options;
pub use session::Session;
