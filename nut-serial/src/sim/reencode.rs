//! Decoded readings back to wire bytes: sets an empty [`DeviceState`] from
//! [`Readings`] and encodes the reply to the same query. Used by the fuzz
//! target and tests to check decode → encode → decode agreement.

use super::state::DeviceState;
use super::{dialects, encode};
use crate::qx::{Protocol, Readings};

/// The (protocol, query) pairs [`reencode`] supports.
pub const SUPPORTED: [(Protocol, &[u8]); 24] = [
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
    // Appended, so the committed seeds keep their pairs.
    (Protocol::Omron, b"Q1\r"),
    (Protocol::Omron, b"Bl ?\r"),
    (Protocol::Omron, b"UN\r"),
    (Protocol::Ablerex, b"Q1\r"),
    (Protocol::Ablerex, b"Q5\r"),
    (Protocol::Ablerex, b"At\r"),
    (Protocol::Innovart31, b"BPS\r"),
    (Protocol::Innovart33, b"BPS\r"),
];

/// Replies every fuzz input is also decoded as (no panic is the only
/// property): the dialect queries outside [`SUPPORTED`].
pub const DECODE_ONLY: [(Protocol, &[u8]); 17] = [
    (Protocol::Omron, b"RTS\r"),
    (Protocol::Omron, b"TPb\r"),
    (Protocol::Omron, b"Lf ?\r"),
    (Protocol::Omron, b"PSNR\r"),
    (Protocol::Omron, b"FWV\r"),
    (Protocol::Omron, b"BRR\r"),
    (Protocol::VoltronicAxpert, b"QPIGS\r"),
    (Protocol::VoltronicAxpert, b"QPIRI\r"),
    (Protocol::VoltronicAxpert, b"QPIWS\r"),
    (Protocol::VoltronicAxpert, b"QMOD\r"),
    (Protocol::Ablerex, b"TR\r"),
    (Protocol::Ablerex, b"F\r"),
    (Protocol::Innovart31, b"Q6\r"),
    (Protocol::Innovart31, b"FW?\r"),
    (Protocol::Innovart31, b"SASV07?\r"),
    (Protocol::Innovart33, b"WA\r"),
    (Protocol::Gtec, b"Q4\r"),
];

/// How many pairs [`SUPPORTED`] had before the dialects were added: byte
/// 0 below [`NEW_PAIRS_FROM`] picks among these (`pick % 16`), so every
/// committed seed keeps its pair.
pub const LEGACY_PAIRS: usize = 16;
/// Byte-0 values from here pick the pairs added later.
pub const NEW_PAIRS_FROM: u8 = 0xE0;

/// The [`SUPPORTED`] index byte 0 of a fuzz input picks.
pub fn pair_index(pick: u8) -> usize {
    match pick.checked_sub(NEW_PAIRS_FROM) {
        Some(n) => LEGACY_PAIRS + usize::from(n) % (SUPPORTED.len() - LEGACY_PAIRS),
        None => usize::from(pick) % LEGACY_PAIRS,
    }
}

/// The byte 0 that picks [`SUPPORTED`] pair `index`.
pub fn pair_selector(index: usize) -> Option<u8> {
    if index < LEGACY_PAIRS {
        u8::try_from(index).ok()
    } else if index < SUPPORTED.len() {
        NEW_PAIRS_FROM.checked_add(u8::try_from(index - LEGACY_PAIRS).ok()?)
    } else {
        None
    }
}

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
    let with_ratings = QS_HEX_RATINGS.iter().any(|r| readings.get(r).is_some());
    let mut state = state_from(readings);
    if (protocol, query) == (Protocol::Ablerex, b"Q5\r".as_slice()) {
        // The Q5 error code is published as alarm text.
        state.dialect.error_code = readings
            .alarms
            .iter()
            .find_map(|a| a.parse().ok())
            .unwrap_or(0);
    }
    encode_for(protocol, query, &state, with_ratings)
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
        (Protocol::Omron, b"Bl ?\r") => dialects::omron(s, "Bl ?")?,
        (Protocol::Omron, b"UN\r") => dialects::omron(s, "UN")?,
        (Protocol::Ablerex, b"Q5\r") => dialects::ablerex_q5(s),
        (Protocol::Ablerex, b"At\r") => dialects::ablerex_at(s),
        (Protocol::Innovart31 | Protocol::Innovart33, b"BPS\r") => dialects::innovart_bps(s),
        (Protocol::VoltronicQs, b"QS\r") => encode::q1(s, s.output_frequency),
        (Protocol::VoltronicQsHex, b"QS\r") => encode::qs_hex(s, with_ratings),
        (_, b"Q1\r" | b"QS\r" | b"D\r") => encode::q1(s, s.input_frequency),
        (_, b"F\r") => encode::ratings(s),
        (_, b"FW?\r") => encode::vendor(s),
        (Protocol::Hunnox, b"BL\r") => format!(
            "BL{:03.0}\r",
            s.battery_charge.unwrap_or(0.0).clamp(0.0, 100.0)
        )
        .into_bytes(),
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
        // Equal text agrees even when it reads as no finite number
        // (`7777e77777` is infinite, and inf - inf is NaN).
        let close = x == y
            || match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(p), Ok(q)) => (p - q).abs() <= tolerance,
                _ => false,
            };
        if !close {
            return Err(format!("{name}: {x:?} vs {y:?}"));
        }
    }
    Ok(())
}

/// The voltronic-qs-hex ratings (PM-T only).
const QS_HEX_RATINGS: [&str; 3] = [
    "output.frequency.nominal",
    "battery.voltage.nominal",
    "output.voltage.nominal",
];

/// Why the simulator cannot send a reply that decodes to `readings`, if
/// so: the decoder is right to publish them, but they describe a unit the
/// simulator does not model. The fuzz property skips these.
///
/// - voltronic `QGS` type bits `11` are undefined: that row fails and the
///   reply decodes without `ups.type`, but a simulated unit always has a
///   type (`00` offline, `01` line-interactive, `10` online).
/// - voltronic `QBV` runtime that is not a whole number of minutes (say
///   `022.08`): units report whole minutes, and so does the simulator.
/// - voltronic-qs-hex PM-T ratings with an undefined nominal output
///   voltage code (`101`, `11x`): that row fails while the other ratings
///   decode; the simulator always sends a defined code.
/// - Ablerex `At` runtime that reads negative (NUT computes it in a C
///   `int`): a simulated runtime is never negative.
pub fn unrepresentable(
    protocol: Protocol,
    query: &[u8],
    readings: &Readings,
) -> Option<&'static str> {
    let runtime = || {
        readings
            .get("battery.runtime")
            .and_then(|r| r.parse::<f64>().ok())
    };
    match (protocol, query) {
        (Protocol::Ablerex, b"At\r") if runtime().is_some_and(|r| r < 0.0) => {
            Some("At runtime reads negative")
        }
        // A binary runtime one of whose bytes is CR cannot be sent: the
        // simulator sends one second more (see `dialects::ablerex_at`).
        (Protocol::Ablerex, b"At\r")
            if runtime().is_some_and(|r| {
                r >= 0.0 && r <= f64::from(u32::MAX) && (r as u32).to_be_bytes().contains(&b'\r')
            }) =>
        {
            Some("At runtime has a CR byte")
        }
        (Protocol::Voltronic, b"QGS\r") if readings.get("ups.type").is_none() => {
            Some("QGS type bits are undefined (`11`)")
        }
        (Protocol::Voltronic, b"QBV\r") if runtime().is_some_and(|r| r % 60.0 != 0.0) => {
            Some("QBV runtime is not a whole number of minutes")
        }
        (Protocol::VoltronicQsHex, b"QS\r")
            if QS_HEX_RATINGS.iter().any(|r| readings.get(r).is_some())
                && readings.get("output.voltage.nominal").is_none() =>
        {
            Some("QS nominal output voltage code is undefined")
        }
        _ => None,
    }
}

/// The `megatec_response` fuzz property: byte 0 picks a [`SUPPORTED`]
/// (protocol, query) pair, the rest is the reply. Decoding never panics;
/// whatever decodes re-encodes (through the simulator's encoders) to a
/// reply that decodes to the same readings. `Ok(true)` when the input
/// decoded and re-encoded, `Ok(false)` when it was (correctly) refused or
/// describes a state the simulator cannot hold ([`unrepresentable`]).
pub fn fuzz_property(data: &[u8]) -> Result<bool, String> {
    let Some((&pick, reply)) = data.split_first() else {
        return Ok(false);
    };
    let Some(&(protocol, query)) = SUPPORTED.get(pair_index(pick)) else {
        return Ok(false);
    };
    // The dialect replies the simulator cannot re-encode: decoding them
    // must at least never panic.
    for (p, q) in DECODE_ONLY {
        let _ = crate::qx::decode_reply(p, q, reply);
    }
    let Ok(first) = crate::qx::decode_reply(protocol, query, reply) else {
        return Ok(false);
    };
    if unrepresentable(protocol, query, &first).is_some() {
        return Ok(false);
    }
    let again = reencode(protocol, query, &first).ok_or("unsupported pair")?;
    let second = crate::qx::decode_reply(protocol, query, &again)
        .map_err(|e| format!("re-encoded reply does not decode: {e}"))?;
    agree(&first, &second, 1e-9)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::decode_reply;

    /// The fuzz input that sends `reply` to `query` in `protocol`.
    fn input(protocol: Protocol, query: &[u8], reply: &[u8]) -> Vec<u8> {
        let pick = SUPPORTED
            .iter()
            .position(|&(p, q)| p == protocol && q == query)
            .expect("a supported pair");
        [&[pair_selector(pick).unwrap()], reply].concat()
    }

    fn holds(protocol: Protocol, query: &[u8], reply: &[u8]) -> Result<bool, String> {
        fuzz_property(&input(protocol, query, reply))
    }

    /// Fuzz find: `QBV` packs other than 1 re-encoded as `01`.
    #[test]
    fn qbv_battery_packs_survive_the_round_trip() {
        let reply = b"(026.5 02 04 066 255\r";
        assert_eq!(holds(Protocol::Voltronic, b"QBV\r", reply), Ok(true));
        let again = reencode(
            Protocol::Voltronic,
            b"QBV\r",
            &decode_reply(Protocol::Voltronic, b"QBV\r", reply).unwrap(),
        );
        assert_eq!(again.as_deref(), Some(reply.as_slice()));
    }

    /// Fuzz find: voltronic-qs `QI` transfer limits re-encoded as the
    /// constants `177 290`.
    #[test]
    fn qs_qi_transfer_limits_survive_the_round_trip() {
        let qi = |reply: &[u8]| holds(Protocol::VoltronicQs, b"QI\r", reply);
        assert_eq!(
            qi(b"(100 00979 50.0 000.3 177 289 0 0000010000112000\r"),
            Ok(true)
        );
        assert_eq!(
            qi(b"(equenc 177 .frequenc 354 290 0 0000010000112000\r"),
            Ok(true)
        );
    }

    /// Fuzz find: a q2 reply whose topology run is damaged decodes without
    /// topologies; the simulator sends unknown ones as `-`.
    #[test]
    fn unknown_topology_survives_the_round_trip() {
        let reply = b"(226.6 224.3 258.0 226.4 229.9 000.0 000.0 000 000 000 49.9 327.6 18.0 00000000 999&24 100 02=00 00 000.0 00000000.61\r";
        assert_eq!(holds(Protocol::Q2, b"Q2\r", reply), Ok(true));
        let readings = decode_reply(Protocol::Q2, b"Q2\r", reply).unwrap();
        let again = reencode(Protocol::Q2, b"Q2\r", &readings).unwrap();
        assert_eq!(again.get(115..=116), Some(b"--".as_slice()));
    }

    /// Fuzz finds: `22.29` kW (`WA`) and `32.78` V (q6 battery) lost their
    /// second decimal in `xxx.x` fields.
    #[test]
    fn values_needing_more_decimals_survive_the_round_trip() {
        let wa = b"(227.0 22.29 007 000 000 327.8 000.0 27.* 06932 100 3/(227.0 22.9 002 0000007 0.0 000 327.8 000.0 200 003.* 06932 10";
        assert_eq!(holds(Protocol::Q6, b"WA\r", wa), Ok(true));
        let q6 = b"(227.0 225.6 230.0 50.0 229.9 000.0 000.0 49.9 007 000 000 32.78 000.0 23.0 06932 100 32 00000000 00000000 11\r";
        assert_eq!(holds(Protocol::Q6, b"Q6\r", q6), Ok(true));
    }

    /// Fuzz find: output voltage 40.0 V as A = 0x2800 cannot be sent (a
    /// literal 0x28 before 0x00 reads as an escape); another pair can.
    #[test]
    fn qs_hex_voltage_needing_another_pair_survives_the_round_trip() {
        let reply = b"#\x1f(\x01 5 !x = \x13 `. (\x02\x12\xd0 \xe4 \xea 2\r(\xb4\xfe\xff\xff\xf0";
        let readings = decode_reply(Protocol::VoltronicQsHex, b"QS\r", reply).unwrap();
        assert_eq!(readings.get("output.voltage"), Some("40.0"));
        assert_eq!(holds(Protocol::VoltronicQsHex, b"QS\r", reply), Ok(true));
    }

    /// Fuzz find: `QBV` runtimes of 1000 minutes or more were capped at
    /// `999`; the open-ended field carries them.
    #[test]
    fn long_qbv_runtime_survives_the_round_trip() {
        let reply = b"(041.0 03 01 100 12345\r";
        assert_eq!(holds(Protocol::Voltronic, b"QBV\r", reply), Ok(true));
    }

    /// Fuzz find: the vendor text `7777e77777` reads as an infinite
    /// number, and equal infinities compared as disagreeing (NaN).
    #[test]
    fn equal_text_agrees_even_as_an_infinite_number() {
        let reply = b"#   07777777777777777e77777777  (02  tz.";
        assert_eq!(holds(Protocol::Zinto, b"FW?\r", reply), Ok(true));
        let r = decode_reply(Protocol::Zinto, b"FW?\r", reply).unwrap();
        assert_eq!(r.get("device.model"), Some("7777e77777"));
        let mut other = r.clone();
        for (name, value) in &mut other.values {
            if *name == "device.model" {
                "7777e77778".clone_into(value);
            }
        }
        assert!(agree(&r, &r.clone(), 1e-9).is_ok());
        assert_eq!(
            agree(&r, &other, 1e-9),
            Err(r#"device.model: "7777e77777" vs "7777e77778""#.to_owned())
        );
    }

    #[test]
    fn selectors_pick_their_pairs() {
        for i in 0..SUPPORTED.len() {
            assert_eq!(pair_index(pair_selector(i).unwrap()), i);
        }
        assert_eq!(pair_selector(SUPPORTED.len()), None);
        // Legacy bytes keep their pairs.
        assert_eq!(pair_index(194), 194 % 16);
        assert_eq!(pair_index(0xFF), LEGACY_PAIRS + 31 % 8);
    }

    /// The dialect pairs round-trip.
    #[test]
    fn dialect_pairs_survive_the_round_trip() {
        let q1 = b"(102.5 000.0 102.4 000 49.9 54.5 22.7 00101000\r";
        assert_eq!(holds(Protocol::Omron, b"Q1\r", q1), Ok(true));
        assert_eq!(holds(Protocol::Omron, b"Bl ?\r", b"100\r"), Ok(true));
        assert_eq!(
            holds(Protocol::Omron, b"UN\r", b"1125W/1125VA/048V/160W/020W\r"),
            Ok(true)
        );
        let ab = b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00101001\r";
        assert_eq!(holds(Protocol::Ablerex, b"Q1\r", ab), Ok(true));
        let q5 = b"(\x01\xf4\0\0\0\0\x05\x14\x03\xc0\0\0\0\x07\0\x0c\0\0\0\0\r";
        assert_eq!(holds(Protocol::Ablerex, b"Q5\r", q5), Ok(true));
        assert_eq!(
            holds(Protocol::Ablerex, b"At\r", b"(\0\0\x09\x60\r"),
            Ok(true)
        );
        assert_eq!(
            holds(Protocol::Ablerex, b"At\r", b"(\xff\0\x09\x60\r"),
            Ok(false),
            "negative runtime"
        );
        let bps = b"(230.4 000.0 000.0 49.9\r";
        assert_eq!(holds(Protocol::Innovart31, b"BPS\r", bps), Ok(true));
        assert_eq!(holds(Protocol::Innovart33, b"BPS\r", bps), Ok(true));
        // A damaged BPS decodes the fields before the damage only.
        let damaged = b"(230.4 000.0 0x0.0 49.9\r";
        assert_eq!(holds(Protocol::Innovart33, b"BPS\r", damaged), Ok(true));
    }

    /// States the simulator cannot send are skipped, and only those.
    #[test]
    fn unrepresentable_states_are_skipped() {
        let skipped = |protocol, query: &[u8], reply: &[u8]| {
            let readings = decode_reply(protocol, query, reply).unwrap();
            let why = unrepresentable(protocol, query, &readings);
            assert_eq!(
                holds(protocol, query, reply),
                if why.is_some() { Ok(false) } else { Ok(true) }
            );
            why.is_some()
        };
        let qgs = |flags: &str| {
            format!("(234.9 50.0 229.8 50.0 000.0 000 369.1 ---.- 026.5 ---.- 018.8 {flags}\r")
        };
        assert!(skipped(
            Protocol::Voltronic,
            b"QGS\r",
            qgs("110000000001").as_bytes()
        ));
        assert!(!skipped(
            Protocol::Voltronic,
            b"QGS\r",
            qgs("100000000001").as_bytes()
        ));
        // Fuzz find: `5.50` minutes (330 s) came back as 300 s.
        assert!(skipped(
            Protocol::Voltronic,
            b"QBV\r",
            b"(026.5 02 01 066 5.50\r"
        ));
        assert!(!skipped(
            Protocol::Voltronic,
            b"QBV\r",
            b"(026.5 02 01 066 005\r"
        ));
        // Fuzz find: `BL 00` (now refused); the simulated unit pads its
        // charge to three digits like a real one, so every charge round-trips.
        assert!(!skipped(Protocol::Hunnox, b"BL\r", b"BL050\r"));
        assert!(!skipped(Protocol::Hunnox, b"BL\r", b"BL100\r"));
        // Fuzz find: PM-T ratings with nominal output voltage code `101`.
        let pm_t = b"#l\x01 0 l\x01 5 \x03 `. (\x02\x12\xd0 \xe6 A Q 5\r(5.\x03I \r";
        assert!(skipped(Protocol::VoltronicQsHex, b"QS\r", pm_t));
    }
}
