//! SNMPv3 with the User-based Security Model: the message codec (RFC
//! 3412), the USM's keys, digests and privacy (RFC 3414, RFC 3826, RFC
//! 7860; AES-192/256 as net-snmp does them), the client's discovery and
//! time synchronisation, and the agent side the simulator serves with.
//!
//! Everything here is sans-IO: [`Session`] (client) and [`UsmAgent`]
//! (agent) take datagrams and an `Instant`; the UDP [`crate::udp::Client`]
//! and [`crate::udp::Simulator`] own the sockets.

mod agent;
pub mod message;
mod session;
mod user;
mod usm;

pub use agent::{DEFAULT_ENGINE_ID, UsmAgent, UsmStats};
pub use message::{DecodeError, Message, Pdu, ScopedData, ScopedPdu, UsmParams, is_v3};
pub use session::{Incoming, Outgoing, Session, TIME_WINDOW};
pub use user::V3Config;
pub use usm::{AuthProtocol, MIN_PASSWORD_LEN, PRIV_PARAMS_LEN, PrivProtocol, SecurityLevel};

#[cfg(test)]
mod tests;
