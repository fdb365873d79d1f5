//! Integration tests of the contact-closure (genericups) driver core: every
//! upstype against the simulated UPS, the line overrides, the shutdown
//! sequence, properties over random line states, the behaviour of real
//! NUT 2.8.0 (recorded, and live when it is installed) and the
//! `serialport` adapter on a pseudo-terminal.

mod harness;
mod nut_behaviour;
mod oracle;
mod overrides;
mod properties;
mod pty;
mod shutdown;
mod types;
