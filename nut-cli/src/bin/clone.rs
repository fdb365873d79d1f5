//! `clone`: NUT's clone driver: mirrors another driver's socket and adds its own
//! outlet shutdown timers (see `nut_server::clone::clone_ups`); the driver runtime does the rest.

use std::process::ExitCode;

use nut_server::clone::program::CloneProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&CloneProgram)
}
