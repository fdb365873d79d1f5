//! The bus `usbhid-ups` runs on: real USB through libusb (cargo feature
//! `usb`, on by default), or the simulated bus of [`nut_hid::sim`] (`-x
//! simulate=…`, `nut sim hid`). One enum rather than a generic driver, so
//! the program has one driver type whatever the bus.

use std::time::Duration;

use nut_hid::sim::{SimBus, SimTransport};
use nut_hid::transport::{OpenOptions, Transport, TransportError, UsbBus, UsbDevice};

/// The bus the driver was started on.
#[derive(Debug)]
#[non_exhaustive]
pub enum HidBus {
    /// A simulated bus (shared handle: a controller changes the devices).
    Sim(SimBus),
    /// Real USB devices through libusb.
    #[cfg(any(feature = "usb", feature = "usb-system"))]
    Usb(nut_hid::transport::usb::RusbBus),
}

impl HidBus {
    /// The real USB bus.
    ///
    /// # Errors
    ///
    /// libusb cannot start, or this build has no USB support (the message
    /// says how to get it, and that `-x simulate=…` still works).
    pub fn usb() -> Result<Self, String> {
        #[cfg(any(feature = "usb", feature = "usb-system"))]
        {
            nut_hid::transport::usb::RusbBus::new()
                .map(Self::Usb)
                .map_err(|e| format!("can't initialise libusb: {e}"))
        }
        #[cfg(not(any(feature = "usb", feature = "usb-system")))]
        {
            Err(
                "this usbhid-ups was built without USB support (cargo feature `usb` of \
                 nut-cli); only a simulated device can be driven (-x simulate=builtin)"
                    .to_owned(),
            )
        }
    }

    /// What `driver.version.usb` says about this bus.
    #[must_use]
    pub fn version_text(&self) -> String {
        match self {
            Self::Sim(_) => "simulated USB bus (nut-rs)".to_owned(),
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            Self::Usb(_) => {
                let v = rusb_version();
                format!("libusb-{v}")
            }
        }
    }
}

#[cfg(any(feature = "usb", feature = "usb-system"))]
fn rusb_version() -> String {
    let v = nut_hid::transport::usb::libusb_version();
    format!("{}.{}.{}", v.0, v.1, v.2)
}

/// An open HID interface on a [`HidBus`].
#[derive(Debug)]
#[non_exhaustive]
pub enum HidTransport {
    /// On the simulated bus.
    Sim(SimTransport),
    /// On real USB.
    #[cfg(any(feature = "usb", feature = "usb-system"))]
    Usb(nut_hid::transport::usb::RusbTransport),
}

/// Runs `$body` with `$t` bound to whichever transport this is.
macro_rules! each {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            HidTransport::Sim($t) => $body,
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            HidTransport::Usb($t) => $body,
        }
    };
}

impl Transport for HidTransport {
    fn device(&self) -> &UsbDevice {
        each!(self, t => t.device())
    }

    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError> {
        each!(self, t => t.report_descriptor())
    }

    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, TransportError> {
        each!(self, t => t.get_feature_report(report_id, len))
    }

    fn set_feature_report(&mut self, report_id: u8, data: &[u8]) -> Result<(), TransportError> {
        each!(self, t => t.set_feature_report(report_id, data))
    }

    fn read_interrupt(
        &mut self,
        max_len: usize,
        timeout: Duration,
    ) -> Result<Option<Vec<u8>>, TransportError> {
        each!(self, t => t.read_interrupt(max_len, timeout))
    }

    fn string(&mut self, index: u8) -> Result<String, TransportError> {
        each!(self, t => t.string(index))
    }
}

impl UsbBus for HidBus {
    type Transport = HidTransport;

    fn devices(&mut self) -> Result<Vec<UsbDevice>, TransportError> {
        match self {
            Self::Sim(bus) => bus.devices(),
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            Self::Usb(bus) => bus.devices(),
        }
    }

    fn open(
        &mut self,
        device: &UsbDevice,
        options: &OpenOptions,
    ) -> Result<HidTransport, TransportError> {
        match self {
            Self::Sim(bus) => bus.open(device, options).map(HidTransport::Sim),
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            Self::Usb(bus) => bus.open(device, options).map(HidTransport::Usb),
        }
    }
}
