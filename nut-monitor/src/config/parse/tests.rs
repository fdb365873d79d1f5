use super::*;
use crate::config::DEFAULT_PORT;

fn ok(text: &str) -> Parsed {
    parse(text.as_bytes(), "upsmon.conf").expect("parses")
}

fn messages(p: &Parsed) -> Vec<&str> {
    p.diagnostics.iter().map(|d| d.message.as_str()).collect()
}

#[test]
fn empty_file_gives_nut_defaults() {
    let p = ok("# nothing\n\n");
    assert!(p.diagnostics.is_empty());
    let c = p.config;
    assert_eq!(c.min_supplies, 1);
    assert_eq!(c.poll_freq, Duration::from_secs(5));
    assert_eq!(c.poll_freq_alert, Duration::from_secs(5));
    assert_eq!(c.dead_time, Duration::from_secs(15));
    assert_eq!(c.host_sync, Duration::from_secs(15));
    assert_eq!(c.final_delay, Duration::from_secs(5));
    assert_eq!(c.nocomm_warn_time, Duration::from_secs(300));
    assert_eq!(c.rb_warn_time, Duration::from_secs(43200));
    assert_eq!(c.off_duration, Some(Duration::from_secs(30)));
    assert_eq!(c.over_duration, None);
    assert_eq!(c.oblb_duration, Duration::ZERO);
    assert!(c.alarm_critical);
    assert_eq!(c.shutdown_exit, ShutdownExit::Immediately);
    assert_eq!(c.notify.flags(NotifyKind::OnBatt), NotifyFlags::DEFAULT);
    // MINSUPPLIES 1 with nothing monitored is NUT's fatal start-up error.
    let err = c.check_power().unwrap_err();
    assert!(
        err.nut_message()
            .contains(&"Fatal error: insufficient power configured!".to_owned())
    );
}

#[test]
fn every_directive() {
    let p = ok(r#"
MONITOR ups1@10.0.0.1:13493 2 monuser "pass word" primary
MONITOR ups2 1 u p master
MONITOR ups3@nas 0 u p secondary
MONITOR ups4@nas 1 u p slave
MINSUPPLIES 2
POLLFREQ 2
POLLFREQALERT 1
DEADTIME 20
HOSTSYNC 30
FINALDELAY 0
NOCOMMWARNTIME 60
RBWARNTIME 600
OFFDURATION -1
OVERDURATION 10
OBLBDURATION 15
ALARMCRITICAL 0
POLLFAIL_LOG_THROTTLE_MAX 0
SHUTDOWNCMD /sbin/shutdown -h +0
SHUTDOWNEXIT 30
NOTIFYCMD "/usr/sbin/upssched" --quiet
NOTIFYMSG ONLINE "UPS %s is back"
NOTIFYFLAG ONBATT SYSLOG+WALL+EXEC
notifyflag lowbatt IGNORE
POWERDOWNFLAG /etc/killpower
RUN_AS_USER nut
CERTPATH /etc/nut/certs
CERTFILE /etc/nut/cert.pem
CERTIDENT "my cert" dbpass
CERTHOST nas:3493 "nas cert" 1 0
CERTVERIFY 1
FORCESSL 1
debug_min 3
"#);
    // Only the lower-case keyword is wrong: NUT matches keywords exactly.
    assert_eq!(
        messages(&p),
        [
            "upsmon.conf line 24: invalid directive notifyflag lowbatt IGNORE",
            "Encountered 1 config errors, those entries were ignored",
        ]
    );
    let c = &p.config;
    assert_eq!(c.monitors.len(), 4);
    let m = &c.monitors[0];
    assert_eq!(m.system, "ups1@10.0.0.1:13493");
    assert_eq!(
        (
            m.address.ups.as_str(),
            m.address.host.as_str(),
            m.address.port
        ),
        ("ups1", "10.0.0.1", 13493)
    );
    assert_eq!(
        (m.power_value, m.username.as_str(), m.password.as_str()),
        (2, "monuser", "pass word")
    );
    assert!(
        !format!("{m:?}").contains("pass word"),
        "password leaks into Debug"
    );
    let roles: Vec<_> = c.monitors.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::Primary,
            Role::Primary,
            Role::Secondary,
            Role::Secondary
        ]
    );
    assert_eq!(c.monitors[1].address.port, DEFAULT_PORT);
    assert_eq!(c.min_supplies, 2);
    assert_eq!(c.poll_freq, Duration::from_secs(2));
    assert_eq!(c.poll_freq_alert, Duration::from_secs(1));
    assert_eq!(c.dead_time, Duration::from_secs(20));
    assert_eq!(c.host_sync, Duration::from_secs(30));
    assert_eq!(c.final_delay, Duration::ZERO);
    assert_eq!(c.nocomm_warn_time, Duration::from_secs(60));
    assert_eq!(c.rb_warn_time, Duration::from_secs(600));
    assert_eq!(c.off_duration, None);
    assert_eq!(c.over_duration, Some(Duration::from_secs(10)));
    assert_eq!(c.oblb_duration, Duration::from_secs(15));
    assert!(!c.alarm_critical);
    assert_eq!(c.pollfail_log_throttle_max, Some(0));
    assert_eq!(c.shutdown_cmd.as_deref(), Some("/sbin/shutdown -h +0"));
    assert_eq!(
        c.shutdown_exit,
        ShutdownExit::After(Duration::from_secs(30))
    );
    assert_eq!(
        c.notify_cmd,
        Some(vec!["/usr/sbin/upssched".to_owned(), "--quiet".to_owned()])
    );
    assert_eq!(c.notify.format(NotifyKind::Online), "UPS %s is back");
    assert_eq!(
        c.notify.flags(NotifyKind::OnBatt).to_string(),
        "SYSLOG+WALL+EXEC"
    );
    assert_eq!(c.notify.flags(NotifyKind::LowBatt), NotifyFlags::DEFAULT);
    assert_eq!(c.powerdown_flag.as_deref(), Some("/etc/killpower"));
    assert_eq!(c.run_as_user.as_deref(), Some("nut"));
    assert_eq!(c.cert_path.as_deref(), Some("/etc/nut/certs"));
    assert_eq!(c.cert_file.as_deref(), Some("/etc/nut/cert.pem"));
    assert_eq!(
        c.cert_ident.as_ref().map(|i| i.name.as_str()),
        Some("my cert")
    );
    assert_eq!(
        c.cert_hosts,
        [CertHost {
            host: "nas:3493".into(),
            cert_name: "nas cert".into(),
            verify: true,
            force_ssl: false
        }]
    );
    assert!(c.cert_verify && c.force_ssl);
    assert_eq!(c.debug_min, Some(3));
    assert_eq!(c.total_power(), 4);
    assert!(c.check_power().is_ok());
}

#[test]
fn bad_monitor_lines_are_reported_never_dropped_silently() {
    let p = ok("MONITOR a@h 1 u p primary\n\
                MONITOR b@h -1 u p primary\n\
                MONITOR a@h 1 u p primary\n\
                MONITOR @h 1 u p primary\n\
                MONITOR c@h:99999 1 u p primary\n\
                MONITOR d@h 1 u p boss\n\
                MONITOR e@h 2x u p primary extra\n\
                MONITOR f@h 1 u\n");
    assert_eq!(
        messages(&p),
        [
            "UPS [b@h]: ignoring invalid power value [-1]",
            "Warning: ignoring duplicate UPS [a@h]",
            "Error: unable to split UPS name [@h]: no UPS name before '@'",
            "Error: unable to split UPS name [c@h:99999]: port is not a number from 1 to 65535",
            "upsmon.conf line 6: UPS [d@h]: unknown mode [boss], assuming secondary",
            "upsmon.conf line 7: MONITOR e@h: ignoring extra arguments: extra",
            "upsmon.conf line 7: UPS [e@h]: power value [2x] is not a number, using 2",
            "upsmon.conf line 8: invalid directive MONITOR f@h 1 u",
            "Encountered 1 config errors, those entries were ignored",
        ]
    );
    let lines: Vec<_> = p.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 7, 8, 0]);
    let kept: Vec<_> = p
        .config
        .monitors
        .iter()
        .map(|m| (m.system.as_str(), m.power_value, m.role))
        .collect();
    assert_eq!(
        kept,
        [
            ("a@h", 1, Role::Primary),
            ("d@h", 1, Role::Secondary),
            ("e@h", 2, Role::Primary)
        ]
    );
}

#[test]
fn old_style_monitor_is_fatal() {
    let err = parse(
        b"POLLFREQ 5\nMONITOR ups@h 1 pass primary\n",
        "/etc/nut/upsmon.conf",
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::OldStyleMonitor {
            file: "/etc/nut/upsmon.conf".into(),
            line: 2
        }
    );
    assert_eq!(
        err.nut_message().last().map(String::as_str),
        Some("Fatal error: unusable configuration")
    );
}

#[test]
fn insufficient_power_is_reported_like_nut() {
    let p = ok("MONITOR a 1 u p primary\nMONITOR b 0 u p primary\nMINSUPPLIES 2\n");
    let err = p.config.check_power().unwrap_err();
    assert_eq!(
        err,
        Error::InsufficientPower {
            total: 1,
            min_supplies: 2
        }
    );
    assert_eq!(
        err.nut_message(),
        [
            "",
            "Fatal error: insufficient power configured!",
            "",
            "Sum of power values........: 1",
            "Minimum value (MINSUPPLIES): 2",
            "",
            "Edit your upsmon.conf and change the values.",
        ]
    );
    // MINSUPPLIES 0 = monitor only; always enough.
    let p = ok("MINSUPPLIES 0\n");
    assert!(p.config.check_power().is_ok());
}

#[test]
fn bad_values_keep_defaults_and_say_why() {
    let p = ok(
        "POLLFREQ -1\nPOLLFREQ 0\nPOLLFREQ abc\nPOLLFREQALERT 0\nDEADTIME -5\nMINSUPPLIES -1\n\
                FINALDELAY -1\nSHUTDOWNEXIT maybe\nPOLLFAIL_LOG_THROTTLE_MAX -2\nDEBUG_MIN x\n\
                ALARMCRITICAL 2\nHOSTSYNC 99999999999\n",
    );
    assert_eq!(
        messages(&p),
        [
            "Ignoring invalid POLLFREQ value: -1",
            "Ignoring invalid POLLFREQ value: 0",
            "upsmon.conf line 3: POLLFREQ value [abc] is not a number, ignored",
            "Ignoring invalid POLLFREQALERT value: 0",
            "Ignoring invalid DEADTIME value: -5",
            "Ignoring invalid MINSUPPLIES value: -1",
            "Ignoring invalid FINALDELAY value: -1",
            "SHUTDOWNEXIT value not recognized, defaulting to 'yes'",
            "Ignoring invalid POLLFAIL_LOG_THROTTLE_MAX value: -2",
            "WARNING : Invalid DEBUG_MIN value found in upsmon.conf global settings",
            "upsmon.conf line 11: ALARMCRITICAL value [2] is not 0 or 1, ignored",
            "upsmon.conf line 12: HOSTSYNC value [99999999999] is not a number, ignored",
        ]
    );
    assert_eq!(p.config, Config::default());
}

#[test]
fn numeric_limits() {
    // Largest accepted: u32 range for counts, i32 range for signed values.
    let p = ok(
        "POLLFREQ 1\nMINSUPPLIES 4294967295\nOFFDURATION -2147483648\nPOLLFAIL_LOG_THROTTLE_MAX 2147483646\n",
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.config.poll_freq, Duration::from_secs(1));
    assert_eq!(p.config.min_supplies, u32::MAX);
    assert_eq!(p.config.off_duration, None);
    let p = ok(
        "MINSUPPLIES 4294967296\nOFFDURATION -2147483649\nPOLLFAIL_LOG_THROTTLE_MAX 2147483647\n",
    );
    assert_eq!(p.diagnostics.len(), 3, "{:?}", p.diagnostics);
    assert_eq!(p.config, Config::default());
}

#[test]
fn shutdown_exit_forms() {
    for (text, want) in [
        ("yes", ShutdownExit::Immediately),
        ("TRUE", ShutdownExit::Immediately),
        ("0", ShutdownExit::Immediately),
        ("no", ShutdownExit::Never),
        ("off", ShutdownExit::Never),
        ("-1", ShutdownExit::Never),
        ("7", ShutdownExit::After(Duration::from_secs(7))),
    ] {
        let p = ok(&format!("SHUTDOWNEXIT {text}\n"));
        assert_eq!(p.config.shutdown_exit, want, "{text}");
        assert!(p.diagnostics.is_empty());
    }
}

#[test]
fn notify_settings() {
    let p = ok(
        "NOTIFYFLAG ONLINE SYSLOG+BOGUS+EXEC\nNOTIFYFLAG NOPE SYSLOG\nNOTIFYMSG NOPE x\n\
                NOTIFYMSG alarm \"%s alarms: %s\"\nNOTIFYFLAG COMMBAD BAD\nNOTIFYMSG ONLINE\n",
    );
    assert_eq!(
        messages(&p),
        [
            "Invalid notify flag: [BOGUS]",
            "Warning: invalid notify type [NOPE]",
            "'NOPE' is not a valid notify event name",
            "Invalid notify flag: [BAD]",
            "upsmon.conf line 6: invalid directive NOTIFYMSG ONLINE",
            "Encountered 1 config errors, those entries were ignored",
        ]
    );
    let n = &p.config.notify;
    assert_eq!(n.flags(NotifyKind::Online).to_string(), "SYSLOG+EXEC");
    // NUT zeroes the flags before adding: only bad flags = no delivery at all.
    assert_eq!(n.flags(NotifyKind::CommBad), NotifyFlags::NONE);
    assert_eq!(n.format(NotifyKind::Alarm), "%s alarms: %s");
}

#[test]
fn tokenizer_errors_name_file_and_line() {
    let p = ok("POLLFREQ 3\nNOTIFYMSG ONLINE \"a # b\"\nPOLLFREQALERT 2\n");
    assert_eq!(
        messages(&p),
        [
            "Parse error: upsmon.conf:2: Unbalanced word due to unescaped # in quotes",
            "Encountered 1 config errors, those entries were ignored",
        ]
    );
    assert_eq!(p.config.poll_freq_alert, Duration::from_secs(2));
}

#[test]
fn size_limit() {
    let mut text = vec![b'#'; MAX_CONFIG_LEN];
    assert!(parse(&text, "f").is_ok());
    text.push(b'\n');
    assert!(
        matches!(parse(&text, "f"), Err(Error::TooLarge { len, .. }) if len == MAX_CONFIG_LEN + 1)
    );
}

#[test]
fn int_helpers() {
    assert_eq!(parse_int("12"), Some(12));
    assert_eq!(parse_int("+12"), Some(12));
    assert_eq!(parse_int("-12"), Some(-12));
    assert_eq!(parse_int("1 2"), None);
    assert_eq!(parse_int(""), None);
    assert_eq!(parse_int("-"), None);
    assert_eq!(leading_int("12abc"), 12);
    assert_eq!(leading_int("-3x"), -3);
    assert_eq!(leading_int("abc"), 0);
}
