//! `snmp-ups`, ours and NUT 2.8.0's, over SNMP agents on loopback:
//!
//! * [`oracle`]: real `/lib/nut/snmp-ups` and ours read the same agent —
//!   every corpus recording served by our simulator (and by snmpsim when
//!   installed), `nut sim snmp`'s built-in device through a status change,
//!   the shutdown sequence — and must publish the same variables, or a
//!   difference named with the reason ours is right;
//! * [`live`]: our driver serving its socket: commands, SETs, and an agent
//!   that dies and comes back (stale, then recovered);
//! * [`options`]: `mibs=--list`, NUT's fatal messages, `-h`;
//! * [`v3`]: SNMPv3 at every level, ours against v2c and against real
//!   snmp-ups, and refused start-ups (wrong password, unknown user).
//!
//! Real NUT missing: SKIPPED lines, or failures when env `CI` is set. The
//! corpus lives beside the repository (`../shared/corpus`).

mod live;
mod options;
mod oracle;
mod support;
mod v3;
