//! Engine tests on hand-made recordings: each pins one rule of
//! snmp-maps.md part 1.

use super::*;
use crate::Error;
use crate::mib::Mib;

/// The RFC 1628 agent of `shared/tools/make_ups_mib_snmprec.py`, whose
/// `upsc` listing under real snmp-ups 2.8.0 is recorded in real-nut-lab.md
/// §5.
fn rfc1628_agent(on_battery: bool, low: bool) -> Recording {
    let u = "1.3.6.1.2.1.33.1.";
    let mut text = String::from(
        "1.3.6.1.2.1.1.1.0|4|Simulated RFC1628 UPS agent\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33\n\
         1.3.6.1.2.1.1.3.0|67|123456\n1.3.6.1.2.1.1.4.0|4|ops@example.invalid\n\
         1.3.6.1.2.1.1.5.0|4|simups\n1.3.6.1.2.1.1.6.0|4|lab\n",
    );
    let rows: [(&str, u8, &str); 36] = [
        ("1.1.0", 4, "Acme"),
        ("1.2.0", 4, "SNMP-SIM 3000"),
        ("1.3.0", 4, "FW 1.0"),
        ("1.4.0", 4, "Agent 1.0"),
        ("1.5.0", 4, "simups"),
        ("1.6.0", 4, "servers"),
        ("2.1.0", 2, if low { "3" } else { "2" }),
        ("2.2.0", 2, if on_battery { "120" } else { "0" }),
        ("2.3.0", 2, if low { "5" } else { "45" }),
        ("2.4.0", 2, if low { "10" } else { "100" }),
        ("2.5.0", 2, "273"),
        ("2.6.0", 2, "0"),
        ("2.7.0", 2, "25"),
        ("3.1.0", 65, "0"),
        ("3.2.0", 2, "1"),
        ("3.3.1.1.1", 2, "1"),
        ("3.3.1.2.1", 2, "500"),
        ("3.3.1.3.1", 2, if on_battery { "0" } else { "230" }),
        ("3.3.1.4.1", 2, "20"),
        ("3.3.1.5.1", 2, "300"),
        ("4.1.0", 2, if on_battery { "5" } else { "3" }),
        ("4.2.0", 2, "500"),
        ("4.3.0", 2, "1"),
        ("4.4.1.1.1", 2, "1"),
        ("4.4.1.2.1", 2, "230"),
        ("4.4.1.3.1", 2, "15"),
        ("4.4.1.4.1", 2, "350"),
        ("4.4.1.5.1", 2, "23"),
        ("6.1.0", 66, "0"),
        ("8.1.0", 2, "1"),
        ("9.1.0", 2, "230"),
        ("9.2.0", 2, "500"),
        ("9.3.0", 2, "230"),
        ("9.4.0", 2, "500"),
        ("9.5.0", 2, "1500"),
        ("9.6.0", 2, "1000"),
    ];
    for (suffix, tag, value) in rows {
        text.push_str(&format!("{u}{suffix}|{tag}|{value}\n"));
    }
    Recording::parse(text.as_bytes()).unwrap()
}

fn run(agent: &mut Recording, mibs: &str) -> Engine {
    let mut engine = Engine::detect(agent, &Config::with_mibs(mibs)).unwrap();
    engine.init(agent);
    engine.update(agent);
    engine
}

fn rec(lines: &str) -> Recording {
    Recording::parse(lines.as_bytes()).unwrap()
}

#[test]
fn rfc1628_agent_publishes_what_real_snmp_ups_publishes() {
    let mut agent = rfc1628_agent(false, false);
    let engine = run(&mut agent, "auto");
    assert_eq!(engine.mib().name, "ietf");
    assert_eq!(engine.model(), "SNMP-SIM 3000");
    // real-nut-lab.md §5, less the driver core's own variables
    // (device.mfr/model/type and driver.*), plus output.frequency.nominal
    // which ietf MIB 1.55 maps and 2.8.0's 1.54 did not publish.
    let expected = [
        ("battery.charge", "100"),
        ("battery.current", "0"),
        ("battery.runtime", "2700"),
        ("battery.temperature", "25"),
        ("battery.voltage", "27.30"),
        ("device.contact", "ops@example.invalid"),
        ("device.description", "Simulated RFC1628 UPS agent"),
        ("device.location", "lab"),
        ("input.bypass.phases", "1"),
        ("input.current", "2"),
        ("input.frequency", "50"),
        ("input.frequency.nominal", "50"),
        ("input.phases", "1"),
        ("input.realpower", "300"),
        ("input.voltage", "230"),
        ("input.voltage.nominal", "230"),
        ("output.current", "1.50"),
        ("output.frequency", "50"),
        ("output.frequency.nominal", "50"),
        ("output.phases", "1"),
        ("output.power.nominal", "1500"),
        ("output.realpower", "350"),
        ("output.realpower.nominal", "1000"),
        ("output.voltage", "230"),
        ("output.voltage.nominal", "230"),
        ("ups.firmware", "FW 1.0"),
        ("ups.firmware.aux", "Agent 1.0"),
        ("ups.load", "23"),
        ("ups.mfr", "Acme"),
        ("ups.model", "SNMP-SIM 3000"),
        ("ups.status", "OL"),
    ];
    let ours: Vec<(&str, &str)> = engine
        .variables()
        .iter()
        .filter(|(k, _)| !k.starts_with("driver."))
        .map(|(k, v)| (k.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(ours, expected);
    assert_eq!(engine.get("driver.version.data"), Some("ietf MIB 1.55"));
    // The agent answers none of the command OIDs, so no command is offered
    // (snmp-ups 1.40 checks with a GET; 2.8.0's 1.21 listed all nine).
    assert!(engine.commands().is_empty());
    agent.insert("1.3.6.1.2.1.33.1.9.8.0".parse().unwrap(), Value::Integer(2));
    let engine = run(&mut agent, "ietf");
    let commands: Vec<&str> = engine.commands().iter().map(String::as_str).collect();
    assert_eq!(commands, ["beeper.disable", "beeper.enable", "beeper.mute"]);
    assert_eq!(engine.get("ups.beeper.status"), Some("enabled"));
    let writable: Vec<&str> = engine
        .variables()
        .iter()
        .filter(|(_, v)| v.writable)
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        writable,
        ["device.contact", "device.description", "device.location"]
    );
    assert_eq!(engine.variables()["device.contact"].string_len, Some(128));
    assert!(engine.data_ok());
}

#[test]
fn status_follows_the_agent_through_battery_and_low_battery() {
    let mut agent = rfc1628_agent(false, false);
    let mut engine = run(&mut agent, "ietf");
    assert_eq!(engine.get("ups.status"), Some("OL"));
    let mut agent = rfc1628_agent(true, false);
    engine.update(&mut agent);
    assert_eq!(engine.get("ups.status"), Some("OB"));
    let mut agent = rfc1628_agent(true, true);
    engine.update(&mut agent);
    // The battery row comes before the output source row: LB first, as the lab saw.
    assert_eq!(engine.get("ups.status"), Some("LB OB"));
    assert_eq!(engine.get("battery.charge"), Some("10"));
    assert_eq!(engine.get("battery.runtime"), Some("300"));
}

#[test]
fn negative_values_disable_neginvalid_rows() {
    let mut agent = rfc1628_agent(false, false);
    agent.insert(
        "1.3.6.1.2.1.33.1.2.6.0".parse().unwrap(),
        Value::Integer(-5),
    );
    let mut engine = run(&mut agent, "ietf");
    assert_eq!(engine.get("battery.current"), None);
    // Disabled for good: a later positive reading is not picked up.
    agent.insert("1.3.6.1.2.1.33.1.2.6.0".parse().unwrap(), Value::Integer(7));
    engine.update(&mut agent);
    assert_eq!(engine.get("battery.current"), None);
}

#[test]
fn three_phase_agents_publish_per_phase_rows_only() {
    let mut agent = rfc1628_agent(false, false);
    agent.insert("1.3.6.1.2.1.33.1.3.2.0".parse().unwrap(), Value::Integer(3));
    for phase in 1..=3u32 {
        let oid = Oid::from_arcs(&[1, 3, 6, 1, 2, 1, 33, 1, 3, 3, 1, 3, phase]).unwrap();
        agent.insert(oid, Value::Integer(229 + i32::try_from(phase).unwrap()));
    }
    let engine = run(&mut agent, "ietf");
    assert_eq!(engine.get("input.phases"), Some("3"));
    assert_eq!(engine.get("input.voltage"), None);
    assert_eq!(engine.get("input.L1-N.voltage"), Some("230"));
    assert_eq!(engine.get("input.L3-N.voltage"), Some("232"));
    assert_eq!(
        engine.get("output.voltage"),
        Some("230"),
        "output stays single phase"
    );
}

#[test]
fn unique_rows_disable_their_competitors() {
    let apc = "1.3.6.1.4.1.318.1.1.1.";
    let mut agent = rec(&format!(
        "{apc}1.1.1.0|4|Smart-UPS 1500\n{apc}3.3.1.0|66|2476\n{apc}3.2.1.0|66|231\n{apc}4.1.1.0|2|2\n"
    ));
    let mut engine = run(&mut agent, "apcc");
    assert_eq!(engine.get("input.voltage"), Some("247.60"));
    // The low-precision row lost its OK: removing the high-precision OID
    // makes the variable stale rather than switching source.
    agent.remove(&format!("{apc}3.3.1.0").parse().unwrap());
    engine.update(&mut agent);
    assert_eq!(engine.get("input.voltage"), Some("247.60"));
    // Without the high-precision OID from the start, the plain row wins.
    let mut plain = rec(&format!(
        "{apc}1.1.1.0|4|Smart-UPS 1500\n{apc}3.2.1.0|66|231\n{apc}4.1.1.0|2|2\n"
    ));
    assert_eq!(run(&mut plain, "apcc").get("input.voltage"), Some("231"));
}

#[test]
fn static_rows_are_read_once_and_semi_static_rows_every_n_walks() {
    let cps = "1.3.6.1.4.1.3808.1.1.1.";
    let text = |serial: &str, date: &str| {
        format!(
            "{cps}1.1.1.0|4|OL2200\n{cps}1.2.3.0|4|{serial}\n{cps}2.1.3.0|4|{date}\n{cps}4.1.1.0|2|2\n"
        )
    };
    let mut agent = rec(&text("S1", "01/01/20"));
    let mut config = Config::with_mibs("cyberpower");
    config.semistatic_freq = 2;
    let mut engine = Engine::detect(&mut agent, &config).unwrap();
    engine.init(&mut agent);
    let mut changed = rec(&text("S2", "02/02/22"));
    let mut dates = Vec::new();
    for _ in 0..6 {
        engine.update(&mut changed);
        dates.push(engine.get("battery.date").unwrap_or_default().to_owned());
    }
    assert_eq!(engine.get("ups.serial"), Some("S1"), "STATIC: init only");
    // Countdown 0 → -1 (reset to 2), 1, 0 (read), -1 (reset), 1, 0 (read).
    assert_eq!(
        dates,
        [
            "01/01/20", "01/01/20", "02/02/22", "02/02/22", "02/02/22", "02/02/22"
        ]
    );
}

#[test]
fn absent_rows_publish_their_default_once() {
    let mut agent = rec("1.3.6.1.4.1.3808.1.1.1.1.1.1.0|4|CP1500\n");
    let engine = run(&mut agent, "cyberpower");
    assert_eq!(engine.get("ups.mfr"), Some("CYBERPOWER"));
    assert_eq!(engine.get("device.type"), Some("ups"));
    assert_eq!(engine.get("ups.delay.reboot"), Some("0"));
    assert_eq!(engine.get("ups.status"), Some(""), "no status row answered");
}

#[test]
fn alarm_rows_fill_ups_alarm_and_prefix_the_status() {
    let cps = "1.3.6.1.4.1.3808.1.1.1.";
    let mut agent = rec(&format!(
        "{cps}1.1.1.0|4|OL2200\n{cps}4.1.1.0|2|2\n{cps}10.1.0|2|2\n"
    ));
    let mut engine = run(&mut agent, "cyberpower");
    assert_eq!(engine.get("ups.alarm"), Some("Temperature too high!"));
    assert_eq!(engine.get("ups.status"), Some("ALARM OL"));
    agent.insert(format!("{cps}10.1.0").parse().unwrap(), Value::Integer(1));
    engine.update(&mut agent);
    assert_eq!(
        engine.get("ups.alarm"),
        None,
        "an empty alarm buffer deletes ups.alarm"
    );
    assert_eq!(engine.get("ups.status"), Some("OL"));
}

#[test]
fn alarms_walk_matches_oid_values_against_the_alarm_table() {
    let xups = "1.3.6.1.4.1.534.1.";
    let mut agent = rec(&format!(
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.534.1\n{xups}1.2.0|4|PW9130\n{xups}4.5.0|2|3\n\
         {xups}7.1.0|2|3\n{xups}7.2.1.2.1|6|1.3.6.1.4.1.534.1.7.7\n{xups}7.2.1.2.2|6|1.3.6.1.4.1.534.1.7.4\n"
    ));
    let engine = run(&mut agent, "auto");
    assert_eq!(engine.mib().name, "eaton_pw_nm2");
    // Step 1 GETs the count itself (not an OID); steps 2 and 3 GETNEXT.
    // The LB entry is written without a leading dot and never matches.
    assert_eq!(engine.get("ups.alarm"), Some("Output overload!"));
    assert_eq!(engine.get("ups.status"), Some("ALARM OL OVER"));
}

#[test]
fn outlet_templates_expand_with_the_published_count() {
    let xups = "1.3.6.1.4.1.534.1.";
    let mut agent = rec(&format!(
        "{xups}1.2.0|4|PW9130\n{xups}4.5.0|2|3\n{xups}12.1.0|2|2\n\
         {xups}12.2.1.1.1|2|1\n{xups}12.2.1.1.2|2|2\n{xups}12.2.1.2.1|2|1\n{xups}12.2.1.2.2|2|2\n\
         {xups}12.2.1.3.1|2|0\n{xups}12.2.1.3.2|2|0\n"
    ));
    let engine = run(&mut agent, "eaton_pw_nm2");
    assert_eq!(engine.get("outlet.count"), Some("2"));
    assert_eq!(engine.get("outlet.1.status"), Some("on"));
    assert_eq!(engine.get("outlet.2.status"), Some("off"));
    assert_eq!(engine.get("outlet.2.id"), Some("2"));
    assert_eq!(engine.get("outlet.id"), Some("0"), "no OID: the default");
    assert!(engine.commands().contains("outlet.1.load.off"));
    assert!(engine.commands().contains("outlet.2.load.on.delay"));
    assert!(!engine.commands().contains("outlet.3.load.off"));
    // Composite commands come from the row names alone.
    assert!(engine.commands().contains("shutdown.stayoff"));
}

#[test]
fn ambient_templates_guess_their_count_and_convert_temperatures() {
    let emp = "1.3.6.1.4.1.534.6.8.1.";
    let mut agent = rec(&format!(
        "1.3.6.1.4.1.534.1.1.2.0|4|9PX\n{emp}1.4.1.1.1|2|2\n{emp}1.4.1.1.2|2|3\n\
         {emp}2.5.0|2|1\n{emp}2.3.1.3.1.1|2|235\n{emp}2.3.1.3.2.1|2|241\n"
    ));
    let engine = run(&mut agent, "eaton_pw_nm2");
    assert_eq!(engine.get("ambient.count"), Some("2"));
    assert_eq!(engine.get("ambient.1.present"), Some("yes"));
    assert_eq!(engine.get("ambient.2.present"), Some("no"));
    assert_eq!(engine.get("ambient.1.temperature.unit"), Some("celsius"));
    assert_eq!(engine.get("ambient.1.temperature"), Some("23"));
    assert_eq!(engine.get("ambient.2.temperature"), Some("24"));
}

#[test]
fn detection_follows_snmp_ups_order() {
    // sysObjectID 705.1 is also eaton_ats16_nmc's; its probe decides.
    let mut mge =
        rec("1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.705.1\n1.3.6.1.4.1.705.1.1.1.0|4|Eaton 9PX\n");
    let engine = Engine::detect(&mut mge, &Config::default()).unwrap();
    assert_eq!(engine.mib().name, "mge");
    // No sysObjectID match: the classic pass finds tripplite before ietf.
    let mut generic = rec("1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999\n1.3.6.1.2.1.33.1.1.2.0|4|X\n");
    let engine = Engine::detect(&mut generic, &Config::default()).unwrap();
    assert_eq!(engine.mib().name, "tripplite");
    // A sysObjectID given as text works too.
    let mut text = rec("1.3.6.1.2.1.1.2.0|4|.1.3.6.1.2.1.33\n1.3.6.1.2.1.33.1.1.2.0|4|X\n");
    assert_eq!(
        Engine::detect(&mut text, &Config::default())
            .unwrap()
            .mib()
            .name,
        "ietf"
    );
    // An explicit name tries only its descriptors.
    assert_eq!(
        Engine::detect(&mut generic, &Config::with_mibs("apcc")).unwrap_err(),
        Error::MibNotFound("apcc".into())
    );
    assert_eq!(
        Engine::detect(&mut generic, &Config::with_mibs("nope")).unwrap_err(),
        Error::UnknownMibs("nope".into())
    );
    assert_eq!(
        Engine::detect(&mut Recording::new(), &Config::default()).unwrap_err(),
        Error::NoSupportedDevice
    );
}

#[test]
fn wrong_types_and_exceptions_never_publish_a_wrong_status() {
    let u = "1.3.6.1.2.1.33.1.";
    let mut agent = rec(&format!(
        "{u}1.2.0|4|X\n{u}2.1.0|4|garbage\n{u}4.1.0|129|\n{u}2.4.0|5|\n{u}2.3.0|70|99\n\
         {u}2.5.0|2|2147483647\n{u}3.3.1.3.1|4|0x20\n{u}2.7.0|6|1.3.6.1.2.1.33.1.2.7.0\n"
    ));
    let mut engine = Engine::detect(&mut agent, &Config::with_mibs("ietf")).unwrap();
    assert!(
        !engine.init(&mut agent),
        "init: the last row processed failed"
    );
    assert!(
        engine.update(&mut agent),
        "update: failed rows are skipped, the last one read worked"
    );
    assert_eq!(engine.get("ups.status"), Some(""));
    assert_eq!(engine.get("battery.charge"), None);
    assert_eq!(engine.get("battery.runtime"), None);
    assert_eq!(engine.get("battery.voltage"), Some("214748368.00"));
    assert_eq!(engine.get("input.voltage"), Some("32"));
    assert_eq!(
        engine.get("battery.temperature"),
        Some("0"),
        "self-pointing OID: last arc"
    );
}

#[test]
fn daisychained_devices_get_device_prefixes() {
    let m = "1.3.6.1.4.1.534.6.6.7.";
    let mut agent = rec(&format!(
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.534.6.6.7\n{m}1.1.0|4|0,1\n\
         {m}1.2.1.2.0|4|ePDU A\n{m}1.2.1.2.1|4|ePDU B\n{m}1.2.1.22.0|2|1\n{m}1.2.1.22.1|2|1\n\
         {m}6.1.1.3.0.1|4|A1\n{m}6.1.1.3.1.1|4|B1\n"
    ));
    let engine = run(&mut agent, "auto");
    assert_eq!(engine.mib().name, "eaton_epdu");
    assert_eq!(engine.get("device.count"), Some("2"));
    assert_eq!(engine.get("device.model"), Some("daisychain pdu (1+1)"));
    assert_eq!(engine.get("device.1.model"), Some("ePDU A"));
    assert_eq!(engine.get("device.2.model"), Some("ePDU B"));
    assert_eq!(engine.get("device.2.outlet.count"), Some("1"));
}

#[test]
fn sets_are_planned_with_snmp_ups_encodings() {
    let mut agent = rfc1628_agent(false, false);
    let engine = run(&mut agent, "ietf");
    let beeper = engine.instant_command("beeper.disable", None).unwrap();
    assert_eq!(beeper.oid.to_string(), ".1.3.6.1.2.1.33.1.9.8.0");
    assert_eq!(beeper.value, SetValue::Integer(1));
    assert_eq!(
        engine
            .instant_command("beeper.enable", Some("7"))
            .unwrap()
            .value,
        SetValue::Integer(7)
    );
    assert_eq!(
        engine.instant_command("beeper.enable", Some("x")),
        Err(SetRefusal::ConversionFailed)
    );
    assert_eq!(
        engine.instant_command("no.such.command", None),
        Err(SetRefusal::Unknown)
    );
    let mut engine = engine;
    let contact = engine.set_variable("device.contact", "me").unwrap();
    assert_eq!(contact.value, SetValue::String("me".into()));
    engine.handle_set_result(&contact, true);
    assert_eq!(engine.get("device.contact"), Some("me"));
    // A time row with a multiplier: seconds × 100 as TimeTicks.
    let apcc = Mib::named("apcc").next().unwrap();
    let apc = Engine::for_mib(apcc, &Config::with_mibs("apcc"));
    let delay = apc.set_variable("ups.delay.shutdown", "90").unwrap();
    assert_eq!(delay.value, SetValue::TimeTicks(3000));
    let sensitivity = apc.set_variable("input.sensitivity", "high").unwrap();
    assert_eq!(sensitivity.value, SetValue::String("high".into()));
}

#[test]
fn bypass_rows_are_never_filtered_by_phase_count() {
    // [quirk] snmp-ups keeps every bypass row; 2.8.0 over the corpus shows
    // input.bypass.voltage beside input.bypass.L1-N.voltage.
    let mut agent = rfc1628_agent(false, false);
    for (line, value) in [(1u32, 231), (2, 232), (3, 233)] {
        let oid = Oid::from_arcs(&[1, 3, 6, 1, 2, 1, 33, 1, 5, 3, 1, 2, line]).unwrap();
        agent.insert(oid, Value::Integer(value));
    }
    agent.insert(
        "1.3.6.1.2.1.33.1.5.1.0".parse().unwrap(),
        Value::Integer(500),
    );
    let engine = run(&mut agent, "ietf");
    assert_eq!(engine.get("input.bypass.phases"), Some("1"));
    assert_eq!(engine.get("input.bypass.frequency"), Some("50"));
    assert_eq!(engine.get("input.bypass.voltage"), Some("231"));
    assert_eq!(engine.get("input.bypass.L3-N.voltage"), Some("233"));
}

#[test]
fn a_template_count_guess_that_finds_nothing_is_not_published() {
    let mut agent = rec("1.3.6.1.4.1.534.1.1.2.0|4|9PX\n1.3.6.1.4.1.534.1.4.5.0|2|3\n");
    let engine = run(&mut agent, "eaton_pw_nm2");
    assert_eq!(engine.get("outlet.count"), None);
    assert_eq!(engine.get("ambient.count"), None);
    assert!(
        !engine
            .variables()
            .keys()
            .any(|k| k.starts_with("outlet.1."))
    );
}

#[test]
fn ambient_temperature_goes_through_a_float_and_one_decimal() {
    let apc = "1.3.6.1.4.1.318.1.1.";
    let mut agent = rec(&format!(
        "{apc}1.1.1.1.0|4|Smart-UPS\n{apc}2.1.1.0|2|23\n{apc}10.2.3.2.1.4.1|2|77\n"
    ));
    let engine = run(&mut agent, "apcc");
    // The IEM sensor without its unit OID reads as Fahrenheit: (77-32)/1.8.
    assert_eq!(engine.get("ambient.temperature"), Some("25.0"));
}
