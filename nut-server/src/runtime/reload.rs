//! Configuration reload (SIGHUP, `driver.reload*`): what a changed
//! `ups.conf` section means for a running driver, as NUT's `main.c` decides
//! it. Pure: the caller re-reads the file and applies the [`ReloadPlan`].
//!
//! * `pollinterval` (section, else global), `synchronous`, `debug_min` and
//!   `sdcommands` take effect at once;
//! * `default.<var>` and `override.<var>` are applied again (NUT re-runs
//!   them; a removed line does not unset the variable);
//! * `desc`, `sdorder` and the `upsdrvctl` timings are not the driver's;
//! * any other changed key (`port`, `user`, `group`, `chroot`, the driver's
//!   own options, flags) needs a restart: it is reported, and decides the
//!   answer of `reload-or-error` and the exit of `reload-or-exit`.

use std::collections::BTreeMap;

use crate::config::ups_conf::{DEFAULT_POLLINTERVAL, Entry, Globals, Section};

/// What a reload changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReloadPlan {
    /// The new poll interval, when it changed.
    pub pollinterval: Option<u32>,
    /// The new `sdcommands` (`Some(None)`: removed), when it changed.
    pub sdcommands: Option<Option<String>>,
    /// The new `debug_min` (`Some(None)`: removed), when it changed.
    pub debug_min: Option<Option<u32>>,
    /// `default.<var>` values to set again.
    pub defaults: Vec<(String, String)>,
    /// `override.<var>` values to set again (immutable).
    pub overrides: Vec<(String, String)>,
    /// Keys whose change needs a driver restart, in name order.
    pub needs_restart: Vec<String>,
}

impl ReloadPlan {
    /// Whether everything could be applied (`reload-or-error` succeeds).
    pub fn is_complete(&self) -> bool {
        self.needs_restart.is_empty()
    }
}

/// Keys the driver leaves to upsd and upsdrvctl.
const NOT_THE_DRIVERS: &[&str] = &[
    "desc",
    "sdorder",
    "sddelay",
    "maxstartdelay",
    "maxretry",
    "retrydelay",
    "nowait",
    "driver",
];

/// The poll interval a configuration gives: the section's, else the
/// global one, else the default (`-i` after `-a` wins over both).
pub fn effective_pollinterval(
    globals: &Globals,
    section: &Section,
    cli: Option<(u32, bool)>,
) -> u32 {
    if let Some((seconds, true)) = cli {
        return seconds;
    }
    let from_file = last(&section.entries)
        .get("pollinterval")
        .copied()
        .flatten()
        .and_then(|v| v.parse().ok())
        .or(globals.pollinterval);
    from_file
        .or_else(|| cli.map(|(seconds, _)| seconds))
        .unwrap_or(DEFAULT_POLLINTERVAL)
}

/// Compares the configuration the driver runs with (`old_*`) to the one
/// just read (`new_*`); `cli_interval` is `-i` as parsed.
pub fn plan(
    old_globals: &Globals,
    old: &Section,
    new_globals: &Globals,
    new: &Section,
    cli_interval: Option<(u32, bool)>,
) -> ReloadPlan {
    let mut plan = ReloadPlan::default();
    let before = effective_pollinterval(old_globals, old, cli_interval);
    let after = effective_pollinterval(new_globals, new, cli_interval);
    if before != after {
        plan.pollinterval = Some(after);
    }
    for (name, old_value, new_value) in [
        ("chroot", &old_globals.chroot, &new_globals.chroot),
        ("user", &old_globals.user, &new_globals.user),
        ("group", &old_globals.group, &new_globals.group),
    ] {
        if old_value != new_value {
            plan.needs_restart.push(name.to_owned());
        }
    }
    if old_globals.debug_min != new_globals.debug_min {
        plan.debug_min = Some(new_globals.debug_min);
    }
    let old_keys = last(&old.entries);
    let new_keys = last(&new.entries);
    let names: std::collections::BTreeSet<&str> =
        old_keys.keys().chain(new_keys.keys()).copied().collect();
    for name in names {
        let was = old_keys.get(name).copied();
        let is = new_keys.get(name).copied();
        if let Some(var) = prefixed(name, "default.") {
            if let Some(Some(value)) = is {
                plan.defaults.push((var.to_owned(), value.to_owned()));
            }
            continue;
        }
        if let Some(var) = prefixed(name, "override.") {
            if let Some(Some(value)) = is {
                plan.overrides.push((var.to_owned(), value.to_owned()));
            }
            continue;
        }
        if was == is || NOT_THE_DRIVERS.contains(&name) {
            continue;
        }
        match name {
            "pollinterval" | "synchronous" => {}
            "sdcommands" => plan.sdcommands = Some(is.flatten().map(str::to_owned)),
            "debug_min" => plan.debug_min = Some(is.flatten().and_then(|v| v.parse().ok())),
            _ => plan.needs_restart.push(name.to_owned()),
        }
    }
    plan.needs_restart.sort();
    plan
}

/// The last value of each key (`None` for a flag).
fn last(entries: &[Entry]) -> BTreeMap<&str, Option<&str>> {
    entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_deref()))
        .collect()
}

fn prefixed<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let head = key.get(..prefix.len())?;
    let rest = key.get(prefix.len()..)?;
    (head.eq_ignore_ascii_case(prefix) && !rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UpsConf;
    use std::path::Path;

    fn conf(text: &str) -> UpsConf {
        UpsConf::parse(Path::new("ups.conf"), text.as_bytes()).expect("valid")
    }

    fn plan_for(old: &str, new: &str, cli: Option<(u32, bool)>) -> ReloadPlan {
        let (old, new) = (conf(old), conf(new));
        plan(
            &old.globals,
            &old.sections[0],
            &new.globals,
            &new.sections[0],
            cli,
        )
    }

    const BASE: &str = "[u]\ndriver = dummy-ups\nport = a.dev\ndesc = \"x\"\n";

    #[test]
    fn nothing_changed_means_nothing_to_do() {
        let p = plan_for(BASE, BASE, None);
        assert_eq!(p, ReloadPlan::default());
        assert!(p.is_complete());
    }

    #[test]
    fn poll_interval_and_sdcommands_apply_at_once() {
        let p = plan_for(
            BASE,
            &format!("{BASE}pollinterval = 7\nsdcommands = load.off\ndesc = \"y\"\n"),
            None,
        );
        assert_eq!(p.pollinterval, Some(7));
        assert_eq!(p.sdcommands, Some(Some("load.off".into())));
        assert!(p.is_complete());
        let p = plan_for(&format!("pollinterval = 4\n{BASE}"), BASE, None);
        assert_eq!(p.pollinterval, Some(DEFAULT_POLLINTERVAL));
    }

    #[test]
    fn a_later_dash_i_pins_the_interval() {
        let p = plan_for(BASE, &format!("{BASE}pollinterval = 7\n"), Some((9, true)));
        assert_eq!(p.pollinterval, None);
        let p = plan_for(BASE, &format!("{BASE}pollinterval = 7\n"), Some((9, false)));
        assert_eq!(p.pollinterval, Some(7));
    }

    #[test]
    fn port_options_and_accounts_need_a_restart() {
        let p = plan_for(
            BASE,
            "user = nut\n[u]\ndriver = dummy-ups\nport = b.dev\nmode = dummy-loop\n",
            None,
        );
        assert_eq!(p.needs_restart, ["mode", "port", "user"]);
        assert!(!p.is_complete());
    }

    #[test]
    fn defaults_and_overrides_are_applied_again() {
        let p = plan_for(
            &format!("{BASE}override.ups.mfr = A\n"),
            &format!("{BASE}override.ups.mfr = B\nDefault.battery.charge = 5\n"),
            None,
        );
        assert_eq!(p.overrides, [("ups.mfr".to_owned(), "B".to_owned())]);
        assert_eq!(p.defaults, [("battery.charge".to_owned(), "5".to_owned())]);
        assert!(p.is_complete());
    }
}
