//! What the outage demo writes into its directory: the device sequence,
//! paced by `--speed`, and the `upsmon.conf` of the embedded upsmon.

use std::time::Duration;

use nut_server::stack::demo::{MONITOR_PASSWORD, MONITOR_USER, UPS_NAME};

/// The outage, in dummy-ups's `.seq` format: on line, on battery, battery
/// low (then an hour of it before mains return, for `--keep-serving`).
pub const OUTAGE_SEQUENCE: &str = include_str!("outage.seq");

/// Its file name in the demo directory.
pub const OUTAGE_FILE_NAME: &str = "outage.seq";

/// The embedded upsmon's configuration file name in the demo directory.
pub const UPSMON_CONF_NAME: &str = "upsmon.conf";

/// FINALDELAY at speed 1 (NUT's default): from the SHUTDOWN notification
/// to SHUTDOWNCMD.
pub const FINAL_DELAY: Duration = Duration::from_secs(5);

/// The demo's SHUTDOWNCMD. upsmon hands it to the demo, which prints it and
/// never runs it; it is harmless anyway, in case the file is reused.
pub const SHUTDOWN_COMMAND: &str = "echo nut demo: this is where the system would power off";

/// The shortest pause once divided by the speed: dummy-ups counts whole
/// seconds.
const MIN_PAUSE_SECS: u64 = 1;

/// `seconds` divided by `speed`, rounded up, never below a second.
fn paced(seconds: u64, speed: u32) -> u64 {
    seconds
        .div_ceil(u64::from(speed.max(1)))
        .max(MIN_PAUSE_SECS)
}

/// `sequence` with every `TIMER <seconds>` line divided by `speed`
/// (rounded up, at least a second); every other line as it is.
pub fn scaled(sequence: &str, speed: u32) -> String {
    let mut out = String::with_capacity(sequence.len());
    for line in sequence.lines() {
        let seconds = line
            .strip_prefix("TIMER ")
            .and_then(|n| n.trim().parse::<u64>().ok());
        match seconds {
            Some(seconds) => out.push_str(&format!("TIMER {}", paced(seconds, speed))),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// `upsmon.conf` for the primary of the demo UPS on `port`: polls every
/// second (on line too, so that the outage shows at once), FINALDELAY
/// paced by `speed`, the harmless [`SHUTDOWN_COMMAND`].
pub fn upsmon_conf(port: u16, speed: u32) -> String {
    let final_delay = paced(FINAL_DELAY.as_secs(), speed);
    format!(
        "# nut demo: upsmon, primary of the simulated UPS (embedded in nut demo).\n\
         MONITOR {UPS_NAME}@127.0.0.1:{port} 1 {MONITOR_USER} {MONITOR_PASSWORD} primary\n\
         MINSUPPLIES 1\n\
         POLLFREQ 1\n\
         POLLFREQALERT 1\n\
         FINALDELAY {final_delay}\n\
         # Never run: upsmon hands it to nut demo, which prints it.\n\
         SHUTDOWNCMD \"{SHUTDOWN_COMMAND}\"\n"
    )
}

#[cfg(test)]
mod tests {
    use nut_server::dummy::Definition;

    use super::*;

    fn timers(sequence: &str) -> Vec<u64> {
        sequence
            .lines()
            .filter_map(|l| l.strip_prefix("TIMER "))
            .map(|n| n.parse().expect("number"))
            .collect()
    }

    #[test]
    fn the_outage_goes_on_battery_then_low_and_parses_cleanly() {
        let definition = Definition::parse(OUTAGE_FILE_NAME.as_ref(), OUTAGE_SEQUENCE.as_bytes())
            .expect("sequence parses");
        assert!(
            definition.diagnostics.is_empty(),
            "{:?}",
            definition.diagnostics
        );
        let statuses: Vec<_> = OUTAGE_SEQUENCE
            .lines()
            .filter_map(|l| l.strip_prefix("ups.status: "))
            .collect();
        assert_eq!(statuses, ["OL", "OB DISCHRG", "OB DISCHRG LB", "OL CHRG"]);
        // On line 5 s, on battery 15 s, then low for an hour.
        assert_eq!(timers(OUTAGE_SEQUENCE), [5, 5, 5, 5, 3600, 3600]);
    }

    #[test]
    fn speed_divides_every_pause_rounding_up_to_whole_seconds() {
        assert_eq!(scaled(OUTAGE_SEQUENCE, 1), OUTAGE_SEQUENCE);
        assert_eq!(
            timers(&scaled(OUTAGE_SEQUENCE, 2)),
            [3, 3, 3, 3, 1800, 1800]
        );
        assert_eq!(timers(&scaled(OUTAGE_SEQUENCE, 10)), [1, 1, 1, 1, 360, 360]);
        assert_eq!(timers(&scaled(OUTAGE_SEQUENCE, 100)), [1, 1, 1, 1, 36, 36]);
        // Only TIMER lines change; a TIMER that is not a number is kept.
        assert_eq!(
            scaled("TIMER x\nups.load: 10\nTIMER 0\n", 5),
            "TIMER x\nups.load: 10\nTIMER 1\n"
        );
        assert_eq!(paced(10, 0), 10, "speed 0 counts as 1");
    }

    #[test]
    fn upsmon_conf_is_accepted_as_it_is_with_nuts_grammar() {
        for (speed, final_delay) in [(1, 5), (2, 3), (10, 1), (100, 1)] {
            let text = upsmon_conf(14460, speed);
            let parsed = nut_monitor::config::parse(text.as_bytes(), UPSMON_CONF_NAME)
                .expect("upsmon.conf parses");
            assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
            let config = parsed.config;
            assert_eq!(config.monitors.len(), 1);
            assert_eq!(config.monitors[0].system, "demo@127.0.0.1:14460");
            assert_eq!(
                config.final_delay,
                Duration::from_secs(final_delay),
                "{speed}"
            );
            assert_eq!(config.shutdown_cmd.as_deref(), Some(SHUTDOWN_COMMAND));
            assert!(config.check_power().is_ok());
        }
    }
}
