//! Oracle: the real NUT 2.8.0 `genericups` against every recorded row.
//!
//! Real genericups cannot run on a pseudo-terminal (no modem-control
//! lines: `TIOCMSET: Inappropriate ioctl for device`), so it runs on one
//! with a small `LD_PRELOAD` shim of our own that answers `TIOCMGET` with
//! the input lines of the row and records `TIOCMSET` and `tcsendbreak`.
//! Each row is then what `genericups -d 1` printed as `ups.status`, or
//! what `genericups -k` did. The recording must still match, which proves
//! [`super::nut_behaviour`]'s comparison current.
//!
//! Skips loudly when the driver or a C compiler is missing, unless `CI` is
//! set.

#![cfg(feature = "pty")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serialport::SerialPort;

use super::nut_behaviour::{Row, rows};

const GENERICUPS: &str = "/lib/nut/genericups";
/// Longest a driver run may take (`sdtime=1` rows sleep a second).
const PATIENCE: Duration = Duration::from_secs(20);

/// The shim: fake modem-control lines for one process.
const SHIM_C: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

static void note(const char *what, int value) {
    const char *path = getenv("FAKE_LOG");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) { fprintf(f, "%s %d\n", what, value); fclose(f); }
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*next)(int, unsigned long, void *);
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!next) next = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
    if (request == TIOCMGET) {
        const char *v = getenv("FAKE_LINES");
        *(int *)arg = v ? atoi(v) : 0;
        return 0;
    }
    if (request == TIOCMSET) { note("TIOCMSET", *(int *)arg); return 0; }
    return next(fd, request, arg);
}

int tcsendbreak(int fd, int duration) { (void)fd; note("BREAK", duration); return 0; }
"#;

/// `TIOCM_*` bits of Linux.
const TIOCM_DTR: i32 = 0x002;
const TIOCM_RTS: i32 = 0x004;
const TIOCM_ST: i32 = 0x008;
const TIOCM_CTS: i32 = 0x020;
const TIOCM_CD: i32 = 0x040;
const TIOCM_RI: i32 = 0x080;
const TIOCM_DSR: i32 = 0x100;

fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "genericups oracle required in CI: {why}"
    );
    eprintln!("SKIPPED genericups oracle: {why}");
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn tiocm_names(bits: i32) -> String {
    let names: Vec<&str> = [(TIOCM_DTR, "DTR"), (TIOCM_RTS, "RTS"), (TIOCM_ST, "ST")]
        .into_iter()
        .filter_map(|(bit, name)| (bits & bit != 0).then_some(name))
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join("+")
    }
}

fn input_bits(lines: &str) -> i32 {
    let l = super::nut_behaviour::parse_lines(lines);
    [
        (l.cts, TIOCM_CTS),
        (l.dcd, TIOCM_CD),
        (l.rng, TIOCM_RI),
        (l.dsr, TIOCM_DSR),
    ]
    .into_iter()
    .filter_map(|(on, bit)| on.then_some(bit))
    .sum()
}

/// Runs the driver once; (exit success, stdout, stderr, recorded calls).
fn run(
    dir: &Path,
    shim: &Path,
    port: &str,
    upstype: u8,
    options: &[(String, String)],
    lines: i32,
    kill: bool,
) -> (bool, String, String, Vec<(String, i32)>) {
    let log = dir.join("calls.log");
    let _ = fs::remove_file(&log);
    let mut cmd = Command::new(GENERICUPS);
    cmd.args(["-s", "oracle", "-u", "root", "-x"])
        .arg(format!("port={port}"))
        .arg("-x")
        .arg(format!("upstype={upstype}"));
    for (k, v) in options {
        cmd.arg("-x").arg(format!("{k}={v}"));
    }
    if kill {
        cmd.arg("-k");
    } else {
        cmd.args(["-d", "1"]);
    }
    let mut child = cmd
        .env("LD_PRELOAD", shim)
        .env("FAKE_LINES", lines.to_string())
        .env("FAKE_LOG", &log)
        .env("NUT_STATEPATH", dir)
        .env("NUT_ALTPIDPATH", dir)
        .env("NUT_CONFPATH", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start genericups");
    // its output is a few lines, far below a pipe's buffer: waiting before
    // reading cannot block it
    let started = Instant::now();
    while child.try_wait().expect("poll genericups").is_none() {
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("wait for genericups");
    let calls = fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (what, v) = l.split_once(' ')?;
            Some((what.to_owned(), v.parse().ok()?))
        })
        .collect();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        calls,
    )
}

/// The row the live driver gives for `row`'s inputs.
fn observe(dir: &Path, shim: &Path, port: &str, row: &Row) -> Row {
    match row {
        Row::Status {
            upstype,
            options,
            lines,
            ..
        } => {
            let (_, out, err, _) =
                run(dir, shim, port, *upstype, options, input_bits(lines), false);
            let status = out
                .lines()
                .find_map(|l| l.strip_prefix("ups.status: "))
                .unwrap_or_else(|| panic!("no ups.status from genericups: {out}{err}"))
                .to_owned();
            Row::Status {
                upstype: *upstype,
                options: options.clone(),
                lines: lines.clone(),
                status,
            }
        }
        Row::Shutdown {
            upstype, options, ..
        } => {
            let (ok, _, err, calls) = run(dir, shim, port, *upstype, options, 0, true);
            let start = calls
                .first()
                .map_or_else(|| "?".to_owned(), |(_, v)| tiocm_names(*v));
            let mut next = match calls.get(1) {
                Some((what, v)) if what == "BREAK" => format!("break {v}"),
                Some((_, v)) => format!("set {}", tiocm_names(*v)),
                None => {
                    assert!(!ok, "genericups -k did nothing yet succeeded: {err}");
                    format!("error {}", err.trim().lines().last().unwrap_or(""))
                }
            };
            const HOLDING: &str = "Holding shutdown signal for ";
            if let Some(pos) = err.find(HOLDING) {
                let secs: String = err[pos + HOLDING.len()..]
                    .chars()
                    .take_while(|c| *c == '-' || c.is_ascii_digit())
                    .collect();
                next.push_str(&format!("; hold {secs}"));
            }
            Row::Shutdown {
                upstype: *upstype,
                options: options.clone(),
                start,
                next,
            }
        }
    }
}

#[test]
fn real_genericups_still_does_what_was_recorded() {
    if !Path::new(GENERICUPS).exists() {
        return skip(&format!("{GENERICUPS} is not installed"));
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let scratch = Scratch(
        std::env::temp_dir().join(format!("nut-rs-genericups-{}-{nanos}", std::process::id())),
    );
    fs::create_dir_all(&scratch.0).expect("scratch dir");
    let source = scratch.0.join("shim.c");
    let shim = scratch.0.join("shim.so");
    fs::write(&source, SHIM_C).expect("write the shim");
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&shim)
        .arg(&source)
        .arg("-ldl")
        .status();
    if !built.is_ok_and(|s| s.success()) {
        return skip("cannot build the LD_PRELOAD shim with cc");
    }
    // the pty only gives genericups a port to open; its lines are the shim's
    let (_master, slave) = serialport::TTYPort::pair().expect("a pseudo-terminal");
    let port = slave.name().expect("the pty's path");

    let rows = rows();
    let mut differences = Vec::new();
    for row in &rows {
        let live = observe(&scratch.0, &shim, &port, row);
        if live != *row {
            differences.push(format!("recorded {row:?}\nlive     {live:?}"));
        }
    }
    println!(
        "genericups oracle: {} rows run against {GENERICUPS}, {} differ",
        rows.len(),
        differences.len()
    );
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
