//! `upslog`: see [`nut_cli::upslog`].

use std::process::ExitCode;

use nut_cli::{Console, NetConnector, Terminal, args_from_env, exit_status, upslog};

fn main() -> ExitCode {
    let daemon = std::env::var_os(upslog::DAEMON_ENV).is_some();
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut input = Terminal;
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        input: &mut input,
    };
    let result = upslog::run(&args_from_env(), &mut console, &NetConnector, daemon);
    exit_status(result, &mut std::io::stderr())
}
