use super::*;
use crate::tokenizer::{MAX_WORD_LEN, MAX_WORDS, split_line};

/// dummy-ups 2.8.0's reply to DUMPALL, byte for byte (real-nut-lab §8.2).
const DUMMY_DUMP: &str = "\
SETINFO battery.charge \"100\"
SETFLAGS battery.charge RW
SETINFO battery.runtime \"1800\"
SETFLAGS battery.runtime RW
SETINFO battery.voltage \"27.3\"
SETFLAGS battery.voltage RW
SETINFO device.mfr \"Acme\"
SETAUX device.mfr 32
SETFLAGS device.mfr RW STRING
SETINFO device.model \"Simulated 1500\"
SETAUX device.model 32
SETFLAGS device.model RW STRING
SETINFO device.serial \"SIM0001\"
SETINFO device.type \"ups\"
SETINFO driver.name \"dummy-ups\"
SETINFO driver.parameter.mode \"dummy-once\"
SETINFO driver.parameter.pollinterval \"2\"
SETINFO driver.parameter.port \"dummy.dev\"
SETINFO driver.parameter.synchronous \"auto\"
SETINFO driver.version \"2.8.0\"
SETINFO driver.version.internal \"0.15\"
SETINFO input.frequency \"50.0\"
SETFLAGS input.frequency RW
SETINFO input.voltage \"230.0\"
SETFLAGS input.voltage RW
SETINFO output.voltage \"230.0\"
SETFLAGS output.voltage RW
SETINFO ups.delay.shutdown \"20\"
SETFLAGS ups.delay.shutdown RW
SETINFO ups.delay.start \"30\"
SETFLAGS ups.delay.start RW
SETINFO ups.load \"23\"
SETFLAGS ups.load RW
SETINFO ups.mfr \"Acme\"
SETAUX ups.mfr 32
SETFLAGS ups.mfr RW STRING
SETINFO ups.model \"Simulated 1500\"
SETAUX ups.model 32
SETFLAGS ups.model RW STRING
SETINFO ups.serial \"SIM0001\"
SETAUX ups.serial 32
SETFLAGS ups.serial RW STRING
SETINFO ups.status \"OL\"
SETAUX ups.status 32
SETFLAGS ups.status RW STRING
ADDCMD load.off
DATAOK
DUMPDONE
";

/// Lines of the serial drivers' dumps (real-nut-lab §8.2).
const SERIAL_LINES: &[&str] = &[
    "ADDRANGE ups.delay.shutdown 12 600",
    "SETFLAGS ups.delay.shutdown RW NUMBER",
    "ADDRANGE ups.delay.start 0 599940",
    "SETINFO driver.version.usb \"libusb-1.0.26 (API: 0x1000109)\"",
    "ADDCMD beeper.toggle",
    "SETINFO battery.date \"01/01/20\"",
    "SETAUX battery.date 8",
    "ADDENUM input.transfer.high \"253\"",
    "SETINFO ups.delay.shutdown \"020\"",
];

fn driver(line: &str) -> Result<DriverMessage, DecodeError> {
    DriverMessage::decode(&split_line(line).expect("tokenizes"))
}

fn driver_nut(line: &str) -> Result<DriverMessage, DecodeError> {
    DriverMessage::decode_with(&split_line(line).expect("tokenizes"), DecodeOptions::NUT)
}

fn client(line: &str) -> Result<ClientMessage, DecodeError> {
    ClientMessage::decode(&split_line(line).expect("tokenizes"))
}

fn client_nut(line: &str) -> Result<ClientMessage, DecodeError> {
    ClientMessage::decode_with(&split_line(line).expect("tokenizes"), DecodeOptions::NUT)
}

fn encoded(message: &impl WireMessage) -> String {
    let mut out = Vec::new();
    message.encode(&mut out);
    String::from_utf8(out).expect("ascii")
}

fn kind<M: fmt::Debug>(result: Result<M, DecodeError>) -> DecodeErrorKind {
    result.expect_err("should not decode").kind
}

fn s(text: &str) -> String {
    text.to_owned()
}

#[test]
fn real_driver_lines_re_encode_byte_exact() {
    let lines = DUMMY_DUMP.lines().chain(SERIAL_LINES.iter().copied());
    for line in lines {
        let message = driver(line).expect("decodes");
        assert!(!matches!(message, DriverMessage::Unknown { .. }), "{line}");
        assert_eq!(encoded(&message), format!("{line}\n"));
        assert_eq!(message.to_string(), line);
    }
}

#[test]
fn driver_lines_decode_to_typed_values() {
    let cases = [
        (
            "SETINFO ups.status \"OB LB\"",
            DriverMessage::SetInfo {
                var: s("ups.status"),
                value: s("OB LB"),
            },
        ),
        (
            "DELINFO ups.alarm",
            DriverMessage::DelInfo {
                var: s("ups.alarm"),
            },
        ),
        (
            "ADDENUM input.transfer.high \"253\"",
            DriverMessage::AddEnum {
                var: s("input.transfer.high"),
                value: s("253"),
            },
        ),
        (
            "DELENUM x \"a b\"",
            DriverMessage::DelEnum {
                var: s("x"),
                value: s("a b"),
            },
        ),
        (
            "ADDRANGE ups.delay.start 0 599940",
            DriverMessage::AddRange {
                var: s("ups.delay.start"),
                min: 0,
                max: 599_940,
            },
        ),
        (
            "DELRANGE x -5 5",
            DriverMessage::DelRange {
                var: s("x"),
                min: -5,
                max: 5,
            },
        ),
        (
            "SETAUX ups.id 8",
            DriverMessage::SetAux {
                var: s("ups.id"),
                aux: 8,
            },
        ),
        (
            "SETFLAGS x RW FUTURE",
            DriverMessage::SetFlags {
                var: s("x"),
                flags: vec![VarFlag::Rw, VarFlag::Other(s("FUTURE"))],
            },
        ),
        (
            "SETFLAGS x",
            DriverMessage::SetFlags {
                var: s("x"),
                flags: vec![],
            },
        ),
        (
            "ADDCMD load.off",
            DriverMessage::AddCmd { cmd: s("load.off") },
        ),
        (
            "DELCMD load.off",
            DriverMessage::DelCmd { cmd: s("load.off") },
        ),
        ("DUMPDONE", DriverMessage::DumpDone),
        ("DATAOK", DriverMessage::DataOk),
        ("DATASTALE", DriverMessage::DataStale),
        ("PONG", DriverMessage::Pong),
        ("PID 4242", DriverMessage::Pid { pid: s("4242") }),
        (
            "TRACKING 5678-ef 1",
            DriverMessage::Tracking {
                id: s("5678-ef"),
                result: TrackingResult::Unknown,
            },
        ),
        ("OK Goodbye", DriverMessage::Goodbye),
    ];
    for (line, expected) in cases {
        assert_eq!(driver(line), Ok(expected.clone()), "{line}");
        assert_eq!(encoded(&expected), format!("{line}\n"));
    }
}

#[test]
fn client_lines_from_real_upsd_decode_and_re_encode() {
    let cases = [
        ("PING", ClientMessage::Ping),
        ("DUMPALL", ClientMessage::DumpAll),
        (
            "DUMPVALUE ups.status",
            ClientMessage::DumpValue {
                var: s("ups.status"),
            },
        ),
        ("DUMPSTATUS", ClientMessage::DumpStatus),
        ("GETPID", ClientMessage::GetPid),
        ("NOBROADCAST", ClientMessage::NoBroadcast),
        ("BROADCAST", ClientMessage::Broadcast { level: None }),
        ("BROADCAST 0", ClientMessage::Broadcast { level: Some(0) }),
        ("LOGOUT", ClientMessage::Logout),
        (
            "SET ups.load \"44\"",
            ClientMessage::Set {
                var: s("ups.load"),
                value: s("44"),
                tracking: None,
            },
        ),
        (
            "SET ups.load \"45\" TRACKING 2DDC5036-F665-4D29-BE4C-0374D091D263",
            ClientMessage::Set {
                var: s("ups.load"),
                value: s("45"),
                tracking: Some(s("2DDC5036-F665-4D29-BE4C-0374D091D263")),
            },
        ),
        (
            "INSTCMD load.off",
            ClientMessage::InstCmd {
                cmd: s("load.off"),
                param: None,
                tracking: None,
            },
        ),
        (
            "INSTCMD test.battery.start TRACKING 98C489FD-821C-4132-9D93-4F6590B55E63",
            ClientMessage::InstCmd {
                cmd: s("test.battery.start"),
                param: None,
                tracking: Some(s("98C489FD-821C-4132-9D93-4F6590B55E63")),
            },
        ),
        (
            "INSTCMD load.off 5 TRACKING B209",
            ClientMessage::InstCmd {
                cmd: s("load.off"),
                param: Some(s("5")),
                tracking: Some(s("B209")),
            },
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(client(line), Ok(expected.clone()), "{line}");
        assert_eq!(encoded(&expected), format!("{line}\n"));
    }
}

#[test]
fn commands_are_matched_without_case_and_written_upper_case() {
    assert_eq!(
        driver("setinfo ups.load \"5\""),
        Ok(DriverMessage::SetInfo {
            var: s("ups.load"),
            value: s("5")
        })
    );
    assert_eq!(driver("ok goodbye"), Ok(DriverMessage::Goodbye));
    let message = client("instcmd load.off tracking id1").expect("decodes");
    assert_eq!(encoded(&message), "INSTCMD load.off TRACKING id1\n");
}

#[test]
fn unknown_lines_keep_their_words() {
    assert_eq!(
        client("FOO bar"),
        Ok(ClientMessage::Unknown {
            words: vec![s("FOO"), s("bar")]
        })
    );
    // TRACKING is a driver line, not a client command.
    assert!(matches!(
        client("TRACKING 1 0"),
        Ok(ClientMessage::Unknown { .. })
    ));
    assert!(matches!(driver("PING"), Ok(DriverMessage::Unknown { .. })));
    assert!(matches!(driver("OK"), Ok(DriverMessage::Unknown { .. })));
    assert!(matches!(
        driver("OK TRACKING x"),
        Ok(DriverMessage::Unknown { .. })
    ));
    let unknown = DriverMessage::Unknown {
        words: vec![s("FUTURE"), s("a b"), s("")],
    };
    assert_eq!(encoded(&unknown), "FUTURE \"a b\" \"\"\n");
}

#[test]
fn empty_lines_are_errors() {
    assert_eq!(
        DriverMessage::decode::<&str>(&[]).map_err(|e| e.kind),
        Err(DecodeErrorKind::Empty)
    );
    assert_eq!(
        ClientMessage::decode::<&str>(&[]).map_err(|e| e.kind),
        Err(DecodeErrorKind::Empty)
    );
}

#[test]
fn wrong_argument_counts_name_the_command() {
    assert_eq!(
        kind(driver("SETINFO ups.load")),
        DecodeErrorKind::ArgCount {
            command: "SETINFO",
            expected: "2",
            got: 1
        }
    );
    assert_eq!(
        kind(driver("SETFLAGS")),
        DecodeErrorKind::ArgCount {
            command: "SETFLAGS",
            expected: "at least 1",
            got: 0
        }
    );
    assert_eq!(
        kind(client("DUMPVALUE")),
        DecodeErrorKind::ArgCount {
            command: "DUMPVALUE",
            expected: "1",
            got: 0
        }
    );
    assert_eq!(
        kind(client("INSTCMD")),
        DecodeErrorKind::ArgCount {
            command: "INSTCMD",
            expected: "1 to 4",
            got: 0
        }
    );
    let short = client("DUMPVALUE").expect_err("no variable");
    assert_eq!(
        short.to_string(),
        "socket DUMPVALUE takes 1 argument, got 0: `DUMPVALUE`"
    );
    let error = driver("SETINFO ups.load").expect_err("one argument short");
    assert_eq!(
        error.at_line(3).to_string(),
        "socket line 3: SETINFO takes 2 arguments, got 1: `SETINFO ups.load`"
    );
}

#[test]
fn surplus_words_are_rejected_unless_reading_like_nut() {
    for line in ["PONG now", "DUMPDONE 1", "ADDCMD a b", "OK Goodbye x"] {
        assert!(matches!(
            kind(driver(line)),
            DecodeErrorKind::ArgCount { .. }
        ));
        assert!(driver_nut(line).is_ok(), "{line}");
    }
    for line in [
        "PING now",
        "DUMPALL x",
        "LOGOUT x",
        "DUMPVALUE a b",
        "BROADCAST 1 2",
    ] {
        assert!(matches!(
            kind(client(line)),
            DecodeErrorKind::ArgCount { .. }
        ));
        assert!(client_nut(line).is_ok(), "{line}");
    }
}

#[test]
fn unescaped_live_update_from_a_2_8_0_driver_reads_like_upsd() {
    // dummy-ups 2.8.0 after `SET device.model "q\"x"` (real-nut-lab §2.3).
    let line = "SETINFO device.model \"q\"x\"";
    assert!(matches!(
        kind(driver(line)),
        DecodeErrorKind::ArgCount { got: 3, .. }
    ));
    assert_eq!(
        driver_nut(line),
        Ok(DriverMessage::SetInfo {
            var: s("device.model"),
            value: s("q")
        })
    );
}

#[test]
fn integers_are_strict_unless_reading_like_nut() {
    assert_eq!(
        kind(driver("ADDRANGE x 12abc 600")),
        DecodeErrorKind::BadInteger {
            command: "ADDRANGE",
            word: s("12abc")
        }
    );
    assert_eq!(
        driver_nut("ADDRANGE x 12abc 600"),
        Ok(DriverMessage::AddRange {
            var: s("x"),
            min: 12,
            max: 600
        })
    );
    assert!(matches!(
        kind(driver("SETAUX x big")),
        DecodeErrorKind::BadInteger { .. }
    ));
    assert_eq!(
        driver_nut("SETAUX x big"),
        Ok(DriverMessage::SetAux {
            var: s("x"),
            aux: 0
        })
    );
    assert!(matches!(
        kind(driver("TRACKING id PENDING")),
        DecodeErrorKind::BadInteger { .. }
    ));
    assert_eq!(
        driver("SETAUX x 9223372036854775807"),
        Ok(DriverMessage::SetAux {
            var: s("x"),
            aux: i64::MAX
        })
    );
    assert!(driver("ADDRANGE x 0 2147483648").is_err());
    // The NUT driver ignores a BROADCAST argument it cannot read.
    assert!(matches!(
        kind(client("BROADCAST on")),
        DecodeErrorKind::BadInteger { .. }
    ));
    assert_eq!(
        client_nut("BROADCAST on"),
        Ok(ClientMessage::Broadcast { level: None })
    );
}

#[test]
fn instcmd_follows_the_nut_driver_shapes() {
    // Three words: the third is a parameter, even when it reads TRACKING.
    let message = client("INSTCMD x TRACKING").expect("decodes");
    assert_eq!(
        message,
        ClientMessage::InstCmd {
            cmd: s("x"),
            param: Some(s("TRACKING")),
            tracking: None
        }
    );
    assert_eq!(encoded(&message), "INSTCMD x TRACKING\n");
    for line in ["INSTCMD x a b", "INSTCMD x p q id"] {
        assert!(matches!(
            kind(client(line)),
            DecodeErrorKind::ExpectedTracking { .. }
        ));
        assert!(client_nut(line).is_err(), "NUT rejects {line} too");
    }
    assert!(matches!(
        kind(client_nut("INSTCMD x p TRACKING id more")),
        DecodeErrorKind::ArgCount { .. }
    ));
}

#[test]
fn set_follows_the_nut_driver_shapes() {
    assert!(matches!(
        kind(client("SET x \"1\" y")),
        DecodeErrorKind::ArgCount { .. }
    ));
    let expected = ClientMessage::Set {
        var: s("x"),
        value: s("1"),
        tracking: None,
    };
    assert_eq!(client_nut("SET x \"1\" y"), Ok(expected.clone()));
    assert_eq!(client_nut("SET x \"1\" TRACKING id more"), Ok(expected));
    assert!(matches!(
        kind(client_nut("SET x \"1\" NOTRACK id")),
        DecodeErrorKind::ExpectedTracking { .. }
    ));
    assert!(matches!(
        kind(client("SET x")),
        DecodeErrorKind::ArgCount { .. }
    ));
}

#[test]
fn instcmd_parameters_are_written_as_upsd_writes_them() {
    let with = |param: &str| {
        encoded(&ClientMessage::InstCmd {
            cmd: s("c"),
            param: Some(s(param)),
            tracking: None,
        })
    };
    // upsd: `INSTCMD %s %s` with the parameter pconf_encode'd, unquoted.
    assert_eq!(with("5"), "INSTCMD c 5\n");
    assert_eq!(with("a\"b"), "INSTCMD c a\\\"b\n");
    // upsd would split these; quoting keeps them one word.
    assert_eq!(with("a b"), "INSTCMD c \"a b\"\n");
    assert_eq!(with(""), "INSTCMD c \"\"\n");
}

#[test]
fn set_values_are_quoted_and_escaped_as_upsd_does() {
    let message = ClientMessage::Set {
        var: s("ups.id"),
        value: s("Rack \"A\" #1 \\"),
        tracking: Some(s("T")),
    };
    let line = encoded(&message);
    assert_eq!(line, "SET ups.id \"Rack \\\"A\\\" \\#1 \\\\\" TRACKING T\n");
    assert_eq!(client(line.trim_end()), Ok(message));
}

#[test]
fn words_at_the_tokenizer_limits() {
    let at = "v".repeat(MAX_WORD_LEN);
    let over = "v".repeat(MAX_WORD_LEN + 1);
    let mut decoder = DriverDecoder::new();
    let line = format!("SETINFO x \"{at}\"\nSETINFO x \"{over}\"\n");
    let got: Vec<_> = decoder.feed(line.as_bytes()).collect();
    let value = |item: &Result<DriverMessage, DecodeError>| match item {
        Ok(DriverMessage::SetInfo { value, .. }) => value.len(),
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        got.iter().map(value).collect::<Vec<_>>(),
        [MAX_WORD_LEN, MAX_WORD_LEN]
    );

    // SETFLAGS with MAX_WORDS words keeps every flag; one more is dropped.
    let flags = |n: usize| {
        let mut line = s("SETFLAGS x");
        for i in 0..n {
            line.push_str(&format!(" F{i}"));
        }
        match driver(&line) {
            Ok(DriverMessage::SetFlags { flags, .. }) => flags.len(),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(flags(MAX_WORDS - 2), MAX_WORDS - 2);
    assert_eq!(flags(MAX_WORDS - 1), MAX_WORDS - 2);
}

#[test]
fn decoder_reports_consumed_bytes_and_skips_blank_lines() {
    let mut decoder = DriverDecoder::new();
    let input = b"\n  \nPONG\nDATA";
    assert_eq!(
        decoder.decode_next(input),
        Decoded::Complete {
            item: Ok(DriverMessage::Pong),
            consumed: 9
        }
    );
    assert_eq!(decoder.decode_next(b"DATA"), Decoded::Incomplete);
    assert!(decoder.has_partial_line());
    assert_eq!(
        decoder.decode_next(b"OK\n"),
        Decoded::Complete {
            item: Ok(DriverMessage::DataOk),
            consumed: 3
        }
    );
    assert!(!decoder.has_partial_line());
}

#[test]
fn decoder_errors_carry_the_line_and_decoding_goes_on() {
    let mut decoder = ClientDecoder::new();
    let got: Vec<_> = decoder
        .feed(b"PING\nSET \"a#b\" x\nDUMPVALUE\nLOGOUT\n")
        .collect();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0], Ok(ClientMessage::Ping));
    let syntax = got[1].clone().expect_err("hash in quotes");
    assert!(matches!(syntax.kind, DecodeErrorKind::Syntax(_)));
    assert_eq!(syntax.line, Some(2));
    assert_eq!(
        syntax.to_string(),
        "socket line 2, column 7: Unbalanced word due to unescaped # in quotes"
    );
    let count = got[2].clone().expect_err("missing var");
    assert_eq!(count.line, Some(3));
    assert_eq!(got[3], Ok(ClientMessage::Logout));
}

#[test]
fn a_full_dump_assembles_and_re_dumps_byte_exact() {
    let mut decoder = DriverDecoder::new();
    let mut dump = DumpAssembler::new();
    let mut rest = DUMMY_DUMP.as_bytes();
    loop {
        match decoder.decode_next(rest) {
            Decoded::Complete { item, consumed } => {
                rest = rest.get(consumed..).expect("consumed within input");
                let message = item.expect("decodes");
                if dump
                    .handle_message(&message)
                    .expect("within limits")
                    .is_done()
                {
                    break;
                }
            }
            Decoded::Incomplete => panic!("dump ended early"),
        }
    }
    assert!(rest.is_empty());
    let snapshot = dump.into_snapshot();
    assert_eq!(snapshot.len(), 24);
    assert_eq!(snapshot.value("device.model"), Some("Simulated 1500"));
    assert_eq!(snapshot.commands().collect::<Vec<_>>(), ["load.off"]);
    assert!(!snapshot.is_stale());
    assert_eq!(
        snapshot
            .get("ups.status")
            .map(VarState::var_type)
            .map(|t| t.to_string()),
        Some(s("RW STRING:32"))
    );
    let mut again = Vec::new();
    snapshot.encode_dump(&mut again);
    assert_eq!(String::from_utf8(again).expect("ascii"), DUMMY_DUMP);
}
