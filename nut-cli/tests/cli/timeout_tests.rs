//! `-W <secs>` (connect timeout, NUT 2.8.1+) of all four clients: the value
//! reaches the connection (seen through a recording [`Connector`], in
//! process), a bad value is fatal before any connection, and the built
//! binaries accept it against the fake upsd.

use std::cell::RefCell;
use std::time::Duration;

use nut_cli::connect::{Connector, Endpoint};
use nut_cli::console::{Console, ScriptedInput};
use nut_cli::session::{Session, SessionResult, UpsdError};
use nut_cli::{Error, upsc, upscmd, upslog, upsrw};

use crate::fake_upsd::{FakeUpsd, standard};
use crate::support::{Run, after_notice, run, run_with};

/// Records the connect timeout of every connection asked for, and refuses
/// them all (so each program stops right after its first connection).
#[derive(Default)]
struct RecordingConnector {
    timeouts: RefCell<Vec<Option<Duration>>>,
}

impl Connector for RecordingConnector {
    fn connect(
        &self,
        endpoint: Endpoint<'_>,
        _stderr: &mut dyn std::io::Write,
    ) -> SessionResult<Box<dyn Session>> {
        self.timeouts.borrow_mut().push(endpoint.connect_timeout);
        Err(UpsdError::new("Connection failure: refused by the test"))
    }
}

/// What an in-process run produced.
struct Outcome {
    /// The fatal message, if the program ended with one.
    fatal: Option<String>,
    stdout: String,
    /// Connect timeouts asked for, in order.
    timeouts: Vec<Option<Duration>>,
}

fn run_in_process(program: &str, args: &[&str]) -> Outcome {
    let args: Vec<String> = std::iter::once(program)
        .chain(args.iter().copied())
        .map(str::to_owned)
        .collect();
    let connector = RecordingConnector::default();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = ScriptedInput::new("");
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        input: &mut input,
    };
    let result = match program {
        "upsc" => upsc::run(&args, &mut console, &connector),
        "upscmd" => upscmd::run(&args, &mut console, &connector, true),
        "upsrw" => upsrw::run(&args, &mut console, &connector, true),
        "upslog" => upslog::run(&args, &mut console, &connector, false),
        other => panic!("unknown program {other}"),
    };
    let fatal = match result {
        Ok(()) => None,
        Err(Error::Fatal { message, code }) => {
            assert_eq!(code, 1, "{program} {args:?}: {message}");
            Some(message)
        }
        Err(e) => panic!("{program} {args:?}: {e}"),
    };
    Outcome {
        fatal,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        timeouts: connector.timeouts.into_inner(),
    }
}

/// A log file upslog cannot open, so that it stops after its first connect.
fn unopenable_log() -> String {
    let dir = std::env::temp_dir().join(format!("nut-cli-no-such-dir-{}", std::process::id()));
    assert!(!dir.exists(), "{} must not exist", dir.display());
    dir.join("x.log").display().to_string()
}

#[test]
fn the_timeout_reaches_the_connection_in_every_program() {
    const UPS: &str = "ups@127.0.0.1:1";
    let log = unopenable_log();
    let three = Some(Duration::from_secs(3));
    let cases: [(&str, Vec<&str>, Option<Duration>); 8] = [
        ("upsc", vec!["-W", "3", UPS], three),
        ("upsc", vec!["-W0", UPS], Some(Duration::ZERO)),
        (
            "upsc",
            vec!["-l", "-W", "2.5", "localhost:1"],
            Some(Duration::from_millis(2500)),
        ),
        ("upsc", vec![UPS], None),
        ("upscmd", vec!["-W", "3", UPS, "test.battery.start"], three),
        ("upscmd", vec!["-l", UPS], None),
        ("upsrw", vec!["-W3", UPS], three),
        ("upslog", vec!["-W", "3", "-s", UPS, "-l", &log], three),
    ];
    for (program, args, expected) in cases {
        let outcome = run_in_process(program, &args);
        assert_eq!(outcome.timeouts, [expected], "{program} {args:?}");
        assert!(outcome.fatal.is_some(), "{program} {args:?}");
    }
}

#[test]
fn a_bad_timeout_is_fatal_before_connecting() {
    let log = unopenable_log();
    let cases: [(&str, Vec<&str>); 6] = [
        ("upsc", vec!["-W", "soon", "ups@127.0.0.1:1"]),
        ("upsc", vec!["-W", "-1", "-l"]),
        ("upscmd", vec!["-W", "1x", "ups@127.0.0.1:1", "cmd"]),
        // NUT checks -W before it looks at the operands.
        ("upsrw", vec!["-W", "inf"]),
        (
            "upslog",
            vec!["-W", "", "-s", "ups@127.0.0.1:1", "-l", &log],
        ),
        ("upslog", vec!["-W", "nan", "a", "b"]),
    ];
    for (program, args) in cases {
        let outcome = run_in_process(program, &args);
        let value = args[1];
        assert_eq!(
            outcome.fatal.as_deref(),
            Some(format!("Error: invalid network timeout: {value}").as_str()),
            "{program} {args:?}"
        );
        assert!(outcome.timeouts.is_empty(), "{program} {args:?}");
    }
}

#[test]
fn a_bad_timeout_with_json_output_is_a_one_line_error_object() {
    let outcome = run_in_process("upsc", &["-j", "-W", "x", "-l"]);
    assert_eq!(
        outcome.stdout,
        "{\"error\": \"invalid network timeout: x\"}\n"
    );
    assert_eq!(
        outcome.fatal.as_deref(),
        Some("Error: invalid network timeout: x")
    );
}

#[test]
fn binaries_accept_the_option_against_a_live_server() {
    let fake = FakeUpsd::start(standard);
    let target = fake.target("ups");
    // An explicit -W wins over a broken environment default.
    let how = Run::default().env("NUT_DEFAULT_CONNECT_TIMEOUT", "garbage");
    for args in [
        vec!["-W", "1", target.as_str(), "ups.status"],
        vec!["-W0", target.as_str(), "ups.status"],
    ] {
        let out = run_with("upsc", &args, &how);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (Some(0), "OL CHRG\n"),
            "{out:?}"
        );
    }
    let out = run("upsc", &["-W", "bogus", &target, "ups.status"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "Error: invalid network timeout: bogus\n");
    let out = run("upsrw", &["-W", "2", &target]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.starts_with('['), "{out:?}");
}

#[test]
fn a_connection_failure_after_w_is_reported_as_usual() {
    let fake = FakeUpsd::start(standard);
    let out = run("upsc", &["-W", "1", &fake.target("nosuch")]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stderr, after_notice("Error: Unknown UPS\n"));
}
