//! Writing report descriptors: a small item writer for synthetic devices,
//! tests and fuzz seeds. Each method appends one short item with the
//! smallest data size that holds its value.

use crate::CollectionKind;
use crate::item::{ItemData, ItemType, global_tag, local_tag, main_tag};

/// Appends descriptor items to a byte buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescriptorWriter {
    bytes: Vec<u8>,
}

fn type_bits(item_type: ItemType) -> u8 {
    match item_type {
        ItemType::Main => 0,
        ItemType::Global => 1,
        ItemType::Local => 2,
        ItemType::Reserved => 3,
    }
}

fn unsigned_len(value: u32) -> u8 {
    match value {
        0 => 0,
        1..=0xFF => 1,
        0x100..=0xFFFF => 2,
        _ => 4,
    }
}

fn signed_len(value: i32) -> u8 {
    if value == 0 {
        0
    } else if i8::try_from(value).is_ok() {
        1
    } else if i16::try_from(value).is_ok() {
        2
    } else {
        4
    }
}

impl DescriptorWriter {
    /// An empty descriptor.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes written so far.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The finished descriptor.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Append a short item with explicit data (any type, tag and size).
    pub fn item(&mut self, item_type: ItemType, tag: u8, data: ItemData) -> &mut Self {
        let size_code = match data.len() {
            0 => 0,
            1 => 1,
            2 => 2,
            _ => 3,
        };
        self.bytes
            .push(((tag & 0xF) << 4) | (type_bits(item_type) << 2) | size_code);
        self.bytes
            .extend_from_slice(&data.unsigned().to_le_bytes()[..usize::from(data.len())]);
        self
    }

    fn unsigned(&mut self, item_type: ItemType, tag: u8, value: u32) -> &mut Self {
        self.item(item_type, tag, ItemData::new(value, unsigned_len(value)))
    }

    fn signed(&mut self, tag: u8, value: i32) -> &mut Self {
        // Two's complement bits; ItemData keeps the low `len` bytes.
        self.item(
            ItemType::Global,
            tag,
            ItemData::new(value as u32, signed_len(value)),
        )
    }

    /// Usage Page.
    pub fn usage_page(&mut self, page: u16) -> &mut Self {
        self.unsigned(ItemType::Global, global_tag::USAGE_PAGE, u32::from(page))
    }

    /// Usage: a usage ID on the current page (1–2 bytes), or an extended
    /// usage (4 bytes) when `usage` has a page in its high half.
    pub fn usage(&mut self, usage: u32) -> &mut Self {
        if usage > 0xFFFF {
            self.item(ItemType::Local, local_tag::USAGE, ItemData::new(usage, 4))
        } else {
            self.unsigned(ItemType::Local, local_tag::USAGE, usage)
        }
    }

    /// Usage Minimum and Usage Maximum (IDs on the current page, or
    /// extended usages when above 0xFFFF).
    pub fn usage_range(&mut self, minimum: u32, maximum: u32) -> &mut Self {
        for (tag, value) in [
            (local_tag::USAGE_MINIMUM, minimum),
            (local_tag::USAGE_MAXIMUM, maximum),
        ] {
            let len = if value > 0xFFFF {
                4
            } else {
                unsigned_len(value)
            };
            self.item(ItemType::Local, tag, ItemData::new(value, len));
        }
        self
    }

    /// Collection of the given kind.
    pub fn collection(&mut self, kind: CollectionKind) -> &mut Self {
        let code = kind.code();
        // Physical (0) is written with one data byte, as devices do.
        self.item(
            ItemType::Main,
            main_tag::COLLECTION,
            ItemData::new(u32::from(code), 1),
        )
    }

    /// End Collection.
    pub fn end_collection(&mut self) -> &mut Self {
        self.item(
            ItemType::Main,
            main_tag::END_COLLECTION,
            ItemData::new(0, 0),
        )
    }

    /// Logical Minimum and Logical Maximum (signed encodings).
    pub fn logical(&mut self, minimum: i32, maximum: i32) -> &mut Self {
        self.signed(global_tag::LOGICAL_MINIMUM, minimum)
            .signed(global_tag::LOGICAL_MAXIMUM, maximum)
    }

    /// Physical Minimum and Physical Maximum (signed encodings).
    pub fn physical(&mut self, minimum: i32, maximum: i32) -> &mut Self {
        self.signed(global_tag::PHYSICAL_MINIMUM, minimum)
            .signed(global_tag::PHYSICAL_MAXIMUM, maximum)
    }

    /// Unit (raw nibble encoding, e.g. 0x00F0D121 for volt).
    pub fn unit(&mut self, unit: u32) -> &mut Self {
        self.unsigned(ItemType::Global, global_tag::UNIT, unit)
    }

    /// Unit Exponent, −8..=7, written as the specification's 4-bit nibble.
    pub fn unit_exponent(&mut self, exponent: i8) -> &mut Self {
        let nibble = u32::from(exponent.rem_euclid(16) as u8);
        self.item(
            ItemType::Global,
            global_tag::UNIT_EXPONENT,
            ItemData::new(nibble, 1),
        )
    }

    /// Report Size in bits.
    pub fn report_size(&mut self, bits: u32) -> &mut Self {
        self.unsigned(ItemType::Global, global_tag::REPORT_SIZE, bits)
    }

    /// Report Count.
    pub fn report_count(&mut self, count: u32) -> &mut Self {
        self.unsigned(ItemType::Global, global_tag::REPORT_COUNT, count)
    }

    /// Report ID.
    pub fn report_id(&mut self, id: u8) -> &mut Self {
        self.item(
            ItemType::Global,
            global_tag::REPORT_ID,
            ItemData::new(u32::from(id), 1),
        )
    }

    /// Push the global state.
    pub fn push(&mut self) -> &mut Self {
        self.item(ItemType::Global, global_tag::PUSH, ItemData::new(0, 0))
    }

    /// Pop the global state.
    pub fn pop(&mut self) -> &mut Self {
        self.item(ItemType::Global, global_tag::POP, ItemData::new(0, 0))
    }

    /// Input item with the given flags (0x02 = Data,Var,Abs).
    pub fn input(&mut self, flags: u32) -> &mut Self {
        self.item(
            ItemType::Main,
            main_tag::INPUT,
            ItemData::new(flags, unsigned_len(flags).max(1)),
        )
    }

    /// Output item with the given flags.
    pub fn output(&mut self, flags: u32) -> &mut Self {
        self.item(
            ItemType::Main,
            main_tag::OUTPUT,
            ItemData::new(flags, unsigned_len(flags).max(1)),
        )
    }

    /// Feature item with the given flags.
    pub fn feature(&mut self, flags: u32) -> &mut Self {
        self.item(
            ItemType::Main,
            main_tag::FEATURE,
            ItemData::new(flags, unsigned_len(flags).max(1)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_encodings() {
        let mut w = DescriptorWriter::new();
        w.usage_page(0x84)
            .usage(0x04)
            .collection(CollectionKind::Application)
            .logical(-1, 0x7FFF)
            .unit_exponent(-2)
            .usage(0x0085_0066)
            .end_collection();
        assert_eq!(
            w.bytes(),
            [
                0x05, 0x84, 0x09, 0x04, 0xA1, 0x01, 0x15, 0xFF, 0x26, 0xFF, 0x7F, 0x55, 0x0E, 0x0B,
                0x66, 0x00, 0x85, 0x00, 0xC0
            ]
        );
    }
}
