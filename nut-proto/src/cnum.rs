//! Numbers read the way NUT's C code reads them.
//!
//! NUT reads many numbers with `strtol(text, NULL, 10)`, `atoi(text)`,
//! `atol(text)`, `strtod(text, NULL)` or `atof(text)`: ports in
//! `ups@host:port`, lengths in `TYPE` replies, ranges and results on the
//! driver socket, intervals on command lines, published values that
//! drivers compute with. Those functions never fail: they skip leading
//! white space (C's `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`), take
//! an optional sign and as much of a number as follows, and ignore the
//! rest (`"3493x"` is 3493, `"x"` is 0). Programs that must read such
//! input as NUT does use these; everything else should parse strictly.
//!
//! ```
//! use nut_proto::cnum::{atof, atoi, strtol};
//!
//! assert_eq!(strtol("  +3493x"), 3493);
//! assert_eq!(strtol("junk"), 0);
//! assert_eq!(atoi("4294967297"), 1); // glibc's `(int)strtol`: wraps
//! assert_eq!(atof("230.5 V"), 230.5);
//! ```

/// Most bytes [`strtod`] looks at; longer inputs are read from their first
/// [`MAX_FLOAT_LEN`] bytes (a 255-byte NUT value fits with room to spare).
pub const MAX_FLOAT_LEN: usize = 512;

/// C's `isspace` in the C locale, which is what NUT runs in.
const C_SPACE: [char; 6] = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];

/// C's `strtol(text, NULL, 10)` on a 64-bit `long`: leading white space, an
/// optional sign, then as many decimal digits as there are; 0 when there
/// are none. Out-of-range values saturate at `i64::MIN` / `i64::MAX`, as
/// `strtol` clamps to `LONG_MIN` / `LONG_MAX`.
///
/// ```
/// use nut_proto::cnum::strtol;
///
/// assert_eq!(strtol("\t-42 volts"), -42);
/// assert_eq!(strtol("99999999999999999999"), i64::MAX);
/// ```
pub fn strtol(text: &str) -> i64 {
    let rest = text.trim_start_matches(C_SPACE);
    let (negative, digits) = match rest.as_bytes().first() {
        Some(b'-') => (true, rest.get(1..).unwrap_or_default()),
        Some(b'+') => (false, rest.get(1..).unwrap_or_default()),
        _ => (false, rest),
    };
    let mut value: i64 = 0;
    for digit in digits.bytes().take_while(u8::is_ascii_digit) {
        let d = i64::from(digit - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(d)
        } else {
            value.saturating_mul(10).saturating_add(d)
        };
    }
    value
}

/// glibc's `atoi(text)`, which is `(int)strtol(text, NULL, 10)`: a value
/// outside the `int` range keeps its low 32 bits, as the C cast does.
///
/// ```
/// use nut_proto::cnum::atoi;
///
/// assert_eq!(atoi(" 12abc"), 12);
/// assert_eq!(atoi("2147483648"), i32::MIN); // wraps, does not saturate
/// ```
pub fn atoi(text: &str) -> i32 {
    // Truncation is the point: this is the C cast.
    strtol(text) as i32
}

/// glibc's `atol(text)`, which is `strtol(text, NULL, 10)` on a 64-bit
/// `long`: saturates at `i64::MIN` / `i64::MAX`.
///
/// ```
/// use nut_proto::cnum::atol;
///
/// assert_eq!(atol("4294967297"), 4_294_967_297); // no 32-bit wrap
/// assert_eq!(atol("-99999999999999999999"), i64::MIN);
/// ```
pub fn atol(text: &str) -> i64 {
    strtol(text)
}

/// C's `strtod(text, NULL)` for decimal input: leading white space, an
/// optional sign, then `inf`/`infinity`/`nan` (any case) or digits with an
/// optional fraction and exponent; 0 when no number starts the text. Too
/// large a value is infinite and too small one 0, as `strtod` returns
/// them. Hexadecimal floats (`0x1p3`) read as 0: nothing NUT users write.
/// Only the first [`MAX_FLOAT_LEN`] bytes are looked at.
///
/// ```
/// use nut_proto::cnum::strtod;
///
/// assert_eq!(strtod("  -3e2xyz"), -300.0);
/// assert_eq!(strtod("7e+"), 7.0); // an exponent needs digits
/// assert_eq!(strtod("-Infinity"), f64::NEG_INFINITY);
/// assert_eq!(strtod("abc"), 0.0);
/// ```
pub fn strtod(text: &str) -> f64 {
    let text = text.get(..MAX_FLOAT_LEN.min(text.len())).unwrap_or(text);
    let rest = text.trim_start_matches(C_SPACE);
    let bytes = rest.as_bytes();
    let signed = matches!(bytes.first(), Some(b'+' | b'-'));
    let negative = bytes.first() == Some(&b'-');
    let word = rest.get(usize::from(signed)..).unwrap_or_default();
    for (name, value) in [
        ("infinity", f64::INFINITY),
        ("inf", f64::INFINITY),
        ("nan", f64::NAN),
    ] {
        if word
            .get(..name.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(name))
        {
            return if negative { -value } else { value };
        }
    }
    let digits = |from: usize| {
        bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut end = usize::from(signed);
    let whole = digits(end);
    end += whole;
    let mut fraction = 0;
    if bytes.get(end) == Some(&b'.') {
        fraction = digits(end + 1);
        if whole + fraction > 0 {
            end += 1 + fraction;
        }
    }
    if whole + fraction == 0 {
        return 0.0;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut at = end + 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent > 0 {
            end = at + exponent;
        }
    }
    // The prefix is now exactly a decimal float in Rust's grammar too.
    rest.get(..end)
        .and_then(|number| number.parse().ok())
        .unwrap_or(0.0)
}

/// C's `atof(text)`, which is `strtod(text, NULL)`.
///
/// ```
/// use nut_proto::cnum::atof;
///
/// assert_eq!(atof("12."), 12.0);
/// assert_eq!(atof("1e2x"), 100.0);
/// assert!(atof("NaN").is_nan());
/// ```
pub fn atof(text: &str) -> f64 {
    strtod(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strtol_reads_the_leading_number() {
        assert_eq!(strtol("  42abc"), 42);
        assert_eq!(strtol("\t-7"), -7);
        assert_eq!(strtol("+5"), 5);
        assert_eq!(strtol(""), 0);
        assert_eq!(strtol("abc"), 0);
        assert_eq!(strtol("- 5"), 0);
    }

    #[test]
    fn strtol_saturates_at_the_long_limits() {
        assert_eq!(strtol("9223372036854775807"), i64::MAX);
        assert_eq!(strtol("9223372036854775808"), i64::MAX);
        assert_eq!(strtol("-9223372036854775808"), i64::MIN);
        assert_eq!(strtol("-9223372036854775809"), i64::MIN);
        assert_eq!(strtol("99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn atoi_wraps_like_the_c_cast() {
        assert_eq!(atoi("2147483647"), i32::MAX);
        assert_eq!(atoi("2147483648"), i32::MIN);
        assert_eq!(atoi("-2147483649"), i32::MAX);
        assert_eq!(atoi("12abc"), 12);
        assert_eq!(atoi("-2147483648"), i32::MIN);
        assert_eq!(atoi("4294967297"), 1);
        assert_eq!(atoi("99999999999999999999"), -1, "i64::MAX cut to 32 bits");
    }

    #[test]
    fn atol_saturates_without_wrapping() {
        assert_eq!(atol("2147483648"), 2_147_483_648);
        assert_eq!(atol("9223372036854775807"), i64::MAX);
        assert_eq!(atol("9223372036854775808"), i64::MAX);
        assert_eq!(atol("-9223372036854775808"), i64::MIN);
        assert_eq!(atol("-9223372036854775809"), i64::MIN);
    }

    #[test]
    fn only_c_white_space_is_skipped() {
        assert_eq!(strtol("\x0b\x0c\r\n 7"), 7);
        assert_eq!(strtod("\x0b7.5"), 7.5);
        // U+00A0 is white space to Rust but not to C's `isspace`.
        assert_eq!(strtol("\u{a0}7"), 0);
        assert_eq!(strtod("\u{a0}7"), 0.0);
    }

    #[test]
    fn strtod_reads_the_longest_prefix() {
        assert_eq!(strtod("12.5"), 12.5);
        assert_eq!(strtod("  -3e2xyz"), -300.0);
        assert_eq!(strtod("7e"), 7.0);
        assert_eq!(strtod("7e+"), 7.0);
        assert_eq!(strtod("1E-2"), 0.01);
        assert_eq!(strtod(".5"), 0.5);
        assert_eq!(strtod("-.5"), -0.5);
        assert_eq!(strtod("5."), 5.0);
        assert_eq!(strtod("1.2.3"), 1.2);
        assert_eq!(strtod("."), 0.0);
        assert_eq!(strtod("-"), 0.0);
        assert_eq!(strtod("+"), 0.0);
        assert_eq!(strtod("+-5"), 0.0);
        assert_eq!(strtod("abc"), 0.0);
        assert_eq!(strtod(""), 0.0);
        assert_eq!(strtod("0x10"), 0.0);
    }

    #[test]
    fn strtod_reads_inf_and_nan_in_any_case() {
        assert_eq!(strtod("INF"), f64::INFINITY);
        assert_eq!(strtod("infinit"), f64::INFINITY, "`inf`, then junk");
        assert_eq!(strtod("-Infinity"), f64::NEG_INFINITY);
        assert!(strtod("nan").is_nan());
        assert!(strtod(" +NaNx").is_nan());
        assert_eq!(strtod("in"), 0.0);
    }

    #[test]
    fn strtod_overflows_and_underflows_as_c_does() {
        assert_eq!(strtod("1.7976931348623157e308"), f64::MAX);
        assert_eq!(strtod("1e309"), f64::INFINITY);
        assert_eq!(strtod("-1e309"), f64::NEG_INFINITY);
        assert_eq!(strtod("5e-324"), f64::from_bits(1), "smallest subnormal");
        assert_eq!(strtod("1e-400"), 0.0);
    }

    #[test]
    fn strtod_reads_only_up_to_the_limit() {
        let past = format!("{}5", "0".repeat(MAX_FLOAT_LEN));
        assert_eq!(strtod(&past), 0.0, "the digit past the limit is not read");
        let at_limit = format!("{}5", "0".repeat(MAX_FLOAT_LEN - 1));
        assert_eq!(strtod(&at_limit), 5.0);
    }

    proptest! {
        #[test]
        fn strtol_agrees_with_parse_on_numbers(n: i64, junk in "[^0-9]?[ -~]{0,8}") {
            let junk = if junk.starts_with(|c: char| c.is_ascii_digit()) { "" } else { &junk };
            prop_assert_eq!(strtol(&format!(" {n}{junk}")), n);
            prop_assert_eq!(atoi(&format!("{n}{junk}")), n as i32);
        }

        #[test]
        fn strtod_agrees_with_parse_on_numbers(x: f64, junk in "[g-z ]{0,4}") {
            prop_assume!(x.is_finite());
            for text in [format!("{x}"), format!("{x:e}"), format!("{x:E}")] {
                let expected: f64 = text.parse().unwrap_or(f64::NAN);
                prop_assert_eq!(strtod(&format!("\t{text}{junk}")), expected, "{}", text);
            }
        }

        #[test]
        fn readers_never_panic(text in "\\PC{0,40}") {
            let _ = (strtol(&text), atoi(&text), atol(&text), strtod(&text), atof(&text));
        }
    }
}
