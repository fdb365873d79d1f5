//! The descriptor state machine: global/local item state, collections and
//! field emission (HID 1.11 §6.2.2, with NUT's choices as options).

use std::collections::BTreeMap;

use super::field::{Collection, CollectionKind, Field, MainFlags};
use super::{ReportDescriptor, ReportLayout};
use crate::config::{
    MAX_COLLECTION_DEPTH, MAX_DESCRIPTOR_LEN, MAX_FIELDS, MAX_LOCAL_USAGES, MAX_PUSH_DEPTH,
    MAX_REPORT_BITS, ParserConfig,
};
use crate::item::{Item, ItemData, ItemType, Items, ShortItem, global_tag, local_tag, main_tag};
use crate::report::ReportKind;
use crate::usage::INDEX_NODE_BASE;
use crate::{Error, fixup};

/// Global item state (saved and restored by Push/Pop).
#[derive(Debug, Clone, Default)]
struct Globals {
    usage_page: u16,
    logical_minimum: i64,
    logical_maximum: ItemData,
    physical_minimum: Option<i64>,
    physical_maximum: Option<i64>,
    unit_exponent: i8,
    unit: u32,
    report_size: u32,
    report_id: u8,
    report_count: u32,
}

/// One pending usage entry: a single usage or a Usage Minimum..Maximum range.
#[derive(Debug, Clone, Copy)]
enum LocalUsage {
    Single(u32),
    Range { minimum: u32, maximum: u32 },
}

impl LocalUsage {
    fn len(self) -> u64 {
        match self {
            Self::Single(_) => 1,
            Self::Range { minimum, maximum } => u64::from(maximum - minimum) + 1,
        }
    }

    fn first(self) -> u32 {
        match self {
            Self::Single(usage) | Self::Range { minimum: usage, .. } => usage,
        }
    }
}

/// Local item state (cleared after every main item).
#[derive(Debug, Default)]
struct Locals {
    usages: Vec<LocalUsage>,
    minimum: Option<(u32, usize)>,
    maximum: Option<(u32, usize)>,
    /// Inside a Delimiter alias set: `Some(true)` once its first (preferred)
    /// usage has been taken; later aliases are skipped.
    alias_set: Option<bool>,
}

impl Locals {
    fn clear(&mut self) {
        self.usages.clear();
        self.minimum = None;
        self.maximum = None;
        self.alias_set = None;
    }

    fn push(&mut self, usage: LocalUsage, offset: usize) -> Result<(), Error> {
        if self.usages.len() >= MAX_LOCAL_USAGES {
            return Err(Error::TooManyUsages {
                offset,
                limit: MAX_LOCAL_USAGES,
            });
        }
        self.usages.push(usage);
        if self.alias_set.is_some() {
            self.alias_set = Some(true);
        }
        Ok(())
    }

    fn skipping_aliases(&self) -> bool {
        self.alias_set == Some(true)
    }

    /// Pair a pending minimum and maximum into a range.
    fn pair_range(&mut self, offset: usize) -> Result<(), Error> {
        if let (Some((minimum, _)), Some((maximum, _))) = (self.minimum, self.maximum) {
            if minimum > maximum {
                return Err(Error::UsageRangeInverted {
                    offset,
                    minimum,
                    maximum,
                });
            }
            self.minimum = None;
            self.maximum = None;
            self.push(LocalUsage::Range { minimum, maximum }, offset)?;
        }
        Ok(())
    }

    fn check_paired(&self) -> Result<(), Error> {
        match (self.minimum, self.maximum) {
            (Some((_, offset)), _) | (_, Some((_, offset))) => {
                Err(Error::UnpairedUsageRange { offset })
            }
            _ => Ok(()),
        }
    }

    /// The first `limit` usages, ranges expanded lazily.
    fn take(&self, limit: u64) -> Vec<u32> {
        let mut out = Vec::new();
        for entry in &self.usages {
            let room = limit.saturating_sub(out.len() as u64);
            if room == 0 {
                break;
            }
            match *entry {
                LocalUsage::Single(usage) => out.push(usage),
                LocalUsage::Range { minimum, maximum } => {
                    out.extend(
                        (minimum..=maximum).take(usize::try_from(room).unwrap_or(usize::MAX)),
                    );
                }
            }
        }
        out
    }

    fn total(&self) -> u64 {
        self.usages.iter().map(|usage| usage.len()).sum()
    }
}

/// An open collection on the stack.
#[derive(Debug)]
struct Open {
    index: usize,
    offset: usize,
}

/// The parser: walks items once, keeps bounded state.
pub(super) struct Parser<'c> {
    config: &'c ParserConfig,
    globals: Globals,
    saved: Vec<Globals>,
    locals: Locals,
    open: Vec<Open>,
    collections: Vec<Collection>,
    fields: Vec<Field>,
    report_bits: BTreeMap<(ReportKind, u8), u32>,
    uses_report_ids: bool,
    item_count: usize,
}

impl<'c> Parser<'c> {
    pub(super) fn new(config: &'c ParserConfig) -> Self {
        Self {
            config,
            globals: Globals::default(),
            saved: Vec::new(),
            locals: Locals::default(),
            open: Vec::new(),
            collections: Vec::new(),
            fields: Vec::new(),
            report_bits: BTreeMap::new(),
            uses_report_ids: false,
            item_count: 0,
        }
    }

    pub(super) fn run(mut self, bytes: &[u8]) -> Result<ReportDescriptor, Error> {
        if bytes.len() > MAX_DESCRIPTOR_LEN {
            return Err(Error::DescriptorTooLong {
                len: bytes.len(),
                limit: MAX_DESCRIPTOR_LEN,
            });
        }
        for item in Items::new(bytes) {
            self.item_count += 1;
            match item? {
                // No long item tags are defined; HID says skip them.
                Item::Long { .. } => {}
                Item::Short(item) => self.short(item)?,
            }
        }
        if let Some(open) = self.open.last()
            && !self.config.quirks.allow_unbalanced_collections
        {
            return Err(Error::UnclosedCollection {
                offset: open.offset,
            });
        }
        fixup::apply(&self.config.quirks, &mut self.fields);
        let reports = self
            .report_bits
            .iter()
            .map(|(&(kind, report_id), &bits)| ReportLayout {
                kind,
                report_id,
                bits,
            })
            .collect();
        Ok(ReportDescriptor {
            len: bytes.len(),
            item_count: self.item_count,
            collections: self.collections,
            fields: self.fields,
            reports,
            uses_report_ids: self.uses_report_ids,
        })
    }

    fn reserved(&self, item: ShortItem) -> Result<(), Error> {
        if self.config.quirks.ignore_reserved_items {
            Ok(())
        } else {
            Err(Error::ReservedItem {
                offset: item.offset,
                prefix: item.prefix,
            })
        }
    }

    fn short(&mut self, item: ShortItem) -> Result<(), Error> {
        match item.item_type {
            ItemType::Main => self.main(item),
            ItemType::Global => self.global(item),
            ItemType::Local => self.local(item),
            _ => self.reserved(item),
        }
    }

    fn main(&mut self, item: ShortItem) -> Result<(), Error> {
        let result = match item.tag {
            main_tag::INPUT => self.data(item, ReportKind::Input),
            main_tag::OUTPUT => self.data(item, ReportKind::Output),
            main_tag::FEATURE => self.data(item, ReportKind::Feature),
            main_tag::COLLECTION => self.collection(item),
            main_tag::END_COLLECTION => self.end_collection(item),
            _ => return self.reserved(item),
        };
        self.locals.clear();
        result
    }

    fn collection(&mut self, item: ShortItem) -> Result<(), Error> {
        self.locals.check_paired()?;
        if self.open.len() >= MAX_COLLECTION_DEPTH {
            return Err(Error::CollectionTooDeep {
                offset: item.offset,
                limit: MAX_COLLECTION_DEPTH,
            });
        }
        let kind = CollectionKind::from_code((item.data.unsigned() & 0xFF) as u8);
        let usage = self.locals.usages.first().map_or(0, |usage| usage.first());
        let parent = self.open.last().map(|open| open.index);
        let mut path = parent
            .and_then(|index| self.collections.get(index))
            .map(|collection| collection.path.clone())
            .unwrap_or_default();
        path.push(usage);
        if let CollectionKind::Vendor(code) = kind {
            path.push(INDEX_NODE_BASE | u32::from(code & 0x7F));
        }
        self.open.push(Open {
            index: self.collections.len(),
            offset: item.offset,
        });
        self.collections.push(Collection {
            offset: item.offset,
            kind,
            usage,
            parent,
            path,
        });
        Ok(())
    }

    fn end_collection(&mut self, item: ShortItem) -> Result<(), Error> {
        if self.open.pop().is_none() && !self.config.quirks.allow_unbalanced_collections {
            return Err(Error::UnbalancedEndCollection {
                offset: item.offset,
            });
        }
        Ok(())
    }

    fn global(&mut self, item: ShortItem) -> Result<(), Error> {
        let data = item.data;
        let g = &mut self.globals;
        match item.tag {
            global_tag::USAGE_PAGE => g.usage_page = (data.unsigned() & 0xFFFF) as u16,
            global_tag::LOGICAL_MINIMUM => g.logical_minimum = i64::from(data.signed()),
            global_tag::LOGICAL_MAXIMUM => g.logical_maximum = data,
            global_tag::PHYSICAL_MINIMUM => g.physical_minimum = Some(i64::from(data.signed())),
            global_tag::PHYSICAL_MAXIMUM => g.physical_maximum = Some(i64::from(data.signed())),
            global_tag::UNIT_EXPONENT => {
                g.unit_exponent = unit_exponent(data, item.offset, self.config)?;
            }
            global_tag::UNIT => g.unit = data.unsigned(),
            global_tag::REPORT_SIZE => g.report_size = data.unsigned(),
            global_tag::REPORT_COUNT => g.report_count = data.unsigned(),
            global_tag::REPORT_ID => {
                let value = data.unsigned();
                g.report_id = match u8::try_from(value) {
                    Ok(id) if id != 0 => id,
                    _ => {
                        return Err(Error::InvalidReportId {
                            offset: item.offset,
                            value,
                        });
                    }
                };
                self.uses_report_ids = true;
            }
            global_tag::PUSH if !self.config.ignore_push_pop => {
                if self.saved.len() >= MAX_PUSH_DEPTH {
                    return Err(Error::PushTooDeep {
                        offset: item.offset,
                        limit: MAX_PUSH_DEPTH,
                    });
                }
                self.saved.push(self.globals.clone());
            }
            global_tag::POP if !self.config.ignore_push_pop => {
                self.globals = self.saved.pop().ok_or(Error::PopWithoutPush {
                    offset: item.offset,
                })?;
            }
            global_tag::PUSH | global_tag::POP => {}
            _ => return self.reserved(item),
        }
        Ok(())
    }

    /// A usage from a Usage/Usage Minimum/Usage Maximum item: 4 data bytes
    /// are an extended usage, fewer combine with the Usage Page in force
    /// at this item (as NUT and Linux do).
    fn extended_usage(&self, data: ItemData) -> u32 {
        if data.len() == 4 {
            data.unsigned()
        } else {
            (u32::from(self.globals.usage_page) << 16) | (data.unsigned() & 0xFFFF)
        }
    }

    fn local(&mut self, item: ShortItem) -> Result<(), Error> {
        let ranges = !self.config.ignore_usage_ranges;
        match item.tag {
            local_tag::USAGE => {
                if !self.locals.skipping_aliases() {
                    let usage = self.extended_usage(item.data);
                    self.locals.push(LocalUsage::Single(usage), item.offset)?;
                }
            }
            local_tag::USAGE_MINIMUM if ranges => {
                if !self.locals.skipping_aliases() {
                    if let Some((_, offset)) = self.locals.minimum {
                        return Err(Error::UnpairedUsageRange { offset });
                    }
                    self.locals.minimum = Some((self.extended_usage(item.data), item.offset));
                    self.locals.pair_range(item.offset)?;
                }
            }
            local_tag::USAGE_MAXIMUM if ranges => {
                if !self.locals.skipping_aliases() {
                    if let Some((_, offset)) = self.locals.maximum {
                        return Err(Error::UnpairedUsageRange { offset });
                    }
                    self.locals.maximum = Some((self.extended_usage(item.data), item.offset));
                    self.locals.pair_range(item.offset)?;
                }
            }
            local_tag::DELIMITER => {
                self.locals.alias_set = (item.data.unsigned() == 1).then_some(false);
            }
            local_tag::USAGE_MINIMUM
            | local_tag::USAGE_MAXIMUM
            | local_tag::DESIGNATOR_INDEX
            | local_tag::DESIGNATOR_MINIMUM
            | local_tag::DESIGNATOR_MAXIMUM
            | local_tag::STRING_INDEX
            | local_tag::STRING_MINIMUM
            | local_tag::STRING_MAXIMUM => {}
            _ => return self.reserved(item),
        }
        Ok(())
    }

    /// The logical range in force for a main item at `offset`, repaired or
    /// rejected when inverted.
    fn logical_range(&self, offset: usize) -> Result<(i64, i64, bool), Error> {
        let minimum = self.globals.logical_minimum;
        let maximum = i64::from(self.globals.logical_maximum.signed());
        if maximum >= minimum {
            return Ok((minimum, maximum, false));
        }
        if self.config.quirks.repair_logical_maximum {
            return Ok((
                minimum,
                i64::from(self.globals.logical_maximum.unsigned()),
                true,
            ));
        }
        Err(Error::LogicalRangeInverted {
            offset,
            minimum,
            maximum,
        })
    }

    fn data(&mut self, item: ShortItem, kind: ReportKind) -> Result<(), Error> {
        self.locals.check_paired()?;
        let g = self.globals.clone();
        let (size, count, report_id) = (g.report_size, g.report_count, g.report_id);
        let start = self
            .report_bits
            .get(&(kind, report_id))
            .copied()
            .unwrap_or(0);
        let end = u64::from(start) + u64::from(size) * u64::from(count);
        let end = match u32::try_from(end) {
            Ok(end) if end <= MAX_REPORT_BITS => end,
            _ => {
                return Err(Error::ReportTooLong {
                    offset: item.offset,
                    kind,
                    report_id,
                    bits: end,
                    limit: MAX_REPORT_BITS,
                });
            }
        };
        self.report_bits.insert((kind, report_id), end);
        if count == 0 {
            return Ok(());
        }
        let (logical_minimum, logical_maximum, assumed) = self.logical_range(item.offset)?;
        if let (Some(minimum), Some(maximum)) = (g.physical_minimum, g.physical_maximum)
            && maximum < minimum
            && !self.config.quirks.allow_inverted_physical_range
        {
            return Err(Error::PhysicalRangeInverted {
                offset: item.offset,
                minimum,
                maximum,
            });
        }

        let collection = self.open.last().map(|open| open.index);
        let base_path = collection
            .and_then(|index| self.collections.get(index))
            .map(|collection| collection.path.clone())
            .unwrap_or_default();
        let named = self.locals.total().min(u64::from(count));
        let usages = self.locals.take(named.min(MAX_FIELDS as u64 + 1));
        let template = Field {
            kind,
            report_id,
            bit_offset: start,
            bit_size: size,
            count: 1,
            usage: None,
            path: base_path.clone(),
            collection,
            logical_minimum,
            logical_maximum,
            assumed_logical_maximum: assumed,
            physical_minimum: g.physical_minimum,
            physical_maximum: g.physical_maximum,
            unit: g.unit,
            unit_exponent: g.unit_exponent,
            flags: MainFlags::new(item.data.unsigned()),
            item_offset: item.offset,
        };
        let repeat_last = !self.config.no_last_usage_repeat;
        let last = usages.len().saturating_sub(1);
        // Offsets stay within `end`, which fits in u32: no overflow below.
        let mut emitted: u32 = 0;
        for (k, usage) in usages.iter().enumerate() {
            let elements = if k == last && repeat_last {
                count - emitted
            } else {
                1
            };
            let mut path = base_path.clone();
            path.push(*usage);
            let field = Field {
                bit_offset: start + size * emitted,
                count: elements,
                usage: Some(*usage),
                path,
                ..template.clone()
            };
            self.emit(field, item.offset)?;
            emitted += elements;
        }
        if emitted < count {
            let field = Field {
                bit_offset: start + size * emitted,
                count: count - emitted,
                ..template
            };
            self.emit(field, item.offset)?;
        }
        Ok(())
    }

    fn emit(&mut self, field: Field, offset: usize) -> Result<(), Error> {
        if self.fields.len() >= MAX_FIELDS {
            return Err(Error::TooManyFields {
                offset,
                limit: MAX_FIELDS,
            });
        }
        self.fields.push(field);
        Ok(())
    }
}

/// Read a Unit Exponent: a 4-bit two's-complement nibble (8..=15 mean
/// −8..=−1); with the quirk, also a sign-extended −8..=−1 (`0xFE` = −2).
fn unit_exponent(data: ItemData, offset: usize, config: &ParserConfig) -> Result<i8, Error> {
    let raw = data.unsigned();
    if raw <= 15 {
        let nibble = raw as i8;
        return Ok(if nibble > 7 { nibble - 16 } else { nibble });
    }
    let signed = data.signed();
    if config.quirks.sign_extended_unit_exponent && (-8..=-1).contains(&signed) {
        return Ok(signed as i8);
    }
    Err(Error::UnitExponentOutOfRange { offset, value: raw })
}
