use std::path::Path;
use std::time::Instant;

use super::*;
use crate::config::UpsConf;
use crate::dummy::{self, Definition};

/// The `.dev` of real-nut-lab.md §2.1.
const LAB_DEV: &str = "battery.charge: 100\nbattery.runtime: 1800\nbattery.voltage: 27.3\n\
device.mfr: Acme\ndevice.model: Simulated 1500\ninput.voltage: 230.0\ninput.frequency: 50.0\n\
output.voltage: 230.0\nups.load: 23\nups.mfr: Acme\nups.model: Simulated 1500\n\
ups.serial: SIM0001\nups.status: OL\nups.delay.shutdown: 20\nups.delay.start: 30\n";

/// The real dummy-ups 2.8.0's answer to `DUMPALL` for [`LAB_DEV`],
/// byte for byte (real-nut-lab.md §8.2).
const REAL_DUMPALL: &str = "SETINFO battery.charge \"100\"\nSETFLAGS battery.charge RW\n\
SETINFO battery.runtime \"1800\"\nSETFLAGS battery.runtime RW\n\
SETINFO battery.voltage \"27.3\"\nSETFLAGS battery.voltage RW\n\
SETINFO device.mfr \"Acme\"\nSETAUX device.mfr 32\nSETFLAGS device.mfr RW STRING\n\
SETINFO device.model \"Simulated 1500\"\nSETAUX device.model 32\nSETFLAGS device.model RW STRING\n\
SETINFO device.serial \"SIM0001\"\nSETINFO device.type \"ups\"\n\
SETINFO driver.name \"dummy-ups\"\nSETINFO driver.parameter.mode \"dummy-once\"\n\
SETINFO driver.parameter.pollinterval \"2\"\nSETINFO driver.parameter.port \"dummy.dev\"\n\
SETINFO driver.parameter.synchronous \"auto\"\nSETINFO driver.version \"2.8.0\"\n\
SETINFO driver.version.internal \"0.15\"\n\
SETINFO input.frequency \"50.0\"\nSETFLAGS input.frequency RW\n\
SETINFO input.voltage \"230.0\"\nSETFLAGS input.voltage RW\n\
SETINFO output.voltage \"230.0\"\nSETFLAGS output.voltage RW\n\
SETINFO ups.delay.shutdown \"20\"\nSETFLAGS ups.delay.shutdown RW\n\
SETINFO ups.delay.start \"30\"\nSETFLAGS ups.delay.start RW\n\
SETINFO ups.load \"23\"\nSETFLAGS ups.load RW\n\
SETINFO ups.mfr \"Acme\"\nSETAUX ups.mfr 32\nSETFLAGS ups.mfr RW STRING\n\
SETINFO ups.model \"Simulated 1500\"\nSETAUX ups.model 32\nSETFLAGS ups.model RW STRING\n\
SETINFO ups.serial \"SIM0001\"\nSETAUX ups.serial 32\nSETFLAGS ups.serial RW STRING\n\
SETINFO ups.status \"OL\"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\n\
ADDCMD load.off\nDATAOK\nDUMPDONE\n";

fn lab_state() -> (DriverState, dummy::DummyUps) {
    let conf = UpsConf::parse(
        Path::new("ups.conf"),
        b"[dummy]\ndriver = dummy-ups\nport = dummy.dev\n",
    )
    .expect("valid");
    let def = Definition::parse(Path::new("dummy.dev"), LAB_DEV.as_bytes()).expect("valid");
    let mut state = DriverState::new();
    let ups = dummy::start(
        Instant::now(),
        &mut state,
        &conf.globals,
        &conf.sections[0],
        &[],
        def,
        dummy::Options::default(),
    )
    .expect("starts");
    (state, ups)
}

fn lab_hub() -> Hub {
    Hub::new(lab_state().0, HubOptions::new(4242))
}

/// Everything owed to `client` now, and whether it is being closed.
fn output(hub: &mut Hub, client: ClientId) -> (String, bool) {
    let mut text = Vec::new();
    let mut closed = false;
    let mut others = Vec::new();
    while let Some(t) = hub.poll_transmit() {
        if t.client == client {
            text.extend(t.data);
            closed |= t.close;
        } else {
            others.push(t);
        }
    }
    assert!(
        others.is_empty(),
        "unexpected output for others: {others:?}"
    );
    (String::from_utf8(text).expect("utf-8"), closed)
}

fn requests(hub: &mut Hub) -> Vec<Request> {
    let mut out = Vec::new();
    while let Some(event) = hub.poll_event() {
        if let Event::Request(r) = event {
            out.push(r);
        }
    }
    out
}

fn logs(hub: &mut Hub) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(event) = hub.poll_event() {
        if let Event::Log(r) = event
            && !matches!(r.level, Level::Debug(_))
        {
            out.push(r.message);
        }
    }
    out
}

#[test]
fn dumpall_is_byte_identical_to_the_real_driver() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(c, b"DUMPALL\n");
    assert_eq!(output(&mut hub, c), (REAL_DUMPALL.to_owned(), false));
}

#[test]
fn ping_getpid_and_dump_variants() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(
        c,
        b"ping\nGETPID\nDUMPVALUE ups.load\nDUMPSTATUS\nDUMPVALUE nope\n",
    );
    let expected = "PONG\nPID 4242\n\
        SETINFO ups.load \"23\"\nSETFLAGS ups.load RW\nDATAOK\nDUMPDONE\n\
        SETINFO ups.status \"OL\"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\nDATAOK\nDUMPDONE\n\
        DATAOK\nDUMPDONE\n";
    assert_eq!(output(&mut hub, c).0, expected);
}

#[test]
fn stale_data_is_announced_in_dumps_and_broadcasts() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.state_mut().data_stale();
    let (text, _) = output(&mut hub, c);
    assert_eq!(text, "DATASTALE\n");
    hub.handle_input(c, b"DUMPVALUE ups.load\n");
    assert_eq!(
        output(&mut hub, c).0,
        "DATASTALE\nSETINFO ups.load \"23\"\nSETFLAGS ups.load RW\nDUMPDONE\n"
    );
}

#[test]
fn input_split_anywhere_gives_the_same_replies() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    for byte in b"PI".iter().chain(b"NG\nDUMPSTA").chain(b"TUS\n") {
        hub.handle_input(c, std::slice::from_ref(byte));
    }
    let (text, _) = output(&mut hub, c);
    assert!(text.starts_with("PONG\nSETINFO ups.status"), "{text}");
}

#[test]
fn set_broadcasts_to_everyone_then_tracks_to_the_sender() {
    let (state, mut ups) = lab_state();
    let mut hub = Hub::new(state, HubOptions::new(1));
    let upsd = hub.handle_connect();
    let tool = hub.handle_connect();
    let quiet = hub.handle_connect();
    hub.handle_input(quiet, b"NOBROADCAST\n");
    hub.handle_input(tool, b"SET ups.load \"55\" TRACKING 1234-abcd\n");
    let Some(Request::Set { call, var, value }) = requests(&mut hub).pop() else {
        panic!("a SET for the driver");
    };
    let status = ups.set_var(hub.state_mut(), &var, &value).expect("handled");
    hub.handle_answer(call, status);
    let mut per_client: BTreeMap<ClientId, String> = BTreeMap::new();
    while let Some(t) = hub.poll_transmit() {
        per_client
            .entry(t.client)
            .or_default()
            .push_str(std::str::from_utf8(&t.data).expect("utf-8"));
    }
    let broadcast = "SETINFO ups.load \"55\"\n";
    assert_eq!(per_client.get(&upsd).map(String::as_str), Some(broadcast));
    assert_eq!(
        per_client.get(&tool).map(String::as_str),
        Some("SETINFO ups.load \"55\"\nTRACKING 1234-abcd 0\n")
    );
    assert_eq!(per_client.get(&quiet), None);
    hub.handle_input(quiet, b"BROADCAST 1\n");
    hub.state_mut().set_info("ups.load", "56");
    let mut seen = Vec::new();
    while let Some(t) = hub.poll_transmit() {
        seen.push(t.client);
    }
    assert_eq!(seen, [upsd, tool, quiet]);
    hub.handle_input(quiet, b"BROADCAST 0\n");
    hub.state_mut().set_info("ups.load", "57");
    let mut seen = Vec::new();
    while let Some(t) = hub.poll_transmit() {
        seen.push(t.client);
    }
    assert_eq!(seen, [upsd, tool]);
}

#[test]
fn set_without_tracking_gets_no_reply_and_no_handler_is_silent() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(c, b"SET ups.load \"5\"\n");
    let Some(Request::Set { call, .. }) = requests(&mut hub).pop() else {
        panic!("a SET");
    };
    hub.handle_answer(call, TrackingResult::Handled);
    assert_eq!(output(&mut hub, c).0, "");
    hub.handle_input(c, b"SET ups.load \"5\" TRACKING t1\n");
    let Some(Request::Set { call, .. }) = requests(&mut hub).pop() else {
        panic!("a SET");
    };
    hub.handle_no_handler(call);
    assert_eq!(output(&mut hub, c).0, "");
    assert_eq!(logs(&mut hub), ["Got SET, but driver lacks a handler"]);
}

#[test]
fn instcmd_for_the_driver_and_without_a_handler() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(
        c,
        b"INSTCMD load.off TRACKING 5678-ef\nINSTCMD beeper.on now TRACKING t2\n",
    );
    let reqs = requests(&mut hub);
    let [
        Request::InstCmd {
            call: first,
            cmd,
            param: None,
        },
        Request::InstCmd {
            call: second,
            param: Some(param),
            ..
        },
    ] = reqs.as_slice()
    else {
        panic!("two INSTCMDs: {reqs:?}");
    };
    assert_eq!((cmd.as_str(), param.as_str()), ("load.off", "now"));
    hub.handle_answer(*first, TrackingResult::Unknown);
    hub.handle_no_handler(*second);
    assert_eq!(output(&mut hub, c).0, "TRACKING 5678-ef 1\nTRACKING t2 1\n");
}

#[test]
fn killpower_needs_the_flag() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(c, b"INSTCMD driver.killpower TRACKING k1\n");
    assert!(requests(&mut hub).is_empty());
    assert_eq!(output(&mut hub, c).0, "TRACKING k1 2\n");
    assert!(!hub.killpower_allowed());
    hub.handle_input(c, b"SET driver.flag.allow_killpower \"yes\" TRACKING k2\n");
    assert!(hub.killpower_allowed());
    hub.handle_input(c, b"INSTCMD driver.killpower TRACKING k3\n");
    let reqs = requests(&mut hub);
    assert!(
        matches!(reqs.as_slice(), [Request::KillPower { .. }]),
        "{reqs:?}"
    );
    assert_eq!(output(&mut hub, c).0, "TRACKING k2 0\n");
    // Hidden (2.8.0 tree): neither the flag nor the command is published.
    assert_eq!(hub.state().get("driver.flag.allow_killpower"), None);
    assert!(!hub.state().tree().has_command("driver.killpower"));
}

#[test]
fn allow_killpower_values_read_like_nut() {
    for (value, allowed) in [
        ("1", true),
        ("7", true),
        ("0", false),
        ("-1", false),
        ("enabled", true),
        ("enable", true),
        ("true", true),
        ("on", true),
        ("yes", true),
        ("YES", false),
        ("off", false),
    ] {
        assert_eq!(parse_allow_killpower(value), allowed, "{value}");
    }
}

#[test]
fn shared_commands_become_requests() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(
        c,
        b"INSTCMD driver.exit\nINSTCMD driver.reload\nINSTCMD driver.reload-or-exit\n\
          INSTCMD driver.reload-or-error\nINSTCMD shutdown.default\n",
    );
    let reqs = requests(&mut hub);
    assert!(
        matches!(
            reqs.as_slice(),
            [
                Request::Exit { .. },
                Request::Reload {
                    kind: ReloadKind::Reload,
                    ..
                },
                Request::Reload {
                    kind: ReloadKind::OrExit,
                    ..
                },
                Request::Reload {
                    kind: ReloadKind::OrError,
                    ..
                },
                Request::ShutdownDefault { .. },
            ]
        ),
        "{reqs:?}"
    );
}

#[test]
fn set_driver_debug() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(c, b"SET driver.debug \"3\" TRACKING d1\nSET driver.debug \"-1\" TRACKING d2\nSET driver.debug \"x\" TRACKING d3\n");
    let mut levels = Vec::new();
    while let Some(event) = hub.poll_event() {
        if let Event::DebugLevel(level) = event {
            levels.push(level);
        }
    }
    assert_eq!(levels, [Some(3), None]);
    assert_eq!(
        output(&mut hub, c).0,
        "TRACKING d1 0\nTRACKING d2 0\nTRACKING d3 2\n"
    );
}

#[test]
fn advertised_shared_handler_publishes_newer_nuts_tree() {
    let mut options = HubOptions::new(1);
    options.advertise_shared = true;
    options.debug_level = 2;
    let mut hub = Hub::new(lab_state().0, options);
    assert_eq!(hub.state().get("driver.flag.allow_killpower"), Some("0"));
    assert_eq!(hub.state().get("driver.debug"), Some("2"));
    let cmds: Vec<&str> = hub.state().tree().commands().collect();
    assert_eq!(
        cmds,
        [
            "driver.killpower",
            "driver.reload",
            "driver.reload-or-error",
            "driver.reload-or-exit",
            "load.off",
            "shutdown.default"
        ]
    );
    let c = hub.handle_connect();
    hub.handle_input(c, b"SET driver.flag.allow_killpower \"1\"\n");
    assert_eq!(
        output(&mut hub, c).0,
        "SETINFO driver.flag.allow_killpower \"1\"\n"
    );
}

#[test]
fn logout_says_goodbye_and_ignores_the_rest() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(c, b"LOGOUT\nPING\n");
    assert_eq!(output(&mut hub, c), ("OK Goodbye\n".to_owned(), true));
    assert_eq!(hub.client_count(), 0);
    hub.handle_input(c, b"PING\n");
    assert!(hub.poll_transmit().is_none());
}

#[test]
fn unknown_and_malformed_lines_are_logged_without_reply() {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    hub.handle_input(
        c,
        b"FOO bar\nINSTCMD\nINSTCMD a b c d e\nSET x\nSET v \"1\" NOPE id\nDUMPVALUE\n\"#\"\n",
    );
    assert_eq!(output(&mut hub, c).0, "");
    let logged = logs(&mut hub);
    assert_eq!(
        logged[..3],
        ["Unknown command on socket: ", "arg 0: FOO", "arg 1: bar"]
    );
    assert!(logged.iter().any(|l| l == "Malformed INSTCMD request"));
    assert!(
        logged
            .iter()
            .any(|l| l.starts_with("Got SET <var> with unsupported parameters"))
    );
    assert!(logged.iter().any(|l| l.starts_with("Parse error on sock:")));
    assert_eq!(
        logged
            .iter()
            .filter(|l| l.starts_with("Unknown command"))
            .count(),
        6
    );
    hub.handle_input(c, b"PING\n");
    assert_eq!(output(&mut hub, c).0, "PONG\n");
}

#[test]
fn a_client_that_goes_away_is_forgotten_and_its_answers_dropped() {
    let mut hub = lab_hub();
    let a = hub.handle_connect();
    let b = hub.handle_connect();
    hub.handle_input(a, b"SET ups.load \"1\" TRACKING x\n");
    let Some(Request::Set { call, .. }) = requests(&mut hub).pop() else {
        panic!("a SET");
    };
    hub.handle_disconnect(a);
    hub.state_mut().set_info("ups.load", "1");
    hub.handle_answer(call, TrackingResult::Handled);
    assert_eq!(output(&mut hub, b).0, "SETINFO ups.load \"1\"\n");
    assert_eq!(hub.client_count(), 1);
}

#[test]
fn a_client_past_its_backlog_is_dropped() {
    let mut options = HubOptions::new(1);
    options.max_client_backlog = REAL_DUMPALL.len();
    let mut hub = Hub::new(lab_state().0, options);
    let c = hub.handle_connect();
    hub.handle_input(c, b"DUMPALL\n");
    // Exactly at the limit: kept.
    assert!(hub.clients.get(&c).is_some_and(|s| !s.close));
    hub.handle_input(c, b"PING\n");
    // One byte more: dropped, nothing sent.
    assert_eq!(output(&mut hub, c), (String::new(), true));
}

#[test]
fn an_update_overflow_drops_the_clients_so_they_dump_again() {
    let (mut state, _) = lab_state();
    state.set_max_pending_updates(2);
    let mut hub = Hub::new(state, HubOptions::new(1));
    let c = hub.handle_connect();
    for n in 0..5 {
        hub.state_mut().set_info("ups.load", &n.to_string());
    }
    assert_eq!(output(&mut hub, c), (String::new(), true));
}

/// Replies and driver requests for `input` fed in pieces cut at `cuts`.
fn run_chunked(input: &[u8], cuts: &[usize]) -> (String, Vec<Request>) {
    let mut hub = lab_hub();
    let c = hub.handle_connect();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([input.len()]) {
        hub.handle_input(c, &input[start..cut]);
        start = cut;
    }
    let requests = requests(&mut hub);
    let mut text = Vec::new();
    while let Some(t) = hub.poll_transmit() {
        text.extend(t.data);
    }
    (String::from_utf8_lossy(&text).into_owned(), requests)
}

proptest::proptest! {
    #[test]
    fn chunking_does_not_change_anything(cuts in proptest::collection::vec(0usize..400, 0..12)) {
        let input: &[u8] = b"PING\nDUMPSTATUS\nGETPID\nSET ups.load \"7\" TRACKING a\nFOO bar\n\
            INSTCMD load.off x TRACKING b\nDUMPVALUE ups.mfr\nNOBROADCAST\nBROADCAST\nLOGOUT\nPING\n";
        proptest::prop_assert_eq!(run_chunked(input, &cuts), run_chunked(input, &[]));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        bytes in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..4096)
    ) {
        let mut hub = lab_hub();
        let c = hub.handle_connect();
        hub.handle_input(c, &bytes);
        while hub.poll_event().is_some() {}
        let mut total = 0;
        while let Some(t) = hub.poll_transmit() {
            total += t.data.len();
        }
        proptest::prop_assert!(total <= MAX_CLIENT_BACKLOG);
    }
}
