//! Network UPS Tools (NUT) wire formats and client.
//!
//! `nut-proto` is the shared vocabulary of the nut-rs workspace. It is not
//! affiliated with the NUT project; it speaks NUT's protocols so that real
//! NUT programs and these crates can talk to each other in both directions.
//!
//! # What is here
//!
//! * [`tokenizer`]: NUT's one grammar (`parseconf`) for config files, the
//!   network protocol and the driver socket, with [`tokenizer::quote`] to
//!   write values back.
//! * [`model`]: `ups.status` tokens ([`model::Status`]), variable types
//!   ([`model::VarType`]) and standard names.
//! * [`net`]: the network protocol 1.3 (RFC 9271) between clients and upsd,
//!   both directions: [`Request`], [`Reply`], LIST framing, [`ErrorCode`].
//! * [`sock`]: the driver state-socket protocol between drivers and upsd,
//!   both directions: [`DriverMessage`], [`ClientMessage`], [`Snapshot`].
//! * [`cnum`]: numbers read as NUT's C code reads them (`strtol`, `atoi`, `atol`, `strtod`, `atof`).
//! * [`client`]: a typed client over a sans-IO [`client::Session`], with a
//!   blocking adapter (feature `blocking`, on by default), a tokio adapter
//!   (feature `tokio`) and STARTTLS with rustls (features `tls`,
//!   `tokio-tls`).
//!
//! Everything that parses is sans-IO and bounded: it takes bytes, returns
//! typed values or a typed [`Error`], and never panics on bad input. NUT's
//! `ERR` answers are data ([`ErrorCode`]), carried in [`Error::Server`] by
//! the client.
//!
//! # Example: talking to upsd without a socket
//!
//! The client's core is a [`client::Session`] that turns requests into
//! bytes and bytes into typed responses, so the same logic runs under the
//! blocking and the tokio adapters (and in tests, as here):
//!
//! ```
//! use nut_proto::client::{Response, Session};
//! use nut_proto::net::{GetQuery, Reply, Request};
//!
//! let mut session = Session::new();
//! session.send(&Request::Get(GetQuery::Var { ups: "ups".into(), var: "ups.status".into() }));
//!
//! let mut wire = Vec::new();
//! assert!(session.poll_transmit(&mut wire));
//! assert_eq!(wire, b"GET VAR ups ups.status\n");
//!
//! // upsd answers; the bytes may arrive in any pieces.
//! session.handle_input(b"VAR ups ups.st");
//! session.handle_input(b"atus \"OB LB\"\n");
//! let Some(Ok(Response::Reply(Reply::Var { value, .. }))) = session.poll_response() else {
//!     panic!("expected a VAR reply");
//! };
//! let status: nut_proto::model::Status = value.parse().unwrap();
//! assert_eq!(status.to_string(), "OB LB");
//! ```
//!
//! With a real server, [`client::blocking::Client`] does the IO:
//!
//! ```no_run
//! # #[cfg(feature = "blocking")] {
//! use nut_proto::client::{blocking::Client, ConnectOptions, Target};
//!
//! let target = Target::parse("myups@localhost:3493")?;
//! let mut client = Client::connect_target(&target, &ConnectOptions::default())?;
//! println!("status: {}", client.get_var("myups", "ups.status")?);
//! # }
//! # Ok::<(), nut_proto::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod cnum;
pub mod error;
mod excerpt;
pub mod model;
pub mod net;
pub mod sock;
pub mod tokenizer;

pub use client::{ConnectOptions, Target};
pub use error::Error;
pub use net::{ErrorCode, ListItem, ListQuery, Reply, Request};
pub use sock::{ClientMessage, DriverMessage, Snapshot, TrackingResult};
