//! HID paths: the dotted names (`UPS.PowerSummary.RemainingCapacity`) NUT
//! uses to address a report field, built from collection usages.
//!
//! A path is a list of 32-bit nodes: the usage of every enclosing
//! collection (0 for a collection without one), an index node
//! `0x00FF0000 | (type & 0x7F)` after each collection whose type is
//! vendor-defined (≥ 0x80), then the field's own usage. Printing and parsing
//! follow `usbhid-ups` exactly, including its oddities (tokens that are
//! neither names, hex numbers nor `[n]` are dropped when parsing).

use std::fmt;

use crate::config::MAX_COLLECTION_DEPTH;
use crate::usage::{INDEX_NODE_BASE, UsageNames};

/// Longest path accepted by [`HidPath::parse`], in nodes: the longest path
/// the descriptor parser builds (a usage and an index node per collection
/// level, plus the field usage). Real paths have at most 10.
pub const MAX_PATH_NODES: usize = 2 * MAX_COLLECTION_DEPTH + 1;

/// A HID path: collection usages, index nodes and a field usage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct HidPath {
    nodes: Vec<u32>,
}

impl HidPath {
    /// A path of the given nodes.
    #[must_use]
    pub fn new(nodes: Vec<u32>) -> Self {
        Self { nodes }
    }

    /// The nodes, outermost first.
    #[must_use]
    pub fn nodes(&self) -> &[u32] {
        &self.nodes
    }

    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True for the empty path.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Append a node.
    pub fn push(&mut self, node: u32) {
        self.nodes.push(node);
    }

    /// True when `prefix`'s nodes are the first nodes of `self` (how NUT
    /// binds a mapping path to a field: a shorter path binds to the first
    /// field it is a prefix of).
    #[must_use]
    pub fn starts_with(&self, prefix: &Self) -> bool {
        self.nodes.starts_with(&prefix.nodes)
    }

    /// Parse a dotted path the way `usbhid-ups` binds mapping tables. For
    /// each `.`-separated token, in order: a name from `names`
    /// (case-insensitive); else a token of hex digits only, as a number
    /// (`ffff0057`); else a token of digits and brackets only, as index
    /// node `0x00FF0000 + n` with n the decimal number after the first
    /// character (`[12]`); else the token is dropped and the rest still form
    /// a (shorter) path. At most [`MAX_PATH_NODES`] nodes are kept.
    #[must_use]
    pub fn parse(text: &str, names: &UsageNames) -> Self {
        let nodes = text
            .split('.')
            .filter_map(|token| parse_node(token, names))
            .take(MAX_PATH_NODES)
            .collect();
        Self { nodes }
    }

    /// A [`fmt::Display`] adapter printing the path with `names`.
    #[must_use]
    pub fn display<'a>(&'a self, names: &'a UsageNames) -> PathDisplay<'a> {
        PathDisplay { path: self, names }
    }
}

fn parse_node(token: &str, names: &UsageNames) -> Option<u32> {
    if token.is_empty() {
        return None;
    }
    if let Some(code) = names.code(token) {
        return Some(code);
    }
    if token.bytes().all(|b| b.is_ascii_hexdigit()) {
        // More than 8 hex digits do not fit a usage: dropped like any other
        // unusable token.
        return u32::from_str_radix(token, 16).ok();
    }
    if token
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'[' || b == b']')
    {
        let digits: String = token
            .chars()
            .skip(1)
            .take_while(char::is_ascii_digit)
            .collect();
        let index = if digits.is_empty() {
            0
        } else {
            digits.parse::<u16>().ok()?
        };
        return Some(INDEX_NODE_BASE | u32::from(index));
    }
    None
}

/// Prints a [`HidPath`] with a given name resolver (see [`HidPath::display`]).
#[derive(Debug, Clone, Copy)]
pub struct PathDisplay<'a> {
    path: &'a HidPath,
    names: &'a UsageNames,
}

impl fmt::Display for PathDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, node) in self.path.nodes.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{}", self.names.node(*node))?;
        }
        Ok(())
    }
}

/// Prints with the standard tables only.
impl fmt::Display for HidPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.display(&UsageNames::STANDARD).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::VendorTable;

    #[test]
    fn prints_like_nut() {
        let path = HidPath::new(vec![0x0084_0004, 0x0084_0024, 0x0085_0066]);
        assert_eq!(path.to_string(), "UPS.PowerSummary.RemainingCapacity");
        let outlet = HidPath::new(vec![
            0x0084_0004,
            0x0084_0018,
            0x0084_0020,
            0x00FF_0002,
            0x0084_006b,
        ]);
        assert_eq!(
            outlet.to_string(),
            "UPS.OutletSystem.Outlet.[2].SwitchOn/Off"
        );
        let vendor = HidPath::new(vec![0x0084_0004, 0xff86_0005, 0xff86_007c]);
        assert_eq!(vendor.to_string(), "UPS.ff860005.ff86007c");
        assert_eq!(
            vendor
                .display(&UsageNames::with_vendor(VendorTable::Apc))
                .to_string(),
            "UPS.APCGeneralCollection.APCDelayBeforeReboot"
        );
    }

    #[test]
    fn parses_names_hex_and_indexes() {
        let names = UsageNames::STANDARD;
        let path = HidPath::parse("UPS.PowerSummary.RuntimeToEmpty", &names);
        assert_eq!(path.nodes(), [0x0084_0004, 0x0084_0024, 0x0085_0068]);
        let path = HidPath::parse("UPS.OutletSystem.Outlet.[12].ffff0057", &names);
        assert_eq!(
            path.nodes(),
            [
                0x0084_0004,
                0x0084_0018,
                0x0084_0020,
                0x00FF_000C,
                0xffff_0057
            ]
        );
    }

    #[test]
    fn unusable_tokens_are_dropped() {
        let names = UsageNames::STANDARD;
        // `0xffff0081` is not all hex digits (the `x`), so NUT drops it.
        let path = HidPath::parse("UPS.0xffff0081.PowerSummary..NoSuchName", &names);
        assert_eq!(path.nodes(), [0x0084_0004, 0x0084_0024]);
        assert_eq!(HidPath::parse("123456789", &names).len(), 0);
        assert_eq!(HidPath::parse("[99999]", &names).len(), 0);
    }

    #[test]
    fn parse_is_bounded() {
        let long = vec!["UPS"; MAX_PATH_NODES + 1].join(".");
        assert_eq!(
            HidPath::parse(&long, &UsageNames::STANDARD).len(),
            MAX_PATH_NODES
        );
    }

    #[test]
    fn prefix_binding() {
        let field = HidPath::new(vec![1, 2, 3]);
        assert!(field.starts_with(&HidPath::new(vec![1, 2])));
        assert!(!field.starts_with(&HidPath::new(vec![2])));
    }
}
