//! C's `strftime` on top of chrono, for upslog's `%TIME ...%`.
//!
//! Each conversion is handed to chrono on its own; one chrono does not know
//! (`%Q`) is copied literally, as glibc does, instead of failing the whole
//! line. Known differences from glibc: `%Z` prints the numeric offset
//! (chrono cannot name local zones), and the `^`/`#` flags and `E`/`O`
//! modifiers are not supported (copied literally).

use std::fmt::Write as _;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, TimeZone};

/// NUT formats into a `SMALLBUF`: a longer result is dropped, as glibc's
/// `strftime` returns 0 when the buffer is too small.
pub const MAX_OUTPUT: usize = 511;

/// Formats `now` with a C strftime format.
pub fn strftime<Tz: TimeZone>(format: &str, now: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut out = String::new();
    let mut rest = format;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let spec_len = conversion_len(&rest[pos..]);
        let spec = &rest[pos..pos + spec_len];
        if !render_one(spec, now, &mut out) {
            out.push_str(spec);
        }
        rest = &rest[pos + spec_len..];
    }
    out.push_str(rest);
    if out.len() > MAX_OUTPUT {
        out.clear();
    }
    out
}

/// Length in bytes of the conversion at the start of `text` (which starts
/// with `%`): the `%`, optional padding flag, then one character.
fn conversion_len(text: &str) -> usize {
    let mut chars = text.char_indices().skip(1);
    match chars.next() {
        None => 1,
        Some((_, '-' | '_' | '0')) => match chars.next() {
            Some((i, c)) => i + c.len_utf8(),
            None => text.len(),
        },
        Some((i, c)) => i + c.len_utf8(),
    }
}

/// Appends the rendering of one conversion; false if chrono rejects it.
fn render_one<Tz: TimeZone>(spec: &str, now: &DateTime<Tz>, out: &mut String) -> bool
where
    Tz::Offset: std::fmt::Display,
{
    if spec == "%" {
        return false;
    }
    let items: Vec<Item<'_>> = StrftimeItems::new(spec).collect();
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return false;
    }
    let mut piece = String::new();
    if write!(piece, "{}", now.format_with_items(items.into_iter())).is_err() {
        return false;
    }
    out.push_str(&piece);
    true
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone};

    use super::*;

    fn at() -> DateTime<FixedOffset> {
        FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 3, 7, 9, 5, 4)
            .unwrap()
    }

    #[test]
    fn common_conversions_match_glibc() {
        let t = at();
        assert_eq!(strftime("%Y%m%d %H%M%S", &t), "20260307 090504");
        assert_eq!(strftime("%F %T", &t), "2026-03-07 09:05:04");
        assert_eq!(strftime("%s", &t), "1772870704");
        assert_eq!(strftime("%e|%-d|%_m|%j", &t), " 7|7| 3|066");
        assert_eq!(strftime("%a %b %p %%", &t), "Sat Mar AM %");
        assert_eq!(strftime("%z", &t), "+0100");
    }

    #[test]
    fn unknown_conversions_are_copied() {
        let t = at();
        assert_eq!(strftime("%Q-%Y", &t), "%Q-2026");
        assert_eq!(strftime("100%", &t), "100%");
        assert_eq!(strftime("%-", &t), "%-");
        assert_eq!(strftime("%é", &t), "%é");
    }

    #[test]
    fn output_limit() {
        let t = at();
        let fits = "x".repeat(MAX_OUTPUT);
        assert_eq!(strftime(&fits, &t), fits);
        let too_long = "x".repeat(MAX_OUTPUT + 1);
        assert_eq!(strftime(&too_long, &t), "");
    }
}
