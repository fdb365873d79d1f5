use super::*;
use crate::config::UpsConf;
use crate::state::Update;
use nut_proto::tokenizer::encode;

/// Driver socket lines, as the real driver writes them (test-only renderer).
fn render(updates: &[Update]) -> Vec<String> {
    updates
        .iter()
        .map(|u| match u {
            Update::SetInfo { name, value } => format!("SETINFO {name} \"{}\"", encode(value)),
            Update::DelInfo { name } => format!("DELINFO {name}"),
            Update::AddEnum { name, value } => format!("ADDENUM {name} \"{}\"", encode(value)),
            Update::DelEnum { name, value } => format!("DELENUM {name} \"{}\"", encode(value)),
            Update::AddRange { name, min, max } => format!("ADDRANGE {name} {min} {max}"),
            Update::DelRange { name, min, max } => format!("DELRANGE {name} {min} {max}"),
            Update::SetAux { name, aux } => format!("SETAUX {name} {aux}"),
            Update::SetFlags { name, flags } => {
                let mut line = format!("SETFLAGS {name}");
                for w in flags.words() {
                    line.push(' ');
                    line.push_str(w);
                }
                line
            }
            Update::AddCmd { name } => format!("ADDCMD {name}"),
            Update::DelCmd { name } => format!("DELCMD {name}"),
            Update::DataOk => "DATAOK".into(),
            Update::DataStale => "DATASTALE".into(),
            Update::DumpDone => "DUMPDONE".into(),
            Update::Overflow => "<overflow>".into(),
        })
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

struct Run {
    state: DriverState,
    ups: DummyUps,
    now: Instant,
}

fn start_with(conf: &str, dev: &str, options: Options) -> Run {
    let conf = UpsConf::parse(Path::new("ups.conf"), conf.as_bytes()).expect("valid ups.conf");
    let def = Definition::parse(Path::new("x.dev"), dev.as_bytes()).expect("within limits");
    let now = Instant::now();
    let mut state = DriverState::new();
    let ups = start(
        now,
        &mut state,
        &conf.globals,
        &conf.sections[0],
        &[],
        def,
        options,
    )
    .expect("starts");
    Run { state, ups, now }
}

fn run(port: &str, dev: &str) -> Run {
    start_with(
        &format!("[d]\ndriver = dummy-ups\nport = {port}\n"),
        dev,
        Options::default(),
    )
}

fn drain(state: &mut DriverState) -> Vec<String> {
    render(&std::iter::from_fn(|| state.poll_update()).collect::<Vec<_>>())
}

/// The lab's 15-line .dev (real-nut-lab.md §2.1) and the byte-exact DUMPALL
/// real dummy-ups 2.8.0 sent for it (§8.2), port renamed to `dummy.dev`.
const LAB_DEV: &str = "battery.charge: 100\nbattery.runtime: 1800\nbattery.voltage: 27.3\ndevice.mfr: Acme\ndevice.model: Simulated 1500\ninput.voltage: 230.0\ninput.frequency: 50.0\noutput.voltage: 230.0\nups.load: 23\nups.mfr: Acme\nups.model: Simulated 1500\nups.serial: SIM0001\nups.status: OL\nups.delay.shutdown: 20\nups.delay.start: 30\n";

const LAB_DUMP: &str = r#"SETINFO battery.charge "100"
SETFLAGS battery.charge RW
SETINFO battery.runtime "1800"
SETFLAGS battery.runtime RW
SETINFO battery.voltage "27.3"
SETFLAGS battery.voltage RW
SETINFO device.mfr "Acme"
SETAUX device.mfr 32
SETFLAGS device.mfr RW STRING
SETINFO device.model "Simulated 1500"
SETAUX device.model 32
SETFLAGS device.model RW STRING
SETINFO device.serial "SIM0001"
SETINFO device.type "ups"
SETINFO driver.name "dummy-ups"
SETINFO driver.parameter.mode "dummy-once"
SETINFO driver.parameter.pollinterval "2"
SETINFO driver.parameter.port "dummy.dev"
SETINFO driver.parameter.synchronous "auto"
SETINFO driver.version "2.8.0"
SETINFO driver.version.internal "0.15"
SETINFO input.frequency "50.0"
SETFLAGS input.frequency RW
SETINFO input.voltage "230.0"
SETFLAGS input.voltage RW
SETINFO output.voltage "230.0"
SETFLAGS output.voltage RW
SETINFO ups.delay.shutdown "20"
SETFLAGS ups.delay.shutdown RW
SETINFO ups.delay.start "30"
SETFLAGS ups.delay.start RW
SETINFO ups.load "23"
SETFLAGS ups.load RW
SETINFO ups.mfr "Acme"
SETAUX ups.mfr 32
SETFLAGS ups.mfr RW STRING
SETINFO ups.model "Simulated 1500"
SETAUX ups.model 32
SETFLAGS ups.model RW STRING
SETINFO ups.serial "SIM0001"
SETAUX ups.serial 32
SETFLAGS ups.serial RW STRING
SETINFO ups.status "OL"
SETAUX ups.status 32
SETFLAGS ups.status RW STRING
ADDCMD load.off
DATAOK
DUMPDONE"#;

#[test]
fn lab_dev_dumps_byte_for_byte_like_the_real_driver() {
    let r = run("dummy.dev", LAB_DEV);
    assert_eq!(render(&r.state.dump()), lines(LAB_DUMP));
}

#[test]
fn empty_file_publishes_only_the_built_in_variables() {
    let r = run("a.dev", "");
    assert_eq!(
        render(&r.state.dump()),
        lines(concat!(
            "SETINFO device.mfr \"Dummy Manufacturer\"\n",
            "SETINFO device.model \"Dummy UPS\"\n",
            "SETINFO device.type \"ups\"\n",
            "SETINFO driver.name \"dummy-ups\"\n",
            "SETINFO driver.parameter.mode \"dummy-once\"\n",
            "SETINFO driver.parameter.pollinterval \"2\"\n",
            "SETINFO driver.parameter.port \"a.dev\"\n",
            "SETINFO driver.parameter.synchronous \"auto\"\n",
            "SETINFO driver.version \"2.8.0\"\n",
            "SETINFO driver.version.internal \"0.15\"\n",
            "SETINFO ups.mfr \"Dummy Manufacturer\"\nSETAUX ups.mfr 32\nSETFLAGS ups.mfr RW STRING\n",
            "SETINFO ups.model \"Dummy UPS\"\nSETAUX ups.model 32\nSETFLAGS ups.model RW STRING\n",
            "SETINFO ups.status \"OL\"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\n",
            "ADDCMD load.off\nDATAOK\nDUMPDONE\n",
        ))
    );
}

/// Quirks checked against the real dummy-ups 2.8.0 (file `t1.dev` of the
/// session's lab run): case-insensitive names, `DRIVER.NAME` not skipped,
/// `device.*` overwritten from `ups.*`, bare `var:` re-using the previous
/// value, case-only changes ignored, no status de-duplication needed here.
#[test]
fn quirky_file_publishes_what_the_real_driver_did() {
    let r = run(
        "t1.dev",
        concat!(
            "# comment\nups.status: OL CHRG\nexperimental.a: first value\nx.novalue:\n",
            "experimental.quoted: \"a  b\"\nexperimental.multi: a   b  c\nexperimental.colon:value\n",
            "device.mfr: DevMfr\nups.mfr: UpsMfr\ndriver.name: foo\nDRIVER.NAME: bar\n",
            "Battery.Charge: 100\nBATTERY.CHARGE: 50\ninput.voltage: abc\n",
            "ups.model: UPPER\nups.model: upper\n",
        ),
    );
    let dump = render(&r.state.dump());
    let expect = lines(concat!(
        "SETINFO Battery.Charge \"50\"\nSETFLAGS Battery.Charge RW\n",
        "SETINFO device.mfr \"UpsMfr\"\nSETAUX device.mfr 32\nSETFLAGS device.mfr RW STRING\n",
        "SETINFO device.model \"UPPER\"\n",
        "SETINFO device.type \"ups\"\n",
        "SETINFO driver.name \"bar\"\nSETAUX driver.name 32\nSETFLAGS driver.name RW STRING\n",
        "SETINFO driver.parameter.mode \"dummy-once\"\n",
        "SETINFO driver.parameter.pollinterval \"2\"\n",
        "SETINFO driver.parameter.port \"t1.dev\"\n",
        "SETINFO driver.parameter.synchronous \"auto\"\n",
        "SETINFO driver.version \"2.8.0\"\n",
        "SETINFO driver.version.internal \"0.15\"\n",
        "SETINFO experimental.a \"first value\"\nSETAUX experimental.a 32\nSETFLAGS experimental.a RW STRING\n",
        "SETINFO experimental.colon \"a b c\"\nSETAUX experimental.colon 32\nSETFLAGS experimental.colon RW STRING\n",
        "SETINFO experimental.multi \"a b c\"\nSETAUX experimental.multi 32\nSETFLAGS experimental.multi RW STRING\n",
        "SETINFO experimental.quoted \"a  b\"\nSETAUX experimental.quoted 32\nSETFLAGS experimental.quoted RW STRING\n",
        "SETINFO input.voltage \"abc\"\nSETFLAGS input.voltage RW\n",
        "SETINFO ups.mfr \"UpsMfr\"\nSETAUX ups.mfr 32\nSETFLAGS ups.mfr RW STRING\n",
        "SETINFO ups.model \"UPPER\"\nSETAUX ups.model 32\nSETFLAGS ups.model RW STRING\n",
        "SETINFO ups.status \"OL CHRG\"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\n",
        "SETINFO x.novalue \"first value\"\nSETAUX x.novalue 32\nSETFLAGS x.novalue RW STRING\n",
        "ADDCMD load.off\nDATAOK\nDUMPDONE\n",
    ));
    assert_eq!(dump, expect);
}

#[test]
fn alarm_lines_are_variables_in_2_8_0_and_status_prefixes_match() {
    let r = run(
        "t2.dev",
        "ups.status: OB\nALARM something bad\nALARM other\nups.statusfoo: LB\n",
    );
    assert_eq!(r.state.get("ALARM"), Some("other"));
    assert_eq!(r.state.get("ups.status"), Some("LB"));
    assert_eq!(r.state.get("ups.alarm"), None);
    let r = run("t3.dev", "ups.status:\nexperimental.x: \"\"\n");
    assert_eq!(r.state.get("ups.status"), Some(""));
    assert_eq!(r.state.get("experimental.x"), None);
}

#[test]
fn alarm_lines_option_sets_ups_alarm_and_status() {
    let r = start_with(
        "[d]\ndriver = dummy-ups\nport = a.dev\n",
        "ups.status: OB\nALARM [Replace battery]\nALARM [Overheat]\n",
        Options { alarm_lines: true },
    );
    assert_eq!(
        r.state.get("ups.alarm"),
        Some("[Replace battery] [Overheat]")
    );
    assert_eq!(r.state.get("ups.status"), Some("ALARM OB"));
    assert_eq!(r.state.get("ALARM"), None);
    let r = start_with(
        "[d]\ndriver = dummy-ups\nport = a.dev\n",
        "ups.status: OB\nALARM [x]\nALARM\n",
        Options { alarm_lines: true },
    );
    assert_eq!(r.state.get("ups.alarm"), None);
    assert_eq!(r.state.get("ups.status"), Some("OB"));
}

/// The real driver with `override.*`, `default.*`, flags and parameters
/// (session lab run with `p.dev`).
#[test]
fn config_options_publish_like_the_real_driver() {
    let r = start_with(
        concat!(
            "[d]\ndriver = dummy-ups\nport = p.dev\ndesc = \"hello\"\nsdorder = 2\nnolock\n",
            "pollinterval = 5\nsynchronous = yes\ndefault.battery.charge = 50\n",
            "default.input.voltage = 230\noverride.ups.mfr = OverMfr\n",
            "override.ups.model = OverModel\nuser = root\ngroup = root\nmode = dummy-loop\n",
        ),
        "ups.status: OL\nbattery.charge: 90\n",
        Options::default(),
    );
    assert_eq!(
        render(&r.state.dump()),
        lines(concat!(
            "SETINFO battery.charge \"90\"\nSETFLAGS battery.charge RW\n",
            "SETINFO device.mfr \"OverMfr\"\nSETINFO device.model \"OverModel\"\n",
            "SETINFO device.type \"ups\"\nSETINFO driver.flag.nolock \"enabled\"\n",
            "SETINFO driver.name \"dummy-ups\"\nSETINFO driver.parameter.mode \"dummy-loop\"\n",
            "SETINFO driver.parameter.pollinterval \"5\"\nSETINFO driver.parameter.port \"p.dev\"\n",
            "SETINFO driver.parameter.synchronous \"yes\"\nSETINFO driver.version \"2.8.0\"\n",
            "SETINFO driver.version.internal \"0.15\"\nSETINFO input.voltage \"230\"\n",
            "SETINFO ups.mfr \"OverMfr\"\nSETAUX ups.mfr 32\nSETFLAGS ups.mfr\n",
            "SETINFO ups.model \"OverModel\"\nSETAUX ups.model 32\nSETFLAGS ups.model\n",
            "SETINFO ups.status \"OL\"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\n",
            "ADDCMD load.off\nDATAOK\nDUMPDONE\n",
        ))
    );
}

/// SET and INSTCMD over the socket, as the real driver answered them
/// (session lab run `cmds1`): broadcasts in SETINFO, SETFLAGS, SETAUX order;
/// INSTCMD always UNKNOWN (1).
#[test]
fn set_and_instcmd_answer_like_the_real_driver() {
    let mut r = run(
        "s.dev",
        "ups.status: OL\nbattery.charge: 90\nexperimental.z: 1\n",
    );
    drain(&mut r.state);
    let set = |r: &mut Run, name: &str, value: &str| {
        let status = r.ups.set_var(&mut r.state, name, value);
        assert_eq!(status, Some(TrackingResult::Handled));
        drain(&mut r.state)
    };
    assert_eq!(
        set(&mut r, "new.var", "hello"),
        [
            "SETINFO new.var \"hello\"",
            "SETFLAGS new.var RW STRING",
            "SETAUX new.var 32"
        ]
    );
    assert_eq!(
        set(&mut r, "driver.name", "zz"),
        [
            "SETINFO driver.name \"zz\"",
            "SETFLAGS driver.name RW STRING",
            "SETAUX driver.name 32"
        ]
    );
    assert_eq!(
        set(&mut r, "experimental.z", ""),
        ["DELINFO experimental.z"]
    );
    assert_eq!(
        set(&mut r, "ups.status", "OB LB"),
        ["SETINFO ups.status \"OB LB\""]
    );
    assert_eq!(
        set(&mut r, "ups.statusX", "OL"),
        ["SETINFO ups.status \"OL\""]
    );
    assert_eq!(
        set(&mut r, "battery.charge", "ABC"),
        ["SETINFO battery.charge \"ABC\""]
    );
    assert!(set(&mut r, "Battery.Charge", "abc").is_empty());
    for cmd in ["load.off", "foo.bar"] {
        assert_eq!(
            r.ups.instcmd(&mut r.state, cmd, None),
            TrackingResult::Unknown
        );
    }
    assert_eq!(
        r.state
            .dump()
            .iter()
            .filter(|u| matches!(u, Update::AddCmd { .. }))
            .count(),
        1
    );
}

#[test]
fn loop_mode_follows_timers_and_restarts_at_the_end() {
    let mut r = run(
        "l.seq",
        "ups.status: OL\nTIMER 2\nups.status: OB\nbattery.charge: 5\nTIMER 2\n",
    );
    let t0 = r.now;
    assert_eq!(r.state.get("ups.status"), Some("OL"));
    assert_eq!(r.ups.poll_timeout(), Some(t0 + Duration::from_secs(2)));
    r.ups
        .handle_update(t0 + Duration::from_secs(1), &mut r.state);
    assert_eq!(r.state.get("ups.status"), Some("OL"), "still paused");
    r.ups
        .handle_update(t0 + Duration::from_secs(2), &mut r.state);
    assert_eq!(r.state.get("ups.status"), Some("OB"));
    assert_eq!(r.state.get("battery.charge"), Some("5"));
    let t1 = t0 + Duration::from_secs(4);
    r.ups.handle_update(t1, &mut r.state);
    // End of file reached at the last TIMER's expiry: nothing left this pass.
    assert_eq!(r.state.get("ups.status"), Some("OB"));
    assert_eq!(r.ups.poll_timeout(), None);
    r.ups
        .handle_update(t1 + Duration::from_secs(1), &mut r.state);
    assert_eq!(r.state.get("ups.status"), Some("OL"), "loops to the top");
}

#[test]
fn once_mode_reads_to_the_end_once_and_again_only_for_a_new_file() {
    let mut r = run("o.dev", "ups.load: 1\nTIMER 0\nups.load: 2\n");
    let t0 = r.now;
    assert_eq!(
        r.state.get("ups.load"),
        Some("2"),
        "TIMER 0 resumes at the first update"
    );
    r.ups.set_var(&mut r.state, "ups.load", "77");
    for s in 1..5 {
        r.ups
            .handle_update(t0 + Duration::from_secs(s), &mut r.state);
    }
    assert_eq!(r.state.get("ups.load"), Some("77"), "SET values persist");
    let def =
        Definition::parse(Path::new("o.dev"), b"ups.load: 3\nbattery.charge: 9\n").expect("parses");
    r.ups.handle_definition(def);
    r.ups
        .handle_update(t0 + Duration::from_secs(6), &mut r.state);
    assert_eq!(r.state.get("ups.load"), Some("3"));
    assert_eq!(r.state.get("battery.charge"), Some("9"));
}

#[test]
fn once_mode_finishes_a_paused_pass_before_reading_a_new_file() {
    let mut r = run("o.dev", "ups.load: 1\nTIMER 10\nups.load: 2\n");
    let t0 = r.now;
    let def = Definition::parse(Path::new("o.dev"), b"ups.load: 3\n").expect("parses");
    r.ups.handle_definition(def);
    r.ups
        .handle_update(t0 + Duration::from_secs(5), &mut r.state);
    assert_eq!(r.state.get("ups.load"), Some("1"));
    r.ups
        .handle_update(t0 + Duration::from_secs(10), &mut r.state);
    assert_eq!(r.state.get("ups.load"), Some("2"));
    r.ups
        .handle_update(t0 + Duration::from_secs(11), &mut r.state);
    assert_eq!(r.state.get("ups.load"), Some("3"));
}

#[test]
fn enormous_and_negative_timers_do_not_panic() {
    let mut r = run("x.seq", "ups.load: 1\nTIMER 2147483647\nups.load: 2\n");
    r.ups
        .handle_update(r.now + Duration::from_secs(3600), &mut r.state);
    assert_eq!(r.state.get("ups.load"), Some("1"));
    let mut r = run("y.seq", "ups.load: 1\nTIMER -5\nups.load: 2\n");
    assert_eq!(
        r.state.get("ups.load"),
        Some("2"),
        "negative TIMER resumes at once"
    );
    r.ups.handle_update(r.now, &mut r.state);
}

#[test]
fn modes_are_chosen_like_dummy_ups() {
    assert_eq!(Mode::select(None, "x.dev"), (Mode::Once, "dummy-once"));
    assert_eq!(Mode::select(None, "x.seq"), (Mode::Loop, "dummy-loop"));
    assert_eq!(Mode::select(None, "x.txt"), (Mode::Loop, "dummy"));
    assert_eq!(
        Mode::select(None, "ups@host:3493"),
        (Mode::Repeater, "repeater")
    );
    assert_eq!(
        Mode::select(Some("dummy-once"), "x.seq"),
        (Mode::Once, "dummy-once")
    );
    assert_eq!(
        Mode::select(Some("dummy"), "x.dev"),
        (Mode::Loop, "dummy-loop")
    );
    assert_eq!(
        Mode::select(Some("repeater"), "x.dev"),
        (Mode::Repeater, "repeater")
    );
    assert_eq!(Mode::select(Some("bogus"), "ups@h"), (Mode::Loop, "dummy"));
    assert_eq!(
        Mode::select(Some("bogus"), "x.dev"),
        (Mode::Once, "dummy-once")
    );
}

#[test]
fn repeater_mode_has_no_set_handler() {
    let mut r = run("ups@localhost", "ignored: 1\n");
    assert_eq!(r.ups.mode(), Mode::Repeater);
    assert_eq!(r.state.get("ignored"), None);
    assert_eq!(r.state.get("driver.parameter.mode"), Some("repeater"));
    assert_eq!(r.ups.set_var(&mut r.state, "ups.load", "1"), None);
    assert!(r.state.tree().has_command("load.off"));
}

#[test]
fn definition_paths_resolve_like_dummy_ups() {
    let conf = Path::new("/etc/nut");
    let cwd = Path::new("/home/u");
    assert_eq!(
        definition_path("/abs/x.dev", conf, cwd),
        Path::new("/abs/x.dev")
    );
    assert_eq!(
        definition_path("./x.dev", conf, cwd),
        Path::new("/home/u/./x.dev")
    );
    assert_eq!(
        definition_path("../x.dev", conf, cwd),
        Path::new("/home/u/../x.dev")
    );
    assert_eq!(
        definition_path("sub/x.dev", conf, cwd),
        Path::new("/etc/nut/sub/x.dev")
    );
}

#[test]
fn unknown_options_stop_start_up() {
    let conf = UpsConf::parse(
        Path::new("ups.conf"),
        b"[d]\ndriver = dummy-ups\nport = a.dev\nbogus = 1\n",
    )
    .expect("valid");
    let mut state = DriverState::new();
    let err = start(
        Instant::now(),
        &mut state,
        &conf.globals,
        &conf.sections[0],
        &[],
        Definition::default(),
        Options::default(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnknownDriverOption { .. }));
}
