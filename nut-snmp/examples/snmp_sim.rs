//! Serves `.snmprec` recordings as an SNMP v1/v2c agent, one community per
//! file (its stem), like snmpsim: `snmpget -v2c -c <stem> ADDR <oid>`.
//!
//! usage: `cargo run -p nut-snmp --example snmp_sim -- 127.0.0.1:16161 FILE.snmprec...`
//! (runs until interrupted)

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use nut_snmp::Recording;
use nut_snmp::udp::Simulator;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(addr) = args.next() else {
        eprintln!("usage: snmp_sim ADDR FILE.snmprec...");
        return ExitCode::from(2);
    };
    let simulator = match Simulator::bind(addr.as_str()) {
        Ok(simulator) => simulator,
        Err(e) => {
            eprintln!("{addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut served = 0;
    for path in args {
        let community = std::path::Path::new(&path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        match std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| Recording::parse(&b).map_err(|e| e.to_string()))
        {
            Ok(recording) => {
                simulator.insert(&community, recording);
                served += 1;
            }
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
    eprintln!("serving {served} recordings on {addr}");
    match simulator.serve_until(&AtomicBool::new(false)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{addr}: {e}");
            ExitCode::FAILURE
        }
    }
}
