//! `nut demo`'s command line: the stack's options (this module's
//! [`super::run`]) and the outage's, which the `nut` binary's demo plays
//! with upsmon (`nut-cli`; this crate does not depend on upsmon).

use std::path::PathBuf;

use crate::error::Error;

/// The speed `--fast` stands for.
pub const FAST_SPEED: u32 = 10;

/// The largest `--speed`: beyond it every pause of the outage is already
/// the shortest one (a second).
pub const MAX_SPEED: u32 = 100;

/// What `nut demo -h` prints.
pub const USAGE: &str = "usage: nut demo [--fast | --speed N] [--keep-serving] [--no-outage]
                [--port N] [--foreground] [-D] [--device FILE]

Plays a power outage with no configuration and no hardware: a simulated UPS
(dummy-ups), upsd and upsmon run in this one process on 127.0.0.1. The UPS
goes on battery, its battery runs low, and upsmon decides to shut down (it
sets FSD, notifies SHUTDOWN and hands over its SHUTDOWNCMD, which the demo
prints and never runs). Every change of the UPS status and every upsmon
notification is printed with its time. Takes about 30 s; Ctrl-C stops.

      --fast         play the outage at 10 times the speed (a few seconds)
      --speed N      play it N times faster (1 to 100; default 1)
      --keep-serving after the shutdown decision, keep serving until Ctrl-C
      --no-outage    no upsmon: serve a UPS cycling OL -> OB -> OB LB -> OL
                     until Ctrl-C and print how to query it
  -p, --port N       listen on port N (default: 3493 if free, else any free
                     port; 0: any free port)
  -F, --foreground   print every log line of upsd, the driver and upsmon
                     (default: warnings and errors only)
  -D                 raise the debug level (repeat for more; implies -F)
      --device FILE  simulate FILE (a .dev or .seq file in dummy-ups's
                     format, e.g. an upsc dump) instead of the built-in UPS
  -h, --help         show this help
";

/// The settings of one `nut demo` run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DemoOptions {
    /// `--port`; `None`: 3493 if free, else any free port.
    pub port: Option<u16>,
    /// `--foreground`: print every log line.
    pub foreground: bool,
    /// `-D` count.
    pub debug: u8,
    /// `--device`: the definition file to simulate instead of the built-in one.
    pub device: Option<PathBuf>,
    /// `--no-outage`: serve the cycling UPS without upsmon ([`super::run`]).
    pub no_outage: bool,
    /// `--speed N` (`--fast`: [`FAST_SPEED`]); `None`: real time.
    pub speed: Option<u32>,
    /// `--keep-serving`: keep serving after the outage's shutdown decision.
    pub keep_serving: bool,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Parsed {
    /// Run the demo.
    Run(DemoOptions),
    /// Print [`USAGE`].
    Help,
}

/// Parses the words after `demo`.
///
/// # Errors
///
/// [`Error::Usage`] for an unknown option, a missing or bad value, or an
/// operand.
pub fn parse_args(args: &[String]) -> Result<Parsed, Error> {
    let mut options = DemoOptions::default();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let (name, inline) = match word.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (word.as_str(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| words.next().cloned())
                .ok_or_else(|| Error::Usage(format!("option {name} needs {what}")))
        };
        match name {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-p" | "--port" => {
                let text = value("a port number")?;
                let port = text.parse::<u16>().map_err(|_| {
                    Error::Usage(format!("{name} {text}: not a port number (0 to 65535)"))
                })?;
                options.port = Some(port);
            }
            "-F" | "--foreground" => options.foreground = true,
            "--device" => options.device = Some(PathBuf::from(value("a file")?)),
            "--no-outage" => options.no_outage = true,
            "--keep-serving" => options.keep_serving = true,
            "--fast" => options.speed = Some(FAST_SPEED),
            "--speed" => {
                let text = value("a speed")?;
                let speed = text
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_SPEED).contains(n))
                    .ok_or_else(|| {
                        Error::Usage(format!("{name} {text}: not a speed (1 to {MAX_SPEED})"))
                    })?;
                options.speed = Some(speed);
            }
            debug if debug_count(debug).is_some() => {
                let count = debug_count(debug).unwrap_or_default();
                options.debug = options.debug.saturating_add(count);
            }
            other if other.starts_with('-') => {
                return Err(Error::Usage(format!("unknown option {other}")));
            }
            other => return Err(Error::Usage(format!("unexpected argument {other}"))),
        }
    }
    Ok(Parsed::Run(options))
}

/// How many `D`s a `-D`, `-DD`… word has.
fn debug_count(word: &str) -> Option<u8> {
    let letters = word.strip_prefix('-')?;
    (!letters.is_empty() && letters.bytes().all(|b| b == b'D'))
        .then(|| u8::try_from(letters.len()).unwrap_or(u8::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Parsed, Error> {
        let args: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        parse_args(&args)
    }

    fn run(words: &[&str]) -> DemoOptions {
        match parse(words) {
            Ok(Parsed::Run(options)) => options,
            other => panic!("{words:?}: {other:?}"),
        }
    }

    #[test]
    fn no_arguments_mean_the_defaults() {
        assert_eq!(run(&[]), DemoOptions::default());
    }

    #[test]
    fn every_option_in_both_spellings() {
        let options = run(&[
            "--port",
            "14450",
            "--foreground",
            "-DD",
            "-D",
            "--device",
            "x.dev",
        ]);
        assert_eq!(options.port, Some(14450));
        assert!(options.foreground);
        assert_eq!(options.debug, 3);
        assert_eq!(options.device, Some(PathBuf::from("x.dev")));
        assert!(!options.no_outage && !options.keep_serving);
        assert_eq!(options.speed, None);
        let options = run(&["-p", "0", "-F", "--port=65535", "--device=y.seq"]);
        assert_eq!(options.port, Some(65535));
        assert_eq!(options.device, Some(PathBuf::from("y.seq")));
        let options = run(&["--no-outage", "--keep-serving", "--fast"]);
        assert!(options.no_outage && options.keep_serving);
        assert_eq!(options.speed, Some(FAST_SPEED));
        assert_eq!(run(&["--fast", "--speed", "1"]).speed, Some(1));
        assert_eq!(run(&["--speed=100"]).speed, Some(MAX_SPEED));
        assert_eq!(parse(&["-F", "--help"]).ok(), Some(Parsed::Help));
        assert_eq!(parse(&["-h"]).ok(), Some(Parsed::Help));
    }

    #[test]
    fn bad_words_are_usage_errors() {
        for (words, message) in [
            (&["--port"][..], "option --port needs a port number"),
            (
                &["--port", "65536"][..],
                "--port 65536: not a port number (0 to 65535)",
            ),
            (&["-p", "x"][..], "-p x: not a port number (0 to 65535)"),
            (&["--device"][..], "option --device needs a file"),
            (&["--speed"][..], "option --speed needs a speed"),
            (&["--speed", "0"][..], "--speed 0: not a speed (1 to 100)"),
            (&["--speed=101"][..], "--speed 101: not a speed (1 to 100)"),
            (&["--speed", "x"][..], "--speed x: not a speed (1 to 100)"),
            (&["--bogus"][..], "unknown option --bogus"),
            (&["-Dx"][..], "unknown option -Dx"),
            (&["extra"][..], "unexpected argument extra"),
        ] {
            match parse(words) {
                Err(Error::Usage(text)) => assert_eq!(text, message, "{words:?}"),
                other => panic!("{words:?}: {other:?}"),
            }
        }
    }
}
