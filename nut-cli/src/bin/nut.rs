//! `nut`: the multi-call binary; see [`nut_cli::multicall`].

fn main() -> std::process::ExitCode {
    nut_cli::multicall::main(nut_cli::args_from_env())
}
