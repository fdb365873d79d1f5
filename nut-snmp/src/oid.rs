//! OBJECT IDENTIFIERs: parsing numeric text, printing, ordering, and the
//! `%i` templates of the mapping tables.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, shown};

/// The most sub-identifiers an OID may have (RFC 2578 §3.5: at most 128).
pub const MAX_OID_ARCS: usize = 128;

/// A numeric OBJECT IDENTIFIER such as `.1.3.6.1.2.1.33.1.1.1.0`.
///
/// Ordered lexicographically by arc, which is the SNMP GETNEXT order.
/// Printed with a leading dot, as net-snmp prints numeric OIDs.
///
/// ```
/// use nut_snmp::Oid;
///
/// let oid: Oid = "1.3.6.1.2.1.33.1.1.1.0".parse()?;
/// assert_eq!(oid, ".1.3.6.1.2.1.33.1.1.1.0".parse()?);
/// assert_eq!(oid.to_string(), ".1.3.6.1.2.1.33.1.1.1.0");
/// assert!(oid.starts_with(&"1.3.6.1.2.1.33".parse()?));
/// # Ok::<(), nut_snmp::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(Vec<u32>);

impl Oid {
    /// An OID from its arcs; `None` beyond [`MAX_OID_ARCS`].
    pub fn from_arcs(arcs: &[u32]) -> Option<Self> {
        (arcs.len() <= MAX_OID_ARCS).then(|| Self(arcs.to_vec()))
    }

    /// The arcs.
    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    /// Number of arcs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the OID has no arcs at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `prefix` is a prefix of this OID (or equal to it).
    pub fn starts_with(&self, prefix: &Self) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The last arc, `None` for the empty OID.
    pub fn last_arc(&self) -> Option<u32> {
        self.0.last().copied()
    }

    /// Reads numeric text: arcs separated by dots, a leading dot optional
    /// (net-snmp reads both forms as the same absolute OID, and the
    /// mapping tables use both). Surrounding whitespace is ignored: two
    /// tables hold OIDs that start with a space.
    ///
    /// # Errors
    ///
    /// [`Error::Oid`] for an empty text, an empty or non-numeric arc, an arc
    /// above `u32::MAX`, or more than [`MAX_OID_ARCS`] arcs.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let fail = |reason| Error::Oid {
            text: shown(text),
            reason,
        };
        let body = text.trim();
        let body = body.strip_prefix('.').unwrap_or(body);
        if body.is_empty() {
            return Err(fail("empty"));
        }
        let mut arcs = Vec::new();
        for arc in body.split('.') {
            if arcs.len() == MAX_OID_ARCS {
                return Err(fail("more than 128 arcs"));
            }
            if arc.is_empty() || !arc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail("arcs must be decimal numbers"));
            }
            arcs.push(arc.parse().map_err(|_| fail("arc above 4294967295"))?);
        }
        Ok(Self(arcs))
    }

    /// This OID with `arc` appended; `None` beyond [`MAX_OID_ARCS`].
    pub fn child(&self, arc: u32) -> Option<Self> {
        (self.0.len() < MAX_OID_ARCS).then(|| {
            let mut arcs = self.0.clone();
            arcs.push(arc);
            Self(arcs)
        })
    }
}

impl FromStr for Oid {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for arc in &self.0 {
            write!(f, ".{arc}")?;
        }
        Ok(())
    }
}

/// Fills the `%i` place-holders of a table text (an OID or a variable
/// name) with `indexes`, in order, as snmp-ups's `snprintf` does. Extra
/// place-holders (more `%i` than indexes) get the last index; a text
/// without `%i` comes back unchanged.
pub(crate) fn fill_template(template: &str, indexes: &[i64]) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    let mut next = 0;
    while let Some(at) = rest.find("%i") {
        out.push_str(&rest[..at]);
        let index = indexes
            .get(next)
            .or_else(|| indexes.last())
            .copied()
            .unwrap_or(0);
        out.push_str(&index.to_string());
        next += 1;
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// Number of `%i` place-holders in a table text.
pub(crate) fn template_slots(template: &str) -> usize {
    template.matches("%i").count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_leading_dot() {
        let a = Oid::parse("1.3.6.1").unwrap();
        let b = Oid::parse(".1.3.6.1").unwrap();
        let c = Oid::parse(" .1.3.6.1").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.arcs(), &[1, 3, 6, 1]);
        assert_eq!(a.to_string(), ".1.3.6.1");
    }

    #[test]
    fn rejects_bad_text() {
        for text in [
            "",
            ".",
            "1..3",
            "1.3.",
            "1.a.3",
            "1.-3",
            "1.4294967296",
            "%i",
        ] {
            assert!(Oid::parse(text).is_err(), "{text:?} should fail");
        }
        assert!(Oid::parse("1.4294967295").is_ok());
    }

    #[test]
    fn arc_limit_is_enforced_at_128_and_129() {
        let at_limit = vec!["1"; MAX_OID_ARCS].join(".");
        assert_eq!(Oid::parse(&at_limit).unwrap().len(), MAX_OID_ARCS);
        let over = vec!["1"; MAX_OID_ARCS + 1].join(".");
        assert!(matches!(Oid::parse(&over), Err(Error::Oid { .. })));
        let full = Oid::parse(&at_limit).unwrap();
        assert!(full.child(1).is_none());
        assert!(Oid::from_arcs(&[1; MAX_OID_ARCS + 1]).is_none());
    }

    #[test]
    fn orders_like_getnext() {
        let mut oids: Vec<Oid> = ["1.3.6.1.10", "1.3.6.1.2.1", "1.3.6.1.2", "1.3.6.1.9"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        oids.sort();
        let texts: Vec<String> = oids.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [".1.3.6.1.2", ".1.3.6.1.2.1", ".1.3.6.1.9", ".1.3.6.1.10"]
        );
    }

    #[test]
    fn templates_fill_in_order() {
        assert_eq!(fill_template(".1.2.%i", &[4]), ".1.2.4");
        assert_eq!(fill_template(".1.%i.%i", &[2, 7]), ".1.2.7");
        assert_eq!(fill_template("outlet.%i.%i", &[3]), "outlet.3.3");
        assert_eq!(fill_template("ups.status", &[3]), "ups.status");
        assert_eq!(fill_template("x.%i", &[-1]), "x.-1");
        assert_eq!(template_slots(".1.%i.2.%i"), 2);
    }
}
