//! Runs the mapping engine over an `.snmprec` recording and prints what
//! `upsc` would show, as snmp-ups would publish it after its first update
//! walk (driver core copies included: `device.mfr`/`model`/`serial`,
//! `device.type`).
//!
//! usage: `cargo run -p nut-snmp --example snmprec_walk -- FILE.snmprec [MIBS]`

use std::process::ExitCode;

use nut_snmp::{Config, Engine, Recording};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: snmprec_walk FILE.snmprec [MIBS]");
        return ExitCode::from(2);
    };
    let mibs = args.next().unwrap_or_else(|| "auto".to_owned());
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut agent = match Recording::parse(&bytes) {
        Ok(agent) => agent,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut engine = match Engine::detect(&mut agent, &Config::with_mibs(&mibs)) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    engine.init(&mut agent);
    engine.update(&mut agent);
    let mut vars: std::collections::BTreeMap<String, String> = engine
        .variables()
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    for (from, to) in [
        ("ups.mfr", "device.mfr"),
        ("ups.model", "device.model"),
        ("ups.serial", "device.serial"),
    ] {
        if let Some(value) = vars.get(from).cloned() {
            vars.insert(to.to_owned(), value);
        }
    }
    vars.entry("device.type".to_owned())
        .or_insert_with(|| "ups".to_owned());
    for (name, value) in vars {
        println!("{name}: {value}");
    }
    ExitCode::SUCCESS
}
