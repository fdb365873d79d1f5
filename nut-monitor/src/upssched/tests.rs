use std::time::{Duration, Instant};

use super::*;

const HEAD: &str =
    "CMDSCRIPT /lab/cmd.sh --flag\nPIPEFN /lab/upssched.pipe\nLOCKFN /lab/upssched.lock\n";

/// The lab's second-pass config (real-nut-lab.md §3.3).
const LAB: &str = "AT ONBATT * START-TIMER onbatt 3
AT ONLINE * CANCEL-TIMER onbatt online-no-timer
AT LOWBATT ups1@localhost EXECUTE lowbatt-now
AT LOWBATT * EXECUTE lowbatt-any
";

fn conf(rules: &str) -> Config {
    let p = parse(format!("{HEAD}{rules}").as_bytes(), "upssched.conf").unwrap();
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    p.config
}

fn event(t: &str, ups: &str) -> EventContext {
    EventContext {
        notify_type: t.into(),
        ups: ups.into(),
        message: format!("{t} on {ups}"),
    }
}

/// Runs upssched for each `(ms, type, ups)` event, then lets time run to
/// `end`; returns `(ms, argument, UPSNAME)` of every command.
fn play(config: &Config, events: &[(u64, &str, &str)], end: u64) -> Vec<(u64, String, String)> {
    #[allow(clippy::disallowed_methods)]
    let t0 = Instant::now();
    let mut timers = Timers::new();
    let mut out = Vec::new();
    let mut drain = |timers: &mut Timers, t: u64| {
        while let Some(c) = timers.poll_command() {
            out.push((t, c.argument, c.ups));
        }
    };
    for &(t, ntype, ups) in events {
        let now = t0 + Duration::from_millis(t);
        while let Some(due) = timers.poll_timeout().filter(|d| *d <= now) {
            timers.handle_timeout(due);
            drain(&mut timers, u64::try_from((due - t0).as_millis()).unwrap());
        }
        let e = event(ntype, ups);
        for action in config.actions(ntype, ups) {
            assert!(timers.handle_action(now, action, &e));
        }
        drain(&mut timers, t);
    }
    let end_at = t0 + Duration::from_millis(end);
    while let Some(due) = timers.poll_timeout().filter(|d| *d <= end_at) {
        timers.handle_timeout(due);
        drain(&mut timers, u64::try_from((due - t0).as_millis()).unwrap());
    }
    out
}

fn cmds(items: &[(u64, &str, &str)]) -> Vec<(u64, String, String)> {
    items
        .iter()
        .map(|(t, a, u)| (*t, (*a).into(), (*u).into()))
        .collect()
}

#[test]
fn parses_every_directive() {
    let p = parse(
        format!(
            "{HEAD}debug_min 2\nAT ONBATT * START-TIMER-SHARED s 10\nAT online ups@h CANCEL-TIMER-MATCHED s gone\n\
             AT ONLINE * CANCEL-TIMER s\n{LAB}"
        )
        .as_bytes(),
        "upssched.conf",
    )
    .unwrap();
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let c = p.config;
    assert_eq!(
        c.cmd_script,
        Some(vec!["/lab/cmd.sh".to_owned(), "--flag".to_owned()])
    );
    assert_eq!(c.pipe_fn.as_deref(), Some("/lab/upssched.pipe"));
    assert_eq!(c.lock_fn.as_deref(), Some("/lab/upssched.lock"));
    assert_eq!(c.debug_min, Some(2));
    assert_eq!(c.rules.len(), 7);
    assert_eq!(
        c.rules[0].action,
        Action::StartTimerShared {
            name: "s".into(),
            after: Duration::from_secs(10)
        }
    );
    assert_eq!(c.rules[1].ups, UpsMatch::Name("ups@h".into()));
    assert_eq!(
        c.rules[1].action,
        Action::CancelTimerMatched {
            name: "s".into(),
            otherwise: Some("gone".into())
        }
    );
    assert_eq!(
        c.rules[2].action,
        Action::CancelTimer {
            name: "s".into(),
            otherwise: None
        }
    );
    assert_eq!(c.rules[1].line, 6);
    // Type matching ignores case; the UPS must match exactly.
    assert!(c.rules[1].matches("ONLINE", "ups@h"));
    assert!(!c.rules[1].matches("ONLINE", "UPS@h"));
}

#[test]
fn at_before_the_required_directives_is_fatal() {
    for (text, missing) in [
        ("AT ONBATT * EXECUTE x\n", "CMDSCRIPT"),
        ("CMDSCRIPT /x\nAT ONBATT * EXECUTE x\n", "PIPEFN"),
        ("CMDSCRIPT /x\nPIPEFN /p\nAT ONBATT * EXECUTE x\n", "LOCKFN"),
    ] {
        let err = parse(text.as_bytes(), "upssched.conf").unwrap_err();
        assert!(
            matches!(err, Error::MissingBeforeAt { directive, .. } if directive == missing),
            "{err}"
        );
        assert_eq!(
            err.nut_message(),
            [format!(
                "{missing} must be set before any ATs in the config file!"
            )]
        );
    }
}

#[test]
fn bad_lines_are_reported() {
    let p = parse(
        format!(
            "{HEAD}AT REPLBATT * ONBATT * EXECUTE x\nAT ONBATT * START-TIMER t\nAT ONBATT * START-TIMER t soon\n\
             AT ONBATT * START-TIMER t 31622401\nAT ONBATT * EXECUTE a b\nAT ONBATT *\nFROB 1\nDEBUG_MIN x\n"
        )
        .as_bytes(),
        "f",
    )
    .unwrap();
    let m: Vec<&str> = p.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        m,
        [
            "f line 4: Invalid command: AT REPLBATT * ONBATT * EXECUTE x",
            "f line 5: missing timer length: AT ONBATT * START-TIMER t",
            "f line 6: timer length is not a number of seconds: AT ONBATT * START-TIMER t soon",
            "f line 7: timer longer than a year: AT ONBATT * START-TIMER t 31622401",
            "f line 8: extra arguments: AT ONBATT * EXECUTE a b",
            "f line 9: invalid directive AT ONBATT *",
            "f line 10: invalid directive FROB 1",
            "f line 11: invalid DEBUG_MIN value [x]",
        ]
    );
    assert!(p.config.rules.is_empty());
    let ok = parse(
        format!("{HEAD}AT ONBATT * START-TIMER t 31622400\n").as_bytes(),
        "f",
    )
    .unwrap();
    assert_eq!(ok.config.rules.len(), 1);
}

#[test]
fn lab_short_outage_cancels_and_runs_nothing() {
    let c = conf(LAB);
    assert!(play(&c, &[(0, "ONBATT", "u"), (1260, "ONLINE", "u")], 10_000).is_empty());
}

#[test]
fn lab_timer_fires_after_its_time() {
    let c = conf(LAB);
    assert_eq!(
        play(&c, &[(0, "ONBATT", "u")], 10_000),
        cmds(&[(3000, "onbatt", "u")])
    );
}

#[test]
fn lab_cancel_without_timer_runs_the_fallback() {
    let c = conf(LAB);
    assert_eq!(
        play(&c, &[(0, "ONLINE", "u")], 1000),
        cmds(&[(0, "online-no-timer", "u")])
    );
    // Also after the timer already fired (lab: "online-cancelled" ran).
    assert_eq!(
        play(&c, &[(0, "ONBATT", "u"), (5000, "ONLINE", "u")], 9000),
        cmds(&[(3000, "onbatt", "u"), (5000, "online-no-timer", "u")])
    );
}

#[test]
fn lab_every_matching_at_runs_in_file_order() {
    let c = conf(LAB);
    assert_eq!(
        play(&c, &[(0, "LOWBATT", "ups1@localhost")], 1000),
        cmds(&[
            (0, "lowbatt-now", "ups1@localhost"),
            (0, "lowbatt-any", "ups1@localhost")
        ])
    );
    assert_eq!(
        play(&c, &[(0, "lowbatt", "ups2")], 1000),
        cmds(&[(0, "lowbatt-any", "ups2")])
    );
}

#[test]
fn lab_independent_timers_keep_their_own_ups() {
    // 2.8.0 ran both with UPSNAME=ups1@localhost; each keeps its own here.
    let c = conf(LAB);
    assert_eq!(
        play(
            &c,
            &[
                (0, "ONBATT", "ups1@localhost"),
                (1000, "ONBATT", "ups2@localhost")
            ],
            10_000
        ),
        cmds(&[
            (3000, "onbatt", "ups1@localhost"),
            (4000, "onbatt", "ups2@localhost")
        ])
    );
}

#[test]
fn shared_timer_merges_events() {
    let c =
        conf("AT ONBATT * START-TIMER-SHARED power 5\nAT COMMBAD * START-TIMER-SHARED power 5\n");
    let mut timers = Timers::new();
    #[allow(clippy::disallowed_methods)]
    let t0 = Instant::now();
    for (t, ntype, ups) in [(0, "ONBATT", "a"), (2, "COMMBAD", "b")] {
        let e = event(ntype, ups);
        for action in c.actions(ntype, ups) {
            timers.handle_action(t0 + Duration::from_secs(t), action, &e);
        }
    }
    assert_eq!(timers.timers().len(), 1);
    assert_eq!(
        timers.poll_timeout(),
        Some(t0 + Duration::from_secs(5)),
        "merging does not restart it"
    );
    timers.handle_timeout(t0 + Duration::from_secs(5));
    let cmd = timers.poll_command().unwrap();
    assert_eq!(cmd.argument, "power");
    assert_eq!(cmd.ups, "a,b");
    assert_eq!(cmd.notify_type, "ONBATT,COMMBAD");
    assert_eq!(cmd.message, "ONBATT on a\tCOMMBAD on b");
    assert!(timers.is_empty());
}

#[test]
fn cancel_timer_matched_only_cancels_this_ups() {
    let c = conf("AT ONBATT * START-TIMER ob 5\nAT ONLINE * CANCEL-TIMER-MATCHED ob back\n");
    assert_eq!(
        play(
            &c,
            &[
                (0, "ONBATT", "a"),
                (0, "ONBATT", "b"),
                (1000, "ONLINE", "a"),
                (2000, "ONLINE", "c")
            ],
            10_000
        ),
        cmds(&[(2000, "back", "c"), (5000, "ob", "b")])
    );
}

#[test]
fn timer_limit() {
    let mut timers = Timers::new();
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let start = Action::StartTimer {
        name: "t".into(),
        after: Duration::from_secs(1),
    };
    let e = event("ONBATT", "u");
    for _ in 0..MAX_TIMERS {
        assert!(timers.handle_action(now, &start, &e));
    }
    assert!(!timers.handle_action(now, &start, &e));
    assert_eq!(timers.timers().len(), MAX_TIMERS);
}
