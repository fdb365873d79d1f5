//! `snmp-ups`: NUT's generic SNMP driver (see `nut_cli::drivers::snmp`);
//! the driver runtime does the rest.

use std::process::ExitCode;

use nut_cli::drivers::snmp::SnmpUpsProgram;

fn main() -> ExitCode {
    nut_server::runtime::program::main(&SnmpUpsProgram)
}
