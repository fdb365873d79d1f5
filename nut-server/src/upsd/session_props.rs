//! Property tests of the session: chunking never changes the replies.

use proptest::prelude::*;

use super::tests::Fixture;

/// Request lines from upsd's vocabulary, with odd spacing and quoting.
fn request() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "VER",
        "NETVER",
        "HELP",
        "GET",
        "LIST",
        "SET",
        "INSTCMD",
        "LOGIN",
        "LOGOUT",
        "USERNAME",
        "PASSWORD",
        "FSD",
        "MASTER",
        "STARTTLS",
        "VAR",
        "TYPE",
        "DESC",
        "CMDDESC",
        "UPSDESC",
        "NUMLOGINS",
        "TRACKING",
        "RW",
        "CMD",
        "ENUM",
        "RANGE",
        "CLIENT",
        "UPS",
        "dummy",
        "rich",
        "nosuch",
        "ups.status",
        "ups.load",
        "ups.id",
        "load.off",
        "admin",
        "adminpass",
        "ON",
        "OFF",
        "\"a b\"",
        "\"x\\\"y\"",
        "#c",
        "\"",
        "=",
        "\\",
        "\t",
    ]);
    prop::collection::vec(words, 0..6).prop_map(|w| w.join(" "))
}

proptest! {
    /// However the bytes are cut, the replies are the same, and the
    /// session never panics; a stream of any bytes is survived.
    #[test]
    fn replies_do_not_depend_on_chunking(
        lines in prop::collection::vec(request(), 0..12),
        noise in prop::collection::vec(any::<u8>(), 0..64),
        cuts in prop::collection::vec(1usize..7, 1..40),
    ) {
        let mut input = lines.join("\n").into_bytes();
        input.push(b'\n');
        input.extend_from_slice(&noise);
        input.extend_from_slice(b"\nNETVER\n");

        let mut f = Fixture::new();
        let mut whole_session = f.session();
        let mut whole = Vec::new();
        whole_session.handle_input(&mut f.server, f.now, &input, &mut whole);

        let mut g = Fixture::new();
        let mut cut_session = g.session();
        let mut pieces = Vec::new();
        let mut rest = input.as_slice();
        for size in cuts.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (head, tail) = rest.split_at((*size).min(rest.len()));
            cut_session.handle_input(&mut g.server, g.now, head, &mut pieces);
            rest = tail;
        }
        // Tracking ids are random per server; everything else must match.
        let strip = |bytes: &[u8]| {
            String::from_utf8_lossy(bytes)
                .lines()
                .map(|l| if l.starts_with("OK TRACKING ") { "OK TRACKING" } else { l })
                .collect::<Vec<_>>()
                .join("\n")
        };
        prop_assert_eq!(strip(&whole), strip(&pieces));
    }
}

/// Lines that mostly take the in-place split, some that must not: long
/// words and lines at the tokenizer's limits, many words, every kind of
/// blank, bytes the tokenizer drops.
fn plain_or_not() -> impl Strategy<Value = Vec<u8>> {
    let word = prop_oneof![
        4 => "[A-Za-z.]{1,12}".prop_map(String::into_bytes),
        1 => (510usize..515).prop_map(|n| vec![b'w'; n]),
        1 => prop::sample::select(vec![
            b"GET".to_vec(), b"VAR".to_vec(), b"dummy".to_vec(), b"ups.status".to_vec(),
            b"LIST".to_vec(), b"UPS".to_vec(), b"\x7f".to_vec(), b"\x01x".to_vec(),
            b"a\"b".to_vec(), b"=".to_vec(),
        ]),
    ];
    let blank = prop::sample::select(vec![&b" "[..], b"\t", b"\r", b"\x0b", b"\x0c", b"  "]);
    prop::collection::vec((word, blank), 0..40).prop_map(|parts| {
        let mut line = Vec::new();
        for (word, blank) in parts {
            line.extend_from_slice(&word);
            line.extend_from_slice(blank);
        }
        line.push(b'\n');
        line
    })
}

proptest! {
    /// The in-place split gives exactly the tokenizer's replies: fed one
    /// byte at a time, every line goes through the tokenizer.
    #[test]
    fn plain_lines_read_as_the_tokenizer_reads_them(
        lines in prop::collection::vec(plain_or_not(), 1..8),
    ) {
        let input: Vec<u8> = lines.concat();
        let mut f = Fixture::new();
        let mut fast_session = f.session();
        let mut fast = Vec::new();
        fast_session.handle_input(&mut f.server, f.now, &input, &mut fast);

        let mut g = Fixture::new();
        let mut slow_session = g.session();
        let mut slow = Vec::new();
        for byte in &input {
            slow_session.handle_input(&mut g.server, g.now, std::slice::from_ref(byte), &mut slow);
        }
        prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&slow));
    }
}

#[test]
fn plain_line_limits() {
    use super::{MAX_LINE_BYTES, plain_line};
    use nut_proto::tokenizer::{MAX_WORD_LEN, MAX_WORDS};
    let words = |n: usize| format!("{}\n", vec!["w"; n].join(" "));
    assert_eq!(
        plain_line(words(MAX_WORDS).as_bytes()).map(|(w, _)| w.as_slice().len()),
        Some(MAX_WORDS)
    );
    assert!(plain_line(words(MAX_WORDS + 1).as_bytes()).is_none());
    let word = |n: usize| format!("{}\n", "w".repeat(n));
    assert!(plain_line(word(MAX_WORD_LEN).as_bytes()).is_some());
    assert!(plain_line(word(MAX_WORD_LEN + 1).as_bytes()).is_none());
    assert!(plain_line(format!("{}\n", " ".repeat(MAX_LINE_BYTES)).as_bytes()).is_some());
    assert!(plain_line(format!("{}\n", " ".repeat(MAX_LINE_BYTES + 1)).as_bytes()).is_none());
    assert!(
        plain_line(b"GET VAR").is_none(),
        "no LF: left to the tokenizer"
    );
    let (got, rest) = plain_line(b"GET\tVAR  ups ups.status\r\nVER\n").unwrap();
    assert_eq!(got.as_slice(), ["GET", "VAR", "ups", "ups.status"]);
    assert_eq!(rest, b"VER\n");
}
