//! `upsmon --simulate`: the replayer on the command line.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::Error;
use crate::config::Config;
use crate::replay::{Scenario, replay};

/// Replays the scenario in `scenario_file` against `config` and returns
/// the report: the timeline (polls and debug lines when `verbose`), then
/// the shutdown decision.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read, [`Error::Scenario`] /
/// [`Error::TooLarge`] when it is malformed, [`Error::InsufficientPower`]
/// as at upsmon's start.
pub fn simulate(config: Config, scenario_file: &Path, verbose: bool) -> Result<String, Error> {
    let text = std::fs::read(scenario_file)
        .map_err(|e| Error::io(format!("can't open {}", scenario_file.display()), &e))?;
    let scenario = Scenario::parse(&text)?;
    let timeline = replay(config, &scenario, Instant::now())?;
    let mut report = timeline.render(verbose);
    let ms = |d: Duration| d.as_millis();
    match timeline.shutdown_decision() {
        Some(at) => {
            let _ = writeln!(report, "shutdown decided at {} ms", ms(at));
            match timeline.shutdown_command() {
                Some(ran) => {
                    let _ = writeln!(report, "SHUTDOWNCMD at {} ms", ms(ran));
                }
                None => report.push_str("SHUTDOWNCMD not reached before the end\n"),
            }
        }
        None => report.push_str("no shutdown\n"),
    }
    Ok(report)
}
