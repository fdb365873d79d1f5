//! Fuzz target: upsd's per-connection `Session` on arbitrary client bytes,
//! against a small in-memory `Server` (one UPS with plain, enum and range
//! variables, two commands, one user).
//!
//! Byte 0: bit 0 offers STARTTLS, the rest picks where the input is cut in
//! two. Properties: nothing panics; every reply line is UTF-8 and decodes
//! (`ListLine::decode` inside `BEGIN LIST`/`END LIST`, else
//! `Reply::decode`, whose free-text lines must be VER, NETVER or HELP);
//! feeding the input whole or in two pieces gives the same replies, up to
//! where the runtime would stop reading (close or STARTTLS).
#![no_main]

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use nut_proto::net::{ListLine, Reply};
use nut_server::config::Users;
use nut_server::config::ups_conf::UpsdDevice;
use nut_server::upsd::{Next, Server, ServerConfig, Session, version_text};

const DUMP: &[u8] = b"SETINFO ups.status \"OL\"\nSETINFO battery.charge \"100\"\n\
SETFLAGS battery.charge RW NUMBER\nADDRANGE battery.charge 0 100\n\
SETINFO input.transfer.high \"253\"\nADDENUM input.transfer.high \"253\"\n\
ADDENUM input.transfer.high \"264\"\nSETFLAGS input.transfer.high RW\n\
SETINFO ups.id \"UPS_IDEN\"\nSETAUX ups.id 8\nSETFLAGS ups.id RW STRING\n\
ADDCMD load.off\nADDCMD test.battery.start\nDATAOK\nDUMPDONE\n";

const USERS: &[u8] =
    b"[admin]\n password = pw\n actions = SET FSD\n instcmds = ALL\n upsmon primary\n";

const HELP: &str =
    "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS";

fn fixture(tls: bool, now: Instant) -> (Server, Session) {
    let device = UpsdDevice {
        name: "ups".into(),
        driver: "dummy-ups".into(),
        port: "ups.dev".into(),
        desc: Some("Fuzzed \"UPS\"".into()),
    };
    let mut config = ServerConfig::new(vec![device]);
    if let Ok(users) = Users::parse("upsd.users".as_ref(), USERS) {
        config.users = users;
    }
    config.tls_available = tls;
    let mut server = Server::new(config);
    let mut counter = 0u8;
    server.set_random_source(Box::new(move || {
        counter = counter.wrapping_add(1);
        [counter; 16]
    }));
    for id in server.ups_ids() {
        server.handle_driver_connected(id, now);
        server.handle_driver_input(id, now, DUMP);
        let mut sink = Vec::new();
        let _ = server.poll_driver_transmit(id, &mut sink);
    }
    let session = server.open_session([127, 0, 0, 1].into(), now);
    (server, session)
}

/// Feeds `pieces` as the runtime would: it stops reading after anything
/// but `Continue`. Returns the replies and whether it stopped early.
fn feed(tls: bool, pieces: &[&[u8]]) -> (Vec<u8>, bool) {
    let now = Instant::now();
    let (mut server, mut session) = fixture(tls, now);
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let next = session.handle_input(&mut server, now, piece, &mut out);
        while server.poll_log().is_some() {}
        if next != Next::Continue {
            return (out, i + 1 < pieces.len());
        }
    }
    (out, false)
}

/// Whether the input has words upsd echoes verbatim that do not survive
/// re-tokenizing (quotes, escapes, bytes outside printable ASCII): real upsd 2.8.0
/// echoes them the same way, so such reply lines are not checked.
fn echo_unsafe(input: &[u8]) -> bool {
    // Quotes and backslashes can make a word empty or give it spaces, and
    // dropped bytes (outside printable ASCII) can empty a quoted word: upsd
    // echoes such words raw (as real upsd does), so their lines may not
    // re-read as the same words.
    input.iter().any(|b| {
        matches!(b, b'"' | b'\\')
            || (!(0x20..=0x7e).contains(b) && !matches!(b, b'\n' | b'\t' | b'\r'))
    })
}

fn check_lines(out: &[u8], lenient: bool) {
    let text = std::str::from_utf8(out).expect("replies are UTF-8");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "unterminated reply: {text:?}"
    );
    let version = version_text();
    let mut in_list = false;
    for line in text.lines() {
        if in_list || line.starts_with("BEGIN ") {
            match ListLine::decode(line) {
                Ok(ListLine::Begin(_)) => in_list = true,
                Ok(ListLine::End(_)) => in_list = false,
                Ok(_) => assert!(in_list, "list item outside a list: {line:?}"),
                Err(_) if lenient => {}
                Err(e) => panic!("bad LIST line {line:?}: {e}"),
            }
            continue;
        }
        match Reply::decode(line) {
            Ok(Reply::Text(t)) => assert!(
                t == version || t == "1.3" || t == HELP,
                "unexpected free-text reply {line:?}"
            ),
            Ok(_) => {}
            Err(_) if lenient => {}
            Err(e) => panic!("bad reply line {line:?}: {e}"),
        }
    }
    assert!(!in_list, "LIST without END: {text:?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let tls = control & 1 == 1;
    let cut = usize::from(control >> 1) * input.len() / 128;
    let (whole, _) = feed(tls, &[input]);
    check_lines(&whole, echo_unsafe(input));
    let (head, tail) = input.split_at(cut.min(input.len()));
    let (split, stopped_early) = feed(tls, &[head, tail]);
    if stopped_early {
        assert!(whole.starts_with(&split), "split replies are not a prefix");
    } else {
        assert_eq!(
            String::from_utf8_lossy(&whole),
            String::from_utf8_lossy(&split),
            "replies depend on the cut at {cut}"
        );
    }
});
