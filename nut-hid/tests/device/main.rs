//! The `usbhid-ups` driver core (Mapper + `UsbHidDriver` loop) against the
//! simulated HID device (`nut_hid::sim`), in simulated time: values,
//! interrupts, commands, options, unplug/replug delays (printed), and the
//! identity of units without serial numbers.
//!
//! Real descriptors are read from `<workspace root>/../shared/corpus/hid`;
//! without the corpus those tests print a SKIPPED line, or fail when env
//! `CI` is set. The synthetic-descriptor tests always run.

mod common;
mod corpus;
mod reconnect;
mod synthetic;
