//! `upsrw`: see [`nut_cli::upsrw`].

use std::process::ExitCode;

use nut_cli::quiet_ok_from_env;
use nut_cli::{Console, NetConnector, Terminal, args_from_env, exit_status, upsrw};

fn main() -> ExitCode {
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut input = Terminal;
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        input: &mut input,
    };
    let result = upsrw::run(
        &args_from_env(),
        &mut console,
        &NetConnector,
        quiet_ok_from_env(),
    );
    exit_status(result, &mut std::io::stderr())
}
