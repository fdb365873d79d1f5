//! A simulated Q* UPS behind a USB bridge: the wire-level
//! [`Simulator`] with the device side of a bridge's framing (qx-protocols
//! §3.3), on a simulated [`UsbBus`] that can be unplugged and replugged.
//!
//! Framings simulated ([`SIM_FRAMINGS`]): cypress and phoenix (8-byte
//! SET_REPORTs, 8-byte interrupt reads), ippon (SET_REPORTs with wValue
//! 2, one 64-byte interrupt read), and the string-descriptor units
//! krauler, fabula and hunnox (the command is the string index; the reply
//! is the descriptor text, `UPS No Ack` when the unit has nothing to say).
//!
//! This is an adapter (like [`crate::port::SimLink`]): it reads the clock
//! to advance the simulator.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::bus::{UsbBus, UsbDeviceInfo};
use super::{Bridge, EP_IN, SET_REPORT, SET_REPORT_TYPE, TransferError, UsbTransport};
use crate::sim::Simulator;
use crate::sim::megatec::MAX_REQUEST_LEN;

/// The bridges whose device side is simulated.
pub const SIM_FRAMINGS: [Bridge; 6] = [
    Bridge::Cypress,
    Bridge::Phoenix,
    Bridge::Ippon,
    Bridge::Krauler,
    Bridge::Fabula,
    Bridge::Hunnox,
];

/// What a string-descriptor unit answers when it has no reply.
const NO_ACK: &str = "UPS No Ack";
/// Longest text a string descriptor holds (bLength is one byte).
const MAX_STRING_CHARS: usize = 126;
/// Bytes of one cypress/phoenix interrupt report.
const CYPRESS_REPORT: usize = 8;
/// Bytes of one ippon interrupt report.
const IPPON_REPORT: usize = 64;

/// One simulated unit: the Q* simulator, its USB identity and framing,
/// and whether it is plugged in.
#[derive(Debug)]
pub struct SimUsbUps {
    /// The device behind the bridge; change its state at will.
    pub sim: Simulator,
    /// Ids, strings and location as enumeration shows them.
    pub info: UsbDeviceInfo,
    framing: Bridge,
    plugged: bool,
    /// Bumped at each unplug: handles opened before are dead.
    generation: u64,
    line: Vec<u8>,
    out: VecDeque<u8>,
}

impl SimUsbUps {
    /// A unit speaking `framing` (one of [`SIM_FRAMINGS`]); `None` for a
    /// bridge whose device side is not simulated.
    pub fn new(framing: Bridge, info: UsbDeviceInfo, sim: Simulator) -> Option<Self> {
        SIM_FRAMINGS.contains(&framing).then(|| Self {
            sim,
            info,
            framing,
            plugged: true,
            generation: 0,
            line: Vec::new(),
            out: VecDeque::new(),
        })
    }

    /// Ids and strings that NUT's VID:PID table maps to `framing` (bus 1,
    /// address 2, port 1); `None` outside [`SIM_FRAMINGS`].
    pub fn default_info(framing: Bridge) -> Option<UsbDeviceInfo> {
        let (vendor_id, product_id, manufacturer, product) = match framing {
            Bridge::Cypress => (0x0665, 0x5161, "Cypress Semiconductor", "USB to Serial"),
            Bridge::Phoenix => (0x06da, 0x0601, "Online", "Zinto A"),
            Bridge::Ippon => (0x06da, 0x0003, "Mustek", "Powermust"),
            Bridge::Krauler => (0x0001, 0x0000, "KRAULER", "UP-M500VA"),
            Bridge::Fabula => (0x0001, 0x0000, "MEC", "MEC0003"),
            Bridge::Hunnox => (0x0001, 0x0000, "HUNNOX", "MEC0003"),
            _ => return None,
        };
        Some(UsbDeviceInfo {
            vendor_id,
            product_id,
            manufacturer: Some(manufacturer.to_owned()),
            product: Some(product.to_owned()),
            serial: None,
            bus: 1,
            address: 2,
            ports: vec![1],
        })
    }

    /// The framing spoken.
    pub fn framing(&self) -> Bridge {
        self.framing
    }

    /// Whether the unit is plugged in.
    pub fn is_plugged(&self) -> bool {
        self.plugged
    }

    /// Pulls the cable: open handles fail with `NoDevice`, enumeration no
    /// longer lists the unit.
    pub fn unplug(&mut self) {
        if self.plugged {
            self.plugged = false;
            self.generation += 1;
            self.line.clear();
            self.out.clear();
        }
    }

    /// Plugs the cable back in: the unit enumerates at a new address.
    pub fn replug(&mut self) {
        if !self.plugged {
            self.plugged = true;
            self.info.address = self.info.address.wrapping_add(1).max(1);
        }
    }

    /// One request line (without CR) to the simulator; its reply queued.
    fn request(&mut self, request: &[u8]) {
        if let Some(reply) = self.sim.respond(Instant::now(), request) {
            self.out.extend(reply);
        }
    }

    /// Bytes written through SET_REPORTs: up to the first NUL, lines ended
    /// by CR are requests.
    fn write_line(&mut self, data: &[u8]) {
        for &b in data.iter().take_while(|&&b| b != 0) {
            if b == b'\r' {
                let line = std::mem::take(&mut self.line);
                self.request(&line);
            } else if self.line.len() < MAX_REQUEST_LEN {
                self.line.push(b);
            }
        }
    }

    /// The request a string index stands for in this framing.
    fn string_request(&self, index: u8) -> Option<String> {
        let fixed = match (self.framing, index) {
            (Bridge::Krauler | Bridge::Fabula | Bridge::Hunnox, 0x03) => "Q1",
            (Bridge::Krauler | Bridge::Fabula | Bridge::Hunnox, 0x0D) => "F",
            (Bridge::Krauler | Bridge::Fabula | Bridge::Hunnox, 0x0C) => "I",
            (Bridge::Krauler | Bridge::Fabula | Bridge::Hunnox, 0x07) => "Q",
            (Bridge::Krauler, 0x04) => "T",
            (Bridge::Krauler, 0x05) => "TL",
            (Bridge::Krauler, 0x0B) | (Bridge::Fabula | Bridge::Hunnox, 0x0A) => "C",
            (Bridge::Hunnox, 0xF3) => "BL",
            (Bridge::Fabula | Bridge::Hunnox, i) if i >= 0x10 && i & 0x07 == 0 => {
                return Some(fabula_shutdown(i));
            }
            _ => return None,
        };
        Some(fixed.to_owned())
    }

    /// The text of string `index`: the identity strings, or the reply to
    /// the request the index stands for.
    fn string_text(&mut self, index: u8) -> Option<String> {
        match index {
            1 => return self.info.manufacturer.clone(),
            2 => return self.info.product.clone(),
            _ => {}
        }
        let request = self.string_request(index)?;
        let reply = self.sim.respond(Instant::now(), request.as_bytes());
        Some(match reply {
            Some(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
            _ => NO_ACK.to_owned(),
        })
    }

    fn transfer<T>(
        &mut self,
        generation: u64,
        f: impl FnOnce(&mut Self) -> Result<T, TransferError>,
    ) -> Result<T, TransferError> {
        if !self.plugged || generation != self.generation {
            return Err(TransferError::NoDevice);
        }
        f(self)
    }
}

/// The `S<n>[R0000]` request a fabula/hunnox shutdown index encodes
/// (the inverse of [`super::fabula_shutdown_index`]; the restart delay
/// itself is not transmitted).
fn fabula_shutdown(index: u8) -> String {
    let step = index >> 4;
    let delay = if step <= 5 {
        format!(".{}", step + 4)
    } else {
        format!("{:02}", step - 5)
    };
    let stay_off = index & 0x08 == 0;
    format!("S{delay}{}", if stay_off { "R0000" } else { "" })
}

/// A raw string descriptor holding `text` (UTF-16LE, at most
/// [`MAX_STRING_CHARS`] characters).
fn descriptor(text: &str) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().take(MAX_STRING_CHARS).collect();
    let mut raw = Vec::with_capacity(2 + units.len() * 2);
    raw.push(0);
    raw.push(3);
    for unit in units {
        raw.extend(unit.to_le_bytes());
    }
    raw[0] = u8::try_from(raw.len()).unwrap_or(u8::MAX);
    raw
}

/// A handle on a simulated unit shared with whoever changes it.
pub type SharedUnit = Arc<Mutex<SimUsbUps>>;

fn lock(unit: &SharedUnit) -> MutexGuard<'_, SimUsbUps> {
    unit.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A simulated bus of Q* units (clones share the units).
#[derive(Debug, Clone, Default)]
pub struct SimUsbBus {
    units: Vec<SharedUnit>,
}

impl SimUsbBus {
    /// A bus with `units` on it, in enumeration order.
    pub fn new(units: Vec<SharedUnit>) -> Self {
        Self { units }
    }

    /// The units (to change their state, unplug them, …).
    pub fn units(&self) -> &[SharedUnit] {
        &self.units
    }
}

impl UsbBus for SimUsbBus {
    type Transport = SimUsbTransport;

    fn devices(&mut self) -> Result<Vec<UsbDeviceInfo>, TransferError> {
        Ok(self
            .units
            .iter()
            .map(lock)
            .filter(|u| u.plugged)
            .map(|u| u.info.clone())
            .collect())
    }

    fn open(&mut self, device: &UsbDeviceInfo) -> Result<SimUsbTransport, TransferError> {
        for unit in &self.units {
            let mut u = lock(unit);
            if u.plugged && u.info == *device {
                u.line.clear();
                u.out.clear();
                return Ok(SimUsbTransport {
                    unit: Arc::clone(unit),
                    generation: u.generation,
                });
            }
        }
        Err(TransferError::NoDevice)
    }
}

/// An opened simulated unit.
#[derive(Debug)]
pub struct SimUsbTransport {
    unit: SharedUnit,
    generation: u64,
}

impl UsbTransport for SimUsbTransport {
    fn control_write(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        _index: u16,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, TransferError> {
        lock(&self.unit).transfer(self.generation, |u| {
            let wanted = match u.framing {
                Bridge::Cypress | Bridge::Phoenix => 0x0200,
                Bridge::Ippon => 0x0002,
                _ => return Err(TransferError::Pipe),
            };
            if request_type != SET_REPORT_TYPE || request != SET_REPORT || value != wanted {
                return Err(TransferError::Pipe);
            }
            u.write_line(data);
            Ok(data.len())
        })
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
        lock(&self.unit).transfer(self.generation, |_| Err(TransferError::Pipe))
    }

    fn interrupt_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, TransferError> {
        lock(&self.unit).transfer(self.generation, |u| {
            let report = match u.framing {
                Bridge::Cypress | Bridge::Phoenix => CYPRESS_REPORT,
                Bridge::Ippon => IPPON_REPORT,
                _ => return Err(TransferError::Timeout),
            };
            if endpoint != EP_IN || u.out.is_empty() {
                // Nothing to send: the host's read times out.
                return Err(TransferError::Timeout);
            }
            let n = report.min(buf.len());
            for slot in buf.iter_mut().take(n) {
                *slot = u.out.pop_front().unwrap_or(0);
            }
            Ok(n)
        })
    }

    fn get_string_descriptor(
        &mut self,
        index: u8,
        _langid: u16,
        buf: &mut [u8],
    ) -> Result<usize, TransferError> {
        lock(&self.unit).transfer(self.generation, |u| {
            let raw = if index == 0 {
                // The language list: en-US.
                vec![4, 3, 0x09, 0x04]
            } else {
                descriptor(&u.string_text(index).ok_or(TransferError::Pipe)?)
            };
            let n = raw.len().min(buf.len());
            buf[..n].copy_from_slice(&raw[..n]);
            Ok(n)
        })
    }

    fn clear_halt(&mut self, _endpoint: u8) -> Result<(), TransferError> {
        lock(&self.unit).transfer(self.generation, |_| Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::Protocol;
    use crate::qx::usb::{BridgeOptions, UsbBridge, fabula_shutdown_index, select};
    use crate::sim::DeviceState;

    fn bus_with(framing: Bridge, protocol: Protocol) -> (SimUsbBus, SharedUnit) {
        let info = SimUsbUps::default_info(framing).expect("simulated framing");
        let sim = Simulator::new(protocol, DeviceState::default());
        let unit = Arc::new(Mutex::new(
            SimUsbUps::new(framing, info, sim).expect("simulated framing"),
        ));
        (SimUsbBus::new(vec![Arc::clone(&unit)]), unit)
    }

    #[test]
    fn default_ids_select_their_own_bridge() {
        for framing in SIM_FRAMINGS {
            let info = SimUsbUps::default_info(framing).unwrap();
            let picked = select(
                info.vendor_id,
                info.product_id,
                info.manufacturer.as_deref(),
                info.product.as_deref(),
            );
            assert_eq!(picked, Some(framing), "{framing}");
        }
        assert!(SimUsbUps::default_info(Bridge::Sgs).is_none());
    }

    #[test]
    fn every_framing_answers_q1_through_its_bridge() {
        for framing in SIM_FRAMINGS {
            let protocol = if framing == Bridge::Hunnox {
                Protocol::Hunnox
            } else {
                Protocol::Megatec
            };
            let (mut bus, _unit) = bus_with(framing, protocol);
            let devices = bus.devices().unwrap();
            let mut t = bus.open(&devices[0]).unwrap();
            let mut bridge = UsbBridge::new(framing, BridgeOptions::default());
            let reply = bridge.exchange(&mut t, b"Q1\r").unwrap();
            assert!(reply.starts_with(b"(230.0"), "{framing}: {reply:?}");
            assert!(reply.contains(&b'\r'), "{framing}: {reply:?}");
            let f = bridge.exchange(&mut t, b"F\r").unwrap();
            assert!(f.starts_with(b"#"), "{framing}: {f:?}");
        }
    }

    #[test]
    fn hunnox_framing_answers_bl_padded() {
        let (mut bus, unit) = bus_with(Bridge::Hunnox, Protocol::Hunnox);
        lock(&unit).sim.state.battery_charge = Some(50.0);
        let devices = bus.devices().unwrap();
        let mut t = bus.open(&devices[0]).unwrap();
        let mut bridge = UsbBridge::new(Bridge::Hunnox, BridgeOptions::default());
        assert_eq!(bridge.exchange(&mut t, b"BL\r").unwrap(), b"BL050\r");
    }

    #[test]
    fn silence_is_no_ack_and_commands_reach_the_unit() {
        let (mut bus, unit) = bus_with(Bridge::Fabula, Protocol::Megatec);
        let devices = bus.devices().unwrap();
        let mut t = bus.open(&devices[0]).unwrap();
        let mut bridge = UsbBridge::new(Bridge::Fabula, BridgeOptions::default());
        // `Q` (beeper toggle) is silent on a Megatec unit: no reply.
        assert_eq!(bridge.exchange(&mut t, b"Q\r").unwrap(), b"");
        assert_eq!(bridge.exchange(&mut t, b"S.5R0000\r").unwrap(), b"");
        let received = lock(&unit).sim.received().to_vec();
        assert!(received.iter().any(|r| r == b"Q"), "{received:?}");
        assert!(received.iter().any(|r| r == b"S.5R0000"), "{received:?}");
    }

    #[test]
    fn shutdown_indices_decode_back_to_their_requests() {
        for command in [
            &b"S.5R0000\r"[..],
            b"S.7R0000\r",
            b"S03R0000\r",
            b"S10R0000\r",
        ] {
            let index = fabula_shutdown_index(command).unwrap();
            let text = fabula_shutdown(index);
            assert_eq!(format!("{text}\r").as_bytes(), command);
        }
        let ret = fabula_shutdown_index(b"S.5R0003\r").unwrap();
        assert_eq!(fabula_shutdown(ret), "S.5");
        let ret = fabula_shutdown_index(b"S03\r").unwrap();
        assert_eq!(fabula_shutdown(ret), "S03");
    }

    #[test]
    fn unplug_kills_open_handles_and_replug_moves_the_address() {
        let (mut bus, unit) = bus_with(Bridge::Cypress, Protocol::Megatec);
        let before = bus.devices().unwrap().remove(0);
        let mut t = bus.open(&before).unwrap();
        lock(&unit).unplug();
        let mut bridge = UsbBridge::new(Bridge::Cypress, BridgeOptions::default());
        assert_eq!(
            bridge.exchange(&mut t, b"Q1\r"),
            Err(TransferError::NoDevice)
        );
        assert!(bus.devices().unwrap().is_empty());
        assert_eq!(bus.open(&before).err(), Some(TransferError::NoDevice));
        lock(&unit).replug();
        let after = bus.devices().unwrap().remove(0);
        assert_ne!(after.address, before.address);
        assert!(after.same_unit(&before));
        // The old handle stays dead; a new one works.
        assert_eq!(
            bridge.exchange(&mut t, b"Q1\r"),
            Err(TransferError::NoDevice)
        );
        let mut t = bus.open(&after).unwrap();
        assert!(bridge.exchange(&mut t, b"Q1\r").unwrap().starts_with(b"("));
    }

    #[test]
    fn descriptors_are_bounded() {
        let long = "x".repeat(MAX_STRING_CHARS + 1);
        let raw = descriptor(&long);
        assert_eq!(raw.len(), 2 + 2 * MAX_STRING_CHARS);
        assert_eq!(usize::from(raw[0]), raw.len());
        let raw = descriptor(&long[..MAX_STRING_CHARS]);
        assert_eq!(raw.len(), 2 + 2 * MAX_STRING_CHARS);
    }
}
