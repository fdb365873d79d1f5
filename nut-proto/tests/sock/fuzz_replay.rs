//! Replays every seed in `fuzz/corpus/<target>/` and every crash file in
//! `fuzz/artifacts/<target>/` through the fuzz targets' own property checks
//! (`fuzz/properties.rs`, included here as is), so regressions are caught by
//! `cargo test` without libFuzzer.

use std::fs;
use std::path::{Path, PathBuf};

include!("../../../fuzz/properties.rs");

/// A target's property check.
type Check = fn(&[u8]);

/// The targets whose checks live in `properties.rs`.
const TARGETS: [(&str, Check); 2] = [
    ("conf_tokenizer", check_conf_tokenizer),
    ("sock_line", check_sock_line),
];

/// Fewest seeds each of those targets must ship.
const MIN_SEEDS: usize = 20;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The entries of `dir` that `keep` accepts, sorted; none if `dir` does not
/// exist.
fn entries(dir: &Path, keep: fn(&Path) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| keep(path))
        .collect();
    paths.sort();
    paths
}

/// Runs every file under `fuzz/<kind>/<target>/` through its target's
/// checks; returns how many files each target had.
fn replay(kind: &str) -> Vec<(String, usize)> {
    let mut counts = Vec::new();
    for target_dir in entries(&fuzz_dir().join(kind), Path::is_dir) {
        let name = target_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some((_, check)) = TARGETS.iter().find(|(target, _)| *target == name) else {
            eprintln!("fuzz replay: no property checks here for {kind}/{name}, skipped");
            continue;
        };
        let inputs = entries(&target_dir, Path::is_file);
        for input in &inputs {
            let data = fs::read(input).expect("readable corpus file");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its property", input.display());
        }
        counts.push((name, inputs.len()));
    }
    counts
}

#[test]
fn seed_corpora_pass_the_fuzz_properties() {
    let counts = replay("corpus");
    for (target, _) in TARGETS {
        let seeds = counts
            .iter()
            .find(|(name, _)| name == target)
            .map_or(0, |(_, n)| *n);
        assert!(
            seeds >= MIN_SEEDS,
            "fuzz/corpus/{target} has {seeds} seeds, expected at least {MIN_SEEDS}"
        );
    }
}

#[test]
fn crash_artifacts_pass_the_fuzz_properties() {
    // Present only after a fuzz run found something; each must now pass.
    let counts = replay("artifacts");
    eprintln!("fuzz replay: artifacts replayed: {counts:?}");
}

#[test]
fn the_properties_catch_a_broken_round_trip() {
    // A property that cannot fail proves nothing: feed check_reencodes a
    // value that does not survive the wire (a dropped control character).
    let lossy = nut_proto::sock::DriverMessage::SetInfo {
        var: "x".into(),
        value: "a\u{1}b".into(),
    };
    let outcome = std::panic::catch_unwind(|| check_reencodes(&lossy));
    assert!(outcome.is_err());
}
