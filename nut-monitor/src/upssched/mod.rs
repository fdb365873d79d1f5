//! upssched: `upssched.conf` and the timer table of its daemon.
//!
//! upsmon runs upssched as its NOTIFYCMD; upssched reads its config and
//! runs every `AT` rule that matches the event (type compared without
//! regard to case, UPS exactly or `*`), in file order. [`Config::actions`]
//! finds them; [`Timers`] is the daemon's state, sans-IO.
//!
//! ```
//! use nut_monitor::upssched::{self, Action};
//!
//! let text = b"CMDSCRIPT /usr/bin/upssched-cmd\nPIPEFN /run/nut/upssched.pipe\nLOCKFN /run/nut/upssched.lock\n\
//!              AT ONBATT * START-TIMER onbatt 30\nAT ONLINE * CANCEL-TIMER onbatt online\n";
//! let parsed = upssched::parse(text, "upssched.conf")?;
//! let actions: Vec<_> = parsed.config.actions("onbatt", "ups@host").collect();
//! assert!(matches!(actions[0], Action::StartTimer { name, .. } if name == "onbatt"));
//! # Ok::<(), nut_monitor::Error>(())
//! ```

mod timers;

use std::time::Duration;

use nut_proto::tokenizer::split_text;

pub use timers::{Command, EventContext, MAX_SHARED_EVENTS, MAX_TIMERS, Timer, Timers};

use crate::Error;
use crate::config::{Diagnostic, Severity};

/// Largest `upssched.conf` accepted.
pub const MAX_CONFIG_LEN: usize = 1 << 20;

/// Longest timer accepted (a year); NUT takes any `int`.
pub const MAX_TIMER: Duration = Duration::from_secs(366 * 24 * 3600);

/// Which UPS an `AT` rule is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsMatch {
    /// `*`: every UPS.
    Any,
    /// Exactly this name (as upsmon passes it in `UPSNAME`).
    Name(String),
}

/// What an `AT` rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// `START-TIMER <name> <seconds>`: an independent timer every time.
    StartTimer {
        /// Timer name, passed to CMDSCRIPT when it fires.
        name: String,
        /// How long.
        after: Duration,
    },
    /// `START-TIMER-SHARED <name> <seconds>`: one timer per name; a later
    /// event merges its UPS, type and message into the running one.
    StartTimerShared {
        /// Timer name.
        name: String,
        /// How long.
        after: Duration,
    },
    /// `CANCEL-TIMER <name> [<cmd>]`: cancel every timer of that name; run
    /// `<cmd>` if none was running.
    CancelTimer {
        /// Timer name.
        name: String,
        /// Fallback command.
        otherwise: Option<String>,
    },
    /// `CANCEL-TIMER-MATCHED <name> [<cmd>]`: cancel only the timers of that
    /// name started for this event's UPS; run `<cmd>` if none was. (NUT
    /// documents it but its parser rejects it, §23.5; here it works.)
    CancelTimerMatched {
        /// Timer name.
        name: String,
        /// Fallback command.
        otherwise: Option<String>,
    },
    /// `EXECUTE <cmd>`: run CMDSCRIPT `<cmd>` now.
    Execute {
        /// The argument for CMDSCRIPT.
        command: String,
    },
}

/// One `AT <type> <ups> <action…>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRule {
    /// 1-based line.
    pub line: u32,
    /// Notification type as written (matched without regard to case).
    pub notify_type: String,
    /// The UPS.
    pub ups: UpsMatch,
    /// What to do.
    pub action: Action,
}

impl AtRule {
    /// Whether this rule applies to an event.
    pub fn matches(&self, notify_type: &str, ups: &str) -> bool {
        self.notify_type.eq_ignore_ascii_case(notify_type)
            && match &self.ups {
                UpsMatch::Any => true,
                UpsMatch::Name(n) => n == ups,
            }
    }
}

/// Everything `upssched.conf` sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// `CMDSCRIPT`: program and fixed arguments; the timer or command name
    /// is appended.
    pub cmd_script: Option<Vec<String>>,
    /// `PIPEFN`: the daemon's socket.
    pub pipe_fn: Option<String>,
    /// `LOCKFN`: the start-up lock.
    pub lock_fn: Option<String>,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// The `AT` rules, in file order.
    pub rules: Vec<AtRule>,
}

impl Config {
    /// The actions of every rule matching the event, in file order.
    pub fn actions<'a>(
        &'a self,
        notify_type: &'a str,
        ups: &'a str,
    ) -> impl Iterator<Item = &'a Action> + 'a {
        self.rules
            .iter()
            .filter(move |r| r.matches(notify_type, ups))
            .map(|r| &r.action)
    }
}

/// A parsed file and its complaints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The settings.
    pub config: Config,
    /// Complaints, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses `upssched.conf`. `file` names the file in messages.
///
/// # Errors
///
/// [`Error::MissingBeforeAt`] when an `AT` comes before CMDSCRIPT, PIPEFN or
/// LOCKFN (NUT exits), [`Error::TooLarge`] past [`MAX_CONFIG_LEN`].
pub fn parse(text: &[u8], file: &str) -> Result<Parsed, Error> {
    if text.len() > MAX_CONFIG_LEN {
        return Err(Error::TooLarge {
            file: file.to_owned(),
            len: text.len(),
            limit: MAX_CONFIG_LEN,
        });
    }
    let mut config = Config::default();
    let mut diagnostics = Vec::new();
    let mut warn = |line: u32, message: String| {
        diagnostics.push(Diagnostic {
            line,
            severity: Severity::Warning,
            message,
        });
    };
    for item in split_text(text) {
        let line = match item {
            Ok(line) => line,
            Err(e) => {
                warn(
                    e.line,
                    format!("Parse error: {file}:{}: {}", e.line, e.kind),
                );
                continue;
            }
        };
        let n = line.number;
        let words: Vec<&str> = line.words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["CMDSCRIPT", script @ ..] if !script.is_empty() => {
                config.cmd_script = Some(script.iter().map(|s| (*s).to_owned()).collect());
            }
            ["PIPEFN", path, ..] => config.pipe_fn = Some((*path).to_owned()),
            ["LOCKFN", path, ..] => config.lock_fn = Some((*path).to_owned()),
            [k, v, ..] if k.eq_ignore_ascii_case("DEBUG_MIN") => match v.parse::<u32>() {
                Ok(level) => config.debug_min = Some(level),
                Err(_) => warn(n, format!("{file} line {n}: invalid DEBUG_MIN value [{v}]")),
            },
            ["AT", ntype, ups, command, args @ ..] if !args.is_empty() => {
                for (set, directive) in [
                    (config.cmd_script.is_some(), "CMDSCRIPT"),
                    (config.pipe_fn.is_some(), "PIPEFN"),
                    (config.lock_fn.is_some(), "LOCKFN"),
                ] {
                    if !set {
                        return Err(Error::MissingBeforeAt {
                            file: file.to_owned(),
                            line: n,
                            directive,
                        });
                    }
                }
                match parse_action(command, args) {
                    Ok(action) => config.rules.push(AtRule {
                        line: n,
                        notify_type: (*ntype).to_owned(),
                        ups: if *ups == "*" {
                            UpsMatch::Any
                        } else {
                            UpsMatch::Name((*ups).to_owned())
                        },
                        action,
                    }),
                    Err(why) => warn(n, format!("{file} line {n}: {why}: {}", words.join(" "))),
                }
            }
            _ => warn(
                n,
                format!("{file} line {n}: invalid directive {}", words.join(" ")),
            ),
        }
    }
    Ok(Parsed {
        config,
        diagnostics,
    })
}

fn parse_action(command: &str, args: &[&str]) -> Result<Action, &'static str> {
    let timer = |args: &[&str]| -> Result<(String, Duration), &'static str> {
        let [name, secs, rest @ ..] = args else {
            return Err("missing timer length");
        };
        if !rest.is_empty() {
            return Err("extra arguments");
        }
        let secs: u64 = secs
            .parse()
            .map_err(|_| "timer length is not a number of seconds")?;
        let after = Duration::from_secs(secs);
        if after > MAX_TIMER {
            return Err("timer longer than a year");
        }
        Ok(((*name).to_owned(), after))
    };
    let cancel = |args: &[&str]| -> Result<(String, Option<String>), &'static str> {
        match args {
            [name] => Ok(((*name).to_owned(), None)),
            [name, cmd] => Ok(((*name).to_owned(), Some((*cmd).to_owned()))),
            _ => Err("extra arguments"),
        }
    };
    Ok(match command {
        "START-TIMER" => {
            let (name, after) = timer(args)?;
            Action::StartTimer { name, after }
        }
        "START-TIMER-SHARED" => {
            let (name, after) = timer(args)?;
            Action::StartTimerShared { name, after }
        }
        "CANCEL-TIMER" => {
            let (name, otherwise) = cancel(args)?;
            Action::CancelTimer { name, otherwise }
        }
        "CANCEL-TIMER-MATCHED" => {
            let (name, otherwise) = cancel(args)?;
            Action::CancelTimerMatched { name, otherwise }
        }
        "EXECUTE" => match args {
            [command] => Action::Execute {
                command: (*command).to_owned(),
            },
            _ => return Err("extra arguments"),
        },
        _ => return Err("Invalid command"),
    })
}

#[cfg(test)]
mod tests;
