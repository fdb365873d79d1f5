//! Replays the curated fuzz corpora (`fuzz/corpus/proto_request`,
//! `fuzz/corpus/proto_reply`) through the fuzz targets' own checks, so a
//! regression is caught by `cargo test` without a nightly toolchain.

use std::path::Path;

include!("fuzz_props.rs");

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {} unreadable: {e}", dir.display()));
    let mut count = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        check(&data);
        count += 1;
    }
    assert!(
        count >= 10,
        "corpus {} has only {count} seeds",
        dir.display()
    );
}

#[test]
fn proto_request_corpus() {
    replay("proto_request", check_proto_request);
}

#[test]
fn proto_reply_corpus() {
    replay("proto_reply", check_proto_reply);
}

proptest::proptest! {
    #[test]
    fn proto_request_property(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        check_proto_request(&data);
    }

    #[test]
    fn proto_reply_property(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        check_proto_reply(&data);
    }

    #[test]
    fn proto_reply_property_on_reply_like_text(lines in proptest::collection::vec(
        "(OK|ERR|VAR|TYPE|DESC|NUMLOGINS|BEGIN LIST|END LIST|UPS|RANGE|ON)( [ -~]{0,12}){0,4}", 0..6)) {
        check_proto_reply(lines.join("\n").as_bytes());
    }
}
