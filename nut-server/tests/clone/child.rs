//! Our drivers as real processes without depending on another package's
//! binaries: this test binary runs itself with [`PROGRAM_ENV`] set, and
//! [`driver_child_entry`] then runs exactly what the program's `main`
//! runs (`nut_server::runtime::program::run`) and exits with its status.

use std::process::Command;

use nut_server::clone::program::{CloneOutletProgram, CloneProgram, FailoverProgram};
use nut_server::dummy::program::DummyUpsProgram;
use nut_server::runtime::program::{self, Environment, Program, Reexec};

use crate::support::Lab;

/// Which program the child runs.
const PROGRAM_ENV: &str = "NUT_RS_TEST_CLONE_PROGRAM";

/// The program's arguments, one per line.
const ARGS_ENV: &str = "NUT_RS_TEST_CLONE_ARGS";

/// The test that becomes the driver in a child process.
const ENTRY: &str = "child::driver_child_entry";

fn libtest_prefix() -> Vec<std::ffi::OsString> {
    [
        "--exact",
        ENTRY,
        "--nocapture",
        "--test-threads=1",
        "--quiet",
    ]
    .iter()
    .map(Into::into)
    .collect()
}

fn run<P: Program>(program: &P, args: &[String]) -> u8 {
    let mut env = Environment::from_process();
    env.reexec = std::env::current_exe().ok().map(|exe| Reexec {
        program: exe,
        prefix: libtest_prefix(),
        args_env: Some(ARGS_ENV.to_owned()),
    });
    program::run(program, program.name(), args, env)
}

/// Not a test of its own: the driver process when [`PROGRAM_ENV`] is set.
#[test]
fn driver_child_entry() {
    let Some(name) = std::env::var_os(PROGRAM_ENV) else {
        return;
    };
    let args: Vec<String> = std::env::var_os(ARGS_ENV)
        .map(|a| a.to_string_lossy().lines().map(str::to_owned).collect())
        .unwrap_or_default();
    let code = match name.to_string_lossy().as_ref() {
        "dummy-ups" => run(&DummyUpsProgram::default(), &args),
        "clone" => run(&CloneProgram, &args),
        "clone-outlet" => run(&CloneOutletProgram, &args),
        "failover" => run(&FailoverProgram, &args),
        other => panic!("no such program: {other}"),
    };
    std::process::exit(i32::from(code));
}

/// Our `program` (`dummy-ups`, `clone`, `clone-outlet`, `failover`) with
/// `args`, in the lab's environment.
pub(crate) fn ours(lab: &Lab, program: &str, args: &[&str]) -> Command {
    let exe = std::env::current_exe().expect("test binary");
    let mut command = lab.command(exe);
    command
        .args(libtest_prefix())
        .env(PROGRAM_ENV, program)
        .env(ARGS_ENV, args.join("\n"))
        .env_remove(program::setup::DAEMON_CHILD_ENV);
    command
}
