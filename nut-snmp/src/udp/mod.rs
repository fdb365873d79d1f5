//! SNMP over UDP (feature `udp`): a blocking v1/v2c/v3 [`Client`] that is
//! an [`crate::Agent`], and an agent [`sim::Simulator`] serving recordings
//! (v3 users included). v1/v2c messages are read with the `snmp2` crate;
//! SNMPv3's USM is in [`v3`], on RustCrypto primitives.

mod convert;
pub mod sim;
mod transport;
pub mod v3;

pub use sim::{Behaviour, Running, Simulator};
pub use transport::{Client, DEFAULT_PORT, MAX_WALK_VARBINDS, SnmpVersion, TransportConfig};
pub use v3::{AuthProtocol, PrivProtocol, SecurityLevel, V3Config};
