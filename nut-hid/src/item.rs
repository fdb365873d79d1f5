//! HID report descriptor items: the byte-level layer (HID 1.11 §6.2.2.2–3).
//!
//! A descriptor is a sequence of items. A short item is one prefix byte
//! (`tag:4 | type:2 | size:2`, size codes 0/1/2/3 meaning 0/1/2/4 data
//! bytes, little-endian) followed by its data; a long item is the prefix
//! `0xFE`, a data length byte, a tag byte and that many data bytes. This
//! module only splits bytes into items; [`crate::ReportDescriptor`] gives
//! them meaning.

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::take;
use nom::number::complete::u8 as byte;

use crate::Error;

/// Prefix byte that introduces a long item.
pub const LONG_ITEM_PREFIX: u8 = 0xFE;

/// The item type field of a short item's prefix (bits 2–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ItemType {
    /// Main items: Input, Output, Feature, Collection, End Collection.
    Main,
    /// Global items: state that persists until changed.
    Global,
    /// Local items: state that applies to the next main item only.
    Local,
    /// Type 3, reserved by the specification.
    Reserved,
}

/// Main item tags (HID 1.11 §6.2.2.4).
pub mod main_tag {
    /// Input (prefix 0x80–0x83).
    pub const INPUT: u8 = 0x8;
    /// Output (prefix 0x90–0x93).
    pub const OUTPUT: u8 = 0x9;
    /// Collection (prefix 0xA0–0xA3).
    pub const COLLECTION: u8 = 0xA;
    /// Feature (prefix 0xB0–0xB3).
    pub const FEATURE: u8 = 0xB;
    /// End Collection (prefix 0xC0–0xC3).
    pub const END_COLLECTION: u8 = 0xC;
}

/// Global item tags (HID 1.11 §6.2.2.7).
pub mod global_tag {
    /// Usage Page.
    pub const USAGE_PAGE: u8 = 0x0;
    /// Logical Minimum (signed).
    pub const LOGICAL_MINIMUM: u8 = 0x1;
    /// Logical Maximum (signed).
    pub const LOGICAL_MAXIMUM: u8 = 0x2;
    /// Physical Minimum (signed).
    pub const PHYSICAL_MINIMUM: u8 = 0x3;
    /// Physical Maximum (signed).
    pub const PHYSICAL_MAXIMUM: u8 = 0x4;
    /// Unit Exponent (4-bit signed nibble).
    pub const UNIT_EXPONENT: u8 = 0x5;
    /// Unit (system and exponent nibbles).
    pub const UNIT: u8 = 0x6;
    /// Report Size, in bits.
    pub const REPORT_SIZE: u8 = 0x7;
    /// Report ID.
    pub const REPORT_ID: u8 = 0x8;
    /// Report Count.
    pub const REPORT_COUNT: u8 = 0x9;
    /// Push: save the global state.
    pub const PUSH: u8 = 0xA;
    /// Pop: restore the global state.
    pub const POP: u8 = 0xB;
}

/// Local item tags (HID 1.11 §6.2.2.8).
pub mod local_tag {
    /// Usage (1–2 bytes: usage ID on the current page; 4 bytes: extended usage).
    pub const USAGE: u8 = 0x0;
    /// Usage Minimum.
    pub const USAGE_MINIMUM: u8 = 0x1;
    /// Usage Maximum.
    pub const USAGE_MAXIMUM: u8 = 0x2;
    /// Designator Index.
    pub const DESIGNATOR_INDEX: u8 = 0x3;
    /// Designator Minimum.
    pub const DESIGNATOR_MINIMUM: u8 = 0x4;
    /// Designator Maximum.
    pub const DESIGNATOR_MAXIMUM: u8 = 0x5;
    /// String Index.
    pub const STRING_INDEX: u8 = 0x7;
    /// String Minimum.
    pub const STRING_MINIMUM: u8 = 0x8;
    /// String Maximum.
    pub const STRING_MAXIMUM: u8 = 0x9;
    /// Delimiter (1 opens an alias set, 0 closes it).
    pub const DELIMITER: u8 = 0xA;
}

/// The data of a short item: 0, 1, 2 or 4 little-endian bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ItemData {
    raw: u32,
    len: u8,
}

impl ItemData {
    /// Data of `len` bytes (0, 1, 2 or 4) holding `raw`; bits above `len`
    /// bytes are dropped.
    #[must_use]
    pub const fn new(raw: u32, len: u8) -> Self {
        let raw = match len {
            0 => 0,
            1 => raw & 0xFF,
            2 => raw & 0xFFFF,
            _ => raw,
        };
        let len = if len > 2 { 4 } else { len };
        Self { raw, len }
    }

    /// Number of data bytes (0, 1, 2 or 4).
    #[must_use]
    pub const fn len(&self) -> u8 {
        self.len
    }

    /// True for an item without data bytes.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The data as an unsigned number (zero-extended).
    #[must_use]
    pub const fn unsigned(&self) -> u32 {
        self.raw
    }

    /// The data as a signed number, sign-extended from its encoded size
    /// (how Logical/Physical Minimum/Maximum are read).
    #[must_use]
    pub const fn signed(&self) -> i32 {
        // The casts reinterpret the low bytes as two's complement, which is
        // exactly the sign extension the specification asks for.
        match self.len {
            0 => 0,
            1 => self.raw as u8 as i8 as i32,
            2 => self.raw as u16 as i16 as i32,
            _ => self.raw as i32,
        }
    }
}

/// One short item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortItem {
    /// Offset of the prefix byte in the descriptor.
    pub offset: usize,
    /// The prefix byte as found.
    pub prefix: u8,
    /// The item type (prefix bits 2–3).
    pub item_type: ItemType,
    /// The tag (prefix bits 4–7); see [`main_tag`], [`global_tag`], [`local_tag`].
    pub tag: u8,
    /// The data bytes.
    pub data: ItemData,
}

/// One descriptor item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Item {
    /// A short item.
    Short(ShortItem),
    /// A long item (prefix 0xFE). No long item tags are defined; parsers
    /// skip them, so only the tag and the data length are kept.
    Long {
        /// Offset of the 0xFE prefix byte.
        offset: usize,
        /// The long item tag.
        tag: u8,
        /// Number of data bytes.
        data_len: u8,
    },
}

impl Item {
    /// Offset of the item's first byte in the descriptor.
    #[must_use]
    pub const fn offset(&self) -> usize {
        match self {
            Self::Short(item) => item.offset,
            Self::Long { offset, .. } => *offset,
        }
    }

    /// Number of bytes the item occupies in the descriptor.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        match self {
            Self::Short(item) => 1 + item.data.len() as usize,
            Self::Long { data_len, .. } => 3 + *data_len as usize,
        }
    }

    /// Append the item's encoding to `out` (the inverse of [`decode_item`];
    /// a long item's data is written as zeros, since it is not kept).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Short(item) => {
                let size_code = match item.data.len() {
                    0 => 0,
                    1 => 1,
                    2 => 2,
                    _ => 3,
                };
                out.push((item.prefix & 0xFC) | size_code);
                out.extend_from_slice(
                    &item.data.unsigned().to_le_bytes()[..item.data.len() as usize],
                );
            }
            Self::Long { tag, data_len, .. } => {
                out.extend_from_slice(&[LONG_ITEM_PREFIX, *data_len, *tag]);
                out.resize(out.len() + *data_len as usize, 0);
            }
        }
    }
}

fn item_type(prefix: u8) -> ItemType {
    match (prefix >> 2) & 0x3 {
        0 => ItemType::Main,
        1 => ItemType::Global,
        2 => ItemType::Local,
        _ => ItemType::Reserved,
    }
}

/// nom parser for one item; `offset` is where `input` starts in the descriptor.
fn item_at(offset: usize) -> impl FnMut(&[u8]) -> IResult<&[u8], Item> {
    move |input: &[u8]| {
        let (rest, prefix) = byte(input)?;
        if prefix == LONG_ITEM_PREFIX {
            let (rest, (data_len, tag)) = (byte, byte).parse(rest)?;
            let (rest, _data) = take(data_len).parse(rest)?;
            return Ok((
                rest,
                Item::Long {
                    offset,
                    tag,
                    data_len,
                },
            ));
        }
        let len: u8 = match prefix & 0x3 {
            0 => 0,
            1 => 1,
            2 => 2,
            _ => 4,
        };
        let (rest, data) = take(len).parse(rest)?;
        let raw = data
            .iter()
            .rev()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        Ok((
            rest,
            Item::Short(ShortItem {
                offset,
                prefix,
                item_type: item_type(prefix),
                tag: prefix >> 4,
                data: ItemData::new(raw, len),
            }),
        ))
    }
}

/// How many bytes the item starting at `input[0]` needs in total, as far as
/// can be told from the bytes present.
fn declared_len(input: &[u8]) -> usize {
    match input.first() {
        None => 1,
        Some(&LONG_ITEM_PREFIX) => 3 + input.get(1).map_or(0, |len| usize::from(*len)),
        Some(prefix) => 1 + [0, 1, 2, 4][usize::from(prefix & 0x3)],
    }
}

/// Decode the item at the start of `input`; `offset` is the position of
/// `input` in the whole descriptor (used for errors and [`Item::offset`]).
///
/// Returns the item and the number of bytes it occupies.
///
/// # Errors
///
/// [`Error::Truncated`] when the item's data runs past the end of `input`
/// (including an empty `input`).
pub fn decode_item(input: &[u8], offset: usize) -> Result<(Item, usize), Error> {
    match item_at(offset)(input) {
        Ok((rest, item)) => Ok((item, input.len() - rest.len())),
        Err(_) => Err(Error::Truncated {
            offset,
            needed: declared_len(input).saturating_sub(input.len()).max(1),
        }),
    }
}

/// Iterator over the items of a descriptor; yields one error and then stops
/// at the first truncated item.
#[derive(Debug, Clone)]
pub struct Items<'a> {
    bytes: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Items<'a> {
    /// Iterate over the items of `descriptor`.
    #[must_use]
    pub const fn new(descriptor: &'a [u8]) -> Self {
        Self {
            bytes: descriptor,
            pos: 0,
            done: false,
        }
    }
}

impl Iterator for Items<'_> {
    type Item = Result<Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        match decode_item(rest, self.pos) {
            Ok((item, used)) => {
                self.pos += used;
                Some(Ok(item))
            }
            Err(err) => {
                self.done = true;
                Some(Err(err))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_items_sizes_and_sign() {
        let bytes = [
            0x05, 0x84, 0x26, 0xFF, 0x00, 0x17, 0xFF, 0xFF, 0xFF, 0xFF, 0xC0,
        ];
        let items: Vec<Item> = Items::new(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(items.len(), 4);
        let Item::Short(page) = items[0] else {
            panic!("short")
        };
        assert_eq!(
            (page.item_type, page.tag, page.data.unsigned()),
            (ItemType::Global, 0, 0x84)
        );
        let Item::Short(max) = items[1] else {
            panic!("short")
        };
        assert_eq!((max.offset, max.data.len(), max.data.signed()), (2, 2, 255));
        let Item::Short(min) = items[2] else {
            panic!("short")
        };
        assert_eq!((min.data.signed(), min.data.unsigned()), (-1, 0xFFFF_FFFF));
        let Item::Short(end) = items[3] else {
            panic!("short")
        };
        assert_eq!(
            (end.item_type, end.tag, end.offset),
            (ItemType::Main, main_tag::END_COLLECTION, 10)
        );
    }

    #[test]
    fn long_item_is_skipped_with_its_data() {
        let bytes = [0xFE, 0x02, 0x10, 0xAA, 0xBB, 0xC0];
        let items: Vec<Item> = Items::new(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            items[0],
            Item::Long {
                offset: 0,
                tag: 0x10,
                data_len: 2
            }
        );
        assert_eq!(items[1].offset(), 5);
    }

    #[test]
    fn truncated_items_report_offset_and_missing_bytes() {
        assert_eq!(
            Items::new(&[0xC0, 0x27, 0xFF]).nth(1),
            Some(Err(Error::Truncated {
                offset: 1,
                needed: 3
            }))
        );
        assert_eq!(
            Items::new(&[0xFE, 0x05, 0x01, 0x00]).next(),
            Some(Err(Error::Truncated {
                offset: 0,
                needed: 4
            }))
        );
        assert_eq!(
            Items::new(&[0xFE]).next(),
            Some(Err(Error::Truncated {
                offset: 0,
                needed: 2
            }))
        );
        let mut items = Items::new(&[0x26, 0x01]);
        assert!(items.next().is_some_and(|r| r.is_err()));
        assert_eq!(items.next(), None);
    }

    #[test]
    fn encode_round_trips_short_items() {
        let bytes = [
            0x05, 0x84, 0x09, 0x04, 0xA1, 0x01, 0x27, 0xFF, 0xFF, 0xFF, 0x75, 0xB2, 0x02, 0x01,
            0xC0,
        ];
        let mut out = Vec::new();
        for item in Items::new(&bytes) {
            item.unwrap().encode(&mut out);
        }
        assert_eq!(out, bytes);
    }
}
