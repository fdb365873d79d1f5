//! Gates for tests that need the real NUT 2.8.0 or the shared corpus.
//!
//! A developer without Debian's `nut-server`/`nut-client` packages, or without `../shared/corpus`
//! beside the repository, gets a loud `SKIPPED` line and a passing test. CI (env `CI`) and anyone
//! who sets `NUT_ORACLE_REQUIRED=1` get a failing test instead, so a broken install step can
//! never turn the oracle into a silent no-op.

use std::path::{Path, PathBuf};

/// The real upsd binary (`/sbin/upsd` is a wrapper that refuses to run with `MODE=none`).
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real `dummy-ups` driver, which replays `.dev`/`.seq` files.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
/// The real `upsc` client.
pub(crate) const REAL_UPSC: &str = "/bin/upsc";

/// The exact line printed when real NUT is absent and nothing demands it.
pub(crate) const SKIP_NO_NUT: &str =
    "SKIPPED (real NUT not installed: apt-get install nut-server nut-client)";

/// True when the variable is set to something other than empty, `0` or `false`.
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
}

/// True when running under CI (env `CI`).
pub(crate) fn in_ci() -> bool {
    env_flag("CI")
}

/// True when a missing oracle must fail the test: under CI or with `NUT_ORACLE_REQUIRED=1`.
pub(crate) fn oracle_required() -> bool {
    in_ci() || env_flag("NUT_ORACLE_REQUIRED")
}

/// The real NUT programs that are not installed, if any.
fn missing_real_programs() -> Vec<&'static str> {
    [REAL_UPSD, REAL_DUMMY_UPS, REAL_UPSC]
        .into_iter()
        .filter(|p| !Path::new(p).is_file())
        .collect()
}

/// Whether real NUT can serve as the oracle.
///
/// Returns false after printing [`SKIP_NO_NUT`] when the programs are missing; panics instead
/// when [`oracle_required`] says the oracle must run.
pub(crate) fn oracle_available() -> bool {
    let missing = missing_real_programs();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !oracle_required(),
        "real NUT is required here (CI or NUT_ORACLE_REQUIRED=1) but {} is missing: \
         run `apt-get install nut-server nut-client` (scripts/test-all.sh does it)",
        missing.join(", ")
    );
    eprintln!("{SKIP_NO_NUT}");
    eprintln!("  (missing: {})", missing.join(", "));
    false
}

/// The workspace root: the parent of this crate's manifest directory.
pub(crate) fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// Where the shared corpus lives: `../shared/corpus` relative to the repository root.
pub(crate) fn corpus_path() -> PathBuf {
    let path = workspace_root().join("..").join("shared").join("corpus");
    path.canonicalize().unwrap_or(path)
}

/// The shared corpus directory, or `None` after a loud skip line.
///
/// Panics when the corpus is missing under CI: CI runs on a fresh clone with `shared/` beside
/// it, so a missing corpus there is a broken checkout, not a reason to skip.
pub(crate) fn corpus_dir() -> Option<PathBuf> {
    let path = corpus_path();
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        !in_ci(),
        "the shared corpus is required under CI but {} is not a directory \
         (CI clones the repository with ../shared beside it)",
        path.display()
    );
    eprintln!(
        "SKIPPED (shared corpus not found at {}: tests read ../shared/corpus beside the repository)",
        path.display()
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_path_is_beside_the_repository() {
        let corpus = corpus_path();
        let root = workspace_root();
        let expected_parent = root.parent().map(|p| p.join("shared"));
        assert_eq!(corpus.file_name().and_then(|n| n.to_str()), Some("corpus"));
        // canonicalize() may resolve symlinks in the parent, so compare only when the corpus
        // path was not canonicalized (it does not exist) or both exist.
        if let Some(parent) = expected_parent.filter(|p| p.is_dir()) {
            let parent = parent.canonicalize().unwrap_or(parent);
            assert_eq!(corpus.parent(), Some(parent.as_path()));
        }
    }

    #[test]
    fn gate_agrees_with_the_filesystem() {
        let installed = missing_real_programs().is_empty();
        if installed {
            assert!(oracle_available());
        } else if !oracle_required() {
            assert!(!oracle_available());
        }
    }
}
