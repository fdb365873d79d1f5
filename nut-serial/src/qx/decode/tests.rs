//! Decoding the reference's canned replies of every protocol.

use super::*;

const Q1: &[u8] = b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r";

fn status(r: &Readings) -> String {
    r.status().render().to_string()
}

#[test]
fn megatec_q1_fields_and_status() {
    let r = decode_reply(Protocol::Megatec, b"Q1\r", Q1).unwrap();
    assert_eq!(r.get("input.voltage"), Some("215.0"));
    assert_eq!(r.get("input.voltage.fault"), Some("195.0"));
    assert_eq!(r.get("output.voltage"), Some("230.0"));
    assert_eq!(r.get("ups.load"), Some("14"));
    assert_eq!(r.get("input.frequency"), Some("49.0"));
    assert_eq!(r.get("battery.voltage"), Some("22.7"));
    assert_eq!(r.get("ups.temperature"), Some("30.0"));
    assert_eq!(r.get("ups.type"), Some("online"));
    assert_eq!(r.get("ups.beeper.status"), Some("disabled"));
    assert_eq!(status(&r), "OL");
}

#[test]
fn q1_status_bits() {
    let reply = |bits: &str| format!("(208.4 140.0 208.4 034 59.9 2.05 35.0 {bits}\r");
    let st =
        |bits: &str| status(&decode_reply(Protocol::Q1, b"Q1\r", reply(bits).as_bytes()).unwrap());
    assert_eq!(st("11000000"), "OB LB");
    assert_eq!(st("10000000"), "OB");
    assert_eq!(st("00000100"), "OL CAL");
    assert_eq!(st("00100000"), "OL BYPASS");
    assert_eq!(st("00000010"), "OL FSD");
    let r = decode_reply(Protocol::Q1, b"Q1\r", reply("00011001").as_bytes()).unwrap();
    assert_eq!(r.alarms, vec!["UPS selftest failed!".to_owned()]);
    assert_eq!(r.get("ups.type"), Some("offline / line interactive"));
    assert_eq!(r.get("ups.beeper.status"), Some("enabled"));
}

#[test]
fn bypass_bit_classified_by_voltage_ratio() {
    let st = |vin: &str, vout: &str| {
        let reply = format!("({vin} 140.0 {vout} 034 59.9 2.05 35.0 00100000\r");
        decode_reply(Protocol::Q1, b"Q1\r", reply.as_bytes()).map(|r| status(&r))
    };
    assert_eq!(st("230.0", "200.0").unwrap(), "OL TRIM");
    assert_eq!(st("230.0", "230.0").unwrap(), "OL BYPASS");
    assert_eq!(st("200.0", "230.0").unwrap(), "OL BOOST");
    // Ratio out of bounds: the status row fails, so the whole reply fails.
    assert!(st("100.0", "230.0").is_err());
    assert!(st("000.0", "230.0").is_err());
    assert!(st("230.0", "100.0").is_err());
}

#[test]
fn broken_replies_are_typed_errors() {
    let e = |reply: &[u8]| decode_reply(Protocol::Megatec, b"Q1\r", reply).unwrap_err();
    assert!(matches!(e(b""), Error::NoReply { .. }));
    assert!(matches!(e(b"Q1\r"), Error::ShortReply { len: 3, .. }));
    assert!(matches!(
        e(b"#215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r"),
        Error::WrongLead { .. }
    ));
    assert!(matches!(
        e(b"(215.0 195.0 230.0 014 49.0 22.7 30.0 20000000\r"),
        Error::BadField {
            var: "ups.status",
            ..
        }
    ));
    assert!(matches!(
        e(&[b'('; MAX_REPLY_LEN + 1]),
        Error::TooLong { .. }
    ));
    // Garbage seen in NUT issue 1987.
    assert!(matches!(e(b"=`X?6\r"), Error::ShortReply { .. }));
    // A non-numeric value field is left out, the status still decodes.
    let r = decode_reply(
        Protocol::Megatec,
        b"Q1\r",
        b"(215.0 195.0 230.0 0x4 49.0 22.7 30.0 00000000\r",
    )
    .unwrap();
    assert_eq!(r.get("ups.load"), None);
    assert_eq!(status(&r), "OL");
}

#[test]
fn reply_length_limit_and_limit_plus_one() {
    let mut at_limit = Q1.to_vec();
    at_limit.pop();
    at_limit.resize(MAX_REPLY_LEN - 1, b' ');
    at_limit.push(b'\r');
    assert_eq!(at_limit.len(), MAX_REPLY_LEN);
    assert!(decode_reply(Protocol::Megatec, b"Q1\r", &at_limit).is_ok());
    at_limit.insert(1, b' ');
    assert!(matches!(
        decode_reply(Protocol::Megatec, b"Q1\r", &at_limit),
        Err(Error::TooLong { .. })
    ));
}

#[test]
fn ratings_and_vendor() {
    let f = decode_reply(Protocol::Megatec, b"F\r", b"#230.0 000 024.0 50.0\r").unwrap();
    assert_eq!(f.get("input.voltage.nominal"), Some("230"));
    assert_eq!(f.get("input.current.nominal"), Some("0.0"));
    assert_eq!(f.get("battery.voltage.nominal"), Some("24.0"));
    assert_eq!(f.get("input.frequency.nominal"), Some("50"));
    let i = decode_reply(
        Protocol::Zinto,
        b"FW?\r",
        b"#NOT_A_LIVE_UPS  TESTING    TESTING   \r",
    )
    .unwrap();
    assert_eq!(i.get("device.mfr"), Some("NOT_A_LIVE_UPS"));
    assert_eq!(i.get("device.model"), Some("TESTING"));
    assert_eq!(i.get("ups.firmware"), Some("TESTING"));
    // Megatec's "IC" slicing mangles the classic reply (qx-protocols App. C #8).
    let m = decode_reply(
        Protocol::Megatec,
        b"I\r",
        b"#NOT_A_LIVE_UPS  TESTING    TESTING   \r",
    )
    .unwrap();
    assert_eq!(m.get("device.mfr"), Some("NOT_A_L"));
    assert_eq!(m.get("ups.serial"), Some("IVE_UPS "));
    assert_eq!(m.get("device.model"), Some("TESTI"));
    assert_eq!(m.get("battery.runtime"), Some("NG"));
    assert_eq!(m.get("ups.firmware"), Some("TESTING"));
}

#[test]
fn dialects_with_other_status_queries() {
    for (p, q) in [
        (Protocol::Mustek, b"QS\r".as_slice()),
        (Protocol::MegatecOld, b"D\r".as_slice()),
    ] {
        let r = decode_reply(p, q, Q1).unwrap();
        assert_eq!(r.get("input.voltage"), Some("215.0"), "{p}");
    }
    let qs = decode_reply(Protocol::VoltronicQs, b"QS\r", Q1).unwrap();
    assert_eq!(qs.get("output.frequency"), Some("49.0"));
    let qi = decode_reply(
        Protocol::VoltronicQs,
        b"QI\r",
        b"(100 00979 50.0 000.3 177 290 0 0000010000112000\r",
    )
    .unwrap();
    assert_eq!(qi.get("battery.charge"), Some("100"));
    assert_eq!(qi.get("battery.runtime"), Some("979"));
    assert_eq!(qi.get("input.transfer.high"), Some("290"));
    let m = decode_reply(Protocol::VoltronicQs, b"M\r", b"V\r").unwrap();
    assert_eq!(m.get("ups.firmware.aux"), Some("PM-V"));
    assert!(decode_reply(Protocol::VoltronicQs, b"M\r", b"P\r").is_err());
}

#[test]
fn voltronic_qs_hex_reference_example() {
    let raw = [
        0x23, 0x6C, 0x01, 0x20, 0x35, 0x20, 0x6C, 0x01, 0x20, 0x35, 0x20, 0x03, 0x20, 0x51, 0x9A,
        0x20, 0x28, 0x02, 0x12, 0xD0, 0x20, 0xE6, 0x20, 0x1E, 0x20, 0x09, 0x0D,
    ];
    let r = decode_reply(Protocol::VoltronicQsHex, b"QS\r", &raw).unwrap();
    assert_eq!(r.get("input.voltage"), Some("112.2"));
    assert_eq!(r.get("output.voltage"), Some("112.2"));
    assert_eq!(r.get("ups.load"), Some("3"));
    assert_eq!(r.get("output.frequency"), Some("59.8"));
    assert_eq!(r.get("battery.voltage"), Some("13.53"));
    assert_eq!(r.get("ups.type"), Some("offline / line interactive"));
    assert_eq!(r.get("ups.beeper.status"), Some("enabled"));
    assert_eq!(status(&r), "OL");
    assert!(matches!(
        decode_reply(Protocol::VoltronicQsHex, b"QS\r", b"N\r"),
        Err(Error::Malformed { .. } | Error::Rejected { .. })
    ));
}

#[test]
fn bestups_id_and_bit40_rules() {
    let id = decode_reply(Protocol::Bestups, b"ID\r", b"FOR,750,120,120,20.0,27.6\r").unwrap();
    assert_eq!(id.get("device.mfr"), Some("Best Power"));
    assert_eq!(id.get("device.model"), Some("Fortress"));
    assert_eq!(id.get("ups.power.nominal"), Some("750"));
    assert_eq!(id.get("battery.voltage.low"), Some("20.0"));
    assert_eq!(id.get("battery.voltage.high"), Some("27.6"));
    assert!(decode_reply(Protocol::Bestups, b"ID\r", b"FOR,3000,120,120,20.0,100.6\r").is_err());
    let q1 = decode_reply(
        Protocol::Bestups,
        b"Q1\r",
        b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00100000\r",
    )
    .unwrap();
    assert_eq!(status(&q1), "OL BOOST");
    assert_eq!(q1.get("ups.beeper.status"), None);
    let m = decode_reply(Protocol::Bestups, b"M\r", b"0\r").unwrap();
    assert_eq!(m.get("input.transfer.low"), Some("96"));
    assert_eq!(m.get("input.transfer.high"), Some("146"));
    assert_eq!(
        normalise_bestups_id(b"FOR,750,120,120,20.0,27.6\r").unwrap(),
        b"FOR, 750,120,120,20.0, 27.6\r"
    );
}

#[test]
fn mecer_qpi() {
    let r = decode_reply(Protocol::Mecer, b"QPI\r", b"(PI98\r").unwrap();
    assert_eq!(r.get("ups.firmware.aux"), Some("Voltronic Power P98"));
    assert!(matches!(
        decode_reply(Protocol::Mecer, b"QPI\r", b"(NAK\r"),
        Err(Error::Rejected { .. })
    ));
}

#[test]
fn hunnox_bl() {
    let r = decode_reply(Protocol::Hunnox, b"BL\r", b"BL100\r").unwrap();
    assert_eq!(r.get("battery.charge"), Some("100"));
    assert!(decode_reply(Protocol::Hunnox, b"BL\r", b"BL50\r").is_err());
    assert!(decode_reply(Protocol::Hunnox, b"BL\r", b"BL101\r").is_err());
}

/// Fuzz find: `BL 00` read as a charge of 0 %. The charge is an integer
/// right after `BL`; `BL050` (padded to NUT's minimum length) still reads.
#[test]
fn hunnox_charge_is_a_plain_integer() {
    let bl = |reply: &[u8]| decode_reply(Protocol::Hunnox, b"BL\r", reply);
    for bad in [&b"BL 00\n"[..], b"BL99.6\r", b"BL\r\r\r\r", b"BL+50\r"] {
        assert!(bl(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
    assert_eq!(bl(b"BL050\r").unwrap().get("battery.charge"), Some("50"));
}

#[test]
fn q2_and_q6_three_phase() {
    let q2 = decode_reply(
        Protocol::Q2,
        b"Q2\r",
        b"(226.6 224.3 228.0 226.6 229.9 000.0 000.0 000 000 000 49.9 327.6 18.0 00000000 999.24 100 02 00 00 00 00 00000000 11\r",
    )
    .unwrap();
    assert_eq!(q2.get("input.L1-N.voltage"), Some("226.6"));
    assert_eq!(q2.get("input.frequency"), Some("49.9"));
    assert_eq!(q2.get("battery.voltage"), Some("327.6"));
    assert_eq!(q2.get("battery.runtime"), Some("59954"));
    assert_eq!(q2.get("battery.charge"), Some("100"));
    assert_eq!(q2.get("experimental.input.topology"), Some("star"));
    let q6 = decode_reply(
        Protocol::Q6,
        b"Q6\r",
        b"(227.0 225.6 230.0 50.0 229.9 000.0 000.0 49.9 007 000 000 327.8 000.0 23.0 06932 100 32 00000000 00000000 11\r",
    )
    .unwrap();
    assert_eq!(q6.get("output.frequency"), Some("49.9"));
    assert_eq!(q6.get("battery.runtime"), Some("6932"));
    let wa = decode_reply(
        Protocol::Q6,
        b"WA\r",
        b"(001.4 000.0 000.0 001.4 000.0 000.0 001.4 001.4 006.5 000.0 000.0 007 00000000\r",
    )
    .unwrap();
    assert_eq!(wa.get("output.L1.realpower"), Some("1400.00"));
    assert_eq!(wa.get("output.L1.current"), Some("6.5"));
    assert_eq!(wa.get("ups.load"), Some("7"));
}

#[test]
fn voltronic_qgs_qbv_qws() {
    let qgs = decode_reply(
        Protocol::Voltronic,
        b"QGS\r",
        b"(234.9 50.0 229.8 50.0 000.0 000 369.1 ---.- 026.5 ---.- 018.8 100000000001\r",
    )
    .unwrap();
    assert_eq!(qgs.get("input.voltage"), Some("234.9"));
    assert_eq!(qgs.get("battery.voltage"), Some("026.5"));
    assert_eq!(qgs.get("ups.type"), Some("online"));
    assert_eq!(status(&qgs), "OL");
    // The reference test data's non-numeric load leaves ups.load out.
    let bad = decode_reply(
        Protocol::Voltronic,
        b"QGS\r",
        b"(234.9 50.0 229.8 50.0 000.0 00A 369.1 ---.- 026.5 ---.- 018.8 100000000001\r",
    )
    .unwrap();
    assert_eq!(bad.get("ups.load"), None);
    let qbv = decode_reply(Protocol::Voltronic, b"QBV\r", b"(026.5 02 01 068 255\r").unwrap();
    assert_eq!(qbv.get("battery.charge"), Some("68"));
    assert_eq!(qbv.get("battery.runtime"), Some("15300"));
    let mut ws = vec![b'('];
    ws.extend([b'0'; 64]);
    ws[8] = b'1';
    ws[56] = b'1';
    ws[60] = b'1';
    ws.push(b'\r');
    let qws = decode_reply(Protocol::Voltronic, b"QWS\r", &ws).unwrap();
    assert_eq!(
        qws.alarms,
        vec![
            "UPS warnings: Low battery. Warning for Battery replace. Unknown warnings [bit: #60]"
                .to_owned()
        ]
    );
    assert_eq!(status(&qws), "OB LB RB");
    let qpi = decode_reply(Protocol::Voltronic, b"QPI\r", b"(PI01\r").unwrap();
    assert_eq!(qpi.get("ups.firmware.aux"), Some("P01"));
    assert!(decode_reply(Protocol::Voltronic, b"QPI\r", b"(PI05\r").is_err());
    assert!(decode_reply(Protocol::Voltronic, b"QID\r", b"(00000000000000\r").is_err());
}

#[test]
fn masterguard_q3_needs_cells_but_status_decodes() {
    let r = decode_reply(
        Protocol::Masterguard,
        b"Q3\r",
        b"(00 225.9 225.9 229.3 043 50.0 02.27 23.4 017.03 100 00000000 00000000\r",
    )
    .unwrap();
    assert_eq!(r.get("input.voltage"), Some("225.9"));
    assert_eq!(r.get("battery.runtime"), Some("1023"));
    assert_eq!(r.get("battery.voltage"), None);
    assert_eq!(r.get("ups.test.result"), Some("no test in progress"));
    assert_eq!(status(&r), "OL");
    let wh = decode_reply(
        Protocol::Masterguard,
        b"WH\r",
        b"(00 10.06 03.09 A  700  + 0 Bat Pack-19        0 230 50.00 012 02.30 006.00 012.00 018 10 40 160 276 47.00 53.00\r",
    )
    .unwrap();
    assert_eq!(wh.get("device.model"), Some("A700-19"));
    assert_eq!(wh.get("ups.power.nominal"), Some("700"));
    assert_eq!(wh.get("battery.voltage.nominal"), Some("27.60"));
}

#[test]
fn parse_number_is_strtod_like() {
    assert_eq!(parse_number(b"215.0"), Some(215.0));
    assert_eq!(parse_number(b" 2.05"), Some(2.05));
    assert_eq!(parse_number(b""), Some(0.0));
    assert_eq!(parse_number(b"1 2"), Some(1.0));
    assert_eq!(parse_number(b"."), Some(0.0));
    assert_eq!(parse_number(b"--.-"), None);
    assert_eq!(parse_number(b"-1"), None);
}

/// Fuzz find: a stray non-ASCII byte in a QGS reply shifted every
/// fixed-width field after it; the reply must be refused, not mis-sliced.
#[test]
fn stray_non_ascii_byte_refuses_the_reply() {
    let reply =
        b"(234.\xc19 50.0 229.8 50.0 000.0 000 369.1 ---.- 026.5 ---.- 018.8 100000000001\r";
    let err = decode_reply(Protocol::Voltronic, b"QGS\r", reply).unwrap_err();
    assert!(err.to_string().contains("printable"), "{err}");
}

/// Fuzz find (`megatec_response-crash2`): a stray byte between the `QBV`
/// charge and runtime made `.5 5` the runtime field, published as 30 s.
/// The fields touching the stray byte are refused, the others decode.
#[test]
fn qbv_fields_next_to_a_stray_byte_are_refused() {
    let r = decode_reply(Protocol::Voltronic, b"QBV\r", b"(026.5 02 01 066`.5 5\r").unwrap();
    assert_eq!(r.get("battery.voltage"), Some("026.5"));
    assert_eq!(r.get("battery.packs"), Some("1"));
    assert_eq!(r.get("battery.charge"), None);
    assert_eq!(r.get("battery.runtime"), None);
    // With the separator back the charge reads; `.5 5` is still no number.
    let r = decode_reply(Protocol::Voltronic, b"QBV\r", b"(026.5 02 01 066 .5 5\r").unwrap();
    assert_eq!(r.get("battery.charge"), Some("66"));
    assert_eq!(r.get("battery.runtime"), None);
}

/// Fuzz find: a byte lost before the q6 topology run put the input's `1`
/// in the output's window. The run is checked whole, at its place.
#[test]
fn q6_topology_from_a_shifted_run_is_refused() {
    let topology = |reply: &[u8]| {
        let r = decode_reply(Protocol::Q6, b"Q6\r", reply).unwrap();
        [
            r.get("experimental.input.topology").map(str::to_owned),
            r.get("experimental.output.topology").map(str::to_owned),
        ]
    };
    let good: &[u8] = b"(227.0 225.6 230.0 50.0 229.9 000.0 000.0 49.9 007 000 000 327.8 000.0 23.0 06932 100 32 00000000 00000000 11\r";
    let star = Some("star".to_owned());
    assert_eq!(topology(good), [star.clone(), star]);
    let shifted: &[u8] = b"(227.0 225.6 230.0 50.0 229.9 000.0 000.0 49.9 007 000 000 327.8 000.0 23.0 06932 100 32 00000000 00000000  11\r";
    assert_eq!(topology(shifted), [None, None]);
    let crash: &[u8] = b"(227.0 225.6 230.!0 50.0 229.9 000.0 000 327.8 000.0 23.0 06932 100 32 00000000 02 100 32 00000000 00000000 11\r";
    assert_eq!(topology(crash), [None, None]);
}

/// Fuzz find: a damaged Q1 status byte (`11001002`) still gave the status
/// from its good bits. The byte now fails whole, and with it the reply.
#[test]
fn damaged_q1_status_byte_refuses_the_reply() {
    let e = decode_reply(
        Protocol::Megatec,
        b"Q1\r",
        b"(000.T$1_A_LI0034  0.0 034 00.0 2.05~ 11001002\r",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::BadField {
                var: "ups.status",
                ..
            }
        ),
        "{e}"
    );
}

/// Fuzz finds: fields were sliced from bytes after the reply's
/// terminator (the rest of a USB buffer, the next line).
#[test]
fn bytes_after_the_terminator_are_not_part_of_the_reply() {
    let e = decode_reply(
        Protocol::Megatec,
        b"Q1\r",
        b"(00\n&(23\xfe\xff\xff\xff\xff\xff\xff\xff\xff\xff \xff\xff 5\x02\x12\x01 5 \xe6  \x1e \x09\x16 11001000\r 000 50.0 13.650.0 13.67--00\r",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ShortReply {
                len: 4,
                min: 47,
                ..
            }
        ),
        "{e}"
    );
    let e = decode_reply(
        Protocol::Zinto,
        b"FW?\r",
        b"#000o00 ups.at02 00 00c 000 00 000Q1\r 00000 \r",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ShortReply {
                len: 37,
                min: 39,
                ..
            }
        ),
        "{e}"
    );
}

/// Fuzz find: `.366` in the Q1 battery field was published as is. A reply
/// number has digits before a dot and after it.
#[test]
fn reply_numbers_need_digits_around_the_dot() {
    let r = decode_reply(
        Protocol::Megatec,
        b"Q1\r",
        b"(308.0 153.0 228.0 ;34 50/0 .366 --.- 00110111\r",
    )
    .unwrap();
    assert_eq!(r.get("input.voltage"), Some("308.0"));
    assert_eq!(r.get("battery.voltage"), None);
    use super::field::{MAX_FIELD_NUMBER_LEN, field_number};
    assert_eq!(field_number(b"027.5"), Some(27.5));
    assert_eq!(field_number(b" 2.05"), Some(2.05));
    for bad in [
        &b".366"[..],
        b"12.",
        b".",
        b"",
        b"   ",
        b"1 2",
        b"12 ",
        b"1.2.3",
        b"-1",
    ] {
        assert_eq!(
            field_number(bad),
            None,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    let at_limit = vec![b'7'; MAX_FIELD_NUMBER_LEN];
    assert_eq!(field_number(&at_limit), Some(7_777_777_777.0));
    assert_eq!(field_number(&[at_limit.as_slice(), b"7"].concat()), None);
}

/// Fuzz find: an open-ended `QBV` runtime in a reply without its CR
/// (`…004 5.50`) may have been cut short; it is refused.
#[test]
fn open_ended_field_needs_the_terminator() {
    let r = decode_reply(Protocol::Voltronic, b"QBV\r", b"(041.0 03 01 100 00037").unwrap();
    assert_eq!(r.get("battery.charge"), Some("100"));
    assert_eq!(r.get("battery.runtime"), None);
    let r = decode_reply(Protocol::Voltronic, b"QBV\r", b"(041.0 03 01 100 00037\r").unwrap();
    assert_eq!(r.get("battery.runtime"), Some("2220"));
    assert!(decode_reply(Protocol::Voltronic, b"QBV\r", b"(0.0 014 49%(004 5.50").is_err());
}

/// Fuzz find: a voltronic-qs-hex reply with a raw LF (units escape it,
/// `28 03`, as it ends a serial line) decoded the bytes after it.
#[test]
fn qs_hex_raw_lf_refuses_the_reply() {
    let e = decode_reply(
        Protocol::VoltronicQsHex,
        b"QS\r",
        b"#lg ` 'A 4 \n `. (\x03\x12\xd0 w 3 \x8a \x1a\r\x08",
    )
    .unwrap_err();
    assert!(e.to_string().contains("raw LF"), "{e}");
}

/// Fuzz find: a voltronic-qs-hex token of the wrong size (the decoded
/// length still right) shifted every field after it.
#[test]
fn qs_hex_token_of_the_wrong_size_refuses_the_reply() {
    let e = decode_reply(
        Protocol::VoltronicQsHex,
        b"QS\r",
        b"#      $ \x03\x00\x00\x00\x00  ge\x09\rMMMMMM\x01\x00\x00\x00\x00\x00\x00\x00MMMMMMM\x03 Q\x9a (\x02\x12\x01 \x00\x00\x00\x00\x005 $\x0c#    ll9\x01 5 l\x01  D   ",
    )
    .unwrap_err();
    assert!(e.to_string().contains("token of the wrong size"), "{e}");
}
