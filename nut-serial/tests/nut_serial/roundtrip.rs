//! Properties: what the simulator encodes, the codec reads back (within
//! the field's rounding), for random device states of every dialect.

use nut_serial::qx::{Protocol, decode_reply};
use nut_serial::sim::reencode::{SUPPORTED, agree, encode_for, reencode};
use nut_serial::sim::state::{Bits, DeviceState};
use nut_serial::sim::{dialects, encode};
use proptest::prelude::*;

fn tenth(max: u32) -> impl Strategy<Value = f64> {
    (0..=max).prop_map(|v| f64::from(v) / 10.0)
}

prop_compose! {
    fn bits()(b in proptest::collection::vec(any::<bool>(), 8)) -> Bits {
        Bits {
            utility_fail: b[0], battery_low: b[1], bypass_boost_buck: b[2], ups_failed: b[3],
            line_interactive: b[4], test_in_progress: b[5], shutdown_active: b[6], beeper_on: b[7],
        }
    }
}

prop_compose! {
    fn state()(
        vin in tenth(9999), vout in tenth(9999), fault in tenth(9999),
        load in 0..=999u32, hz in tenth(999), batt in (0..=9999u32).prop_map(|v| f64::from(v) / 100.0),
        temp in proptest::option::of(tenth(999)), bits in bits(),
        charge in 0..=100u32, runtime in 0..=59_940u32,
    ) -> DeviceState {
        let mut s = DeviceState::empty();
        s.input_voltage = Some(vin);
        s.output_voltage = Some(vout);
        s.input_voltage_fault = Some(fault);
        s.load = Some(f64::from(load));
        s.input_frequency = Some(hz);
        s.output_frequency = Some(hz);
        s.battery_voltage = Some(batt);
        s.temperature = temp;
        s.bits = bits;
        s.battery_charge = Some(f64::from(charge));
        s.battery_runtime = Some(f64::from(runtime / 60 * 60));
        s
    }
}

/// The status NUT derives from the bits and the encoded voltages.
fn expected_status(s: &DeviceState) -> Option<String> {
    let b = s.bits;
    let mut t = vec![if b.utility_fail { "OB" } else { "OL" }];
    if b.battery_low {
        t.push("LB");
    }
    if b.bypass_boost_buck {
        let r = s.output_voltage? / s.input_voltage?;
        if r.is_nan() || !(0.5..1.5).contains(&r) {
            return None;
        }
        t.push(if r < 0.95 {
            "TRIM"
        } else if r < 1.05 {
            "BYPASS"
        } else {
            "BOOST"
        });
    }
    if b.test_in_progress {
        t.push("CAL");
    }
    if b.shutdown_active {
        t.push("FSD");
    }
    Some(t.join(" "))
}

fn close(got: Option<&str>, want: f64, tol: f64) -> bool {
    got.and_then(|g| g.parse::<f64>().ok())
        .is_some_and(|g| (g - want).abs() <= tol)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn q1_family_reads_back_what_the_simulator_encodes(s in state()) {
        for (p, q) in [(Protocol::Megatec, b"Q1\r".as_slice()), (Protocol::Mustek, b"QS\r"), (Protocol::MegatecOld, b"D\r")] {
            let reply = encode::q1(&s, s.input_frequency);
            let r = decode_reply(p, q, &reply);
            let Some(status) = expected_status(&s) else {
                prop_assert!(r.is_err(), "out-of-range bypass ratio must fail");
                continue;
            };
            let r = r.unwrap();
            prop_assert_eq!(r.status().render().to_string(), status);
            prop_assert!(close(r.get("input.voltage"), s.input_voltage.unwrap(), 0.051));
            prop_assert!(close(r.get("output.voltage"), s.output_voltage.unwrap(), 0.051));
            prop_assert!(close(r.get("ups.load"), s.load.unwrap(), 0.5));
            prop_assert!(close(r.get("input.frequency"), s.input_frequency.unwrap(), 0.051));
            // 4 characters: 2 decimals below 10 V, 1 below 100 V.
            prop_assert!(close(r.get("battery.voltage"), s.battery_voltage.unwrap(), 0.051));
            match s.temperature {
                Some(t) => prop_assert!(close(r.get("ups.temperature"), t, 0.051)),
                None => prop_assert_eq!(r.get("ups.temperature"), None),
            }
            prop_assert_eq!(r.alarms.len(), usize::from(s.bits.ups_failed));
        }
    }

    #[test]
    fn voltronic_qgs_and_qbv(s in state()) {
        let r = decode_reply(Protocol::Voltronic, b"QGS\r", &encode::qgs(&s));
        if expected_status(&s).is_none() {
            prop_assert!(r.is_err());
        } else {
            let r = r.unwrap();
            let want = expected_status(&s).unwrap();
            prop_assert_eq!(r.status().render().to_string(), want);
            prop_assert!(close(r.get("input.voltage"), s.input_voltage.unwrap(), 0.051));
            prop_assert!(close(r.get("battery.voltage"), s.battery_voltage.unwrap(), 0.051));
            let beeper = if s.bits.beeper_on { "enabled" } else { "disabled" };
            prop_assert_eq!(r.get("ups.beeper.status"), Some(beeper));
        }
        let qbv = decode_reply(Protocol::Voltronic, b"QBV\r", &encode::qbv(&s)).unwrap();
        prop_assert!(close(qbv.get("battery.charge"), s.battery_charge.unwrap(), 0.5));
        prop_assert!(close(qbv.get("battery.runtime"), s.battery_runtime.unwrap(), 0.5));
    }

    #[test]
    fn qs_hex_binary_reply(s in state()) {
        let mut s = s;
        s.input_voltage = s.input_voltage.map(|v| v.min(999.0));
        s.output_voltage = s.output_voltage.map(|v| v.min(999.0));
        s.bits.bypass_boost_buck = false;
        let raw = encode::qs_hex(&s, true);
        // Some byte sequences cannot be framed in the QS-hex format (a literal
        // 0x28 before 0x00-0x04); the simulator then answers `N` as a unit would.
        prop_assume!(raw != b"N\r");
        let r = decode_reply(Protocol::VoltronicQsHex, b"QS\r", &raw).unwrap();
        prop_assert!(close(r.get("input.voltage"), s.input_voltage.unwrap(), 0.051));
        prop_assert!(close(r.get("output.frequency"), s.output_frequency.unwrap(), 0.051));
        prop_assert!(close(r.get("ups.load"), s.load.unwrap().min(255.0), 0.5));
        prop_assert!(close(r.get("battery.voltage"), s.battery_voltage.unwrap(), 1.0));
        prop_assert_eq!(r.status().render().to_string(), expected_status(&s).unwrap());
    }

    #[test]
    fn three_phase_replies(s in state()) {
        let q2 = decode_reply(Protocol::Q2, b"Q2\r", &encode::q2(&s)).unwrap();
        prop_assert!(close(q2.get("battery.runtime"), s.battery_runtime.unwrap(), 1.0));
        prop_assert!(close(q2.get("battery.charge"), s.battery_charge.unwrap(), 0.5));
        let q6 = decode_reply(Protocol::Q6, b"Q6\r", &encode::q6(&s)).unwrap();
        prop_assert!(close(q6.get("output.frequency"), s.output_frequency.unwrap(), 0.051));
        let wa = decode_reply(Protocol::Q6, b"WA\r", &encode::wa(&s)).unwrap();
        prop_assert!(close(wa.get("ups.load"), s.load.unwrap(), 0.5));
    }

    #[test]
    fn decode_reencode_decode_agrees(s in state(), which in 0..SUPPORTED.len()) {
        let (p, q) = SUPPORTED[which];
        let mut s = s;
        s.input_voltage = s.input_voltage.map(|v| v.min(999.0));
        s.output_voltage = s.output_voltage.map(|v| v.min(999.0));
        let Some(first) = encode_for(p, q, &s, true) else {
            return Ok(());
        };
        if let Ok(a) = decode_reply(p, q, &first) {
            let again = reencode(p, q, &a).unwrap();
            let b = decode_reply(p, q, &again).unwrap();
            prop_assert!(agree(&a, &b, 1e-9).is_ok(), "{:?}", agree(&a, &b, 1e-9));
        }
    }

    #[test]
    fn dialect_replies_read_back(s in state(), warnings in any::<u32>()) {
        // gtec: the status letters carry the bits.
        let q4 = decode_reply(Protocol::Gtec, b"Q4\r", &dialects::gtec_q4(&s)).unwrap();
        prop_assert!(close(q4.get("input.voltage"), s.input_voltage.unwrap(), 0.051));
        prop_assert!(close(q4.get("battery.voltage"), s.battery_voltage.unwrap(), 0.051));
        let b = s.bits;
        let mut want = vec![if b.utility_fail { "OB" } else { "OL" }];
        if b.battery_low {
            want.push("LB");
        }
        if b.bypass_boost_buck && !b.utility_fail {
            want.push("BYPASS");
        }
        if b.shutdown_active {
            want.push("FSD");
        }
        prop_assert_eq!(q4.status().render().to_string(), want.join(" "));
        prop_assert_eq!(
            q4.get("battery.test.status"),
            b.test_in_progress.then_some("Test in progress")
        );
        // voltronic-axpert, through the CRC: mode and warnings.
        let mut s = s;
        s.dialect.inverter_warnings = warnings;
        let qmod = decode_reply(
            Protocol::VoltronicAxpert,
            b"QMOD\r",
            &dialects::axpert(&s, "QMOD"),
        )
        .unwrap();
        prop_assert_eq!(
            qmod.status().render().to_string(),
            if b.utility_fail { "OB" } else { "OL" }
        );
        let qpiws = decode_reply(
            Protocol::VoltronicAxpert,
            b"QPIWS\r",
            &dialects::axpert(&s, "QPIWS"),
        )
        .unwrap();
        let status = qpiws.status().render().to_string();
        prop_assert_eq!(status.contains("LB"), warnings >> 15 & 1 == 1);
        prop_assert_eq!(status.contains("OVER"), warnings >> 18 & 1 == 1);
        // OMRON charge and runtime.
        let bl = decode_reply(Protocol::Omron, b"Bl ?\r", &dialects::omron(&s, "Bl ?").unwrap())
            .unwrap();
        prop_assert!(close(bl.get("battery.charge"), s.battery_charge.unwrap(), 1e-9));
        let rts = decode_reply(Protocol::Omron, b"RTS\r", &dialects::omron(&s, "RTS").unwrap())
            .unwrap();
        prop_assert!(close(rts.get("battery.runtime"), s.battery_runtime.unwrap(), 1e-9));
    }
}
