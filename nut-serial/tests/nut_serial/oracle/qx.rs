//! Megatec/Q* cases: `nutdrv_qx` (several protocols) and `blazer_ser`
//! against our Megatec simulator.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use nut_serial::qx::tables::table;
use nut_serial::qx::{Protocol, QxConfig, decode_reply};
use nut_serial::sim::pty::PtySim;
use nut_serial::sim::{DeviceState, Simulator as QxSim};

use super::lab::{Driver, Dump, Lab, Sock};
use super::report::{Report, Row, dedup, main_status_sequence};

/// A Megatec/Q* case: real `driver` (with `protocol=`) against our
/// simulator of `protocol`.
pub(super) fn case(
    driver: &'static str,
    protocol: Protocol,
    option: Option<&'static str>,
) -> Report {
    let mut report = Report {
        title: format!(
            "{driver}{} vs our {} simulator",
            option
                .map(|p| format!(" (protocol={p})"))
                .unwrap_or_default(),
            protocol.name()
        ),
        ..Report::default()
    };
    if let Err(e) = qx_case_inner(driver, protocol, option, &mut report) {
        report.failures.push(e);
    }
    report
}

fn qx_case_inner(
    driver: &str,
    protocol: Protocol,
    option: Option<&str>,
    report: &mut Report,
) -> Result<(), String> {
    let (server, _port) =
        PtySim::spawn(QxSim::new(protocol, DeviceState::default())).map_err(|e| e.to_string())?;
    let path = server.path().ok_or("pty without a path")?.to_owned();
    report.title.push_str(&format!(" on {path}"));
    let lab = Lab::new(&format!("{driver}-{}", protocol.name().replace('/', "_")));
    let extra: Vec<(&str, &str)> = option.map(|p| vec![("protocol", p)]).unwrap_or_default();
    let drv = Driver::start(&lab, driver, "ups", &path, &extra)?;
    let mut sock = Sock::connect(&drv.socket)?;
    // a full poll has run once ups.status is there
    let mut seen = Vec::new();
    sock.wait_status("OL", &mut seen)?;
    let dump = sock.dumpall()?.clone();
    let sim = server.simulator().lock().map_err(|_| "poisoned")?.clone();
    compare_qx(driver, protocol, &dump, &sim, report);
    // line fails, then the battery drains
    let mut real = seen;
    {
        let mut s = server.simulator().lock().map_err(|_| "poisoned")?;
        s.state.fail_line();
    }
    sock.wait_status("OB", &mut real)?;
    {
        let mut s = server.simulator().lock().map_err(|_| "poisoned")?;
        s.state.load = Some(100.0);
        s.state.full_load_runtime = Duration::from_secs(60);
        s.state.charge = 30.0;
    }
    sock.wait_status("OB LB", &mut real)?;
    report.real_seq = real;
    report.state_seq = main_status_sequence();
    report.ours_seq = qx_ours_sequence(protocol);
    if report.real_seq != report.state_seq {
        report
            .failures
            .push(format!("real status sequence {:?}", report.real_seq));
    }
    if report.ours_seq != report.real_seq {
        report.failures.push(format!(
            "our engine's status sequence {:?}",
            report.ours_seq
        ));
    }
    drop(drv);
    drop(sock);
    server.stop().map_err(|e| e.to_string())?;
    Ok(())
}

/// Every variable our codec reads from the simulator's replies to the
/// protocol's queries.
fn qx_codec_reads(protocol: Protocol, sim: &QxSim) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut queries: Vec<&[u8]> = table(protocol)
        .map(|t| t.rows())
        .unwrap_or_default()
        .iter()
        .map(|r| r.query)
        .collect();
    queries.sort_unstable();
    queries.dedup();
    let now = Instant::now();
    for query in queries.into_iter().filter(|q| !q.is_empty()) {
        let mut probe = sim.clone();
        let line = query.strip_suffix(b"\r").unwrap_or(query);
        let Some(reply) = probe.respond(now, line) else {
            continue;
        };
        if let Ok(readings) = decode_reply(protocol, query, &reply) {
            if query == b"Q1\r" || query == b"QGS\r" {
                out.insert(
                    "ups.status".to_owned(),
                    readings.status().render().to_string(),
                );
            }
            for (name, value) in readings.values {
                out.insert(name.to_owned(), value);
            }
        }
    }
    out
}

/// What the simulator state implies for a Megatec/Q* driver.
fn qx_state_implies(protocol: Protocol, var: &str, s: &DeviceState) -> Option<String> {
    let n = |v: Option<f64>| v.map(|v| format!("{v}"));
    Some(match var {
        "input.voltage" => n(s.input_voltage)?,
        "input.voltage.fault" if protocol != Protocol::Voltronic => n(s.input_voltage_fault)?,
        "output.voltage" => n(s.output_voltage)?,
        "ups.load" => n(s.load)?,
        "input.frequency" => n(s.input_frequency)?,
        "output.frequency" if protocol == Protocol::Voltronic => n(s.output_frequency)?,
        "battery.voltage" => n(s.battery_voltage)?,
        "ups.temperature" => n(s.temperature)?,
        "input.voltage.nominal" if protocol != Protocol::Voltronic => n(s.rating[0])?,
        "input.current.nominal" if protocol != Protocol::Voltronic => n(s.rating[1])?,
        "battery.voltage.nominal" if protocol != Protocol::Voltronic => n(s.rating[2])?,
        "input.frequency.nominal" if protocol != Protocol::Voltronic => n(s.rating[3])?,
        "device.mfr" if protocol == Protocol::Megatec => s.vendor[0].clone(),
        "device.model" if protocol == Protocol::Megatec => s.vendor[1].clone(),
        "ups.firmware" if protocol == Protocol::Megatec => s.vendor[2].clone(),
        "ups.beeper.status" if protocol != Protocol::Voltronic => if s.bits.beeper_on {
            "enabled"
        } else {
            "disabled"
        }
        .to_owned(),
        "ups.status" => {
            let mut t = vec![if s.bits.utility_fail { "OB" } else { "OL" }];
            if s.bits.battery_low {
                t.push("LB");
            }
            t.join(" ")
        }
        _ => return None,
    })
}

/// Why the real value differs from our codec's text, per NUT.
fn qx_explained(driver: &str, protocol: Protocol, var: &str) -> Option<&'static str> {
    match (driver, var) {
        // ablerex computes these from device values (qx-protocols §2.14):
        // compared, not explained away.
        (
            _,
            "battery.charge" | "battery.voltage.high" | "battery.voltage.low" | "battery.runtime",
        ) if protocol == Protocol::Ablerex => None,
        (_, "battery.voltage") => Some(
            "NUT 2.8.0 prints it %.2f; 2.8.1+ (qx_multiply_battvolt) and our codec keep the device's text",
        ),
        (
            _,
            "battery.charge" | "battery.voltage.high" | "battery.voltage.low" | "battery.runtime",
        ) => Some("estimated by the driver, not read from the device"),
        _ => None,
    }
}

fn compare_qx(driver: &str, protocol: Protocol, dump: &Dump, sim: &QxSim, report: &mut Report) {
    let ours = qx_codec_reads(protocol, sim);
    for (var, real) in &dump.vars {
        if var.starts_with("driver.") || var == "device.type" {
            continue;
        }
        let state = qx_state_implies(protocol, var, &sim.state);
        // device.* are the core's copies of ups.*; our codec names them so too
        let codec = ours
            .get(var)
            .or_else(|| {
                var.strip_prefix("device.")
                    .and_then(|v| ours.get(&format!("ups.{v}")))
            })
            .cloned();
        report.compare(
            var,
            Some(real),
            state,
            codec,
            qx_explained(driver, protocol, var),
        );
    }
    for (var, value) in ours.iter().filter(|(v, _)| !dump.vars.contains_key(*v)) {
        match qx_extra_explained(protocol, var) {
            Some(why) => report.rows.push(Row {
                var: var.clone(),
                real: "-".into(),
                state: None,
                ours: Some(format!("{value:?}")),
                explained: Some(why),
            }),
            None => report.failures.push(format!(
                "{var}: our codec reads it, the real driver does not publish it"
            )),
        }
    }
}

/// Why our codec reads a variable the real driver does not publish.
fn qx_extra_explained(protocol: Protocol, var: &str) -> Option<&'static str> {
    match (protocol, var) {
        (Protocol::Megatec, "ups.serial" | "battery.runtime") => Some(
            "the Megatec IC fields of the I reply came after 2.8.0 (Megatec 0.06); our table follows NUT's current one",
        ),
        _ => None,
    }
}

/// The status sequence of our qx engine for the same scenario, in memory.
fn qx_ours_sequence(protocol: Protocol) -> Vec<String> {
    use nut_serial::qx::Event;
    use nut_serial::sim::Pair;
    let cfg = QxConfig {
        protocol: Some(protocol),
        ..QxConfig::default()
    };
    let mut p = Pair::new(
        cfg,
        QxSim::new(protocol, DeviceState::default()),
        Instant::now(),
    );
    let status = |p: &Pair| {
        p.engine
            .vars()
            .get("ups.status")
            .cloned()
            .unwrap_or_default()
    };
    let mut seq = Vec::new();
    let step = |p: &mut Pair, until: &str, seq: &mut Vec<String>| {
        for _ in 0..120 {
            p.run_for(Duration::from_millis(500));
            seq.push(status(p));
            if status(p) == until {
                return;
            }
        }
    };
    step(&mut p, "OL", &mut seq);
    p.sim.state.fail_line();
    step(&mut p, "OB", &mut seq);
    p.sim.state.load = Some(100.0);
    p.sim.state.full_load_runtime = Duration::from_secs(60);
    p.sim.state.charge = 30.0;
    step(&mut p, "OB LB", &mut seq);
    let _ = p
        .events
        .iter()
        .filter(|e| matches!(e, Event::Status(_)))
        .count();
    dedup(seq.into_iter().filter(|s| !s.is_empty()))
}
