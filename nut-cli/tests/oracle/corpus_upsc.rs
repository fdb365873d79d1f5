//! Acceptance test: every `.dev` dump of the shared corpus (`ddl/`, the NUT Devices Dumps
//! Library plus `_nut-main-repo-data/epdu-managed.dev`) is served by the REAL dummy-ups and the
//! REAL upsd, and `upsc UPS@127.0.0.1:PORT` from real NUT and from us must print the same
//! stdout and stderr and exit the same way.
//!
//! Speed: dummy-ups needs about 2 s before it serves data, so all drivers start at once, in
//! sandboxes of [`BATCH_SIZE`] sections with one upsd each, and the clients then run on
//! [`WORKERS`] threads (each `upsc` mostly waits on upsd's Nagle stall, not on the CPU).
//!
//! Dumps that dummy-ups rejects or mangles still count: both clients talk to the same server,
//! so they must agree on whatever it serves (including `Error: Driver not connected`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::compare::{
    REAL_UPSC_PROGRAM, build_note, difference, expected_from_real, our_upsc, run_client,
};
use crate::gate::{corpus_dir, oracle_available};
use crate::sandbox::{Readiness, Sandbox, UpsSpec};

/// UPS sections per sandbox (one upsd each); keeps each upsd well under 1024 descriptors.
const BATCH_SIZE: usize = 120;
/// Client threads.
const WORKERS: usize = 12;
/// How long the drivers of one sandbox may take to serve their data.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a dump is retried when the real upsc itself answered differently twice
/// (data still streaming in), before it is reported.
const STABILITY_ATTEMPTS: usize = 3;
/// Pause before such a retry.
const STABILITY_PAUSE: Duration = Duration::from_millis(500);
/// Mismatches printed in full; the rest are listed by name.
const MAX_DETAILED: usize = 20;
/// The corpus MANIFEST counts 718 nut-ddl dumps; fewer means the walk or the corpus broke.
const MIN_EXPECTED_DUMPS: usize = 718;

/// All `.dev` files under `dir`, recursively, in no particular order.
fn collect_dumps(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_dumps(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "dev") {
            out.push(path);
        }
    }
    Ok(())
}

/// One dump to compare: which sandbox serves it under which name.
#[derive(Debug)]
struct Job {
    sandbox: usize,
    ups: String,
    dump: PathBuf,
}

/// Compares real and our upsc for one UPS; `Err` carries the mismatch report.
fn compare_one(sandbox: &Sandbox, ups: &str) -> Result<(), String> {
    let target = sandbox.target(ups);
    let args = [target.as_str()];
    let ours = our_upsc();
    let mut last_unstable = String::new();
    for attempt in 0..STABILITY_ATTEMPTS {
        if attempt > 0 {
            thread::sleep(STABILITY_PAUSE);
        }
        let before = run_client(REAL_UPSC_PROGRAM, &args)?;
        let mine = run_client(ours, &args)?;
        let after = run_client(REAL_UPSC_PROGRAM, &args)?;
        match difference(&before, &after) {
            None => {
                return difference(&expected_from_real(&before), &mine)
                    .map_or(Ok(()), |d| Err(format!("upsc {target}\n{d}")));
            }
            Some(d) => last_unstable = d,
        }
    }
    Err(format!(
        "upsc {target}: the real upsc itself gave different answers {STABILITY_ATTEMPTS} times \
         (data never settled):\n{last_unstable}"
    ))
}

/// Runs every job on [`WORKERS`] threads; returns the mismatches in job order.
fn run_jobs(sandboxes: &[Sandbox], jobs: &[Job]) -> Vec<(usize, String)> {
    let next = AtomicUsize::new(0);
    let mut failures: Vec<(usize, String)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else { break };
                        if let Err(report) = compare_one(&sandboxes[job.sandbox], &job.ups) {
                            mine.push((index, report));
                        }
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|_| vec![(usize::MAX, "worker panicked".into())])
            })
            .collect()
    });
    failures.sort_by_key(|(i, _)| *i);
    failures
}

/// Lists names with a cap, for the summary.
fn some_names(names: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(", … ({} in all)", names.len()));
    }
    text
}

#[test]
fn every_corpus_dump_reads_the_same_through_real_and_our_upsc() {
    if !oracle_available() {
        return;
    }
    let Some(corpus) = corpus_dir() else { return };
    let started = Instant::now();
    let ddl = corpus.join("ddl");
    let mut dumps = Vec::new();
    collect_dumps(&ddl, &mut dumps).expect("read the corpus ddl/ tree");
    dumps.sort();
    assert!(
        dumps.len() >= MIN_EXPECTED_DUMPS,
        "found only {} .dev dumps under {} (MANIFEST §2 lists {MIN_EXPECTED_DUMPS})",
        dumps.len(),
        ddl.display()
    );

    let mut jobs = Vec::with_capacity(dumps.len());
    let mut sandboxes = Vec::new();
    for (batch_index, batch) in dumps.chunks(BATCH_SIZE).enumerate() {
        let specs: Vec<UpsSpec> = batch
            .iter()
            .enumerate()
            .map(|(i, dump)| {
                let ups = format!("ddl{:04}", batch_index * BATCH_SIZE + i);
                jobs.push(Job {
                    sandbox: batch_index,
                    ups: ups.clone(),
                    dump: dump.clone(),
                });
                UpsSpec::new(ups, dump)
            })
            .collect();
        sandboxes.push(Sandbox::spawn(&specs).unwrap_or_else(|e| panic!("sandbox: {e}")));
    }
    let mut readiness = Readiness::default();
    for sandbox in &mut sandboxes {
        let r = sandbox
            .wait_ready(READY_TIMEOUT)
            .unwrap_or_else(|e| panic!("real NUT sandbox: {e}"));
        readiness.ready.extend(r.ready);
        readiness.dead_drivers.extend(r.dead_drivers);
        readiness.unsettled.extend(r.unsettled);
    }
    let up_after = started.elapsed();

    let failures = run_jobs(&sandboxes, &jobs);
    let total = started.elapsed();
    drop(sandboxes);

    let identical = jobs.len() - failures.len();
    println!(
        "compared {} dumps: {identical} identical ({} mismatched)",
        jobs.len(),
        failures.len()
    );
    println!(
        "  {} sandboxes of <= {BATCH_SIZE} real dummy-ups + 1 real upsd; drivers serving after \
         {:.1} s; total {:.1} s with {WORKERS} client threads; client: {}",
        jobs.len().div_ceil(BATCH_SIZE),
        up_after.as_secs_f64(),
        total.as_secs_f64(),
        our_upsc().path
    );
    println!("  {}", build_note());
    if !readiness.dead_drivers.is_empty() {
        println!(
            "  real dummy-ups rejected {} dumps (compared as `Driver not connected`): {}",
            readiness.dead_drivers.len(),
            some_names(&readiness.dead_drivers)
        );
    }
    if !readiness.unsettled.is_empty() {
        println!(
            "  {} UPSes still waiting after {READY_TIMEOUT:?}: {}",
            readiness.unsettled.len(),
            some_names(&readiness.unsettled)
        );
    }
    if failures.is_empty() {
        return;
    }
    for (index, report) in failures.iter().take(MAX_DETAILED) {
        let dump = jobs.get(*index).map_or_else(String::new, |j| {
            j.dump
                .strip_prefix(&corpus)
                .unwrap_or(&j.dump)
                .display()
                .to_string()
        });
        println!("MISMATCH {dump}\n{report}\n");
    }
    let rest: Vec<String> = failures
        .iter()
        .skip(MAX_DETAILED)
        .filter_map(|(i, _)| jobs.get(*i).map(|j| j.dump.display().to_string()))
        .collect();
    if !rest.is_empty() {
        println!(
            "… and {} more mismatches:\n  {}",
            rest.len(),
            rest.join("\n  ")
        );
    }
    panic!(
        "{} of {} corpus dumps read differently through our upsc (see MISMATCH above)",
        failures.len(),
        jobs.len()
    );
}
