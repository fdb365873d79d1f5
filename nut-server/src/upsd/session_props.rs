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
