//! A USB bus as the Q* driver sees it: the devices it can enumerate (ids,
//! strings and where each is plugged in, for NUT's matching options and
//! the VID:PID table) and opening one of them as a [`UsbTransport`].
//!
//! Implemented over libusb by `rusb_backend::RusbBus` (feature `usb`) and
//! by the simulated bus of [`super::sim`]; the driver glue picks a device
//! and a bridge, and re-opens the same device after an error.

use std::fmt;

use super::{TransferError, UsbTransport};

/// One enumerated USB device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsbDeviceInfo {
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// iManufacturer, if it could be read.
    pub manufacturer: Option<String>,
    /// iProduct, if it could be read.
    pub product: Option<String>,
    /// iSerialNumber, if it could be read.
    pub serial: Option<String>,
    /// Bus number.
    pub bus: u8,
    /// Address on the bus (changes when the device re-enumerates).
    pub address: u8,
    /// Port numbers from the root hub down to the device.
    pub ports: Vec<u8>,
}

impl UsbDeviceInfo {
    /// NUT's `busport`: the port on the parent hub (0 when unknown).
    pub fn busport(&self) -> u8 {
        self.ports.last().copied().unwrap_or(0)
    }

    /// Whether `other` is the same unit for a re-open after an error: same
    /// ids, strings and bus (the address changes on re-enumeration).
    pub fn same_unit(&self, other: &Self) -> bool {
        self.vendor_id == other.vendor_id
            && self.product_id == other.product_id
            && self.manufacturer == other.manufacturer
            && self.product == other.product
            && self.serial == other.serial
            && self.bus == other.bus
    }
}

impl fmt::Display for UsbDeviceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:04x} on bus {:03} device {:03}",
            self.vendor_id, self.product_id, self.bus, self.address
        )
    }
}

/// Enumerating and opening USB devices.
pub trait UsbBus {
    /// An opened device.
    type Transport: UsbTransport;

    /// The devices present now, in enumeration order.
    ///
    /// # Errors
    ///
    /// The bus cannot be listed.
    fn devices(&mut self) -> Result<Vec<UsbDeviceInfo>, TransferError>;

    /// Opens `device` (one [`devices`](Self::devices) listed) and claims
    /// its interface.
    ///
    /// # Errors
    ///
    /// The device is gone ([`TransferError::NoDevice`]), claimed by another
    /// program ([`TransferError::Busy`]), or not accessible.
    fn open(&mut self, device: &UsbDeviceInfo) -> Result<Self::Transport, TransferError>;
}
