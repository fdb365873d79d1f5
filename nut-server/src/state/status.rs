//! NUT's driver helpers for `ups.status` and `ups.alarm`
//! (`status_init`/`status_set`/`status_commit`, `alarm_init`/`alarm_set`/
//! `alarm_commit`), as methods of [`DriverState`].
//!
//! A driver builds the status afresh each poll: `status_init`, one
//! `status_set` per condition, `status_commit`. Tokens are deduplicated and a
//! multi-word `status_set("OB LB")` is split (NUT 2.8.3+). With the
//! `driver.flag.ignorelb` flag published, `LB` from the device is dropped and
//! derived instead from `battery.charge < battery.charge.low` or
//! `battery.runtime < battery.runtime.low`. Alarms are collected the same way
//! into `ups.alarm`; while any is active, `status_commit` puts `ALARM` first
//! in `ups.status` (a driver that sets `ALARM` as a status token gets the same
//! effect, NUT's legacy path).

use super::{DriverState, MAX_DRIVER_VALUE_LEN, Outcome};

/// The status and alarm buffers between `*_init` and `*_commit`.
#[derive(Debug, Clone, Default)]
pub(super) struct Indicators {
    status: Vec<String>,
    ignorelb: bool,
    alarm_legacy: bool,
    alarm: String,
    alarm_active: u32,
}

impl Indicators {
    fn status_len(&self) -> usize {
        self.status
            .iter()
            .map(|t| t.len() + 1)
            .sum::<usize>()
            .saturating_sub(1)
    }
}

/// C's `strtol(s, NULL, 10)`: leading blanks, a sign, then digits (0 if none).
fn c_strtol(text: &str) -> i64 {
    let text = text.trim_start();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, b| {
            acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
        });
    if negative { -magnitude } else { magnitude }
}

impl DriverState {
    /// `status_init`: starts a new status; reads `driver.flag.ignorelb`.
    pub fn status_init(&mut self) {
        let ignorelb = self.get("driver.flag.ignorelb").is_some();
        let ind = &mut self.indicators;
        ind.status.clear();
        ind.ignorelb = ignorelb;
        ind.alarm_legacy = false;
    }

    /// `status_set`: adds each white-space separated token not yet present
    /// (case-sensitive match); `ALARM` switches the legacy alarm path on
    /// instead, and `LB` is dropped under `ignorelb`. Tokens that would push
    /// the status past 255 bytes are dropped, as NUT's buffer would.
    pub fn status_set(&mut self, text: &str) {
        for token in text.split_ascii_whitespace() {
            let ind = &mut self.indicators;
            if ind.ignorelb && token.eq_ignore_ascii_case("LB") {
                continue;
            }
            if token.eq_ignore_ascii_case("ALARM") {
                ind.alarm_legacy = true;
                continue;
            }
            if ind.status.iter().any(|t| t == token) {
                continue;
            }
            let separator = usize::from(!ind.status.is_empty());
            if ind.status_len() + separator + token.len() > MAX_DRIVER_VALUE_LEN {
                continue;
            }
            ind.status.push(token.to_owned());
        }
    }

    /// `status_get`: whether `token` was set since `status_init`.
    pub fn status_get(&self, token: &str) -> bool {
        self.indicators.status.iter().any(|t| t == token)
    }

    /// `status_commit`: publishes `ups.status`, with `ALARM` first while an
    /// alarm is active, and `LB` derived from charge/runtime under `ignorelb`.
    pub fn status_commit(&mut self) -> Outcome {
        if self.indicators.ignorelb && self.battery_low() && !self.status_get("LB") {
            self.indicators.status.push("LB".to_owned());
        }
        let ind = &self.indicators;
        let mut value = String::new();
        if ind.alarm_active > 0 || ind.alarm_legacy {
            value.push_str("ALARM");
        }
        for token in &ind.status {
            if !value.is_empty() {
                value.push(' ');
            }
            value.push_str(token);
        }
        self.set_info("ups.status", &value)
    }

    fn battery_low(&self) -> bool {
        let below = |value: &str, low: &str| match (self.get(value), self.get(low)) {
            (Some(v), Some(l)) => c_strtol(v) < c_strtol(l),
            _ => false,
        };
        below("battery.charge", "battery.charge.low")
            || below("battery.runtime", "battery.runtime.low")
    }

    /// `alarm_init`: clears the alarm text and the active-alarm count.
    pub fn alarm_init(&mut self) {
        self.indicators.alarm_active = 0;
        self.device_alarm_init();
    }

    /// `alarm_set`: appends an alarm sentence (space-separated; NUT suggests
    /// `[brackets]` around each), cut at 255 bytes.
    pub fn alarm_set(&mut self, text: &str) {
        let alarm = &mut self.indicators.alarm;
        if !alarm.is_empty() {
            alarm.push(' ');
        }
        alarm.push_str(text);
        let keep = super::truncate(alarm, MAX_DRIVER_VALUE_LEN).len();
        alarm.truncate(keep);
    }

    /// `alarm_commit`: publishes `ups.alarm` (or deletes it when empty) and
    /// records whether an alarm is active for the next `status_commit`.
    pub fn alarm_commit(&mut self) -> Outcome {
        if self.indicators.alarm.is_empty() {
            self.indicators.alarm_active = 0;
            self.del_info("ups.alarm")
        } else {
            self.indicators.alarm_active = 1;
            let text = self.indicators.alarm.clone();
            self.set_info("ups.alarm", &text)
        }
    }

    /// `device_alarm_init`: clears the alarm text, keeping the active count
    /// (daisy-chained devices commit one after another).
    pub fn device_alarm_init(&mut self) {
        self.indicators.alarm.clear();
    }

    /// `device_alarm_commit`: publishes the alarm text of device `n` as
    /// `device.<n>.ups.alarm` (`ups.alarm` for 0); a non-empty text counts as
    /// one more active alarm.
    pub fn device_alarm_commit(&mut self, device: u32) -> Outcome {
        let name = if device == 0 {
            "ups.alarm".to_owned()
        } else {
            format!("device.{device}.ups.alarm")
        };
        if self.indicators.alarm.is_empty() {
            self.del_info(&name)
        } else {
            self.indicators.alarm_active = self.indicators.alarm_active.saturating_add(1);
            let text = self.indicators.alarm.clone();
            self.set_info(&name, &text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: &DriverState) -> &str {
        s.get("ups.status").unwrap_or("<none>")
    }

    #[test]
    fn tokens_are_deduplicated_and_multi_word_sets_split() {
        let mut s = DriverState::new();
        s.status_init();
        s.status_set("OL");
        s.status_set("OB LB");
        s.status_set("OL");
        s.status_set("  CHRG\t");
        assert!(s.status_get("LB") && !s.status_get("lb"));
        s.status_commit();
        assert_eq!(status(&s), "OL OB LB CHRG");
        s.status_init();
        s.status_commit();
        assert_eq!(status(&s), "");
    }

    #[test]
    fn alarms_publish_ups_alarm_and_prefix_the_status() {
        let mut s = DriverState::new();
        s.alarm_init();
        s.alarm_set("[Replace battery!]");
        s.alarm_set("[Fan failure]");
        s.alarm_commit();
        s.status_init();
        s.status_set("OL");
        s.status_commit();
        assert_eq!(s.get("ups.alarm"), Some("[Replace battery!] [Fan failure]"));
        assert_eq!(status(&s), "ALARM OL");
        s.alarm_init();
        s.alarm_commit();
        s.status_init();
        s.status_set("OL");
        s.status_commit();
        assert_eq!(s.get("ups.alarm"), None);
        assert_eq!(status(&s), "OL");
    }

    #[test]
    fn alarm_as_a_status_token_takes_the_legacy_path() {
        let mut s = DriverState::new();
        s.status_init();
        s.status_set("ALARM OB");
        s.status_commit();
        assert_eq!(status(&s), "ALARM OB");
        s.status_init();
        s.status_set("ALARM");
        s.status_commit();
        assert_eq!(status(&s), "ALARM");
        s.status_init();
        s.status_set("OB");
        s.status_commit();
        assert_eq!(status(&s), "OB");
    }

    #[test]
    fn ignorelb_drops_device_lb_and_derives_it_from_thresholds() {
        let mut s = DriverState::new();
        s.set_info("driver.flag.ignorelb", "enabled");
        s.set_info("battery.charge", "50");
        s.set_info("battery.charge.low", "20");
        s.status_init();
        s.status_set("OB LB");
        s.status_commit();
        assert_eq!(status(&s), "OB");
        s.set_info("battery.charge", "19");
        s.status_init();
        s.status_set("OB");
        s.status_commit();
        assert_eq!(status(&s), "OB LB");
        s.set_info("battery.charge", "90");
        s.set_info("battery.runtime", "100");
        s.set_info("battery.runtime.low", "120");
        s.status_init();
        s.status_set("OB");
        s.status_commit();
        assert_eq!(status(&s), "OB LB");
    }

    #[test]
    fn daisy_chain_alarms_count_up() {
        let mut s = DriverState::new();
        s.alarm_init();
        s.alarm_set("[dev1 hot]");
        s.device_alarm_commit(1);
        s.device_alarm_init();
        s.device_alarm_commit(2);
        s.status_init();
        s.status_set("OL");
        s.status_commit();
        assert_eq!(s.get("device.1.ups.alarm"), Some("[dev1 hot]"));
        assert_eq!(s.get("device.2.ups.alarm"), None);
        assert_eq!(status(&s), "ALARM OL");
    }

    #[test]
    fn status_is_bounded_at_255_bytes() {
        let mut s = DriverState::new();
        s.status_init();
        for i in 0..100 {
            s.status_set(&format!("TOKEN{i:03}"));
        }
        s.status_commit();
        let value = status(&s);
        assert!(value.len() <= MAX_DRIVER_VALUE_LEN);
        // 8-byte tokens plus separators: 28 fit in 255 bytes (28*9-1 = 251).
        assert_eq!(value.split(' ').count(), 28);
    }

    #[test]
    fn strtol_reads_like_c() {
        assert_eq!(c_strtol(" 42abc"), 42);
        assert_eq!(c_strtol("-7"), -7);
        assert_eq!(c_strtol("+3"), 3);
        assert_eq!(c_strtol("x"), 0);
        assert_eq!(c_strtol(""), 0);
        assert_eq!(c_strtol("99999999999999999999999"), i64::MAX);
    }
}
