//! Runs the real NUT client and ours the same way (same arguments, same clean environment)
//! and describes any difference in stdout, stderr or exit status, byte for byte.

use std::process::Command;
use std::time::Duration;

use crate::gate::REAL_UPSC;
use crate::process::{Captured, run_bounded};

/// Longest a single client invocation may take before it is killed and reported.
pub(crate) const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
/// Lines of context shown on each side of the first differing line.
const CONTEXT_LINES: usize = 3;
/// Longest excerpt line shown in a report, in characters.
const EXCERPT_LINE_CHARS: usize = 160;

/// A client program as compared: a label for reports and the path to run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Program {
    /// `real upsc` or `our upsc`.
    pub(crate) label: &'static str,
    /// The executable.
    pub(crate) path: &'static str,
    /// `argv[0]` for both sides (the name as found on `PATH`), since programs print it in
    /// their usage and option errors.
    pub(crate) arg0: &'static str,
}

/// The real upsc of NUT 2.8.0.
pub(crate) const REAL_UPSC_PROGRAM: Program = Program {
    label: "real upsc",
    path: REAL_UPSC,
    arg0: "upsc",
};

/// Our upsc, built by cargo for this test binary.
pub(crate) fn our_upsc() -> Program {
    Program {
        label: "our upsc",
        path: env!("CARGO_BIN_EXE_upsc"),
        arg0: "upsc",
    }
}

/// Runs `program` with `args`, stdin closed, in an environment holding only `PATH`, so no
/// `NUT_*` variable of the caller changes either side.
pub(crate) fn run_client(program: Program, args: &[&str]) -> Result<Captured, String> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program.path);
    cmd.arg0(program.arg0)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    run_bounded(&mut cmd, CLIENT_TIMEOUT)
        .map_err(|e| format!("could not run {} ({}): {e}", program.label, program.path))
}

/// The notice an SSL-enabled NUT client (Debian's is one) prints on stderr when it tries
/// STARTTLS; nut-cli prints it only when built with its `tls` feature.
const INIT_SSL_NOTICE: &[u8] = b"Init SSL without certificate database\n";

/// How our clients were built, for reports.
pub(crate) fn build_note() -> &'static str {
    if cfg!(feature = "tls") {
        "nut-cli built with `tls`: compared byte for byte"
    } else {
        "nut-cli built without `tls`: compared byte for byte after dropping the real \
         client's `Init SSL without certificate database` stderr line, which only \
         SSL-enabled builds print (build with --features nut-cli/tls for the full check)"
    }
}

/// What our client must print, given what the real one printed: the same bytes, except that
/// a build without `tls` behaves like a NUT build without SSL and omits [`INIT_SSL_NOTICE`].
pub(crate) fn expected_from_real(real: &Captured) -> Captured {
    let mut expected = real.clone();
    if !cfg!(feature = "tls") {
        expected.stderr = lines(&real.stderr)
            .into_iter()
            .filter(|line| *line != INIT_SSL_NOTICE)
            .flatten()
            .copied()
            .collect();
    }
    expected
}

/// `None` when both runs are byte-identical; otherwise a report of every differing part.
pub(crate) fn difference(real: &Captured, ours: &Captured) -> Option<String> {
    let mut report = Vec::new();
    if real.status != ours.status {
        report.push(format!(
            "exit status: real {} / ours {}",
            real.status_text(),
            ours.status_text()
        ));
    }
    if real.stdout != ours.stdout {
        report.push(format!(
            "stdout differs:\n{}",
            excerpt(&real.stdout, &ours.stdout)
        ));
    }
    if real.stderr != ours.stderr {
        report.push(format!(
            "stderr differs:\n{}",
            excerpt(&real.stderr, &ours.stderr)
        ));
    }
    (!report.is_empty()).then(|| report.join("\n"))
}

/// Splits into lines, each keeping its `\n` so a missing final newline shows.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// One line shown escaped (tabs, `\r`, missing newline and bad UTF-8 become visible).
fn show(line: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(line).escape_debug().collect();
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(EXCERPT_LINE_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// The lines around the first difference, from both sides.
pub(crate) fn excerpt(real: &[u8], ours: &[u8]) -> String {
    let real_lines = lines(real);
    let our_lines = lines(ours);
    let first = real_lines
        .iter()
        .zip(&our_lines)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| real_lines.len().min(our_lines.len()));
    let from = first.saturating_sub(CONTEXT_LINES);
    let mut out = format!(
        "  first difference at line {} (real has {} lines, ours {})\n",
        first + 1,
        real_lines.len(),
        our_lines.len()
    );
    for (label, side) in [("real", &real_lines), ("ours", &our_lines)] {
        let to = (first + CONTEXT_LINES + 1).min(side.len());
        for (n, line) in side.iter().enumerate().take(to).skip(from) {
            let mark = if n == first { '>' } else { ' ' };
            out.push_str(&format!("  {mark}{label} {:>4} | {}\n", n + 1, show(line)));
        }
        if first >= side.len() {
            out.push_str(&format!("  >{label}      | (end of output)\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(code: i32, stdout: &str, stderr: &str) -> Captured {
        use std::os::unix::process::ExitStatusExt;
        Captured {
            status: Some(std::process::ExitStatus::from_raw(code << 8)),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    #[test]
    fn identical_runs_have_no_difference() {
        let a = captured(0, "a: 1\nb: 2\n", "Init SSL without certificate database\n");
        assert_eq!(difference(&a, &a.clone()), None);
    }

    #[test]
    fn each_part_is_compared_byte_for_byte() {
        let real = captured(0, "a: 1\nb: 2\n", "x\n");
        let report = difference(&real, &captured(1, "a: 1\nb: 2\n", "x\n")).expect("differs");
        assert!(
            report.contains("exit status: real exit 0 / ours exit 1"),
            "{report}"
        );
        let report = difference(&real, &captured(0, "a: 1\nb: 2", "x\n")).expect("differs");
        assert!(report.contains("stdout differs"), "{report}");
        assert!(report.contains("line 2"), "{report}");
        let report = difference(&real, &captured(0, "a: 1\nb: 2\n", "y\n")).expect("differs");
        assert!(report.starts_with("stderr differs"), "{report}");
    }

    #[test]
    fn expected_output_drops_the_ssl_notice_only_without_tls() {
        let real = captured(
            1,
            "",
            "Init SSL without certificate database\nError: Unknown UPS\n",
        );
        let expected = expected_from_real(&real);
        assert_eq!(expected.status, real.status);
        if cfg!(feature = "tls") {
            assert_eq!(expected, real);
        } else {
            assert_eq!(expected.stderr, b"Error: Unknown UPS\n");
        }
    }

    #[test]
    fn excerpt_marks_the_first_differing_line_and_a_shorter_side() {
        let text = excerpt(b"1\n2\n3\n4\n5\n6\n7\n", b"1\n2\n3\n4\n5\n");
        assert!(text.contains("first difference at line 6"), "{text}");
        assert!(text.contains(">real    6 | 6\\n"), "{text}");
        assert!(text.contains(">ours      | (end of output)"), "{text}");
        assert!(!text.contains("real    1 |"), "context is bounded: {text}");
    }
}
