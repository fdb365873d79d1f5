//! Our programs as real processes without another package's binaries: this
//! test binary runs itself with [`CHILD_ENV`] naming the program and
//! [`ARGS_ENV`] its arguments (one per line); [`child_entry`] then runs
//! exactly what that program's `main` runs and exits with its status.

use std::process::Command;

use nut_server::dummy::program::DummyUpsProgram;
use nut_server::runtime::cli::Foreground;
use nut_server::runtime::program::{self, Environment, Reexec};
use nut_server::stack::demo;
use nut_server::upsd::daemon::{self, Options};

use crate::support::{Lab, current_user};

/// Which program the child runs: `demo`, `upsd` or `dummy-ups`.
const CHILD_ENV: &str = "NUT_RS_STACK_CHILD";

/// The child's arguments, one per line.
const ARGS_ENV: &str = "NUT_RS_STACK_CHILD_ARGS";

/// The test that becomes the program.
const ENTRY: &str = "child::child_entry";

/// Not a test of its own: the program, when [`CHILD_ENV`] is set.
#[test]
fn child_entry() {
    let Some(kind) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let args: Vec<String> = std::env::var(ARGS_ENV)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    let code = match kind.to_string_lossy().as_ref() {
        "demo" => demo::main("nut", &args),
        "upsd" => {
            // upsd -F -u <current user>: what the binary's parser makes of it.
            let mut options = Options::default();
            options.foreground = Some(Foreground::Foreground);
            options.user = Some(current_user());
            let reexec = Reexec {
                program: std::env::current_exe().expect("exe"),
                prefix: Vec::new(),
                args_env: None,
            };
            daemon::main(&options, &reexec, &[], &|name| std::env::var(name).ok())
        }
        "dummy-ups" => {
            let mut env = Environment::from_process();
            env.reexec = None;
            program::run(&DummyUpsProgram::default(), "dummy-ups", &args, env)
        }
        other => panic!("unknown child {other}"),
    };
    std::process::exit(i32::from(code));
}

/// A command running `kind` with `args` in a child of this test binary.
pub(crate) fn ours(kind: &str, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            "--exact",
            ENTRY,
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .env(CHILD_ENV, kind)
        .env(ARGS_ENV, args.join("\n"));
    command
}

/// [`ours`] with the lab's NUT environment.
pub(crate) fn ours_in(lab: &Lab, kind: &str, args: &[&str]) -> Command {
    let mut command = lab.command(std::env::current_exe().expect("test binary"));
    command
        .args([
            "--exact",
            ENTRY,
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .env(CHILD_ENV, kind)
        .env(ARGS_ENV, args.join("\n"));
    command
}
