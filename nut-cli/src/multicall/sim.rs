//! `nut sim <device> [args…]`: wire-level device simulators (beyond NUT,
//! which only simulates above the driver): each serves a simulated UPS on
//! the transport a real driver reads, from a device state the user can
//! change while it runs.

use std::process::ExitCode;

#[cfg(feature = "serial")]
mod apc;
mod hid;
#[cfg(feature = "serial")]
mod megatec;
#[cfg(feature = "netxml")]
mod netxml;
#[cfg(feature = "snmp")]
mod snmp;

/// The simulators, with a one-line description each, for `nut sim -h`.
const SIMULATORS: &[(&str, &str)] = &[
    (
        "hid",
        "a USB HID UPS (built-in or a report descriptor file) driven by our usbhid-ups",
    ),
    #[cfg(feature = "serial")]
    (
        "apc",
        "an APC Smart-UPS on a pseudo-terminal (--pty) for apcsmart, changed from stdin",
    ),
    #[cfg(feature = "serial")]
    (
        "megatec",
        "a Megatec/Q* UPS (any protocol) on a pseudo-terminal (--pty) for nutdrv_qx/blazer_ser",
    ),
    #[cfg(feature = "snmp")]
    (
        "snmp",
        "an SNMP agent (a built-in UPS with outlets, or .snmprec recordings) for snmp-ups",
    ),
    #[cfg(feature = "netxml")]
    (
        "netxml",
        "an Eaton/MGE NetXML card (HTTP) for netxml-ups, changed from stdin",
    ),
];

fn usage() -> String {
    let mut text = String::from("usage: nut sim <device> [args...]\n\ndevices:\n");
    for (name, about) in SIMULATORS {
        text.push_str(&format!("  {name:<10} {about}\n"));
    }
    // Contact-closure UPSes (genericups) signal on the modem-control lines,
    // which pseudo-terminals do not have: there is no `nut sim genericups`.
    text.push_str(
        "\nNo genericups (contact-closure) simulator: pseudo-terminals carry no\n\
         modem-control lines (NUT's own genericups fails on one with `TIOCMSET:\n\
         Inappropriate ioctl`); the contact-closure UPS is simulated in-process\n\
         behind the driver's modem-line trait instead (tests only).\n",
    );
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
        Some("hid") => hid::main(rest),
        #[cfg(feature = "snmp")]
        Some("snmp") => snmp::main(rest),
        #[cfg(feature = "netxml")]
        Some("netxml") => netxml::main(rest),
        #[cfg(feature = "serial")]
        Some("apc") => apc::main(rest),
        #[cfg(feature = "serial")]
        Some("megatec") => megatec::main(rest),
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
