//! `nut demo`: by default a whole power outage with no configuration and
//! no hardware. A simulated UPS (dummy-ups, playing the embedded
//! [`scenario::OUTAGE_SEQUENCE`]), upsd and upsmon run in this one process
//! on 127.0.0.1; the UPS goes on battery, its battery runs low, and upsmon
//! decides to shut down. The demo prints each change of the UPS's status
//! (with charge and runtime) and each upsmon notification with its time
//! ([`run`]), then stops, having run no shutdown: upsmon is embedded
//! ([`nut_monitor::runtime::upsmon::run_embedded`]) and hands its
//! SHUTDOWNCMD to the demo, which prints it.
//!
//! The stack (directory, upsd, hosted driver, signals) is
//! [`nut_server::stack::demo`]'s, which also owns the command line;
//! `--no-outage` runs that demo as it is (serve a cycling UPS until
//! Ctrl-C). The composition lives here because `nut-server` must not
//! depend on `nut-monitor`.

mod play;
mod scenario;

use std::process::ExitCode;

use nut_server::stack::demo::{self as stack, DemoOptions, Parsed};

pub use play::{Outcome, run};
pub use scenario::{
    FINAL_DELAY, OUTAGE_FILE_NAME, OUTAGE_SEQUENCE, SHUTDOWN_COMMAND, UPSMON_CONF_NAME, scaled,
    upsmon_conf,
};

/// Exit status for a bad command line.
const USAGE_EXIT: u8 = 2;

/// Runs `nut demo` with the words after `demo`; `program` is the `nut`
/// binary's path (for the instructions). Exit status: 0 after the
/// shutdown decision or a signal, 1 when the demo cannot run or upsmon
/// stops without deciding, 2 for a bad command line.
pub fn main(program: &str, args: &[String]) -> ExitCode {
    let options = match stack::parse_args(args) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            print!("{}", stack::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(_) => return ExitCode::from(USAGE_EXIT),
        Err(error) => {
            eprint!("nut demo: {error}\n{}", stack::USAGE);
            return ExitCode::from(USAGE_EXIT);
        }
    };
    if options.no_outage {
        return ExitCode::from(stack::main(program, args));
    }
    outage(&options)
}

/// Plays the outage and reports how it ended.
fn outage(options: &DemoOptions) -> ExitCode {
    match run(options) {
        Ok(Outcome::Decided { .. } | Outcome::Signal(_)) => ExitCode::SUCCESS,
        Ok(Outcome::UpsmonStopped(message)) => {
            eprintln!("nut demo: {message}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("nut demo: {error}");
            ExitCode::FAILURE
        }
    }
}
