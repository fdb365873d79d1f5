//! The failover core driven by hand: links connected and fed with socket
//! text, time passed in.

use std::time::{Duration, Instant};

use super::*;

const A: usize = 0;
const B: usize = 1;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

struct Harness {
    t0: Instant,
    failover: Failover,
    state: DriverState,
}

impl Harness {
    fn new(configure: impl FnOnce(&mut FailoverOptions)) -> Self {
        let mut options = FailoverOptions {
            sockets: vec!["dummy-ups-a".into(), "dummy-ups-b".into()],
            inittime: secs(10),
            ..FailoverOptions::default()
        };
        configure(&mut options);
        let t0 = Instant::now();
        let mut failover = Failover::new(options, "T", t0);
        let mut state = DriverState::new();
        failover.init(t0, &mut state);
        Self {
            t0,
            failover,
            state,
        }
    }

    fn at(&self, s: u64) -> Instant {
        self.t0 + secs(s)
    }

    fn actions(&mut self) -> Vec<(usize, LinkAction)> {
        std::iter::from_fn(|| self.failover.poll_action()).collect()
    }

    fn event(&mut self, s: u64, index: usize, event: LinkEvent) {
        let now = self.at(s);
        self.failover
            .handle_link_event(now, &mut self.state, index, event);
    }

    fn input(&mut self, s: u64, index: usize, text: &str) {
        self.event(s, index, LinkEvent::Input(text.as_bytes().to_vec()));
    }

    /// Connects upstream `index` and feeds it a dump with this status.
    fn up(&mut self, s: u64, index: usize, status: &str, extra: &str) {
        self.event(s, index, LinkEvent::Connected);
        let dump = format!(
            "SETINFO ups.status \"{status}\"\nSETINFO driver.name \"dummy-ups\"\n\
             SETINFO ups.load \"{index}0\"\nSETFLAGS ups.load RW\nADDCMD load.off\n{extra}DATAOK\nDUMPDONE\n"
        );
        self.input(s, index, &dump);
    }

    fn update(&mut self, s: u64) {
        let now = self.at(s);
        self.failover.handle_update(now, &mut self.state);
    }

    fn get(&self, var: &str) -> Option<&str> {
        self.state.get(var)
    }

    fn logs(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.failover.poll_log())
            .map(|r| r.message)
            .collect()
    }
}

#[test]
fn start_up_connects_everything_and_waits() {
    let mut h = Harness::new(|_| {});
    assert_eq!(
        h.actions(),
        [(A, LinkAction::Connect), (B, LinkAction::Connect)]
    );
    assert_eq!(h.get("ups.status"), Some("WAIT"));
    assert!(!h.state.is_stale());
    assert!(h.state.tree().has_command("dummy-ups-a.force.ignore"));
    assert!(h.state.tree().has_command("dummy-ups-b.force.primary"));
    assert_eq!(h.get("driver.stats.total_drivers"), Some("2"));
    h.update(2);
    assert_eq!(h.get("ups.status"), Some("WAIT"));
    assert!(
        h.logs()
            .iter()
            .any(|l| l.contains("still waiting for first primary"))
    );
}

#[test]
fn the_first_good_upstream_is_promoted_and_mirrored() {
    let mut h = Harness::new(|_| {});
    h.actions();
    h.up(1, A, "OL", "");
    h.up(1, B, "OL", "");
    assert_eq!(
        h.actions(),
        [
            (A, LinkAction::Send(b"DUMPALL\n".to_vec())),
            (B, LinkAction::Send(b"DUMPALL\n".to_vec()))
        ]
    );
    h.update(2);
    assert_eq!(
        h.failover.primary(),
        Some(A),
        "ties go to the first in port"
    );
    assert_eq!(h.get("ups.status"), Some("OL"));
    assert_eq!(h.get("ups.load"), Some("00"));
    assert_eq!(h.get("upstream.driver.name"), Some("dummy-ups"));
    assert!(h.state.tree().has_command("upstream.load.off"));
    assert_eq!(h.get("driver.primary.socketname"), Some("dummy-ups-a"));
    assert_eq!(h.get("driver.primary.priority"), Some("2"));
    assert_eq!(h.get("driver.stats.alive_drivers"), Some("2"));
    assert_eq!(h.get("driver.stats.online_drivers"), Some("2"));
    assert_eq!(h.get("driver.stats.primary_drivers"), Some("2"));
    // Live updates of the primary show at once.
    h.input(3, A, "SETINFO ups.load \"55\"\n");
    assert_eq!(h.get("ups.load"), Some("55"));
    // Not those of another upstream.
    h.input(3, B, "SETINFO ups.load \"66\"\n");
    assert_eq!(h.get("ups.load"), Some("55"));
}

#[test]
fn an_upstream_on_battery_loses_to_one_on_line() {
    let mut h = Harness::new(|_| {});
    h.actions();
    h.up(1, A, "OB", "");
    h.up(1, B, "OL", "");
    h.update(2);
    assert_eq!(h.failover.primary(), Some(B));
    assert_eq!(h.get("ups.status"), Some("OL"));
    // A goes on line: as good as B, and first in `port`, so A it is.
    h.input(3, A, "SETINFO ups.status \"OL\"\n");
    h.update(4);
    assert_eq!(h.failover.primary(), Some(A));
    // B's status makes it worse; it stays demoted.
    h.input(5, B, "DATASTALE\n");
    h.update(6);
    assert_eq!(
        h.failover.upstreams()[B].priority,
        Some(Priority::LastResort)
    );
}

#[test]
fn losing_the_primary_switches_to_the_other() {
    let mut h = Harness::new(|_| {});
    h.actions();
    h.up(1, A, "OL", "SETINFO battery.charge \"90\"\n");
    h.up(1, B, "OL", "");
    h.update(2);
    assert_eq!(h.failover.primary(), Some(A));
    assert_eq!(h.get("battery.charge"), Some("90"));
    h.event(3, A, LinkEvent::Closed("end of file".into()));
    h.update(4);
    assert_eq!(h.failover.primary(), Some(B));
    assert_eq!(h.get("battery.charge"), None, "A's variables are gone");
    assert_eq!(h.get("ups.load"), Some("10"));
    assert_eq!(h.get("driver.primary.socketname"), Some("dummy-ups-b"));
    assert_eq!(h.get("driver.stats.alive_drivers"), Some("1"));
    // A is reconnected at that poll.
    assert!(h.actions().contains(&(A, LinkAction::Connect)));
    assert!(!h.state.is_stale());
}

#[test]
fn a_stale_primary_makes_the_data_stale_until_a_better_one() {
    let mut h = Harness::new(|o| o.sockets.truncate(1));
    h.actions();
    h.up(1, A, "OL", "");
    h.update(2);
    assert!(!h.state.is_stale());
    h.input(3, A, "DATASTALE\n");
    h.update(4);
    assert_eq!(h.failover.primary(), Some(A), "still the best there is");
    assert!(h.state.is_stale());
    h.input(5, A, "DATAOK\n");
    h.update(6);
    assert!(!h.state.is_stale());
}

#[test]
fn fsdmode_0_keeps_the_last_data_and_goes_stale() {
    let mut h = Harness::new(|o| {
        o.sockets.truncate(1);
        o.noprimarytime = secs(5);
    });
    h.actions();
    h.up(1, A, "OB", "");
    h.update(2);
    h.event(3, A, LinkEvent::Closed("end of file".into()));
    h.update(4);
    assert_eq!(h.get("ups.status"), Some("OB"), "last data kept");
    assert!(!h.state.is_stale(), "waiting for noprimarytime");
    h.update(9);
    assert!(!h.state.is_stale(), "5 s is not yet more than 5 s");
    h.update(10);
    assert!(h.state.is_stale());
    assert_eq!(h.get("ups.status"), Some("OB"));
    assert_eq!(h.failover.primary(), Some(A));
    // The same upstream back: primary again, fresh.
    h.actions();
    h.up(11, A, "OL", "");
    h.update(12);
    assert!(!h.state.is_stale());
    assert_eq!(h.get("ups.status"), Some("OL"));
    assert!(
        h.logs()
            .iter()
            .any(|l| l.contains("suitable primary (again)"))
    );
}

#[test]
fn fsdmode_1_raises_an_alarm_then_goes_stale() {
    let mut h = Harness::new(|o| {
        o.sockets.truncate(1);
        o.noprimarytime = secs(5);
        o.fsdmode = FsdMode::AlarmStale;
    });
    h.actions();
    h.up(1, A, "OL", "");
    h.update(2);
    h.event(3, A, LinkEvent::Closed("end of file".into()));
    h.update(4);
    assert_eq!(h.failover.primary(), None, "demoted at once");
    assert_eq!(h.get("ups.load"), None);
    h.update(10);
    assert_eq!(h.get("ups.status"), Some("ALARM"));
    assert_eq!(h.get("ups.alarm"), Some(NO_PRIMARY_ALARM));
    assert!(!h.state.is_stale(), "the alarm propagates first");
    h.update(20);
    assert!(!h.state.is_stale(), "16 s into the 20 s");
    h.update(30);
    assert_eq!(
        h.get("ups.alarm"),
        Some(NO_PRIMARY_ALARM),
        "not appended again"
    );
    assert!(h.state.is_stale());
}

#[test]
fn fsdmode_2_raises_alarm_and_fsd() {
    let mut h = Harness::new(|o| {
        o.sockets.truncate(1);
        o.noprimarytime = secs(0);
        o.inittime = secs(0);
        o.fsdmode = FsdMode::AlarmFsd;
    });
    h.actions();
    h.update(1);
    h.update(2);
    assert_eq!(h.get("ups.status"), Some("ALARM FSD"));
    assert!(!h.state.is_stale());
    assert!(h.logs().iter().any(|l| l.contains("'fsdmode' is [2]")));
}

#[test]
fn filters_and_strict_filtering_decide() {
    let mut h = Harness::new(|o| {
        o.filters.nothave_any = vec!["CHRG".into()];
        o.strictfiltering = true;
    });
    h.actions();
    h.up(1, A, "OL CHRG", "");
    h.up(1, B, "OB", "");
    h.update(2);
    assert_eq!(h.failover.primary(), Some(B));
    assert_eq!(h.get("driver.primary.priority"), Some("1"));
    assert_eq!(
        h.failover.upstreams()[A].priority,
        None,
        "strict: A is no candidate"
    );
    assert_eq!(h.get("driver.stats.primary_drivers"), Some("1"));
}

#[test]
fn checkruntime_breaks_ties_below_good() {
    let mut h = Harness::new(|o| o.checkruntime = RuntimeCheck::Runtime);
    h.actions();
    h.up(1, A, "OB", "SETINFO battery.runtime \"600\"\n");
    h.up(1, B, "OB", "SETINFO battery.runtime \"900\"\n");
    h.update(2);
    assert_eq!(h.failover.primary(), Some(B));
    // On line, runtime does not matter any more.
    h.input(3, A, "SETINFO ups.status \"OL\"\n");
    h.input(3, B, "SETINFO ups.status \"OL\"\n");
    h.update(4);
    assert_eq!(h.failover.primary(), Some(A));
}

#[test]
fn force_commands_override_the_election_for_a_while() {
    let mut h = Harness::new(|_| {});
    h.actions();
    h.up(1, A, "OL", "");
    h.up(1, B, "OB", "");
    h.update(2);
    assert_eq!(h.failover.primary(), Some(A));
    let call = CallId::INTERNAL;
    assert_eq!(
        h.failover
            .instcmd(h.at(3), call, "dummy-ups-b.force.primary", Some("10")),
        Answer::Done(TrackingResult::Handled)
    );
    h.update(4);
    assert_eq!(h.failover.primary(), Some(B));
    assert_eq!(h.get("driver.primary.priority"), Some("0"));
    h.update(13);
    assert_eq!(h.failover.primary(), Some(B), "10 s is not over at 10 s");
    h.update(14);
    assert_eq!(h.failover.primary(), Some(A), "over after 11 s");
    // Ignore for good, then reset without a value.
    assert_eq!(
        h.failover
            .instcmd(h.at(15), call, "dummy-ups-a.force.ignore", Some("-1")),
        Answer::Done(TrackingResult::Handled)
    );
    h.update(16);
    assert_eq!(h.failover.primary(), Some(B));
    h.failover
        .instcmd(h.at(17), call, "dummy-ups-a.force.ignore", None);
    h.update(18);
    assert_eq!(h.failover.primary(), Some(A));
    assert_eq!(
        h.failover
            .instcmd(h.at(19), call, "dummy-ups-a.force.ignore", Some("soon")),
        Answer::Done(TrackingResult::ConversionFailed)
    );
}

#[test]
fn requests_are_forwarded_to_the_primary_with_tracking() {
    let mut h = Harness::new(|_| {});
    let call = CallId::INTERNAL;
    assert_eq!(
        h.failover.instcmd(h.at(0), call, "upstream.load.off", None),
        Answer::Done(TrackingResult::Failed),
        "no primary yet"
    );
    h.actions();
    h.up(1, A, "OL", "");
    h.update(2);
    h.actions();
    assert_eq!(
        h.failover
            .instcmd(h.at(3), call, "upstream.load.off", Some("5")),
        Answer::Pending
    );
    assert_eq!(
        h.actions(),
        [(
            A,
            LinkAction::Send(b"INSTCMD load.off 5 TRACKING T-1\n".to_vec())
        )]
    );
    h.input(3, A, "TRACKING T-1 0\n");
    assert_eq!(
        h.failover.poll_answer(),
        Some((call, TrackingResult::Handled))
    );
    assert_eq!(
        h.failover.set_var(h.at(3), call, "ups.load", "42"),
        Answer::Pending
    );
    assert_eq!(
        h.actions(),
        [(
            A,
            LinkAction::Send(b"SET ups.load \"42\" TRACKING T-2\n".to_vec())
        )]
    );
    h.input(3, A, "TRACKING T-2 2\n");
    assert_eq!(
        h.failover.poll_answer(),
        Some((call, TrackingResult::Invalid))
    );
    assert_eq!(
        h.failover
            .set_var(h.at(3), call, "upstream.driver.name", "x"),
        Answer::Pending
    );
    assert_eq!(
        h.actions(),
        [(
            A,
            LinkAction::Send(b"SET driver.name \"x\" TRACKING T-3\n".to_vec())
        )]
    );
    // No answer in time: FAILED.
    assert_eq!(h.failover.poll_timeout(), Some(h.at(6)));
    h.update(6);
    assert_eq!(
        h.failover.poll_answer(),
        Some((call, TrackingResult::Failed))
    );
    assert_eq!(
        h.failover.instcmd(h.at(7), call, "beeper.off", None),
        Answer::Done(TrackingResult::Unknown)
    );
    assert_eq!(
        h.failover.set_var(h.at(7), call, "ups.nothing", "1"),
        Answer::Done(TrackingResult::Unknown)
    );
}

#[test]
fn a_forward_fails_when_the_primary_goes_away() {
    let mut h = Harness::new(|_| {});
    h.actions();
    h.up(1, A, "OL", "");
    h.update(2);
    let call = CallId::INTERNAL;
    assert_eq!(
        h.failover.instcmd(h.at(3), call, "upstream.load.off", None),
        Answer::Pending
    );
    h.event(3, A, LinkEvent::Closed("end of file".into()));
    assert_eq!(
        h.failover.poll_answer(),
        Some((call, TrackingResult::Failed))
    );
}

#[test]
fn failing_connections_cool_off_and_log_quietly() {
    let mut h = Harness::new(|o| {
        o.sockets.truncate(1);
        o.maxconnfails = 2;
        o.coolofftime = secs(10);
        o.relogtime = secs(5);
    });
    let mut attempts = 0;
    let mut errors = 0;
    for s in 0..30 {
        for (_, action) in h.actions() {
            if action == LinkAction::Connect {
                attempts += 1;
                h.event(
                    s,
                    A,
                    LinkEvent::ConnectFailed("No such file or directory".into()),
                );
            }
        }
        errors += h
            .logs()
            .iter()
            .filter(|l| l.contains("failed to establish connection"))
            .count();
        h.update(s);
    }
    // Three failures (more than 2) at 0, 1, 2; then one try after each
    // 10 s of cool-off (the count only resets on success): 14 and 26.
    assert_eq!(attempts, 5);
    // Logged at 0, then quiet within 5 s (1, 2), then 14 and 26.
    assert_eq!(errors, 3);
}

#[test]
fn a_reconnecting_primary_is_not_exported_half_dumped() {
    let mut h = Harness::new(|o| o.sockets.truncate(1));
    h.actions();
    h.up(1, A, "OL", "SETINFO battery.charge \"90\"\n");
    h.update(2);
    h.event(3, A, LinkEvent::Closed("end of file".into()));
    h.update(3);
    h.event(3, A, LinkEvent::Connected);
    h.input(3, A, "SETINFO ups.status \"OL\"\n");
    assert_eq!(h.get("battery.charge"), Some("90"), "no export mid-dump");
    h.input(3, A, "SETINFO battery.charge \"80\"\nDATAOK\nDUMPDONE\n");
    assert_eq!(h.get("battery.charge"), Some("80"));
}
