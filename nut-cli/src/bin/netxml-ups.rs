//! `netxml-ups`: NUT's driver for Eaton/MGE network cards speaking NetXML
//! over HTTP(S) (see `nut_cli::drivers::netxml`); the driver runtime does
//! the rest.

use std::process::ExitCode;

use nut_cli::drivers::netxml::NetxmlProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&NetxmlProgram)
}
