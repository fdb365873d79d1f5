//! The small JSON writer behind `upsc -j` (NUT 2.8.5+).
//!
//! Strings are escaped as NUT's `json_print_esc` does: `"` `\` and the named
//! control escapes (`\b \f \n \r \t`), other bytes below 0x20 as `\u00XX`,
//! everything else verbatim. Containers are printed one member per line with
//! a two-space indent; empty ones as `[]` / `{}`.

use std::fmt::Write as _;

/// `text` as a quoted JSON string.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of strings, one per line.
pub fn array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let members: Vec<String> = items.into_iter().map(string).collect();
    container('[', ']', &members)
}

/// A JSON object of string members, one per line, in the given order.
pub fn object<'a>(members: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let members: Vec<String> = members
        .into_iter()
        .map(|(k, v)| format!("{}: {}", string(k), string(v)))
        .collect();
    container('{', '}', &members)
}

/// The error object printed instead of a listing (three lines).
pub fn error_block(message: &str) -> String {
    object([("error", message)])
}

/// The error object printed instead of a single value (one line).
pub fn error_inline(message: &str) -> String {
    format!("{{\"error\": {}}}", string(message))
}

fn container(open: char, close: char, members: &[String]) -> String {
    if members.is_empty() {
        return format!("{open}{close}");
    }
    let mut out = String::new();
    out.push(open);
    out.push('\n');
    for (i, member) in members.iter().enumerate() {
        out.push_str("  ");
        out.push_str(member);
        if i + 1 < members.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push(close);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_nut() {
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("\u{8}\u{c}\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(string("\u{1}\u{1f}"), r#""\u0001\u001f""#);
        assert_eq!(string("é/"), "\"é/\"");
    }

    #[test]
    fn containers_one_member_per_line() {
        assert_eq!(array(["a", "b"]), "[\n  \"a\",\n  \"b\"\n]");
        assert_eq!(array([]), "[]");
        assert_eq!(object([("k", "v")]), "{\n  \"k\": \"v\"\n}");
        assert_eq!(object([]), "{}");
        assert_eq!(
            error_block("Unknown UPS"),
            "{\n  \"error\": \"Unknown UPS\"\n}"
        );
        assert_eq!(error_inline("Data stale"), "{\"error\": \"Data stale\"}");
    }
}
