//! `mge` — "MGE HID 1.59": Eaton, MGE, Dell, Powerware, HP (Eaton OEM),
//! AEG, IBM, KSTAR; the richest mapping table (hid-maps.md §2.2).

mod models;
mod rows;

pub(crate) use models::MODELS;

use super::{Subdriver, SubdriverId, UsbId};
use crate::usage::VendorTable;

pub(in crate::subdriver) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Mge,
    short_name: "mge",
    name: "MGE HID 1.59",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Mge),
    rows: rows::ROWS,
    mfr_fallback: Some("Eaton"),
    hint: "Eaton / MGE",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x0463, 0x0001),
    UsbId::new(0x0463, 0xffff),
    UsbId::new(0x047c, 0xffff),
    UsbId::new(0x0592, 0x0004),
    UsbId::new(0x03f0, 0x1fe5),
    UsbId::new(0x03f0, 0x1fe6),
    UsbId::new(0x03f0, 0x1fe7),
    UsbId::new(0x03f0, 0x1fe8),
    UsbId::new(0x2b2d, 0xffff),
    UsbId::new(0x06da, 0xffff),
    UsbId::new(0x04b3, 0x0001),
    UsbId::new(0x09d6, 0x0001),
];
