//! `upsd`: the NUT network server; see [`nut_server::upsd`] and
//! [`nut_cli::upsd`] for its command line.

fn main() -> std::process::ExitCode {
    nut_cli::upsd::main(&nut_cli::args_from_env(), &[])
}
