//! `apcsmart`: NUT's APC Smart protocol driver (see
//! `nut_cli::drivers::apcsmart`); the driver runtime does the rest.

use std::process::ExitCode;

use nut_cli::drivers::apcsmart::ApcsmartProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&ApcsmartProgram)
}
