//! The drivers we ship, each a [`Program`] on the driver runtime of
//! [`nut_server::runtime`]: the table the driver binaries and the multi-call
//! `nut` binary dispatch through.
//!
//! The device logic lives in the driver crates (sans-IO); the module of
//! each driver here only wires it to the runtime, so the dependency arrows
//! stay `nut-cli → nut-server / driver crates → nut-proto`.

use std::ffi::OsString;
use std::process::ExitCode;

use nut_server::runtime::program::{self, Environment, Program};

#[cfg(feature = "serial")]
pub(crate) mod apc_port;
#[cfg(feature = "serial")]
pub mod apcsmart;
#[cfg(feature = "serial")]
pub mod genericups;
#[cfg(feature = "netxml")]
pub mod netxml;
#[cfg(feature = "serial")]
pub mod qx;
#[cfg(feature = "snmp")]
pub mod snmp;
pub mod usbhid;

/// Runs `program` with `args` (`args[0]` its name). `prefix` is what goes
/// before the driver's own arguments when it re-executes itself to go to
/// the background: empty for a driver binary, `[name]` under `nut name`.
pub fn run_program<P: Program>(program: &P, args: &[String], prefix: &[&str]) -> ExitCode {
    let mut env = Environment::from_process();
    if let Some(reexec) = env.reexec.as_mut() {
        reexec.prefix = prefix.iter().map(OsString::from).collect();
    }
    let (argv0, rest) = match args.split_first() {
        Some((first, rest)) => (first.as_str(), rest),
        None => (program.name(), &[][..]),
    };
    ExitCode::from(program::run(program, argv0, rest, env))
}

/// Runs the driver called `name` (a binary name such as `dummy-ups`) with
/// `args`, or `None` when no driver has that name.
pub fn run(name: &str, args: &[String], prefix: &[&str]) -> Option<ExitCode> {
    use nut_server::clone::program::{CloneOutletProgram, CloneProgram, FailoverProgram};
    use nut_server::dummy::program::DummyUpsProgram;
    Some(match name {
        "dummy-ups" => run_program(&DummyUpsProgram::default(), args, prefix),
        "clone" => run_program(&CloneProgram, args, prefix),
        "clone-outlet" => run_program(&CloneOutletProgram, args, prefix),
        "failover" => run_program(&FailoverProgram, args, prefix),
        #[cfg(feature = "snmp")]
        "snmp-ups" => run_program(&snmp::SnmpUpsProgram, args, prefix),
        #[cfg(feature = "netxml")]
        "netxml-ups" => run_program(&netxml::NetxmlProgram, args, prefix),
        #[cfg(feature = "serial")]
        "apcsmart" => run_program(&apcsmart::ApcsmartProgram, args, prefix),
        #[cfg(feature = "serial")]
        "genericups" => run_program(&genericups::GenericupsProgram::default(), args, prefix),
        #[cfg(feature = "serial")]
        "nutdrv_qx" => run_program(&qx::QxProgram::NUTDRV_QX, args, prefix),
        #[cfg(feature = "serial")]
        "blazer_ser" => run_program(&qx::QxProgram::BLAZER_SER, args, prefix),
        "usbhid-ups" => run_program(&usbhid::UsbHidUpsProgram::default(), args, prefix),
        _ => return None,
    })
}
