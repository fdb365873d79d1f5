//! The simulator on one side of a pseudo-terminal pair, our engine on the
//! other, over real file descriptors and real time.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use nut_serial::qx::{Engine, Event, Protocol, QxConfig};
use nut_serial::sim::pty::PtySim;
use nut_serial::sim::{DeviceState, Simulator};
use serialport::SerialPort;

#[test]
fn engine_reads_the_simulator_over_a_pty() {
    let sim = Simulator::new(Protocol::Megatec, DeviceState::default());
    let (server, mut port) = PtySim::spawn(sim).expect("pty pair");
    assert!(server.path().is_some_and(|p| p.starts_with("/dev/")));
    port.set_timeout(Duration::from_millis(20)).unwrap();
    let cfg = QxConfig {
        protocol: Some(Protocol::Megatec),
        pollinterval: Duration::from_millis(200),
        ..QxConfig::default()
    };
    let mut engine = Engine::new(cfg, Instant::now());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut saw_ob = false;
    let mut failed_line = false;
    let mut buf = [0u8; 256];
    while Instant::now() < deadline && !saw_ob {
        let mut out = Vec::new();
        while engine.poll_transmit(&mut out) {
            port.write_all(&out).unwrap();
            out.clear();
        }
        while let Some(event) = engine.poll_event() {
            match event {
                Event::Fatal(e) => panic!("{e}"),
                Event::PollOk { .. } if !failed_line => {
                    assert_eq!(engine.vars()["ups.status"], "OL");
                    assert_eq!(engine.vars()["input.voltage"], "230.0");
                    server.simulator().lock().unwrap().state.fail_line();
                    failed_line = true;
                }
                Event::Status(s) if s.to_string() == "OB" => saw_ob = true,
                _ => {}
            }
        }
        match port.read(&mut buf) {
            Ok(n) => engine.handle_input(Instant::now(), &buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                engine.handle_timeout(Instant::now());
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(saw_ob, "status never went OB over the pty");
    server.stop().unwrap();
}
