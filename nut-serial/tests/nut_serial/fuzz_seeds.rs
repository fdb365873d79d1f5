//! Replays the committed fuzz corpus (`fuzz/corpus/megatec_response`)
//! through the fuzz target's property, so regressions show up without
//! libFuzzer; also checks the simulator-made seeds decode.

use std::path::PathBuf;

use nut_serial::sim::reencode::fuzz_property as property;

#[test]
fn committed_fuzz_corpus_holds_the_property() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/megatec_response");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: no fuzz corpus at {}", dir.display());
        return;
    };
    let mut decoded = 0;
    let mut total = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        total += 1;
        if property(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
            decoded += 1;
        }
    }
    eprintln!("fuzz corpus: {total} inputs, {decoded} decoded and re-encoded");
    assert!(total == 0 || decoded > 0);
}

/// Replays `fuzz/corpus/apc_response` through `apc_response`'s property.
#[test]
fn committed_apc_fuzz_corpus_holds_the_property() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/apc_response");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: no fuzz corpus at {}", dir.display());
        return;
    };
    let mut total = 0;
    let mut replies = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        total += 1;
        replies += nut_serial::apc::property::fuzz_property(&data)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    eprintln!("apc fuzz corpus: {total} inputs, {replies} complete replies checked");
    assert!(total == 0 || replies > 0);
}
