//! `upsdrvctl`: starts, stops and shuts down the drivers of `ups.conf`
//! (see `nut_server::upsdrvctl`).

fn main() -> std::process::ExitCode {
    nut_server::upsdrvctl::main()
}
