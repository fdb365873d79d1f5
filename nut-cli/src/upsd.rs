//! `upsd`'s command line: parses upsd 2.8.0's options with glibc's getopt
//! rules and hands over to [`nut_server::upsd::daemon::main`].

use std::process::ExitCode;

use crate::getopt::{Getopt, Opt};
use nut_server::runtime::cli::Foreground;
use nut_server::runtime::program::setup::Reexec;
use nut_server::upsd::daemon::{self, Options, UpsdCommand};
use nut_server::upsd::serve::listen::Family;

/// upsd's option string (`-f` is accepted and ignored, as in NUT).
const OPTIONS: &str = "h46p:qr:i:fu:Vc:P:DFB";

/// What the command line asks for.
enum Parsed {
    Run(Options),
    Help,
    Version,
    Deprecated,
}

fn parse(argv0: &str, args: &[String]) -> Parsed {
    let mut options = Options::default();
    let mut getopt = Getopt::new(OPTIONS, args);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag('4') => options.family = Family::V4,
            Opt::Flag('6') => options.family = Family::V6,
            Opt::Flag('q') => options.quiet = options.quiet.saturating_add(1),
            Opt::Flag('D') => options.debug = options.debug.saturating_add(1),
            Opt::Flag('F') => {
                options.foreground = Some(match options.foreground {
                    Some(Foreground::Foreground | Foreground::ForegroundWithPidFile) => {
                        Foreground::ForegroundWithPidFile
                    }
                    _ => Foreground::Foreground,
                });
            }
            Opt::Flag('B') => options.foreground = Some(Foreground::Background),
            Opt::Flag('V') => return Parsed::Version,
            Opt::Flag('f') => {}
            Opt::Arg('p' | 'i', _) => return Parsed::Deprecated,
            Opt::Arg('r', dir) => options.chroot = Some(dir.into()),
            Opt::Arg('u', user) => options.user = Some(user),
            Opt::Arg('c', word) => match UpsdCommand::parse(&word) {
                Some(command) => options.command = Some(command),
                None => return Parsed::Help,
            },
            Opt::Arg('P', pid) => match pid.parse::<i32>() {
                Ok(pid) if pid > 0 => options.pid = Some(pid),
                _ => return Parsed::Help,
            },
            other => {
                if let Some(message) = other.diagnostic(argv0) {
                    eprintln!("{message}");
                }
                return Parsed::Help;
            }
        }
    }
    if getopt.operands().is_empty() {
        Parsed::Run(options)
    } else {
        Parsed::Help
    }
}

/// Runs upsd with `all` (`all[0]` the program name): what the `upsd`
/// binary and `nut upsd` do. `prefix` goes before upsd's own arguments
/// when it re-executes itself to go to the background (`["upsd"]` under
/// the multi-call binary, empty for the `upsd` binary).
pub fn main(all: &[String], prefix: &[&str]) -> ExitCode {
    let (argv0, args) = match all.split_first() {
        Some((first, rest)) => (first.clone(), rest.to_vec()),
        None => ("upsd".to_owned(), Vec::new()),
    };
    let banner = daemon::banner();
    match parse(&argv0, &args) {
        Parsed::Help => {
            print!("{banner}\n{}", daemon::HELP);
            ExitCode::SUCCESS
        }
        Parsed::Version => {
            println!("{banner}");
            ExitCode::SUCCESS
        }
        Parsed::Deprecated => {
            println!("{banner}");
            eprintln!("{}", daemon::DEPRECATED_LISTEN_OPTIONS);
            ExitCode::FAILURE
        }
        Parsed::Run(options) => {
            let reexec = Reexec {
                program: std::env::current_exe().unwrap_or_else(|_| argv0.clone().into()),
                prefix: prefix.iter().map(std::ffi::OsString::from).collect(),
                args_env: None,
            };
            let env = |name: &str| std::env::var(name).ok();
            ExitCode::from(daemon::main(&options, &reexec, &args, &env))
        }
    }
}
