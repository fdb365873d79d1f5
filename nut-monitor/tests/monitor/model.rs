//! A reference model of §16.4–16.5, written from the spec text and kept
//! deliberately plain: no notifications, no scheduling, no sequence —
//! only "given these polls at these times, when must the host go down?".

use std::time::Duration;

use nut_monitor::config::{Config, Role};

/// One poll cycle: its time (ms) and each UPS's answer (`None` = failed).
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    pub(crate) t: u64,
    pub(crate) answers: Vec<Option<String>>,
}

#[derive(Debug, Clone, Default)]
struct Ups {
    heard: bool,
    down: bool,
    last_good: u64,
    last_noncrit: u64,
    ob: bool,
    lb: bool,
    cal: bool,
    fsd: bool,
    off: bool,
    bypass: bool,
    over: bool,
    alarm: bool,
    off_start: Option<u64>,
    off_long: bool,
    over_start: Option<u64>,
    oblb_start: Option<u64>,
}

/// Time from `start` to `t` (ms), to the nearest whole second: NUT stamps
/// and compares in whole seconds (`time()`).
fn el(t: u64, start: u64) -> u64 {
    (t - start + 500) / 1000 * 1000
}

fn secs(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap()
}

pub(crate) struct Model<'a> {
    config: &'a Config,
    ups: Vec<Ups>,
}

impl<'a> Model<'a> {
    pub(crate) fn new(config: &'a Config) -> Self {
        Self {
            config,
            ups: vec![Ups::default(); config.monitors.len()],
        }
    }

    /// Feeds one cycle; returns the power value left afterwards.
    pub(crate) fn step(&mut self, obs: &Observation) -> u64 {
        let t = obs.t;
        for (u, answer) in self.ups.iter_mut().zip(&obs.answers) {
            match answer.as_deref().map(str::trim) {
                None | Some("") => u.down = true,
                Some(status) => poll(u, t, status, self.config),
            }
        }
        let c = self.config;
        let mut power = 0;
        for (i, u) in self.ups.iter_mut().enumerate() {
            // DEADTIME: silent too long while last on battery = low battery.
            if u.heard && u.ob && el(t, u.last_good) > secs(c.dead_time) {
                u.lb = true;
            }
            if u.ob && u.lb {
                u.oblb_start.get_or_insert(t);
            } else {
                u.oblb_start = None;
            }
            let primary = c.monitors[i].role == Role::Primary;
            if !critical(u, t, c, primary) {
                power += u64::from(c.monitors[i].power_value);
            }
        }
        power
    }

    /// Index of the first observation after which the host must shut down.
    pub(crate) fn shutdown_cycle(config: &Config, history: &[Observation]) -> Option<usize> {
        let mut model = Model::new(config);
        history
            .iter()
            .position(|obs| model.step(obs) < u64::from(config.min_supplies))
    }
}

fn poll(u: &mut Ups, t: u64, status: &str, c: &Config) {
    let words: Vec<String> = status
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    u.heard = true;
    u.down = false;
    u.last_good = t;
    // The secondary's HOSTSYNC clock: NUT re-checks "not (OB and LB), or
    // CAL" after every word of the status.
    let (mut ob, mut lb, mut cal) = (u.ob, u.lb && has("LB"), u.cal && has("CAL"));
    for w in &words {
        match w.as_str() {
            "OL" => ob = false,
            "OB" => ob = true,
            "LB" => lb = true,
            "CAL" => cal = true,
            _ => {}
        }
        if !(ob && lb) || cal {
            u.last_noncrit = t;
        }
    }
    (u.ob, u.lb, u.cal) = (ob, lb, cal);
    u.fsd = has("FSD");
    u.bypass = has("BYPASS");
    u.alarm = has("ALARM");
    u.over = has("OVER");
    u.over_start = if u.over {
        Some(u.over_start.unwrap_or(t))
    } else {
        None
    };
    u.off = has("OFF");
    if !u.off {
        u.off_start = None;
        u.off_long = false;
    } else if let Some(start) = u.off_start {
        let limit = c.off_duration.map(secs);
        if limit.is_some_and(|d| d > 0 && el(t, start) > d) {
            u.off_long = true;
        }
    } else {
        u.off_start = Some(t);
        u.off_long = c.off_duration == Some(Duration::ZERO);
    }
}

fn critical(u: &Ups, t: u64, c: &Config, primary: bool) -> bool {
    if u.fsd {
        return true;
    }
    let over_long = u.over
        && c.over_duration
            .zip(u.over_start)
            .is_some_and(|(d, start)| el(t, start) >= secs(d));
    let off_counts = u.off && c.off_duration.is_some();
    if u.down && (u.cal || u.bypass || off_counts || over_long || (u.alarm && c.alarm_critical)) {
        return true;
    }
    if off_counts && u.off_long {
        return true;
    }
    if !(u.ob && u.lb) || u.cal {
        return false;
    }
    let oblb = secs(c.oblb_duration);
    if oblb > 0 && u.oblb_start.is_none_or(|s| el(t, s) < oblb) {
        return false;
    }
    primary || el(t, u.last_noncrit) > secs(c.host_sync)
}
