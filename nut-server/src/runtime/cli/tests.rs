use super::*;

fn ok(args: &[&str]) -> DriverArgs {
    parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn grouped_attached_and_separate_arguments() {
    let args = ok(&[
        "-DDD",
        "-aups",
        "-x",
        "mode=dummy-loop",
        "-xflag",
        "-FF",
        "-i",
        "5",
    ]);
    assert_eq!(args.debug, 3);
    assert_eq!(args.ups, Some(UpsSelector::Section("ups".into())));
    assert_eq!(
        args.options,
        [
            ("mode".to_owned(), Some("dummy-loop".to_owned())),
            ("flag".to_owned(), None)
        ]
    );
    assert_eq!(args.foreground, Some(Foreground::ForegroundWithPidFile));
    assert_eq!(args.pollinterval, Some((5, true)));
}

#[test]
fn x_options_before_the_section_are_kept_apart() {
    let args = ok(&["-x", "port=a.dev", "-i", "3", "-a", "u", "-x", "port=b.dev"]);
    assert_eq!(
        args.options_before,
        [("port".to_owned(), Some("a.dev".to_owned()))]
    );
    assert_eq!(
        args.options,
        [("port".to_owned(), Some("b.dev".to_owned()))]
    );
    assert_eq!(args.pollinterval, Some((3, false)));
}

#[test]
fn value_with_equals_signs_keeps_them() {
    let args = ok(&["-s", "u", "-x", "port=ups@host:3493=x"]);
    assert_eq!(args.ups, Some(UpsSelector::Standalone("u".into())));
    assert_eq!(
        args.options,
        [("port".to_owned(), Some("ups@host:3493=x".to_owned()))]
    );
}

#[test]
fn nuts_refusals() {
    assert_eq!(
        parse(&["-Z"]).unwrap_err().to_string(),
        "Error: unknown option -?. Try -h for help."
    );
    assert!(matches!(
        parse(&["-a"]),
        Err(CliError::UnknownOption { .. })
    ));
    assert_eq!(
        ok(&["-a", "x", "-s", "y"]).ups,
        Some(UpsSelector::Standalone("y".into()))
    );
    assert_eq!(parse(&["-i", "0"]), Err(CliError::BadPollInterval(0)));
    assert_eq!(parse(&["-i", "-3"]), Err(CliError::BadPollInterval(-3)));
    assert_eq!(
        parse(&["-a", "x", "extra"]),
        Err(CliError::TooManyArguments)
    );
    assert_eq!(parse(&["-c", "bogus"]), Err(CliError::UnknownCommand));
    assert_eq!(
        parse(&["-c", "exit", "-c", "exit"]),
        Err(CliError::CommandTwice)
    );
    assert!(matches!(
        parse(&["-P", "abc"]),
        Err(CliError::BadNumber { option: 'P', .. })
    ));
}

#[test]
fn help_version_and_list_stop_the_parse() {
    assert_eq!(ok(&["-h", "-Z"]).action, Action::Help);
    assert_eq!(ok(&["-V"]).action, Action::Version);
    assert_eq!(ok(&["-a", "u", "-L"]).action, Action::ListVars);
}

#[test]
fn dash_dash_ends_options_and_b_wins_last() {
    let args = ok(&["-F", "-B", "--"]);
    assert_eq!(args.foreground, Some(Foreground::Background));
    assert_eq!(parse(&["--", "x"]), Err(CliError::TooManyArguments));
}

#[test]
fn c_commands_match_prefixes_in_nuts_order() {
    assert_eq!(
        SignalCommand::parse("reload"),
        Some(SignalCommand::ReloadOrError)
    );
    assert_eq!(
        SignalCommand::parse("reload-or-error"),
        Some(SignalCommand::ReloadOrError)
    );
    assert_eq!(
        SignalCommand::parse("reload-or-exit"),
        Some(SignalCommand::ReloadOrExit)
    );
    assert_eq!(SignalCommand::parse("e"), Some(SignalCommand::Exit));
    assert_eq!(SignalCommand::parse("exit"), Some(SignalCommand::Exit));
    assert_eq!(SignalCommand::parse("exits"), None);
    let args = ok(&["-c", "exit", "-P", "77", "-a", "u"]);
    assert_eq!(args.command, Some(SignalCommand::Exit));
    assert_eq!(args.pid, Some(77));
}

#[test]
fn help_and_list_show_the_driver_options() {
    let mut table = VarTable::new();
    table
        .add("mode", VarKind::Value, "Mode")
        .add("quick", VarKind::Flag, "Go fast");
    let help = help_text("dummy-ups", &table);
    assert!(help.starts_with("\nusage: dummy-ups (-a <id>|-s <id>) [OPTIONS]\n"));
    // NUT's layout: options indented by two, notes aligned under the text,
    // a blank line after each group.
    assert!(help.contains(
        "\n  -a <id>        - autoconfig using ups.conf section <id>\n\
         \x20                - note: -x after -a overrides ups.conf settings\n\n  -s <id>"
    ));
    assert!(help.contains("\n  -x <var>=<val> - set driver variable <var> to <val>\n"));
    assert!(help.contains(&format!("{:>40} : -x mode=<value>\n", "Mode")));
    assert!(help.contains(&format!("{:>40} : -x quick\n", "Go fast")));
    assert_eq!(
        list_text(&table),
        "VALUE mode \"Mode\"\nFLAG quick \"Go fast\"\n"
    );
    assert!(!help_text("x", &VarTable::new()).contains("Acceptable"));
}
