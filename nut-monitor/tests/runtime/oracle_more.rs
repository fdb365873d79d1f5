//! More oracle scenarios (issue 4 part 6): the real upsmon (and upssched)
//! of NUT 2.8.0 and ours, side by side against one upsd, each monitor on
//! its own dummy-ups UPSes that the test drives identically.
//!
//! A scenario runs several *variants*: `real` (NUT 2.8.0) and one or more
//! of ours, all reading the same upsmon.conf apart from a variant's extra
//! lines. For every variant the normalized events (notification types in
//! order, the events of one poll compared as sets, plus `SHUTDOWNCMD` and the
//! upssched commands `RUN:<name>`) must be exactly what the scenario
//! expects. An *agreeing* variant of ours must also match `real` event for
//! event once the later-NUT notification types (NOTCAL, OFF, ALARM and
//! their NOT…, which 2.8.0 does not have) are set aside, and take the same
//! shutdown decision ([`Agree::Fully`]), or do so up to the point where a
//! documented difference starts ([`Agree::Until`]); every event both emit
//! must come within one poll interval of the other's ([`tolerance`]).
//!
//! Documented differences from NUT 2.8.0 these scenarios pin down:
//! * 2.8.0 predates OFFDURATION and ALARMCRITICAL (it reports "invalid
//!   directive" and ignores OFF and ALARM). Their scenarios run ours
//!   twice: with the setting that turns the later rule off (OFFDURATION
//!   -1, ALARMCRITICAL 0), which must agree with 2.8.0 exactly, and with
//!   the rule on, which must add exactly the documented shutdown at the
//!   documented time (spec §16.4 rules 2 and 3).
//! * 2.8.0 never clears CAL once seen (no NOTCAL): every later OB+LB of
//!   that UPS counts as "calibrating" and the host never shuts down, even
//!   after the UPS went back on line in between (checked by hand: `OB CAL`,
//!   `OB LB CAL`, `OB LB`, `OL`, `OB LB` → no shutdown). Ours clears CAL
//!   when the token goes, as later NUT does, and shuts down.
//!
//! Without upssched, the same steps replayed on the virtual clock (the
//! engine of `upsmon --simulate`) must give each variant of ours exactly
//! its expected events too.
//!
//! `our_upsd` runs two scenarios with our upsd (`nut-cli`) serving the
//! real dummy-ups drivers, the real upsmon and ours both its clients; it
//! is skipped (loudly, also under CI) while that binary is not built.
//! Up to [`PARALLEL`] scenarios run at once, each with its own upsd.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::oracle_lab::{
    Impl, LATER_TYPES, Monitor, MonitorConf, Sandbox, Server, epoch_ms,
    normalize_polls as normalize, occurrences, our_upsd, real_nut_missing, skip, write_monitor_dir,
};
use super::support::{record_compared, wait_for};

pub(crate) const TESTS: &[(&str, fn())] = &[
    ("oracle_more::scenarios", scenarios),
    ("oracle_more::our_upsd", our_upsd_scenarios),
];

/// One poll interval (POLLFREQ and POLLFREQALERT of every scenario).
const POLL: u64 = 1000;
/// Time to start a logging script, beyond the poll interval.
const SLACK: u64 = 250;
/// First port of this module (the brief's range 14250-14299).
const BASE_PORT: u16 = 14251;

/// What the test does to the UPSes at a point of a scenario.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// `SET VAR ups.status` on the UPS with this suffix (`None`: all).
    Status(Option<&'static str>, &'static str),
    /// `SET VAR` of another variable on all UPSes.
    Var(&'static str, &'static str),
    /// SIGKILL to every driver.
    KillDrivers,
    /// `FSD` on every UPS (what a primary elsewhere does).
    Fsd,
}

/// One upsmon of a scenario.
#[derive(Debug)]
struct Variant {
    label: &'static str,
    imp: Impl,
    /// Added to the scenario's `extra`.
    extra: &'static str,
    /// Its normalized events.
    expect: &'static [&'static str],
    /// How ours must match `real` (later-NUT types aside).
    agree: Agree,
}

/// How a variant of ours relates to the real upsmon.
#[derive(Debug, Clone, Copy)]
enum Agree {
    /// Same events, same order, same shutdown decision.
    Fully,
    /// As `Fully` for the events before this time (ms after the origin),
    /// then a documented difference.
    Until(u64),
    /// A documented difference throughout; only the timing of the events
    /// both emit is compared.
    Differs,
}

const fn real(expect: &'static [&'static str]) -> Variant {
    Variant {
        label: "real",
        imp: Impl::Real,
        extra: "",
        expect,
        agree: Agree::Differs,
    }
}

const fn ours(expect: &'static [&'static str]) -> Variant {
    Variant {
        label: "ours",
        imp: Impl::Ours,
        extra: "",
        expect,
        agree: Agree::Fully,
    }
}

struct Scenario {
    name: &'static str,
    role: &'static str,
    /// `(suffix, power value)` of each UPS a monitor watches; empty: one
    /// UPS of power value 1.
    upses: &'static [(&'static str, u32)],
    extra: &'static str,
    /// upssched.conf rules: upssched becomes NOTIFYCMD.
    upssched: Option<&'static str>,
    steps: &'static [(u64, Step)],
    /// When to stop watching, ms after the origin.
    end: u64,
    variants: &'static [Variant],
    /// A scenario-specific check of the observed events.
    check: Option<fn(&Observed)>,
}

/// Events of each variant, by label: `(ms after origin, name)`.
type Observed = BTreeMap<&'static str, Vec<(u64, String)>>;

const SCENARIOS: &[Scenario] = &[
    // Power values: `a` feeds two power supplies (2), `b` one (1). With
    // MINSUPPLIES 2, losing `b` leaves enough power; losing `a` does not.
    Scenario {
        name: "two_ups_power_values_minsupplies_2",
        role: "primary",
        upses: &[("a", 2), ("b", 1)],
        extra: "MINSUPPLIES 2",
        upssched: None,
        steps: &[
            (1000, Step::Status(Some("b"), "OB LB")),
            (3000, Step::Status(Some("a"), "OB")),
            (4500, Step::Status(Some("a"), "OB LB")),
        ],
        end: 7000,
        variants: &[
            real(&[
                "LOWBATT b",
                "ONBATT b",
                "ONBATT a",
                "LOWBATT a",
                "SHUTDOWN",
                "SHUTDOWNCMD",
            ]),
            ours(&[
                "LOWBATT b",
                "ONBATT b",
                "ONBATT a",
                "LOWBATT a",
                "SHUTDOWN",
                "SHUTDOWNCMD",
            ]),
        ],
        check: Some(no_shutdown_before_a_is_low),
    },
    // OB+LB while calibrating is not critical; once CAL ends it is (for
    // ours; 2.8.0 never notices the end).
    Scenario {
        name: "calibration_exemption",
        role: "primary",
        upses: &[],
        extra: "",
        upssched: None,
        steps: &[
            (1000, Step::Status(None, "OB CAL")),
            (2500, Step::Status(None, "OB LB CAL")),
            (4500, Step::Status(None, "OB LB")),
        ],
        end: 7000,
        variants: &[
            // 2.8.0 never clears CAL: no shutdown (see the module docs).
            real(&["CAL", "ONBATT", "LOWBATT"]),
            Variant {
                label: "ours",
                imp: Impl::Ours,
                extra: "",
                expect: &[
                    "CAL",
                    "ONBATT",
                    "LOWBATT",
                    "NOTCAL",
                    "SHUTDOWN",
                    "SHUTDOWNCMD",
                ],
                agree: Agree::Until(4500),
            },
        ],
        check: None,
    },
    // OFF: short, then held beyond OFFDURATION 2.
    Scenario {
        name: "off_with_offduration",
        role: "primary",
        upses: &[],
        extra: "OFFDURATION 2",
        upssched: None,
        steps: &[
            (1000, Step::Status(None, "OB")),
            (2500, Step::Status(None, "OL")),
            (3500, Step::Status(None, "OL OFF")),
            (4500, Step::Status(None, "OL")),
            (5500, Step::Status(None, "OL OFF")),
        ],
        end: 10500,
        variants: &[
            real(&["ONBATT", "ONLINE"]),
            // Later NUT: OFF for longer than OFFDURATION is a lost feed.
            Variant {
                label: "ours",
                imp: Impl::Ours,
                extra: "",
                expect: &[
                    "ONBATT",
                    "ONLINE",
                    "OFF",
                    "NOTOFF",
                    "OFF",
                    "SHUTDOWN",
                    "SHUTDOWNCMD",
                ],
                agree: Agree::Until(7500),
            },
            // OFFDURATION -1 (never): what 2.8.0 does, plus the notifications.
            Variant {
                label: "oursnever",
                imp: Impl::Ours,
                extra: "OFFDURATION -1",
                expect: &["ONBATT", "ONLINE", "OFF", "NOTOFF", "OFF"],
                agree: Agree::Fully,
            },
        ],
        check: Some(off_lasted_offduration),
    },
    // ALARM, then the driver dies: critical with ALARMCRITICAL 1 (default).
    Scenario {
        name: "alarm_then_comms_lost_alarmcritical",
        role: "primary",
        upses: &[],
        extra: "",
        upssched: None,
        steps: &[
            (1000, Step::Var("ups.alarm", "Fan failure")),
            (1000, Step::Status(None, "OL ALARM")),
            (2500, Step::KillDrivers),
        ],
        end: 6000,
        variants: &[
            real(&["COMMBAD"]),
            Variant {
                label: "ours",
                imp: Impl::Ours,
                extra: "",
                expect: &["ALARM", "COMMBAD", "SHUTDOWN", "SHUTDOWNCMD"],
                agree: Agree::Until(2500),
            },
            Variant {
                label: "oursnac",
                imp: Impl::Ours,
                extra: "ALARMCRITICAL 0",
                expect: &["ALARM", "COMMBAD"],
                agree: Agree::Fully,
            },
        ],
        check: Some(alarm_shutdown_with_commbad),
    },
    // upssched early shutdown: 3 s on battery and `upsmon -c fsd` runs.
    Scenario {
        name: "upssched_early_shutdown",
        role: "primary",
        upses: &[],
        extra: "",
        upssched: Some("AT ONBATT * START-TIMER early 3\nAT ONLINE * CANCEL-TIMER early"),
        steps: &[(1000, Step::Status(None, "OB"))],
        end: 7500,
        variants: &[
            real(&["ONBATT", "RUN:early", "SHUTDOWN", "SHUTDOWNCMD"]),
            ours(&["ONBATT", "RUN:early", "SHUTDOWN", "SHUTDOWNCMD"]),
        ],
        check: None,
    },
    // upssched debounce: a short outage runs nothing; a long one runs the
    // timer; the return after it runs CANCEL-TIMER's fallback command.
    Scenario {
        name: "upssched_debounce",
        role: "primary",
        upses: &[],
        extra: "",
        upssched: Some(
            "AT ONBATT * START-TIMER onbatt 3\nAT ONLINE * CANCEL-TIMER onbatt online-back",
        ),
        steps: &[
            (1000, Step::Status(None, "OB")),
            (2500, Step::Status(None, "OL")),
            (4000, Step::Status(None, "OB")),
            (8500, Step::Status(None, "OL")),
        ],
        end: 10000,
        variants: &[
            real(&[
                "ONBATT",
                "ONLINE",
                "ONBATT",
                "RUN:onbatt",
                "ONLINE",
                "RUN:online-back",
            ]),
            ours(&[
                "ONBATT",
                "ONLINE",
                "ONBATT",
                "RUN:onbatt",
                "ONLINE",
                "RUN:online-back",
            ]),
        ],
        check: None,
    },
];

/// The scenarios run against our upsd.
const OUR_UPSD_SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "our_upsd_ol_ob_oblb_primary",
        role: "primary",
        upses: &[],
        extra: "",
        upssched: None,
        steps: &[
            (1000, Step::Status(None, "OB DISCHRG")),
            (3500, Step::Status(None, "OB LB")),
        ],
        end: 7000,
        variants: &[
            real(&["ONBATT", "LOWBATT", "SHUTDOWN", "SHUTDOWNCMD"]),
            ours(&["ONBATT", "LOWBATT", "SHUTDOWN", "SHUTDOWNCMD"]),
        ],
        check: None,
    },
    Scenario {
        name: "our_upsd_fsd_seen_by_secondary",
        role: "secondary",
        upses: &[],
        extra: "",
        upssched: None,
        steps: &[(1000, Step::Status(None, "OB")), (2500, Step::Fsd)],
        end: 5500,
        variants: &[
            real(&["ONBATT", "FSD", "SHUTDOWN", "SHUTDOWNCMD"]),
            ours(&["ONBATT", "FSD", "SHUTDOWN", "SHUTDOWNCMD"]),
        ],
        check: None,
    },
];

/// How far apart the same event of `real` and ours may be: one poll, plus
/// for upssched scenarios the 2.8.0 daemon's whole-second timer ticks (its
/// timers fire up to 1 s early; ours on time; lab §3.3).
fn tolerance(s: &Scenario) -> u64 {
    POLL + SLACK + if s.upssched.is_some() { 1000 } else { 0 }
}

/// The UPS names of variant `label` (see `oracle_lab`).
fn ups_names(s: &Scenario, label: &str) -> Vec<String> {
    if s.upses.is_empty() {
        vec![label.to_owned()]
    } else {
        s.upses
            .iter()
            .map(|(x, _)| format!("{label}_{x}"))
            .collect()
    }
}

fn monitor_conf(s: &Scenario, v: &Variant, port: u16) -> MonitorConf {
    let (user, pass) = if s.role == "primary" {
        ("monuser", "monpass")
    } else {
        ("monsec", "secpass")
    };
    let powers: Vec<u32> = if s.upses.is_empty() {
        vec![1]
    } else {
        s.upses.iter().map(|(_, p)| *p).collect()
    };
    let monitors = ups_names(s, v.label)
        .iter()
        .zip(powers)
        .map(|(ups, power)| {
            format!(
                "MONITOR {ups}@127.0.0.1:{port} {power} {user} {pass} {}",
                s.role
            )
        })
        .collect();
    MonitorConf {
        monitors,
        extra: format!("{}\n{}", s.extra, v.extra),
        upssched: s.upssched.map(str::to_owned),
    }
}

/// The UPSes a step touches, for every variant.
fn targets(s: &Scenario, only: Option<&str>) -> Vec<String> {
    s.variants
        .iter()
        .flat_map(|v| ups_names(s, v.label))
        .filter(|u| only.is_none_or(|x| u.ends_with(&format!("_{x}"))))
        .collect()
}

fn apply(nut: &Sandbox, s: &Scenario, step: Step) {
    match step {
        Step::Status(only, status) => nut.set_var(&targets(s, only), "ups.status", status),
        Step::Var(var, value) => nut.set_var(&targets(s, None), var, value),
        Step::KillDrivers => nut.kill_drivers(&targets(s, None)),
        Step::Fsd => nut.fsd(&targets(s, None)),
    }
}

/// Runs one scenario; returns the number of compared events.
fn run_scenario(server: &Server, port: u16, s: &Scenario) -> usize {
    let all = targets(s, None);
    let nut = Sandbox::start(server, &["127.0.0.1"], port, &all);
    let monitors: Vec<Monitor> = s
        .variants
        .iter()
        .map(|v| {
            let dir = nut.lab.path(v.label);
            write_monitor_dir(&dir, v.imp, &monitor_conf(s, v, port));
            Monitor::start(v.label, v.imp, &dir, None)
        })
        .collect();
    let up = wait_for(Duration::from_secs(8), || {
        all.iter().all(|u| nut.logins(u) >= 1)
    });
    if !up {
        for m in &monitors {
            eprintln!("--- {} output:\n{}", m.label, m.output());
        }
        panic!("{}: every upsmon must log in", s.name);
    }
    // Let every monitor take its first (silent) poll.
    std::thread::sleep(Duration::from_millis(1200));
    let origin = Instant::now();
    let origin_ms = epoch_ms();
    for (at, step) in s.steps {
        let due = origin + Duration::from_millis(*at);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        apply(&nut, s, *step);
    }
    let end = origin + Duration::from_millis(s.end);
    std::thread::sleep(end.saturating_duration_since(Instant::now()));
    let observed: Observed = monitors
        .iter()
        .map(|m| {
            let label = s
                .variants
                .iter()
                .find(|v| v.label == m.label)
                .unwrap()
                .label;
            (label, m.events(origin_ms))
        })
        .collect();
    let outputs: Vec<(String, String)> = monitors
        .iter()
        .map(|m| (m.label.clone(), m.output()))
        .collect();
    drop(monitors);
    for (label, events) in &observed {
        eprintln!("  {}: {label:>9} {events:?}", s.name);
    }
    let conf_of = |label: &str| std::fs::read(nut.lab.path(label).join("upsmon.conf")).unwrap();
    let compared = compare(s, &observed, &outputs);
    if s.upssched.is_none() {
        for v in s.variants.iter().filter(|v| v.imp == Impl::Ours) {
            assert_eq!(
                simulated(s, v, &conf_of(v.label), port),
                v.expect,
                "{}: the replayer (upsmon --simulate) disagrees with {}",
                s.name,
                v.label
            );
        }
    }
    compared
}

/// Every check of the module docs; returns the number of compared events.
fn compare(s: &Scenario, observed: &Observed, outputs: &[(String, String)]) -> usize {
    let output_of = |label: &str| {
        outputs
            .iter()
            .find(|(l, _)| l == label)
            .map_or("", |(_, o)| o.as_str())
    };
    let real_events = &observed["real"];
    // After the drivers are killed, upsd reconnects and shows the `WAIT`
    // placeholder for a moment on a loaded machine, which clears an ALARM
    // token: an upsmon whose poll lands in that window logs NOTALARM before
    // COMMBAD (seen once in CI), one that does not, not. Timing, not
    // policy: leave those out of the expectation check.
    let killed_at = s
        .steps
        .iter()
        .find(|(_, step)| matches!(step, Step::KillDrivers))
        .map(|(at, _)| *at);
    let expected_view = |events: &[(u64, String)]| -> Vec<(u64, String)> {
        events
            .iter()
            .filter(|(t, name)| !(name == "NOTALARM" && killed_at.is_some_and(|k| *t >= k)))
            .cloned()
            .collect()
    };
    for v in s.variants {
        assert_eq!(
            normalize(&expected_view(&observed[v.label])),
            v.expect,
            "{}: {} did not do what the scenario expects\n{} output:\n{}",
            s.name,
            v.label,
            v.label,
            output_of(v.label)
        );
    }
    let mut compared = 0;
    let mut max_delta = 0;
    for v in s.variants.iter().filter(|v| v.imp == Impl::Ours) {
        let ours_events: Vec<(u64, String)> = observed[v.label]
            .iter()
            .filter(|(_, n)| !is_later_type(n))
            .cloned()
            .collect();
        let until = match v.agree {
            Agree::Fully => Some(u64::MAX),
            Agree::Until(t) => Some(t),
            Agree::Differs => None,
        };
        if let Some(until) = until {
            let before = |events: &[(u64, String)]| {
                let kept: Vec<(u64, String)> =
                    events.iter().filter(|(t, _)| *t < until).cloned().collect();
                normalize(&kept)
            };
            let (ours_names, real_names) = (before(&ours_events), before(real_events));
            assert_eq!(
                ours_names, real_names,
                "{}: {} and real differ in notification types or order",
                s.name, v.label
            );
            assert_eq!(
                ours_names.iter().any(|n| n == "SHUTDOWNCMD"),
                real_names.iter().any(|n| n == "SHUTDOWNCMD"),
                "{}: {}: shutdown decision differs from real",
                s.name,
                v.label
            );
        }
        // Timing: the k-th occurrence of each event both emitted.
        for (name, times) in occurrences(real_events) {
            let Some(ours_times) = occurrences(&ours_events).remove(&name) else {
                continue;
            };
            for (r, o) in times.iter().zip(&ours_times) {
                let delta = r.abs_diff(*o);
                max_delta = max_delta.max(delta);
                assert!(
                    delta <= tolerance(s),
                    "{}: {name} at {r} ms (real) vs {o} ms ({}): more than {} ms apart",
                    s.name,
                    v.label,
                    tolerance(s)
                );
                compared += 1;
            }
        }
    }
    if let Some(check) = s.check {
        check(observed);
    }
    eprintln!(
        "  {}: {compared} events compared, largest time difference {max_delta} ms",
        s.name
    );
    compared
}

fn is_later_type(name: &str) -> bool {
    let kind = name.split_whitespace().next().unwrap_or("");
    LATER_TYPES.contains(&kind)
}

fn first(events: &[(u64, String)], name: &str) -> Option<u64> {
    events.iter().find(|(_, n)| n == name).map(|(t, _)| *t)
}

fn last(events: &[(u64, String)], name: &str) -> Option<u64> {
    events
        .iter()
        .rev()
        .find(|(_, n)| n == name)
        .map(|(t, _)| *t)
}

/// MINSUPPLIES 2: nothing shuts down while only `b` (power 1) is critical.
fn no_shutdown_before_a_is_low(observed: &Observed) {
    for (label, events) in observed {
        let low_a = first(events, "LOWBATT a").expect("LOWBATT a");
        let shutdown = first(events, "SHUTDOWN").expect("SHUTDOWN");
        assert!(
            shutdown + 100 >= low_a,
            "{label}: SHUTDOWN at {shutdown} ms, before `a` was low ({low_a} ms)"
        );
    }
}

/// OFFDURATION 2: the shutdown comes 2 s (rounded up to whole polls, at
/// most two polls late) after the OFF that lasted, never earlier.
fn off_lasted_offduration(observed: &Observed) {
    let events = &observed["ours"];
    let off = last(events, "OFF").expect("OFF");
    let shutdown = first(events, "SHUTDOWN").expect("SHUTDOWN");
    let waited = shutdown.saturating_sub(off);
    assert!(
        (2000..=2000 + 2 * POLL + SLACK).contains(&waited),
        "OFF at {off} ms, SHUTDOWN at {shutdown} ms: not OFFDURATION (2 s) later"
    );
}

/// ALARMCRITICAL 1: the poll that finds the driver gone both notifies
/// COMMBAD and decides the shutdown.
fn alarm_shutdown_with_commbad(observed: &Observed) {
    let events = &observed["ours"];
    let commbad = first(events, "COMMBAD").expect("COMMBAD");
    let shutdown = first(events, "SHUTDOWN").expect("SHUTDOWN");
    assert!(
        shutdown.abs_diff(commbad) < 200,
        "COMMBAD at {commbad} ms, SHUTDOWN at {shutdown} ms: not the same poll"
    );
}

/// The scenario replayed on the virtual clock for variant `v`, as
/// `upsmon --simulate` would: its EXEC'd notifications plus SHUTDOWNCMD,
/// normalized.
fn simulated(s: &Scenario, v: &Variant, conf: &[u8], port: u16) -> Vec<String> {
    use nut_monitor::Output;
    use nut_monitor::notify::NotifyFlags;
    use nut_monitor::replay::{Scenario as Script, replay};

    let names = ups_names(s, v.label);
    let full = |ups: &str| format!("{ups}@127.0.0.1:{port}");
    let mut last_status: BTreeMap<String, String> =
        names.iter().map(|u| (u.clone(), "OL".to_owned())).collect();
    let mut text = String::new();
    for (at, step) in s.steps {
        let secs = format!("{}.{:03}", at / 1000, at % 1000);
        for ups in &names {
            let line = match step {
                Step::Status(only, status) => {
                    if only.is_some_and(|x| !ups.ends_with(&format!("_{x}"))) {
                        continue;
                    }
                    last_status.insert(ups.clone(), (*status).to_owned());
                    format!("status {} \"{status}\"", full(ups))
                }
                Step::Var(_, value) => format!("alarm {} \"{value}\"", full(ups)),
                Step::KillDrivers => format!("down {}", full(ups)),
                // upsd reports the latch in front of the status.
                Step::Fsd => format!("status {} \"FSD {}\"", full(ups), last_status[ups]),
            };
            text.push_str(&format!("{secs} {line}\n"));
        }
    }
    // The replay polls the instant a step happens; the real monitors see it
    // up to a poll later. Ending half a poll early gives both windows the
    // same number of polls after the last step.
    let end = s.end - POLL / 2;
    text.push_str(&format!("end {}.{:03}\n", end / 1000, end % 1000));
    let script = Script::parse(text.as_bytes()).unwrap();
    let config = nut_monitor::config::parse(conf, "upsmon.conf")
        .unwrap()
        .config;
    #[allow(clippy::disallowed_methods)]
    let timeline = replay(config, &script, Instant::now()).unwrap();
    let mut events = Vec::new();
    for e in &timeline.entries {
        let ms = u64::try_from(e.at.as_millis()).unwrap();
        match &e.output {
            Output::Notify(n)
                if n.flags.contains(NotifyFlags::EXEC)
                    && !n.flags.contains(NotifyFlags::IGNORE) =>
            {
                let suffix = n
                    .ups
                    .as_deref()
                    .and_then(|u| u.split('@').next())
                    .and_then(|u| u.split_once('_'))
                    .map(|(_, x)| format!(" {x}"))
                    .unwrap_or_default();
                events.push((ms, format!("{}{suffix}", n.kind.name())));
            }
            Output::RunShutdownCmd { .. } => events.push((ms, "SHUTDOWNCMD".to_owned())),
            _ => {}
        }
    }
    normalize(&events)
}

/// Scenarios run at the same time (each has its own upsd and port; they
/// mostly sleep), to keep the oracle binary's run short.
const PARALLEL: usize = 3;

fn run_all(test: &str, server: &Server, list: &[Scenario], port_offset: u16) {
    std::fs::create_dir_all("/run/nut").unwrap();
    let indexed: Vec<(u16, &Scenario)> = (0u16..).zip(list).collect();
    let mut steps = 0;
    let mut failures = Vec::new();
    for chunk in indexed.chunks(PARALLEL) {
        std::thread::scope(|scope| {
            let running: Vec<_> = chunk
                .iter()
                .map(|(i, s)| {
                    let port = BASE_PORT + port_offset + i;
                    scope.spawn(move || run_scenario(server, port, s))
                })
                .collect();
            for handle in running {
                match handle.join() {
                    Ok(n) => steps += n,
                    Err(panic) => failures.push(panic),
                }
            }
        });
    }
    if let Some(panic) = failures.into_iter().next() {
        std::panic::resume_unwind(panic);
    }
    record_compared(list.len(), steps);
    println!("{test}: compared {} scenarios, {steps} steps", list.len());
    eprintln!("{test}: compared {} scenarios, {steps} steps", list.len());
}

fn scenarios() {
    if let Some(why) = real_nut_missing() {
        return skip("oracle_more::scenarios", &why);
    }
    run_all("oracle_more::scenarios", &Server::Real, SCENARIOS, 0);
}

fn our_upsd_scenarios() {
    if let Some(why) = real_nut_missing() {
        return skip("oracle_more::our_upsd", &why);
    }
    let upsd = match our_upsd() {
        Ok(p) => p,
        Err(why) => {
            // Not a CI failure: nut-cli's upsd is another package's binary.
            eprintln!("SKIPPED oracle_more::our_upsd: {why}");
            return;
        }
    };
    run_all(
        "oracle_more::our_upsd",
        &Server::Ours(upsd),
        OUR_UPSD_SCENARIOS,
        10,
    );
}
