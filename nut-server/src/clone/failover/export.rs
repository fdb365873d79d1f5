//! Presenting the primary's state as failover's own (NUT's
//! `ups_export_dstate` / `ups_clean_dstate`).
//!
//! NUT exports incrementally and wipes everything on a change of primary;
//! here the published state is brought in line with the primary's copy
//! ([`export`]), so that clients only see what actually differs. The
//! failover's own `driver.*` variables and commands (`<socket>.force.*`,
//! the shared `driver.*` ones) are never touched; everything else belongs
//! to the primary. `ups.status` and `ups.alarm` go through the status and
//! alarm helpers, as in NUT, so an upstream alarm shows as `ALARM` first.

use nut_proto::sock::{Snapshot, VarFlag};

use super::super::starts_with_ignore_case;
use super::upstream::UPSTREAM_PREFIX;
use crate::state::{DriverState, Flags, Range};

/// Makes the published state equal to `snapshot` (the failover's own
/// variables and commands aside).
pub fn export(state: &mut DriverState, snapshot: &Snapshot) {
    for (name, var) in snapshot.vars() {
        if !is_exported(name) {
            continue;
        }
        state.set_info(name, &var.value);
        let words: Vec<&str> = var.flags.iter().map(VarFlag::as_str).collect();
        let mut flags = Flags::from_words(&words);
        if !var.ranges.is_empty() {
            // What dstate_addrange adds on the way.
            flags |= Flags::NUMBER;
        }
        state.set_flags(name, flags);
        state.set_aux(name, var.aux);
        let (enums, ranges) = state.tree().get(name).map_or_else(Default::default, |v| {
            (v.enums().to_vec(), v.ranges().to_vec())
        });
        for value in enums.iter().filter(|e| !var.enums.contains(e)) {
            state.del_enum(name, value);
        }
        for value in &var.enums {
            state.add_enum(name, value);
        }
        let wanted: Vec<Range> = var
            .ranges
            .iter()
            .map(|r| Range {
                min: r.min,
                max: r.max,
            })
            .collect();
        for range in ranges.iter().filter(|r| !wanted.contains(r)) {
            state.del_range(name, range.min, range.max);
        }
        for range in &wanted {
            state.add_range(name, range.min, range.max);
        }
    }
    let gone: Vec<String> = state
        .tree()
        .vars()
        .map(|v| v.name().to_owned())
        .filter(|name| is_exported(name) && snapshot.get(name).is_none())
        .collect();
    for name in gone {
        state.del_info(&name);
    }
    state.alarm_init();
    if let Some(alarm) = snapshot.value("ups.alarm") {
        state.alarm_set(alarm);
    }
    state.alarm_commit();
    state.status_init();
    if let Some(status) = snapshot.value("ups.status") {
        state.status_set(status);
    }
    state.status_commit();
    for cmd in snapshot.commands() {
        state.add_cmd(cmd);
    }
    let gone: Vec<String> = state
        .tree()
        .commands()
        .filter(|cmd| starts_with_ignore_case(cmd, UPSTREAM_PREFIX) && !snapshot.has_command(cmd))
        .map(str::to_owned)
        .collect();
    for cmd in gone {
        state.del_cmd(&cmd);
    }
}

/// Removes everything exported: the state of no primary.
pub fn clean(state: &mut DriverState) {
    export(state, &Snapshot::new());
}

/// Whether a variable of this name comes from the primary (rather than
/// being failover's own, or going through the status/alarm helpers).
fn is_exported(name: &str) -> bool {
    !starts_with_ignore_case(name, "driver.")
        && !name.eq_ignore_ascii_case("ups.status")
        && !name.eq_ignore_ascii_case("ups.alarm")
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_proto::sock::DriverMessage;

    fn snapshot(lines: &[DriverMessage]) -> Snapshot {
        let mut snapshot = Snapshot::new();
        for line in lines {
            snapshot.apply(line).expect("within limits");
        }
        snapshot
    }

    fn set(var: &str, value: &str) -> DriverMessage {
        DriverMessage::SetInfo {
            var: var.into(),
            value: value.into(),
        }
    }

    #[test]
    fn export_mirrors_and_only_sends_differences() {
        let mut state = DriverState::new();
        state.set_info("driver.name", "failover");
        state.add_cmd("dummy-ups-a.force.ignore");
        let first = snapshot(&[
            set("ups.status", "OL CHRG"),
            set("ups.load", "20"),
            DriverMessage::SetFlags {
                var: "ups.load".into(),
                flags: vec![VarFlag::Rw],
            },
            set("input.transfer.high", "253"),
            DriverMessage::AddEnum {
                var: "input.transfer.high".into(),
                value: "253".into(),
            },
            DriverMessage::AddEnum {
                var: "input.transfer.high".into(),
                value: "264".into(),
            },
            set("ups.delay.shutdown", "30"),
            DriverMessage::AddRange {
                var: "ups.delay.shutdown".into(),
                min: 12,
                max: 600,
            },
            set("upstream.driver.name", "usbhid-ups"),
            DriverMessage::AddCmd {
                cmd: "upstream.load.off".into(),
            },
        ]);
        export(&mut state, &first);
        assert_eq!(state.get("ups.status"), Some("OL CHRG"));
        assert_eq!(state.get("upstream.driver.name"), Some("usbhid-ups"));
        let delay = state.tree().get("ups.delay.shutdown").expect("exported");
        assert!(delay.flags().contains(Flags::NUMBER));
        assert_eq!(delay.ranges(), [Range { min: 12, max: 600 }]);
        assert!(state.tree().has_command("upstream.load.off"));
        while state.poll_update().is_some() {}

        // Same snapshot: nothing to broadcast.
        export(&mut state, &first);
        assert_eq!(state.poll_update(), None);

        // Another primary: only the differences.
        let second = snapshot(&[
            set("ups.status", "OB"),
            set("ups.load", "20"),
            DriverMessage::SetFlags {
                var: "ups.load".into(),
                flags: vec![VarFlag::Rw],
            },
            set("input.transfer.high", "264"),
            DriverMessage::AddEnum {
                var: "input.transfer.high".into(),
                value: "264".into(),
            },
            set("ups.alarm", "[Replace battery]"),
        ]);
        export(&mut state, &second);
        assert_eq!(state.get("ups.status"), Some("ALARM OB"));
        assert_eq!(state.get("ups.alarm"), Some("[Replace battery]"));
        assert_eq!(state.get("ups.delay.shutdown"), None);
        assert_eq!(state.get("upstream.driver.name"), None);
        assert_eq!(
            state
                .tree()
                .get("input.transfer.high")
                .map(|v| v.enums().to_vec()),
            Some(vec!["264".to_owned()])
        );
        assert!(!state.tree().has_command("upstream.load.off"));
        // Failover's own are untouched.
        assert_eq!(state.get("driver.name"), Some("failover"));
        assert!(state.tree().has_command("dummy-ups-a.force.ignore"));
        let updates: Vec<_> = std::iter::from_fn(|| state.poll_update()).collect();
        assert!(
            !updates.iter().any(
                |u| matches!(u, crate::state::Update::SetInfo { name, .. } if name == "ups.load")
            ),
            "unchanged variables are not sent again: {updates:?}"
        );

        clean(&mut state);
        assert_eq!(state.get("ups.load"), None);
        assert_eq!(state.get("ups.alarm"), None);
        assert_eq!(state.get("ups.status"), Some(""));
        assert_eq!(state.get("driver.name"), Some("failover"));
    }
}
