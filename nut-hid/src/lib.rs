//! USB HID Power Device support for nut-rs: report descriptors, HID paths,
//! usage names, and report values computed the way NUT's `usbhid-ups` does.
//!
//! This crate is sans-IO: it turns bytes into structure and values and
//! back, and never touches a USB device, a file or a clock. The USB driver
//! (later, behind a feature) feeds it the descriptor and report bytes.
//!
//! # Brief overview
//!
//! * [`ReportDescriptor::decode`] turns descriptor bytes into
//!   [`Collection`]s and [`Field`]s. Each field knows its report type and
//!   ID, bit offset, size and count, logical/physical ranges, unit and
//!   exponent, flags, and its [`HidPath`] built from collection usages as
//!   NUT builds it. Limits are named constants ([`MAX_DESCRIPTOR_LEN`],
//!   [`MAX_COLLECTION_DEPTH`], …); leniency is a [`ParserConfig`] /
//!   [`Quirks`] flag, strict by default; [`ParserConfig::nut`] is NUT 2.8.
//! * [`UsageNames`] resolves usage codes to names and back: the Power
//!   Device (0x84) and Battery System (0x85) tables and each subdriver's
//!   [`VendorTable`], so paths print as `UPS.PowerSummary.RemainingCapacity`
//!   or with NUT's numeric fallback (`ff860060`, `[2]`).
//! * [`Field::decode`] and [`Field::encode`] read and write a value in a
//!   raw report (report ID byte first when used), with NUT's sign, range,
//!   physical scaling and unit exponent rules.
//! * [`subdriver`] holds every `usbhid-ups` subdriver as data ([`Subdriver`]:
//!   USB IDs, vendor usages, the mapping table of [`Row`]s with their
//!   flags and [`convert`] conversions); [`select()`] picks one for a
//!   device as NUT does (claim rules, shared vendor IDs, `subdriver=`).
//! * [`Mapper`] is the sans-IO `usbhid-ups` core: bound to a descriptor and
//!   a subdriver, it reads values through a [`ReportSource`], publishes
//!   [`Variables`], commands and `ups.status`, and turns instant commands
//!   and setvars into [`WritePlan`]s of SET_REPORTs.
//! * The tree renders as text (`Display`, [`ReportDescriptor::display_with`])
//!   and JSON ([`ReportDescriptor::to_json`]); [`descriptor_bytes`] reads
//!   descriptors given as binary or as hex text; [`DescriptorWriter`]
//!   writes synthetic ones.
//!
//! # Example
//!
//! ```
//! use nut_hid::{HidPath, ParserConfig, ReportDescriptor, ReportKind, UsageNames};
//!
//! # fn main() -> Result<(), nut_hid::Error> {
//! // UPS { PowerSummary { Feature report 0x0c: RemainingCapacity, 8 bits, 0..100 } }
//! let bytes = [
//!     0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, // Usage Page (Power Device), Usage (UPS), Collection (Application)
//!     0x09, 0x24, 0xa1, 0x00, //             Usage (PowerSummary), Collection (Physical)
//!     0x85, 0x0c, 0x05, 0x85, 0x09, 0x66, // Report ID 0x0c, Usage (Battery System: RemainingCapacity)
//!     0x15, 0x00, 0x25, 0x64, 0x75, 0x08, 0x95, 0x01, // Logical 0..100, 8 bits x 1
//!     0xb1, 0x02, 0xc0, 0xc0, //             Feature (Data,Var,Abs), End, End
//! ];
//! let descriptor = ReportDescriptor::decode(&bytes, &ParserConfig::default())?;
//! let path = HidPath::parse("UPS.PowerSummary.RemainingCapacity", &UsageNames::STANDARD);
//! let field = descriptor.find(&path, ReportKind::Feature).expect("declared above");
//! assert_eq!(field.decode(&[0x0c, 87])?, 87.0);
//!
//! let mut report = descriptor.new_report(ReportKind::Feature, 0x0c).expect("declared above");
//! field.encode(42.0, &mut report)?;
//! assert_eq!(report, [0x0c, 42]);
//! assert!(descriptor.to_string().contains("feature 0x0c bits 0+8 UPS.PowerSummary.RemainingCapacity"));
//! # Ok(())
//! # }
//! ```
//!
//! Mapping a device, with report bytes from a closure:
//!
//! ```
//! use std::time::Instant;
//! use nut_hid::{DeviceInfo, FetchError, Mapper, MapperConfig, ReportDescriptor, SelectOptions};
//!
//! # fn main() -> Result<(), nut_hid::Error> {
//! # let bytes = [
//! #     0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0x09, 0x24, 0xa1, 0x00, 0x85, 0x0c, 0x05, 0x85,
//! #     0x09, 0x66, 0x15, 0x00, 0x25, 0x64, 0x75, 0x08, 0x95, 0x01, 0xb1, 0x02, 0xc0, 0xc0,
//! # ];
//! let device = DeviceInfo::new(0x0764, 0x0501); // a CyberPower UPS
//! let selection = nut_hid::select(&device, &SelectOptions::default())?;
//! assert_eq!(selection.subdriver.name, "CyberPower HID 0.85");
//! let config = selection.subdriver.parser_config(0x0764, 0x0501, false);
//! let descriptor = ReportDescriptor::decode(&bytes, &config)?;
//! let mut mapper = Mapper::new(descriptor, &selection, device, MapperConfig::default());
//! let mut reports = |id: u8, _len: usize| match id {
//!     0x0c => Ok(vec![0x0c, 87]),
//!     _ => Err(FetchError::NoData),
//! };
//! mapper.handle_init(Instant::now(), &mut reports)?;
//! assert_eq!(mapper.variables().get("battery.charge"), Some("87"));
//! assert_eq!(mapper.variables().get("ups.mfr"), Some("CPS"));
//! # Ok(())
//! # }
//! ```
//!
//! # Differences from NUT, on purpose
//!
//! NUT stores bit offsets in 8 bits (they wrap after 255 bits) and gives
//! every field of a descriptor without Report IDs offset 0; this crate
//! computes real offsets. Paths, names and values are otherwise NUT's.
//! The [`mapper`] module lists the mapping engine's few deliberate
//! departures (no spurious command-named variables from interrupts, bad
//! reports skipped).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
pub mod convert;
mod descriptor;
mod error;
mod fixup;
mod hexdump;
pub mod item;
pub mod mapper;
mod path;
mod render;
mod report;
pub mod select;
pub mod sim;
pub mod subdriver;
pub mod transport;
pub mod usage;
mod writer;

pub use config::{
    MAX_COLLECTION_DEPTH, MAX_DESCRIPTOR_LEN, MAX_FIELDS, MAX_LOCAL_USAGES, MAX_PUSH_DEPTH,
    MAX_REPORT_BITS, ParserConfig, Quirks,
};
pub use descriptor::{
    Collection, CollectionKind, Field, MainFlags, ReportDescriptor, ReportLayout,
};
pub use error::Error;
pub use hexdump::{MAX_HEX_DUMP_LEN, decode_hex_dump, descriptor_bytes, is_hex_text};
pub use mapper::{
    FetchError, Mapper, MapperConfig, Refusal, ReportSource, StatusBits, StatusOptions, UpdateKind,
    UpdateSummary, Variable, Variables, WritePlan, WriteStep,
};
pub use nut_proto as proto;
pub use path::{HidPath, MAX_PATH_NODES, PathDisplay};
pub use render::DescriptorDisplay;
pub use report::{MAX_VALUE_BITS, ReportKind};
pub use select::{ClaimEffects, DeviceInfo, Pattern, SelectOptions, Selection, select};
pub use subdriver::{Row, RowFlags, Subdriver, SubdriverId, Target};
pub use usage::{UsageNames, VendorTable};
pub use writer::DescriptorWriter;
