//! The libusb backend (feature `usb`): [`RusbBus`] lists and opens real
//! USB devices through `rusb`, [`RusbTransport`] does the HID transfers on
//! the claimed interface, as NUT's `libusb1.c` does (hid-maps.md §1.3,
//! §1.7). The request encodings come from [`super::wire`].
//!
//! Building needs libusb-1.0 and pkg-config (Debian/Ubuntu:
//! `apt-get install libusb-1.0-0-dev pkg-config`); running needs
//! permission to open the device (root, or a udev rule).

use std::thread;

use rusb::{Context, Device, DeviceHandle, UsbContext};

use super::wire::{
    self, CLAIM_TRIES, CONTROL_TIMEOUT, DEVICE_DESCRIPTOR, GET_DESCRIPTOR,
    GET_DEVICE_DESCRIPTOR_REQUEST_TYPE, GET_INTERFACE_DESCRIPTOR_REQUEST_TYPE, GET_REPORT,
    GET_REPORT_REQUEST_TYPE, HID_DESCRIPTOR, HID_DESCRIPTOR_LEN, MAX_STRING_DESCRIPTOR_LEN,
    REPORT_DESCRIPTOR, SET_REPORT, SET_REPORT_REQUEST_TYPE, STRING_DESCRIPTOR, STRING_RETRY_PAUSE,
    STRING_TRIES,
};
use super::{OpenOptions, Transport, TransportError, UsbBus, UsbDevice, UsbLocation};
use crate::MAX_DESCRIPTOR_LEN;
use crate::select::DeviceInfo;

/// Length of a standard device descriptor.
const DEVICE_DESCRIPTOR_LEN: usize = 18;

/// NUT's classification of libusb errors.
#[must_use]
pub fn map_error(error: rusb::Error) -> TransportError {
    match error {
        rusb::Error::Timeout => TransportError::Timeout,
        rusb::Error::Pipe => TransportError::Stall,
        rusb::Error::Overflow => TransportError::Overflow,
        rusb::Error::Io => TransportError::io("libusb i/o error"),
        rusb::Error::NoDevice => TransportError::NoDevice,
        rusb::Error::Busy => TransportError::Busy,
        rusb::Error::Access => TransportError::Access,
        rusb::Error::NotFound => TransportError::NotFound,
        rusb::Error::NoMem => TransportError::NoMemory,
        other => TransportError::other(&other.to_string()),
    }
}

/// Language ID from string descriptor 0 (4 bytes, as NUT asks).
fn language<T: UsbContext>(handle: &DeviceHandle<T>) -> u16 {
    let mut buffer = [0u8; 4];
    match handle.read_control(
        GET_DEVICE_DESCRIPTOR_REQUEST_TYPE,
        GET_DESCRIPTOR,
        wire::descriptor_value(STRING_DESCRIPTOR, 0),
        0,
        &mut buffer,
        CONTROL_TIMEOUT,
    ) {
        Ok(n) => wire::language_id(buffer.get(..n).unwrap_or_default()),
        Err(_) => wire::DEFAULT_LANGUAGE,
    }
}

/// String descriptor `index`, tried [`STRING_TRIES`] times.
fn read_string<T: UsbContext>(
    handle: &DeviceHandle<T>,
    language: u16,
    index: u8,
) -> Result<String, TransportError> {
    let mut last = TransportError::NotFound;
    for attempt in 0..STRING_TRIES {
        if attempt > 0 {
            thread::sleep(STRING_RETRY_PAUSE);
        }
        let mut buffer = [0u8; MAX_STRING_DESCRIPTOR_LEN];
        match handle.read_control(
            GET_DEVICE_DESCRIPTOR_REQUEST_TYPE,
            GET_DESCRIPTOR,
            wire::descriptor_value(STRING_DESCRIPTOR, index),
            language,
            &mut buffer,
            CONTROL_TIMEOUT,
        ) {
            Ok(n) => {
                return wire::decode_string(buffer.get(..n).unwrap_or_default())
                    .ok_or_else(|| TransportError::other("malformed string descriptor"));
            }
            Err(error) => last = map_error(error),
        }
    }
    Err(last)
}

/// `bcdDevice` as the device sends it (rusb only offers it decoded).
fn bcd_device<T: UsbContext>(handle: &DeviceHandle<T>, fallback: rusb::Version) -> u16 {
    let mut buffer = [0u8; DEVICE_DESCRIPTOR_LEN];
    if let Ok(n) = handle.read_control(
        GET_DEVICE_DESCRIPTOR_REQUEST_TYPE,
        GET_DESCRIPTOR,
        wire::descriptor_value(DEVICE_DESCRIPTOR, 0),
        0,
        &mut buffer,
        CONTROL_TIMEOUT,
    ) && let Some(bcd) = wire::bcd_device(buffer.get(..n).unwrap_or_default())
    {
        return bcd;
    }
    // Re-encode rusb's decoded version (exact for valid BCD).
    let major = u16::from(fallback.major());
    ((major / 10) << 12)
        | ((major % 10) << 8)
        | (u16::from(fallback.minor()) << 4)
        | u16::from(fallback.sub_minor())
}

/// The version of the libusb in use: major, minor, micro (for
/// `driver.version.usb`).
#[must_use]
pub fn libusb_version() -> (u16, u16, u16) {
    let version = rusb::version();
    (version.major(), version.minor(), version.micro())
}

/// The USB bus through libusb.
#[derive(Debug)]
pub struct RusbBus {
    context: Context,
}

impl RusbBus {
    /// A libusb context.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when libusb cannot start.
    pub fn new() -> Result<Self, TransportError> {
        Ok(Self {
            context: Context::new().map_err(map_error)?,
        })
    }

    fn describe(device: &Device<Context>, index: usize) -> Option<UsbDevice> {
        let descriptor = device.device_descriptor().ok()?;
        let handle = device.open().ok()?;
        let language = language(&handle);
        let string = |index: Option<u8>| {
            index
                .filter(|i| *i > 0)
                .and_then(|i| read_string(&handle, language, i).ok())
        };
        let mut info = DeviceInfo::new(descriptor.vendor_id(), descriptor.product_id())
            .with_strings(None, None, None);
        info.bcd_device = bcd_device(&handle, descriptor.device_version());
        info.vendor = string(descriptor.manufacturer_string_index());
        info.product = string(descriptor.product_string_index());
        info.serial = string(descriptor.serial_number_string_index());
        // NUT uses the enumeration index when the platform gives address 0.
        let address = match device.address() {
            0 => u8::try_from(index + 1).unwrap_or(u8::MAX),
            address => address,
        };
        let ports = device.port_numbers().unwrap_or_default();
        Some(UsbDevice::new(
            info,
            UsbLocation::new(device.bus_number(), address, &ports),
        ))
    }
}

impl UsbBus for RusbBus {
    type Transport = RusbTransport;

    fn devices(&mut self) -> Result<Vec<UsbDevice>, TransportError> {
        let list = self.context.devices().map_err(map_error)?;
        Ok(list
            .iter()
            .enumerate()
            .filter_map(|(index, device)| Self::describe(&device, index))
            .collect())
    }

    fn open(
        &mut self,
        wanted: &UsbDevice,
        options: &OpenOptions,
    ) -> Result<RusbTransport, TransportError> {
        let list = self.context.devices().map_err(map_error)?;
        let device = list
            .iter()
            .find(|d| {
                d.bus_number() == wanted.location.bus
                    && d.port_numbers().unwrap_or_default() == wanted.location.ports
                    && (d.address() == wanted.location.address || d.address() == 0)
            })
            .ok_or(TransportError::NoDevice)?;
        let handle = device.open().map_err(map_error)?;
        let interface = options.interface;
        claim(&handle, interface)?;
        if let Some(setting) = options.alt_setting {
            handle
                .set_alternate_setting(interface, setting)
                .map_err(map_error)?;
        }
        // Method 2: the HID class descriptor among the interface's extra bytes.
        let from_extra = device
            .config_descriptor(options.config_index)
            .ok()
            .and_then(|config| {
                config
                    .interfaces()
                    .flat_map(|i| i.descriptors().collect::<Vec<_>>())
                    .find(|d| d.interface_number() == interface)
                    .and_then(|d| {
                        wire::find_hid_descriptor(d.extra()).and_then(wire::report_descriptor_len)
                    })
            });
        // Method 1: GET_DESCRIPTOR of the HID class descriptor.
        let bcd = wanted.info.bcd_device;
        let index = wire::descriptor_index(options.descriptor_index, wanted.info.vendor_id, bcd);
        let mut hid = [0u8; HID_DESCRIPTOR_LEN];
        let from_request = handle
            .read_control(
                GET_INTERFACE_DESCRIPTOR_REQUEST_TYPE,
                GET_DESCRIPTOR,
                wire::descriptor_value(HID_DESCRIPTOR, index),
                u16::from(interface),
                &mut hid,
                CONTROL_TIMEOUT,
            )
            .ok()
            .and_then(|n| wire::report_descriptor_len(hid.get(..n).unwrap_or_default()));
        let lengths = wire::descriptor_lengths(
            from_extra,
            from_request,
            wire::is_eaton_0202(wanted.info.vendor_id, bcd),
        );
        Ok(RusbTransport {
            language: language(&handle),
            handle,
            device: wanted.clone(),
            interface,
            endpoint_in: wire::interrupt_in_endpoint(options.endpoint_in),
            lengths,
        })
    }
}

/// Claim `interface`, detaching a kernel driver first if one holds it.
fn claim<T: UsbContext>(handle: &DeviceHandle<T>, interface: u8) -> Result<(), TransportError> {
    let mut last = TransportError::Busy;
    for _ in 0..CLAIM_TRIES {
        if handle.kernel_driver_active(interface).unwrap_or(false) {
            // A failed detach shows up as a failed claim just below.
            let _ = handle.detach_kernel_driver(interface);
        }
        match handle.claim_interface(interface) {
            Ok(()) => return Ok(()),
            Err(error) => last = map_error(error),
        }
    }
    Err(last)
}

/// An open, claimed HID interface.
pub struct RusbTransport {
    handle: DeviceHandle<Context>,
    device: UsbDevice,
    interface: u8,
    endpoint_in: u8,
    language: u16,
    lengths: Vec<u16>,
}

impl std::fmt::Debug for RusbTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RusbTransport")
            .field("device", &self.device)
            .field("interface", &self.interface)
            .field("endpoint_in", &self.endpoint_in)
            .finish_non_exhaustive()
    }
}

impl Drop for RusbTransport {
    fn drop(&mut self) {
        // Nothing to do about a failure: the handle closes right after.
        let _ = self.handle.release_interface(self.interface);
    }
}

impl Transport for RusbTransport {
    fn device(&self) -> &UsbDevice {
        &self.device
    }

    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError> {
        let mut last = TransportError::NotFound;
        for len in &self.lengths {
            let mut buffer = vec![0u8; usize::from(*len).min(MAX_DESCRIPTOR_LEN)];
            match self.handle.read_control(
                GET_INTERFACE_DESCRIPTOR_REQUEST_TYPE,
                GET_DESCRIPTOR,
                wire::descriptor_value(REPORT_DESCRIPTOR, 0),
                u16::from(self.interface),
                &mut buffer,
                CONTROL_TIMEOUT,
            ) {
                Ok(n) => {
                    buffer.truncate(n);
                    return Ok(buffer);
                }
                Err(error) => last = map_error(error),
            }
        }
        Err(last)
    }

    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, TransportError> {
        let mut buffer = vec![0u8; len.clamp(1, MAX_DESCRIPTOR_LEN)];
        let n = self
            .handle
            .read_control(
                GET_REPORT_REQUEST_TYPE,
                GET_REPORT,
                wire::feature_report_value(report_id),
                u16::from(self.interface),
                &mut buffer,
                CONTROL_TIMEOUT,
            )
            .map_err(map_error)?;
        buffer.truncate(n);
        Ok(buffer)
    }

    fn set_feature_report(&mut self, report_id: u8, data: &[u8]) -> Result<(), TransportError> {
        self.handle
            .write_control(
                SET_REPORT_REQUEST_TYPE,
                SET_REPORT,
                wire::feature_report_value(report_id),
                u16::from(self.interface),
                data,
                CONTROL_TIMEOUT,
            )
            .map(drop)
            .map_err(map_error)
    }

    fn read_interrupt(
        &mut self,
        max_len: usize,
        timeout: std::time::Duration,
    ) -> Result<Option<Vec<u8>>, TransportError> {
        let mut buffer = vec![0u8; max_len.clamp(1, super::MAX_INTERRUPT_SIZE)];
        // A zero timeout means "forever" to libusb: never send one.
        let timeout = timeout.max(std::time::Duration::from_millis(1));
        match self
            .handle
            .read_interrupt(self.endpoint_in, &mut buffer, timeout)
        {
            Ok(n) => {
                buffer.truncate(n);
                Ok(Some(buffer))
            }
            Err(rusb::Error::Timeout) => Ok(None),
            Err(rusb::Error::Pipe) => {
                // NUT clears the halt and reports no data.
                let _ = self.handle.clear_halt(self.endpoint_in);
                Err(TransportError::Stall)
            }
            Err(error) => Err(map_error(error)),
        }
    }

    fn string(&mut self, index: u8) -> Result<String, TransportError> {
        read_string(&self.handle, self.language, index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libusb_errors_classify_as_nut() {
        assert_eq!(map_error(rusb::Error::Timeout), TransportError::Timeout);
        assert_eq!(map_error(rusb::Error::Pipe), TransportError::Stall);
        assert!(map_error(rusb::Error::NoDevice).is_gone());
        assert!(map_error(rusb::Error::Busy).is_gone());
        assert!(map_error(rusb::Error::Access).is_gone());
        assert!(!map_error(rusb::Error::Interrupted).is_gone());
        assert_eq!(map_error(rusb::Error::Io).outcome(), crate::FetchError::Io);
    }

    #[test]
    fn bus_lists_without_devices() {
        // There may be no USB bus at all here: only check it does not panic.
        if let Ok(mut bus) = RusbBus::new() {
            let _ = bus.devices();
        }
    }
}
