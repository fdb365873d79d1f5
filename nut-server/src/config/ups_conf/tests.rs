use super::*;
use proptest::prelude::*;

fn parse(text: &str) -> Result<UpsConf, Error> {
    UpsConf::parse(Path::new("/etc/nut/ups.conf"), text.as_bytes())
}

fn ok(text: &str) -> UpsConf {
    parse(text).expect("valid ups.conf")
}

#[test]
fn reads_globals_and_sections_in_file_order() {
    let conf = ok(concat!(
        "chroot = /var/empty\n",
        "driverpath = /lib/nut\n",
        "statepath = /run/nut\n",
        "maxstartdelay = 30\n",
        "maxretry = 3\n",
        "retrydelay = 10\n",
        "pollinterval = 5\n",
        "user = nut\n",
        "group = nut\n",
        "synchronous = yes\n",
        "nowait\n",
        "debug_min = 2\n",
        "LIBUSB_DEBUG = 4\n",
        "[zeta]\n driver = dummy-ups\n port = z.dev\n",
        "[alpha]\n driver = usbhid-ups\n port = auto\n desc = \"Rack A\"\n sdorder = -1\n",
    ));
    let g = &conf.globals;
    assert_eq!(g.chroot.as_deref(), Some("/var/empty"));
    assert_eq!(g.driverpath.as_deref(), Some("/lib/nut"));
    assert_eq!(g.statepath.as_deref(), Some("/run/nut"));
    assert_eq!(
        (g.maxstartdelay, g.maxretry, g.retrydelay, g.pollinterval),
        (Some(30), Some(3), Some(10), Some(5))
    );
    assert_eq!(
        (g.user.as_deref(), g.group.as_deref()),
        (Some("nut"), Some("nut"))
    );
    assert_eq!(g.synchronous, Some(Synchronous::Yes));
    assert!(g.nowait);
    assert_eq!((g.debug_min, g.libusb_debug), (Some(2), Some(4)));
    let names: Vec<_> = conf.sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["zeta", "alpha"]);
    let alpha = conf.section("alpha").expect("alpha");
    assert_eq!(alpha.desc(), Some("Rack A"));
    assert_eq!(alpha.sdorder, -1);
    assert_eq!(conf.section("zeta").map(|s| s.sdorder), Some(0));
    assert!(conf.warnings.is_empty(), "{:?}", conf.warnings);
}

#[test]
fn every_spacing_of_equals_is_one_entry() {
    let conf = ok("[u]\na=1\nb =2\nc= 3\nd = 4\n");
    let values: Vec<_> = conf.sections[0]
        .entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_deref()))
        .collect();
    assert_eq!(
        values,
        [
            ("a", Some("1")),
            ("b", Some("2")),
            ("c", Some("3")),
            ("d", Some("4"))
        ]
    );
}

#[test]
fn flags_defaults_overrides_and_driver_options_are_told_apart() {
    let conf = ok(concat!(
        "[u]\n driver = usbhid-ups\n port = auto\n nolock\n",
        " vendorid = 0463\n pollonly\n",
        " default.battery.charge.low = 20\n OVERRIDE.ups.mfr = Acme\n",
    ));
    let s = &conf.sections[0];
    assert!(s.has_flag("nolock"));
    assert!(!s.has_flag("vendorid"));
    assert_eq!(
        s.defaults().collect::<Vec<_>>(),
        [("battery.charge.low", "20")]
    );
    assert_eq!(s.overrides().collect::<Vec<_>>(), [("ups.mfr", "Acme")]);
    let own: Vec<_> = s.driver_options().map(|e| e.key.as_str()).collect();
    assert_eq!(own, ["vendorid", "pollonly"]);
}

#[test]
fn last_value_wins_and_duplicate_sections_merge_in_first_place() {
    let conf = ok("[a]\nport = 1\n[b]\ndriver = x\nport = y\n[a]\nport = 2\ndriver = d\n");
    assert_eq!(conf.sections.len(), 2);
    let a = &conf.sections[0];
    assert_eq!(
        (a.name.as_str(), a.port(), a.driver()),
        ("a", Some("2"), Some("d"))
    );
}

#[test]
fn upsd_sees_only_complete_lower_case_sections() {
    let conf = ok(concat!(
        "[a]\ndriver = dummy-ups\n",
        "[b]\nport = x\n",
        "[c]\nDriver = dummy-ups\nPort = x\n",
        "[d]\ndriver = dummy-ups\nport = y.dev\ndesc = \"D\"\n",
        "[e]\ndriver = usbhid-ups\nport = auto\n",
    ));
    let (devices, warnings) = conf.upsd_devices();
    let names: Vec<_> = devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["d", "e"]);
    assert_eq!(devices[0].socket_name(), "dummy-ups-d");
    assert_eq!(devices[0].desc.as_deref(), Some("D"));
    assert_eq!(devices[1].desc, None);
    let messages: Vec<_> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "Warning: ignoring incomplete configuration for UPS [a]",
            "Warning: ignoring incomplete configuration for UPS [b]",
            "Warning: ignoring incomplete configuration for UPS [c]",
        ]
    );
    assert_eq!(warnings[2].line, 5);
}

#[test]
fn hash_in_quotes_stops_with_nuts_message_and_line() {
    let err = parse("[u]\ndriver = dummy-ups\ndesc = \"a#b\"\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Parse error: /etc/nut/ups.conf:3: Unbalanced word due to unescaped # in quotes"
    );
}

#[test]
fn typed_numbers_are_checked_with_file_and_line() {
    let err = parse("[u]\ndriver = x\nsdorder = first\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "/etc/nut/ups.conf:3: sdorder: value \"first\" is not a number"
    );
    assert!(parse("maxretry = -1\n").is_err());
    assert!(parse("pollinterval\n").is_err());
    assert!(parse("nowait = maybe\n").is_err());
    assert!(!ok("nowait = no\n").globals.nowait);
}

#[test]
fn empty_section_name_is_an_error() {
    let err = parse("[]\ndriver = x\n").unwrap_err();
    assert!(matches!(
        err,
        Error::Config {
            line: 1,
            problem: Problem::EmptySection,
            ..
        }
    ));
}

#[test]
fn odd_shapes_are_ignored_with_a_warning() {
    let conf = ok("[u]\ndriver dummy-ups\nport = a b\n=\nfoo =\n");
    let s = &conf.sections[0];
    assert_eq!(s.driver(), None);
    assert_eq!(s.port(), Some("a"));
    assert_eq!(s.entries.len(), 1);
    assert_eq!(conf.warnings.len(), 4, "{:?}", conf.warnings);
    assert_eq!(
        conf.warnings.iter().map(|w| w.line).collect::<Vec<_>>(),
        [2, 3, 4, 5]
    );
}

#[test]
fn synchronous_reads_like_nut() {
    assert_eq!(Synchronous::parse("yes"), Synchronous::Yes);
    assert_eq!(Synchronous::parse("auto"), Synchronous::Auto);
    assert_eq!(Synchronous::parse("bogus"), Synchronous::No);
    assert_eq!(Synchronous::parse("YES"), Synchronous::No);
    assert_eq!(Synchronous::default().as_str(), "auto");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = UpsConf::parse(Path::new("x"), &bytes);
    }

    #[test]
    fn generated_sections_round_trip(
        sections in proptest::collection::vec(
            ("[a-z][a-z0-9_-]{0,8}", proptest::collection::vec(("[a-z][a-z_]{0,8}", "[A-Za-z0-9 ./]{0,12}"), 0..5)),
            1..5,
        )
    ) {
        let mut text = String::new();
        let mut expected: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for (name, entries) in &sections {
            text.push_str(&format!("[{name}]\n"));
            // Typed keys are checked for numbers; keep the property about layout.
            let entries: Vec<_> = entries
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "sdorder" | "maxstartdelay" | "maxretry" | "retrydelay" | "pollinterval" | "synchronous" | "driver" | "port" | "desc"))
                .collect();
            for (key, value) in &entries {
                text.push_str(&format!("  {key} = {}\n", nut_proto::tokenizer::quote(value)));
            }
            let pairs: Vec<_> = entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            match expected.iter_mut().find(|(n, _)| n == name) {
                Some((_, existing)) => existing.extend(pairs),
                None => expected.push((name.clone(), pairs)),
            }
        }
        let conf = UpsConf::parse(Path::new("x"), text.as_bytes()).expect("generated text parses");
        let got: Vec<(String, Vec<(String, String)>)> = conf
            .sections
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.entries
                        .iter()
                        .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
                        .collect(),
                )
            })
            .collect();
        prop_assert_eq!(got, expected);
    }
}
