use super::*;
use crate::sock::VarFlag;

fn set(var: &str, value: &str) -> DriverMessage {
    DriverMessage::SetInfo {
        var: var.to_owned(),
        value: value.to_owned(),
    }
}

fn add_range(var: &str, min: i32, max: i32) -> DriverMessage {
    DriverMessage::AddRange {
        var: var.to_owned(),
        min,
        max,
    }
}

fn apply(snapshot: &mut Snapshot, message: &DriverMessage) -> Applied {
    snapshot.apply(message).expect("within limits")
}

fn dump(snapshot: &Snapshot) -> String {
    let mut out = Vec::new();
    snapshot.encode_dump(&mut out);
    String::from_utf8(out).expect("ascii")
}

#[test]
fn setinfo_creates_updates_and_ignores_case_only_changes() {
    let mut state = Snapshot::new();
    assert_eq!(
        apply(&mut state, &set("ups.status", "OL")),
        Applied::Changed
    );
    assert_eq!(
        apply(&mut state, &set("ups.status", "OL")),
        Applied::Unchanged
    );
    // NUT compares values with strcasecmp: "ol" is no change.
    assert_eq!(
        apply(&mut state, &set("ups.status", "ol")),
        Applied::Unchanged
    );
    assert_eq!(state.value("ups.status"), Some("OL"));
    assert_eq!(
        apply(&mut state, &set("UPS.STATUS", "OB")),
        Applied::Changed
    );
    assert_eq!(state.vars().collect::<Vec<_>>().len(), 1);
    assert_eq!(
        state.vars().next().map(|(name, _)| name),
        Some("ups.status")
    );
    assert_eq!(state.value("ups.status"), Some("OB"));
    let delete = DriverMessage::DelInfo {
        var: "Ups.Status".into(),
    };
    assert_eq!(apply(&mut state, &delete), Applied::Changed);
    assert_eq!(apply(&mut state, &delete), Applied::Unchanged);
    assert!(state.is_empty());
}

#[test]
fn operations_on_missing_variables_change_nothing() {
    let mut state = Snapshot::new();
    let messages = [
        (
            DriverMessage::AddEnum {
                var: "x".into(),
                value: "1".into(),
            },
            Applied::UnknownVariable,
        ),
        (add_range("x", 1, 2), Applied::UnknownVariable),
        (
            DriverMessage::SetAux {
                var: "x".into(),
                aux: 3,
            },
            Applied::UnknownVariable,
        ),
        (
            DriverMessage::SetFlags {
                var: "x".into(),
                flags: vec![VarFlag::Rw],
            },
            Applied::UnknownVariable,
        ),
        (
            DriverMessage::DelEnum {
                var: "x".into(),
                value: "1".into(),
            },
            Applied::Unchanged,
        ),
        (
            DriverMessage::DelRange {
                var: "x".into(),
                min: 1,
                max: 2,
            },
            Applied::Unchanged,
        ),
    ];
    for (message, expected) in messages {
        assert_eq!(apply(&mut state, &message), expected, "{message}");
    }
    assert_eq!(state, Snapshot::new());
}

#[test]
fn enums_keep_order_and_follow_nut_matching() {
    let mut state = Snapshot::new();
    apply(&mut state, &set("x", "a"));
    let add = |value: &str| DriverMessage::AddEnum {
        var: "x".into(),
        value: value.into(),
    };
    assert_eq!(apply(&mut state, &add("b")), Applied::Changed);
    assert_eq!(apply(&mut state, &add("a")), Applied::Changed);
    assert_eq!(apply(&mut state, &add("b")), Applied::Unchanged);
    // ADDENUM duplicates are exact; "B" is new.
    assert_eq!(apply(&mut state, &add("B")), Applied::Changed);
    assert_eq!(
        state.get("x").map(|v| v.enums.clone()),
        Some(vec!["b".into(), "a".into(), "B".into()])
    );
    // DELENUM matches without case: removes the first "b".
    let delete = DriverMessage::DelEnum {
        var: "x".into(),
        value: "B".into(),
    };
    assert_eq!(apply(&mut state, &delete), Applied::Changed);
    assert_eq!(
        state.get("x").map(|v| v.enums.clone()),
        Some(vec!["a".into(), "B".into()])
    );
}

#[test]
fn ranges_follow_nut_duplicate_rules() {
    let mut state = Snapshot::new();
    apply(&mut state, &set("x", "5"));
    assert_eq!(apply(&mut state, &add_range("x", 0, 10)), Applied::Changed);
    // Same min, or same max, counts as a duplicate in NUT.
    assert_eq!(
        apply(&mut state, &add_range("x", 0, 20)),
        Applied::Unchanged
    );
    assert_eq!(
        apply(&mut state, &add_range("x", 5, 10)),
        Applied::Unchanged
    );
    assert_eq!(apply(&mut state, &add_range("x", 20, 30)), Applied::Changed);
    assert_eq!(apply(&mut state, &add_range("x", 9, 8)), Applied::Ignored);
    let delete = DriverMessage::DelRange {
        var: "x".into(),
        min: 20,
        max: 99,
    };
    assert_eq!(apply(&mut state, &delete), Applied::Changed);
    assert_eq!(
        state.get("x").map(|v| v.ranges.clone()),
        Some(vec![ValueRange::new(0, 10)])
    );
}

#[test]
fn aux_flags_and_staleness_report_changes() {
    let mut state = Snapshot::new();
    assert!(state.is_stale());
    apply(&mut state, &set("x", "5"));
    let aux = DriverMessage::SetAux {
        var: "x".into(),
        aux: 32,
    };
    assert_eq!(apply(&mut state, &aux), Applied::Changed);
    assert_eq!(apply(&mut state, &aux), Applied::Unchanged);
    let flags = DriverMessage::SetFlags {
        var: "x".into(),
        flags: vec![VarFlag::Rw, VarFlag::String],
    };
    assert_eq!(apply(&mut state, &flags), Applied::Changed);
    assert_eq!(apply(&mut state, &flags), Applied::Unchanged);
    let clear = DriverMessage::SetFlags {
        var: "x".into(),
        flags: vec![],
    };
    assert_eq!(apply(&mut state, &clear), Applied::Changed);
    assert!(state.get("x").is_some_and(|v| v.flags.is_empty()));
    assert_eq!(apply(&mut state, &DriverMessage::DataOk), Applied::Changed);
    assert_eq!(
        apply(&mut state, &DriverMessage::DataOk),
        Applied::Unchanged
    );
    assert!(!state.is_stale());
    assert_eq!(
        apply(&mut state, &DriverMessage::DataStale),
        Applied::Changed
    );
    assert!(state.is_stale());
    for other in [
        DriverMessage::Pong,
        DriverMessage::DumpDone,
        DriverMessage::Goodbye,
        DriverMessage::Pid { pid: "1".into() },
    ] {
        assert_eq!(apply(&mut state, &other), Applied::Ignored);
    }
}

#[test]
fn variables_and_commands_sort_like_strcasecmp() {
    let mut state = Snapshot::new();
    for name in [
        "input.L1.voltage",
        "input.frequency",
        "ALARM",
        "battery.charge",
    ] {
        apply(&mut state, &set(name, "1"));
    }
    let names: Vec<_> = state.vars().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "ALARM",
            "battery.charge",
            "input.frequency",
            "input.L1.voltage"
        ]
    );
    for cmd in [
        "test.battery.start",
        "Beeper.toggle",
        "load.off",
        "beeper.TOGGLE",
    ] {
        apply(&mut state, &DriverMessage::AddCmd { cmd: cmd.into() });
    }
    assert_eq!(
        state.commands().collect::<Vec<_>>(),
        ["Beeper.toggle", "load.off", "test.battery.start"]
    );
    assert!(state.has_command("BEEPER.toggle"));
    let delete = DriverMessage::DelCmd {
        cmd: "LOAD.OFF".into(),
    };
    assert_eq!(apply(&mut state, &delete), Applied::Changed);
    assert!(!state.has_command("load.off"));
}

#[test]
fn dumps_follow_nut_framing() {
    let mut state = Snapshot::new();
    apply(&mut state, &set("ups.status", "OL"));
    apply(
        &mut state,
        &DriverMessage::AddCmd {
            cmd: "load.off".into(),
        },
    );
    assert_eq!(
        dump(&state),
        "DATASTALE\nSETINFO ups.status \"OL\"\nADDCMD load.off\nDUMPDONE\n"
    );
    apply(&mut state, &DriverMessage::DataOk);
    let mut out = Vec::new();
    state.encode_dump_value("UPS.status", &mut out);
    assert_eq!(out, b"SETINFO ups.status \"OL\"\nDATAOK\nDUMPDONE\n");
    out.clear();
    state.encode_dump_value("no.such", &mut out);
    assert_eq!(out, b"DATAOK\nDUMPDONE\n");
}

#[test]
fn assembler_finishes_at_dumpdone_and_passes_over_non_state() {
    let mut dump = DumpAssembler::new();
    let progress = |dump: &mut DumpAssembler, message: &DriverMessage| {
        dump.handle_message(message).expect("within limits")
    };
    assert_eq!(
        progress(&mut dump, &set("a", "1")),
        DumpProgress::InProgress
    );
    assert_eq!(
        progress(&mut dump, &DriverMessage::Pong),
        DumpProgress::InProgress
    );
    assert!(!dump.is_done());
    assert_eq!(
        progress(&mut dump, &DriverMessage::DumpDone),
        DumpProgress::Done
    );
    assert!(dump.is_done());
    assert_eq!(dump.snapshot().value("a"), Some("1"));
    // Later messages still apply; the dump stays done.
    assert!(progress(&mut dump, &set("b", "2")).is_done());
    assert_eq!(dump.into_snapshot().len(), 2);
}

#[test]
fn variable_limit_at_and_past_the_default() {
    let mut state = Snapshot::new();
    for i in 0..MAX_VARS {
        apply(&mut state, &set(&format!("v.{i}"), "x"));
    }
    assert_eq!(state.len(), MAX_VARS);
    // Updating an existing variable is still fine at the limit.
    assert_eq!(apply(&mut state, &set("v.0", "y")), Applied::Changed);
    assert_eq!(
        state.apply(&set("one.more", "x")),
        Err(SnapshotError::TooManyVariables {
            var: "one.more".into(),
            limit: MAX_VARS
        })
    );
    assert_eq!(state.len(), MAX_VARS);
}

#[test]
fn command_limit_at_and_past_the_default() {
    let mut state = Snapshot::new();
    for i in 0..MAX_COMMANDS {
        apply(
            &mut state,
            &DriverMessage::AddCmd {
                cmd: format!("c.{i}"),
            },
        );
    }
    assert_eq!(state.commands().count(), MAX_COMMANDS);
    let error = state
        .apply(&DriverMessage::AddCmd {
            cmd: "c.more".into(),
        })
        .expect_err("past the limit");
    assert_eq!(
        error.to_string(),
        format!("driver state already holds {MAX_COMMANDS} commands, cannot add `c.more`")
    );
    assert_eq!(state.commands().count(), MAX_COMMANDS);
}

#[test]
fn enum_and_range_limits_at_and_past_the_default() {
    let mut state = Snapshot::new();
    apply(&mut state, &set("x", "0"));
    for i in 0..MAX_ENUMS_PER_VAR {
        let add = DriverMessage::AddEnum {
            var: "x".into(),
            value: i.to_string(),
        };
        assert_eq!(apply(&mut state, &add), Applied::Changed);
    }
    let over = DriverMessage::AddEnum {
        var: "x".into(),
        value: "more".into(),
    };
    assert!(matches!(
        state.apply(&over),
        Err(SnapshotError::TooManyEnums { .. })
    ));

    let limit = i32::try_from(MAX_RANGES_PER_VAR).expect("small");
    for i in 0..limit {
        assert_eq!(apply(&mut state, &add_range("x", i, i)), Applied::Changed);
    }
    assert!(matches!(
        state.apply(&add_range("x", limit, limit)),
        Err(SnapshotError::TooManyRanges { .. })
    ));
    let var = state.get("x").expect("exists");
    assert_eq!(
        (var.enums.len(), var.ranges.len()),
        (MAX_ENUMS_PER_VAR, MAX_RANGES_PER_VAR)
    );
}

#[test]
fn custom_limits_apply_to_the_assembler() {
    let limits = SnapshotLimits {
        max_vars: 1,
        ..SnapshotLimits::default()
    };
    let mut dump = DumpAssembler::with_limits(limits);
    assert!(dump.handle_message(&set("a", "1")).is_ok());
    assert!(dump.handle_message(&set("b", "1")).is_err());
    assert_eq!(dump.snapshot().limits().max_vars, 1);
}
