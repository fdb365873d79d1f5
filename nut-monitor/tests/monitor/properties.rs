//! Property tests: the engine against the reference model over random
//! configs, status sequences and clocks.

use std::time::{Duration, Instant};

use nut_monitor::config::{Config, Role};
use nut_monitor::{Engine, Output, PollResult, Request, config};
use proptest::prelude::*;

use crate::model::{Model, Observation};
use crate::support::{Sim, base, ms};

/// Status words and how often they appear.
fn word() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => Just("OL"),
        6 => Just("OB"),
        5 => Just("LB"),
        1 => Just("FSD"),
        1 => Just("CAL"),
        1 => Just("OFF"),
        1 => Just("BYPASS"),
        1 => Just("OVER"),
        1 => Just("ALARM"),
        1 => Just("TRIM"),
        1 => Just("RB"),
        1 => Just("CHRG"),
        1 => Just("WAIT"),
        1 => Just("ob"),
        1 => Just("lb"),
    ]
}

/// An answer: a failed poll or a status of 0–3 words (0 = empty = failed).
fn answer() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        9 => prop::collection::vec(word(), 0..4).prop_map(|w| Some(w.join(" "))),
    ]
}

/// Per UPS, a list of answers each held for 1–8 cycles.
fn script(ups: usize, cycles: usize) -> impl Strategy<Value = Vec<Vec<Option<String>>>> {
    prop::collection::vec(prop::collection::vec((answer(), 1usize..8), 1..12), ups).prop_map(
        move |per_ups| {
            let columns: Vec<Vec<Option<String>>> = per_ups
                .into_iter()
                .map(|runs| {
                    let mut col: Vec<_> = runs
                        .into_iter()
                        .flat_map(|(a, n)| std::iter::repeat_n(a, n))
                        .collect();
                    let last = col.last().cloned().flatten();
                    col.resize(cycles, last);
                    col
                })
                .collect();
            (0..cycles)
                .map(|k| columns.iter().map(|c| c[k].clone()).collect())
                .collect()
        },
    )
}

#[derive(Debug, Clone)]
struct Setup {
    text: String,
    ups: usize,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        prop::collection::vec((0u32..3, any::<bool>()), 1..4),
        0u32..4,
        (1u64..4, 1u64..4, 0u64..9, 0u64..7),
        (prop::option::of(0u64..5), prop::option::of(0u64..5), 0u64..5, any::<bool>()),
        0u64..3,
    )
        .prop_map(|(ups, min, (pf, pfa, dead, sync), (off, over, oblb, alarm), fin)| {
            let total: u32 = ups.iter().map(|(pv, _)| pv).sum();
            let mut text = String::new();
            for (i, (pv, primary)) in ups.iter().enumerate() {
                let role = if *primary { "primary" } else { "secondary" };
                text += &format!("MONITOR ups{i}@h {pv} u p {role}\n");
            }
            text += &format!(
                "MINSUPPLIES {}\nPOLLFREQ {pf}\nPOLLFREQALERT {pfa}\nDEADTIME {dead}\nHOSTSYNC {sync}\n\
                 OFFDURATION {}\nOVERDURATION {}\nOBLBDURATION {oblb}\nALARMCRITICAL {}\nFINALDELAY {fin}\n\
                 SHUTDOWNCMD halt\nPOWERDOWNFLAG /k\n",
                min.min(total),
                off.map_or(-1, |v| i64::try_from(v).unwrap()),
                over.map_or(-1, |v| i64::try_from(v).unwrap()),
                u8::from(alarm),
            );
            Setup { text, ups: ups.len() }
        })
}

fn parse(text: &str) -> Config {
    let parsed = config::parse(text.as_bytes(), "upsmon.conf").unwrap();
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.config
}

/// How the runtime answers during the shutdown sequence.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Ok(u32),
    Fail,
    Silent,
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![4 => (0u32..4).prop_map(Reply::Ok), 1 => Just(Reply::Fail), 1 => Just(Reply::Silent)]
}

struct Run {
    history: Vec<Observation>,
    shutdown_cycle: Option<usize>,
    /// Everything emitted once the sequence started, with its time in ms.
    after: Vec<(u64, Output)>,
    engine: Engine,
}

/// Drives the engine cycle by cycle, late by `jitter[k]` ms each time.
fn run(config: Config, script: &[Vec<Option<String>>], jitter: &[u64], replies: &[Reply]) -> Run {
    let t0 = base();
    let mut engine = Engine::new(config, t0).unwrap();
    let mut history = Vec::new();
    let mut shutdown_cycle = None;
    let mut now = t0;
    for (k, answers) in script.iter().enumerate() {
        let due = engine.poll_timeout().unwrap();
        now = due + Duration::from_millis(jitter[k % jitter.len()]);
        engine.handle_timeout(now);
        // Stop draining at the decision: the rest belongs to the sequence.
        while !engine.is_shutting_down() {
            let Some(o) = engine.poll_output() else { break };
            if let Output::Send {
                ups,
                request: Request::Status,
            } = o
            {
                let r = answers[ups.index()]
                    .clone()
                    .map_or_else(|| PollResult::failed("down"), PollResult::status);
                engine.handle_poll(now, ups, r);
            }
        }
        history.push(Observation {
            t: ms(now - t0),
            answers: answers.clone(),
        });
        if engine.is_shutting_down() {
            shutdown_cycle = Some(k);
            break;
        }
    }
    let after = finish(&mut engine, t0, now, replies);
    Run {
        history,
        shutdown_cycle,
        after,
        engine,
    }
}

/// Plays the shutdown sequence out from `now` with the given replies.
fn finish(
    engine: &mut Engine,
    t0: Instant,
    mut now: Instant,
    replies: &[Reply],
) -> Vec<(u64, Output)> {
    let mut after = Vec::new();
    let mut replies = replies.iter().cycle();
    for _ in 0..100_000 {
        while let Some(o) = engine.poll_output() {
            match &o {
                Output::Send {
                    ups,
                    request: Request::SetFsd,
                } => match replies.next() {
                    Some(Reply::Fail) => engine.handle_fsd_ack(now, *ups, Err("ERR".into())),
                    Some(Reply::Silent) => {}
                    _ => engine.handle_fsd_ack(now, *ups, Ok(())),
                },
                Output::Send {
                    ups,
                    request: Request::NumLogins,
                } => match replies.next() {
                    Some(Reply::Ok(n)) => engine.handle_numlogins(now, *ups, Ok(*n)),
                    Some(Reply::Fail) => engine.handle_numlogins(now, *ups, Err("ERR".into())),
                    _ => {}
                },
                _ => {}
            }
            after.push((ms(now - t0), o));
        }
        if !engine.is_shutting_down() {
            break;
        }
        let Some(next) = engine.poll_timeout() else {
            break;
        };
        now = now.max(next);
        engine.handle_timeout(now);
    }
    after
}

fn primaries(config: &Config) -> Vec<usize> {
    (0..config.monitors.len())
        .filter(|&i| config.monitors[i].role == Role::Primary)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The engine starts the shutdown exactly at the cycle the model names,
    /// and only when the non-critical power is below MINSUPPLIES.
    #[test]
    fn shuts_down_exactly_when_the_model_says(
        (setup, script) in setup().prop_flat_map(|s| { let n = s.ups; (Just(s), script(n, 40)) }),
        // Mostly on time, so that elapsed times land exactly on limits.
        jitter in prop::collection::vec(prop::sample::select(vec![0u64, 0, 0, 0, 250, 500, 1000, 1499]), 1..8),
        replies in prop::collection::vec(reply(), 1..6),
    ) {
        let config = parse(&setup.text);
        let r = run(config.clone(), &script, &jitter, &replies);
        let expected = Model::shutdown_cycle(&config, &r.history);
        prop_assert_eq!(r.shutdown_cycle, expected, "history {:?}", r.history);
        if let Some(k) = r.shutdown_cycle {
            // Never while enough non-critical power remains.
            let mut model = Model::new(&config);
            let mut power = 0;
            for obs in &r.history[..=k] { power = model.step(obs); }
            prop_assert!(power < u64::from(config.min_supplies));
            check_sequence(&config, &r)?;
        } else {
            let acted = r.after.iter().any(|(_, o)| matches!(o, Output::RunShutdownCmd { .. } | Output::Exit));
            prop_assert!(!acted, "acted without a decision");
        }
    }

    /// A secondary whose only power source gets FSD in upsd goes down
    /// within one poll interval, whatever happened before.
    #[test]
    fn secondary_sees_fsd_within_one_poll(
        pf in 1u64..6, pfa in 1u64..6, fsd_at in 0u64..60_000,
        before in prop::collection::vec((prop::sample::select(vec!["OL", "OB", "OL TRIM", "OB LB", "OFF", "OL CAL"]), 500u64..9000), 1..8),
        extra_monitor_only in any::<bool>(),
    ) {
        let mut text = format!(
            "MONITOR ups 1 u p secondary\nPOLLFREQ {pf}\nPOLLFREQALERT {pfa}\nHOSTSYNC 600\nOFFDURATION -1\nSHUTDOWNCMD halt\n"
        );
        if extra_monitor_only { text += "MONITOR other 0 u p secondary\n"; }
        let mut sim = Sim::new(&text);
        let mut t = 0;
        for (status, hold) in &before {
            if t >= fsd_at { break; }
            sim.status("ups", t, status);
            t += hold;
        }
        sim.status("ups", fsd_at, "FSD OB LB");
        sim.run_until(fsd_at + 20_000);
        let at = sim.shutdown_at().expect("shut down");
        prop_assert!(at <= fsd_at + pf.max(pfa) * 1000, "FSD at {fsd_at}, shutdown at {at}");
    }

    /// Sleeps and clock jumps never cause a shutdown on their own: with
    /// only OL/OB statuses, and a failed first poll after each resume (the
    /// network is still coming up), the host stays up.
    #[test]
    fn clock_jumps_are_not_shutdowns(
        statuses in prop::collection::vec((prop::sample::select(vec!["OL", "OB", "OB DISCHRG", "OL CHRG"]), 1u64..20), 1..10),
        pauses in prop::collection::vec((1_000u64..100_000, 6_000u64..10_000_000), 1..5),
        role in prop::sample::select(vec!["primary", "secondary"]),
    ) {
        let mut sim = Sim::new(&format!(
            "MONITOR ups 1 u p {role}\nPOLLFREQ 5\nPOLLFREQALERT 2\nDEADTIME 15\nHOSTSYNC 15\nSHUTDOWNCMD halt\n"
        ));
        let mut t = 0;
        for (s, hold) in &statuses {
            sim.status("ups", t, s);
            t += hold * 1000;
        }
        let mut now = 0;
        for (gap_start, gap) in &pauses {
            let from = now + gap_start;
            let to = from + gap;
            sim.down("ups", from).status("ups", to + 1, "OB");
            sim.pause(from, to);
            now = to + 30_000;
            sim.run_until(now);
        }
        prop_assert_eq!(sim.shutdown_at(), None, "{:?} / {:?}", sim.trace(), sim.logs());
    }
}

/// The shutdown sequence after the decision: FSD on every primary UPS
/// before SHUTDOWNCMD, SHUTDOWN first, FINALDELAY honoured, HOSTSYNC bound.
fn check_sequence(config: &Config, r: &Run) -> Result<(), TestCaseError> {
    let find = |pred: &dyn Fn(&Output) -> bool| r.after.iter().position(|(_, o)| pred(o));
    let cmd = find(&|o| matches!(o, Output::RunShutdownCmd { .. }));
    let shutdown = find(&|o| matches!(o, Output::Notify(n) if n.kind.name() == "SHUTDOWN"));
    let (Some(cmd), Some(shutdown)) = (cmd, shutdown) else {
        return Err(TestCaseError::fail(format!(
            "sequence incomplete: {:?}",
            r.after
        )));
    };
    prop_assert!(shutdown < cmd);
    for p in primaries(config) {
        let fsd = find(
            &|o| matches!(o, Output::Send { ups, request: Request::SetFsd } if ups.index() == p),
        );
        prop_assert!(
            fsd.is_some_and(|i| i < shutdown),
            "no FSD for primary UPS {p}: {:?}",
            r.after
        );
    }
    if primaries(config).is_empty() {
        let sent = r
            .after
            .iter()
            .any(|(_, o)| matches!(o, Output::Send { .. }));
        prop_assert!(!sent, "a pure secondary sends nothing");
    }
    let start = r.after[0].0;
    let (t_shutdown, t_cmd) = (r.after[shutdown].0, r.after[cmd].0);
    prop_assert_eq!(t_cmd - t_shutdown, ms(config.final_delay));
    // FSD answers within REPLY_TIMEOUT, then at most HOSTSYNC + one round.
    let bound = ms(nut_monitor::REPLY_TIMEOUT) * 2 + ms(config.host_sync) + 250;
    prop_assert!(
        t_shutdown - start <= bound,
        "waited {} ms",
        t_shutdown - start
    );
    prop_assert!(r.engine.has_exited());
    prop_assert!(matches!(r.after.last(), Some((_, Output::Exit))));
    Ok(())
}
