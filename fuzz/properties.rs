// Property checks of the `conf_tokenizer` and `sock_line` fuzz targets.
//
// One copy, `include!`d by the targets (fuzz/fuzz_targets/*.rs) and by
// nut-proto's corpus replay test (nut-proto/tests/sock/fuzz_replay.rs), so
// libFuzzer and `cargo test` check the same things. Public nut-proto API
// only, and no `use` lines, so that the file can be included anywhere.

/// Chunks of `data` whose sizes (1 to 13 bytes) come from the data itself,
/// so every input also exercises an irregular split.
#[allow(dead_code)] // each target uses only its own checks
fn fuzz_chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut chunks = Vec::new();
    let mut rest = data;
    let mut sizes = data.iter().cycle();
    while !rest.is_empty() {
        let size = (1 + usize::from(sizes.next().copied().unwrap_or(0) % 13)).min(rest.len());
        let (chunk, tail) = rest.split_at(size);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// Every line of `chunks` fed in order, as a file (a last line without LF
/// counts).
#[allow(dead_code)] // each target uses only its own checks
fn fuzz_tokenize(
    chunks: &[&[u8]],
) -> Vec<Result<nut_proto::tokenizer::Line, nut_proto::tokenizer::ParseError>> {
    let mut tokenizer = nut_proto::tokenizer::Tokenizer::new();
    let mut lines = Vec::new();
    for chunk in chunks {
        lines.extend(tokenizer.feed(chunk));
    }
    lines.extend(tokenizer.finish());
    lines
}

/// `conf_tokenizer`: feeding the input whole, byte by byte or in chunks
/// gives the same lines; every word is printable ASCII (0x20..=0x7F) within
/// NUT's limits; quoting the words of a line and reading it back gives the
/// same words.
#[allow(dead_code)] // each target uses only its own checks
fn check_conf_tokenizer(data: &[u8]) {
    let whole = fuzz_tokenize(&[data]);
    let bytes: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(whole, fuzz_tokenize(&bytes), "byte-by-byte feeding differs");
    assert_eq!(
        whole,
        fuzz_tokenize(&fuzz_chunks(data)),
        "chunked feeding differs"
    );
    for line in whole.iter().flatten() {
        assert!(line.words.len() <= nut_proto::tokenizer::MAX_WORDS);
        for word in &line.words {
            assert!(word.len() <= nut_proto::tokenizer::MAX_WORD_LEN, "{word:?}");
            assert!(
                word.bytes().all(|b| (0x20..=0x7f).contains(&b)),
                "non-printable byte in {word:?}"
            );
        }
        if !line.words.is_empty() {
            let quoted: Vec<String> = line
                .words
                .iter()
                .map(|w| nut_proto::tokenizer::quote(w))
                .collect();
            let again =
                nut_proto::tokenizer::split_line(&quoted.join(" ")).expect("quoted words tokenize");
            assert_eq!(again, line.words, "quote round trip");
        }
    }
}

/// A decoded message re-encodes to exactly one line that decodes, strictly,
/// to the same value.
#[allow(dead_code)] // each target uses only its own checks
fn check_reencodes<M: nut_proto::sock::WireMessage + PartialEq>(message: &M) {
    let mut wire = Vec::new();
    message.encode(&mut wire);
    assert_eq!(wire.last(), Some(&b'\n'), "{message:?} encodes without LF");
    let lines = fuzz_tokenize(&[&wire]);
    assert_eq!(
        lines.len(),
        1,
        "{message:?} encodes to {:?}",
        String::from_utf8_lossy(&wire)
    );
    let words = &lines
        .first()
        .and_then(|line| line.as_ref().ok())
        .expect("re-encoded line tokenizes")
        .words;
    let again = M::decode_with(words, nut_proto::sock::DecodeOptions::STRICT)
        .expect("re-encoded line decodes strictly");
    assert_eq!(&again, message, "re-encode round trip");
}

/// Decodes `chunks` with a fresh decoder, as a socket would (no final
/// flush).
#[allow(dead_code)] // each target uses only its own checks
fn fuzz_decode<M: nut_proto::sock::WireMessage>(
    chunks: &[&[u8]],
    options: nut_proto::sock::DecodeOptions,
) -> Vec<Result<M, nut_proto::sock::DecodeError>> {
    let mut decoder = nut_proto::sock::Decoder::<M>::with_options(options);
    let mut items = Vec::new();
    for chunk in chunks {
        items.extend(decoder.feed(chunk));
    }
    items
}

/// Feeding the input whole, byte by byte or in chunks decodes the same.
#[allow(dead_code)] // each target uses only its own checks
fn check_feeding<M: nut_proto::sock::WireMessage + PartialEq>(data: &[u8]) {
    let bytes: Vec<&[u8]> = data.chunks(1).collect();
    for options in [
        nut_proto::sock::DecodeOptions::STRICT,
        nut_proto::sock::DecodeOptions::NUT,
    ] {
        let whole = fuzz_decode::<M>(&[data], options);
        assert_eq!(
            whole,
            fuzz_decode::<M>(&bytes, options),
            "byte-by-byte decoding differs"
        );
        assert_eq!(
            whole,
            fuzz_decode::<M>(&fuzz_chunks(data), options),
            "chunked decoding differs"
        );
    }
}

/// `sock_line`: every line that decodes (as a driver or a client message,
/// strictly or like NUT) re-encodes and decodes to the same value; what
/// decodes strictly decodes the same like NUT; decoding is independent of
/// chunking; and a snapshot built from the driver messages dumps and
/// re-assembles to itself.
#[allow(dead_code)] // each target uses only its own checks
fn check_sock_line(data: &[u8]) {
    let strict = nut_proto::sock::DecodeOptions::STRICT;
    let nut = nut_proto::sock::DecodeOptions::NUT;
    for line in fuzz_tokenize(&[data]).into_iter().flatten() {
        if line.words.is_empty() {
            continue;
        }
        let driver_strict = nut_proto::sock::DriverMessage::decode_with(&line.words, strict);
        let driver_nut = nut_proto::sock::DriverMessage::decode_with(&line.words, nut);
        if let Ok(message) = &driver_strict {
            assert_eq!(
                driver_nut.as_ref(),
                Ok(message),
                "strict and NUT decoding disagree"
            );
        }
        for message in driver_strict.iter().chain(driver_nut.iter()) {
            check_reencodes(message);
        }
        let client_strict = nut_proto::sock::ClientMessage::decode_with(&line.words, strict);
        let client_nut = nut_proto::sock::ClientMessage::decode_with(&line.words, nut);
        if let Ok(message) = &client_strict {
            assert_eq!(
                client_nut.as_ref(),
                Ok(message),
                "strict and NUT decoding disagree"
            );
        }
        for message in client_strict.iter().chain(client_nut.iter()) {
            check_reencodes(message);
        }
    }
    check_feeding::<nut_proto::sock::DriverMessage>(data);
    check_feeding::<nut_proto::sock::ClientMessage>(data);

    // Small limits keep each run fast; hitting them must be harmless.
    let mut limits = nut_proto::sock::SnapshotLimits::default();
    limits.max_vars = 64;
    limits.max_commands = 64;
    limits.max_enums_per_var = 16;
    limits.max_ranges_per_var = 16;
    let mut state = nut_proto::sock::Snapshot::with_limits(limits);
    for message in fuzz_decode::<nut_proto::sock::DriverMessage>(&[data], nut)
        .iter()
        .flatten()
    {
        let _ = state.apply(message);
    }
    let mut dump = Vec::new();
    state.encode_dump(&mut dump);
    let mut again = nut_proto::sock::DumpAssembler::with_limits(limits);
    for item in fuzz_decode::<nut_proto::sock::DriverMessage>(&[&dump], strict) {
        let message = item.expect("a dump of ours decodes strictly");
        again
            .handle_message(&message)
            .expect("a dump of ours fits the same limits");
    }
    assert!(again.is_done(), "a dump of ours ends with DUMPDONE");
    assert_eq!(
        again.into_snapshot(),
        state,
        "dump and re-assembly round trip"
    );
}
