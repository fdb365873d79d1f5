// Property checks of the `proto_request` and `proto_reply` fuzz targets.
//
// One copy, `include!`d by the targets (fuzz/fuzz_targets/proto_*.rs) and
// by the corpus replay test (fuzz_replay.rs beside this file), so libFuzzer
// and `cargo test` check the same things. Public nut-proto API only, and no
// `use` lines, so that the file can be included anywhere.

/// Chunks of `data` whose sizes (1 to 11 bytes) come from the data itself.
#[allow(dead_code)] // each target uses only its own checks
fn net_fuzz_chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut chunks = Vec::new();
    let mut rest = data;
    let mut sizes = data.iter().cycle();
    while !rest.is_empty() {
        let size = (1 + usize::from(sizes.next().copied().unwrap_or(0) % 11)).min(rest.len());
        let (chunk, tail) = rest.split_at(size);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// `proto_request`: every line upsd would accept decodes to a request that
/// encodes to a line decoding to the same request; keyword errors agree
/// with [`nut_proto::net::Command::parse`].
#[allow(dead_code)] // each target uses only its own checks
fn check_proto_request(data: &[u8]) {
    let mut tokenizer = nut_proto::tokenizer::Tokenizer::new();
    for line in tokenizer.feed(data).flatten() {
        let decoded = nut_proto::net::Request::decode(&line.words);
        let known = line
            .words
            .first()
            .and_then(|w| nut_proto::net::Command::parse(w));
        match decoded {
            Err(nut_proto::net::ErrorCode::UnknownCommand) => assert!(known.is_none()),
            Err(code) => {
                assert_eq!(code, nut_proto::net::ErrorCode::InvalidArgument);
                assert!(known.is_some());
            }
            Ok(request) => {
                assert_eq!(Some(request.command()), known);
                let mut wire = Vec::new();
                request.encode(&mut wire);
                assert_eq!(wire.iter().filter(|&&b| b == b'\n').count(), 1);
                let mut again = nut_proto::tokenizer::Tokenizer::new();
                let lines: Vec<_> = again.feed(&wire).collect();
                assert_eq!(lines.len(), 1, "{request:?} encodes to several lines");
                let words = &lines[0].as_ref().expect("own encoding tokenizes").words;
                assert_eq!(nut_proto::net::Request::decode(words), Ok(request));
            }
        }
    }
}

/// A session expecting a LIST, a single reply and a raw line, fed `chunks`
/// and closed; its answers, as text.
#[allow(dead_code)] // each target uses only its own checks
fn net_fuzz_session(chunks: &[&[u8]]) -> String {
    let limits = nut_proto::client::SessionLimits {
        max_line_len: 256,
        max_list_entries: 8,
    };
    let mut session = nut_proto::client::Session::with_limits(limits);
    session.send(&nut_proto::net::Request::List(
        nut_proto::net::ListQuery::Var { ups: "ups".into() },
    ));
    session.send(&nut_proto::net::Request::Ver);
    session.send_raw("LIST UPS").expect("no line break");
    for chunk in chunks {
        session.handle_input(chunk);
    }
    session.handle_eof();
    format!(
        "{:?}",
        std::iter::from_fn(|| session.poll_response()).collect::<Vec<_>>()
    )
}

/// `proto_reply`: the client session gives the same answers however the
/// bytes are split; every structured reply or LIST line that decodes
/// re-encodes to a line that decodes to the same value.
#[allow(dead_code)] // each target uses only its own checks
fn check_proto_reply(data: &[u8]) {
    let whole = net_fuzz_session(&[data]);
    let bytes: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(
        whole,
        net_fuzz_session(&bytes),
        "byte-by-byte feeding differs"
    );
    assert_eq!(
        whole,
        net_fuzz_session(&net_fuzz_chunks(data)),
        "chunked feeding differs"
    );

    for raw in data.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(raw);
        if let Ok(reply) = nut_proto::net::Reply::decode(&line)
            && !matches!(reply, nut_proto::net::Reply::Text(_))
        {
            let text = reply.to_string();
            assert!(!text.contains('\n'));
            assert_eq!(
                nut_proto::net::Reply::decode(&text).as_ref(),
                Ok(&reply),
                "{text}"
            );
        }
        if let Ok(list_line) = nut_proto::net::ListLine::decode(&line) {
            let text = list_line.to_string();
            assert_eq!(
                nut_proto::net::ListLine::decode(&text).as_ref(),
                Ok(&list_line),
                "{text}"
            );
        }
    }
}
