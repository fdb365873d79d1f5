//! Decoded readings back to wire bytes: sets an empty [`DeviceState`] from
//! [`Readings`] and encodes the reply to the same query. Used by the fuzz
//! target and tests to check decode → encode → decode agreement.

use super::encode;
use super::state::DeviceState;
use crate::qx::{Protocol, Readings};

/// The (protocol, query) pairs [`reencode`] supports.
pub const SUPPORTED: [(Protocol, &[u8]); 16] = [
    (Protocol::Megatec, b"Q1\r"),
    (Protocol::Megatec, b"F\r"),
    (Protocol::Zinto, b"FW?\r"),
    (Protocol::Mustek, b"QS\r"),
    (Protocol::MegatecOld, b"D\r"),
    (Protocol::Bestups, b"Q1\r"),
    (Protocol::Hunnox, b"BL\r"),
    (Protocol::Voltronic, b"QGS\r"),
    (Protocol::Voltronic, b"QBV\r"),
    (Protocol::Voltronic, b"QRI\r"),
    (Protocol::VoltronicQs, b"QS\r"),
    (Protocol::VoltronicQs, b"QI\r"),
    (Protocol::VoltronicQsHex, b"QS\r"),
    (Protocol::Q2, b"Q2\r"),
    (Protocol::Q6, b"Q6\r"),
    (Protocol::Q6, b"WA\r"),
];

/// The state the readings describe.
pub fn state_from(readings: &Readings) -> DeviceState {
    let mut s = DeviceState::empty();
    for (name, value) in &readings.values {
        // Variables the simulator does not model are left out.
        let _ = s.set_var(name, value);
    }
    s.set_status(&readings.status().render().to_string());
    s.bits.ups_failed = readings.alarms.iter().any(|a| a == "UPS selftest failed!");
    s
}

/// Re-encodes `readings` decoded from a reply to `query`; `None` for an
/// unsupported pair.
pub fn reencode(protocol: Protocol, query: &[u8], readings: &Readings) -> Option<Vec<u8>> {
    let with_ratings = readings.get("output.voltage.nominal").is_some();
    encode_for(protocol, query, &state_from(readings), with_ratings)
}

/// The simulator's reply to `query` in `protocol` for state `s`
/// (`with_ratings`: the PM-T variant of voltronic-qs-hex).
pub fn encode_for(
    protocol: Protocol,
    query: &[u8],
    s: &DeviceState,
    with_ratings: bool,
) -> Option<Vec<u8>> {
    Some(match (protocol, query) {
        (Protocol::VoltronicQs, b"QS\r") => encode::q1(s, s.output_frequency),
        (Protocol::VoltronicQsHex, b"QS\r") => encode::qs_hex(s, with_ratings),
        (_, b"Q1\r" | b"QS\r" | b"D\r") => encode::q1(s, s.input_frequency),
        (_, b"F\r") => encode::ratings(s),
        (_, b"FW?\r") => encode::vendor(s),
        (Protocol::Hunnox, b"BL\r") => {
            format!("BL{:.0}\r", s.battery_charge.unwrap_or(0.0)).into_bytes()
        }
        (Protocol::Voltronic, b"QGS\r") => encode::qgs(s),
        (Protocol::Voltronic, b"QBV\r") => encode::qbv(s),
        (Protocol::Voltronic, b"QRI\r") => encode::qri(s),
        (Protocol::VoltronicQs, b"QI\r") => encode::qs_qi(s),
        (Protocol::Q2, b"Q2\r") => encode::q2(s),
        (Protocol::Q6, b"Q6\r") => encode::q6(s),
        (_, b"WA\r") => encode::wa(s),
        _ => return None,
    })
}

/// Whether two readings agree: same variables, values equal as text or as
/// numbers within `tolerance`, same status and alarms.
pub fn agree(a: &Readings, b: &Readings, tolerance: f64) -> Result<(), String> {
    if a.status() != b.status() {
        return Err(format!(
            "status {} vs {}",
            a.status().render(),
            b.status().render()
        ));
    }
    if a.alarms != b.alarms {
        return Err(format!("alarms {:?} vs {:?}", a.alarms, b.alarms));
    }
    let names = |r: &Readings| {
        let mut n: Vec<&str> = r.values.iter().map(|(n, _)| *n).collect();
        n.sort_unstable();
        n.dedup();
        n
    };
    if names(a) != names(b) {
        return Err(format!("variables {:?} vs {:?}", names(a), names(b)));
    }
    for name in names(a) {
        let (x, y) = (
            a.get(name).unwrap_or_default(),
            b.get(name).unwrap_or_default(),
        );
        let close = match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(p), Ok(q)) => (p - q).abs() <= tolerance,
            _ => x == y,
        };
        if !close {
            return Err(format!("{name}: {x:?} vs {y:?}"));
        }
    }
    Ok(())
}

/// The `megatec_response` fuzz property: byte 0 picks a [`SUPPORTED`]
/// (protocol, query) pair, the rest is the reply. Decoding never panics;
/// whatever decodes re-encodes (through the simulator's encoders) to a
/// reply that decodes to the same readings. `Ok(true)` when the input
/// decoded, `Ok(false)` when it was (correctly) refused.
pub fn fuzz_property(data: &[u8]) -> Result<bool, String> {
    let Some((&pick, reply)) = data.split_first() else {
        return Ok(false);
    };
    let Some(&(protocol, query)) = SUPPORTED.get(usize::from(pick) % SUPPORTED.len()) else {
        return Ok(false);
    };
    let Ok(first) = crate::qx::decode_reply(protocol, query, reply) else {
        return Ok(false);
    };
    let again = reencode(protocol, query, &first).ok_or("unsupported pair")?;
    let second = crate::qx::decode_reply(protocol, query, &again)
        .map_err(|e| format!("re-encoded reply does not decode: {e}"))?;
    agree(&first, &second, 1e-9)?;
    Ok(true)
}
