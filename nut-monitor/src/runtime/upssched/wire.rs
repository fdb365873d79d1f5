//! The line protocol between upssched and its timer daemon on PIPEFN
//! (NUT's command names; words quoted with the parseconf rules):
//!
//! ```text
//! START <name> <secs> <NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>
//! START-SHARED <name> <secs> <NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>
//! CANCEL <name> <cmd> <NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>      (cmd "" = none)
//! CANCEL-MATCHED <name> <cmd> <NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>
//! LIST-TIMERS
//! ```
//!
//! Replies: `OK`, `ERR UNKNOWN`, or for LIST-TIMERS `BEGIN LIST TIMERS`,
//! one TAB-separated line per timer (name, absolute expiry in Unix
//! seconds, seconds left, types, UPS names, messages) and
//! `END LIST TIMERS`.

use std::time::Duration;

use nut_proto::tokenizer::{quote, split_line};

use crate::upssched::{Action, EventContext, MAX_TIMER};

/// Longest request line the daemon reads.
pub(crate) const MAX_LINE: usize = 8192;

/// A request to the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    /// A timer action for an event.
    Action(Action, EventContext),
    /// `LIST-TIMERS`.
    List,
}

/// The line for `action` (`None` for EXECUTE, which never reaches the daemon).
pub(crate) fn encode(action: &Action, event: &EventContext) -> Option<String> {
    let (verb, name, second) = match action {
        Action::StartTimer { name, after } => ("START", name, after.as_secs().to_string()),
        Action::StartTimerShared { name, after } => {
            ("START-SHARED", name, after.as_secs().to_string())
        }
        Action::CancelTimer { name, otherwise } => {
            ("CANCEL", name, otherwise.clone().unwrap_or_default())
        }
        Action::CancelTimerMatched { name, otherwise } => (
            "CANCEL-MATCHED",
            name,
            otherwise.clone().unwrap_or_default(),
        ),
        _ => return None,
    };
    Some(format!(
        "{verb} {} {} {} {} {}\n",
        quote(name),
        quote(&second),
        quote(&event.notify_type),
        quote(&event.ups),
        quote(&event.message)
    ))
}

/// Reads one request line; `None` for anything malformed.
pub(crate) fn decode(line: &str) -> Option<Request> {
    let words = split_line(line).ok()?;
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    if words.as_slice() == ["LIST-TIMERS"] {
        return Some(Request::List);
    }
    let [verb, name, second, notify_type, ups, message] = words.as_slice() else {
        return None;
    };
    let event = EventContext {
        notify_type: (*notify_type).to_owned(),
        ups: (*ups).to_owned(),
        message: (*message).to_owned(),
    };
    let name = (*name).to_owned();
    let after = || {
        second
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
            .filter(|d| *d <= MAX_TIMER)
    };
    let otherwise = (!second.is_empty()).then(|| (*second).to_owned());
    let action = match *verb {
        "START" => Action::StartTimer {
            name,
            after: after()?,
        },
        "START-SHARED" => Action::StartTimerShared {
            name,
            after: after()?,
        },
        "CANCEL" => Action::CancelTimer { name, otherwise },
        "CANCEL-MATCHED" => Action::CancelTimerMatched { name, otherwise },
        _ => return None,
    };
    Some(Request::Action(action, event))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EventContext {
        EventContext {
            notify_type: "ONBATT".into(),
            ups: "ups@host".into(),
            message: "UPS \"ups@host\" on battery\\".into(),
        }
    }

    #[test]
    fn actions_round_trip() {
        let actions = [
            Action::StartTimer {
                name: "early shutdown".into(),
                after: Duration::from_secs(30),
            },
            Action::StartTimerShared {
                name: "s".into(),
                after: Duration::ZERO,
            },
            Action::CancelTimer {
                name: "t".into(),
                otherwise: None,
            },
            Action::CancelTimerMatched {
                name: "t".into(),
                otherwise: Some("fallback cmd".into()),
            },
        ];
        for action in actions {
            let line = encode(&action, &event()).unwrap();
            assert_eq!(
                decode(line.trim_end()),
                Some(Request::Action(action, event()))
            );
        }
        assert_eq!(decode("LIST-TIMERS"), Some(Request::List));
    }

    #[test]
    fn malformed_lines_are_refused() {
        assert_eq!(decode("START t"), None);
        assert_eq!(decode("START t abc ONBATT u m"), None);
        assert_eq!(decode("BOGUS t 1 ONBATT u m"), None);
        let too_long = (MAX_TIMER.as_secs() + 1).to_string();
        assert_eq!(decode(&format!("START t {too_long} ONBATT u m")), None);
        let longest = MAX_TIMER.as_secs().to_string();
        assert!(decode(&format!("START t {longest} ONBATT u m")).is_some());
        assert!(
            encode(
                &Action::Execute {
                    command: "x".into()
                },
                &event()
            )
            .is_none()
        );
    }
}
