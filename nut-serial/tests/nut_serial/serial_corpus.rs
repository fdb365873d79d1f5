//! Real device replies (`shared/corpus/serial`) parse to the values their
//! transcripts give.

use nut_serial::Error;
use nut_serial::qx::{Protocol, decode_reply};

use super::corpus;

fn read(name: &str) -> Option<String> {
    let dir = corpus::dir("serial")?;
    Some(std::fs::read_to_string(dir.join(name)).expect("readable corpus file"))
}

fn with_cr(reply: &str) -> Vec<u8> {
    let mut v = reply.as_bytes().to_vec();
    v.push(b'\r');
    v
}

#[test]
fn nut_issue_excerpts() {
    let Some(tsv) = read("nut-issues-qx-apcsmart-excerpts.tsv") else {
        return;
    };
    let mut checked = 0;
    for line in tsv.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [url, _, _, driver, command, reply, ..] = cols.as_slice() else {
            continue;
        };
        let issue = url.rsplit('/').next().unwrap_or_default();
        match (issue, *command) {
            ("598", "Q1") => {
                let r = decode_reply(Protocol::Megatec, b"Q1\r", &with_cr(reply)).unwrap();
                assert_eq!(r.get("input.voltage"), Some("229.4"));
                assert_eq!(r.get("battery.voltage"), Some("13.1"));
                assert_eq!(r.get("ups.beeper.status"), Some("enabled"));
                assert_eq!(r.status().render().to_string(), "OL");
            }
            ("608", "Q1") => {
                let r = decode_reply(Protocol::Megatec, b"Q1\r", &with_cr(reply)).unwrap();
                assert_eq!(r.get("output.voltage"), Some("0.0"));
                assert_eq!(r.get("battery.voltage"), Some("2.28"));
            }
            // The reporter's short F reply (CR missing): a typed error.
            ("608", "F") => {
                let e = decode_reply(Protocol::Megatec, b"F\r", reply.as_bytes()).unwrap_err();
                assert!(
                    matches!(
                        e,
                        Error::ShortReply {
                            len: 21,
                            min: 22,
                            ..
                        }
                    ),
                    "{e}"
                );
            }
            ("2958", "Q1") => {
                let r = decode_reply(Protocol::Q1, b"Q1\r", &with_cr(reply)).unwrap();
                assert_eq!(r.get("battery.voltage"), Some("13.7"));
                assert_eq!(r.get("input.frequency"), Some("50.1"));
                assert_eq!(r.get("ups.beeper.status"), Some("enabled"));
                assert_eq!(r.get("ups.temperature"), None, "--.- is not published");
            }
            ("1652", _) => {
                let r = decode_reply(Protocol::Voltronic, b"QGS\r", &with_cr(reply)).unwrap();
                assert_eq!(r.status().render().to_string(), "OL");
                assert_eq!(r.get("input.voltage"), Some("220.4"));
            }
            ("1987", "Q1") => {
                let garbage = reply
                    .trim_start_matches("(garbage: '")
                    .trim_end_matches("')");
                let e = decode_reply(Protocol::Megatec, b"Q1\r", &with_cr(garbage)).unwrap_err();
                assert!(matches!(e, Error::ShortReply { .. }), "{e}");
            }
            _ => {
                assert!(
                    !driver.contains("qx") || *command == "-",
                    "unchecked row {line}"
                );
                continue;
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
}

/// `> CMD` / `< reply` pairs of a transcript.
fn pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cmd = None;
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("> ") {
            cmd = Some(c.trim().to_owned());
        } else if let Some(r) = line.strip_prefix("< ") {
            let Some(c) = cmd.take() else { continue };
            let reply = r.split("      #").next().unwrap_or(r).trim_end();
            out.push((c, reply.to_owned()));
        }
    }
    out
}

#[test]
fn voltronic_orion_dc3000rt() {
    let Some(text) = read("voltronic-qgs_orion-dc3000rt_citcims.transcript") else {
        return;
    };
    let replies = pairs(&text);
    let get = |cmd: &str, nth: usize| -> Vec<u8> {
        let r = &replies
            .iter()
            .filter(|(c, _)| c == cmd)
            .nth(nth)
            .expect(cmd)
            .1;
        with_cr(r)
    };
    let d = |cmd: &str, nth: usize| {
        decode_reply(
            Protocol::Voltronic,
            format!("{cmd}\r").as_bytes(),
            &get(cmd, nth),
        )
    };
    let qgs = d("QGS", 0).unwrap();
    assert_eq!(qgs.get("input.voltage"), Some("220.2"));
    assert_eq!(qgs.get("ups.load"), Some("100"));
    assert_eq!(qgs.get("battery.voltage"), Some("241.0"));
    assert_eq!(qgs.get("ups.temperature"), Some("45.0"));
    assert_eq!(qgs.get("ups.type"), Some("online"));
    assert_eq!(qgs.status().render().to_string(), "OL BYPASS");
    let qgs2 = d("QGS", 1).unwrap();
    assert_eq!(qgs2.get("input.voltage"), Some("122.4"));
    assert_eq!(qgs2.get("output.current"), Some("0.0"));
    assert_eq!(qgs2.get("ups.beeper.status"), Some("enabled"));
    assert_eq!(qgs2.status().render().to_string(), "OL BYPASS");
    let qbv = d("QBV", 0).unwrap();
    assert_eq!(qbv.get("battery.charge"), Some("91"));
    assert_eq!(qbv.get("battery.runtime"), Some("20520"));
    assert_eq!(d("QPI", 0).unwrap().get("ups.firmware.aux"), Some("P01"));
    let qmd = d("QMD", 0).unwrap();
    assert_eq!(qmd.get("device.model"), Some("3000"));
    assert_eq!(qmd.get("ups.power.nominal"), Some("3000"));
    assert_eq!(qmd.get("output.powerfactor"), Some("0.8"));
    assert_eq!(qmd.get("input.voltage.nominal"), Some("120.0"));
    assert!(d("QID", 0).is_err(), "an all-zero serial is refused");
    assert_eq!(d("QVFW", 0).unwrap().get("ups.firmware"), Some("01213.00"));
    let qri = d("QRI", 0).unwrap();
    assert_eq!(qri.get("output.current.nominal"), Some("25"));
    assert_eq!(qri.get("battery.voltage.nominal"), Some("72.0"));
    let qhe = d("QHE", 0).unwrap();
    assert_eq!(qhe.get("input.transfer.high"), Some("130"));
    assert_eq!(qhe.get("input.transfer.low"), Some("114"));
    // The README's QWS reply is 74 flags long; NUT reads flags 1-64 only.
    let qws = d("QWS", 0).unwrap();
    assert!(qws.alarms.is_empty(), "{:?}", qws.alarms);
}

/// `> hex # comment` then `= text` lines (USB HID chunks, NUL padded).
fn qs_pairs(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut cmd = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("> ") {
            let hex = rest.split('#').next().unwrap_or_default();
            let bytes: Vec<u8> = hex
                .split_whitespace()
                .map(|h| u8::from_str_radix(h, 16).expect("hex"))
                .collect();
            cmd = Some(
                String::from_utf8_lossy(&bytes)
                    .trim_end_matches('\r')
                    .to_owned(),
            );
        } else if let Some(t) = line.strip_prefix("= ") {
            let Some(c) = cmd.take() else { continue };
            let t = t.trim_end().replace("\\0", "").replace("\\r", "\r");
            out.push((c, t.into_bytes()));
        }
    }
    out
}

#[test]
fn voltronic_qs_over_hid() {
    let Some(text) = read("voltronic-qs-over-hid_0665-5161_saper-2.transcript") else {
        return;
    };
    let replies = qs_pairs(&text);
    let d = |cmd: &str, nth: usize| {
        let reply = &replies
            .iter()
            .filter(|(c, _)| c == cmd)
            .nth(nth)
            .expect(cmd)
            .1;
        decode_reply(Protocol::VoltronicQs, format!("{cmd}\r").as_bytes(), reply).unwrap()
    };
    assert_eq!(d("M", 0).get("ups.firmware.aux"), Some("PM-H"));
    let f = d("F", 0);
    assert_eq!(f.get("output.voltage.nominal"), Some("230"));
    assert_eq!(f.get("output.current.nominal"), Some("3.0"));
    assert_eq!(f.get("battery.voltage.nominal"), Some("12.0"));
    assert_eq!(f.get("output.frequency.nominal"), Some("50"));
    let qs = d("QS", 0);
    assert_eq!(qs.get("input.voltage"), Some("228.6"));
    assert_eq!(qs.get("input.voltage.fault"), Some("228.7"));
    assert_eq!(qs.get("ups.load"), Some("0"));
    assert_eq!(qs.get("output.frequency"), Some("50.0"));
    assert_eq!(qs.get("battery.voltage"), Some("13.5"));
    assert_eq!(qs.get("ups.temperature"), None);
    assert_eq!(qs.get("ups.type"), Some("offline / line interactive"));
    assert_eq!(qs.status().render().to_string(), "OL");
    assert_eq!(d("QS", 1).get("input.voltage"), Some("230.8"));
    let qi = d("QI", 0);
    assert_eq!(qi.get("battery.charge"), Some("99"));
    assert_eq!(qi.get("battery.runtime"), Some("2920"));
    assert_eq!(qi.get("input.frequency"), Some("50.1"));
    assert_eq!(qi.get("input.transfer.low"), Some("169"));
    assert_eq!(qi.get("input.transfer.high"), Some("279"));
}
