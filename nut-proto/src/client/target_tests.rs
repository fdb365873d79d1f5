use proptest::prelude::*;

use super::*;

fn ok(input: &str) -> (Option<String>, String, u16) {
    let t = Target::parse(input).unwrap();
    (t.ups, t.host, t.port)
}

fn err(input: &str) -> TargetErrorKind {
    Target::parse(input).unwrap_err().kind
}

fn strict(input: &str) -> Result<Target, TargetErrorKind> {
    Target::parse_with(input, TargetSyntax::Strict).map_err(|e| e.kind)
}

fn target(ups: &str, host: &str, port: u16) -> (Option<String>, String, u16) {
    (Some(ups.to_owned()), host.to_owned(), port)
}

#[test]
fn defaults_and_full_forms() {
    assert_eq!(ok("ups"), target("ups", "localhost", 3493));
    assert_eq!(ok("ups@nas"), target("ups", "nas", 3493));
    assert_eq!(ok("ups@nas:1234"), target("ups", "nas", 1234));
    assert_eq!(ok("ups@10.0.0.1:1"), target("ups", "10.0.0.1", 1));
    assert_eq!(ok("ups@h:65535").2, 65535);
}

#[test]
fn bracketed_ipv6() {
    assert_eq!(ok("ups@[::1]:3494"), target("ups", "::1", 3494));
    assert_eq!(ok("ups@[::1]"), target("ups", "::1", 3493));
    assert_eq!(ok("ups@[fe80::1%eth0]:7").1, "fe80::1%eth0");
    // NUT ignores what follows `]` unless it is `:port`.
    assert_eq!(ok("ups@[::1]junk").2, 3493);
    assert_eq!(ok("ups@[::1]]:5"), target("ups", "::1", 3493));
    assert_eq!(err("ups@[::1"), TargetErrorKind::MissingBracket);
    // Unbracketed IPv6 reads as host `1` with port `:1`, which NUT rejects too.
    assert_eq!(err("ups@::1"), TargetErrorKind::BadPort);
}

#[test]
fn ports_read_like_strtol() {
    assert_eq!(err("ups@h:0"), TargetErrorKind::BadPort);
    assert_eq!(ok("ups@h:1").2, 1);
    assert_eq!(ok("ups@h:65535").2, 65535);
    assert_eq!(err("ups@h:65536"), TargetErrorKind::BadPort);
    assert_eq!(err("ups@h:-1"), TargetErrorKind::BadPort);
    assert_eq!(err("ups@h:"), TargetErrorKind::BadPort);
    assert_eq!(err("ups@h:abc"), TargetErrorKind::BadPort);
    assert_eq!(err("ups@h:99999999999999999999"), TargetErrorKind::BadPort);
    // Leading blanks, a sign and trailing junk, as with real upsc
    // (`:+14000`, `: 14000`, `:14000x`, `:14000:1` all reach port 14000).
    assert_eq!(ok("ups@h:+5").2, 5);
    assert_eq!(ok("ups@h: 14000").2, 14000);
    assert_eq!(ok("ups@h:13600x").2, 13600);
    assert_eq!(ok("ups@h:13600:5").2, 13600);
    assert_eq!(err("ups@h::5"), TargetErrorKind::BadPort);
}

#[test]
fn separators_read_like_strtok() {
    // Each of these was checked against real upsc 2.8.0 (the UPS name it
    // asks for, or the host it fails to resolve).
    assert_eq!(ok("@h:1"), target("h:1", "h", 1));
    assert_eq!(ok("@@h:1"), target("h:1", "@h", 1));
    assert_eq!(ok("a@b@h:1"), target("a", "b@h", 1));
    assert_eq!(ok("ups@h:1@x"), target("ups", "h", 1));
    assert_eq!(ok("ups@:14000"), target("ups", "14000", 14000));
    assert_eq!(ok("ups@[]:14000"), target("ups", ":14000", 3493));
    assert_eq!(ok("@ups"), target("ups", "ups", 3493));
}

#[test]
fn no_name_at_all_is_refused_where_nut_crashes() {
    for (input, kind, diagnostic) in [
        (
            "@",
            TargetErrorKind::MissingUpsName,
            "upscli_splitname: xstrdup failed",
        ),
        (
            "@@@",
            TargetErrorKind::MissingUpsName,
            "upscli_splitname: xstrdup failed",
        ),
        (
            "ups@:",
            TargetErrorKind::MissingHost,
            "upscli_splitaddr: xstrdup failed",
        ),
        (
            "ups@[]",
            TargetErrorKind::MissingHost,
            "upscli_splitaddr: xstrdup failed",
        ),
    ] {
        let e = Target::parse(input).unwrap_err();
        assert_eq!(e.kind, kind, "{input}");
        assert_eq!(e.nut_diagnostic().as_deref(), Some(diagnostic), "{input}");
    }
}

#[test]
fn empty_forms_and_messages() {
    let e = Target::parse("").unwrap_err();
    assert_eq!(e.kind, TargetErrorKind::Empty);
    assert_eq!(
        e.nut_diagnostic().as_deref(),
        Some("upscli_splitname: can't parse empty string")
    );
    let e = Target::parse("ups@").unwrap_err();
    assert_eq!(
        e.nut_diagnostic().as_deref(),
        Some("upscli_splitaddr: can't parse empty string")
    );
    assert_eq!(
        e.nut_message(),
        "invalid UPS definition.\nRequired format: upsname[@hostname[:port]]"
    );
    let e = Target::parse("ups@h:x").unwrap_err();
    assert_eq!(
        e.nut_diagnostic().as_deref(),
        Some("upscli_splitaddr: no port specified after ':' separator")
    );
    assert_eq!(
        Target::parse("ups@[::1")
            .unwrap_err()
            .nut_diagnostic()
            .as_deref(),
        Some("upscli_splitaddr: missing closing bracket in [domain literal]")
    );
}

#[test]
fn only_the_first_511_bytes_count() {
    let name = "u".repeat(MAX_TARGET_LEN);
    assert_eq!(ok(&name).0.unwrap().len(), MAX_TARGET_LEN);
    let longer = "u".repeat(MAX_TARGET_LEN + 1);
    assert_eq!(ok(&longer).0.unwrap(), name);
    // The cut can fall in the host: `ups@` + 507 bytes of host is 511.
    let host = "h".repeat(MAX_TARGET_LEN - 4);
    assert_eq!(ok(&format!("ups@{host}")).1, host);
    assert_eq!(ok(&format!("ups@{host}x")).1, host);
    // ... and drop the port separator with it.
    assert_eq!(ok(&format!("ups@{host}:1")).2, 3493);
    assert_eq!(strict(&name).unwrap().ups.unwrap(), name);
    assert_eq!(strict(&longer).unwrap_err(), TargetErrorKind::TooLong);
}

#[test]
fn strict_syntax_refuses_what_nut_reads_oddly() {
    assert_eq!(strict("ups@[::1]:7").unwrap().port, 7);
    for (input, kind) in [
        ("", TargetErrorKind::Empty),
        ("ups@", TargetErrorKind::Empty),
        ("@nas", TargetErrorKind::MissingUpsName),
        ("@", TargetErrorKind::MissingUpsName),
        ("ups@:1", TargetErrorKind::MissingHost),
        ("ups@[]:1", TargetErrorKind::MissingHost),
        ("a@b@c", TargetErrorKind::Malformed),
        ("ups@[::1]x", TargetErrorKind::Malformed),
        ("ups@[::1", TargetErrorKind::MissingBracket),
        ("ups@h:+5", TargetErrorKind::BadPort),
        ("ups@h:12x", TargetErrorKind::BadPort),
        ("ups@h:1:2", TargetErrorKind::BadPort),
        ("ups@h:000001", TargetErrorKind::BadPort),
        ("ups@h:0", TargetErrorKind::BadPort),
        ("ups@h:65536", TargetErrorKind::BadPort),
    ] {
        assert_eq!(strict(input).unwrap_err(), kind, "{input}");
    }
    // NUT has no diagnostic for what it accepts, and the one it prints
    // otherwise.
    let e = Target::parse_with("@nas", TargetSyntax::Strict).unwrap_err();
    assert_eq!(e.nut_diagnostic(), None);
    let e = Target::parse_with("ups@h:x", TargetSyntax::Strict).unwrap_err();
    assert_eq!(
        e.nut_diagnostic().as_deref(),
        Some("upscli_splitaddr: no port specified after ':' separator")
    );
}

#[test]
fn host_only_forms() {
    let t = Target::parse_host("[::1]:3494").unwrap();
    assert_eq!((t.ups, t.host.as_str(), t.port), (None, "::1", 3494));
    let t = Target::parse_host("nas").unwrap();
    assert_eq!((t.host.as_str(), t.port), ("nas", 3493));
    assert_eq!(Target::parse_host("ups@nas").unwrap().host, "ups@nas");
    let e = Target::parse_host("127.0.0.1:").unwrap_err();
    assert!(e.host_only);
    assert_eq!(
        e.nut_message(),
        "invalid hostname.\nRequired format: [hostname[:port]]"
    );
    assert_eq!(
        Target::parse_host("")
            .unwrap_err()
            .nut_diagnostic()
            .as_deref(),
        Some("upscli_splitaddr: can't parse empty string")
    );
    assert_eq!(
        Target::parse_host("[::1").unwrap_err().kind,
        TargetErrorKind::MissingBracket
    );
    let e = Target::parse_host_with("ups@nas", TargetSyntax::Strict).unwrap_err();
    assert_eq!(
        (e.kind, e.nut_diagnostic()),
        (TargetErrorKind::Malformed, None)
    );
}

#[test]
fn display_round_trips() {
    for input in ["ups@localhost:3493", "ups@[::1]:3494", "a.b@10.1.2.3:1"] {
        assert_eq!(Target::parse(input).unwrap().to_string(), input);
    }
    assert_eq!(
        Target::parse_host("[::1]:5").unwrap().to_string(),
        "[::1]:5"
    );
}

proptest! {
    /// NUT's reading never panics, and whatever the strict syntax accepts
    /// NUT reads the same way.
    #[test]
    fn strict_is_a_subset_of_nut(input in "[a-z@:\\[\\]0-9+ ]{0,16}") {
        let nut = Target::parse(&input);
        if let Ok(target) = Target::parse_with(&input, TargetSyntax::Strict) {
            prop_assert_eq!(nut, Ok(target));
        }
        let nut_host = Target::parse_host(&input);
        if let Ok(target) = Target::parse_host_with(&input, TargetSyntax::Strict) {
            prop_assert_eq!(nut_host, Ok(target));
        }
    }
}
