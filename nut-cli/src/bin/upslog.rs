//! `upslog`: see [`nut_cli::upslog`].

use nut_cli::{main_with, upslog};

fn main() -> std::process::ExitCode {
    let daemon = std::env::var_os(upslog::DAEMON_ENV).is_some();
    main_with(|args, console, connector| upslog::run(args, console, connector, daemon))
}
