//! upsrw against the fake upsd: the listing for every type (ENUM and RANGE
//! included, which dummy-ups never publishes), setting values, tracking.

use crate::fake_upsd::{FakeUpsd, line, standard};
use crate::support::{Output, Run, run, run_with};

/// Runs upsrw with `args`, then `-u a -p b` and the fake's UPS `ups`.
fn run_as_user(fake: &FakeUpsd, args: &[&str]) -> Output {
    let target = fake.target("ups");
    let mut all = args.to_vec();
    all.extend(["-u", "a", "-p", "b", target.as_str()]);
    run("upsrw", &all)
}

#[test]
fn lists_every_kind_of_writable_variable() {
    let fake = FakeUpsd::start(standard);
    let out = run("upsrw", &[&fake.target("ups")]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.stdout,
        "[input.transfer.high]\n\
         Description unavailable\n\
         Type: ENUM NUMBER\n\
         Option: \"253\"\n\
         Option: \"264\" SELECTED\n\
         \n\
         [ups.beeper]\n\
         Description unavailable\n\
         Type: ENUM STRING\n\
         Maximum length: 10\n\
         Option: \"enabled\" SELECTED\n\
         Option: \"disabled\"\n\
         \n\
         [ups.delay.shutdown]\n\
         Description unavailable\n\
         Type: RANGE NUMBER\n\
         Option: \"12-600\" SELECTED\n\
         Option: \"900-1200\"\n\
         \n\
         [ups.id]\n\
         UPS system identifier\n\
         Type: STRING\n\
         Maximum length: 8\n\
         Value: rack1\n\
         \n\
         [ups.mystery]\n\
         Description unavailable\n\
         Type: FANCY (unrecognized)\n\
         Type: NUMBER\n\
         Value: x\n\
         \n\
         [ups.untyped]\n\
         Description unavailable\n\
         Unknown type\n\
         \n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn a_value_that_cannot_be_read_ends_the_listing_with_nuts_message() {
    let fake = FakeUpsd::start(|request| match request {
        "GET VAR ups ups.beeper" => line("ERR DATA-STALE"),
        other => standard(other),
    });
    let out = run("upsrw", &[&fake.target("ups")]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr,
        "do_enum: can't get current value of ups.beeper\n"
    );
    // What came before the failure was printed, as NUT does.
    assert!(
        out.stdout
            .ends_with("[ups.beeper]\nDescription unavailable\n"),
        "{out:?}"
    );
}

#[test]
fn sets_a_value_escaped_and_quoted() {
    let fake = FakeUpsd::start(standard);
    let how = Run::default().env("NUT_QUIET_OK_NOTRACKING", "true");
    let out = run_with(
        "upsrw",
        &[
            "-s",
            "ups.id=a \"b\" \\c",
            "-u",
            "admin",
            "-p",
            "pw",
            &fake.target("ups"),
        ],
        &how,
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(0), "OK\n"),
        "{out:?}"
    );
    assert_eq!(
        fake.requests(),
        [
            "USERNAME admin",
            "PASSWORD pw",
            "SET VAR ups ups.id \"a \\\"b\\\" \\\\c\""
        ]
    );
}

#[test]
fn prompts_for_the_value_and_credentials() {
    let fake = FakeUpsd::start(standard);
    let how = Run::stdin("admin\npw\nrack2\n").env("NUT_QUIET_OK_NOTRACKING", "true");
    let out = run_with("upsrw", &["-s", "ups.id", &fake.target("ups")], &how);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.ends_with("): Enter new value for ups.id: "),
        "{out:?}"
    );
    assert_eq!(out.stderr, "Password: OK\n");
    assert!(
        fake.requests()
            .contains(&"SET VAR ups ups.id \"rack2\"".to_owned())
    );
}

#[test]
fn refusals_and_old_names() {
    let fake = FakeUpsd::start(|request| match request {
        r if r.starts_with("SET VAR ups driver.name") => line("ERR READONLY"),
        other => standard(other),
    });
    let out = run_as_user(&fake, &["-s", "driver.name=x"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(1), "Unexpected response from upsd: ERR READONLY\n")
    );
    let out = run_as_user(&fake, &["-s", "nodot=1"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(1), "Error: old variable names are not supported\n")
    );
}

#[test]
fn waits_for_the_tracked_result() {
    let id = "A1A92221-D7B0-4459-9B6C-FB7698573C37";
    let fake = FakeUpsd::start(move |request| {
        if request.starts_with("SET VAR") {
            return line(&format!("OK TRACKING {id}"));
        }
        if request.starts_with("GET TRACKING") {
            return line("SUCCESS");
        }
        standard(request)
    });
    let out = run_as_user(&fake, &["-w", "-s", "ups.id=x"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(0), "SUCCESS\n"),
        "{out:?}"
    );
}

#[test]
fn version_goes_to_stdout_with_the_program_name() {
    let out = run("upsrw", &["-V"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "Network UPS Tools upsrw 2.8.0\n")
    );
}
