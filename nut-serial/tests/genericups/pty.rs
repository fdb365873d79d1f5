//! The `serialport` adapter on a pseudo-terminal: like NUT's genericups
//! (`TIOCMSET: Inappropriate ioctl for device`), it cannot work there,
//! and says so instead of reading made-up lines.

#![cfg(feature = "pty")]

use std::time::Instant;

use nut_serial::Error;
use nut_serial::genericups::{Engine, GenericConfig, ModemLines, run_actions};
use serialport::{SerialPort, TTYPort};

#[test]
fn a_pty_has_no_modem_lines() {
    let (_master, mut slave) = TTYPort::pair().expect("a pseudo-terminal");
    match slave.read_inputs() {
        Err(Error::Transport(message)) => {
            assert!(message.starts_with("reading CTS: "), "{message}");
        }
        other => panic!("a pty reported modem lines: {other:?}"),
    }
    let boxed: Box<dyn SerialPort> = Box::new(slave);
    let mut boxed = boxed;
    assert!(matches!(boxed.read_dcd(), Err(Error::Transport(m)) if m.starts_with("reading DCD: ")));
}

#[test]
fn the_driver_stops_at_cable_power_on_a_pty() {
    let (_master, mut slave) = TTYPort::pair().expect("a pseudo-terminal");
    let now = Instant::now();
    let mut engine = Engine::new(GenericConfig::new(1).unwrap(), now);
    let error = run_actions(&mut engine, &mut slave, now).unwrap_err();
    assert!(error.to_string().contains("setting DTR"), "{error}");
    assert!(engine.status().is_none());
}
