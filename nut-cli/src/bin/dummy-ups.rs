//! `dummy-ups`: NUT's simulation and repeater driver (see
//! `nut_server::dummy`); the driver runtime does the rest.

use std::process::ExitCode;

use nut_server::dummy::program::DummyUpsProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&DummyUpsProgram::default())
}
