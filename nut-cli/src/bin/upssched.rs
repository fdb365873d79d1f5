//! `upssched`: see [`nut_monitor::runtime::upssched`].

use std::process::ExitCode;

fn main() -> ExitCode {
    nut_monitor::runtime::upssched::main(std::env::args_os())
}
