//! apcsmart and genericups, our binaries and in-process drivers, against
//! our simulators and (where installed) Debian's NUT 2.8.0 drivers.

mod apcsmart;
mod genericups;
mod lab;
