//! The APC simulator on one side of a pseudo-terminal pair, our apcsmart
//! engine on the other, over real file descriptors and real time: the
//! line-failure alert must reach the engine without waiting for a poll.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use nut_serial::apc::{Alert, ApcConfig, Engine, Event};
use nut_serial::sim::apc::{Simulator, UnitState};
use nut_serial::sim::pty::PtySim;
use serialport::SerialPort;

#[test]
fn engine_reads_the_apc_simulator_over_a_pty() {
    let (server, mut port) = PtySim::spawn(Simulator::new(UnitState::default())).expect("pty pair");
    port.set_timeout(Duration::from_millis(20)).unwrap();
    let cfg = ApcConfig {
        // long enough that only the alert can explain a quick OB
        pollinterval: Duration::from_secs(30),
        ..ApcConfig::default()
    };
    let mut engine = Engine::new(cfg, Instant::now());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut failed_at = None;
    let mut saw_alert = false;
    let mut buf = [0u8; 256];
    while Instant::now() < deadline {
        let mut out = Vec::new();
        while engine.poll_transmit(&mut out) {
            port.write_all(&out).unwrap();
            out.clear();
        }
        while let Some(event) = engine.poll_event() {
            match event {
                Event::Fatal(e) => panic!("{e}"),
                Event::PollOk { .. } if failed_at.is_none() => {
                    assert_eq!(engine.vars()["ups.status"], "OL");
                    assert_eq!(engine.vars()["input.voltage"], "229.4");
                    server.simulator().lock().unwrap().state.fail_line();
                    failed_at = Some(Instant::now());
                }
                Event::Alert(Alert::OnBattery) => saw_alert = true,
                _ => {}
            }
        }
        if saw_alert && engine.vars().get("ups.status").map(String::as_str) == Some("OB") {
            break;
        }
        match port.read(&mut buf) {
            Ok(n) => engine.handle_input(Instant::now(), &buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                engine.handle_timeout(Instant::now());
            }
            Err(e) => panic!("{e}"),
        }
    }
    let failed_at = failed_at.expect("the engine never finished a poll");
    assert!(saw_alert, "no '!' alert over the pty");
    assert_eq!(engine.vars()["ups.status"], "OB");
    assert!(
        failed_at.elapsed() < Duration::from_secs(5),
        "OB came from a poll, not the alert"
    );
    server.stop().unwrap();
}
