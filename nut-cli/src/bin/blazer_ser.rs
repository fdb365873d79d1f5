//! `blazer_ser`: NUT's legacy Megatec/Q1 serial driver (see `nut_cli::drivers::qx`);
//! the driver runtime does the rest.

use std::process::ExitCode;

use nut_cli::drivers::qx::QxProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&QxProgram::BLAZER_SER)
}
