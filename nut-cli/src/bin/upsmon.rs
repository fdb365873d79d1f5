//! `upsmon`: see [`nut_monitor::runtime::upsmon`].

use std::process::ExitCode;

fn main() -> ExitCode {
    nut_monitor::runtime::upsmon::main(std::env::args_os())
}
