//! Reply encoders of the simulated UPS: each builds the exact fixed-width
//! reply a real unit sends for one query (qx-protocols §2).

use super::state::DeviceState;
use crate::qx::decode::MAX_FIELD_NUMBER_LEN;
use crate::qx::qshex;

/// A numeric field of exactly `width` characters: zero-padded with up to
/// `decimals` decimals (fewer when the value would not fit, all `9` when
/// even the integer part does not fit; more when the value needs them
/// and they fit); `None` becomes dashes (`---.-`).
pub fn field(v: Option<f64>, width: usize, decimals: usize) -> String {
    let Some(v) = v.filter(|v| v.is_finite()) else {
        if decimals > 0 && width > decimals + 1 {
            return format!(
                "{}.{}",
                "-".repeat(width - decimals - 1),
                "-".repeat(decimals)
            );
        }
        return "-".repeat(width);
    };
    let v = v.max(0.0);
    // A value the usual decimals cannot carry (22.29 in a `xxx.x` field)
    // goes out with the decimals it needs when they fit: units differ in
    // decimals, and a reading must survive decode → encode → decode.
    let usual = format!("{v:0width$.decimals$}");
    if usual.len() <= width && usual.parse() != Ok(v) {
        for d in decimals + 1..=width.saturating_sub(2) {
            let s = format!("{v:0width$.d$}");
            if s.len() <= width && s.parse() == Ok(v) {
                return s;
            }
        }
    }
    for d in (0..=decimals).rev() {
        let s = format!("{v:0width$.d$}");
        if s.len() <= width {
            return s;
        }
    }
    "9".repeat(width)
}

/// Text left-aligned and cut or space-padded to `width`.
pub fn text(s: &str, width: usize) -> String {
    let cut: String = s
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .take(width)
        .collect();
    format!("{cut:<width$}")
}

fn finish(mut s: String) -> Vec<u8> {
    s.push('\r');
    s.into_bytes()
}

/// The 47-byte Megatec status reply; `freq` is the frequency in bytes 23–26.
pub fn q1(s: &DeviceState, freq: Option<f64>) -> Vec<u8> {
    finish(format!(
        "({} {} {} {} {} {} {} {}",
        field(s.input_voltage, 5, 1),
        field(s.input_voltage_fault, 5, 1),
        field(s.output_voltage, 5, 1),
        field(s.load, 3, 0),
        field(freq, 4, 1),
        field(s.battery_voltage, 4, 2),
        field(s.temperature, 4, 1),
        s.bits.to_chars(),
    ))
}

/// The 22-byte `F` ratings reply.
pub fn ratings(s: &DeviceState) -> Vec<u8> {
    finish(format!(
        "#{} {} {} {}",
        field(s.rating[0], 5, 1),
        field(s.rating[1], 3, 0),
        field(s.rating[2], 5, 2),
        field(s.rating[3], 4, 1),
    ))
}

/// The classic 39-byte `I` / `FW?` vendor reply.
pub fn vendor(s: &DeviceState) -> Vec<u8> {
    finish(format!(
        "#{} {} {}",
        text(&s.vendor[0], 15),
        text(&s.vendor[1], 10),
        text(&s.vendor[2], 10)
    ))
}

/// The "Megatec IC" vendor layout (39 bytes here) the megatec protocol slices.
pub fn vendor_ic(s: &DeviceState) -> Vec<u8> {
    let runtime = s
        .battery_runtime
        .map_or(String::new(), |r| format!("{:.0}", r / 60.0));
    finish(format!(
        "#{}{} {}{} {}",
        text(&s.vendor[0], 7),
        text(&s.serial, 8),
        text(&s.vendor[1], 5),
        text(&runtime, 5),
        text(&s.vendor[2], 10)
    ))
}

/// voltronic `QGS` (76 bytes).
pub fn qgs(s: &DeviceState) -> Vec<u8> {
    let b = s.bits;
    let bit = |on: bool| if on { '1' } else { '0' };
    let flags: String = [
        bit(!b.line_interactive && !s.offline_type),
        bit(b.line_interactive && !s.offline_type),
        bit(b.utility_fail),
        bit(b.battery_low),
        bit(b.bypass_boost_buck),
        bit(b.ups_failed),
        '0',
        bit(b.test_in_progress),
        bit(b.shutdown_active),
        bit(!b.beeper_on),
        '0',
        '0',
    ]
    .iter()
    .collect();
    finish(format!(
        "({} {} {} {} {} {} ---.- ---.- {} ---.- {} {flags}",
        field(s.input_voltage, 5, 1),
        field(s.input_frequency, 4, 1),
        field(s.output_voltage, 5, 1),
        field(s.output_frequency, 4, 1),
        field(s.output_current, 5, 1),
        field(s.load, 3, 0),
        field(s.battery_voltage, 5, 1),
        field(s.temperature, 5, 1),
    ))
}

/// voltronic `QRI` (22 bytes).
pub fn qri(s: &DeviceState) -> Vec<u8> {
    finish(format!(
        "({} {} {} {}",
        field(s.rating[0], 5, 1),
        field(s.rating[1], 3, 0),
        field(s.rating[2], 5, 1),
        field(s.rating[3], 4, 1),
    ))
}

/// voltronic `QMD` (48 bytes).
pub fn qmd(s: &DeviceState) -> Vec<u8> {
    let model = text(&s.vendor[1], 15).trim_end().to_owned();
    finish(format!(
        "({model:#>15} {:#>7} 80 1/1 {} {} 02 12.0",
        format!("{:.0}", s.bestups_model.1),
        field(s.rating[0], 3, 0),
        field(s.rating[0], 3, 0),
    ))
}

/// voltronic `QMOD`: the mode letter from the state.
pub fn qmod(s: &DeviceState) -> Vec<u8> {
    let letter = if s.output_off {
        'S'
    } else if s.bits.shutdown_active {
        'D'
    } else if s.bits.test_in_progress {
        'T'
    } else if s.bits.utility_fail {
        'B'
    } else {
        'L'
    };
    finish(format!("({letter}"))
}

/// voltronic `QWS`: 64 warning bits, bit 1 first.
pub fn qws(s: &DeviceState) -> Vec<u8> {
    let bits: String = (0..64)
        .map(|i| if s.warnings >> i & 1 == 1 { '1' } else { '0' })
        .collect();
    finish(format!("({bits}"))
}

/// voltronic `QBV` (21 bytes; more for a runtime of 1000 minutes or more).
pub fn qbv(s: &DeviceState) -> Vec<u8> {
    // Whole minutes in an open-ended last field, at least three digits
    // (`(041.0 03 01 100 00037` in the reference), at most as many as a
    // reply field may carry.
    let runtime_width = s
        .battery_runtime
        .map_or(3, |r| format!("{:.0}", (r.max(0.0) / 60.0).floor()).len())
        .clamp(3, MAX_FIELD_NUMBER_LEN);
    finish(format!(
        "({} 02 {} {} {}",
        field(s.battery_voltage, 5, 1),
        field(s.battery_packs, 2, 0),
        field(s.battery_charge, 3, 0),
        field(
            s.battery_runtime.map(|r| (r / 60.0).floor()),
            runtime_width,
            0
        ),
    ))
}

/// voltronic-qs `QI` (49 bytes).
pub fn qs_qi(s: &DeviceState) -> Vec<u8> {
    finish(format!(
        "({} {} {} {} {} {} 0 0000010000112000",
        field(s.battery_charge, 3, 0),
        field(s.battery_runtime, 5, 0),
        field(s.input_frequency, 4, 1),
        field(s.output_current, 5, 1),
        field(s.transfer[0], 3, 0),
        field(s.transfer[1], 3, 0),
    ))
}

/// The voltage pairs (A, B) that decode like `v` (`%.1f`), finest first:
/// ⌊A·B/51⌋/256 with B = 51·k is A·k/256. Several, because some A bytes
/// cannot be sent (a literal 0x28 before 0x00–0x04); `(0, 51)` when none.
fn volt_pairs(v: f64) -> Vec<(u16, u8)> {
    let mut pairs: Vec<(u16, u8)> = (1..=5u16)
        .filter_map(|k| {
            let a = (v * 256.0 / f64::from(k)).round();
            let same = format!("{:.1}", a * f64::from(k) / 256.0) == format!("{v:.1}");
            (a <= f64::from(u16::MAX) && same).then(|| (a as u16, (51 * k) as u8))
        })
        .collect();
    if pairs.is_empty() {
        pairs.push((0, 51));
    }
    pairs
}

fn battery_pair(v: f64) -> (u8, u8) {
    // A·B/510 with bytes A, B: the pair printing like `v`, else the closest.
    let target = format!("{v:.2}");
    let mut best = (0u8, 0u8, f64::INFINITY);
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let x = f64::from(a) * f64::from(b) / 510.0;
            if format!("{x:.2}") == target {
                return (a, b);
            }
            if (x - v).abs() < best.2 {
                best = (a, b, (x - v).abs());
            }
        }
    }
    (best.0, best.1)
}

/// voltronic-qs-hex binary `QS` (10 tokens; 11 with ratings for PM-T).
/// Values that the binary format cannot carry are approximated.
pub fn qs_hex(s: &DeviceState, with_ratings: bool) -> Vec<u8> {
    let vin = volt_pairs(s.input_voltage.unwrap_or(0.0));
    let vout = volt_pairs(s.output_voltage.unwrap_or(0.0));
    let hz = s.output_frequency.unwrap_or(0.0);
    let (bat_a, bat_b) = battery_pair(s.battery_voltage.unwrap_or(0.0));
    let load = s.load.unwrap_or(0.0).clamp(0.0, 255.0).round() as u8;
    let bits = u8::from_str_radix(&s.bits.to_chars(), 2).unwrap_or(0);
    let nominal = {
        let f = u8::from(s.rating[3].unwrap_or(50.0) >= 55.0);
        let b = match s.rating[2].unwrap_or(12.0).round() as i64 {
            24 => 1u8,
            36 => 2,
            48 => 3,
            _ => 0,
        };
        let v = match s.rating[0].unwrap_or(230.0).round() as i64 {
            110 => 0u8,
            120 => 1,
            220 => 2,
            240 => 4,
            _ => 3,
        };
        f << 7 | b << 5 | v
    };
    // Try voltage pairs and frequency denominators (B/A) until the bytes
    // are expressible (a literal 0x28 must not precede 0x00–0x04).
    let denominators = [100u32, 101, 99, 1000, 10];
    let choices = vin.iter().flat_map(|&v_in| {
        vout.iter()
            .flat_map(move |&v_out| denominators.map(|a| (v_in, v_out, a)))
    });
    for ((vin_a, vin_b), (vout_a, vout_b), a) in choices {
        let b = (hz * f64::from(a))
            .round()
            .clamp(0.0, f64::from(0xFF_FFFFu32)) as u32;
        let mut tokens = vec![
            vin_a.to_be_bytes().to_vec(),
            vec![vin_b],
            vout_a.to_be_bytes().to_vec(),
            vec![vout_b],
            vec![load],
            (a as u16).to_be_bytes().to_vec(),
            b.to_be_bytes()[1..].to_vec(),
            vec![bat_a],
            vec![bat_b],
            vec![bits],
        ];
        if with_ratings {
            tokens.push(vec![nominal]);
        }
        if let Some(raw) = qshex::encode(&tokens) {
            return raw;
        }
    }
    b"N\r".to_vec()
}

/// BestUPS `ID` (25–27 bytes).
pub fn bestups_id(s: &DeviceState) -> Vec<u8> {
    finish(format!(
        "{},{:.0},{},{},{:.1},{:.1}",
        text(&s.bestups_model.0, 3),
        s.bestups_model.1,
        field(s.rating[0], 3, 0),
        field(s.rating[0], 3, 0),
        s.bestups_battery.0,
        s.bestups_battery.1,
    ))
}

/// A q2/q6 topology byte: `1` star, `0` delta, `-` unknown.
fn topology(star: Option<bool>) -> char {
    match star {
        Some(true) => '1',
        Some(false) => '0',
        None => '-',
    }
}

/// q2 `Q2` (118 bytes).
pub fn q2(s: &DeviceState) -> Vec<u8> {
    let p = &s.phases;
    finish(format!(
        "({} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} 02 00 00 00 00 00000000 {}{}",
        field(p.input_voltage[0], 5, 1),
        field(p.input_voltage[1], 5, 1),
        field(p.input_voltage[2], 5, 1),
        field(s.input_voltage_fault, 5, 1),
        field(p.output_voltage[0], 5, 1),
        field(p.output_voltage[1], 5, 1),
        field(p.output_voltage[2], 5, 1),
        field(p.load[0], 3, 0),
        field(p.load[1], 3, 0),
        field(p.load[2], 3, 0),
        field(s.input_frequency, 4, 1),
        field(s.battery_voltage, 5, 1),
        field(s.temperature, 4, 1),
        s.bits.to_chars(),
        field(s.battery_runtime.map(|r| r / 60.0), 6, 2),
        field(s.battery_charge, 3, 0),
        topology(p.input_star),
        topology(p.output_star),
    ))
}

/// q6 `Q6` (110 bytes).
pub fn q6(s: &DeviceState) -> Vec<u8> {
    let p = &s.phases;
    finish(format!(
        "({} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} 32 00000000 00000000 {}{}",
        field(p.input_voltage[0], 5, 1),
        field(p.input_voltage[1], 5, 1),
        field(p.input_voltage[2], 5, 1),
        field(s.input_frequency, 4, 1),
        field(p.output_voltage[0], 5, 1),
        field(p.output_voltage[1], 5, 1),
        field(p.output_voltage[2], 5, 1),
        field(s.output_frequency, 4, 1),
        field(p.load[0], 3, 0),
        field(p.load[1], 3, 0),
        field(p.load[2], 3, 0),
        field(s.battery_voltage, 5, 1),
        field(p.battery_negative, 5, 1),
        field(s.temperature, 4, 1),
        field(s.battery_runtime, 5, 0),
        field(s.battery_charge, 3, 0),
        topology(p.input_star),
        topology(p.output_star),
    ))
}

/// q2/q6 `WA` (80 bytes; powers in kW/kVA).
pub fn wa(s: &DeviceState) -> Vec<u8> {
    let p = &s.phases;
    let k = |v: Option<f64>| field(v.map(|v| v / 1000.0), 5, 1);
    finish(format!(
        "({} {} {} {} {} {} {} {} {} {} {} {} 00000000",
        k(p.realpower[0]),
        k(p.realpower[1]),
        k(p.realpower[2]),
        k(p.power[0]),
        k(p.power[1]),
        k(p.power[2]),
        k(p.total_realpower),
        k(p.total_power),
        field(p.current[0], 5, 1),
        field(p.current[1], 5, 1),
        field(p.current[2], 5, 1),
        field(s.load, 3, 0),
    ))
}

/// Masterguard battery cells of the simulated unit.
pub const MG_CELLS: f64 = 12.0;

/// Masterguard `WH` (113 bytes).
pub fn mg_wh(s: &DeviceState) -> Vec<u8> {
    finish(format!(
        "(00 10.06 03.09 {} 0 {} {} 012 {} 006.00 012.00 018 10 40 160 276 47.00 53.00",
        text("A 1000", 30),
        field(s.rating[0], 3, 0),
        field(s.rating[3], 5, 2),
        field(s.rating[2].map(|v| v / MG_CELLS), 5, 2),
    ))
}

/// Masterguard `Q3` (71 bytes).
pub fn mg_q3(s: &DeviceState) -> Vec<u8> {
    let b = s.bits;
    let bit = |on: bool| if on { '1' } else { '0' };
    let runtime = s.battery_runtime.map(|r| {
        let r = r.max(0.0).round();
        (r / 60.0).floor() + (r % 60.0) / 100.0
    });
    finish(format!(
        "(00 {} {} {} {} {} {} {} {} {} {}{}{}{}{}{}{}0 00000{}",
        field(s.input_voltage, 5, 1),
        field(s.input_voltage_fault, 5, 1),
        field(s.output_voltage, 5, 1),
        field(s.load, 3, 0),
        field(s.input_frequency, 4, 1),
        field(s.battery_voltage.map(|v| v / MG_CELLS), 5, 2),
        field(s.temperature, 4, 1),
        field(runtime, 6, 2),
        field(s.battery_charge, 3, 0),
        bit(b.utility_fail),
        bit(b.battery_low),
        bit(b.bypass_boost_buck),
        bit(b.ups_failed),
        bit(b.line_interactive),
        bit(b.test_in_progress),
        bit(b.shutdown_active),
        if b.test_in_progress { "001" } else { "000" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_have_fixed_widths() {
        assert_eq!(field(Some(2.05), 4, 2), "2.05");
        assert_eq!(field(Some(27.1), 4, 2), "27.1");
        assert_eq!(field(Some(110.4), 4, 2), "0110");
        assert_eq!(field(Some(99999.0), 3, 0), "999");
        assert_eq!(field(None, 5, 1), "---.-");
        assert_eq!(field(None, 3, 0), "---");
        assert_eq!(field(Some(-3.0), 3, 0), "000");
        // More decimals only for a value that needs them, when they fit.
        assert_eq!(field(Some(22.29), 5, 1), "22.29");
        assert_eq!(field(Some(1.4), 5, 1), "001.4");
        assert_eq!(field(Some(22.295), 5, 1), "022.3");
    }

    #[test]
    fn replies_have_reference_lengths() {
        let s = DeviceState::default();
        assert_eq!(q1(&s, s.input_frequency).len(), 47);
        assert_eq!(ratings(&s).len(), 22);
        assert_eq!(vendor(&s).len(), 39);
        assert_eq!(vendor_ic(&s).len(), 39);
        assert_eq!(qgs(&s).len(), 76);
        assert_eq!(qri(&s).len(), 22);
        assert_eq!(qmd(&s).len(), 48);
        assert_eq!(qws(&s).len(), 66);
        assert_eq!(qbv(&s).len(), 21);
        assert_eq!(qs_qi(&s).len(), 49);
        assert_eq!(q2(&s).len(), 118);
        assert_eq!(q6(&s).len(), 110);
        assert_eq!(wa(&s).len(), 80);
        assert_eq!(mg_wh(&s).len(), 113);
        assert_eq!(mg_q3(&s).len(), 71);
        assert!((25..=27).contains(&bestups_id(&s).len()));
        assert_eq!(qshex::decode(&qs_hex(&s, false)).unwrap().len(), 47);
        assert_eq!(qshex::decode(&qs_hex(&s, true)).unwrap().len(), 56);
    }
}
