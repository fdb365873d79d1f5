//! upsc against the fake upsd: listings, JSON (NUT 2.8.5+), errors, broken
//! replies, and a closed stdout.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fake_upsd::{FakeUpsd, Reply, line, standard};
use crate::support::{SSL_NOTICE, after_notice, free_port, run, wait_until};

#[test]
fn lists_variables_upses_descriptions_and_clients() {
    let fake = FakeUpsd::start(standard);
    let out = run("upsc", &[&fake.target("ups")]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.stdout,
        "battery.charge: 100\ndevice.model: Model \"X\" \\ 1\nups.status: OL CHRG\n"
    );
    assert_eq!(
        run("upsc", &[&fake.target("ups"), "ups.status"]).stdout,
        "OL CHRG\n"
    );
    assert_eq!(run("upsc", &["-l", &fake.host()]).stdout, "ups\nother\n");
    assert_eq!(
        run("upsc", &["-L", &fake.host()]).stdout,
        "ups: Fake \"quoted\" UPS\nother: Description unavailable\n"
    );
    assert_eq!(
        run("upsc", &["-c", &fake.target("ups")]).stdout,
        "127.0.0.1\n::1\n"
    );
}

#[test]
fn server_errors_print_nut_messages_and_exit_1() {
    let fake = FakeUpsd::start(standard);
    for (args, message) in [
        (vec![fake.target("nosuch")], "Error: Unknown UPS\n"),
        (
            vec![fake.target("ups"), "no.such".into()],
            "Error: Variable not supported by UPS\n",
        ),
        (
            vec![fake.target("ups"), "nodot".into()],
            "Error: old-style variable names are not supported\n",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run("upsc", &args);
        assert_eq!((out.code, out.stdout.as_str()), (Some(1), ""), "{args:?}");
        assert_eq!(out.stderr, after_notice(message), "{args:?}");
    }
}

#[test]
fn json_output_follows_nut_2_8_5() {
    // `-j` does not exist in Debian's NUT 2.8.0: these follow current NUT.
    let fake = FakeUpsd::start(standard);
    let out = run("upsc", &["-j", &fake.target("ups")]);
    assert_eq!(
        out.stdout,
        "{\n  \"battery.charge\": \"100\",\n  \"device.model\": \"Model \\\"X\\\" \\\\ 1\",\n  \
         \"ups.status\": \"OL CHRG\"\n}\n"
    );
    assert_eq!(
        run("upsc", &["-j", &fake.target("ups"), "ups.status"]).stdout,
        "\"OL CHRG\"\n"
    );
    assert_eq!(
        run("upsc", &["-j", "-l", &fake.host()]).stdout,
        "[\n  \"ups\",\n  \"other\"\n]\n"
    );
    assert_eq!(
        run("upsc", &["-j", "-L", &fake.host()]).stdout,
        "{\n  \"ups\": \"Fake \\\"quoted\\\" UPS\",\n  \"other\": \"Description unavailable\"\n}\n"
    );
    assert_eq!(
        run("upsc", &["-j", "-c", &fake.target("ups")]).stdout,
        "[\n  \"127.0.0.1\",\n  \"::1\"\n]\n"
    );
    let listing_error = run("upsc", &["-j", &fake.target("nosuch")]);
    assert_eq!(listing_error.code, Some(1));
    assert_eq!(listing_error.stdout, "{\n  \"error\": \"Unknown UPS\"\n}\n");
    assert_eq!(listing_error.stderr, after_notice("Error: Unknown UPS\n"));
    let value_error = run("upsc", &["-j", &fake.target("ups"), "no.such"]);
    assert_eq!(
        value_error.stdout,
        "{\"error\": \"Variable not supported by UPS\"}\n"
    );
    assert_eq!(value_error.code, Some(1));
}

#[test]
fn json_empty_list_is_an_empty_array() {
    let fake = FakeUpsd::start(|request| match request {
        "LIST UPS" => Reply::Lines(vec!["BEGIN LIST UPS".into(), "END LIST UPS".into()]),
        other => standard(other),
    });
    assert_eq!(run("upsc", &["-j", "-l", &fake.host()]).stdout, "[]\n");
    assert_eq!(run("upsc", &["-l", &fake.host()]).stdout, "");
}

#[test]
fn connection_closed_in_the_middle_of_a_list_is_an_error_not_a_partial_success() {
    // NUT 2.8.0 prints the partial list and exits 0; we refuse to pass a
    // truncated listing off as complete.
    let fake = FakeUpsd::start(|request| match request {
        "LIST VAR ups" => {
            Reply::RawThenClose("BEGIN LIST VAR ups\nVAR ups battery.charge \"100\"\n".into())
        }
        "LIST UPS" => Reply::RawThenClose("BEGIN LIST UPS\nUPS ups \"x\"\nUPS oth".into()),
        other => standard(other),
    });
    let started = Instant::now();
    let out = run("upsc", &[&fake.target("ups")]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, after_notice("Error: Server disconnected\n"));
    let out = run("upsc", &["-L", &fake.host()]);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stderr, after_notice("Error: Server disconnected\n"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn malformed_and_truncated_replies_fail_cleanly() {
    let fake = FakeUpsd::start(|request| match request {
        "GET VAR ups ups.status" => line("VAR ups \"unterminated"),
        "GET VAR ups battery.charge" => line("SOMETHING ELSE entirely"),
        "GET VAR ups ups.load" => Reply::RawThenClose("VAR ups ups.load \"4".into()),
        "LIST VAR ups" => Reply::Lines(vec!["BEGIN LIST VAR ups".into(), "GARBAGE".into()]),
        other => standard(other),
    });
    for args in [
        vec![fake.target("ups"), "ups.status".into()],
        vec![fake.target("ups"), "battery.charge".into()],
        vec![fake.target("ups"), "ups.load".into()],
        vec![fake.target("ups")],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run("upsc", &args);
        assert_eq!(out.code, Some(1), "{args:?}: {out:?}");
        let message = out.stderr.strip_prefix(SSL_NOTICE).unwrap_or_default();
        assert!(message.starts_with("Error: "), "{args:?}: {out:?}");
        assert_eq!(message.lines().count(), 1, "{args:?}: {out:?}");
    }
}

#[test]
fn a_silent_server_times_out_instead_of_hanging() {
    let fake = FakeUpsd::start(|request| match request {
        "LIST VAR ups" => Reply::Silence,
        other => standard(other),
    });
    let started = Instant::now();
    let out = run("upsc", &[&fake.target("ups")]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(
        out.stderr,
        after_notice("Error: Read error: Connection timed out\n")
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn connection_refused_and_unknown_host() {
    let port = free_port().expect("free port");
    let out = run("upsc", &[&format!("ups@127.0.0.1:{port}")]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr,
        "Error: Connection failure: Connection refused\n"
    );
    let out = run("upsc", &["-l", "nosuch.invalid"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (Some(1), "Error: No such host\n")
    );
}

#[test]
fn argument_errors_and_usage() {
    let out = run("upsc", &[]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            Some(1),
            "Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]\n"
        )
    );
    let out = run("upsc", &["-l", "host:0"]);
    assert_eq!(
        out.stderr,
        "upscli_splitaddr: no port specified after ':' separator\n\
         Error: invalid hostname.\nRequired format: [hostname[:port]]\n"
    );
    // NUT prints the usage for a bad option and exits 0.
    let out = run("upsc", &["-x"]);
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stderr, "upsc: invalid option -- 'x'\n");
    assert!(
        out.stdout
            .starts_with("Network UPS Tools upsc 2.8.0\n\nusage: upsc -l")
    );
    // ...and -V names upscmd, on stderr (NUT's own copy-paste slip, kept).
    let out = run("upsc", &["-V"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(0), "", "Network UPS Tools upscmd 2.8.0\n")
    );
}

#[test]
fn closed_stdout_is_a_quiet_success() {
    let fake = FakeUpsd::start(|request| match request {
        "LIST VAR ups" => {
            let mut lines = vec!["BEGIN LIST VAR ups".to_owned()];
            lines.extend(
                (0..5000).map(|i| format!("VAR ups test.var{i:05} \"{}\"", "v".repeat(40))),
            );
            lines.push("END LIST VAR ups".into());
            Reply::Lines(lines)
        }
        other => standard(other),
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_upsc"))
        .arg(fake.target("ups"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("upsc runs");
    let mut first = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("one line");
    // The reader is gone now: upsc's further writes hit a closed pipe.
    let status = wait_until(&mut child, Instant::now() + Duration::from_secs(20));
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        std::io::Read::read_to_string(&mut err, &mut stderr).expect("stderr");
    }
    assert!(first.starts_with("test.var00000: "));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, SSL_NOTICE);
}

#[test]
fn odd_targets_ask_for_the_names_nut_asks_for() {
    // libupsclient splits `upsname@host` with strtok, so leading `@`s are
    // skipped: `@host:port` asks for a UPS named `host:port` (real upsc
    // 2.8.0 sends `LIST VAR 127.0.0.1:<port>`), and text after the port
    // is ignored.
    let fake = FakeUpsd::start(standard);
    let host = fake.host();
    let out = run("upsc", &[&format!("@{host}")]);
    assert_eq!(out.stderr, after_notice("Error: Unknown UPS\n"), "{out:?}");
    let out = run("upsc", &[&format!("ups@{host}@junk"), "ups.status"]);
    assert_eq!(out.stdout, "OL CHRG\n", "{out:?}");
    let asked: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("LIST") || r.starts_with("GET"))
        .collect();
    assert_eq!(
        asked,
        [
            format!("LIST VAR {host}"),
            "GET VAR ups ups.status".to_owned()
        ]
    );
}
