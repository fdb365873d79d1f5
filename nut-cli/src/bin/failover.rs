//! `failover`: NUT's failover driver: presents the best of several drivers' sockets
//! (see `nut_server::clone::failover`); the driver runtime does the rest.

use std::process::ExitCode;

use nut_server::clone::program::FailoverProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&FailoverProgram)
}
