use super::*;
use proptest::prelude::*;

fn drain(state: &mut DriverState) -> Vec<Update> {
    std::iter::from_fn(|| state.poll_update()).collect()
}

fn set_info(name: &str, value: &str) -> Update {
    Update::SetInfo {
        name: name.into(),
        value: value.into(),
    }
}

#[test]
fn live_updates_are_queued_only_on_change_with_the_callers_name() {
    let mut s = DriverState::new();
    s.set_info("new.var", "hello");
    s.set_flags("new.var", Flags::RW | Flags::STRING);
    s.set_aux("new.var", 32);
    s.set_info("NEW.VAR", "HELLO");
    s.set_info("NEW.VAR", "bye");
    s.set_aux("new.var", 32);
    s.del_info("new.var");
    s.del_info("new.var");
    assert_eq!(
        drain(&mut s),
        [
            set_info("new.var", "hello"),
            Update::SetFlags {
                name: "new.var".into(),
                flags: Flags::RW | Flags::STRING
            },
            Update::SetAux {
                name: "new.var".into(),
                aux: 32
            },
            set_info("NEW.VAR", "bye"),
            Update::DelInfo {
                name: "new.var".into()
            },
        ]
    );
    assert!(!s.has_updates());
}

#[test]
fn data_ok_and_stale_are_sent_only_on_transitions() {
    let mut s = DriverState::new();
    assert!(s.is_stale());
    s.data_ok();
    s.data_ok();
    s.data_stale();
    s.data_stale();
    s.data_ok();
    assert_eq!(
        drain(&mut s),
        [Update::DataOk, Update::DataStale, Update::DataOk]
    );
}

#[test]
fn dump_follows_nuts_order() {
    let mut s = DriverState::new();
    s.set_info("ups.delay.shutdown", "30");
    s.add_range("ups.delay.shutdown", 12, 600);
    s.add_flags("ups.delay.shutdown", Flags::RW);
    s.set_info("input.transfer.high", "253");
    s.add_enum("input.transfer.high", "253");
    s.add_enum("input.transfer.high", "264");
    s.set_flags("input.transfer.high", Flags::RW);
    s.set_info("ups.id", "UPS_IDEN");
    s.set_aux("ups.id", 8);
    s.set_flags("ups.id", Flags::RW | Flags::STRING);
    s.set_info("device.type", "ups");
    s.add_cmd("test.battery.start");
    s.add_cmd("beeper.toggle");
    let stale_dump = s.dump();
    assert_eq!(stale_dump.first(), Some(&Update::DataStale));
    assert!(!stale_dump.contains(&Update::DataOk));
    s.data_ok();
    let dump = s.dump();
    let expected = vec![
        set_info("device.type", "ups"),
        set_info("input.transfer.high", "253"),
        Update::AddEnum {
            name: "input.transfer.high".into(),
            value: "253".into(),
        },
        Update::AddEnum {
            name: "input.transfer.high".into(),
            value: "264".into(),
        },
        Update::SetFlags {
            name: "input.transfer.high".into(),
            flags: Flags::RW,
        },
        set_info("ups.delay.shutdown", "30"),
        Update::AddRange {
            name: "ups.delay.shutdown".into(),
            min: 12,
            max: 600,
        },
        Update::SetFlags {
            name: "ups.delay.shutdown".into(),
            flags: Flags::RW | Flags::NUMBER,
        },
        set_info("ups.id", "UPS_IDEN"),
        Update::SetAux {
            name: "ups.id".into(),
            aux: 8,
        },
        Update::SetFlags {
            name: "ups.id".into(),
            flags: Flags::RW | Flags::STRING,
        },
        Update::AddCmd {
            name: "beeper.toggle".into(),
        },
        Update::AddCmd {
            name: "test.battery.start".into(),
        },
        Update::DataOk,
        Update::DumpDone,
    ];
    assert_eq!(dump, expected);
}

#[test]
fn ranges_add_the_number_flag() {
    let mut s = DriverState::new();
    s.set_info("x", "1");
    drain(&mut s);
    s.add_range("x", 1, 2);
    assert_eq!(
        drain(&mut s),
        [
            Update::AddRange {
                name: "x".into(),
                min: 1,
                max: 2
            },
            Update::SetFlags {
                name: "x".into(),
                flags: Flags::NUMBER
            },
        ]
    );
}

#[test]
fn immutable_only_flags_still_dump_a_setflags_line() {
    let mut s = DriverState::new();
    s.set_info("ups.mfr", "OverMfr");
    s.set_flags("ups.mfr", Flags::IMMUTABLE);
    s.set_flags("ups.mfr", Flags::RW | Flags::STRING);
    s.set_aux("ups.mfr", 32);
    let dump = s.dump();
    assert!(dump.contains(&Update::SetFlags {
        name: "ups.mfr".into(),
        flags: Flags::IMMUTABLE
    }));
    assert!(dump.contains(&Update::SetAux {
        name: "ups.mfr".into(),
        aux: 32
    }));
}

#[test]
fn dump_value_frames_one_variable() {
    let mut s = DriverState::new();
    s.set_info("ups.status", "OL");
    s.set_info("other", "x");
    s.data_ok();
    assert_eq!(
        s.dump_value("UPS.STATUS"),
        [
            set_info("ups.status", "OL"),
            Update::DataOk,
            Update::DumpDone
        ]
    );
    assert_eq!(s.dump_value("nosuch"), [Update::DataOk, Update::DumpDone]);
}

#[test]
fn values_are_cut_at_255_bytes_like_nut() {
    let mut s = DriverState::new();
    let long = "x".repeat(MAX_DRIVER_VALUE_LEN + 1);
    s.set_info("v", &long);
    assert_eq!(s.get("v").map(str::len), Some(MAX_DRIVER_VALUE_LEN));
    assert_eq!(
        drain(&mut s),
        [set_info("v", &long[..MAX_DRIVER_VALUE_LEN])]
    );
    let exact = "y".repeat(MAX_DRIVER_VALUE_LEN);
    s.set_info("w", &exact);
    assert_eq!(s.get("w"), Some(exact.as_str()));
}

#[test]
fn a_full_log_collapses_into_one_overflow_marker() {
    let mut s = DriverState::new();
    s.set_max_pending_updates(3);
    for i in 0..3 {
        s.set_info("v", &i.to_string());
    }
    s.set_info("v", "last");
    s.set_info("w", "after");
    assert_eq!(drain(&mut s), [Update::Overflow]);
    s.set_info("v", "again");
    assert_eq!(drain(&mut s), [set_info("v", "again")]);
}

/// upsd's side: replays socket lines into its own cache.
fn replay(updates: &[Update]) -> Tree {
    let mut tree = Tree::new();
    for u in updates {
        let _ = match u {
            Update::SetInfo { name, value } => tree.set_info(name, value),
            Update::AddEnum { name, value } => tree.add_enum(name, value),
            Update::AddRange { name, min, max } => tree.add_range(name, *min, *max),
            Update::SetAux { name, aux } => tree.set_aux(name, *aux),
            Update::SetFlags { name, flags } => {
                tree.set_flags(name, Flags::from_words(&flags.words().collect::<Vec<_>>()))
            }
            Update::AddCmd { name } => tree.add_cmd(name),
            _ => Outcome::Unchanged,
        };
    }
    tree
}

proptest! {
    #[test]
    fn a_dump_replayed_into_upsds_cache_rebuilds_the_tree(
        vars in proptest::collection::vec(
            ("[a-z][a-z.]{0,12}", "[ -~]{0,20}", 0u8..16, -2i64..40,
             proptest::collection::vec("[a-z0-9]{1,4}", 0..4),
             proptest::collection::vec((0i32..50, 50i32..100), 0..3)),
            0..20),
        cmds in proptest::collection::vec("[a-z][a-z.]{0,12}", 0..6),
    ) {
        let mut s = DriverState::new();
        for (name, value, flags, aux, enums, ranges) in &vars {
            s.set_info(name, value);
            for e in enums { s.add_enum(name, e); }
            for (lo, hi) in ranges { s.add_range(name, *lo, *hi); }
            s.set_aux(name, *aux);
            let mut f = Flags::NONE;
            if flags & 1 != 0 { f |= Flags::RW; }
            if flags & 2 != 0 { f |= Flags::STRING; }
            if flags & 4 != 0 { f |= Flags::NUMBER; }
            s.add_flags(name, f);
        }
        for c in &cmds { s.add_cmd(c); }
        s.data_ok();
        let dump = s.dump();
        prop_assert_eq!(dump.last(), Some(&Update::DumpDone));
        let rebuilt = replay(&dump);
        prop_assert_eq!(rebuilt.vars().collect::<Vec<_>>(), s.tree().vars().collect::<Vec<_>>());
        prop_assert_eq!(rebuilt.commands().collect::<Vec<_>>(), s.tree().commands().collect::<Vec<_>>());
    }

    #[test]
    fn draining_live_updates_into_a_cache_tracks_the_tree(
        ops in proptest::collection::vec((0u8..4, "[a-c]{1,2}", "[a-c]{0,2}"), 0..60),
    ) {
        let mut s = DriverState::new();
        let mut cache = Tree::new();
        for (op, name, value) in &ops {
            let _ = match op {
                0 => s.set_info(name, value),
                1 => s.del_info(name),
                2 => s.add_cmd(name),
                _ => s.del_cmd(name),
            };
            while let Some(u) = s.poll_update() {
                let _ = match &u {
                    Update::SetInfo { name, value } => cache.set_info(name, value),
                    Update::DelInfo { name } => cache.del_info(name),
                    Update::AddCmd { name } => cache.add_cmd(name),
                    Update::DelCmd { name } => cache.del_cmd(name),
                    _ => Outcome::Unchanged,
                };
            }
        }
        prop_assert_eq!(cache.vars().collect::<Vec<_>>(), s.tree().vars().collect::<Vec<_>>());
        prop_assert_eq!(cache.commands().collect::<Vec<_>>(), s.tree().commands().collect::<Vec<_>>());
    }
}
