//! The multi-call `nut` binary: `nut <command> [args…]` runs a command;
//! installed as a hard link named like a program (`upsc`, `upsd`,
//! `dummy-ups`, …) it runs that program, so small devices can ship one
//! executable.
//!
//! Commands: `demo` (a power outage played by a simulated UPS, upsd and
//! upsmon in this process, on loopback: see [`demo`]), `hid describe`
//! (a HID descriptor dump), `sim` (device simulators) and every program
//! we ship, which behaves exactly as the standalone binary.

pub mod demo;
mod hid;
mod sim;

use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;

use crate::{program_name, quiet_ok_from_env, run_with};

const USAGE: &str = "usage: nut <command> [args...]

commands:
  demo [--fast] [--no-outage] [--port N] [--device FILE]
                    play a power outage: a simulated UPS, upsd and upsmon
                    on 127.0.0.1, up to upsmon's shutdown decision
                    (nut demo -h for more)
  hid describe FILE [--json] [--strict] [--vid-pid VVVV:PPPP]
                    print a HID report descriptor (binary or hex text)
                    with every HID path
  hid explore [--json] [--simulate builtin|FILE] [-x name=value]...
                    JSON dump of a USB HID UPS for bug reports
  sim <device> [args...]
                    run a device simulator (nut sim -h lists them)
  upsc | upscmd | upsrw | upslog | upsd | upsmon | upssched | upsdrvctl
  | <driver> [args...]
                    run that program (also when nut is invoked under its name)
";

/// Runs the program called `name` with `args` (`args[0]` its name);
/// `prefix` is how a driver re-executes itself (see [`crate::drivers::run`]).
fn program(name: &str, args: Vec<String>, prefix: &[&str]) -> Option<ExitCode> {
    let os_args = || args.iter().map(OsString::from).collect::<Vec<_>>();
    Some(match name {
        "upsc" => run_with(&args, crate::upsc::run),
        "upscmd" => run_with(&args, |args, console, connector| {
            crate::upscmd::run(args, console, connector, quiet_ok_from_env())
        }),
        "upsrw" => run_with(&args, |args, console, connector| {
            crate::upsrw::run(args, console, connector, quiet_ok_from_env())
        }),
        "upslog" => {
            let daemon = std::env::var_os(crate::upslog::DAEMON_ENV).is_some();
            run_with(&args, |args, console, connector| {
                crate::upslog::run(args, console, connector, daemon)
            })
        }
        "upsmon" => nut_monitor::runtime::upsmon::main(os_args()),
        "upssched" => nut_monitor::runtime::upssched::main(os_args()),
        "upsd" => crate::upsd::main(&args, prefix),
        "upsdrvctl" => {
            let (argv0, rest) = args.split_first()?;
            ExitCode::from(nut_server::upsdrvctl::run(
                argv0,
                rest,
                &nut_server::upsdrvctl::Environment::from_process(),
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            ))
        }
        _ => return crate::drivers::run(name, &args, prefix),
    })
}

fn print(text: &str) -> ExitCode {
    match std::io::stdout().write_all(text.as_bytes()) {
        // A closed pipe (`nut hid describe … | head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

/// The multi-call binary's `main`, with the process's arguments.
pub fn main(args: Vec<String>) -> ExitCode {
    let invoked = program_name(args.first().map_or("nut", String::as_str));
    if let Some(code) = program(&invoked, args.clone(), &[]) {
        return code;
    }
    match args.get(1).map(String::as_str) {
        Some("hid") => hid::main(args.get(2..).unwrap_or_default()),
        Some("demo") => {
            let exe = std::env::current_exe().map_or_else(
                |_| args.first().cloned().unwrap_or_else(|| "nut".to_owned()),
                |path| path.display().to_string(),
            );
            demo::main(&exe, args.get(2..).unwrap_or_default())
        }
        Some("sim") => sim::main(args.get(2..).unwrap_or_default()),
        Some("help" | "--help" | "-h") => print(USAGE),
        Some(command) => match program(
            command,
            args.get(1..).unwrap_or_default().to_vec(),
            &[command],
        ) {
            Some(code) => code,
            None => {
                eprint!("nut: unknown command `{command}`\n{USAGE}");
                ExitCode::from(2)
            }
        },
        None => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
