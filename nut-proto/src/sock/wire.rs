//! Byte-level helpers shared by the socket encoders and decoders: writing
//! words the way NUT writes them, and reading integers strictly or the way
//! C's `atoi`/`strtol` do.

/// Whether NUT's tokenizer keeps this byte; it silently drops the others
/// (control characters and everything outside ASCII).
fn is_kept(byte: u8) -> bool {
    (0x20..=0x7f).contains(&byte)
}

/// Bytes NUT's `pconf_encode` prefixes with a backslash.
fn needs_escape(byte: u8) -> bool {
    matches!(byte, b'"' | b'\\' | b'#')
}

/// Appends `text` escaped as `pconf_encode` does (`"`, `\`, `#` get a
/// backslash). Bytes the reader would drop are not written at all, so what
/// is sent is exactly what arrives.
pub(crate) fn push_escaped(out: &mut Vec<u8>, text: &str) {
    for byte in text.bytes().filter(|&b| is_kept(b)) {
        if needs_escape(byte) {
            out.push(b'\\');
        }
        out.push(byte);
    }
}

/// Appends `"text"`, escaped: how NUT writes values (`SETINFO v "..."`).
pub(crate) fn push_quoted(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    push_escaped(out, text);
    out.push(b'"');
}

/// Appends a name or argument word.
///
/// NUT writes these raw (`SETINFO %s`, `ADDCMD %s`) or, for an INSTCMD
/// parameter, escaped but unquoted; for every real name both are the same
/// bytes, and that is what this writes. A word the tokenizer would split or
/// lose (empty, or holding a space or `=`) is quoted instead, so that every
/// word reads back unchanged.
pub(crate) fn push_word(out: &mut Vec<u8>, word: &str) {
    let mut kept = word.bytes().filter(|&b| is_kept(b)).peekable();
    if kept.peek().is_none() {
        out.extend_from_slice(b"\"\"");
    } else if kept.any(|b| b == b' ' || b == b'=') {
        push_quoted(out, word);
    } else {
        push_escaped(out, word);
    }
}

/// Appends an integer in decimal, as C's `%i`/`%ld` print it.
pub(crate) fn push_int(out: &mut Vec<u8>, value: impl Into<i64>) {
    out.extend_from_slice(value.into().to_string().as_bytes());
}

/// Reads a decimal integer strictly: optional sign, then digits only.
pub(crate) fn parse_strict<T: std::str::FromStr>(word: &str) -> Option<T> {
    word.parse().ok()
}

/// Reads an integer as C's `atoi` does, except that a value outside the
/// `int` range saturates instead of wrapping.
pub(crate) fn parse_c_int(word: &str) -> i32 {
    let wide = crate::cnum::strtol(word);
    i32::try_from(wide).unwrap_or(if wide < 0 { i32::MIN } else { i32::MAX })
}

/// Appends words separated by spaces, each as [`push_word`] writes it.
pub(crate) fn push_words<S: AsRef<str>>(out: &mut Vec<u8>, words: &[S]) {
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        push_word(out, word.as_ref());
    }
}

/// The words of a line as they would be written back, for error messages.
pub(crate) fn render_words<S: AsRef<str>>(words: &[S]) -> String {
    let mut out = Vec::new();
    push_words(&mut out, words);
    excerpt(&String::from_utf8_lossy(&out))
}

/// `text` cut to [`super::MAX_ERROR_EXCERPT`] bytes (on a char boundary),
/// with `…` when something was cut.
pub(crate) fn excerpt(text: &str) -> String {
    crate::excerpt::excerpt(text, super::MAX_ERROR_EXCERPT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::split_line;

    fn word(text: &str) -> String {
        let mut out = Vec::new();
        push_word(&mut out, text);
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn names_are_written_raw_like_nut() {
        assert_eq!(word("battery.charge"), "battery.charge");
        assert_eq!(word("2DDC5036-F665-4D29"), "2DDC5036-F665-4D29");
    }

    #[test]
    fn awkward_words_are_escaped_or_quoted_and_read_back() {
        for (text, wire) in [
            ("", r#""""#),
            ("a b", r#""a b""#),
            ("a=b", r#""a=b""#),
            (r#"x"y"#, r#"x\"y"#),
            ("#1", r"\#1"),
            (r"back\slash", r"back\\slash"),
        ] {
            assert_eq!(word(text), wire);
            assert_eq!(split_line(&word(text)).expect("valid"), [text]);
        }
    }

    #[test]
    fn bytes_the_reader_drops_are_not_sent() {
        let mut out = Vec::new();
        push_quoted(&mut out, "M\u{fc}ller\ttab\n");
        assert_eq!(out, b"\"Mllertab\"");
        assert_eq!(word("\u{1}"), r#""""#);
    }

    #[test]
    fn strict_integers_reject_trailing_junk() {
        assert_eq!(parse_strict::<i32>("-12"), Some(-12));
        assert_eq!(parse_strict::<i32>("+7"), Some(7));
        assert_eq!(parse_strict::<i32>("12abc"), None);
        assert_eq!(parse_strict::<i32>(""), None);
        assert_eq!(parse_strict::<i32>("2147483648"), None);
    }

    #[test]
    fn c_integers_read_like_atoi_and_saturate() {
        assert_eq!(parse_c_int("12abc"), 12);
        assert_eq!(parse_c_int("  -5x"), -5);
        assert_eq!(parse_c_int("abc"), 0);
        assert_eq!(parse_c_int(""), 0);
        assert_eq!(parse_c_int("99999999999"), i32::MAX);
        assert_eq!(parse_c_int("-99999999999"), i32::MIN);
    }

    #[test]
    fn excerpts_are_cut_at_the_limit() {
        let limit = crate::sock::MAX_ERROR_EXCERPT;
        let at = "x".repeat(limit);
        assert_eq!(excerpt(&at), at);
        let over = "x".repeat(limit + 1);
        assert_eq!(excerpt(&over), format!("{at}…"));
    }
}
