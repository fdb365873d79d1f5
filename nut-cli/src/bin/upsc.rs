//! `upsc`: see [`nut_cli::upsc`].

fn main() -> std::process::ExitCode {
    nut_cli::main_with(nut_cli::upsc::run)
}
