use super::*;
use proptest::prelude::*;

#[test]
fn names_are_case_insensitive_and_keep_their_first_spelling() {
    let mut tree = Tree::new();
    assert_eq!(tree.set_info("Battery.Charge", "100"), Outcome::Changed);
    assert_eq!(tree.set_info("BATTERY.CHARGE", "50"), Outcome::Changed);
    let var = tree.get("battery.charge").expect("found in any case");
    assert_eq!((var.name(), var.value()), ("Battery.Charge", "50"));
    assert_eq!(tree.len(), 1);
}

#[test]
fn a_value_differing_only_in_case_is_no_change_like_nut() {
    let mut tree = Tree::new();
    tree.set_info("ups.model", "UPPER");
    assert_eq!(tree.set_info("ups.model", "upper"), Outcome::Unchanged);
    assert_eq!(tree.value("ups.model"), Some("UPPER"));
    assert_eq!(tree.set_info("ups.model", "UPPER2"), Outcome::Changed);
}

#[test]
fn iteration_is_case_insensitive_name_order() {
    let mut tree = Tree::new();
    for name in [
        "ups.status",
        "ALARM",
        "battery.charge",
        "a_b",
        "aB",
        "device.mfr",
    ] {
        tree.set_info(name, "x");
    }
    let names: Vec<_> = tree.vars().map(Var::name).collect();
    assert_eq!(
        names,
        [
            "a_b",
            "aB",
            "ALARM",
            "battery.charge",
            "device.mfr",
            "ups.status"
        ]
    );
}

#[test]
fn immutable_variables_refuse_value_flag_and_delete_but_take_aux() {
    let mut tree = Tree::new();
    tree.set_info("ups.mfr", "Over");
    assert_eq!(
        tree.set_flags("ups.mfr", Flags::IMMUTABLE),
        Outcome::Changed
    );
    assert_eq!(tree.set_info("ups.mfr", "Other"), Outcome::Immutable);
    assert_eq!(tree.set_info("ups.mfr", "over"), Outcome::Unchanged);
    assert_eq!(tree.set_flags("ups.mfr", Flags::RW), Outcome::Immutable);
    assert_eq!(tree.del_info("ups.mfr"), Outcome::Immutable);
    assert_eq!(tree.set_aux("ups.mfr", 32), Outcome::Changed);
    let var = tree.get("ups.mfr").expect("still there");
    assert_eq!((var.value(), var.aux()), ("Over", 32));
}

#[test]
fn enums_keep_insertion_order_and_ignore_duplicates() {
    let mut tree = Tree::new();
    assert_eq!(tree.add_enum("x", "1"), Outcome::NotFound);
    tree.set_info("x", "1");
    for v in ["253", "264", "253", "271"] {
        tree.add_enum("x", v);
    }
    assert_eq!(
        tree.get("x").map(Var::enums),
        Some(&["253", "264", "271"].map(String::from)[..])
    );
    assert_eq!(tree.add_enum("x", "264"), Outcome::Unchanged);
    assert_eq!(tree.del_enum("x", "nope"), Outcome::NotFound);
    assert_eq!(tree.del_enum("x", "264"), Outcome::Changed);
    assert_eq!(tree.get("x").map(|v| v.enums().len()), Some(2));
}

#[test]
fn enum_case_rules_follow_nut_add_exact_delete_ignoring_case() {
    let mut tree = Tree::new();
    tree.set_info("x", "a");
    assert_eq!(tree.add_enum("x", "yes"), Outcome::Changed);
    assert_eq!(tree.add_enum("x", "YES"), Outcome::Changed);
    assert_eq!(tree.del_enum("x", "Yes"), Outcome::Changed);
    assert_eq!(tree.get("x").map(Var::enums), Some(&["YES".to_owned()][..]));
}

#[test]
fn ranges_use_nuts_either_bound_duplicate_test() {
    let mut tree = Tree::new();
    tree.set_info("d", "30");
    assert_eq!(tree.add_range("d", 12, 600), Outcome::Changed);
    assert_eq!(tree.add_range("d", 12, 700), Outcome::Unchanged);
    assert_eq!(tree.add_range("d", 0, 600), Outcome::Unchanged);
    assert_eq!(tree.add_range("d", 700, 800), Outcome::Changed);
    assert_eq!(tree.add_range("d", 9, 1), Outcome::Invalid);
    assert_eq!(
        tree.get("d").map(Var::ranges),
        Some(&[Range { min: 12, max: 600 }, Range { min: 700, max: 800 }][..])
    );
    assert_eq!(tree.del_range("d", 700, 1), Outcome::Changed);
    assert_eq!(tree.del_range("d", 1, 2), Outcome::NotFound);
}

#[test]
fn commands_are_sorted_and_deduplicated_ignoring_case() {
    let mut tree = Tree::new();
    for c in [
        "test.battery.start",
        "load.off",
        "Beeper.Toggle",
        "LOAD.OFF",
    ] {
        tree.add_cmd(c);
    }
    assert_eq!(
        tree.commands().collect::<Vec<_>>(),
        ["Beeper.Toggle", "load.off", "test.battery.start"]
    );
    assert!(tree.has_command("beeper.toggle"));
    assert_eq!(tree.del_cmd("Load.Off"), Outcome::Changed);
    assert_eq!(tree.del_cmd("load.off"), Outcome::NotFound);
}

#[test]
fn var_type_reads_like_upsd() {
    let mut tree = Tree::new();
    tree.set_info("ups.status", "OL");
    tree.set_flags("ups.status", Flags::RW | Flags::STRING);
    tree.set_aux("ups.status", 32);
    tree.set_info("battery.charge", "100");
    tree.set_flags("battery.charge", Flags::RW);
    tree.set_info("input.transfer.high", "253");
    tree.set_flags("input.transfer.high", Flags::RW);
    tree.add_enum("input.transfer.high", "253");
    tree.set_info("ups.delay.shutdown", "30");
    tree.add_range("ups.delay.shutdown", 12, 600);
    tree.set_flags("ups.delay.shutdown", Flags::RW | Flags::NUMBER);
    let ty = |n| tree.get(n).map(|v| v.var_type().to_string());
    assert_eq!(ty("ups.status").as_deref(), Some("RW STRING:32"));
    assert_eq!(ty("battery.charge").as_deref(), Some("RW NUMBER"));
    assert_eq!(ty("input.transfer.high").as_deref(), Some("RW ENUM NUMBER"));
    assert_eq!(ty("ups.delay.shutdown").as_deref(), Some("RW RANGE NUMBER"));
}

fn small_limits() -> Limits {
    Limits {
        max_vars: 2,
        max_name_len: 4,
        max_value_len: 3,
        max_enums: 2,
        max_ranges: 1,
        max_commands: 1,
    }
}

#[test]
fn each_limit_holds_at_the_limit_and_refuses_past_it() {
    let mut tree = Tree::with_limits(small_limits());
    assert_eq!(tree.set_info("abcd", "1"), Outcome::Changed);
    assert_eq!(tree.set_info("abcde", "1"), Outcome::Invalid);
    assert_eq!(tree.set_info("", "1"), Outcome::Invalid);
    assert_eq!(tree.set_info("b", "1234"), Outcome::Changed);
    assert_eq!(tree.value("b"), Some("123"));
    assert_eq!(tree.set_info("c", "1"), Outcome::LimitReached);
    assert_eq!(
        tree.set_info("b", "9"),
        Outcome::Changed,
        "updates still work when full"
    );
    tree.add_enum("b", "1");
    assert_eq!(tree.add_enum("b", "2"), Outcome::Changed);
    assert_eq!(tree.add_enum("b", "3"), Outcome::LimitReached);
    assert_eq!(tree.add_range("b", 1, 2), Outcome::Changed);
    assert_eq!(tree.add_range("b", 3, 4), Outcome::LimitReached);
    assert_eq!(tree.add_cmd("x"), Outcome::Changed);
    assert_eq!(tree.add_cmd("y"), Outcome::LimitReached);
    assert_eq!(tree.add_cmd("toolong"), Outcome::Invalid);
}

proptest! {
    #[test]
    fn iteration_order_is_sorted_lower_case_names(
        names in proptest::collection::btree_set("[A-Za-z_.]{1,10}", 0..40)
    ) {
        let mut tree = Tree::new();
        for name in &names {
            let _ = tree.set_info(name, "v");
        }
        let got: Vec<String> = tree.vars().map(|v| v.name().to_ascii_lowercase()).collect();
        let mut expected: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        expected.sort();
        expected.dedup();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn set_then_get_returns_the_value_in_any_case(
        name in "[a-z.]{1,16}",
        value in "[ -~]{0,40}",
    ) {
        let mut tree = Tree::new();
        prop_assert_eq!(tree.set_info(&name, &value), Outcome::Changed);
        prop_assert_eq!(tree.value(&name.to_ascii_uppercase()), Some(value.as_str()));
        prop_assert_eq!(tree.del_info(&name.to_ascii_uppercase()), Outcome::Changed);
        prop_assert!(tree.is_empty());
    }
}
