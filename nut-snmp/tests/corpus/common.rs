//! Finding the shared corpus and printing results past the test harness.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use nut_snmp::Recording;

/// Prints a line to the real stderr, bypassing the harness's capture, so
/// counts show in a plain `cargo test` run.
pub(crate) fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `<workspace root>/../shared/corpus/<sub>`, or `None` after a loud
/// SKIPPED line. With env `CI` set a missing corpus fails instead.
pub(crate) fn corpus_dir(test: &str, sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus missing at {} (CI is set, so this is a failure)",
        dir.display()
    );
    report(&format!(
        "SKIPPED {test}: corpus not found at {} (it lives beside the repository, see shared/corpus/MANIFEST.md)",
        dir.display()
    ));
    None
}

/// Every `.snmprec` file of the SNMP corpus, sorted by name, with its
/// bytes.
pub(crate) fn recordings(test: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let dir = corpus_dir(test, "snmp/librenms")?;
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir)
        .expect("corpus directory is readable")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "snmprec") {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            out.push((stem, std::fs::read(&path).expect("recording is readable")));
        }
    }
    out.sort();
    Some(out)
}

/// Every recording parsed.
pub(crate) fn parsed_recordings(test: &str) -> Option<Vec<(String, Recording)>> {
    let all = recordings(test)?;
    Some(
        all.into_iter()
            .map(|(name, bytes)| {
                let rec = Recording::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, rec)
            })
            .collect(),
    )
}
