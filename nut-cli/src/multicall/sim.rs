//! `nut sim <device> [args…]`: wire-level device simulators (beyond NUT,
//! which only simulates above the driver): each serves a simulated UPS on
//! the transport a real driver reads, from a device state the user can
//! change while it runs.

use std::process::ExitCode;

/// The simulators, with a one-line description each, for `nut sim -h`.
const SIMULATORS: &[(&str, &str)] = &[];

fn usage() -> String {
    let mut text = String::from("usage: nut sim <device> [args...]\n\ndevices:\n");
    for (name, about) in SIMULATORS {
        text.push_str(&format!("  {name:<10} {about}\n"));
    }
    text
}

/// Runs `nut sim` with `args` (the words after `sim`).
pub(crate) fn main(args: &[String]) -> ExitCode {
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("-h" | "--help" | "help") => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        Some(other) => {
            let _ = rest;
            eprint!("nut sim: unknown device `{other}`\n{}", usage());
            ExitCode::from(2)
        }
        None => {
            eprint!("{}", usage());
            ExitCode::from(2)
        }
    }
}
