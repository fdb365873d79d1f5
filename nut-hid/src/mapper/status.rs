//! `ups.status` and `ups.alarm`: the persistent status bits the mapping
//! rows set and clear, and how NUT turns them into status tokens, alarm
//! texts and mode buzzwords each cycle (hid-maps.md §1.12). `FSD` never
//! comes from here: upsd adds it on a primary upsmon's request.

use std::time::{Duration, Instant};

use nut_proto::model::StatusToken;

use crate::select::DeviceInfo;

/// The internal status flags of `usbhid-ups`. A bit changes only when some
/// row reports it; all start clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StatusBits {
    /// On line power.
    pub online: bool,
    /// Off line (on battery).
    pub offline: bool,
    /// Discharging.
    pub dischrg: bool,
    /// Charging.
    pub chrg: bool,
    /// Battery low.
    pub lowbatt: bool,
    /// Overloaded.
    pub overload: bool,
    /// Battery needs replacing.
    pub replacebatt: bool,
    /// Shutdown imminent.
    pub shutdownimm: bool,
    /// Trimming (buck).
    pub trim: bool,
    /// Boosting.
    pub boost: bool,
    /// Automatic bypass.
    pub bypassauto: bool,
    /// Manual bypass.
    pub bypassman: bool,
    /// ECO mode.
    pub ecomode: bool,
    /// ESS mode.
    pub essmode: bool,
    /// Output off.
    pub off: bool,
    /// Calibrating.
    pub cal: bool,
    /// Over temperature.
    pub overheat: bool,
    /// Internal fault or communication lost.
    pub commfault: bool,
    /// Battery depleted.
    pub depleted: bool,
    /// Remaining time limit expired.
    pub timelimitexp: bool,
    /// Fully charged.
    pub fullycharged: bool,
    /// Not fully charged.
    pub notfullycharged: bool,
    /// Awaiting power.
    pub awaitingpower: bool,
    /// Fan failure.
    pub fanfail: bool,
    /// No battery.
    pub nobattery: bool,
    /// Battery voltage too low.
    pub battvoltlo: bool,
    /// Battery voltage too high.
    pub battvolthi: bool,
    /// Charger failure.
    pub chargerfail: bool,
    /// Input voltage out of range.
    pub vrange: bool,
    /// Input frequency out of range.
    pub frange: bool,
}

impl StatusBits {
    fn flag(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "online" => &mut self.online,
            "offline" => &mut self.offline,
            "dischrg" => &mut self.dischrg,
            "chrg" => &mut self.chrg,
            "lowbatt" => &mut self.lowbatt,
            "overload" => &mut self.overload,
            "replacebatt" => &mut self.replacebatt,
            "shutdownimm" => &mut self.shutdownimm,
            "trim" => &mut self.trim,
            "boost" => &mut self.boost,
            "bypassauto" => &mut self.bypassauto,
            "bypassman" => &mut self.bypassman,
            "ecomode" => &mut self.ecomode,
            "essmode" => &mut self.essmode,
            "off" => &mut self.off,
            "cal" => &mut self.cal,
            "overheat" => &mut self.overheat,
            "commfault" => &mut self.commfault,
            "depleted" => &mut self.depleted,
            "timelimitexp" => &mut self.timelimitexp,
            "fullycharged" => &mut self.fullycharged,
            "notfullycharged" => &mut self.notfullycharged,
            "awaitingpower" => &mut self.awaitingpower,
            "fanfail" => &mut self.fanfail,
            "nobattery" => &mut self.nobattery,
            "battvoltlo" => &mut self.battvoltlo,
            "battvolthi" => &mut self.battvolthi,
            "chargerfail" => &mut self.chargerfail,
            "vrange" => &mut self.vrange,
            "frange" => &mut self.frange,
            _ => return None,
        })
    }

    /// Apply a status row's text: `token` sets the bit, `!token` clears it
    /// (case-insensitive); `online`/`offline` and `fullycharged`/
    /// `notfullycharged` clear each other when set. Unknown words (`yes`,
    /// `normal`) change nothing; returns whether the word was a token.
    pub fn apply(&mut self, text: &str) -> bool {
        let (clear, name) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let name = name.to_ascii_lowercase();
        let Some(bit) = self.flag(&name) else {
            return false;
        };
        *bit = !clear;
        if !clear {
            match name.as_str() {
                "online" => self.offline = false,
                "offline" => self.online = false,
                "fullycharged" => self.notfullycharged = false,
                "notfullycharged" => self.fullycharged = false,
                _ => {}
            }
        }
        true
    }

    /// The alarm sentences the bits raise, in NUT's order.
    #[must_use]
    pub fn alarm_texts(&self) -> Vec<&'static str> {
        [
            (self.replacebatt, "Replace battery!"),
            (self.shutdownimm, "Shutdown imminent!"),
            (self.fanfail, "Fan failure!"),
            (self.nobattery, "No battery installed!"),
            (self.battvoltlo, "Battery voltage too low!"),
            (self.battvolthi, "Battery voltage too high!"),
            (self.chargerfail, "Battery charger fail!"),
            (self.overheat, "Temperature too high!"),
            (self.commfault, "Internal UPS fault!"),
            (self.awaitingpower, "Awaiting power!"),
            (self.bypassauto, "Automatic bypass mode!"),
            (self.bypassman, "Manual bypass mode!"),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, text)| *text)
        .collect()
    }
}

/// Options that shape the status tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StatusOptions {
    /// `onlinedischarge_onbattery` (alias `onlinedischarge`): OL+DISCHRG ⇒ OB.
    pub onlinedischarge_onbattery: bool,
    /// `onlinedischarge_calibration`: OL+DISCHRG ⇒ CAL.
    pub onlinedischarge_calibration: bool,
    /// `lbrb_log_delay_sec` (≥ 1 s to take effect).
    pub lbrb_log_delay: Option<Duration>,
    /// `lbrb_log_delay_without_calibrating`.
    pub lbrb_log_delay_without_calibrating: bool,
}

/// One cycle's result of [`assemble`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Assembled {
    pub(crate) tokens: Vec<StatusToken>,
    pub(crate) transfer_reason: Option<&'static str>,
    pub(crate) buzzwords: Vec<&'static str>,
}

fn push(tokens: &mut Vec<StatusToken>, token: StatusToken) {
    if !tokens.contains(&token) {
        tokens.push(token);
    }
}

/// NUT's stage-2 assembly: bits → tokens, in NUT's order. `charge` is the
/// published `battery.charge`; `lb_since` is the LB-delay timer.
pub(crate) fn assemble(
    bits: &StatusBits,
    options: &StatusOptions,
    charge: Option<&str>,
    now: Instant,
    lb_since: &mut Option<Instant>,
) -> Assembled {
    let mut out = Assembled::default();
    let t = &mut out.tokens;
    out.transfer_reason = if bits.vrange {
        Some("input voltage out of range")
    } else if bits.frange {
        Some("input frequency out of range")
    } else {
        None
    };
    if bits.cal {
        push(t, StatusToken::Calibrating);
    }
    if bits.offline {
        push(t, StatusToken::OnBattery);
    }
    if !bits.online {
        if bits.offline || bits.dischrg {
            push(t, StatusToken::OnBattery);
        }
    } else if bits.dischrg {
        if options.onlinedischarge_calibration {
            push(t, StatusToken::Calibrating);
        }
        if options.onlinedischarge_onbattery {
            push(t, StatusToken::OnBattery);
        }
        if !options.onlinedischarge_calibration && !options.onlinedischarge_onbattery {
            push(t, StatusToken::OnLine);
        }
    } else {
        push(t, StatusToken::OnLine);
    }
    let calibrating = t.contains(&StatusToken::Calibrating);
    if bits.dischrg && !bits.depleted {
        push(t, StatusToken::Discharging);
    }
    if bits.chrg {
        let charging = if bits.notfullycharged {
            true
        } else if !bits.fullycharged {
            charge.is_some_and(|c| (1..=99).contains(&crate::convert::c_atoi(c)))
        } else {
            false
        };
        if charging {
            push(t, StatusToken::Charging);
        }
    }
    let delay = options.lbrb_log_delay.filter(|d| d.as_secs() >= 1);
    let delay_applies = delay.is_some()
        && (calibrating || options.lbrb_log_delay_without_calibrating)
        && bits.online;
    let lb_waiting = |since: &Option<Instant>| match (since, delay) {
        (Some(start), Some(delay)) => now.saturating_duration_since(*start) <= delay,
        _ => false,
    };
    if bits.lowbatt || bits.timelimitexp || bits.shutdownimm {
        if delay_applies {
            if lb_since.is_none() {
                *lb_since = Some(now);
            }
            if !lb_waiting(lb_since) {
                push(t, StatusToken::LowBattery);
            }
        } else {
            push(t, StatusToken::LowBattery);
        }
    } else {
        *lb_since = None;
    }
    if bits.overload {
        push(t, StatusToken::Overload);
    }
    if (bits.replacebatt || bits.nobattery) && !(delay_applies && lb_waiting(lb_since)) {
        push(t, StatusToken::ReplaceBattery);
    }
    if bits.trim {
        push(t, StatusToken::Trim);
    }
    if bits.boost {
        push(t, StatusToken::Boost);
    }
    if bits.bypassauto || bits.bypassman {
        push(t, StatusToken::Bypass);
    }
    if bits.ecomode {
        out.buzzwords.push("vendor:default:ECO");
    }
    if bits.essmode {
        out.buzzwords.push("vendor:default:ESS");
    }
    if bits.off {
        push(t, StatusToken::Off);
    }
    out
}

/// NUT's automatic `lbrb_log_delay_sec` for APC BX…MI, BVK…M2, BK…M2-CH.
pub(crate) fn apc_auto_lbrb_delay(device: &DeviceInfo) -> bool {
    let vendor_ok = matches!(
        device.vendor.as_deref(),
        Some("APC" | "American Power Conversion")
    );
    let Some(product) = device.product.as_deref() else {
        return false;
    };
    let has = |prefix: &str| product.starts_with(prefix) || product.contains(&format!(" {prefix}"));
    let bytes = product.as_bytes();
    let n = bytes.len();
    let bx = n > 6 && has("BX") && product.ends_with("MI");
    let bvk = n > 7 && has("BVK") && product.ends_with("M2");
    let bk = n > 9
        && has("BK")
        && bytes[n - 5] == b'M'
        && bytes[n - 4] == b'2'
        && matches!(bytes[n - 3], b'-' | b'_')
        && bytes[n - 2] == b'C'
        && bytes[n - 1] == b'H';
    vendor_ok && (bx || bvk || bk)
}

#[cfg(test)]
mod tests;
