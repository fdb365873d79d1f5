use std::path::Path;
use std::time::Duration;

use super::*;
use crate::upsdrvctl::log::Level;

fn parsed(text: &str) -> Config {
    let conf = UpsConf::parse(Path::new("ups.conf"), text.as_bytes()).expect("parse");
    Config::from_ups_conf(&conf, false).0
}

const FOUR: &str = "maxretry = 3\n\
    [a]\n driver = dummy-ups\n port = a.dev\n sdorder = 2\n\
    [b]\n driver = dummy-ups\n port = b.dev\n\
    [c]\n driver = dummy-ups\n port = c.dev\n sdorder = -1\n\
    [d]\n driver = dummy-ups\n port = /dev/ttyS0\n sdorder = 1\n\
    [e]\n driver = usbhid-ups\n port = auto\n sdorder = 1\n";

fn names(devices: &[&Device]) -> Vec<String> {
    devices.iter().map(|d| d.name.clone()).collect()
}

#[test]
fn start_and_stop_go_in_file_order() {
    let config = parsed(FOUR);
    for action in [Action::Start, Action::Stop, Action::List, Action::Status] {
        let all = config.select(action, None).expect("select");
        assert_eq!(names(&all), ["a", "b", "c", "d", "e"], "{action:?}");
    }
}

#[test]
fn shutdown_goes_by_sdorder_group_and_skips_negative_ones() {
    let config = parsed(FOUR);
    let all = config.select(Action::Shutdown, None).expect("select");
    // Group 0 (b), group 1 in file order (d, e), group 2 (a); c (-1) left out.
    assert_eq!(names(&all), ["b", "d", "e", "a"]);
    // Named, a negative sdorder does not matter.
    let one = config.select(Action::Shutdown, Some("c")).expect("select");
    assert_eq!(names(&one), ["c"]);
}

#[test]
fn selection_errors_read_like_nut() {
    let config = parsed(FOUR);
    assert_eq!(
        config
            .select(Action::Start, Some("zz"))
            .unwrap_err()
            .to_string(),
        "UPS zz not found in ups.conf"
    );
    let empty = parsed("maxretry = 2\n[hollow]\n");
    // A section without a single line does not exist for NUT.
    assert!(empty.devices.is_empty());
    assert_eq!(
        empty.select(Action::Start, None).unwrap_err().to_string(),
        "Error: no UPS definitions found in ups.conf"
    );
    assert_eq!(
        empty
            .select(Action::Start, Some("hollow"))
            .unwrap_err()
            .to_string(),
        "Error: no UPS definitions found in ups.conf!\n"
    );
}

#[test]
fn timing_settings_default_globally_and_per_section() {
    let config = parsed(
        "maxstartdelay = 10\nretrydelay = 2\n\
         [x]\n driver = d\n port = p\n\
         [y]\n driver = d\n port = p\n maxstartdelay = 0\n maxretry = 4\n retrydelay = 7\n",
    );
    let x = &config.devices[0];
    let y = &config.devices[1];
    assert_eq!(config.start_limit(x), Some(Duration::from_secs(10)));
    assert_eq!(config.start_limit(y), None, "0 means no limit (alarm(0))");
    assert_eq!(config.attempts(x), DEFAULT_MAXRETRY);
    assert_eq!(config.attempts(y), 4);
    assert_eq!(config.retry_delay(x), Duration::from_secs(2));
    assert_eq!(config.retry_delay(y), Duration::from_secs(7));
    let plain = parsed("[z]\n driver = d\n");
    assert_eq!(
        plain.start_limit(&plain.devices[0]),
        Some(Duration::from_secs(u64::from(DEFAULT_MAXSTARTDELAY)))
    );
    assert_eq!(plain.retry_delay(&plain.devices[0]), Duration::from_secs(5));
}

#[test]
fn nowait_can_be_cancelled_by_the_environment() {
    let conf = UpsConf::parse(Path::new("u"), b"nowait\n[x]\n driver = d\n").expect("parse");
    let (config, notes) = Config::from_ups_conf(&conf, false);
    assert!(config.nowait);
    assert!(notes.is_empty());
    let (config, notes) = Config::from_ups_conf(&conf, true);
    assert!(!config.nowait);
    assert_eq!(
        notes[0].text,
        "NOTE: 'nowait' setting ignored due to NUT_IGNORE_NOWAIT envvar"
    );
}

#[test]
fn drivers_are_found_beside_us_first_then_in_driverpath() {
    let own = Path::new("/opt/nut-rs/bin");
    let ours = |p: &Path| p == Path::new("/opt/nut-rs/bin/dummy-ups");
    let locator = DriverLocator::new(Some(own), None);
    assert_eq!(
        locator.locate("dummy-ups", ours),
        Path::new("/opt/nut-rs/bin/dummy-ups")
    );
    assert_eq!(
        locator.locate("usbhid-ups", ours),
        Path::new("/lib/nut/usbhid-ups")
    );
    let configured = DriverLocator::new(Some(own), Some("/usr/local/ups/bin"));
    assert_eq!(
        configured.locate("snmp-ups", ours),
        Path::new("/usr/local/ups/bin/snmp-ups")
    );
    // A name with a slash, or no own directory, never looks beside us.
    let anything = |_: &Path| true;
    assert_eq!(
        locator.locate("../dummy-ups", anything),
        Path::new("/lib/nut/../dummy-ups")
    );
    let unknown_self = DriverLocator::new(None, Some("/x"));
    assert_eq!(
        unknown_self.locate("dummy-ups", anything),
        Path::new("/x/dummy-ups")
    );
    assert_eq!(
        locator.locate(MISSING_DRIVER, |_| false),
        Path::new("/lib/nut/(null)")
    );
}

fn options(f: impl FnOnce(&mut Options)) -> Options {
    let mut options = Options::default();
    f(&mut options);
    options
}

#[test]
fn start_and_shutdown_arguments_in_nuts_order() {
    let opts = options(|o| {
        o.user = Some("nut".into());
        o.chroot = Some("/x".into());
        o.pass_debug = true;
        o.foreground = Foreground::Background;
    });
    let (pt, notes) = Passthrough::new(&opts, 3);
    assert!(notes.is_empty());
    assert_eq!(
        pt.start_args("ups1"),
        ["-DDD", "-B", "-a", "ups1", "-r", "/x", "-u", "nut"]
    );
    assert_eq!(
        pt.shutdown_args("ups1"),
        ["-a", "ups1", "-k", "-r", "/x", "-u", "nut"]
    );
    // Without -d the level stays here.
    let (plain, _) = Passthrough::new(&Options::default(), 5);
    assert_eq!(plain.start_args("u"), ["-a", "u"]);
    // -d at level 0 passes nothing.
    let (zero, _) = Passthrough::new(&options(|o| o.pass_debug = true), 0);
    assert_eq!(zero.start_args("u"), ["-a", "u"]);
    assert_eq!(
        exec_line(Path::new("/lib/nut/dummy-ups"), &pt.shutdown_args("d")[..3]),
        "exec:  /lib/nut/dummy-ups -a d -k"
    );
}

#[test]
fn passed_debug_level_is_capped_at_the_limit() {
    let opts = options(|o| o.pass_debug = true);
    let (at, notes) = Passthrough::new(&opts, MAX_PASSTHROUGH_DEBUG);
    assert!(notes.is_empty());
    assert_eq!(
        at.start_args("u")[0].len(),
        1 + MAX_PASSTHROUGH_DEBUG as usize
    );
    let (over, notes) = Passthrough::new(&opts, MAX_PASSTHROUGH_DEBUG + 1);
    assert_eq!(notes.len(), 1);
    assert_eq!(over.debug, Some(MAX_PASSTHROUGH_DEBUG));
}

#[test]
fn launch_mode_follows_nut() {
    let conf = parsed("maxstartdelay = 9\n[x]\n driver = d\n port = p\n");
    let x = &conf.devices[0];
    let plain = Options::default();
    assert_eq!(
        launch(&conf, x, 2, &plain, 0),
        Launch::Wait(Some(Duration::from_secs(9)))
    );
    let fg = options(|o| o.foreground = Foreground::Foreground);
    assert!(matches!(launch(&conf, x, 1, &fg, 0), Launch::Exec(_)));
    assert!(matches!(launch(&conf, x, 2, &fg, 0), Launch::Detach(_)));
    let debug = options(|o| o.pass_debug = true);
    assert!(matches!(launch(&conf, x, 1, &debug, 1), Launch::Detach(_)));
    assert!(matches!(launch(&conf, x, 1, &debug, 0), Launch::Wait(_)));
    let debug_bg = options(|o| {
        o.pass_debug = true;
        o.foreground = Foreground::Background;
    });
    assert!(matches!(launch(&conf, x, 1, &debug_bg, 3), Launch::Wait(_)));
    let mut nowait = conf.clone();
    nowait.nowait = true;
    match launch(&nowait, x, 1, &plain, 0) {
        Launch::Detach(message) => {
            assert_eq!(message.level, Level::Debug(2));
            assert_eq!(message.text, "'nowait' set, continuing...");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn all_drivers_in_the_foreground_are_warned_about() {
    let fg = options(|o| o.foreground = Foreground::Foreground);
    let warning = foreground_warning(Action::Start, 2, &fg, 0).expect("warning");
    assert!(
        warning.text.contains("requested the foreground mode!"),
        "{}",
        warning.text
    );
    assert!(foreground_warning(Action::Start, 1, &fg, 0).is_none());
    assert!(foreground_warning(Action::Stop, 3, &fg, 0).is_none());
    let debug = options(|o| o.pass_debug = true);
    let warning = foreground_warning(Action::Start, 2, &debug, 1).expect("warning");
    assert!(warning.text.contains("debug mode without backgrounding"));
    assert!(foreground_warning(Action::Start, 2, &Options::default(), 4).is_none());
}

#[test]
fn pid_files_and_sockets() {
    let config = parsed(FOUR);
    let d = &config.devices[3];
    let (main, legacy) = pid_files(Path::new("/run/nut"), d);
    assert_eq!(main, Path::new("/run/nut/dummy-ups-d.pid"));
    assert_eq!(
        legacy.as_deref(),
        Some(Path::new("/run/nut/dummy-ups-ttyS0.pid"))
    );
    assert_eq!(socket(Path::new("/s"), d), Path::new("/s/dummy-ups-d"));
    let no_port = parsed("[n]\n driver = x\n");
    assert_eq!(pid_files(Path::new("/p"), &no_port.devices[0]).1, None);
    let no_driver = parsed("[n]\n port = /dev/x\n");
    assert_eq!(
        pid_files(Path::new("/p"), &no_driver.devices[0]).0,
        Path::new("/p/(null)-n.pid")
    );
}

#[test]
fn commands_map_to_signals_or_the_socket() {
    assert_eq!(command_signal(DriverCommand::Reload), Some(Signal::SIGHUP));
    assert_eq!(
        command_signal(DriverCommand::ReloadOrExit),
        Some(Signal::SIGUSR1)
    );
    assert_eq!(
        command_signal(DriverCommand::DataDump),
        Some(Signal::SIGURG)
    );
    assert_eq!(command_signal(DriverCommand::Exit), None);
    assert_eq!(command_signal(DriverCommand::ReloadOrError), None);
    assert_eq!(signal_description(Signal::SIGHUP), "Hangup");
}

#[test]
fn pid_files_are_read_like_atoi() {
    assert_eq!(pid_from_text("4242\n"), 4242);
    assert_eq!(pid_from_text("  17 trailing"), 17);
    assert_eq!(pid_from_text("garbage"), 0);
    assert_eq!(pid_from_text(""), 0);
    assert_eq!(pid_from_text("-3"), -3);
    assert_eq!(pid_from_text("+8"), 8);
    assert_eq!(pid_from_text(&"9".repeat(40)), i64::MAX);
}
