//! Oracle: the real NUT 2.8.0 `dummy-ups` driver. Everything it sends on
//! its socket must decode, and re-encode to the very same bytes; its dump,
//! assembled into a snapshot, must dump again byte for byte.
//!
//! Skips loudly when `/lib/nut/dummy-ups` is missing, unless `CI` is set.

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nut_proto::sock::{
    Decoded, DriverDecoder, DriverMessage, DumpAssembler, TrackingResult, VarFlag,
};

const DUMMY_UPS: &str = "/lib/nut/dummy-ups";
const UPS_NAME: &str = "sockoracle";
/// How long the driver may take to open its socket or answer.
const PATIENCE: Duration = Duration::from_secs(15);

const UPS_CONF: &str = "\
[sockoracle]
  driver = dummy-ups
  port = sockoracle.dev
  desc = \"nut-rs socket oracle\"
";

/// Chosen to exercise escaping (`"`, `\`, `#` in a value), ordering without
/// regard to case (`ALARM`, `input.L1.voltage`) and a multi-word value.
const DEV_FILE: &str = r#"battery.charge: 100
input.frequency: 50.0
input.L1.voltage: 230.0
ups.status: OL CHRG
ups.load: 23
experimental.quote: "say \"hi\" \\ ok \#1"
ALARM Replace battery
"#;

/// A sandbox directory and the driver running in it; both go away on drop,
/// test failure or not.
struct Lab {
    dir: PathBuf,
    driver: Option<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(driver) = &mut self.driver {
            // 2.8.0 may crash on its own once a client has gone (real-nut-lab
            // §8.4); stop it either way, by its PID.
            let _ = driver.kill();
            let _ = driver.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Lab {
    fn start() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("nut-rs-sock-{}-{nanos}", std::process::id()));
        let mut lab = Self { dir, driver: None };
        fs::create_dir_all(lab.dir.join("state")).expect("create the sandbox");
        fs::write(lab.dir.join("ups.conf"), UPS_CONF).expect("write ups.conf");
        fs::write(lab.dir.join(format!("{UPS_NAME}.dev")), DEV_FILE).expect("write the .dev");
        let log = fs::File::create(lab.dir.join("driver.log")).expect("create the log");
        let driver = Command::new(DUMMY_UPS)
            .args(["-a", UPS_NAME, "-u", "root", "-F"])
            .env("NUT_CONFPATH", &lab.dir)
            .env("NUT_STATEPATH", lab.dir.join("state"))
            .env("NUT_ALTPIDPATH", lab.dir.join("state"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log"))
            .stderr(log)
            .spawn()
            .expect("start dummy-ups");
        lab.driver = Some(driver);
        lab
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("driver.log")).unwrap_or_default()
    }

    fn connect(&mut self) -> UnixStream {
        let socket = self.dir.join("state").join(format!("dummy-ups-{UPS_NAME}"));
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(Ok(Some(status))) = self.driver.as_mut().map(Child::try_wait) {
                panic!("dummy-ups exited with {status}:\n{}", self.log());
            }
            if let Ok(stream) = UnixStream::connect(&socket) {
                stream
                    .set_read_timeout(Some(Duration::from_millis(200)))
                    .expect("set a read timeout");
                return stream;
            }
            assert!(
                Instant::now() < deadline,
                "no socket at {}:\n{}",
                socket.display(),
                self.log()
            );
            sleep(Duration::from_millis(50));
        }
    }
}

/// Sends `request`, then reads into `received` until a decoded message
/// satisfies `done`.
fn exchange(
    stream: &mut UnixStream,
    decoder: &mut DriverDecoder,
    received: &mut Vec<u8>,
    request: &str,
    done: impl Fn(&DriverMessage) -> bool,
) {
    stream
        .write_all(request.as_bytes())
        .expect("send to the driver");
    let deadline = Instant::now() + PATIENCE;
    let mut buf = [0u8; 4096];
    loop {
        assert!(Instant::now() < deadline, "no answer to {request:?}");
        let n = match stream.read(&mut buf) {
            Ok(0) => panic!("the driver closed the socket after {request:?}"),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) => panic!("reading the socket: {e}"),
        };
        let chunk = buf.get(..n).expect("read within the buffer");
        received.extend_from_slice(chunk);
        let finished = decoder
            .feed(chunk)
            .any(|item| item.is_ok_and(|message| done(&message)));
        if finished {
            return;
        }
    }
}

/// Splits `bytes` into (line bytes, decoded message) pairs.
fn lines(bytes: &[u8]) -> Vec<(&[u8], DriverMessage)> {
    let mut decoder = DriverDecoder::new();
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Decoded::Complete { item, consumed } = decoder.decode_next(rest) {
        let (line, tail) = rest.split_at(consumed);
        let message = item.unwrap_or_else(|e| panic!("{e} in {:?}", String::from_utf8_lossy(line)));
        out.push((line, message));
        rest = tail;
    }
    assert!(rest.is_empty(), "a partial line is left: {rest:?}");
    out
}

#[test]
fn real_dummy_ups_output_re_encodes_byte_exact() {
    if !Path::new(DUMMY_UPS).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{DUMMY_UPS} is missing and CI is set: install nut-server"
        );
        eprintln!("SKIPPED real_dummy_ups_output_re_encodes_byte_exact: {DUMMY_UPS} not installed");
        return;
    }
    let mut lab = Lab::start();
    let mut stream = lab.connect();
    let mut decoder = DriverDecoder::new();
    let mut received = Vec::new();
    let is = |wanted: DriverMessage| move |m: &DriverMessage| *m == wanted;
    let tracking = |wanted: &'static str| move |m: &DriverMessage| matches!(m, DriverMessage::Tracking { id, .. } if id == wanted);

    exchange(
        &mut stream,
        &mut decoder,
        &mut received,
        "DUMPALL\n",
        is(DriverMessage::DumpDone),
    );
    let dump_len = received.len();
    exchange(
        &mut stream,
        &mut decoder,
        &mut received,
        "PING\n",
        is(DriverMessage::Pong),
    );
    let set = "SET ups.load \"55\" TRACKING sock-oracle-1\n";
    exchange(
        &mut stream,
        &mut decoder,
        &mut received,
        set,
        tracking("sock-oracle-1"),
    );
    let instcmd = "INSTCMD load.off TRACKING sock-oracle-2\n";
    exchange(
        &mut stream,
        &mut decoder,
        &mut received,
        instcmd,
        tracking("sock-oracle-2"),
    );

    // 1. Every line decodes strictly to a known message and re-encodes to
    //    the same bytes.
    let all = lines(&received);
    for (line, message) in &all {
        let mut again = Vec::new();
        message.encode(&mut again);
        assert_eq!(
            String::from_utf8_lossy(&again),
            String::from_utf8_lossy(line),
            "re-encoding {message:?}"
        );
        assert!(
            !matches!(message, DriverMessage::Unknown { .. }),
            "{message:?}"
        );
    }

    // 2. The dump, assembled and dumped again, is byte-identical: same
    //    order (case-insensitive sort), same escaping, same framing.
    let dump_bytes = received.get(..dump_len).expect("dump within received");
    let mut assembler = DumpAssembler::new();
    for (_, message) in lines(dump_bytes) {
        assembler.handle_message(&message).expect("within limits");
    }
    assert!(assembler.is_done());
    let snapshot = assembler.into_snapshot();
    let mut redumped = Vec::new();
    snapshot.encode_dump(&mut redumped);
    assert_eq!(
        String::from_utf8_lossy(&redumped),
        String::from_utf8_lossy(dump_bytes)
    );

    // 3. What the driver said means what we think it means.
    assert_eq!(
        snapshot.value("experimental.quote"),
        Some(r#"say "hi" \ ok #1"#)
    );
    assert_eq!(snapshot.value("ups.status"), Some("OL CHRG"));
    let names: Vec<&str> = snapshot.vars().map(|(name, _)| name).collect();
    let position = |name: &str| names.iter().position(|n| *n == name);
    assert!(position("input.frequency") < position("input.L1.voltage"));
    assert_eq!(
        snapshot.get("ups.status").map(|v| v.flags.clone()),
        Some(vec![VarFlag::Rw, VarFlag::String])
    );
    assert!(snapshot.has_command("load.off"));
    assert!(!snapshot.is_stale());
    let messages: Vec<&DriverMessage> = all.iter().map(|(_, m)| m).collect();
    let result = |wanted: &str| {
        messages.iter().find_map(|m| match m {
            DriverMessage::Tracking { id, result } if id == wanted => Some(*result),
            _ => None,
        })
    };
    assert_eq!(result("sock-oracle-1"), Some(TrackingResult::Handled));
    // dummy-ups advertises load.off but does not implement it.
    assert_eq!(result("sock-oracle-2"), Some(TrackingResult::Unknown));
    assert!(messages.contains(&&DriverMessage::SetInfo {
        var: "ups.load".into(),
        value: "55".into()
    }));
    drop(stream);
    drop(lab);
}
