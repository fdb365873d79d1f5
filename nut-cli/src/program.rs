//! What every client program does the same way: its `main`, reading
//! `argv[0]`, and answering `-h`, a bad option or `-V` as NUT does.

use std::process::ExitCode;

use crate::connect::{Connector, NetConnector};
use crate::console::{Console, Terminal};
use crate::error::{Error, Result, exit_status};
use crate::getopt::Opt;

/// The NUT release whose behaviour these programs reproduce; it appears in
/// their banners (`Network UPS Tools upsc 2.8.0`) so that scripts and
/// byte-for-byte comparisons see what they would see with NUT.
pub const NUT_VERSION: &str = "2.8.0";

/// The `main` of a client binary: runs `program` (given its arguments,
/// `argv[0]` first, its console and how it reaches upsd) with the real
/// standard streams, terminal and network, and turns its result into the
/// exit status ([`exit_status`]).
///
/// ```no_run
/// use nut_cli::{main_with, upsc};
///
/// fn main() -> std::process::ExitCode {
///     main_with(upsc::run)
/// }
/// ```
pub fn main_with(
    program: impl FnOnce(&[String], &mut Console<'_>, &dyn Connector) -> Result<()>,
) -> ExitCode {
    run_with(&args_from_env(), program)
}

/// [`main_with`] for arguments chosen by the caller (`argv[0]` first), as a
/// multi-call binary passes them on.
pub fn run_with(
    args: &[String],
    program: impl FnOnce(&[String], &mut Console<'_>, &dyn Connector) -> Result<()>,
) -> ExitCode {
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut input = Terminal;
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        input: &mut input,
    };
    let result = program(args, &mut console, &NetConnector);
    exit_status(result, &mut std::io::stderr())
}

/// The command line as strings (non-UTF-8 bytes replaced).
pub fn args_from_env() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// Whether `NUT_QUIET_OK_NOTRACKING` is exactly `true`, as NUT tests it.
pub fn quiet_ok_from_env() -> bool {
    std::env::var(crate::admin::QUIET_OK_ENV).is_ok_and(|v| v == "true")
}

/// NUT's `xbasename(argv[0])`: the program name used in usage texts.
pub fn program_name(argv0: &str) -> String {
    argv0.rsplit('/').next().unwrap_or(argv0).to_owned()
}

/// How a program was called: `argv[0]` as given (glibc's option messages
/// use it), its base name (usage texts use that) and the other arguments.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// `argv[0]`, or the program's own name when there is none.
    pub argv0: &'a str,
    /// The base name of `argv0`.
    pub prog: String,
    /// The arguments after `argv[0]`.
    pub rest: &'a [String],
}

impl<'a> Invocation<'a> {
    /// Splits `args`; `name` stands in for a missing `argv[0]`.
    pub fn new(args: &'a [String], name: &'a str) -> Self {
        let argv0 = args.first().map_or(name, String::as_str);
        Self {
            argv0,
            prog: program_name(argv0),
            rest: args.get(1..).unwrap_or(&[]),
        }
    }

    /// NUT's answer to `-h` or a bad option: glibc's diagnostic for the
    /// option (if it is a bad one) on stderr, then `usage` on stdout; the
    /// program then exits 0.
    ///
    /// # Errors
    ///
    /// [`Error::Output`] when a stream cannot be written.
    pub fn print_usage(&self, console: &mut Console<'_>, opt: &Opt, usage: &str) -> Result<()> {
        if let Some(diagnostic) = opt.diagnostic(self.argv0) {
            writeln!(console.err, "{diagnostic}")?;
        }
        console.out.write_all(usage.as_bytes())?;
        Ok(())
    }
}

/// `-V` of upsc and upscmd: `Network UPS Tools upscmd <version>` on stderr
/// and exit 0 (upsc names upscmd too, as NUT 2.8.0 does).
pub fn upscmd_version() -> Error {
    Error::Fatal {
        message: format!("Network UPS Tools upscmd {NUT_VERSION}"),
        code: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_name_is_the_basename() {
        assert_eq!(program_name("/usr/bin/upsc"), "upsc");
        assert_eq!(program_name("upsrw"), "upsrw");
        assert_eq!(program_name("dir/"), "");
    }

    #[test]
    fn invocation_splits_argv() {
        let args: Vec<String> = ["/usr/bin/upsc", "-l"].map(str::to_owned).to_vec();
        let call = Invocation::new(&args, "upsc");
        assert_eq!((call.argv0, call.prog.as_str()), ("/usr/bin/upsc", "upsc"));
        assert_eq!(call.rest, ["-l"]);
        let call = Invocation::new(&[], "upsrw");
        assert_eq!((call.argv0, call.rest.len()), ("upsrw", 0));
    }

    #[test]
    fn usage_follows_the_diagnostic_of_a_bad_option() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut input = crate::console::ScriptedInput::new("");
        let mut console = Console {
            out: &mut out,
            err: &mut err,
            input: &mut input,
        };
        let args = ["./upsc".to_owned()];
        let call = Invocation::new(&args, "upsc");
        call.print_usage(&mut console, &Opt::Invalid('x'), "usage\n")
            .unwrap();
        call.print_usage(&mut console, &Opt::Flag('h'), "usage\n")
            .unwrap();
        assert_eq!(out, b"usage\nusage\n");
        assert_eq!(err, b"./upsc: invalid option -- 'x'\n");
    }
}
