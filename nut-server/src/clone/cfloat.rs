//! Floating-point numbers read and written the way the clone drivers' C
//! code does: `strtod(text, NULL)` to read a value (never fails: the
//! longest numeric prefix, else 0) and `printf("%g")` to publish one
//! (`battery.charge.low` is published as `"%g"` of what was set).

/// Most characters of a numeric prefix looked at; longer inputs are read
/// from their first [`MAX_NUMBER_LEN`] bytes (a 255-byte NUT value fits).
pub const MAX_NUMBER_LEN: usize = 512;

/// C's `strtod(text, NULL)` for decimal input: leading white space, an
/// optional sign, `inf`/`infinity`/`nan` (any case), or digits with an
/// optional fraction and exponent; 0 when no number starts the text.
/// Hexadecimal floats are read as 0 (nothing NUT users write).
pub fn strtod(text: &str) -> f64 {
    let text = text.get(..MAX_NUMBER_LEN.min(text.len())).unwrap_or(text);
    let rest = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let bytes = rest.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let negative = bytes.first() == Some(&b'-');
    let word = rest.get(end..).unwrap_or_default();
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
    rest.get(..end)
        .and_then(|number| number.parse().ok())
        .unwrap_or(0.0)
}

/// C's `printf("%g", value)`: six significant digits, trailing zeros
/// dropped, scientific notation (`1e+06`, `1.5e-05`) when the exponent is
/// below -4 or at least 6.
pub fn format_g(value: f64) -> String {
    const PRECISION: i32 = 6;
    if value.is_nan() {
        return if value.is_sign_negative() {
            "-nan"
        } else {
            "nan"
        }
        .to_owned();
    }
    if value.is_infinite() {
        return if value < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Rounded to the precision first, as printf decides on the rounded
    // exponent (999999.5 prints as 1e+06).
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, value);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..PRECISION).contains(&exponent) {
        let decimals = usize::try_from(PRECISION - 1 - exponent).unwrap_or(0);
        trim_zeros(&format!("{value:.decimals$}"))
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            trim_zeros(mantissa),
            exponent.unsigned_abs()
        )
    }
}

/// Drops trailing zeros after a decimal point, and the point if bare.
fn trim_zeros(text: &str) -> String {
    if !text.contains('.') {
        return text.to_owned();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strtod_reads_the_longest_prefix() {
        assert_eq!(strtod("12.5"), 12.5);
        assert_eq!(strtod("  -3e2xyz"), -300.0);
        assert_eq!(strtod("7e"), 7.0);
        assert_eq!(strtod("7e+"), 7.0);
        assert_eq!(strtod(".5"), 0.5);
        assert_eq!(strtod("5."), 5.0);
        assert_eq!(strtod("."), 0.0);
        assert_eq!(strtod("abc"), 0.0);
        assert_eq!(strtod(""), 0.0);
        assert_eq!(strtod("+"), 0.0);
        assert_eq!(strtod("INF"), f64::INFINITY);
        assert_eq!(strtod("-Infinity"), f64::NEG_INFINITY);
        assert!(strtod("nan").is_nan());
    }

    #[test]
    fn strtod_reads_only_up_to_the_limit() {
        let long = format!("{}{}", "0".repeat(MAX_NUMBER_LEN), "5");
        assert_eq!(strtod(&long), 0.0, "the digit past the limit is not read");
        let at_limit = format!("{}{}", "0".repeat(MAX_NUMBER_LEN - 1), "5");
        assert_eq!(strtod(&at_limit), 5.0);
    }

    #[test]
    fn format_g_matches_printf() {
        for (value, text) in [
            (0.0, "0"),
            (10.0, "10"),
            (12.5, "12.5"),
            (100.0, "100"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (999999.5, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000015, "1.5e-05"),
            (-2.25, "-2.25"),
            (1.0 / 3.0, "0.333333"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(format_g(value), text, "{value}");
        }
        assert_eq!(format_g(f64::INFINITY), "inf");
        assert_eq!(format_g(f64::NAN), "nan");
    }

    proptest! {
        #[test]
        fn format_g_reads_back_within_six_digits(value in -1e12f64..1e12) {
            let text = format_g(value);
            let back = strtod(&text);
            let tolerance = value.abs() * 1e-5 + 1e-300;
            prop_assert!((back - value).abs() <= tolerance, "{value} -> {text} -> {back}");
        }

        #[test]
        fn strtod_never_panics(text in ".{0,40}") {
            let _ = strtod(&text);
        }
    }
}
