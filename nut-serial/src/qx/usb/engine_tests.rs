//! The engine driving a simulated UPS through a bridge, end to end.

use std::collections::VecDeque;
use std::time::Duration;

use super::*;

/// A simulated Megatec UPS behind a cypress bridge: the engine probes,
/// polls and sends commands through the bridge.
#[test]
fn engine_drives_a_simulated_ups_through_the_cypress_bridge() {
    use std::time::Instant;

    use crate::qx::{Engine, Event, QxConfig};
    use crate::sim::{DeviceState, Simulator};

    /// The cypress wire of a simulated UPS.
    struct CypressUps {
        sim: Simulator,
        line: Vec<u8>,
        out: VecDeque<u8>,
        now: Instant,
    }
    impl UsbTransport for CypressUps {
        fn control_write(
            &mut self,
            _: u8,
            _: u8,
            _: u16,
            _: u16,
            data: &[u8],
            _: Duration,
        ) -> Result<usize, TransferError> {
            for &b in data.iter().take_while(|&&b| b != 0) {
                self.line.push(b);
                if b == b'\r' {
                    let request = std::mem::take(&mut self.line);
                    let text = &request[..request.len() - 1];
                    if let Some(reply) = self.sim.respond(self.now, text) {
                        self.out.extend(reply);
                    }
                }
            }
            Ok(data.len())
        }
        fn control_read(
            &mut self,
            _: u8,
            _: u8,
            _: u16,
            _: u16,
            _: &mut [u8],
            _: Duration,
        ) -> Result<usize, TransferError> {
            Err(TransferError::NotSupported)
        }
        fn interrupt_read(
            &mut self,
            _: u8,
            buf: &mut [u8],
            _: Duration,
        ) -> Result<usize, TransferError> {
            if self.out.is_empty() {
                return Err(TransferError::Timeout);
            }
            let n = buf.len().min(8);
            for slot in buf.iter_mut().take(n) {
                *slot = self.out.pop_front().unwrap_or(0);
            }
            Ok(n)
        }
        fn get_string_descriptor(
            &mut self,
            _: u8,
            _: u16,
            _: &mut [u8],
        ) -> Result<usize, TransferError> {
            Err(TransferError::NotFound)
        }
    }

    let t0 = Instant::now();
    let mut ups = CypressUps {
        sim: Simulator::new(crate::qx::Protocol::Megatec, DeviceState::default()),
        line: Vec::new(),
        out: VecDeque::new(),
        now: t0,
    };
    let cfg = QxConfig {
        usb_ids: Some((0x0665, 0x5161)),
        ..QxConfig::default()
    };
    let mut engine = Engine::new(cfg, t0);
    let mut bridge = UsbBridge::new(
        select(0x0665, 0x5161, None, None).unwrap(),
        BridgeOptions::default(),
    );
    let mut now = t0;
    let mut events = Vec::new();
    for _ in 0..400 {
        let mut out = Vec::new();
        if engine.poll_transmit(&mut out) {
            ups.now = now;
            match bridge.exchange(&mut ups, &out) {
                Ok(reply) => engine.handle_reply(now, &reply),
                Err(_) => {
                    now += Duration::from_secs(1);
                    engine.handle_timeout(now);
                }
            }
        } else if let Some(deadline) = engine.poll_timeout() {
            now = now.max(deadline);
            engine.handle_timeout(now);
        }
        events.extend(std::iter::from_fn(|| engine.poll_event()));
    }
    assert!(events.contains(&Event::Detected {
        protocol: crate::qx::Protocol::Megatec
    }));
    assert_eq!(
        engine.vars().get("ups.status").map(String::as_str),
        Some("OL")
    );
    assert_eq!(
        engine.vars().get("ups.vendorid").map(String::as_str),
        Some("0665")
    );
    assert_eq!(
        engine.vars().get("input.voltage").map(String::as_str),
        Some("230.0")
    );
}

/// A bridge's reply is judged at once, CR or not (hunnox and snr append
/// none): a reply cut short fails now, not at the deadline; padding after
/// the CR is dropped.
#[test]
fn bridge_replies_are_judged_at_once() {
    use std::time::Instant;

    use crate::qx::{Engine, Event, Protocol, QxConfig};

    let t0 = Instant::now();
    let cfg = QxConfig {
        protocol: Some(Protocol::Q1),
        ..QxConfig::default()
    };
    let mut engine = Engine::new(cfg, t0);
    let mut out = Vec::new();
    assert!(engine.poll_transmit(&mut out));
    // 46 bytes without the CR: shorter than NUT's 47, refused at once and
    // the claim's next attempt goes out.
    engine.handle_reply(t0, b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000");
    out.clear();
    assert!(engine.poll_transmit(&mut out));
    assert_eq!(out, b"Q1\r");
    engine.handle_reply(t0, b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r\0\0");
    let events: Vec<Event> = std::iter::from_fn(|| engine.poll_event()).collect();
    assert!(events.contains(&Event::Detected {
        protocol: Protocol::Q1
    }));
    assert_eq!(
        engine.vars().get("input.voltage").map(String::as_str),
        Some("215.0")
    );
}
