use super::*;
use proptest::prelude::*;

fn words(text: &str) -> Vec<String> {
    split_line(text).expect("valid line")
}

fn all_lines(input: &[u8]) -> Vec<Result<Line, ParseError>> {
    let mut tok = Tokenizer::new();
    let mut out: Vec<_> = tok.feed(input).collect();
    out.extend(tok.finish());
    out
}

#[test]
fn splits_on_ascii_whitespace() {
    assert_eq!(
        words("GET\tVAR  ups\r ups.status"),
        ["GET", "VAR", "ups", "ups.status"]
    );
}

#[test]
fn quotes_group_words_and_keep_empty_words() {
    assert_eq!(
        words(r#"SET VAR ups x "a b""#),
        ["SET", "VAR", "ups", "x", "a b"]
    );
    assert_eq!(words(r#"GET VAR ups """#), ["GET", "VAR", "ups", ""]);
}

#[test]
fn closing_quote_ends_the_word() {
    // Real upsd: `GET VAR dummy "ups.status"extra` answers for ups.status.
    assert_eq!(words(r#"a "b"c"#), ["a", "b", "c"]);
}

#[test]
fn quote_inside_a_bare_word_is_literal() {
    // Real upsd: `USERNAME a"b` is one argument.
    assert_eq!(words(r#"USERNAME a"b"#), ["USERNAME", r#"a"b"#]);
}

#[test]
fn backslash_escapes_inside_and_outside_quotes() {
    assert_eq!(
        words(r#"a\ b "c\"d" e\\f "\#""#),
        ["a b", "c\"d", r"e\f", "#"]
    );
    assert_eq!(words(r"dum\my"), ["dummy"]);
}

#[test]
fn backslash_newline_continues_the_line() {
    let lines = all_lines(b"GET VAR ups ups.\\\nstatus\nVER\n");
    let lines: Vec<_> = lines.into_iter().map(Result::unwrap).collect();
    assert_eq!(lines[0].words, ["GET", "VAR", "ups", "ups.status"]);
    assert_eq!(lines[0].number, 1);
    assert_eq!(lines[1].words, ["VER"]);
    assert_eq!(lines[1].number, 3);
}

#[test]
fn open_quote_runs_across_newlines() {
    let lines = all_lines(b"a \"b\nc\" d\n");
    assert_eq!(lines.len(), 1);
    // LF is not a kept byte, so the two halves join.
    assert_eq!(lines[0].as_ref().unwrap().words, ["a", "bc", "d"]);
}

#[test]
fn comments_end_the_line() {
    assert_eq!(words("MAXAGE 15 # seconds"), ["MAXAGE", "15"]);
    assert_eq!(words("MAXAGE 15# seconds"), ["MAXAGE", "15"]);
    assert_eq!(words("# only a comment"), Vec::<String>::new());
}

#[test]
fn hash_inside_quotes_is_an_error_and_skips_the_line() {
    let lines = all_lines(b"GET VAR ups \"a#b\" x\nVER\n");
    assert_eq!(
        lines[0],
        Err(ParseError {
            line: 1,
            column: 15,
            kind: ParseErrorKind::HashInQuotes
        })
    );
    assert_eq!(lines[1].as_ref().unwrap().words, ["VER"]);
    assert_eq!(lines.len(), 2);
}

#[test]
fn bare_equals_is_its_own_word() {
    for text in ["foo=bar", "foo = bar", "foo =bar", "foo= bar"] {
        assert_eq!(words(text), ["foo", "=", "bar"], "{text}");
    }
    assert_eq!(
        words("password = 123=123"),
        ["password", "=", "123", "=", "123"]
    );
    assert_eq!(
        words(r#"password = "123=123""#),
        ["password", "=", "123=123"]
    );
    assert_eq!(words(r"password = 123\=123"), ["password", "=", "123=123"]);
}

#[test]
fn non_ascii_and_control_bytes_are_dropped() {
    let lines = all_lines(b"GET VAR ups ups.stat\xc3\xa9us\0\n\"a\tb\"\n");
    assert_eq!(
        lines[0].as_ref().unwrap().words,
        ["GET", "VAR", "ups", "ups.status"]
    );
    assert_eq!(lines[1].as_ref().unwrap().words, ["ab"]);
}

#[test]
fn section_headers_are_plain_words() {
    assert_eq!(words("[myups]"), ["[myups]"]);
}

#[test]
fn word_limit_drops_extra_words() {
    let text = (0..40).map(|i| i.to_string()).collect::<Vec<_>>().join(" ");
    let got = words(&text);
    assert_eq!(got.len(), MAX_WORDS);
    assert_eq!(got[MAX_WORDS - 1], (MAX_WORDS - 1).to_string());
}

#[test]
fn word_length_limit_truncates() {
    let at = "a".repeat(MAX_WORD_LEN);
    assert_eq!(words(&at)[0].len(), MAX_WORD_LEN);
    let over = "b".repeat(MAX_WORD_LEN + 1);
    assert_eq!(words(&over)[0].len(), MAX_WORD_LEN);
}

#[test]
fn line_length_limit_fails_once_then_recovers() {
    let limits = Limits {
        max_line_len: Some(8),
        ..Limits::default()
    };
    let mut tok = Tokenizer::with_limits(limits);
    let out: Vec<_> = tok.feed(b"12345678\n123456789012\nVER\n").collect();
    assert_eq!(out[0].as_ref().unwrap().words, ["12345678"]);
    assert_eq!(
        out[1],
        Err(ParseError {
            line: 2,
            column: 9,
            kind: ParseErrorKind::LineTooLong { limit: 8 }
        })
    );
    assert_eq!(out[2].as_ref().unwrap().words, ["VER"]);
    assert_eq!(out.len(), 3);
}

#[test]
fn unterminated_quote_at_end_of_input() {
    let lines = all_lines(b"desc = \"abc");
    assert!(matches!(
        lines[0],
        Err(ParseError {
            kind: ParseErrorKind::UnterminatedQuote,
            line: 1,
            ..
        })
    ));
}

#[test]
fn last_line_without_newline_counts_for_files_only() {
    let mut tok = Tokenizer::new();
    assert_eq!(tok.feed(b"VER").count(), 0);
    assert!(tok.has_partial_line());
    assert_eq!(tok.finish().unwrap().unwrap().words, ["VER"]);
}

#[test]
fn split_text_skips_blank_lines() {
    let lines = split_text(b"\n# c\n[ups]\n  driver = dummy-ups\n\n");
    let got: Vec<_> = lines.into_iter().map(|l| l.unwrap()).collect();
    assert_eq!(
        got[0],
        Line {
            number: 3,
            words: vec!["[ups]".into()]
        }
    );
    assert_eq!(got[1].number, 4);
    assert_eq!(got.len(), 2);
}

#[test]
fn encode_escapes_only_what_nut_escapes() {
    assert!(matches!(encode("plain value"), Cow::Borrowed(_)));
    assert_eq!(encode(r#"a "q" \ #"#), r#"a \"q\" \\ \#"#);
    assert_eq!(quote(""), r#""""#);
}

#[test]
fn bare_words() {
    assert!(is_bare_word("ups.status"));
    assert!(!is_bare_word(""));
    assert!(!is_bare_word("a b"));
    assert!(!is_bare_word("a=b"));
    assert!(!is_bare_word("a#"));
}

/// Printable ASCII words, the only ones the tokenizer can produce.
fn word() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ -~]{0,40}").expect("regex")
}

proptest! {
    #[test]
    fn quote_round_trips(values in proptest::collection::vec(word(), 0..MAX_WORDS)) {
        let line: Vec<String> = values.iter().map(|v| quote(v)).collect();
        let text = line.join(" ");
        prop_assert_eq!(split_line(&text).unwrap(), values);
    }

    #[test]
    fn feeding_in_any_chunks_gives_the_same_lines(
        input in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let whole = all_lines(&input);

        let mut tok = Tokenizer::new();
        let mut bytewise = Vec::new();
        for b in &input {
            bytewise.extend(tok.push(*b));
        }
        bytewise.extend(tok.finish());
        prop_assert_eq!(&whole, &bytewise);

        let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        points.sort_unstable();
        let mut tok = Tokenizer::new();
        let mut chunked = Vec::new();
        let mut start = 0;
        for p in points.into_iter().chain([input.len()]) {
            chunked.extend(tok.feed(&input[start..p]));
            start = p;
        }
        chunked.extend(tok.finish());
        prop_assert_eq!(&whole, &chunked);
    }

    #[test]
    fn words_are_always_bounded_printable_ascii(input in proptest::collection::vec(any::<u8>(), 0..2000)) {
        for line in all_lines(&input).into_iter().flatten() {
            prop_assert!(line.words.len() <= MAX_WORDS);
            for w in &line.words {
                prop_assert!(w.len() <= MAX_WORD_LEN);
                prop_assert!(w.bytes().all(|b| (0x20..=0x7f).contains(&b)));
            }
        }
    }
}
