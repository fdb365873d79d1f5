//! The libusb backend of the Q* USB bridges (feature `usb`):
//! [`RusbTransport`] does the transfers on a claimed interface 0, and
//! [`open`] finds a device by VID:PID and names its bridge from NUT's
//! table (qx-protocols §3.2).
//!
//! Building needs libusb-1.0 and pkg-config (Debian/Ubuntu:
//! `apt-get install libusb-1.0-0-dev pkg-config`); running needs
//! permission to open the device (root, or a udev rule).

use std::time::Duration;

use rusb::{Context, DeviceHandle, Direction, TransferType, UsbContext};

use super::bus::{UsbBus, UsbDeviceInfo};
use super::{Bridge, TransferError, UsbTransport, select};

/// Timeout of the standard string-descriptor requests.
const STRING_TIMEOUT: Duration = Duration::from_millis(1000);

/// libusb errors in the bridges' terms.
pub fn map_error(error: rusb::Error) -> TransferError {
    match error {
        rusb::Error::Timeout => TransferError::Timeout,
        rusb::Error::Pipe => TransferError::Pipe,
        rusb::Error::NoDevice => TransferError::NoDevice,
        rusb::Error::Busy => TransferError::Busy,
        rusb::Error::Overflow => TransferError::Overflow,
        rusb::Error::Access => TransferError::Access,
        rusb::Error::Io => TransferError::Io,
        rusb::Error::NotFound => TransferError::NotFound,
        rusb::Error::NotSupported => TransferError::NotSupported,
        _ => TransferError::Other,
    }
}

/// An opened Q* USB device.
#[derive(Debug)]
pub struct RusbTransport {
    handle: DeviceHandle<Context>,
    armac_interrupt: bool,
}

/// What [`open`] found.
#[derive(Debug)]
pub struct Opened {
    /// The transport.
    pub transport: RusbTransport,
    /// Vendor and product id.
    pub ids: (u16, u16),
    /// iManufacturer, if readable.
    pub manufacturer: Option<String>,
    /// iProduct, if readable.
    pub product: Option<String>,
    /// The bridge NUT's table names (`None` when only `subdriver=` can
    /// pick one).
    pub bridge: Option<Bridge>,
}

/// Opens the first device with `vendor:product` (either may be `None`
/// for "any"), claims interface 0 (detaching a kernel driver) and names
/// its bridge.
pub fn open(vendor: Option<u16>, product: Option<u16>) -> Result<Opened, TransferError> {
    let context = Context::new().map_err(map_error)?;
    for device in context.devices().map_err(map_error)?.iter() {
        let Ok(desc) = device.device_descriptor() else {
            continue;
        };
        let ids = (desc.vendor_id(), desc.product_id());
        if vendor.is_some_and(|v| v != ids.0) || product.is_some_and(|p| p != ids.1) {
            continue;
        }
        let strings_of = |handle: &DeviceHandle<Context>| {
            (
                handle.read_manufacturer_string_ascii(&desc).ok(),
                handle.read_product_string_ascii(&desc).ok(),
            )
        };
        let handle = device.open().map_err(map_error)?;
        let (manufacturer, product_string) = strings_of(&handle);
        let bridge = select(
            ids.0,
            ids.1,
            manufacturer.as_deref(),
            product_string.as_deref(),
        );
        if vendor.is_none() && product.is_none() && bridge.is_none() {
            continue;
        }
        let _ = handle.set_auto_detach_kernel_driver(true);
        handle.claim_interface(0).map_err(map_error)?;
        let armac_interrupt = armac_layout(&device);
        return Ok(Opened {
            transport: RusbTransport {
                handle,
                armac_interrupt,
            },
            ids,
            manufacturer,
            product: product_string,
            bridge,
        });
    }
    Err(TransferError::NotFound)
}

/// The libusb version as `major.minor.micro`.
pub fn libusb_version() -> String {
    let v = rusb::version();
    format!("{}.{}.{}", v.major(), v.minor(), v.micro())
}

/// The USB bus through libusb: enumeration reads each device's strings
/// (opening it briefly, as NUT does), [`UsbBus::open`] claims interface 0
/// of the device at the listed bus and address.
#[derive(Debug)]
pub struct RusbBus {
    context: Context,
}

impl RusbBus {
    /// Starts libusb.
    ///
    /// # Errors
    ///
    /// libusb cannot be initialised.
    pub fn new() -> Result<Self, TransferError> {
        Ok(Self {
            context: Context::new().map_err(map_error)?,
        })
    }
}

impl UsbBus for RusbBus {
    type Transport = RusbTransport;

    fn devices(&mut self) -> Result<Vec<UsbDeviceInfo>, TransferError> {
        let mut found = Vec::new();
        for device in self.context.devices().map_err(map_error)?.iter() {
            let Ok(desc) = device.device_descriptor() else {
                continue;
            };
            let mut info = UsbDeviceInfo {
                vendor_id: desc.vendor_id(),
                product_id: desc.product_id(),
                bus: device.bus_number(),
                address: device.address(),
                ports: device.port_numbers().unwrap_or_default(),
                ..UsbDeviceInfo::default()
            };
            // A device we may not open still enumerates, without strings.
            if let Ok(handle) = device.open() {
                info.manufacturer = handle.read_manufacturer_string_ascii(&desc).ok();
                info.product = handle.read_product_string_ascii(&desc).ok();
                info.serial = handle.read_serial_number_string_ascii(&desc).ok();
            }
            found.push(info);
        }
        Ok(found)
    }

    fn open(&mut self, wanted: &UsbDeviceInfo) -> Result<RusbTransport, TransferError> {
        for device in self.context.devices().map_err(map_error)?.iter() {
            if device.bus_number() != wanted.bus || device.address() != wanted.address {
                continue;
            }
            let handle = device.open().map_err(map_error)?;
            let _ = handle.set_auto_detach_kernel_driver(true);
            handle.claim_interface(0).map_err(map_error)?;
            return Ok(RusbTransport {
                handle,
                armac_interrupt: armac_layout(&device),
            });
        }
        Err(TransferError::NoDevice)
    }
}

/// Whether the single interface has exactly IN 0x82 (64-byte, not
/// control) and OUT 0x02 (not control).
fn armac_layout(device: &rusb::Device<Context>) -> bool {
    let Ok(config) = device.active_config_descriptor() else {
        return false;
    };
    let Some(interface) = config.interfaces().next() else {
        return false;
    };
    let Some(alt) = interface.descriptors().next() else {
        return false;
    };
    let eps: Vec<_> = alt.endpoint_descriptors().collect();
    let has = |addr: u8, dir: Direction, max: Option<u16>| {
        eps.iter().any(|e| {
            e.address() == addr
                && e.direction() == dir
                && e.transfer_type() != TransferType::Control
                && max.is_none_or(|m| e.max_packet_size() == m)
        })
    };
    eps.len() == 2 && has(0x82, Direction::In, Some(64)) && has(0x02, Direction::Out, None)
}

impl UsbTransport for RusbTransport {
    fn control_write(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.handle
            .write_control(request_type, request, value, index, data, timeout)
            .map_err(map_error)
    }

    fn control_read(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.handle
            .read_control(request_type, request, value, index, buf, timeout)
            .map_err(map_error)
    }

    fn interrupt_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.handle
            .read_interrupt(endpoint, buf, timeout)
            .map_err(map_error)
    }

    fn get_string_descriptor(
        &mut self,
        index: u8,
        langid: u16,
        buf: &mut [u8],
    ) -> Result<usize, TransferError> {
        // Standard GET_DESCRIPTOR (string), raw.
        self.handle
            .read_control(
                0x80,
                0x06,
                0x0300 | u16::from(index),
                langid,
                buf,
                STRING_TIMEOUT,
            )
            .map_err(map_error)
    }

    fn interrupt_write(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.handle
            .write_interrupt(endpoint, data, timeout)
            .map_err(map_error)
    }

    fn clear_halt(&mut self, endpoint: u8) -> Result<(), TransferError> {
        self.handle.clear_halt(endpoint).map_err(map_error)
    }

    fn has_armac_interrupt_endpoints(&self) -> bool {
        self.armac_interrupt
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
