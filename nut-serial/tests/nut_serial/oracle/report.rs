//! One case's comparison table, its status sequences and its failures.

use std::fmt::Write as _;

/// Numbers agree within this (printed resolution).
const TOLERANCE: f64 = 0.051;

pub(super) fn numeric_equal(a: &str, b: &str) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= TOLERANCE,
        _ => a == b,
    }
}

/// One compared variable.
pub(super) struct Row {
    pub(super) var: String,
    pub(super) real: String,
    pub(super) state: Option<String>,
    pub(super) ours: Option<String>,
    /// Why a difference is expected (NUT's reason), if it is.
    pub(super) explained: Option<&'static str>,
}

/// The result of one driver/protocol case.
#[derive(Default)]
pub(super) struct Report {
    pub(super) title: String,
    pub(super) rows: Vec<Row>,
    pub(super) real_seq: Vec<String>,
    pub(super) ours_seq: Vec<String>,
    pub(super) state_seq: Vec<String>,
    pub(super) failures: Vec<String>,
}

impl Report {
    pub(super) fn compare(
        &mut self,
        var: &str,
        real: Option<&String>,
        state: Option<String>,
        ours: Option<String>,
        explained: Option<&'static str>,
    ) {
        let Some(real) = real else {
            self.failures
                .push(format!("{var}: not published by the real driver"));
            return;
        };
        if let Some(s) = &state
            && !numeric_equal(real, s)
        {
            self.failures.push(format!(
                "{var}: real {real:?}, simulator state implies {s:?}"
            ));
        }
        // An explained difference is one of text only: the number agrees.
        if let Some(o) = &ours {
            let agree = match explained {
                None => real == o,
                Some(_) => numeric_equal(real, o),
            };
            if !agree {
                self.failures
                    .push(format!("{var}: real {real:?}, our codec {o:?}"));
            }
        }
        self.rows.push(Row {
            var: var.to_owned(),
            real: real.clone(),
            state,
            ours,
            explained,
        });
    }

    pub(super) fn render(&self) -> String {
        let mut out = format!("== {}\n", self.title);
        let _ = writeln!(
            out,
            "   {:<28} {:<30} {:<16} {:<30}",
            "variable", "real driver", "sim state", "our codec"
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "   {:<28} {:<30} {:<16} {:<30}{}",
                r.var,
                r.real,
                r.state.as_deref().unwrap_or("-"),
                r.ours.as_deref().unwrap_or("-"),
                r.explained.map(|e| format!(" [{e}]")).unwrap_or_default()
            );
        }
        let with_state = self.rows.iter().filter(|r| r.state.is_some()).count();
        let with_ours = self.rows.iter().filter(|r| r.ours.is_some()).count();
        let explained = self.rows.iter().filter(|r| r.explained.is_some()).count();
        let _ = writeln!(
            out,
            "   status sequence: real {:?} | sim state {:?} | our engine {:?}",
            self.real_seq, self.state_seq, self.ours_seq
        );
        let _ = writeln!(
            out,
            "   compared {} variables ({with_state} against the sim state, {with_ours} against our codec, {explained} differences explained), {} failures",
            self.rows.len(),
            self.failures.len()
        );
        for f in &self.failures {
            let _ = writeln!(out, "   FAIL {f}");
        }
        out
    }
}

pub(super) fn main_status_sequence() -> Vec<String> {
    vec!["OL".into(), "OB".into(), "OB LB".into()]
}

/// Deduplicated consecutive values.
pub(super) fn dedup(seq: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in seq {
        if out.last() != Some(&s) {
            out.push(s);
        }
    }
    out
}
