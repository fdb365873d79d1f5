//! `upsrw`: see [`nut_cli::upsrw`].

use nut_cli::{main_with, quiet_ok_from_env, upsrw};

fn main() -> std::process::ExitCode {
    main_with(|args, console, connector| upsrw::run(args, console, connector, quiet_ok_from_env()))
}
