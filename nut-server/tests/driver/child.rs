//! Our dummy-ups as a real process, without depending on another package's
//! binary: this test binary runs itself with [`CHILD_ARGS_ENV`] set, and
//! [`driver_child_entry`] then runs exactly what `dummy-ups`'s `main` runs
//! (`nut_server::runtime::program::run`) and exits with its status.

use std::process::Command;

use nut_server::dummy::program::DummyUpsProgram;
use nut_server::runtime::program::{self, Environment, Reexec};

use crate::support::Lab;

/// The driver's arguments, one per line.
pub(crate) const CHILD_ARGS_ENV: &str = "NUT_RS_TEST_DRIVER_ARGS";

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

/// Not a test of its own: the driver process when [`CHILD_ARGS_ENV`] is set.
#[test]
fn driver_child_entry() {
    let Some(args) = std::env::var_os(CHILD_ARGS_ENV) else {
        return;
    };
    let args: Vec<String> = args.to_string_lossy().lines().map(str::to_owned).collect();
    let mut env = Environment::from_process();
    env.reexec = std::env::current_exe().ok().map(|program| Reexec {
        program,
        prefix: libtest_prefix(),
        args_env: Some(CHILD_ARGS_ENV.to_owned()),
    });
    let code = program::run(&DummyUpsProgram::default(), "dummy-ups", &args, env);
    std::process::exit(i32::from(code));
}

/// Our dummy-ups with `args`, in the lab's environment.
pub(crate) fn our_dummy_ups(lab: &Lab, args: &[&str]) -> Command {
    let exe = std::env::current_exe().expect("test binary");
    let mut command = lab.command(exe);
    command
        .args(libtest_prefix())
        .env(CHILD_ARGS_ENV, args.join("\n"))
        .env_remove(program::setup::DAEMON_CHILD_ENV);
    command
}
