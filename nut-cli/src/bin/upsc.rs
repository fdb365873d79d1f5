//! `upsc`: see [`nut_cli::upsc`].

use std::process::ExitCode;

use nut_cli::{Console, NetConnector, Terminal, args_from_env, exit_status, upsc};

fn main() -> ExitCode {
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut input = Terminal;
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        input: &mut input,
    };
    let result = upsc::run(&args_from_env(), &mut console, &NetConnector);
    exit_status(result, &mut std::io::stderr())
}
