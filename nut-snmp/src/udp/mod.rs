//! SNMP over UDP (feature `udp`): a blocking v1/v2c [`Client`] that is an
//! [`crate::Agent`], and an agent [`sim::Simulator`] serving recordings.
//! Both use the `snmp2` crate for the SNMP message codec.

mod convert;
pub mod sim;
mod transport;

pub use sim::{Behaviour, Running, Simulator};
pub use transport::{Client, DEFAULT_PORT, MAX_WALK_VARBINDS, SnmpVersion, TransportConfig};
