//! Our upsdrvctl against real upsdrvctl 2.8.0 on the same `ups.conf`, in
//! testing mode (`-t`) and on the paths that fail before anything runs:
//! identical standard output, identical standard error once NUT's debug
//! timestamps are removed, identical exit status.

use crate::support::{Lab, Outcome, real_nut};

/// Sections in file order with every `sdorder` case, real drivers only.
const UPS_CONF: &str = "maxretry = 3\n\
    [a]\n  driver = dummy-ups\n  port = a.dev\n  sdorder = 2\n\
    [b]\n  driver = dummy-ups\n  port = b.dev\n\
    [c]\n  driver = dummy-ups\n  port = c.dev\n  sdorder = -1\n\
    [d]\n  driver = dummy-ups\n  port = /dev/ttyS9\n  sdorder = 1\n\
    [e]\n  driver = usbhid-ups\n  port = auto\n  sdorder = 1\n  desc = \"an \\\"e\\\"\"\n";

/// Runs `args` through both and asserts the same behaviour.
fn same(lab: &Lab, args: &[&str]) -> Outcome {
    let real = lab.real(args);
    let ours = lab.ours(args);
    assert_eq!(
        ours.code, real.code,
        "exit status of {args:?}\nreal: {real:#?}\nours: {ours:#?}"
    );
    assert_eq!(ours.stdout, real.stdout, "stdout of {args:?}");
    assert_eq!(
        ours.stderr_untimed(),
        real.stderr_untimed(),
        "stderr of {args:?}"
    );
    real
}

#[test]
fn testing_mode_and_early_failures_match_real_upsdrvctl() {
    if !real_nut("testing_mode_and_early_failures_match_real_upsdrvctl") {
        return;
    }
    let lab = Lab::new("oracle");
    lab.ups_conf(UPS_CONF);
    let cases: &[&[&str]] = &[
        &["-t", "start"],
        &["-t", "start", "b"],
        &["-t", "stop"],
        &["-t", "stop", "d"],
        &["-t", "shutdown"],
        &["-t", "shutdown", "c"],
        &["-t", "shutdown", "zz"],
        &["-t", "bogus"],
        &["-t", "-u", "nut", "-r", "/x", "start", "b"],
        &["-t", "-u", "nut", "-r", "/x", "-d", "-DDD", "shutdown", "d"],
        &["-t", "-d", "start", "b"],
        &["-t", "-DDDDD", "-d", "start", "e"],
        &["-t", "-d", "stop", "b"],
        &["-tD", "start"],
        &["stop", "zz"],
        &["stop", "a"],
        &["stop"],
        &["-D", "start", "zz"],
        &["-DD", "stop", "d"],
        &["-V"],
    ];
    for args in cases {
        same(&lab, args);
    }
    // The order upsdrvctl works in, as the real one shows it.
    let shutdown = lab.real(&["-t", "shutdown"]);
    assert_eq!(
        shutdown.stderr_lines_with("Shutdown UPS"),
        [
            "[D1] Shutdown UPS: b",
            "[D1] Shutdown UPS: d",
            "[D1] Shutdown UPS: e",
            "[D1] Shutdown UPS: a"
        ]
    );
    eprintln!("upsdrvctl oracle: {} command lines compared", cases.len());
}

#[test]
fn configuration_problems_match_real_upsdrvctl() {
    if !real_nut("configuration_problems_match_real_upsdrvctl") {
        return;
    }
    let lab = Lab::new("oracle-conf");
    let mut compared = 0;
    // No ups.conf at all.
    same(&lab, &["-t", "start"]);
    same(&lab, &["stop", "x"]);
    // An empty one; a section without lines does not count either.
    for text in ["", "maxretry = 2\n", "[hollow]\n"] {
        lab.ups_conf(text);
        same(&lab, &["-t", "start"]);
        same(&lab, &["-t", "start", "hollow"]);
        same(&lab, &["stop"]);
        compared += 3;
    }
    // Sections without driver or port, and a driver that is not there.
    lab.ups_conf(
        "[nodrv]\n  port = /dev/x\n\
         [noport]\n  driver = dummy-ups\n\
         [gone]\n  driver = no-such-driver\n  port = p\n",
    );
    for args in [
        &["-t", "start"][..],
        &["-t", "start", "noport"],
        &["-t", "start", "gone"],
        &["-t", "shutdown"],
        &["-t", "stop"],
    ] {
        same(&lab, args);
        compared += 1;
    }
    eprintln!(
        "upsdrvctl oracle: {} configuration cases compared",
        compared + 2
    );
}

#[test]
fn list_names_the_ups_the_real_one_works_on() {
    if !real_nut("list_names_the_ups_the_real_one_works_on") {
        return;
    }
    let lab = Lab::new("oracle-list");
    lab.ups_conf(UPS_CONF);
    // NUT 2.8.0 has no list; its start order is the list.
    let real = lab.real(&["-t", "start"]);
    let started: Vec<String> = real
        .stderr_lines_with("Starting UPS: ")
        .iter()
        .map(|l| l.trim_start_matches("[D1] Starting UPS: ").to_owned())
        .collect();
    assert_eq!(started, ["a", "b", "c", "d", "e"]);
    let banner = format!("{}\n", nut_server::upsdrvctl::banner());
    for args in [&["list"][..], &["-l"]] {
        let ours = lab.ours(args);
        assert_eq!(ours.code, 0);
        assert_eq!(ours.stdout, format!("{banner}{}\n", started.join("\n")));
        assert_eq!(ours.stderr, "");
    }
    let one = lab.ours(&["-l", "d"]);
    assert_eq!(
        (one.code, one.stdout.as_str()),
        (0, format!("{banner}d\n").as_str())
    );
    // An unknown name fails as the real one fails for it.
    let real_missing = lab.real(&["start", "zz"]);
    let ours_missing = lab.ours(&["list", "zz"]);
    assert_eq!(ours_missing.code, real_missing.code);
    assert_eq!(ours_missing.stderr, real_missing.stderr);
}
