//! The upsmon and upssched runtimes end to end (feature `runtime`).
//!
//! This binary has its own small harness (`harness = false` is implied by
//! defining `main`): when started with `NUT_RS_TEST_EXEC=upsmon` or
//! `=upssched` it *is* that program (the same library entry points the
//! `nut-cli` binaries call), which lets the tests run the real programs,
//! with their re-executed children and daemons, without building another
//! package. Otherwise it runs the tests, accepting the libtest/nextest
//! arguments that matter (`--list`, `--format terse`, `--exact`,
//! `--ignored`, filters).
//!
//! * `upsmon::*` and `upssched::*`: our programs against an in-test fake
//!   upsd (no real NUT needed).
//! * `oracle::*`: real NUT 2.8.0 upsd + dummy-ups, with the real upsmon and
//!   ours side by side (skipped loudly without /lib/nut/upsmon, failing
//!   when `CI` is set).

// Helpers panic on broken test setups by design.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

mod fake_upsd;
mod oracle;
mod oracle_hosts;
mod oracle_lab;
mod oracle_more;
mod support;
mod upsmon_more;
mod upsmon_tests;
#[cfg(feature = "runtime-tls")]
mod upsmon_tls;
mod upssched_tests;

use std::process::ExitCode;

/// Selects the program this process runs as.
const EXEC_ENV: &str = "NUT_RS_TEST_EXEC";

type Test = (&'static str, fn());

fn tests() -> Vec<Test> {
    let mut all = Vec::new();
    all.extend(upsmon_tests::TESTS.iter().map(|(n, f)| (*n, *f)));
    all.extend(upsmon_more::TESTS.iter().map(|(n, f)| (*n, *f)));
    #[cfg(feature = "runtime-tls")]
    all.extend(upsmon_tls::TESTS.iter().map(|(n, f)| (*n, *f)));
    all.extend(upssched_tests::TESTS.iter().map(|(n, f)| (*n, *f)));
    all.extend(oracle::TESTS.iter().map(|(n, f)| (*n, *f)));
    all.extend(oracle_more::TESTS.iter().map(|(n, f)| (*n, *f)));
    all.extend(oracle_hosts::TESTS.iter().map(|(n, f)| (*n, *f)));
    all
}

fn main() -> ExitCode {
    match std::env::var(EXEC_ENV).as_deref() {
        Ok("upsmon") => return nut_monitor::runtime::upsmon::main(std::env::args_os()),
        Ok("upssched") => return nut_monitor::runtime::upssched::main(std::env::args_os()),
        _ => {}
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let exact = flag("--exact");
    let mut filters = Vec::new();
    let mut skip_next = false;
    for a in &args {
        if skip_next {
            skip_next = false;
            continue;
        }
        match a.as_str() {
            "--format" | "--skip" | "--test-threads" | "--color" => skip_next = true,
            s if s.starts_with('-') => {}
            s => filters.push(s.to_owned()),
        }
    }
    let selected: Vec<Test> = tests()
        .into_iter()
        .filter(|(name, _)| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    if exact {
                        name == f
                    } else {
                        name.contains(f.as_str())
                    }
                })
        })
        .collect();
    if flag("--list") {
        if !flag("--ignored") {
            for (name, _) in &selected {
                println!("{name}: test");
            }
        }
        return ExitCode::SUCCESS;
    }
    if flag("--ignored") {
        return ExitCode::SUCCESS;
    }
    let mut failed = Vec::new();
    for (name, test) in &selected {
        eprintln!("test {name} ...");
        let started = std::time::Instant::now();
        match std::panic::catch_unwind(test) {
            Ok(()) => eprintln!("test {name} ... ok ({:.1?})", started.elapsed()),
            Err(_) => {
                eprintln!("test {name} ... FAILED");
                failed.push(*name);
            }
        }
    }
    print_compared_totals();
    eprintln!(
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        for f in failed {
            eprintln!("    {f}");
        }
        ExitCode::FAILURE
    }
}

/// The oracle tests' grand total (each test also prints its own).
fn print_compared_totals() {
    let (scenarios, steps) = support::compared_totals();
    if scenarios > 0 {
        println!("compared {scenarios} scenarios, {steps} steps");
        eprintln!("compared {scenarios} scenarios, {steps} steps (all oracle tests)");
    }
}
