//! Floating-point numbers read and written the way the clone drivers' C
//! code does: `strtod(text, NULL)` to read a value (never fails: the
//! longest numeric prefix, else 0) and `printf("%g")` to publish one
//! (`battery.charge.low` is published as `"%g"` of what was set).

/// C's `strtod(text, NULL)`, shared with every crate that reads numbers
/// as NUT does.
pub use nut_proto::cnum::strtod;

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
    }
}
