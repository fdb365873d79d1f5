//! upsdrvctl's messages as NUT prints them: plain lines on standard error,
//! or, once a debug level is set (`-D`, `-t`, `NUT_DEBUG_LEVEL`), every line
//! prefixed with the seconds since the first printed line (`   0.000070\t`)
//! and debug lines with `[D<n>] `.
//!
//! The formatter is sans-IO: [`Log::format`] takes the time and returns the
//! text to print, or `None` when the line is above the debug level.

use std::time::Instant;

/// How a line is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Level {
    /// `upslogx`/`fatalx`: always printed.
    Always,
    /// `upsdebugx(n, ...)`: printed at debug level `n` or above.
    Debug(u32),
}

/// One message, as the planning code produces them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// How it is logged.
    pub level: Level,
    /// The text, in NUT's words.
    pub text: String,
}

impl Message {
    /// A message printed at every level.
    pub fn always(text: impl Into<String>) -> Self {
        Self {
            level: Level::Always,
            text: text.into(),
        }
    }

    /// A debug message shown from level `n` up.
    pub fn debug(n: u32, text: impl Into<String>) -> Self {
        Self {
            level: Level::Debug(n),
            text: text.into(),
        }
    }
}

/// The formatting state: the debug level, and when the first line was
/// printed (NUT's clock starts at the first line it prints).
#[derive(Debug, Clone, Default)]
pub struct Log {
    level: u32,
    start: Option<Instant>,
}

impl Log {
    /// A formatter at debug `level` (0: no debug lines, no timestamps).
    pub fn new(level: u32) -> Self {
        Self { level, start: None }
    }

    /// The debug level.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// Raises the debug level to at least `level` (`-t` makes it 2).
    pub fn raise_to(&mut self, level: u32) {
        self.level = self.level.max(level);
    }

    /// Whether a line at `level` would be printed.
    pub fn shows(&self, level: Level) -> bool {
        match level {
            Level::Always => true,
            Level::Debug(n) => n <= self.level,
        }
    }

    /// The text to print for `message` at `now` (with its line feed), or
    /// `None` when the debug level hides it.
    #[must_use]
    pub fn format(&mut self, now: Instant, message: &Message) -> Option<String> {
        if !self.shows(message.level) {
            return None;
        }
        let mut line = String::new();
        if self.level > 0 {
            let start = *self.start.get_or_insert(now);
            let elapsed = now.saturating_duration_since(start);
            line.push_str(&format!(
                "{:4}.{:06}\t",
                elapsed.as_secs(),
                elapsed.subsec_micros()
            ));
        }
        if let Level::Debug(n) = message.level {
            line.push_str(&format!("[D{n}] "));
        }
        line.push_str(&message.text);
        line.push('\n');
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn plain_lines_without_debug() {
        let mut log = Log::new(0);
        let now = Instant::now();
        assert_eq!(
            log.format(now, &Message::always("UPS x not found in ups.conf")),
            Some("UPS x not found in ups.conf\n".to_owned())
        );
        assert_eq!(log.format(now, &Message::debug(1, "hidden")), None);
    }

    #[test]
    fn timestamps_count_from_the_first_printed_line() {
        let mut log = Log::new(1);
        let t0 = Instant::now();
        // Hidden lines do not start the clock.
        assert_eq!(log.format(t0, &Message::debug(2, "hidden")), None);
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(
            log.format(t1, &Message::debug(1, "Starting UPS: a")),
            Some("   0.000000\t[D1] Starting UPS: a\n".to_owned())
        );
        let t2 = t1 + Duration::from_micros(12_000_070);
        assert_eq!(
            log.format(
                t2,
                &Message::always("Driver failed to start (exit status=3)")
            ),
            Some("  12.000070\tDriver failed to start (exit status=3)\n".to_owned())
        );
    }

    #[test]
    fn debug_level_boundaries() {
        let mut log = Log::new(2);
        let now = Instant::now();
        assert!(log.format(now, &Message::debug(2, "x")).is_some());
        assert!(log.format(now, &Message::debug(3, "x")).is_none());
        log.raise_to(1);
        assert_eq!(log.level(), 2);
        log.raise_to(3);
        assert!(log.format(now, &Message::debug(3, "x")).is_some());
    }
}
