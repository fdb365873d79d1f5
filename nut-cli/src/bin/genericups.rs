//! `genericups`: NUT's contact-closure driver (see
//! `nut_cli::drivers::genericups`); the driver runtime does the rest.

use std::process::ExitCode;

use nut_cli::drivers::genericups::GenericupsProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&GenericupsProgram::default())
}
