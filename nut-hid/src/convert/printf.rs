//! C `printf` formatting of one floating-point value, as NUT's mapping
//! tables use it (`%.0f`, `%.1f`, `%0.1f`, `%.0f%%`, …).
//!
//! A format must hold at most one conversion, and it must be `f`/`F`;
//! anything else (`%s`, `%d`, two conversions) is refused, as NUT refuses
//! it. A format without a conversion is printed literally (NUT's `ABSENT`
//! defaults such as `30`). Rounding is C's: the exact binary value rounded
//! half to even on exact ties (`%.0f` of 2.5 is `2`).

/// Longest format accepted (mapping formats are a few characters).
pub const MAX_FORMAT_LEN: usize = 32;

/// Largest precision honoured (C allows more; no mapping uses over 3).
const MAX_PRECISION: usize = 20;

/// Largest field width honoured.
const MAX_WIDTH: usize = 64;

#[derive(Debug, Default, Clone, Copy)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alternate: bool,
    width: usize,
    precision: usize,
}

/// Format `value` with `format`; `None` when the format is not a single
/// float conversion (or is longer than [`MAX_FORMAT_LEN`]).
#[must_use]
pub fn format_float(format: &str, value: f64) -> Option<String> {
    if format.len() > MAX_FORMAT_LEN {
        return None;
    }
    let mut out = String::new();
    let mut converted = false;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        if converted {
            return None;
        }
        let mut spec = Spec {
            precision: 6,
            ..Spec::default()
        };
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                '#' => spec.alternate = true,
                _ => break,
            }
            chars.next();
        }
        spec.width = digits(&mut chars).min(MAX_WIDTH);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = digits(&mut chars).min(MAX_PRECISION);
        }
        // Length modifiers NUT formats may carry (`%lf`).
        while chars.peek().is_some_and(|c| matches!(c, 'l' | 'L')) {
            chars.next();
        }
        match chars.next() {
            Some('f' | 'F') => out.push_str(&render(value, spec)),
            _ => return None,
        }
        converted = true;
    }
    Some(out)
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> usize {
    let mut n: usize = 0;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        chars.next();
    }
    n
}

fn render(value: f64, spec: Spec) -> String {
    let negative = value.is_sign_negative() && !value.is_nan();
    let body = if value.is_nan() {
        "nan".to_owned()
    } else if value.is_infinite() {
        "inf".to_owned()
    } else {
        let mut s = format!("{:.*}", spec.precision, value.abs());
        if spec.alternate && spec.precision == 0 {
            s.push('.');
        }
        s
    };
    let sign = if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + body.len();
    if len >= spec.width {
        return format!("{sign}{body}");
    }
    let pad = spec.width - len;
    if spec.left {
        format!("{sign}{body}{}", " ".repeat(pad))
    } else if spec.zero && value.is_finite() {
        format!("{sign}{}{body}", "0".repeat(pad))
    } else {
        format!("{}{sign}{body}", " ".repeat(pad))
    }
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn nut_formats() {
        assert_eq!(format_float("%.0f", 87.0).as_deref(), Some("87"));
        assert_eq!(format_float("%.1f", 13.65).as_deref(), Some("13.7"));
        assert_eq!(format_float("%.2f", 0.5).as_deref(), Some("0.50"));
        assert_eq!(format_float("%0.1f", 230.04).as_deref(), Some("230.0"));
        assert_eq!(format_float("%.3f", 1.0).as_deref(), Some("1.000"));
        assert_eq!(format_float("%.0f%%", 100.0).as_deref(), Some("100%"));
        assert_eq!(format_float("%f", 1.5).as_deref(), Some("1.500000"));
    }

    #[test]
    fn c_rounding_half_to_even_on_exact_ties() {
        assert_eq!(format_float("%.0f", 2.5).as_deref(), Some("2"));
        assert_eq!(format_float("%.0f", 3.5).as_deref(), Some("4"));
        // 1.005 is 1.00499999… in binary.
        assert_eq!(format_float("%.2f", 1.005).as_deref(), Some("1.00"));
        assert_eq!(format_float("%.0f", -0.4).as_deref(), Some("-0"));
        assert_eq!(format_float("%.1f", -3.25).as_deref(), Some("-3.2"));
    }

    #[test]
    fn flags_and_width() {
        assert_eq!(format_float("%05.1f", 2.625).as_deref(), Some("002.6"));
        assert_eq!(format_float("%-6.1f|", 3.0).as_deref(), Some("3.0   |"));
        assert_eq!(format_float("%+.0f", 3.0).as_deref(), Some("+3"));
        assert_eq!(format_float("%#.0f", 3.0).as_deref(), Some("3."));
        assert_eq!(format_float("%5.1f", -2.0).as_deref(), Some(" -2.0"));
    }

    #[test]
    fn literals_and_refusals() {
        assert_eq!(format_float("30", 0.0).as_deref(), Some("30"));
        assert_eq!(
            format_float("Main Outlet", 0.0).as_deref(),
            Some("Main Outlet")
        );
        assert_eq!(format_float("%s", 1.0), None);
        assert_eq!(format_float("%d", 1.0), None);
        assert_eq!(format_float("%.0f %.0f", 1.0), None);
        assert_eq!(format_float("%", 1.0), None);
        let long = "x".repeat(super::MAX_FORMAT_LEN + 1);
        assert_eq!(format_float(&long, 1.0), None);
        let limit = "x".repeat(super::MAX_FORMAT_LEN);
        assert_eq!(format_float(&limit, 1.0), Some(limit));
    }
}
