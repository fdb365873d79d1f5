//! The shared suite against the fake server, run once per adapter.

use std::time::Duration;

use nut_proto::Error;
use nut_proto::client::{ConnectOptions, Range, TrackingStatus, UpsEntry, Var};
use nut_proto::model::{Status, StatusToken, ValueKind};
use nut_proto::net::ErrorCode;

use crate::api::{Adapter, Api, adapters, connect};
use crate::fake::{FakeServer, mini_upsd};

fn client(adapter: Adapter, server: &FakeServer) -> Box<dyn Api> {
    let options = ConnectOptions {
        io_timeout: Some(Duration::from_millis(500)),
        ..ConnectOptions::default()
    };
    connect(adapter, "127.0.0.1", server.port, &options).unwrap()
}

fn each_adapter(test: impl Fn(Adapter, &mut dyn Api)) {
    let server = mini_upsd();
    for adapter in adapters() {
        let mut api = client(adapter, &server);
        test(adapter, api.as_mut());
    }
}

#[test]
fn read_only_calls_are_typed() {
    each_adapter(|adapter, c| {
        assert!(
            c.ver().unwrap().starts_with("Network UPS Tools upsd"),
            "{adapter:?}"
        );
        assert_eq!(c.netver().unwrap(), "1.3");
        assert!(c.help().unwrap().starts_with("Commands:"));
        assert_eq!(
            c.list_ups().unwrap(),
            [
                UpsEntry {
                    name: "dummy".into(),
                    description: "Dummy UPS".into()
                },
                UpsEntry {
                    name: "other".into(),
                    description: "Description unavailable".into()
                }
            ]
        );
        let vars = c.list_var("dummy").unwrap();
        assert_eq!(vars.len(), 3);
        assert_eq!(
            vars[1],
            Var {
                name: "device.model".into(),
                value: "a \"quoted\" \\ value".into()
            }
        );
        // Unknown status tokens are kept.
        let status: Status = vars[2].value.parse().unwrap();
        assert!(status.contains(&StatusToken::Charging));
        assert!(status.contains(&StatusToken::Other("FUTURE".into())));
        assert_eq!(c.list_rw("dummy").unwrap()[0].value, "rack 1");
        assert_eq!(c.list_cmd("dummy").unwrap(), ["load.off", "load.on"]);
        assert_eq!(
            c.list_enum("dummy", "input.transfer.high").unwrap(),
            ["253", "264"]
        );
        assert_eq!(
            c.list_range("dummy", "ups.delay.shutdown").unwrap(),
            [Range {
                min: "12".into(),
                max: "600".into()
            }]
        );
        assert_eq!(c.list_client("dummy").unwrap(), ["127.0.0.1", "::1"]);
        assert_eq!(c.get_var("dummy", "ups.status").unwrap(), "OL");
        assert_eq!(c.get_var("dummy", "UPS.STATUS").unwrap(), "OL");
        let t = c.get_type("dummy", "ups.id").unwrap();
        assert!(t.is_writable());
        assert_eq!(t.kind(), ValueKind::String { max_len: 32 });
        assert_eq!(c.get_desc("dummy", "ups.status").unwrap(), "UPS status");
        assert_eq!(
            c.get_cmddesc("dummy", "load.off").unwrap(),
            "Turn off the load immediately"
        );
        assert_eq!(c.get_upsdesc("dummy").unwrap(), "Dummy UPS");
        assert_eq!(c.get_numlogins("dummy").unwrap(), 2);
    });
}

#[test]
fn server_errors_are_typed_and_keep_the_connection() {
    each_adapter(|_, c| {
        let e = c.get_var("nosuch", "ups.status").unwrap_err();
        assert_eq!(e.server_code(), Some(&ErrorCode::UnknownUps));
        assert_eq!(e.nut_message(), "Unknown UPS");
        let e = c.get_var("dummy", "stale").unwrap_err();
        assert_eq!(e.nut_message(), "Data stale");
        // A reply for another variable is a protocol error, not a value.
        assert!(matches!(
            c.get_var("dummy", "wrong.echo"),
            Err(Error::Protocol { .. })
        ));
        // Still usable afterwards.
        assert_eq!(c.get_var("dummy", "ups.status").unwrap(), "OL");
    });
}

#[test]
fn partial_firmware_errors_never_hang() {
    each_adapter(|_, c| {
        let e = c.list_rw("nas").unwrap_err();
        assert_eq!(e.server_code(), Some(&ErrorCode::UnknownCommand));
        assert_eq!(e.nut_message(), "Unknown command");
        // PRIMARY falls back to MASTER; both unknown → the error comes back.
        let e = c.primary("nas").unwrap_err();
        assert_eq!(e.server_code(), Some(&ErrorCode::UnknownCommand));
        let e = c.request_raw("FROB").unwrap();
        assert_eq!(e, "ERR UNKNOWN-COMMAND");
    });
}

#[test]
fn auth_tracking_and_commands() {
    each_adapter(|_, c| {
        c.username("admin").unwrap();
        c.password("secret").unwrap();
        c.login("dummy").unwrap();
        // Old server: PRIMARY unknown → MASTER.
        c.primary("dummy").unwrap();
        c.fsd("dummy").unwrap();
        c.set_tracking(true).unwrap();
        assert!(c.tracking_enabled().unwrap());
        assert_eq!(
            c.set_var("dummy", "ups.id", "rack \"2\"")
                .unwrap()
                .as_deref(),
            Some("id-set")
        );
        assert_eq!(c.set_var("dummy", "ups.id", "plain").unwrap(), None);
        let status = c
            .wait_for_tracking("id-set", Duration::from_secs(5), Duration::from_millis(10))
            .unwrap();
        assert_eq!(status, TrackingStatus::Success);
        let id = c.instcmd("dummy", "load.off", None).unwrap().unwrap();
        assert_eq!(
            c.get_tracking(&id).unwrap(),
            TrackingStatus::Failed(ErrorCode::Unknown)
        );
        assert_eq!(c.instcmd("dummy", "load.off", Some("5")).unwrap(), None);
        let e = c
            .wait_for_tracking(
                "id-slow",
                Duration::from_millis(50),
                Duration::from_millis(10),
            )
            .unwrap_err();
        assert!(matches!(e, Error::TrackingTimeout { .. }), "{e:?}");
        c.logout().unwrap();
        assert!(matches!(c.ver(), Err(Error::Broken)));
    });
}

#[test]
fn raw_requests_return_first_lines_verbatim() {
    each_adapter(|_, c| {
        assert_eq!(
            c.request_raw("GET VAR nosuch ups.status").unwrap(),
            "ERR UNKNOWN-UPS"
        );
        assert_eq!(c.request_raw("LIST UPS").unwrap(), "BEGIN LIST UPS");
        // The list body was consumed: the next answer is in step.
        assert_eq!(c.request_raw("NETVER").unwrap(), "1.3");
        assert!(matches!(
            c.request_raw("VER\nVER"),
            Err(Error::InvalidRequest { .. })
        ));
    });
}

#[test]
fn close_mid_list_is_a_typed_error() {
    each_adapter(|_, c| {
        let e = c.list_var("broken").unwrap_err();
        assert!(
            matches!(&e, Error::Closed { during: Some(d), .. } if d == "LIST VAR broken"),
            "{e:?}"
        );
        assert_eq!(e.nut_message(), "Server disconnected");
        assert!(matches!(c.ver(), Err(Error::Broken)));
    });
}

#[test]
fn a_silent_server_times_out() {
    each_adapter(|_, c| {
        let e = c.get_var("hang", "x").unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
        assert_eq!(e.nut_message(), "Read error: Connection timed out");
    });
}

#[test]
fn connection_failures_carry_nut_texts() {
    for adapter in adapters() {
        let e = connect(
            adapter,
            "127.0.0.1",
            crate::closed_port(),
            &ConnectOptions::default(),
        )
        .err()
        .unwrap();
        assert_eq!(e.nut_message(), "Connection failure: Connection refused");
        assert!(!e.to_string().contains("os error"), "{e}");
        let e = connect(
            adapter,
            "no.such.host.invalid",
            3493,
            &ConnectOptions::default(),
        )
        .err()
        .unwrap();
        assert!(matches!(e, Error::NoSuchHost { .. }), "{e:?}");
        assert_eq!(e.nut_message(), "No such host");
    }
}

#[cfg(all(feature = "blocking", unix))]
#[test]
fn unix_socket_paths_work() {
    use std::os::unix::net::UnixListener;

    let dir = std::env::temp_dir().join(format!("nut-proto-net-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upsd.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        let (stream, _) = listener.accept().unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        assert_eq!(line, "NETVER\n");
        writer.write_all(b"1.3\n").unwrap();
    });
    let mut c =
        nut_proto::client::blocking::Client::connect_unix(&path, &ConnectOptions::default())
            .unwrap();
    assert_eq!(c.netver().unwrap(), "1.3");
    server.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
