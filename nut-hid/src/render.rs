//! Human and JSON renderings of a decoded descriptor: the collection tree
//! with every field and its HID path.
//!
//! The text form is stable and meant for golden files and bug reports; the
//! JSON form is hand-written (no serde) and holds the same information.

use std::fmt::{self, Write as _};

use crate::descriptor::{Collection, Field, ReportDescriptor};
use crate::usage::{UsageNames, page_name};

/// Children of each collection (and of the top level), built in one pass.
struct Tree {
    /// `collections[i]` = child collection indexes of collection i; the
    /// last entry is the top level.
    collections: Vec<Vec<usize>>,
    /// Same for fields.
    fields: Vec<Vec<usize>>,
}

impl Tree {
    fn new(descriptor: &ReportDescriptor) -> Self {
        let top = descriptor.collections.len();
        let mut tree = Self {
            collections: vec![Vec::new(); top + 1],
            fields: vec![Vec::new(); top + 1],
        };
        for (index, collection) in descriptor.collections.iter().enumerate() {
            let parent = collection.parent.unwrap_or(top);
            if let Some(children) = tree.collections.get_mut(parent) {
                children.push(index);
            }
        }
        for (index, field) in descriptor.fields.iter().enumerate() {
            let parent = field.collection.unwrap_or(top);
            if let Some(children) = tree.fields.get_mut(parent) {
                children.push(index);
            }
        }
        tree
    }
}

/// Text rendering of a [`ReportDescriptor`] with a given name resolver
/// (see [`ReportDescriptor::display_with`]).
#[derive(Debug, Clone, Copy)]
pub struct DescriptorDisplay<'a> {
    descriptor: &'a ReportDescriptor,
    names: UsageNames,
}

impl ReportDescriptor {
    /// A [`fmt::Display`] adapter rendering the tree with `names`.
    #[must_use]
    pub fn display_with(&self, names: UsageNames) -> DescriptorDisplay<'_> {
        DescriptorDisplay {
            descriptor: self,
            names,
        }
    }

    /// One line per named field: `<kind> <report id> <offset>+<size>[x<count>] <path>`,
    /// in descriptor order (the list NUT's debug dump shows).
    #[must_use]
    pub fn path_listing(&self, names: UsageNames) -> String {
        let mut out = String::new();
        for field in self.fields.iter().filter(|field| field.is_named()) {
            let _ = writeln!(
                out,
                "{:<7} 0x{:02x} {:>4}+{}{} {}",
                field.kind.nut_name(),
                field.report_id,
                field.bit_offset,
                field.bit_size,
                if field.count > 1 {
                    format!("x{}", field.count)
                } else {
                    String::new()
                },
                field.path.display(&names)
            );
        }
        out
    }

    /// The JSON rendering (one object; see the crate docs for its shape).
    #[must_use]
    pub fn to_json(&self, names: UsageNames) -> String {
        let tree = Tree::new(self);
        let mut out = String::new();
        let _ = write!(
            out,
            "{{\"length\":{},\"items\":{},\"uses_report_ids\":{},\"power_device\":{},\"reports\":[",
            self.len,
            self.item_count,
            self.uses_report_ids,
            self.is_power_device()
        );
        for (i, layout) in self.reports.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"kind\":\"{}\",\"report_id\":{},\"bits\":{}}}",
                layout.kind, layout.report_id, layout.bits
            );
        }
        out.push_str("],");
        let top = self.collections.len();
        self.json_children(&tree, top, &names, &mut out);
        out.push('}');
        out
    }

    fn json_children(&self, tree: &Tree, parent: usize, names: &UsageNames, out: &mut String) {
        out.push_str("\"collections\":[");
        for (i, &index) in tree
            .collections
            .get(parent)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if i > 0 {
                out.push(',');
            }
            if let Some(collection) = self.collections.get(index) {
                json_collection_head(collection, names, out);
                self.json_children(tree, index, names, out);
                out.push('}');
            }
        }
        out.push_str("],\"fields\":[");
        for (i, &index) in tree.fields.get(parent).into_iter().flatten().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Some(field) = self.fields.get(index) {
                json_field(field, names, out);
            }
        }
        out.push(']');
    }
}

fn json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_option(value: Option<i64>, out: &mut String) {
    match value {
        Some(value) => {
            let _ = write!(out, "{value}");
        }
        None => out.push_str("null"),
    }
}

fn json_collection_head(collection: &Collection, names: &UsageNames, out: &mut String) {
    let _ = write!(
        out,
        "{{\"offset\":{},\"kind\":\"{}\",\"kind_code\":{},\"usage\":\"0x{:08x}\",\"path\":",
        collection.offset,
        collection.kind.name(),
        collection.kind.code(),
        collection.usage
    );
    json_string(&collection.path.display(names).to_string(), out);
    out.push(',');
}

fn json_field(field: &Field, names: &UsageNames, out: &mut String) {
    let _ = write!(
        out,
        "{{\"kind\":\"{}\",\"report_id\":{},\"bit_offset\":{},\"bit_size\":{},\"count\":{},\"usage\":",
        field.kind, field.report_id, field.bit_offset, field.bit_size, field.count
    );
    match field.usage {
        Some(usage) => {
            let _ = write!(out, "\"0x{usage:08x}\",\"path\":");
            json_string(&field.path.display(names).to_string(), out);
        }
        None => out.push_str("null,\"path\":null"),
    }
    let _ = write!(
        out,
        ",\"logical_minimum\":{},\"logical_maximum\":{},\"assumed_logical_maximum\":{},\"physical_minimum\":",
        field.logical_minimum, field.logical_maximum, field.assumed_logical_maximum
    );
    json_option(field.physical_minimum, out);
    out.push_str(",\"physical_maximum\":");
    json_option(field.physical_maximum, out);
    let _ = write!(
        out,
        ",\"unit\":\"0x{:08x}\",\"unit_exponent\":{},\"flags\":{},\"flags_text\":\"{}\",\"item_offset\":{}}}",
        field.unit,
        field.unit_exponent,
        field.flags.bits(),
        field.flags,
        field.item_offset
    );
}

impl DescriptorDisplay<'_> {
    fn write_children(
        &self,
        f: &mut fmt::Formatter<'_>,
        tree: &Tree,
        parent: usize,
        depth: usize,
    ) -> fmt::Result {
        let descriptor = self.descriptor;
        let fields = tree.fields.get(parent).map_or(&[][..], Vec::as_slice);
        let collections = tree.collections.get(parent).map_or(&[][..], Vec::as_slice);
        let (mut f_index, mut c_index) = (0, 0);
        // Merge fields and child collections back into descriptor order.
        loop {
            let field = fields.get(f_index).and_then(|&i| descriptor.fields.get(i));
            let collection = collections
                .get(c_index)
                .and_then(|&i| descriptor.collections.get(i).map(|c| (i, c)));
            match (field, collection) {
                (Some(field), Some((_, collection))) if field.item_offset < collection.offset => {
                    self.write_field(f, field, depth)?;
                    f_index += 1;
                }
                (Some(field), None) => {
                    self.write_field(f, field, depth)?;
                    f_index += 1;
                }
                (_, Some((index, collection))) => {
                    self.write_collection(f, collection, depth)?;
                    self.write_children(f, tree, index, depth + 1)?;
                    c_index += 1;
                }
                (None, None) => return Ok(()),
            }
        }
    }

    fn write_collection(
        &self,
        f: &mut fmt::Formatter<'_>,
        collection: &Collection,
        depth: usize,
    ) -> fmt::Result {
        let page = (collection.usage >> 16) as u16;
        write!(
            f,
            "{:indent$}collection {} 0x{:02x} @{} {} (page 0x{:04x}",
            "",
            collection.kind.name(),
            collection.kind.code(),
            collection.offset,
            collection.path.display(&self.names),
            page,
            indent = depth * 2
        )?;
        if let Some(name) = page_name(page) {
            write!(f, " {name}")?;
        }
        writeln!(f, ")")
    }

    fn write_field(&self, f: &mut fmt::Formatter<'_>, field: &Field, depth: usize) -> fmt::Result {
        write!(
            f,
            "{:indent$}{} 0x{:02x} bits {}+{}",
            "",
            field.kind,
            field.report_id,
            field.bit_offset,
            field.bit_size,
            indent = depth * 2
        )?;
        if field.count != 1 {
            write!(f, "x{}", field.count)?;
        }
        match field.usage {
            Some(_) => write!(f, " {}", field.path.display(&self.names))?,
            None if field.flags.is_constant() => f.write_str(" (padding)")?,
            None => f.write_str(" (no usage)")?,
        }
        write!(
            f,
            " logical {}..{}",
            field.logical_minimum, field.logical_maximum
        )?;
        if field.assumed_logical_maximum {
            f.write_str(" (assumed)")?;
        }
        if field.physical_minimum.is_some() || field.physical_maximum.is_some() {
            let bound =
                |value: Option<i64>| value.map_or_else(|| "?".to_owned(), |v| v.to_string());
            write!(
                f,
                " physical {}..{}",
                bound(field.physical_minimum),
                bound(field.physical_maximum)
            )?;
        }
        if field.unit != 0 || field.unit_exponent != 0 {
            write!(f, " unit 0x{:08x} exp {}", field.unit, field.unit_exponent)?;
        }
        writeln!(f, " {}", field.flags)
    }
}

impl fmt::Display for DescriptorDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let descriptor = self.descriptor;
        writeln!(
            f,
            "report descriptor: {} bytes, {} items, {} collections, {} fields, report ids {}, {}",
            descriptor.len,
            descriptor.item_count,
            descriptor.collections.len(),
            descriptor.fields.len(),
            if descriptor.uses_report_ids {
                "yes"
            } else {
                "no"
            },
            if descriptor.is_power_device() {
                "power device"
            } else {
                "not a power device"
            }
        )?;
        for layout in &descriptor.reports {
            writeln!(
                f,
                "report {} 0x{:02x}: {} bits ({} bytes)",
                layout.kind,
                layout.report_id,
                layout.bits,
                layout.payload_len()
            )?;
        }
        let tree = Tree::new(descriptor);
        self.write_children(f, &tree, descriptor.collections.len(), 0)
    }
}

/// Renders with the standard usage tables.
impl fmt::Display for ReportDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.display_with(UsageNames::STANDARD).fmt(f)
    }
}
