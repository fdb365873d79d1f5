//! A simulated USB bus with HID UPSes on it, so that the whole driver,
//! reconnects included, runs where there is no USB (tests, `nut sim hid`).
//!
//! * [`SimDevice`]: one UPS, serving a real report descriptor (bytes given
//!   at run time) with report values from its state: set by HID path, by
//!   usage, by NUT variable through the subdriver's map
//!   ([`SimDevice::set_variable`]), or by status ([`SimStatus`]). It
//!   answers GET/SET_REPORT, records every SET_REPORT, and queues an
//!   interrupt report whenever an Input report changes.
//! * [`SimBus`]: the bus, shared by handle (clones see the same units).
//!   Units can be unplugged and plugged back on the same or another port,
//!   with or without their serial number; each plug re-enumerates with a
//!   new device address, as USB does. [`SimBus`] is a [`UsbBus`]; the
//!   [`SimTransport`] it opens is a [`Transport`] that answers
//!   [`TransportError::NoDevice`] once its unit is unplugged, even if the
//!   unit came back (a re-enumerated device needs a new handle).
//!
//! Nothing here knows about time: the simulation changes only when told.
//!
//! ```
//! use nut_hid::DeviceInfo;
//! use nut_hid::sim::{SimBus, SimDevice, SimStatus};
//! use nut_hid::transport::{OpenOptions, Transport, UsbBus};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let descriptor = [
//! #     0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0x09, 0x24, 0xa1, 0x00, 0x85, 0x0c, 0x05, 0x85,
//! #     0x09, 0x66, 0x15, 0x00, 0x25, 0x64, 0x75, 0x08, 0x95, 0x01, 0xb1, 0x02, 0xc0, 0xc0,
//! # ];
//! let info = DeviceInfo::new(0x051d, 0x0002).with_strings(Some("APC"), Some("Back-UPS"), None);
//! let mut device = SimDevice::new(&descriptor, info)?;
//! device.set_variable("battery.charge", 87.0);
//! let mut bus = SimBus::new();
//! let unit = bus.plug_new(device, 1, &[3]);
//! let found = bus.devices()?;
//! let mut transport = bus.open(&found[0], &OpenOptions::new())?;
//! assert_eq!(transport.get_feature_report(0x0c, 2)?, [0x0c, 87]);
//! bus.unplug(unit);
//! assert!(transport.get_feature_report(0x0c, 2).unwrap_err().is_gone());
//! # Ok(())
//! # }
//! ```

mod device;

pub use device::{
    MAX_QUEUED_INTERRUPTS, MAX_RECORDED_WRITES, PRODUCT_STRING, SERIAL_STRING, SimDevice,
    SimStatus, VENDOR_STRING,
};

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::transport::{OpenOptions, Transport, TransportError, UsbBus, UsbDevice, UsbLocation};
use crate::{CollectionKind, DescriptorWriter};

/// Most units one simulated bus holds.
pub const MAX_UNITS: usize = 127;

/// A unit on a [`SimBus`] (stays the same across unplug and replug).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SimUnit(usize);

#[derive(Debug)]
struct Slot {
    device: SimDevice,
    /// Where it is plugged in, `None` while unplugged.
    location: Option<UsbLocation>,
    /// Bumped at every unplug: handles of an older generation are dead.
    generation: u64,
    /// An open handle holds the interface.
    claimed: bool,
    /// When it was last plugged in (higher = later).
    plugged_at: u64,
    /// Every transfer fails with this (a flaky cable), until cleared.
    fault: Option<TransportError>,
}

#[derive(Debug, Default)]
struct World {
    slots: Vec<Slot>,
    next_address: u8,
    plugs: u64,
}

impl World {
    fn address(&mut self) -> u8 {
        // USB addresses are 1..=127, handed out in turn.
        self.next_address = self.next_address % 127 + 1;
        self.next_address
    }
}

/// A simulated USB bus. Cloning gives another handle on the same bus.
#[derive(Debug, Clone, Default)]
pub struct SimBus {
    world: Arc<Mutex<World>>,
}

impl SimBus {
    /// An empty bus.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Add a unit and plug it in at `bus` / `ports` (at most [`MAX_UNITS`];
    /// beyond that the device is dropped and the last unit returned).
    pub fn plug_new(&self, device: SimDevice, bus: u8, ports: &[u8]) -> SimUnit {
        let mut world = self.lock();
        if world.slots.len() >= MAX_UNITS {
            return SimUnit(MAX_UNITS - 1);
        }
        let address = world.address();
        world.plugs += 1;
        let plugged_at = world.plugs;
        world.slots.push(Slot {
            device,
            location: Some(UsbLocation::new(bus, address, ports)),
            generation: 0,
            claimed: false,
            plugged_at,
            fault: None,
        });
        SimUnit(world.slots.len() - 1)
    }

    /// Pull the cable: open handles die, the unit leaves the bus.
    pub fn unplug(&self, unit: SimUnit) {
        let mut world = self.lock();
        if let Some(slot) = world.slots.get_mut(unit.0) {
            slot.location = None;
            slot.generation += 1;
            slot.claimed = false;
        }
    }

    /// Plug the unit (back) in at `bus` / `ports`; it enumerates with a new
    /// address. Plugging a unit that is in moves it (an unplug first).
    pub fn plug(&self, unit: SimUnit, bus: u8, ports: &[u8]) {
        self.unplug(unit);
        let mut world = self.lock();
        let address = world.address();
        world.plugs += 1;
        let plugged_at = world.plugs;
        if let Some(slot) = world.slots.get_mut(unit.0) {
            slot.location = Some(UsbLocation::new(bus, address, ports));
            slot.plugged_at = plugged_at;
        }
    }

    /// Change a unit's state (values, status, strings) through `change`.
    /// `None` for an unknown unit.
    pub fn with_device<R>(
        &self,
        unit: SimUnit,
        change: impl FnOnce(&mut SimDevice) -> R,
    ) -> Option<R> {
        let mut world = self.lock();
        world
            .slots
            .get_mut(unit.0)
            .map(|slot| change(&mut slot.device))
    }

    /// Make every transfer of the unit fail with `fault` (`None` heals it).
    pub fn set_fault(&self, unit: SimUnit, fault: Option<TransportError>) {
        if let Some(slot) = self.lock().slots.get_mut(unit.0) {
            slot.fault = fault;
        }
    }

    /// Where the unit is plugged in now.
    #[must_use]
    pub fn location(&self, unit: SimUnit) -> Option<UsbLocation> {
        self.lock().slots.get(unit.0)?.location.clone()
    }

    /// True while an open handle holds the unit.
    #[must_use]
    pub fn is_claimed(&self, unit: SimUnit) -> bool {
        self.lock()
            .slots
            .get(unit.0)
            .is_some_and(|slot| slot.claimed)
    }

    fn listing(slot: &Slot) -> Option<UsbDevice> {
        Some(UsbDevice::new(
            slot.device.info().clone(),
            slot.location.clone()?,
        ))
    }
}

impl UsbBus for SimBus {
    type Transport = SimTransport;

    /// Most recently plugged first, as Linux libusb lists them: a unit
    /// that comes back is seen before its twin that never left.
    fn devices(&mut self) -> Result<Vec<UsbDevice>, TransportError> {
        let world = self.lock();
        let mut slots: Vec<&Slot> = world.slots.iter().collect();
        slots.sort_by_key(|slot| std::cmp::Reverse(slot.plugged_at));
        Ok(slots.into_iter().filter_map(Self::listing).collect())
    }

    fn open(
        &mut self,
        device: &UsbDevice,
        _options: &OpenOptions,
    ) -> Result<SimTransport, TransportError> {
        let mut world = self.lock();
        let (index, slot) = world
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, slot)| slot.location.as_ref() == Some(&device.location))
            .ok_or(TransportError::NoDevice)?;
        if slot.claimed {
            return Err(TransportError::Busy);
        }
        let listed = Self::listing(slot).ok_or(TransportError::NoDevice)?;
        slot.claimed = true;
        Ok(SimTransport {
            bus: self.clone(),
            unit: SimUnit(index),
            generation: slot.generation,
            device: listed,
        })
    }
}

/// An open handle on a simulated unit.
#[derive(Debug)]
pub struct SimTransport {
    bus: SimBus,
    unit: SimUnit,
    generation: u64,
    device: UsbDevice,
}

impl SimTransport {
    /// The unit this handle was opened on.
    #[must_use]
    pub fn unit(&self) -> SimUnit {
        self.unit
    }

    /// Run `op` on the device if this handle is still alive.
    fn live<R>(
        &self,
        op: impl FnOnce(&mut SimDevice) -> Result<R, TransportError>,
    ) -> Result<R, TransportError> {
        let mut world = self.bus.lock();
        let slot = world
            .slots
            .get_mut(self.unit.0)
            .ok_or(TransportError::NoDevice)?;
        if slot.generation != self.generation || slot.location.is_none() {
            return Err(TransportError::NoDevice);
        }
        if let Some(fault) = &slot.fault {
            return Err(fault.clone());
        }
        op(&mut slot.device)
    }
}

impl Drop for SimTransport {
    fn drop(&mut self) {
        let mut world = self.bus.lock();
        if let Some(slot) = world.slots.get_mut(self.unit.0)
            && slot.generation == self.generation
        {
            slot.claimed = false;
        }
    }
}

impl Transport for SimTransport {
    fn device(&self) -> &UsbDevice {
        &self.device
    }

    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError> {
        self.live(|device| Ok(device.descriptor_bytes().to_vec()))
    }

    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, TransportError> {
        self.live(|device| device.get_feature_report(report_id, len))
    }

    fn set_feature_report(&mut self, report_id: u8, data: &[u8]) -> Result<(), TransportError> {
        self.live(|device| device.set_feature_report(report_id, data))
    }

    fn read_interrupt(
        &mut self,
        max_len: usize,
        _timeout: Duration,
    ) -> Result<Option<Vec<u8>>, TransportError> {
        self.live(|device| Ok(device.read_interrupt(max_len)))
    }

    fn string(&mut self, index: u8) -> Result<String, TransportError> {
        self.live(|device| device.string(index))
    }
}

#[cfg(test)]
mod tests;

/// The built-in UPS's descriptor: an APC-like Back-UPS (051d:0002) with
/// charge, runtime, low-battery limit, shutdown/startup delays, beeper,
/// present status, input voltage and load.
#[must_use]
pub fn builtin_descriptor() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(0x04)
        .collection(CollectionKind::Application)
        .usage(0x24)
        .collection(CollectionKind::Physical)
        .report_count(1)
        .report_id(0x0c)
        .report_size(8)
        .logical(0, 100)
        .usage(0x0085_0066)
        .feature(2)
        .usage(0x0085_0066)
        .input(2)
        .report_id(0x0d)
        .report_size(16)
        .logical(0, 0xFFFF)
        .usage(0x0085_0068)
        .feature(2)
        .usage(0x0085_0068)
        .input(2)
        .report_id(0x11)
        .report_size(8)
        .logical(0, 100)
        .usage(0x0085_0029)
        .feature(2)
        .report_id(0x15)
        .report_size(16)
        .logical(-1, 32767)
        .usage(0x0084_0057)
        .feature(2)
        .report_id(0x17)
        .usage(0x0084_0056)
        .feature(2)
        .report_id(0x18)
        .report_size(8)
        .logical(1, 3)
        .usage(0x0084_005a)
        .feature(2)
        .usage(0x0084_0002)
        .collection(CollectionKind::Logical)
        .report_id(0x16)
        .report_size(1)
        .report_count(5)
        .logical(0, 1);
    // ACPresent, Discharging, Charging, BelowRemainingCapacityLimit,
    // ShutdownImminent.
    let bits = [
        0x0085_00d0,
        0x0085_0045,
        0x0085_0044,
        0x0085_0042,
        0x0084_0069,
    ];
    for usage in bits {
        w.usage(usage);
    }
    w.feature(2);
    for usage in bits {
        w.usage(usage);
    }
    w.input(2)
        .report_count(3)
        .feature(3)
        .input(3)
        .end_collection()
        .end_collection()
        .usage(0x0084_001a)
        .collection(CollectionKind::Physical)
        .report_id(0x31)
        .report_size(16)
        .report_count(1)
        .logical(0, 500)
        .usage(0x0084_0030)
        .feature(2)
        .end_collection()
        .usage(0x0084_001c)
        .collection(CollectionKind::Physical)
        .report_id(0x50)
        .report_size(8)
        .logical(0, 100)
        .usage(0x0084_0035)
        .feature(2)
        .end_collection()
        .end_collection();
    w.into_bytes()
}
