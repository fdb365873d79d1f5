//! nutdrv_qx on USB: NUT's USB options, choosing the device (the regex
//! matcher of nut-hid over the enumerated devices, then `subdriver=` or
//! NUT's VID:PID table for the bridge) and [`UsbWire`], which sends each
//! Q* query through the bridge and hands the whole reply to the engine.
//!
//! After a USB error the device is closed as NUT closes it (qx-protocols
//! §1.3) and the next exchange re-opens the same unit (same ids, strings
//! and bus; the address may change): data goes stale meanwhile, with a
//! log line naming the device and the error, and recovers by itself.
//!
//! Beyond NUT, `-x simulate_usb=<bridge>[:<protocol>]` drives a simulated
//! unit ([`nut_serial::qx::usb::sim`]) through the same code path.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nut_hid::select::DeviceInfo;
use nut_hid::transport::{UsbDevice, UsbLocation, UsbMatchOptions, UsbMatcher};
use nut_serial::qx::usb::sim::{SimUsbBus, SimUsbTransport, SimUsbUps};
use nut_serial::qx::usb::{
    Bridge, BridgeOptions, EP_IN, ErrorAction, TransferError, UsbBridge, UsbBus, UsbDeviceInfo,
    UsbTransport, parse_langid_fix, select,
};
use nut_serial::qx::{Engine, Protocol};
use nut_serial::sim::{DeviceState, Simulator};

use super::wire::{QxWire, Step};

/// The option that selects a simulated unit (beyond NUT).
pub const SIMULATE_OPTION: &str = "simulate_usb";

/// Overflows in a row after which the device is reset (qx-protocols §1.3).
const OVERFLOW_LIMIT: u8 = 3;

/// NUT's USB options of nutdrv_qx.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbOptions {
    /// `vendorid`, `productid`, `vendor`, `product`, `serial`, `bus`,
    /// `device`, `busport` (regexes).
    pub matching: UsbMatchOptions,
    /// `subdriver`: the bridge, whatever the VID:PID table says.
    pub subdriver: Option<Bridge>,
    /// The bridges' options (`langid_fix`, `novendor`).
    pub bridge: BridgeOptions,
    /// `noscanlangid`: skip the informational read of the language list.
    pub noscanlangid: bool,
    /// `simulate_usb` (beyond NUT): the simulated unit's framing and
    /// protocol.
    pub simulate: Option<(Bridge, Protocol)>,
}

impl UsbOptions {
    /// From the driver's options as written; `novendor` as configured.
    ///
    /// # Errors
    ///
    /// NUT's fatal messages: an unknown subdriver, `subdriver` without
    /// `vendorid` and `productid`, a bad `langid_fix`, a bad
    /// `simulate_usb`.
    pub fn from_options(
        options: &[(String, Option<String>)],
        novendor: bool,
    ) -> Result<Self, String> {
        let mut usb = Self {
            bridge: BridgeOptions {
                novendor,
                ..BridgeOptions::default()
            },
            ..Self::default()
        };
        let mut subdriver = None;
        for (name, value) in options {
            let text = || value.clone().unwrap_or_default();
            let m = &mut usb.matching;
            match name.to_ascii_lowercase().as_str() {
                "vendorid" => m.vendor_id = Some(text()),
                "productid" => m.product_id = Some(text()),
                "vendor" => m.vendor = Some(text()),
                "product" => m.product = Some(text()),
                "serial" => m.serial = Some(text()),
                "bus" => m.bus = Some(text()),
                "device" => m.device = Some(text()),
                "busport" => m.busport = Some(text()),
                "subdriver" => subdriver = Some(text()),
                "noscanlangid" => usb.noscanlangid = true,
                "langid_fix" => {
                    let v = text();
                    usb.bridge.langid_fix = Some(parse_langid_fix(&v).ok_or_else(|| {
                        format!("Error enabling language ID workaround: invalid langid_fix {v:?} (expected 0x followed by hex digits, e.g. 0x409)")
                    })?);
                }
                SIMULATE_OPTION => usb.simulate = Some(parse_simulate(&text())?),
                _ => {}
            }
        }
        if let Some(name) = subdriver {
            let bridge = Bridge::from_name(&name).ok_or_else(|| {
                format!("Subdriver \"{name}\" not found! (known: cypress, phoenixtec, phoenix, ippon, omron, krauler, fabula, hunnox, fuji, sgs, snr, ablerex, armac, gtec)")
            })?;
            if usb.matching.vendor_id.is_none() || usb.matching.product_id.is_none() {
                return Err(
                    "When specifying a subdriver, 'vendorid' and 'productid' are mandatory."
                        .to_owned(),
                );
            }
            usb.subdriver = Some(bridge);
        }
        if usb.subdriver == Some(Bridge::Snr) && usb.bridge.langid_fix.is_none() {
            return Err("the snr subdriver needs langid_fix (e.g. langid_fix=0x0409)".to_owned());
        }
        Ok(usb)
    }
}

/// `simulate_usb=<bridge>[:<protocol>]`: the framing (one the simulator
/// speaks) and the protocol (megatec by default; hunnox for a hunnox unit).
fn parse_simulate(spec: &str) -> Result<(Bridge, Protocol), String> {
    let (bridge, protocol) = spec.split_once(':').unwrap_or((spec, ""));
    let bridge = Bridge::from_name(bridge)
        .filter(|b| nut_serial::qx::usb::sim::SIM_FRAMINGS.contains(b))
        .ok_or_else(|| {
            format!("simulate_usb: no simulated {bridge:?} unit (cypress, phoenix, ippon, krauler, fabula, hunnox)")
        })?;
    let protocol = match protocol {
        "" if bridge == Bridge::Hunnox => Protocol::Hunnox,
        "" => Protocol::Megatec,
        name => name.parse().map_err(|e| format!("simulate_usb: {e}"))?,
    };
    Ok((bridge, protocol))
}

/// A simulated bus with one unit for `simulate_usb`.
pub fn simulated_bus(framing: Bridge, protocol: Protocol) -> Result<SimUsbBus, String> {
    let info = SimUsbUps::default_info(framing)
        .ok_or_else(|| format!("simulate_usb: no simulated {framing} unit"))?;
    let unit = SimUsbUps::new(
        framing,
        info,
        Simulator::new(protocol, DeviceState::default()),
    )
    .ok_or_else(|| format!("simulate_usb: no simulated {framing} unit"))?;
    Ok(SimUsbBus::new(vec![Arc::new(Mutex::new(unit))]))
}

/// The device as nut-hid's matcher sees it.
fn as_hid_device(info: &UsbDeviceInfo) -> UsbDevice {
    UsbDevice::new(
        DeviceInfo::new(info.vendor_id, info.product_id).with_strings(
            info.manufacturer.as_deref(),
            info.product.as_deref(),
            info.serial.as_deref(),
        ),
        UsbLocation::new(info.bus, info.address, &info.ports),
    )
}

/// The first device that the regex options accept and that has a bridge
/// (`subdriver`, else NUT's table), with that bridge.
///
/// # Errors
///
/// A regex that does not compile.
pub fn choose(
    devices: &[UsbDeviceInfo],
    options: &UsbOptions,
) -> Result<Option<(usize, Bridge)>, String> {
    let matcher = UsbMatcher::new(&options.matching).map_err(|e| e.to_string())?;
    Ok(devices.iter().enumerate().find_map(|(index, d)| {
        if !matcher.matches(&as_hid_device(d)) {
            return None;
        }
        let bridge = options.subdriver.or_else(|| {
            select(
                d.vendor_id,
                d.product_id,
                d.manufacturer.as_deref(),
                d.product.as_deref(),
            )
        })?;
        Some((index, bridge))
    }))
}

/// NUT's advice when no device fits.
const NO_DEVICE: &str = "No supported devices found. Please check your device availability with 'lsusb'\n\
and make sure you have an up-to-date version of NUT. If this does not help,\n\
try running the driver with at least 'subdriver', 'vendorid' and 'productid'\n\
options specified. Please refer to the man page for details about these options\n\
(man 8 nutdrv_qx).";

/// A Q* unit on USB through its bridge.
#[derive(Debug)]
pub struct UsbWire<B: UsbBus> {
    bus: B,
    /// The unit chosen at start-up (a re-open looks for the same unit).
    device: UsbDeviceInfo,
    transport: Option<B::Transport>,
    bridge: UsbBridge,
    options: BridgeOptions,
    /// The outcome of the last exchange, for [`QxWire::receive`].
    pending: Option<Result<Vec<u8>, TransferError>>,
    overflows: u8,
    name: String,
}

impl<B: UsbBus> UsbWire<B> {
    /// Finds and opens the unit `options` describe on `bus`, called
    /// `port (<ids> on bus … device …, <bridge> bridge)` in log lines.
    ///
    /// # Errors
    ///
    /// No device fits (NUT's advice), a bad regex, or the device cannot
    /// be opened (the message names it and the error).
    pub fn open(mut bus: B, options: &UsbOptions, port: &str) -> Result<Self, String> {
        let devices = bus
            .devices()
            .map_err(|e| format!("can't list the USB devices: {e}"))?;
        let Some((index, bridge)) = choose(&devices, options)? else {
            return Err(NO_DEVICE.to_owned());
        };
        let device = devices.get(index).cloned().unwrap_or_default();
        let mut transport = bus.open(&device).map_err(|e| {
            let hint = match e {
                TransferError::Busy => " (claimed by another driver)",
                TransferError::Access => {
                    " (check the permissions of the device node, or run as root)"
                }
                _ => "",
            };
            format!("Unable to open the USB device {device}: {e}{hint}")
        })?;
        if options.bridge.langid_fix.is_some() && !options.noscanlangid {
            // Informational only (NUT logs the languages): a failure is fine.
            let mut langs = [0u8; 255];
            let _ = transport.get_string_descriptor(0, 0, &mut langs);
        }
        let name = format!("{port} ({device}, {bridge} bridge)");
        Ok(Self {
            bus,
            device,
            transport: Some(transport),
            bridge: UsbBridge::new(bridge, options.bridge),
            options: options.bridge,
            pending: None,
            overflows: 0,
            name,
        })
    }

    /// The bridge in use.
    pub fn bridge(&self) -> Bridge {
        self.bridge.bridge()
    }

    /// The unit's vendor and product ids.
    pub fn ids(&self) -> (u16, u16) {
        (self.device.vendor_id, self.device.product_id)
    }

    /// Whether the device is open now (closed after an error until the
    /// next exchange re-opens it).
    pub fn is_open(&self) -> bool {
        self.transport.is_some()
    }

    /// Re-opens the unit chosen at start-up (it may have a new address).
    fn reopen(&mut self) -> Result<(), TransferError> {
        let found = self
            .bus
            .devices()?
            .into_iter()
            .find(|d| d.same_unit(&self.device))
            .ok_or(TransferError::NoDevice)?;
        let transport = self.bus.open(&found)?;
        self.device = found;
        self.transport = Some(transport);
        // A fresh bridge: hunnox primes again as after opening.
        self.bridge = UsbBridge::new(self.bridge.bridge(), self.options);
        self.overflows = 0;
        Ok(())
    }

    fn exchange(&mut self, query: &[u8]) -> Result<Vec<u8>, TransferError> {
        if self.transport.is_none() {
            self.reopen()?;
        }
        let Some(transport) = self.transport.as_mut() else {
            return Err(TransferError::NoDevice);
        };
        let result = self.bridge.exchange(transport, query);
        match &result {
            Ok(_) => self.overflows = 0,
            Err(e) => match e.action() {
                ErrorAction::Reconnect | ErrorAction::Fatal => self.transport = None,
                ErrorAction::ClearHalt if transport.clear_halt(EP_IN).is_err() => {
                    self.transport = None;
                }
                ErrorAction::CountOverflow => {
                    self.overflows += 1;
                    if self.overflows >= OVERFLOW_LIMIT {
                        self.transport = None;
                        self.overflows = 0;
                    }
                }
                _ => {}
            },
        }
        result
    }
}

impl<B: UsbBus> QxWire for UsbWire<B> {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&mut self, query: &[u8]) -> Result<(), String> {
        self.pending = Some(self.exchange(query));
        Ok(())
    }

    fn receive(&mut self, engine: &mut Engine) -> Result<Step, String> {
        let now = Instant::now();
        match self.pending.take() {
            Some(Ok(reply)) => {
                engine.handle_reply(now, &reply);
                Ok(Step::Arrived)
            }
            Some(Err(e)) => {
                // A failed exchange is no reply for the engine (the row
                // fails, the poll goes on as NUT's does).
                engine.handle_reply(now, &[]);
                match e.action() {
                    ErrorAction::Fail | ErrorAction::CountOverflow if self.transport.is_some() => {
                        Ok(Step::Waited)
                    }
                    ErrorAction::Fatal => Err(format!(
                        "USB error: {e} (another driver may hold the device; retrying every poll)"
                    )),
                    _ => Err(format!(
                        "USB error: {e} (the device is re-opened at the next exchange)"
                    )),
                }
            }
            None => {
                engine.handle_reply(now, &[]);
                Ok(Step::Waited)
            }
        }
    }
}

/// The bus nutdrv_qx runs on: real USB through libusb (cargo feature
/// `usb` or `usb-system`), or a simulated unit (`simulate_usb`).
#[derive(Debug)]
#[non_exhaustive]
pub enum QxUsbBus {
    /// A simulated bus.
    Sim(SimUsbBus),
    /// Real USB devices through libusb.
    #[cfg(any(feature = "usb", feature = "usb-system"))]
    Usb(nut_serial::qx::usb::rusb_backend::RusbBus),
}

impl QxUsbBus {
    /// The real USB bus.
    ///
    /// # Errors
    ///
    /// libusb cannot start, or this build has no USB support.
    pub fn usb() -> Result<Self, String> {
        #[cfg(any(feature = "usb", feature = "usb-system"))]
        {
            nut_serial::qx::usb::rusb_backend::RusbBus::new()
                .map(Self::Usb)
                .map_err(|e| {
                    format!("can't initialise libusb: {e} (is there a USB bus here, /dev/bus/usb?)")
                })
        }
        #[cfg(not(any(feature = "usb", feature = "usb-system")))]
        {
            Err(
                "this nutdrv_qx was built without USB support (cargo feature `usb` of \
                 nut-cli); give a serial port in port=, or -x simulate_usb=cypress"
                    .to_owned(),
            )
        }
    }

    /// What `driver.version.usb` says about this bus.
    pub fn version_text(&self) -> String {
        match self {
            Self::Sim(_) => "simulated USB bus (nut-rs)".to_owned(),
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            Self::Usb(_) => format!(
                "libusb-{}",
                nut_serial::qx::usb::rusb_backend::libusb_version()
            ),
        }
    }
}

/// An open unit on a [`QxUsbBus`].
#[derive(Debug)]
#[non_exhaustive]
pub enum QxUsbTransport {
    /// On the simulated bus.
    Sim(SimUsbTransport),
    /// On real USB.
    #[cfg(any(feature = "usb", feature = "usb-system"))]
    Usb(nut_serial::qx::usb::rusb_backend::RusbTransport),
}

/// Runs `$body` with `$t` bound to whichever transport this is.
macro_rules! each {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            QxUsbTransport::Sim($t) => $body,
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            QxUsbTransport::Usb($t) => $body,
        }
    };
}

impl UsbTransport for QxUsbTransport {
    fn control_write(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        each!(self, t => t.control_write(request_type, request, value, index, data, timeout))
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
        each!(self, t => t.control_read(request_type, request, value, index, buf, timeout))
    }

    fn interrupt_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        each!(self, t => t.interrupt_read(endpoint, buf, timeout))
    }

    fn get_string_descriptor(
        &mut self,
        index: u8,
        langid: u16,
        buf: &mut [u8],
    ) -> Result<usize, TransferError> {
        each!(self, t => t.get_string_descriptor(index, langid, buf))
    }

    fn interrupt_write(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        each!(self, t => t.interrupt_write(endpoint, data, timeout))
    }

    fn clear_halt(&mut self, endpoint: u8) -> Result<(), TransferError> {
        each!(self, t => t.clear_halt(endpoint))
    }

    fn has_armac_interrupt_endpoints(&self) -> bool {
        each!(self, t => t.has_armac_interrupt_endpoints())
    }

    fn sleep(&mut self, duration: Duration) {
        each!(self, t => t.sleep(duration))
    }
}

impl UsbBus for QxUsbBus {
    type Transport = QxUsbTransport;

    fn devices(&mut self) -> Result<Vec<UsbDeviceInfo>, TransferError> {
        match self {
            Self::Sim(bus) => bus.devices(),
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            Self::Usb(bus) => bus.devices(),
        }
    }

    fn open(&mut self, device: &UsbDeviceInfo) -> Result<QxUsbTransport, TransferError> {
        match self {
            Self::Sim(bus) => bus.open(device).map(QxUsbTransport::Sim),
            #[cfg(any(feature = "usb", feature = "usb-system"))]
            Self::Usb(bus) => bus.open(device).map(QxUsbTransport::Usb),
        }
    }
}
