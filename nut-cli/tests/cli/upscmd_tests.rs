//! upscmd against the fake upsd: listing, the wire form of the request,
//! prompts, tracking, and the OK warning of newer NUT.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::fake_upsd::{FakeUpsd, Reply, line, standard};
use crate::support::{Run, run, run_with};

const TRACKING_ID: &str = "F4FDCBB1-0A84-454E-8DBC-E8FC81FCD5E4";

#[test]
fn lists_commands_with_descriptions_or_bare_names() {
    let fake = FakeUpsd::start(standard);
    let out = run("upscmd", &["-l", &fake.target("ups")]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.stdout,
        "Instant commands supported on UPS [ups]:\n\nbeeper.toggle - Toggle the UPS beeper\nload.off\n"
    );
    let out = run("upscmd", &["-l", &fake.target("nosuch")]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(1), "Error: Unknown UPS\n")
    );
}

#[test]
fn sends_credentials_then_the_command_with_its_value_unquoted() {
    let fake = FakeUpsd::start(standard);
    let how = Run::default().env("NUT_QUIET_OK_NOTRACKING", "true");
    let out = run_with(
        "upscmd",
        &[
            "-u",
            "admin",
            "-p",
            "pw",
            &fake.target("ups"),
            "load.off",
            "5 s",
        ],
        &how,
    );
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(0), "", "OK\n")
    );
    assert_eq!(
        fake.requests(),
        ["USERNAME admin", "PASSWORD pw", "INSTCMD ups load.off 5 s"]
    );
}

#[test]
fn plain_ok_warns_unless_quieted() {
    // NUT 2.8.1+ warns that OK only means "accepted"; Debian's 2.8.0 does not.
    let fake = FakeUpsd::start(standard);
    let args = ["-u", "a", "-p", "b", &fake.target("ups"), "load.off"];
    let out = run("upscmd", &args);
    assert_eq!(out.code, Some(0));
    assert!(
        out.stderr
            .starts_with("OK\nWARNING: 'OK' only means the NUT data server accepted\n")
    );
    assert!(
        out.stderr
            .ends_with("or use -w [-t SEC] option(s) to track the actual outcome.\n")
    );
    let quiet = run_with(
        "upscmd",
        &args,
        &Run::default().env("NUT_QUIET_OK_NOTRACKING", "true"),
    );
    assert_eq!(quiet.stderr, "OK\n");
    let not_exactly_true = run_with(
        "upscmd",
        &args,
        &Run::default().env("NUT_QUIET_OK_NOTRACKING", "yes"),
    );
    assert_ne!(not_exactly_true.stderr, "OK\n");
}

#[test]
fn server_refusals_are_unexpected_responses() {
    let fake = FakeUpsd::start(|request| match request {
        "INSTCMD ups load.off" => line("ERR ACCESS-DENIED"),
        other => standard(other),
    });
    let out = run(
        "upscmd",
        &["-u", "a", "-p", "b", &fake.target("ups"), "load.off"],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            Some(1),
            "Unexpected response from upsd: ERR ACCESS-DENIED\n"
        )
    );
}

#[test]
fn prompts_read_a_pipe_like_nut() {
    let fake = FakeUpsd::start(standard);
    let how = Run::stdin("admin\nsecret\n").env("NUT_QUIET_OK_NOTRACKING", "true");
    let out = run_with("upscmd", &[&fake.target("ups"), "load.off"], &how);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.starts_with("Username ("), "{out:?}");
    assert!(out.stdout.ends_with("): "), "{out:?}");
    assert_eq!(out.stderr, "Password: OK\n");
    assert_eq!(fake.requests()[..2], ["USERNAME admin", "PASSWORD secret"]);

    let out = run_with(
        "upscmd",
        &[&fake.target("ups"), "load.off"],
        &Run::stdin(""),
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(1), "Error reading from stdin!\n")
    );
}

#[test]
fn waits_for_the_tracked_result() {
    let polls = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&polls);
    let fake = FakeUpsd::start(move |request| {
        if request.starts_with("INSTCMD") {
            return line(&format!("OK TRACKING {TRACKING_ID}"));
        }
        if request == format!("GET TRACKING {TRACKING_ID}") {
            return if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                line("PENDING")
            } else {
                line("SUCCESS")
            };
        }
        standard(request)
    });
    let out = run(
        "upscmd",
        &["-w", "-u", "a", "-p", "b", &fake.target("ups"), "load.off"],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(0), "SUCCESS\n"),
        "{out:?}"
    );
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    assert!(fake.requests().contains(&"SET TRACKING ON".to_owned()));
}

#[test]
fn tracked_failures_exit_0_and_timeouts_exit_1() {
    let fake = FakeUpsd::start(|request| {
        if request.starts_with("INSTCMD ups load.off") {
            return line(&format!("OK TRACKING {TRACKING_ID}"));
        }
        if request.starts_with("INSTCMD ups load.on") {
            return line("OK TRACKING 00000000-0000-0000-0000-000000000000");
        }
        if request == format!("GET TRACKING {TRACKING_ID}") {
            return line("ERR UNKNOWN");
        }
        if request.starts_with("GET TRACKING") {
            return line("PENDING");
        }
        standard(request)
    });
    // As NUT: the driver's refusal is printed, but the exit code stays 0.
    let out = run(
        "upscmd",
        &["-w", "-u", "a", "-p", "b", &fake.target("ups"), "load.off"],
    );
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), "ERR UNKNOWN\n"));
    let out = run(
        "upscmd",
        &[
            "-w",
            "-t",
            "1",
            "-u",
            "a",
            "-p",
            "b",
            &fake.target("ups"),
            "load.on",
        ],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            Some(1),
            "Can't receive status tracking information: timeout\n"
        )
    );
}

#[test]
fn refused_tracking_is_fatal() {
    let fake = FakeUpsd::start(|request| match request {
        "SET TRACKING ON" => line("ERR FEATURE-NOT-SUPPORTED"),
        other => standard(other),
    });
    let out = run(
        "upscmd",
        &["-w", "-u", "a", "-p", "b", &fake.target("ups"), "load.off"],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            Some(1),
            "Enabling command status tracking failed. upsd answered: ERR FEATURE-NOT-SUPPORTED\n"
        )
    );
}

#[test]
fn disconnect_during_the_command() {
    let fake = FakeUpsd::start(|request| {
        if request.starts_with("INSTCMD") {
            return Reply::RawThenClose(String::new());
        }
        standard(request)
    });
    let out = run(
        "upscmd",
        &["-u", "a", "-p", "b", &fake.target("ups"), "load.off"],
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(1), "Instant command failed: Server disconnected\n")
    );
}

#[test]
fn usage_and_option_errors() {
    let out = run("upscmd", &[]);
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout
            .starts_with("Network UPS Tools upscmd 2.8.0\n\nusage: upscmd [-h]\n")
    );
    let out = run("upscmd", &["-t", "5x", "ups", "load.off"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            Some(1),
            "Could not convert the provided value for timeout ('-t' option) to unsigned int: \
             Invalid argument\n"
        )
    );
    let out = run("upscmd", &["-u"]);
    assert_eq!(out.stderr, "upscmd: option requires an argument -- 'u'\n");
}
