//! Driver options (ups.conf / `-x`, qx-protocols §1.14) and engine timing.

use std::collections::BTreeMap;
use std::time::Duration;

use super::protocol::Protocol;
use crate::error::Error;

/// `runtimecal = r1,l1,r2,l2`: runtime `r1` s at load `l1` %, `r2` s at `l2` %.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuntimeCal {
    /// Runtime at `l1` (seconds).
    pub r1: f64,
    /// Load of the first point (%).
    pub l1: f64,
    /// Runtime at `l2` (seconds).
    pub r2: f64,
    /// Load of the second point (%).
    pub l2: f64,
}

impl RuntimeCal {
    /// Parses and validates `r1,l1,r2,l2` (NUT refuses r2 < r1, r1 ≤ 0,
    /// l1 > 100, l2 > l1, l2 ≤ 0).
    pub fn parse(value: &str) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidOption {
            name: "runtimecal".into(),
            value: value.into(),
            reason,
        };
        let nums: Vec<f64> = value
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| invalid("expected four numbers r1,l1,r2,l2"))?;
        let [r1, l1, r2, l2] = nums.as_slice() else {
            return Err(invalid("expected four numbers r1,l1,r2,l2"));
        };
        let cal = Self {
            r1: *r1,
            l1: *l1,
            r2: *r2,
            l2: *l2,
        };
        if cal.r2 < cal.r1 || cal.r1 <= 0.0 || cal.l1 > 100.0 || cal.l2 > cal.l1 || cal.l2 <= 0.0 {
            return Err(invalid("need 0 < r1 <= r2 and 0 < l2 <= l1 <= 100"));
        }
        Ok(cal)
    }
}

/// Everything the engine takes from ups.conf, with NUT's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct QxConfig {
    /// `protocol=`: only this protocol is probed.
    pub protocol: Option<Protocol>,
    /// `novendor`: skip `I`/`FW?`.
    pub novendor: bool,
    /// `norating`: skip `F`.
    pub norating: bool,
    /// `ignoresab`: ignore the Q1 "shutdown active" bit.
    pub ignoresab: bool,
    /// `nooutstats`: q2/q6 skip `WA`.
    pub nooutstats: bool,
    /// `stayoff`: shutdown uses `shutdown.stayoff`.
    pub stayoff: bool,
    /// `ondelay` (seconds), default per protocol.
    pub ondelay: Option<i64>,
    /// `offdelay` (seconds), default per protocol.
    pub offdelay: Option<i64>,
    /// `pollfreq`: period of full polls.
    pub pollfreq: Duration,
    /// `pollinterval`: period of polls.
    pub pollinterval: Duration,
    /// `runtimecal`.
    pub runtimecal: Option<RuntimeCal>,
    /// `chargetime` (seconds).
    pub chargetime: f64,
    /// `idleload` as a fraction (ups.conf gives percent).
    pub idleload: f64,
    /// `battery_voltage_reports_one_pack`.
    pub battery_voltage_reports_one_pack: bool,
    /// `default.<var>` values (used when the device gives none).
    pub defaults: BTreeMap<String, String>,
    /// `override.<var>` values (win over the device).
    pub overrides: BTreeMap<String, String>,
    /// How long to wait for a reply (NUT: 1 s).
    pub reply_timeout: Duration,
    /// How many times each protocol's claim is tried (NUT: 3).
    pub claim_attempts: u32,
    /// Consecutive failed polls after which data is stale (NUT: 5th).
    pub stale_after: u32,
    /// USB vendor and product id of the opened device, when the transport
    /// is a USB bridge: published as `ups.vendorid`/`ups.productid` (4
    /// lower-case hex digits), and omron is only probed behind vendor
    /// `0590` (qx-protocols §1.6).
    pub usb_ids: Option<(u16, u16)>,
}

impl Default for QxConfig {
    fn default() -> Self {
        Self {
            protocol: None,
            novendor: false,
            norating: false,
            ignoresab: false,
            nooutstats: false,
            stayoff: false,
            ondelay: None,
            offdelay: None,
            pollfreq: Duration::from_secs(30),
            pollinterval: Duration::from_secs(2),
            runtimecal: None,
            chargetime: 43_200.0,
            idleload: 0.10,
            battery_voltage_reports_one_pack: false,
            defaults: BTreeMap::new(),
            overrides: BTreeMap::new(),
            reply_timeout: Duration::from_secs(1),
            claim_attempts: 3,
            stale_after: 5,
            usb_ids: None,
        }
    }
}

fn number(name: &str, value: &str) -> Result<f64, Error> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| Error::InvalidOption {
            name: name.into(),
            value: value.into(),
            reason: "not a number",
        })
}

impl QxConfig {
    /// Applies one ups.conf option (`value` is ignored for flags).
    /// Unknown names are refused so typos are noticed.
    pub fn set_option(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let secs = |v: &str| -> Result<i64, Error> { Ok(number(name, v)?.trunc() as i64) };
        match name {
            "protocol" => self.protocol = Some(value.parse()?),
            "novendor" => self.novendor = true,
            "norating" => self.norating = true,
            "ignoresab" => self.ignoresab = true,
            "nooutstats" => self.nooutstats = true,
            "stayoff" => self.stayoff = true,
            "battery_voltage_reports_one_pack" => self.battery_voltage_reports_one_pack = true,
            "ondelay" => self.ondelay = Some(secs(value)?),
            "offdelay" => self.offdelay = Some(secs(value)?),
            "pollfreq" => self.pollfreq = Duration::from_secs(secs(value)?.max(0).unsigned_abs()),
            "pollinterval" => {
                self.pollinterval = Duration::from_secs(secs(value)?.max(1).unsigned_abs());
            }
            "runtimecal" => self.runtimecal = Some(RuntimeCal::parse(value)?),
            "chargetime" => {
                let v = number(name, value)?;
                if v <= 0.0 {
                    return Err(Error::InvalidOption {
                        name: name.into(),
                        value: value.into(),
                        reason: "must be greater than 0",
                    });
                }
                self.chargetime = v;
            }
            "idleload" => {
                let v = number(name, value)?;
                if v <= 0.0 || v > 100.0 {
                    return Err(Error::InvalidOption {
                        name: name.into(),
                        value: value.into(),
                        reason: "must be in (0, 100]",
                    });
                }
                self.idleload = v / 100.0;
            }
            _ => {
                if let Some(var) = name.strip_prefix("default.") {
                    self.defaults.insert(var.to_owned(), value.to_owned());
                } else if let Some(var) = name.strip_prefix("override.") {
                    self.overrides.insert(var.to_owned(), value.to_owned());
                } else {
                    return Err(Error::InvalidOption {
                        name: name.into(),
                        value: value.into(),
                        reason: "unknown option",
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse() {
        let mut c = QxConfig::default();
        c.set_option("protocol", "Megatec").unwrap();
        c.set_option("novendor", "").unwrap();
        c.set_option("runtimecal", "8640,100,17280,50").unwrap();
        c.set_option("idleload", "10").unwrap();
        c.set_option("default.battery.voltage.high", "29.2")
            .unwrap();
        c.set_option("override.battery.voltage.nominal", "24")
            .unwrap();
        assert_eq!(c.protocol, Some(Protocol::Megatec));
        assert!(c.novendor);
        assert_eq!(c.runtimecal.unwrap().r2, 17280.0);
        assert!((c.idleload - 0.1).abs() < 1e-12);
        assert_eq!(c.defaults["battery.voltage.high"], "29.2");
        assert_eq!(c.overrides["battery.voltage.nominal"], "24");
    }

    #[test]
    fn bad_options_are_refused() {
        let mut c = QxConfig::default();
        assert!(c.set_option("runtimecal", "1,2,3").is_err());
        assert!(c.set_option("runtimecal", "100,50,50,100").is_err());
        assert!(c.set_option("idleload", "0").is_err());
        assert!(c.set_option("idleload", "100").is_ok());
        assert!(c.set_option("idleload", "100.1").is_err());
        assert!(c.set_option("chargetime", "0").is_err());
        assert!(c.set_option("protocol", "nope").is_err());
        assert!(c.set_option("frobnicate", "1").is_err());
    }
}
