use super::*;
use proptest::prelude::*;
use std::path::Path;

fn parse(text: &str) -> Definition {
    Definition::parse(Path::new("test.dev"), text.as_bytes()).expect("within limits")
}

fn var(name: &str, value: Option<&str>) -> EntryKind {
    EntryKind::Variable {
        name: name.into(),
        value: value.map(Into::into),
    }
}

fn kinds(def: &Definition) -> Vec<EntryKind> {
    def.entries.iter().map(|e| e.kind.clone()).collect()
}

#[test]
fn reads_the_quirks_real_dummy_ups_2_8_0_showed() {
    let def = parse(concat!(
        "# comment\n",
        "ups.status: OL OL CHRG\n",
        "experimental.a: first value\n",
        "x.novalue:\n",
        "experimental.quoted: \"a  b\"\n",
        "experimental.multi: a   b  c\n",
        "experimental.colon:value\n",
        "driver.name: foo\n",
        "DRIVER.NAME: bar\n",
        "experimental.hash: before # after\n",
        "experimental.backslash: a\\b\n",
        "experimental.empty: \"\"\n",
        "ups.statusfoo: LB\n",
        "ALARM something bad\n",
    ));
    assert_eq!(
        kinds(&def),
        [
            EntryKind::Status {
                name: "ups.status".into(),
                tokens: vec!["OL".into(), "OL".into(), "CHRG".into()]
            },
            var("experimental.a", Some("first value")),
            var("x.novalue", None),
            var("experimental.quoted", Some("a  b")),
            var("experimental.multi", Some("a b c")),
            var("experimental.colon", None),
            EntryKind::Driver {
                name: "driver.name".into()
            },
            var("DRIVER.NAME", Some("bar")),
            var("experimental.hash", Some("before")),
            var("experimental.backslash", Some("ab")),
            var("experimental.empty", Some("")),
            EntryKind::Status {
                name: "ups.statusfoo".into(),
                tokens: vec!["LB".into()]
            },
            var("ALARM", Some("something bad")),
        ]
    );
    assert_eq!(def.entries[0].line, 2);
    assert!(def.diagnostics.is_empty());
    assert_eq!(def.variable_count(), 12);
}

#[test]
fn timer_reads_like_atoi_and_matches_by_prefix() {
    let def =
        parse("TIMER 300\nTIMER 5s\nTIMER abc\nTIMER -3\nTIMERX 7\nTIMER: 2\nTIMER\ntimer 9\n");
    let timers: Vec<_> = def
        .entries
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::Timer { seconds } => Some(seconds),
            _ => None,
        })
        .collect();
    assert_eq!(timers, [300, 5, 0, -3, 7, 2, 0]);
    assert_eq!(def.diagnostics.len(), 1, "bare TIMER is noted");
    assert_eq!(def.diagnostics[0].line, 7);
    assert_eq!(
        def.entries.last().map(|e| e.kind.clone()),
        Some(var("timer", Some("9")))
    );
}

#[test]
fn atoi_saturates_like_an_int() {
    assert_eq!(c_atoi("99999999999"), i32::MAX);
    assert_eq!(c_atoi("-99999999999"), i32::MIN);
    assert_eq!(c_atoi("+12"), 12);
    assert_eq!(c_atoi("2147483647"), i32::MAX);
    assert_eq!(c_atoi("-2147483648"), i32::MIN);
}

#[test]
fn values_are_cut_at_127_bytes() {
    let exact = "x".repeat(MAX_JOINED_VALUE_LEN);
    let def = parse(&format!("a: {exact}\nb: {exact}y\n"));
    assert_eq!(
        kinds(&def),
        [var("a", Some(&exact)), var("b", Some(&exact))]
    );
}

#[test]
fn tokenizer_errors_skip_the_line_and_are_reported() {
    let def = parse("a: \"x # y\"\nb: ok\n");
    assert_eq!(kinds(&def), [var("b", Some("ok"))]);
    assert_eq!(def.diagnostics.len(), 1);
    assert_eq!(def.diagnostics[0].line, 1);
    assert!(def.diagnostics[0].message.contains("unescaped #"));
}

#[test]
fn odd_whitespace_and_crlf_are_fine() {
    let def = parse("\t ups.load:\t  23 \r\n\r\n   battery.charge:100\r\nx.y: a\x0bb\n");
    assert_eq!(
        kinds(&def),
        [
            var("ups.load", Some("23")),
            var("battery.charge", None),
            var("x.y", Some("a b"))
        ]
    );
}

#[test]
fn empty_names_are_skipped_with_a_diagnostic() {
    let def = parse(": value\n:\n");
    assert!(def.entries.is_empty());
    assert_eq!(def.diagnostics.len(), 2);
}

#[test]
fn nut_ddl_annotations_are_collected() {
    let def = parse(concat!(
        "#RW:ups.delay.shutdown:STRING\n",
        "#RW:battery.charge.low:STRING:10\n",
        "#RW:input.sensitivity:ENUM:\"H\"\n",
        "#RW:ups.delay.start:RANGE:\"0\" \"599940\"\n",
        "#RW:ups.id:STRING\t#BAD: The value doesn't change\n",
        "  #CMD:test.battery.start\t#BAD: Not working\n",
        "#CMD:load.off\n",
        "#COMMENT: not an annotation\n",
        "#RW:broken\n",
    ));
    let rw: Vec<_> = def
        .annotations
        .rw
        .iter()
        .map(|a| (a.name.as_str(), a.kind.clone()))
        .collect();
    assert_eq!(
        rw,
        [
            ("ups.delay.shutdown", RwKind::String { max_len: None }),
            ("battery.charge.low", RwKind::String { max_len: Some(10) }),
            ("input.sensitivity", RwKind::Enum("H".into())),
            (
                "ups.delay.start",
                RwKind::Range {
                    min: "0".into(),
                    max: "599940".into()
                }
            ),
            ("ups.id", RwKind::String { max_len: None }),
        ]
    );
    let cmds: Vec<_> = def
        .annotations
        .commands
        .iter()
        .map(|c| (c.line, c.name.as_str()))
        .collect();
    assert_eq!(cmds, [(6, "test.battery.start"), (7, "load.off")]);
    assert!(
        def.entries.is_empty(),
        "annotations are comments to dummy-ups"
    );
}

#[test]
fn oversized_files_are_refused_at_the_limit_plus_one() {
    let at = vec![b'#'; MAX_DEFINITION_BYTES];
    assert!(Definition::parse(Path::new("x"), &at).is_ok());
    let over = vec![b'#'; MAX_DEFINITION_BYTES + 1];
    assert!(matches!(
        Definition::parse(Path::new("x"), &over),
        Err(Error::TooLarge { .. })
    ));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = Definition::parse(Path::new("x"), &bytes);
    }

    #[test]
    fn upsc_style_dumps_round_trip(
        vars in proptest::collection::vec(("[a-z]{1,6}(\\.[a-z0-9]{1,6}){1,3}", "[!-~]([ -~]{0,30}[!-~])?"), 1..30)
    ) {
        // What `upsc` prints: "name: value", values quoted when they need it.
        let vars: Vec<_> = vars
            .into_iter()
            .filter(|(n, _)| !n.starts_with("driver.") && !n.starts_with("ups.status") && !n.starts_with("TIMER"))
            .collect();
        let text: String = vars
            .iter()
            .map(|(n, v)| format!("{n}: {}\n", nut_proto::tokenizer::quote(v)))
            .collect();
        let def = parse(&text);
        prop_assert!(def.diagnostics.is_empty());
        let expected: Vec<_> = vars.iter().map(|(n, v)| var(n, Some(v))).collect();
        prop_assert_eq!(kinds(&def), expected);
    }
}
