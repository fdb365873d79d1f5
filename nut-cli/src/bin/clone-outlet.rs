//! `clone-outlet`: NUT's clone-outlet driver: one outlet of another driver's UPS shown
//! as a UPS (see `nut_server::clone::outlet`); the driver runtime does the rest.

use std::process::ExitCode;

use nut_server::clone::program::CloneOutletProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&CloneOutletProgram)
}
