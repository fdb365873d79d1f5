//! What real NUT 2.8.0 does, recorded in `fixtures/nut-2.8.0-genericups.tsv`
//! (every upstype × every input combination, `-k` of every type, and a set
//! of overrides), compared with our engine row by row. [`super::oracle`]
//! checks the recording against the installed driver.

use std::time::Instant;

use nut_serial::genericups::engine::BREAK_DURATION;
use nut_serial::genericups::{Engine, Event, GenericConfig, InputLine, InputLines, LineAction};

/// The recording.
pub(crate) const FIXTURE: &str = include_str!("fixtures/nut-2.8.0-genericups.tsv");

/// One recorded row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Row {
    /// `ups.status` for high input lines.
    Status {
        upstype: u8,
        options: Vec<(String, String)>,
        lines: String,
        status: String,
    },
    /// `-k`: lines set at start, then what followed.
    Shutdown {
        upstype: u8,
        options: Vec<(String, String)>,
        start: String,
        next: String,
    },
}

fn options(text: &str) -> Vec<(String, String)> {
    text.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("k=v");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Every row of the recording.
pub(crate) fn rows() -> Vec<Row> {
    FIXTURE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let upstype = f[1].parse().expect("upstype");
            match f[0] {
                "status" => Row::Status {
                    upstype,
                    options: Vec::new(),
                    lines: f[2].into(),
                    status: f[3].into(),
                },
                "override" => Row::Status {
                    upstype,
                    options: options(f[2]),
                    lines: f[3].into(),
                    status: f[4].into(),
                },
                "shutdown" => Row::Shutdown {
                    upstype,
                    options: Vec::new(),
                    start: f[2].into(),
                    next: f[3].into(),
                },
                "override-shutdown" => Row::Shutdown {
                    upstype,
                    options: options(f[2]),
                    start: f[3].into(),
                    next: f[4].into(),
                },
                other => panic!("unknown row kind {other}"),
            }
        })
        .collect()
}

/// `CTS+DCD` → lines.
pub(crate) fn parse_lines(text: &str) -> InputLines {
    let mut lines = InputLines::default();
    if text != "-" {
        for name in text.split('+') {
            lines.set(InputLine::from_name(name).expect("a line name"), true);
        }
    }
    lines
}

/// NUT's `TIOCMSET` names → DTR/RTS levels (the kernel ignores `ST`).
fn levels(text: &str) -> (bool, bool) {
    let names: Vec<&str> = text.split('+').collect();
    (names.contains(&"DTR"), names.contains(&"RTS"))
}

pub(crate) fn config(upstype: u8, options: &[(String, String)]) -> GenericConfig {
    let upstype = upstype.to_string();
    let all = std::iter::once(("upstype", upstype.as_str()))
        .chain(options.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    GenericConfig::from_options(all).expect("NUT accepted these options")
}

/// Our status for a status row.
fn our_status(upstype: u8, options: &[(String, String)], lines: &str) -> String {
    let now = Instant::now();
    let mut engine = Engine::new(config(upstype, options), now);
    while engine.poll_action().is_some() {}
    engine.handle_poll(now, parse_lines(lines));
    engine.status().expect("a status").to_string()
}

/// Our `-k` for a shutdown row, in the recording's words.
fn our_shutdown(upstype: u8, options: &[(String, String)]) -> ((bool, bool), String) {
    let now = Instant::now();
    let cfg = config(upstype, options);
    let cp = cfg.lines.cable_power;
    let start = (cp.dtr, cp.rts);
    let mut engine = match Engine::for_shutdown(cfg, now) {
        Ok(engine) => engine,
        Err(e) => return (start, format!("error {e}")),
    };
    let actions: Vec<LineAction> = std::iter::from_fn(|| engine.poll_action()).collect();
    assert_eq!(
        actions.first(),
        Some(&LineAction::SetOutputs {
            dtr: cp.dtr,
            rts: cp.rts
        })
    );
    let mut next = match actions.get(1) {
        Some(LineAction::SetOutputs { dtr, rts }) => {
            let mut names: Vec<&str> = Vec::new();
            if *dtr {
                names.push("DTR");
            }
            if *rts {
                names.push("RTS");
            }
            format!(
                "set {}",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join("+")
                }
            )
        }
        Some(LineAction::Break(true)) => format!("break {}", BREAK_DURATION.as_millis()),
        other => panic!("unexpected {other:?}"),
    };
    for event in std::iter::from_fn(|| engine.poll_event()) {
        if let Event::Log { message, .. } = event
            && let Some(rest) = message.strip_prefix("Holding shutdown signal for ")
        {
            let secs = rest.trim_end_matches(" seconds...");
            next.push_str(&format!("; hold {secs}"));
        }
    }
    (start, next)
}

/// Whether NUT's `next` and ours say the same (`ST` bits ignored in a set,
/// NUT's fatal message matched without its case and `!`).
pub(crate) fn same_next(nut: &str, ours: &str) -> bool {
    if let (Some(n), Some(o)) = (nut.strip_prefix("error "), ours.strip_prefix("error ")) {
        let n = n.trim_end_matches('!').to_ascii_lowercase();
        return o.to_ascii_lowercase().contains(&n);
    }
    let split = |s: &str| -> (String, String) {
        let (action, hold) = s.split_once("; ").unwrap_or((s, ""));
        (action.to_owned(), hold.to_owned())
    };
    let (n_action, n_hold) = split(nut);
    let (o_action, o_hold) = split(ours);
    if n_hold != o_hold {
        return false;
    }
    match (n_action.strip_prefix("set "), o_action.strip_prefix("set ")) {
        (Some(n), Some(o)) => levels(n) == levels(o),
        _ => n_action == o_action,
    }
}

/// Checks one row against our engine; the mismatch, if any.
pub(crate) fn check(row: &Row) -> Option<String> {
    match row {
        Row::Status {
            upstype,
            options,
            lines,
            status,
        } => {
            let ours = our_status(*upstype, options, lines);
            (ours != *status).then(|| {
                format!("type {upstype} {options:?} lines {lines}: NUT {status:?}, ours {ours:?}")
            })
        }
        Row::Shutdown {
            upstype,
            options,
            start,
            next,
        } => {
            let (our_start, our_next) = our_shutdown(*upstype, options);
            (our_start != levels(start) || !same_next(next, &our_next)).then(|| {
                format!(
                    "type {upstype} {options:?} -k: NUT {start} then {next:?}, ours {our_start:?} then {our_next:?}"
                )
            })
        }
    }
}

#[test]
fn recording_covers_every_type_and_input_combination() {
    let rows = rows();
    for t in 0..24u8 {
        let combos = rows
            .iter()
            .filter(|r| matches!(r, Row::Status { upstype, options, .. } if *upstype == t && options.is_empty()))
            .count();
        assert_eq!(combos, 16, "type {t}");
        assert!(rows.iter().any(|r| matches!(r, Row::Shutdown { upstype, options, .. } if *upstype == t && options.is_empty())));
    }
}

#[test]
fn our_engine_does_what_nut_did() {
    let rows = rows();
    let mismatches: Vec<String> = rows.iter().filter_map(check).collect();
    println!(
        "genericups: {} recorded NUT 2.8.0 behaviours compared, {} mismatches",
        rows.len(),
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
