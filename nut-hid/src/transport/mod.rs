//! The USB side of `usbhid-ups`: what the driver needs from a HID device
//! ([`Transport`]) and from the bus it sits on ([`UsbBus`]), the USB
//! matching options ([`UsbMatcher`]), the identity that re-finds the same
//! unit after it re-enumerates ([`UnitIdentity`]), and the driver loop core
//! ([`UsbHidDriver`]) that polls a [`crate::Mapper`] over a transport.
//!
//! Backends: [`crate::sim`] (a simulated device, always built) and, behind
//! the `usb` feature, `transport::usb` (libusb through `rusb`). The pure pieces the
//! USB backend uses (control request encodings, string decoding, the HID
//! class descriptor) live in [`wire`] so they are tested without a bus.
//!
//! Everything here is synchronous. The driver core never reads a clock or
//! sleeps: time comes in as `now`, waits go out as [`UsbHidDriver::poll_timeout`].
//! The transport calls it makes may block for at most their timeouts.

mod device;
pub mod driver;
mod error;
mod identity;
mod matcher;
mod source;
#[cfg(feature = "usb")]
pub mod usb;
pub mod wire;

pub use device::{MAX_PORT_DEPTH, UsbDevice, UsbLocation};
pub use driver::{
    CycleReport, DEFAULT_POLLINTERVAL, DriverConfig, DriverEvent, DriverState, UsbHidDriver,
    WriteFailure, WriteOutcome,
};
pub use error::TransportError;
pub use identity::UnitIdentity;
pub use matcher::{UsbMatchOptions, UsbMatcher};

use std::time::Duration;

/// NUT's interrupt IN timeout.
pub const INTERRUPT_TIMEOUT: Duration = Duration::from_millis(750);
/// NUT's interrupt read buffer when `interruptsize` is not set.
pub const DEFAULT_INTERRUPT_SIZE: usize = 512;
/// Largest `interruptsize` accepted (a full-speed interrupt endpoint moves
/// at most 64 bytes per packet; this leaves room for odd devices).
pub const MAX_INTERRUPT_SIZE: usize = 4096;

/// How to open a device's HID interface (NUT's `usb_*` tuning options,
/// possibly overridden by the subdriver's claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OpenOptions {
    /// `usb_config_index`: configuration descriptor to look in (default 0).
    pub config_index: u8,
    /// `usb_hid_rep_index`: the interface to claim (default 0).
    pub interface: u8,
    /// `usb_hid_desc_index`: HID descriptor index; `None` = 0, or 1 for
    /// Eaton 0463 with bcdDevice 0x0202 as NUT does.
    pub descriptor_index: Option<u8>,
    /// `usb_hid_ep_in`: interrupt IN endpoint number (default 1 = 0x81).
    pub endpoint_in: u8,
    /// `usb_hid_ep_out`: interrupt OUT endpoint number (default 1).
    pub endpoint_out: u8,
    /// `usb_set_altinterface`: select this alternate setting after claiming.
    pub alt_setting: Option<u8>,
}

impl OpenOptions {
    /// NUT's defaults: configuration 0, interface 0, endpoints 1.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            config_index: 0,
            interface: 0,
            descriptor_index: None,
            endpoint_in: 1,
            endpoint_out: 1,
            alt_setting: None,
        }
    }
}

/// An open HID interface of one device.
///
/// Every method may fail with a [`TransportError`]; the error's
/// [`TransportError::is_gone`] says the device has disappeared (unplugged,
/// re-enumerated, taken by someone else), after which the driver drops the
/// transport and re-finds the unit through its [`UsbBus`].
pub trait Transport {
    /// What the device said about itself when it was enumerated, and where
    /// it is plugged in.
    fn device(&self) -> &UsbDevice;

    /// The HID report descriptor bytes.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when it cannot be read.
    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError>;

    /// GET_REPORT of feature report `report_id`, asking for `len` bytes
    /// (the report ID byte first when the descriptor uses report IDs). The
    /// answer may be shorter or longer than `len`.
    ///
    /// # Errors
    ///
    /// A [`TransportError`]; a stall or timeout means "no data this time".
    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, TransportError>;

    /// SET_REPORT of feature report `report_id` with `data` (the whole
    /// report, report ID byte first when the descriptor uses report IDs).
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when the device did not take it.
    fn set_feature_report(&mut self, report_id: u8, data: &[u8]) -> Result<(), TransportError>;

    /// One interrupt IN transfer of at most `max_len` bytes, waiting at
    /// most `timeout`. `Ok(None)` when nothing came in time.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] other than a timeout.
    fn read_interrupt(
        &mut self,
        max_len: usize,
        timeout: Duration,
    ) -> Result<Option<Vec<u8>>, TransportError>;

    /// USB string descriptor `index`, reduced to 8-bit characters as NUT
    /// does (`?` for characters above U+00FF).
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when it cannot be read.
    fn string(&mut self, index: u8) -> Result<String, TransportError>;
}

/// The USB bus: lists devices and opens one's HID interface.
pub trait UsbBus {
    /// The open interface type.
    type Transport: Transport;

    /// Every USB device present now, in enumeration order, with its
    /// strings read (devices that cannot be opened to read them may be
    /// left out, as NUT does).
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when the bus cannot be listed at all.
    fn devices(&mut self) -> Result<Vec<UsbDevice>, TransportError>;

    /// Open and claim the HID interface of `device` (one returned by
    /// [`UsbBus::devices`]), detaching a kernel driver if needed.
    ///
    /// # Errors
    ///
    /// [`TransportError::Busy`] when another program holds it (the
    /// `allow_duplicates` case), [`TransportError::NoDevice`] when it went
    /// away, others as they come.
    fn open(
        &mut self,
        device: &UsbDevice,
        options: &OpenOptions,
    ) -> Result<Self::Transport, TransportError>;
}
