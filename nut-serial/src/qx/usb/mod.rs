//! The USB bridges of nutdrv_qx (qx-protocols §3): each turns one Q*
//! command into USB control/interrupt transfers or string-descriptor
//! reads and returns the device's reply bytes, as the serial port would.
//!
//! The bridges are sans-IO in the sense that they never open a device:
//! every transfer goes through a [`UsbTransport`] (implemented over
//! `rusb` behind the `usb` feature, and by recorded exchanges in tests).
//! [`select`] picks the bridge for a VID:PID (and the iManufacturer /
//! iProduct strings) like NUT's autodetection; `subdriver=` names one
//! directly ([`Bridge::from_name`]).
//!
//! With the engine: pass each query from
//! [`Engine::poll_transmit`](crate::qx::Engine::poll_transmit) to
//! [`UsbBridge::exchange`] and its reply to
//! [`Engine::handle_reply`](crate::qx::Engine::handle_reply) (empty = no
//! reply); on an error, act as [`TransferError::action`] says and let the
//! reply deadline pass ([`Engine::handle_timeout`](crate::qx::Engine::handle_timeout)).
//! Publish the ids with [`QxConfig::usb_ids`](crate::qx::QxConfig::usb_ids)
//! (omron is only probed behind vendor `0590`), and set
//! [`BridgeOptions::novendor`] like the `novendor` flag.
//!
//! ```
//! use std::time::Duration;
//! use nut_serial::qx::usb::{Bridge, BridgeOptions, TransferError, UsbBridge, UsbTransport};
//!
//! /// A Krauler unit: everything is a string descriptor.
//! struct Krauler;
//! impl UsbTransport for Krauler {
//!     fn control_write(&mut self, _: u8, _: u8, _: u16, _: u16, _: &[u8], _: Duration)
//!         -> Result<usize, TransferError> { Err(TransferError::NotSupported) }
//!     fn control_read(&mut self, _: u8, _: u8, _: u16, _: u16, _: &mut [u8], _: Duration)
//!         -> Result<usize, TransferError> { Err(TransferError::NotSupported) }
//!     fn interrupt_read(&mut self, _: u8, _: &mut [u8], _: Duration)
//!         -> Result<usize, TransferError> { Err(TransferError::Timeout) }
//!     fn get_string_descriptor(&mut self, index: u8, _langid: u16, buf: &mut [u8])
//!         -> Result<usize, TransferError> {
//!         let raw: Vec<u8> = if index == 0 {
//!             vec![4, 3, 0x09, 0x04] // the language list: en-US
//!         } else {
//!             // String 0x0D holds the F reply (first byte replaced by `#`).
//!             let mut raw = vec![0, 3];
//!             raw.extend(b"X230.0 000 024.0 50.0".iter().flat_map(|&c| [c, 0]));
//!             raw[0] = raw.len() as u8;
//!             raw
//!         };
//!         buf[..raw.len()].copy_from_slice(&raw);
//!         Ok(raw.len())
//!     }
//! }
//!
//! let mut bridge = UsbBridge::new(Bridge::Krauler, BridgeOptions::default());
//! let reply = bridge.exchange(&mut Krauler, b"F\r")?;
//! assert_eq!(reply, b"#230.0 000 024.0 50.0\r");
//! # Ok::<(), TransferError>(())
//! ```

mod armac;
pub mod bus;
mod hid;
#[cfg(feature = "usb")]
pub mod rusb_backend;
pub mod sim;
mod strings;
mod table;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

pub use bus::{UsbBus, UsbDeviceInfo};
pub use strings::fabula_shutdown_index;
pub use table::{BRIDGE_TABLE, TableEntry, select};

/// Bytes the driver core offers for one reply (qx-protocols §3.1).
pub const REPLY_BUFFER: usize = 511;
/// Interrupt IN endpoint of most bridges.
pub const EP_IN: u8 = 0x81;
/// bmRequestType of HID SET_REPORT (host→device, class, interface).
pub const SET_REPORT_TYPE: u8 = 0x21;
/// bRequest of HID SET_REPORT.
pub const SET_REPORT: u8 = 0x09;
/// bmRequestType of HID GET_REPORT (device→host, class, interface).
pub const GET_REPORT_TYPE: u8 = 0xA1;
/// bRequest of HID GET_REPORT.
pub const GET_REPORT: u8 = 0x01;

/// A failed USB transfer, in libusb's terms: the driver maps them to its
/// error policy (qx-protocols §1.3: `Busy` is fatal, `Pipe` clears the
/// halt, `NoDevice`/`Access`/`Io`/`NotFound` reconnect, the third
/// `Overflow` in a row resets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The transfer timed out.
    #[error("usb transfer timed out")]
    Timeout,
    /// The endpoint stalled.
    #[error("usb endpoint stalled (pipe error)")]
    Pipe,
    /// The device is gone.
    #[error("usb device disconnected")]
    NoDevice,
    /// Another driver holds the device.
    #[error("usb device busy (claimed by another driver)")]
    Busy,
    /// The device sent more than asked for.
    #[error("usb transfer overflow")]
    Overflow,
    /// Permission denied.
    #[error("usb access denied")]
    Access,
    /// Input/output error.
    #[error("usb input/output error")]
    Io,
    /// Entity not found (a string descriptor, the device).
    #[error("usb entity not found")]
    NotFound,
    /// The transport or device cannot do this transfer.
    #[error("usb transfer not supported")]
    NotSupported,
    /// The device wrote fewer bytes than the bridge requires.
    #[error("short usb transfer: {done} of {wanted} bytes")]
    Short {
        /// Bytes transferred.
        done: usize,
        /// Bytes required.
        wanted: usize,
    },
    /// The command does not fit the bridge's buffer.
    #[error("command of {len} bytes too long for the {bridge} bridge (limit {limit})")]
    CommandTooLong {
        /// The bridge.
        bridge: Bridge,
        /// Command length.
        len: usize,
        /// Longest command.
        limit: usize,
    },
    /// The bridge needs `langid_fix` (snr).
    #[error("the {0} bridge needs langid_fix")]
    NeedsLangid(Bridge),
    /// Any other libusb error.
    #[error("usb error")]
    Other,
}

/// What the driver does after a bridge error (qx-protocols §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorAction {
    /// Exit: another driver holds the device (or the bridge cannot work
    /// with the options given).
    Fatal,
    /// Clear the halt on endpoint 0x81; if that fails, reset and close.
    ClearHalt,
    /// Close the device; the next exchange re-opens it.
    Reconnect,
    /// Count it: the third overflow in a row resets and closes.
    CountOverflow,
    /// This exchange failed; nothing else.
    Fail,
}

impl TransferError {
    /// NUT's reaction to this error.
    pub fn action(self) -> ErrorAction {
        match self {
            // snr without langid_fix: NUT's libusb-1.0 build aborts.
            Self::Busy | Self::NeedsLangid(_) => ErrorAction::Fatal,
            Self::Pipe => ErrorAction::ClearHalt,
            Self::NoDevice | Self::Access | Self::Io | Self::NotFound => ErrorAction::Reconnect,
            Self::Overflow => ErrorAction::CountOverflow,
            _ => ErrorAction::Fail,
        }
    }
}

impl From<TransferError> for crate::Error {
    fn from(e: TransferError) -> Self {
        Self::Transport(e.to_string())
    }
}

/// The transfers a bridge needs from a USB device. Only the first four
/// are required; the rest default to "not supported" (or, for the ASCII
/// string helper, are built on [`get_string_descriptor`](Self::get_string_descriptor)).
pub trait UsbTransport {
    /// A control transfer host→device; returns the bytes written.
    fn control_write(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransferError>;

    /// A control transfer device→host into `buf`; returns the bytes read.
    fn control_read(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, TransferError>;

    /// An interrupt IN transfer on `endpoint` into `buf`.
    fn interrupt_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, TransferError>;

    /// The raw string descriptor `index` in language `langid` (byte 0 =
    /// bLength, byte 1 = 3, UTF-16LE text from byte 2) into `buf`.
    fn get_string_descriptor(
        &mut self,
        index: u8,
        langid: u16,
        buf: &mut [u8],
    ) -> Result<usize, TransferError>;

    /// An interrupt OUT transfer on `endpoint` (fuji, armac).
    fn interrupt_write(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        let _ = (endpoint, data, timeout);
        Err(TransferError::NotSupported)
    }

    /// Clears a halted endpoint (phoenix after a stall).
    fn clear_halt(&mut self, endpoint: u8) -> Result<(), TransferError> {
        let _ = endpoint;
        Err(TransferError::NotSupported)
    }

    /// Whether the device has armac's interrupt layout: one interface with
    /// exactly IN `0x82` (64-byte packets) and OUT `0x02`.
    fn has_armac_interrupt_endpoints(&self) -> bool {
        false
    }

    /// Waits (the bridges pause between some transfers).
    fn sleep(&mut self, duration: Duration) {
        let _ = duration;
    }

    /// libusb's `get_string_descriptor_ascii`: the first language of
    /// string 0, then string `index` in it, non-ASCII units as `?`.
    fn get_string_ascii(&mut self, index: u8, buf: &mut [u8]) -> Result<usize, TransferError> {
        if index == 0 {
            return Err(TransferError::NotSupported);
        }
        let mut langs = [0u8; 255];
        let n = self.get_string_descriptor(0, 0, &mut langs)?;
        let (Some(&lo), Some(&hi)) = (langs.get(2), langs.get(3)) else {
            return Err(TransferError::Io);
        };
        if n < 4 {
            return Err(TransferError::Io);
        }
        let mut raw = [0u8; 255];
        let n = self.get_string_descriptor(index, u16::from_le_bytes([lo, hi]), &mut raw)?;
        let raw = raw.get(..n).unwrap_or_default();
        if raw.get(1) != Some(&3) || usize::from(raw.first().copied().unwrap_or(0)) > n {
            return Err(TransferError::Io);
        }
        let len = usize::from(raw[0]);
        let mut out = 0;
        for unit in raw.get(2..len).unwrap_or_default().chunks_exact(2) {
            let Some(slot) = buf.get_mut(out) else { break };
            *slot = if unit[1] != 0 { b'?' } else { unit[0] };
            out += 1;
        }
        Ok(out)
    }
}

/// One of NUT's 14 USB bridges ("subdrivers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bridge {
    /// Cypress (also the generic Voltronic/Phoenixtec bridge).
    Cypress,
    /// Phoenix: cypress with a pre-flush.
    Phoenix,
    /// Phoenixtec (Masterguard): vendor control transfers.
    Phoenixtec,
    /// Ippon.
    Ippon,
    /// OMRON.
    Omron,
    /// Krauler: string descriptors, nothing written.
    Krauler,
    /// Fabula: string descriptors, shutdown encoded in the index.
    Fabula,
    /// Hunnox: fabula with lock-step priming reads.
    Hunnox,
    /// Fuji: interrupt OUT.
    Fuji,
    /// SGS (TS Shara): counted 8-byte chunks.
    Sgs,
    /// SNR: raw string descriptors.
    Snr,
    /// Ablerex: feature report 5.
    Ablerex,
    /// Armac (Richcomm PowerManagerII).
    Armac,
    /// Gtec: 128-byte interrupt reads.
    Gtec,
}

/// Every bridge, in NUT's `subdriver` list order.
pub const BRIDGES: [Bridge; 14] = [
    Bridge::Cypress,
    Bridge::Phoenixtec,
    Bridge::Phoenix,
    Bridge::Ippon,
    Bridge::Omron,
    Bridge::Krauler,
    Bridge::Fabula,
    Bridge::Hunnox,
    Bridge::Fuji,
    Bridge::Sgs,
    Bridge::Snr,
    Bridge::Ablerex,
    Bridge::Armac,
    Bridge::Gtec,
];

impl Bridge {
    /// The `subdriver=` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cypress => "cypress",
            Self::Phoenix => "phoenix",
            Self::Phoenixtec => "phoenixtec",
            Self::Ippon => "ippon",
            Self::Omron => "omron",
            Self::Krauler => "krauler",
            Self::Fabula => "fabula",
            Self::Hunnox => "hunnox",
            Self::Fuji => "fuji",
            Self::Sgs => "sgs",
            Self::Snr => "snr",
            Self::Ablerex => "ablerex",
            Self::Armac => "armac",
            Self::Gtec => "gtec",
        }
    }

    /// The bridge `subdriver=` names (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        BRIDGES
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Bridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Bridge {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, crate::Error> {
        Self::from_name(s).ok_or_else(|| crate::Error::InvalidOption {
            name: "subdriver".into(),
            value: s.into(),
            reason: "unknown usb subdriver",
        })
    }
}

/// Options the bridges read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BridgeOptions {
    /// `langid_fix` (see [`parse_langid_fix`]).
    pub langid_fix: Option<u16>,
    /// `novendor`: hunnox skips its `0x0C` priming read.
    pub novendor: bool,
}

/// Parses `langid_fix` as NUT does: the first two characters are skipped
/// and the rest read as hex (`0x409` → 0x409, but `409` → 0x9)
/// [quirk, qx-protocols §1.14].
pub fn parse_langid_fix(value: &str) -> Option<u16> {
    let rest = value.get(2..)?;
    u16::from_str_radix(rest, 16).ok()
}

/// A bridge with the state it keeps between exchanges.
#[derive(Debug, Clone)]
pub struct UsbBridge {
    bridge: Bridge,
    options: BridgeOptions,
    /// hunnox: the first exchange primes differently.
    primed: bool,
    /// hunnox: position in the priming cycle.
    cycle: usize,
}

impl UsbBridge {
    /// A fresh bridge (as after opening the device).
    pub fn new(bridge: Bridge, options: BridgeOptions) -> Self {
        Self {
            bridge,
            options,
            primed: false,
            cycle: 0,
        }
    }

    /// The bridge.
    pub fn bridge(&self) -> Bridge {
        self.bridge
    }

    /// Sends `command` (CR included) and returns the reply bytes; empty =
    /// no reply (the serial "nothing within 1 s").
    pub fn exchange<T: UsbTransport + ?Sized>(
        &mut self,
        transport: &mut T,
        command: &[u8],
    ) -> Result<Vec<u8>, TransferError> {
        let mut reply = match self.bridge {
            Bridge::Cypress => hid::cypress(transport, command, false),
            Bridge::Phoenix => hid::cypress(transport, command, true),
            Bridge::Ippon => hid::ippon(transport, command),
            Bridge::Omron => hid::omron(transport, command),
            Bridge::Gtec => hid::gtec(transport, command),
            Bridge::Sgs => hid::sgs(transport, command),
            Bridge::Ablerex => hid::ablerex(transport, command),
            Bridge::Phoenixtec => hid::phoenixtec(transport, command),
            Bridge::Fuji => hid::fuji(transport, command),
            Bridge::Krauler => strings::krauler(transport, command, self.options),
            Bridge::Fabula => strings::fabula(transport, command),
            Bridge::Hunnox => {
                let first = !self.primed;
                self.primed = true;
                strings::hunnox(transport, command, self.options, first, &mut self.cycle)
            }
            Bridge::Snr => strings::snr(transport, command, self.options),
            Bridge::Armac => armac::armac(transport, command),
        }?;
        reply.truncate(REPLY_BUFFER);
        Ok(reply)
    }
}

/// The bytes of `data` through its first CR, else up to its first NUL,
/// else all of it.
fn through_cr_or_nul(data: &[u8]) -> &[u8] {
    match data.iter().position(|&b| b == b'\r') {
        Some(cr) => &data[..=cr],
        None => {
            let nul = data.iter().position(|&b| b == 0).unwrap_or(data.len());
            &data[..nul]
        }
    }
}

/// Appends a CR when the reply has none.
fn with_cr(mut reply: Vec<u8>) -> Vec<u8> {
    if !reply.contains(&b'\r') {
        reply.push(b'\r');
    }
    reply
}

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod tests;
