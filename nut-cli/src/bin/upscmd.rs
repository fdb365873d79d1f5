//! `upscmd`: see [`nut_cli::upscmd`].

use nut_cli::{main_with, quiet_ok_from_env, upscmd};

fn main() -> std::process::ExitCode {
    main_with(|args, console, connector| upscmd::run(args, console, connector, quiet_ok_from_env()))
}
