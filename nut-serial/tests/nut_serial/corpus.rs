//! Locating the shared corpus (never copied into the repository).

use std::path::PathBuf;

/// `<repo>/../shared/corpus/<sub>`, or `None` (loud skip; a failure when
/// env `CI` is set).
pub(crate) fn dir(sub: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(sub);
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus {} missing and CI is set",
        path.display()
    );
    eprintln!("SKIPPED: corpus {} not found", path.display());
    None
}
