//! Battery charge and runtime guesstimation (qx-protocols §1.12): voltage
//! based charge between `battery.voltage.low` and `.high`, pack detection,
//! and the `runtimecal` coulomb-counting estimate.

use std::time::Instant;

use super::config::QxConfig;
use super::vars::Vars;
use crate::error::Error;

/// Pack multipliers tried by the autodetection, largest first.
const PACK_CANDIDATES: [f64; 17] = [
    120.0, 100.0, 80.0, 60.0, 48.0, 36.0, 30.0, 24.0, 18.0, 12.0, 8.0, 6.0, 4.0, 3.0, 2.0, 1.0, 0.5,
];

/// The runtime model derived from `runtimecal`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RuntimeModel {
    /// Exponent of the load/runtime power law.
    exponent: f64,
    /// Full-load runtime (seconds).
    nominal: f64,
}

/// Estimation state, created after the start-up walk.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    packs: f64,
    model: Option<RuntimeModel>,
    estimate: f64,
    last: Instant,
    load_effective: f64,
    chargetime: f64,
    idleload: f64,
    charge_from_device: bool,
    runtime_from_device: bool,
}

/// Pick a pack multiplier so that `v × p` is near `nominal` (None = give up).
fn detect_packs(v: f64, nominal: f64) -> Option<f64> {
    let p = PACK_CANDIDATES
        .into_iter()
        .find(|p| p * v <= 1.25 * nominal)?;
    (p * v >= 0.8 * nominal).then_some(p)
}

fn voltage_charge(v: f64, low: f64, high: f64) -> Option<f64> {
    (low > 0.0 && high > low).then(|| (100.0 * (v - low) / (high - low)).clamp(0.0, 100.0))
}

impl Battery {
    /// Start-up (§1.12 steps 1–5). `scaled_row` is whether a pack-scaling
    /// battery row ran in the walk.
    pub fn init(
        cfg: &QxConfig,
        vars: &mut Vars,
        scaled_row: bool,
        now: Instant,
    ) -> Result<Self, Error> {
        let charge_from_device = vars.contains("battery.charge");
        let runtime_from_device = vars.contains("battery.runtime");
        let nominal = vars.num("battery.voltage.nominal");
        if let Some(nom) = nominal
            && (vars.num("battery.voltage.high").is_none()
                || vars.num("battery.voltage.low").is_none())
        {
            vars.set("battery.voltage.low", format!("{:.2}", 104.0 * nom / 120.0));
            vars.set(
                "battery.voltage.high",
                format!("{:.2}", 130.0 * nom / 120.0),
            );
        }
        let mut packs = vars.num("battery.packs");
        if cfg.battery_voltage_reports_one_pack
            && scaled_row
            && let (Some(p), Some(v)) = (packs.filter(|p| *p > 1.0), vars.num("battery.voltage"))
        {
            vars.set("battery.voltage", format!("{:.2}", v * p));
        }
        let mut battery = Self {
            packs: packs.unwrap_or(1.0),
            model: None,
            estimate: 0.0,
            last: now,
            load_effective: 1.0,
            chargetime: cfg.chargetime,
            idleload: cfg.idleload,
            charge_from_device,
            runtime_from_device,
        };
        if charge_from_device && runtime_from_device {
            return Ok(battery);
        }
        // [quirk] the first voltage charge uses packs = 1, before detection.
        battery.publish_voltage_charge(vars, scaled_row);
        if packs.is_none()
            && let (Some(nom), Some(v)) = (nominal, vars.num("battery.voltage"))
        {
            packs = detect_packs(v, nom);
            battery.packs = packs.unwrap_or(1.0);
        }
        let Some(cal) = cfg.runtimecal else {
            return Ok(battery);
        };
        let exponent = (cal.r2 / cal.r1).ln() / (cal.l1 / cal.l2).ln();
        let exponent = if exponent.is_finite() { exponent } else { 1.0 };
        let model = RuntimeModel {
            exponent,
            nominal: cal.r1 * (cal.l1 / 100.0).powf(exponent),
        };
        let charge = match vars.num("battery.charge") {
            Some(c) => c,
            None => {
                let nom = nominal.ok_or_else(|| Error::InvalidOption {
                    name: "runtimecal".into(),
                    value: String::new(),
                    reason: "battery charge cannot be estimated without battery.voltage.nominal",
                })?;
                let v = battery.voltage(vars, scaled_row).unwrap_or(0.0);
                let c = voltage_charge(v, nom, 1.15 * nom).unwrap_or(0.0);
                if !charge_from_device {
                    vars.set("battery.charge", format!("{c:.0}"));
                }
                c
            }
        };
        battery.estimate = model.nominal * charge / 100.0;
        battery.model = Some(model);
        Ok(battery)
    }

    /// The internal battery voltage `v`.
    fn voltage(&self, vars: &Vars, scaled_row: bool) -> Option<f64> {
        let v = vars.num("battery.voltage")?;
        Some(if scaled_row { v } else { v * self.packs })
    }

    fn publish_voltage_charge(&self, vars: &mut Vars, scaled_row: bool) {
        if self.charge_from_device {
            return;
        }
        let (Some(v), Some(low), Some(high)) = (
            self.voltage(vars, scaled_row),
            vars.num("battery.voltage.low"),
            vars.num("battery.voltage.high"),
        ) else {
            return;
        };
        if let Some(c) = voltage_charge(v, low, high) {
            vars.set("battery.charge", format!("{c:.0}"));
        }
    }

    /// Every full poll (§1.12 step 6). `online` is the OL bit.
    pub fn update(&mut self, vars: &mut Vars, scaled_row: bool, online: bool, now: Instant) {
        if self.charge_from_device && self.runtime_from_device {
            return;
        }
        let Some(model) = self.model else {
            self.publish_voltage_charge(vars, scaled_row);
            return;
        };
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        if online {
            self.estimate =
                (self.estimate + model.nominal * dt / self.chargetime).min(model.nominal);
        } else {
            self.estimate = (self.estimate - self.load_effective * dt).max(0.0);
        }
        if let (Some(v), Some(low), Some(high)) = (
            self.voltage(vars, scaled_row),
            vars.num("battery.voltage.low"),
            vars.num("battery.voltage.high"),
        ) && high > low
            && model.nominal > 0.0
        {
            let vc = ((v - low) / (high - low)).clamp(0.0, 1.0);
            if vc < self.estimate / model.nominal {
                self.estimate = vc * model.nominal;
            }
        }
        if !self.charge_from_device && model.nominal > 0.0 {
            vars.set(
                "battery.charge",
                format!("{:.0}", 100.0 * self.estimate / model.nominal),
            );
        }
        let load = vars.num("ups.load").unwrap_or(0.0);
        self.load_effective = (load / 100.0).powf(model.exponent).max(self.idleload);
        if !self.runtime_from_device && self.load_effective > 0.0 {
            vars.set(
                "battery.runtime",
                format!("{:.0}", self.estimate / self.load_effective),
            );
        }
    }

    /// The pack multiplier in use.
    pub fn packs(&self) -> f64 {
        self.packs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::config::RuntimeCal;
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        let mut v = Vars::new(&BTreeMap::new(), &BTreeMap::new());
        for (k, val) in pairs {
            v.set(k, (*val).to_owned());
        }
        v
    }

    #[test]
    fn guessed_low_high_from_nominal_and_voltage_charge() {
        let mut v = vars(&[
            ("battery.voltage.nominal", "24.0"),
            ("battery.voltage", "24.6"),
        ]);
        let b = Battery::init(&QxConfig::default(), &mut v, true, Instant::now()).unwrap();
        assert_eq!(v.get("battery.voltage.low"), Some("20.80"));
        assert_eq!(v.get("battery.voltage.high"), Some("26.00"));
        assert_eq!(v.get("battery.charge"), Some("73"));
        assert_eq!(b.packs(), 1.0);
    }

    #[test]
    fn per_cell_voltage_detects_packs_without_scaling_row() {
        let mut v = vars(&[
            ("battery.voltage.nominal", "24.0"),
            ("battery.voltage", "2.05"),
        ]);
        let b = Battery::init(&QxConfig::default(), &mut v, false, Instant::now()).unwrap();
        assert_eq!(b.packs(), 12.0);
        assert_eq!(v.get("battery.charge"), Some("0"));
        let mut b = b;
        b.update(&mut v, false, true, Instant::now());
        assert_eq!(v.get("battery.charge"), Some("73"));
        assert_eq!(detect_packs(100.0, 24.0), None);
        assert_eq!(detect_packs(1.0, 24.0), Some(30.0));
    }

    #[test]
    fn device_charge_is_not_overwritten() {
        let mut v = vars(&[
            ("battery.voltage.nominal", "24.0"),
            ("battery.voltage", "20.0"),
            ("battery.charge", "95"),
            ("battery.runtime", "600"),
        ]);
        let mut b = Battery::init(&QxConfig::default(), &mut v, true, Instant::now()).unwrap();
        b.update(&mut v, true, true, Instant::now());
        assert_eq!(v.get("battery.charge"), Some("95"));
    }

    #[test]
    fn runtimecal_estimate_drains_on_battery() {
        let cfg = QxConfig {
            runtimecal: Some(RuntimeCal::parse("8640,100,17280,50").unwrap()),
            chargetime: 24000.0,
            ..QxConfig::default()
        };
        let mut v = vars(&[
            ("battery.voltage.nominal", "24"),
            ("battery.voltage.low", "20"),
            ("battery.voltage.high", "29.2"),
            ("battery.voltage", "29.2"),
            ("ups.load", "50"),
        ]);
        let t0 = Instant::now();
        let mut b = Battery::init(&cfg, &mut v, true, t0).unwrap();
        assert_eq!(v.get("battery.charge"), Some("100"));
        b.update(&mut v, true, true, t0);
        // e = 1: full-load runtime 8640 s, at 50 % load 17280 s.
        assert_eq!(v.get("battery.runtime"), Some("17280"));
        b.update(&mut v, true, false, t0 + Duration::from_secs(864));
        // Drained 864 s at the previous effective load (0.5): 432 s of 8640.
        assert_eq!(v.get("battery.charge"), Some("95"));
    }
}
