//! Integers read the way NUT's C code reads them.
//!
//! NUT reads many numbers with `strtol(text, NULL, 10)` or `atoi(text)`:
//! ports in `ups@host:port`, lengths in `TYPE` replies, ranges and results
//! on the driver socket, intervals on command lines. Those functions never
//! fail: they skip leading white space, take an optional sign and as many
//! digits as follow, and ignore the rest (`"3493x"` is 3493, `"x"` is 0).
//! Programs that must read such input as NUT does use these; everything
//! else should parse strictly.
//!
//! ```
//! use nut_proto::cnum::{atoi, strtol};
//!
//! assert_eq!(strtol("  +3493x"), 3493);
//! assert_eq!(strtol("junk"), 0);
//! assert_eq!(atoi("4294967297"), 1); // glibc's `(int)strtol`: wraps
//! ```

/// C's `strtol(text, NULL, 10)` on a 64-bit `long`: leading white space, an
/// optional sign, then as many decimal digits as there are; 0 when there
/// are none. Out-of-range values saturate at `i64::MIN` / `i64::MAX`, as
/// `strtol` clamps to `LONG_MIN` / `LONG_MAX`.
pub fn strtol(text: &str) -> i64 {
    let rest = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
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
pub fn atoi(text: &str) -> i32 {
    // Truncation is the point: this is the C cast.
    strtol(text) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
