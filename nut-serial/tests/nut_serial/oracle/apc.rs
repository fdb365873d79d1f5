//! The APC Smart case: `apcsmart` against our APC Smart simulator, with
//! our engine reading the same simulator in memory.

use std::time::{Duration, Instant};

use nut_serial::sim::apc::{Simulator as ApcSim, UnitState};
use nut_serial::sim::pty::PtySim;

use super::lab::{Driver, Dump, Lab, Sock};
use super::report::{Report, Row, dedup, main_status_sequence};

pub(super) fn case() -> Report {
    let mut report = Report {
        title: "apcsmart vs our APC Smart simulator".into(),
        ..Report::default()
    };
    if let Err(e) = apc_case_inner(&mut report) {
        report.failures.push(e);
    }
    report
}

fn apc_case_inner(report: &mut Report) -> Result<(), String> {
    let (server, _port) =
        PtySim::spawn(ApcSim::new(UnitState::default())).map_err(|e| e.to_string())?;
    let path = server.path().ok_or("pty without a path")?.to_owned();
    report.title.push_str(&format!(" on {path}"));
    let lab = Lab::new("apcsmart");
    let drv = Driver::start(&lab, "apcsmart", "apc", &path, &[])?;
    let mut sock = Sock::connect(&drv.socket)?;
    let mut seen = Vec::new();
    sock.wait_status("OL", &mut seen)?;
    let dump = sock.dumpall()?.clone();
    let sim = server.simulator().lock().map_err(|_| "poisoned")?.clone();
    compare_apc(&dump, &sim, report);
    let mut real = seen;
    server
        .simulator()
        .lock()
        .map_err(|_| "poisoned")?
        .state
        .fail_line();
    sock.wait_status("OB", &mut real)?;
    {
        let mut s = server.simulator().lock().map_err(|_| "poisoned")?;
        apc_drain(&mut s.state);
    }
    sock.wait_status("OB LB", &mut real)?;
    report.real_seq = real;
    report.state_seq = main_status_sequence();
    report.ours_seq = apc_ours_sequence();
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

/// A battery that reaches the low-runtime mark (2 min) within seconds.
fn apc_drain(s: &mut UnitState) {
    s.load = 100.0;
    s.full_load_runtime = Duration::from_secs(150);
    s.charge = 84.0;
}

/// What the simulator state implies for apcsmart.
fn apc_state_implies(var: &str, s: &UnitState) -> Option<String> {
    let setting = |l: u8| s.setting(l).map(|x| x.value().to_owned());
    Some(match var {
        "input.voltage" => s.input_voltage.to_string(),
        "input.voltage.maximum" => s.input_max.to_string(),
        "input.voltage.minimum" => s.input_min.to_string(),
        "input.frequency" => s.input_frequency.to_string(),
        "output.voltage" => s.input_voltage.to_string(),
        "ups.load" => s.load.to_string(),
        "ups.temperature" => s.temperature.to_string(),
        "battery.charge" => s.charge.to_string(),
        "battery.voltage" => format!("{:.2}", s.battery_voltage()),
        "battery.voltage.nominal" => s.battery_nominal.to_string(),
        "output.voltage.nominal" => s.nominal_input.to_string(),
        "battery.runtime" => (s.runtime_minutes().floor() * 60.0).to_string(),
        "battery.runtime.low" => (setting(b'q')?.parse::<f64>().ok()? * 60.0).to_string(),
        "ups.model" | "device.model" => s.model.clone(),
        "ups.serial" | "device.serial" => s.serial.clone(),
        "ups.firmware" => s.firmware.clone(),
        "ups.mfr.date" => s.mfr_date.clone(),
        "ups.id" => s.ups_id.clone(),
        "battery.date" => s.battery_date.clone(),
        "ups.mfr" | "device.mfr" => "APC".into(),
        "ups.test.result" => s.test_result.clone(),
        "input.transfer.reason" => "no transfers yet since turnon".into(),
        "input.transfer.high" => setting(b'u')?,
        "input.transfer.low" => setting(b'l')?,
        "ups.delay.shutdown" => setting(b'p')?,
        "ups.delay.start" => setting(b'r')?,
        "battery.charge.restart" => setting(b'e')?,
        "input.sensitivity" => setting(b's')?,
        "ups.status" => s.status().render().to_string(),
        _ => return None,
    })
}

fn compare_apc(dump: &Dump, sim: &ApcSim, report: &mut Report) {
    use nut_serial::apc::{ApcConfig, Event};
    use nut_serial::sim::apc::Pair;
    let mut pair = Pair::new(
        ApcConfig::default(),
        ApcSim::new(sim.state.clone()),
        Instant::now(),
    );
    pair.run_until(Duration::from_secs(30), |e| {
        matches!(e, Event::PollOk { .. })
    });
    let ours = pair.engine.vars().clone();
    for (var, real) in &dump.vars {
        if var.starts_with("driver.") || var == "device.type" {
            continue;
        }
        let state = apc_state_implies(var, &sim.state);
        let codec = ours
            .get(var)
            .or_else(|| {
                var.strip_prefix("device.")
                    .and_then(|v| ours.get(&format!("ups.{v}")))
            })
            .cloned();
        report.compare(var, Some(real), state, codec, None);
    }
    for var in ours.keys().filter(|v| !dump.vars.contains_key(*v)) {
        report.failures.push(format!(
            "{var}: ours publishes it, the real driver does not"
        ));
    }
    // writable variables and their value lists
    for (var, values) in &dump.enums {
        let mine = pair
            .engine
            .var_info(var)
            .map(|i| i.enums.clone())
            .unwrap_or_default();
        if &mine != values {
            report
                .failures
                .push(format!("{var}: real enums {values:?}, ours {mine:?}"));
        } else {
            report.rows.push(Row {
                var: format!("{var} (ENUM)"),
                real: values.join(","),
                state: None,
                ours: Some(mine.join(",")),
                explained: None,
            });
        }
    }
    let mut real_cmds = dump.cmds.clone();
    real_cmds.sort_unstable();
    let mut our_cmds: Vec<String> = pair
        .engine
        .commands()
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    our_cmds.sort_unstable();
    if real_cmds != our_cmds {
        report
            .failures
            .push(format!("commands: real {real_cmds:?}, ours {our_cmds:?}"));
    } else {
        report.rows.push(Row {
            var: "(instant commands)".into(),
            real: real_cmds.len().to_string(),
            state: None,
            ours: Some(our_cmds.len().to_string()),
            explained: None,
        });
    }
}

fn apc_ours_sequence() -> Vec<String> {
    use nut_serial::apc::ApcConfig;
    use nut_serial::sim::apc::Pair;
    let mut p = Pair::new(
        ApcConfig::default(),
        ApcSim::new(UnitState::default()),
        Instant::now(),
    );
    let mut seq = Vec::new();
    let step = |p: &mut Pair, until: &str, seq: &mut Vec<String>| {
        for _ in 0..120 {
            p.run_for(Duration::from_millis(500));
            let s = p.var("ups.status").unwrap_or_default().to_owned();
            seq.push(s.clone());
            if s == until {
                return;
            }
        }
    };
    step(&mut p, "OL", &mut seq);
    p.sim.state.fail_line();
    step(&mut p, "OB", &mut seq);
    apc_drain(&mut p.sim.state);
    step(&mut p, "OB LB", &mut seq);
    dedup(seq.into_iter().filter(|s| !s.is_empty()))
}
