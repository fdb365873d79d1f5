//! `usbhid-ups`: NUT's USB HID UPS driver on our driver runtime (see
//! `nut_cli::drivers::usbhid`); the runtime does the rest.

use std::process::ExitCode;

use nut_cli::drivers::usbhid::UsbHidUpsProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&UsbHidUpsProgram::default())
}
