//! The clone core driven by hand, with time passed in; the expected
//! sequences are those observed from NUT 2.8.0's clone (see the oracle
//! tests for the live comparison).

use super::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

struct Harness {
    t0: Instant,
    clone: CloneUps,
    state: DriverState,
}

impl Harness {
    fn new(options: CloneOptions) -> Self {
        let t0 = Instant::now();
        let mut clone = CloneUps::new("dummy-ups-ups1", options);
        let mut state = DriverState::new();
        clone.init(t0, &mut state);
        assert_eq!(clone.poll_action(), Some(LinkAction::Connect));
        clone.handle_link_event(t0, &mut state, LinkEvent::Connected);
        assert_eq!(
            clone.poll_action(),
            Some(LinkAction::Send(b"DUMPALL\n".to_vec()))
        );
        let mut h = Self { t0, clone, state };
        h.input(
            0,
            concat!(
                "SETINFO battery.charge \"100\"\nSETINFO battery.runtime \"1800\"\n",
                "SETINFO driver.name \"dummy-ups\"\nSETINFO ups.delay.shutdown \"20\"\n",
                "SETINFO ups.timer.start \"5\"\nSETINFO battery.charge.low \"10\"\n",
                "SETINFO ups.status \"OL\"\nSETFLAGS ups.status RW STRING\nADDCMD load.off\n",
                "SETINFO outlet.status \"on\"\nDATAOK\nDUMPDONE\n"
            ),
        );
        h
    }

    fn with(configure: impl FnOnce(&mut CloneOptions)) -> Self {
        let mut options = CloneOptions::default();
        configure(&mut options);
        Self::new(options)
    }

    fn at(&self, millis: u64) -> Instant {
        self.t0 + Duration::from_millis(millis)
    }

    fn input(&mut self, millis: u64, text: &str) {
        let now = self.at(millis);
        self.clone.handle_link_event(
            now,
            &mut self.state,
            LinkEvent::Input(text.as_bytes().to_vec()),
        );
    }

    fn update(&mut self, millis: u64) {
        let now = self.at(millis);
        self.clone.handle_update(now, &mut self.state);
    }

    fn instcmd(&mut self, millis: u64, cmd: &str) -> TrackingResult {
        let now = self.at(millis);
        self.clone.instcmd(now, &mut self.state, cmd, None)
    }

    fn get(&self, var: &str) -> Option<&str> {
        self.state.get(var)
    }

    fn timers(&self) -> (i64, i64) {
        let read = |var| {
            self.get(var)
                .and_then(|v| v.parse().ok())
                .expect("published timer")
        };
        (read("ups.timer.shutdown"), read("ups.timer.start"))
    }

    fn sent(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.clone.poll_action())
            .filter_map(|a| match a {
                LinkAction::Send(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                _ => None,
            })
            .collect()
    }

    /// The commands sent upstream (keep-alive pings left out).
    fn commands(&mut self) -> Vec<String> {
        self.sent()
            .into_iter()
            .filter(|line| line.starts_with("INSTCMD"))
            .collect()
    }

    fn logs(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.clone.poll_log())
            .map(|r| r.message)
            .collect()
    }
}

#[test]
fn mirrors_the_upstream_but_keeps_its_own_variables() {
    let h = Harness::new(CloneOptions::default());
    assert_eq!(h.get("ups.status"), Some("OL"));
    assert_eq!(h.get("battery.charge"), Some("100"));
    assert_eq!(h.get("outlet.status"), Some("on"));
    assert_eq!(h.get("driver.name"), None);
    assert_eq!(h.get("ups.delay.shutdown"), Some("120"));
    assert_eq!(h.get("ups.delay.start"), Some("30"));
    assert_eq!(h.timers(), (-1, -1));
    // Upstream flags and commands are not relayed.
    let status = h.state.tree().get("ups.status").expect("status");
    assert_eq!(status.flags(), Flags::NONE);
    assert!(!h.state.tree().has_command("load.off"));
    assert!(h.state.tree().has_command("shutdown.return"));
    assert!(h.state.tree().has_command("shutdown.stayoff"));
    // The thresholds are the clone's, writable.
    let low = h.state.tree().get("battery.charge.low").expect("published");
    assert_eq!(low.value(), "0");
    assert_eq!(low.flags(), Flags::RW | Flags::STRING);
    assert_eq!(low.aux(), 3);
    assert_eq!(
        h.state.tree().get("battery.runtime.low").map(|v| v.aux()),
        Some(4)
    );
    assert!(!h.state.is_stale());
}

#[test]
fn shutdown_return_counts_down_switches_off_and_back_on() {
    let mut h = Harness::with(|o| {
        o.offdelay = 4;
        o.ondelay = 3;
        o.load_off = Some("load.off".into());
        o.load_on = Some("load.on".into());
        o.load_status = Some("outlet.status".into());
    });
    h.update(0);
    assert_eq!(h.instcmd(1000, "shutdown.return"), TrackingResult::Handled);
    assert_eq!(h.get("ups.status"), Some("FSD OL"));
    // Upstream status changes keep FSD in front while counting.
    h.input(1500, "SETINFO ups.status \"OL CHRG\"\n");
    assert_eq!(h.get("ups.status"), Some("FSD OL CHRG"));
    h.update(2000);
    assert_eq!(h.timers(), (3, 3));
    h.update(5000);
    assert_eq!(h.timers(), (0, 3));
    assert!(h.commands().is_empty());
    assert_eq!(h.clone.poll_timeout(), Some(h.at(6000)));
    h.update(6000);
    assert_eq!(h.commands(), ["INSTCMD load.off\n"]);
    assert!(!h.clone.outlet_on());
    assert_eq!(h.timers(), (-1, 3));
    assert_eq!(h.get("ups.status"), Some("FSD OL CHRG"), "FSD stays");
    h.update(8000);
    assert_eq!(h.timers(), (-1, 1));
    assert_eq!(h.clone.poll_timeout(), Some(h.at(10_000)));
    h.update(10_000);
    assert_eq!(h.commands(), ["INSTCMD load.on\n"]);
    assert!(h.clone.outlet_on());
    assert_eq!(h.get("ups.status"), Some("OL CHRG"));
    assert_eq!(h.timers(), (-1, -1));
}

#[test]
fn shutdown_stayoff_never_switches_back_on() {
    let mut h = Harness::with(|o| {
        o.offdelay = 0;
        o.load_off = Some("outlet.1.load.off".into());
        o.load_on = Some("outlet.1.load.on".into());
    });
    assert_eq!(h.instcmd(0, "shutdown.stayoff"), TrackingResult::Handled);
    assert_eq!(h.timers(), (-1, -1), "published at the next poll");
    h.update(500);
    assert_eq!(h.timers(), (0, -1));
    h.update(1000);
    assert_eq!(h.commands(), ["INSTCMD outlet.1.load.off\n"]);
    h.update(3000);
    assert!(h.commands().is_empty());
    assert_eq!(h.get("ups.status"), Some("FSD OL"));
    // As in NUT, the next upstream status replaces it.
    h.input(3500, "SETINFO ups.status \"OB\"\n");
    assert_eq!(h.get("ups.status"), Some("OB"));
}

#[test]
fn the_start_delay_waits_for_line_power() {
    let mut h = Harness::with(|o| {
        o.offdelay = 0;
        o.ondelay = 2;
        o.load_on = Some("load.on".into());
    });
    h.input(0, "SETINFO ups.status \"OB\"\n");
    h.instcmd(0, "shutdown.return");
    h.update(1000);
    h.update(10_000);
    assert_eq!(h.timers(), (-1, 2), "restarted while on battery");
    assert_ne!(
        h.clone.poll_timeout(),
        Some(h.at(13_000)),
        "no wake-up for the start timer on battery"
    );
    h.input(10_500, "SETINFO ups.status \"OL\"\n");
    h.update(11_000);
    assert_eq!(
        h.timers(),
        (-1, 1),
        "counting since the last poll on battery"
    );
    h.update(13_000);
    assert_eq!(h.commands(), ["INSTCMD load.on\n"]);
}

#[test]
fn a_low_battery_starts_the_shutdown_by_itself() {
    let mut h = Harness::with(|o| {
        o.mincharge = 50.0;
        o.offdelay = 30;
    });
    h.input(0, "SETINFO battery.charge \"40\"\n");
    h.update(1000);
    assert_eq!(h.get("ups.status"), Some("OL"), "on line: nothing");
    h.input(1500, "SETINFO ups.status \"OB DISCHRG\"\n");
    h.update(2000);
    assert_eq!(h.get("ups.status"), Some("FSD OB DISCHRG"));
    assert_eq!(h.timers(), (30, 30));
    assert!(h.logs().contains(&"Battery charge low".to_owned()));
}

#[test]
fn a_low_runtime_starts_the_shutdown_too() {
    let mut h = Harness::with(|o| o.minruntime = 600.0);
    h.input(
        0,
        "SETINFO battery.runtime \"599\"\nSETINFO ups.status \"OB\"\n",
    );
    h.update(1000);
    assert_eq!(h.get("ups.status"), Some("FSD OB"));
    assert!(h.logs().contains(&"Battery runtime low".to_owned()));
}

#[test]
fn thresholds_are_set_with_strtod_and_printed_with_g() {
    let mut h = Harness::new(CloneOptions::default());
    assert_eq!(
        h.clone
            .set_var(&mut h.state, "battery.charge.low", "12.50abc"),
        TrackingResult::Handled
    );
    assert_eq!(h.get("battery.charge.low"), Some("12.5"));
    assert_eq!(
        h.clone
            .set_var(&mut h.state, "BATTERY.RUNTIME.LOW", "1234567"),
        TrackingResult::Handled
    );
    assert_eq!(h.get("battery.runtime.low"), Some("1.23457e+06"));
    assert_eq!(
        h.clone.set_var(&mut h.state, "ups.load", "5"),
        TrackingResult::Unknown
    );
    assert!(
        h.logs()
            .contains(&"setvar: unknown variable [ups.load]".to_owned())
    );
    // The value survives the next upstream battery.charge.
    h.input(0, "SETINFO battery.charge \"99\"\n");
    assert_eq!(h.get("battery.charge.low"), Some("12.5"));
}

#[test]
fn unknown_commands_are_refused_like_nut() {
    let mut h = Harness::new(CloneOptions::default());
    let now = h.at(0);
    assert_eq!(
        h.clone.instcmd(now, &mut h.state, "load.off", Some("x")),
        TrackingResult::Unknown
    );
    assert_eq!(h.instcmd(0, "beeper.on"), TrackingResult::Unknown);
    let logs = h.logs();
    assert!(logs.contains(&"instcmd: unknown command [load.off] [x]".to_owned()));
    assert!(logs.contains(&"instcmd: unknown command [beeper.on] [(null)]".to_owned()));
}

#[test]
fn an_outlet_reported_off_skips_the_countdown() {
    let mut h = Harness::with(|o| {
        o.load_status = Some("outlet.status".into());
        o.ondelay = 0;
        o.load_on = Some("load.on".into());
    });
    h.input(0, "SETINFO outlet.status \"OFF\"\n");
    h.instcmd(0, "shutdown.return");
    assert_eq!(
        h.get("ups.status"),
        Some("OL"),
        "no FSD: nothing to switch off"
    );
    h.update(1000);
    assert_eq!(h.commands(), ["INSTCMD load.on\n"]);
    assert!(h.clone.outlet_on());
}

#[test]
fn a_lost_upstream_is_stale_and_reconnected_at_the_next_poll() {
    let mut h = Harness::new(CloneOptions::default());
    let now = h.at(100);
    h.clone
        .handle_link_event(now, &mut h.state, LinkEvent::Closed("end of file".into()));
    assert!(h.state.is_stale());
    assert_eq!(h.get("ups.status"), Some("OL"), "last data kept, stale");
    h.update(2000);
    assert_eq!(h.clone.poll_action(), Some(LinkAction::Connect));
    let now = h.at(2000);
    h.clone.handle_link_event(
        now,
        &mut h.state,
        LinkEvent::ConnectFailed("No such file or directory".into()),
    );
    h.update(4000);
    assert_eq!(h.clone.poll_action(), Some(LinkAction::Connect));
    h.clone.handle_link_event(
        h.t0 + secs(4),
        &mut h.state,
        LinkEvent::ConnectFailed("No such file or directory".into()),
    );
    let failures = h
        .logs()
        .iter()
        .filter(|l| l.starts_with("Can't connect to UPS [dummy-ups-ups1]"))
        .count();
    assert_eq!(failures, 1, "once a minute at most");
    h.update(6000);
    assert_eq!(h.clone.poll_action(), Some(LinkAction::Connect));
    h.clone
        .handle_link_event(h.at(6000), &mut h.state, LinkEvent::Connected);
    assert_eq!(h.get("ups.status"), Some("WAIT"));
    h.input(6100, "SETINFO ups.status \"OB\"\nDATAOK\nDUMPDONE\n");
    assert!(!h.state.is_stale());
    assert_eq!(h.get("ups.status"), Some("OB"));
}

#[test]
fn an_upstream_stale_report_is_relayed_without_reconnecting() {
    let mut h = Harness::new(CloneOptions::default());
    h.sent();
    h.input(1000, "DATASTALE\n");
    assert!(h.state.is_stale());
    h.update(2000);
    assert_eq!(h.clone.poll_action(), None, "still connected");
    h.input(3000, "DATAOK\n");
    assert!(!h.state.is_stale());
}

#[test]
fn a_silent_upstream_is_pinged_then_dropped() {
    let mut h = Harness::new(CloneOptions::default());
    h.sent();
    h.update(5001);
    assert_eq!(h.sent(), ["PING\n"]);
    h.update(15_001);
    assert!(h.state.is_stale());
    let actions: Vec<_> = std::iter::from_fn(|| h.clone.poll_action()).collect();
    assert_eq!(actions, [LinkAction::Close, LinkAction::Connect]);
}
