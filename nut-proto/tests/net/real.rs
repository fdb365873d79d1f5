//! Against the real upsd 2.8.0 (`/lib/nut/upsd` + `dummy-ups`): the shared
//! suite for both adapters, upsd's dispatch versus [`Request::decode`], and
//! our error texts versus real `upsc`.
//!
//! Skipped loudly when NUT is not installed, unless `CI` is set.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nut_proto::client::{ConnectOptions, TrackingStatus};
use nut_proto::net::{ErrorCode, Request};
use nut_proto::tokenizer::split_line;

use crate::api::{adapters, connect};
use crate::{closed_port, real_upsd_port};

const UPSD: &str = "/lib/nut/upsd";
const DUMMY_UPS: &str = "/lib/nut/dummy-ups";
const UPSC: &str = "/bin/upsc";

/// A running sandbox; killed (by PID) and removed on drop.
struct Lab {
    dir: PathBuf,
    children: Vec<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether real NUT is here; panics when it is not and `CI` is set.
fn nut_installed() -> bool {
    if Path::new(UPSD).exists() && Path::new(DUMMY_UPS).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{UPSD} is missing and CI is set: install the nut-server package"
    );
    eprintln!("SKIPPED: {UPSD} not found, real-upsd tests not run");
    false
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

impl Lab {
    fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("nut-proto-net-lab-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).unwrap();
        write(
            &dir,
            "ups.conf",
            "maxretry = 3\n[dummy]\n  driver = dummy-ups\n  port = dummy.dev\n  desc = \"Dummy UPS for interop tests\"\n",
        );
        write(
            &dir,
            "dummy.dev",
            "battery.charge: 100\nups.load: 23\nups.status: OL\n",
        );
        write(
            &dir,
            "upsd.conf",
            &format!("LISTEN 127.0.0.1 {}\nMAXAGE 15\n", real_upsd_port()),
        );
        write(
            &dir,
            "upsd.users",
            "[admin]\n  password = adminpass\n  actions = SET\n  actions = FSD\n  instcmds = ALL\n\n[monuser]\n  password = monpass\n  upsmon primary\n",
        );
        for file in ["upsd.conf", "upsd.users"] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join(file), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        let spawn = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .env("NUT_CONFPATH", &dir)
                .env("NUT_STATEPATH", dir.join("state"))
                .env("NUT_ALTPIDPATH", dir.join("state"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let mut lab = Self {
            children: vec![spawn(DUMMY_UPS, &["-a", "dummy", "-u", "root", "-F"])],
            dir: dir.clone(),
        };
        std::thread::sleep(Duration::from_millis(300));
        lab.children.push(spawn(UPSD, &["-u", "root", "-F"]));
        lab.wait_ready();
        lab
    }

    /// Waits until upsd answers with the driver's data.
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ready = nut_proto::client::blocking::Client::connect(
                "127.0.0.1",
                real_upsd_port(),
                &ConnectOptions::default(),
            )
            .and_then(|mut c| c.get_var("dummy", "ups.status"));
            if ready.is_ok_and(|status| status == "OL") {
                return;
            }
            assert!(Instant::now() < deadline, "real upsd did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// One test owns the sandbox and runs every real-upsd check in order.
#[test]
fn against_real_upsd() {
    if !nut_installed() {
        return;
    }
    let _lab = Lab::start();
    shared_suite();
    dispatch_matches_upsd();
    if Path::new(UPSC).exists() {
        messages_match_real_upsc();
    } else {
        eprintln!("SKIPPED: {UPSC} not found, message oracle not run");
    }
}

fn shared_suite() {
    for adapter in adapters() {
        let mut c = connect(
            adapter,
            "127.0.0.1",
            real_upsd_port(),
            &ConnectOptions::default(),
        )
        .unwrap();
        assert_eq!(
            c.ver().unwrap(),
            "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/"
        );
        assert_eq!(c.netver().unwrap(), "1.3");
        let upses = c.list_ups().unwrap();
        assert_eq!(upses.len(), 1);
        assert_eq!(upses[0].description, "Dummy UPS for interop tests");
        let vars = c.list_var("dummy").unwrap();
        assert!(
            vars.iter()
                .any(|v| v.name == "battery.charge" && v.value == "100")
        );
        assert!(
            vars.iter()
                .any(|v| v.name == "driver.name" && v.value == "dummy-ups")
        );
        assert!(!c.list_rw("dummy").unwrap().is_empty());
        assert_eq!(c.list_cmd("dummy").unwrap(), ["load.off"]);
        assert!(c.list_enum("dummy", "ups.status").unwrap().is_empty());
        assert!(c.list_range("dummy", "battery.charge").unwrap().is_empty());
        assert!(c.list_client("dummy").unwrap().is_empty());
        assert_eq!(c.get_var("dummy", "UPS.STATUS").unwrap(), "OL");
        assert_eq!(
            c.get_type("dummy", "ups.status").unwrap().to_string(),
            "RW STRING:32"
        );
        assert_eq!(c.get_desc("dummy", "ups.status").unwrap(), "UPS status");
        assert_eq!(
            c.get_cmddesc("dummy", "load.off").unwrap(),
            "Turn off the load immediately"
        );
        assert_eq!(
            c.get_upsdesc("dummy").unwrap(),
            "Dummy UPS for interop tests"
        );
        assert_eq!(c.get_numlogins("dummy").unwrap(), 0);
        for (result, code) in [
            (
                c.get_var("nosuch", "ups.status").err(),
                ErrorCode::UnknownUps,
            ),
            (
                c.get_var("dummy", "no.such").err(),
                ErrorCode::VarNotSupported,
            ),
            (c.list_var("nosuch").err(), ErrorCode::UnknownUps),
            (
                c.set_var("dummy", "ups.load", "1").err(),
                ErrorCode::UsernameRequired,
            ),
            (
                c.list_enum("dummy", "nosuch").err(),
                ErrorCode::VarNotSupported,
            ),
        ] {
            assert_eq!(result.unwrap().server_code(), Some(&code));
        }
        assert_eq!(
            c.request_raw("GET VAR dummy nosuch").unwrap(),
            "ERR VAR-NOT-SUPPORTED"
        );
        assert_eq!(c.request_raw("LIST UPS").unwrap(), "BEGIN LIST UPS");

        c.username("admin").unwrap();
        c.password("adminpass").unwrap();
        c.set_tracking(true).unwrap();
        assert!(c.tracking_enabled().unwrap());
        let id = c.set_var("dummy", "ups.load", "42").unwrap().unwrap();
        let status = c
            .wait_for_tracking(&id, Duration::from_secs(15), Duration::from_millis(200))
            .unwrap();
        assert_eq!(status, TrackingStatus::Success);
        let id = c.instcmd("dummy", "load.off", None).unwrap().unwrap();
        let status = c
            .wait_for_tracking(&id, Duration::from_secs(15), Duration::from_millis(200))
            .unwrap();
        // dummy-ups answers STAT_INSTCMD_UNKNOWN.
        assert_eq!(status, TrackingStatus::Failed(ErrorCode::Unknown));
        let e = c.set_var("dummy", "driver.name", "x").unwrap_err();
        assert_eq!(e.nut_message(), "Read-only variable");
        c.set_tracking(false).unwrap();
        assert_eq!(c.set_var("dummy", "ups.load", "23").unwrap(), None);
        // admin has no upsmon role.
        assert_eq!(c.login("dummy").unwrap_err().nut_message(), "Access denied");
        assert_eq!(
            c.primary("nosuch").unwrap_err().server_code(),
            Some(&ErrorCode::UnknownUps)
        );
        c.logout().unwrap();

        let mut m = connect(
            adapter,
            "127.0.0.1",
            real_upsd_port(),
            &ConnectOptions::default(),
        )
        .unwrap();
        m.username("monuser").unwrap();
        m.password("monpass").unwrap();
        m.login("dummy").unwrap();
        m.primary("dummy").unwrap();
        assert_eq!(m.get_numlogins("dummy").unwrap(), 1);
        assert_eq!(m.list_client("dummy").unwrap(), ["127.0.0.1"]);
        assert_eq!(
            m.login("dummy").unwrap_err().nut_message(),
            "Already logged in"
        );
        m.logout().unwrap();
    }
}

/// Sends each line raw to upsd (after USERNAME/PASSWORD, so FLAG_USER
/// commands reach their argument checks) and compares upsd's verdict on
/// the arguments with [`Request::decode`].
fn dispatch_matches_upsd() {
    let mut c = nut_proto::client::blocking::Client::connect(
        "127.0.0.1",
        real_upsd_port(),
        &ConnectOptions::default(),
    )
    .unwrap();
    c.username("monuser").unwrap();
    c.password("monpass").unwrap();
    let lines = [
        "VER",
        "VER x",
        "NETVER",
        "PROTVER x",
        "HELP",
        "HELP x",
        "STARTTLS x",
        "FOO",
        "",
        "GET",
        "GET VAR",
        "GET VAR dummy",
        "GET VAR dummy ups.status",
        "GET VAR dummy ups.status x",
        "GET TYPE dummy",
        "GET TYPE dummy ups.load",
        "GET DESC dummy x",
        "GET CMDDESC dummy",
        "GET UPSDESC",
        "GET UPSDESC dummy x",
        "GET NUMLOGINS",
        "GET NUMLOGINS dummy",
        "GET TRACKING",
        "GET TRACKING x y",
        "GET FOO dummy x",
        "get var dummy ups.status",
        "LIST",
        "LIST UPS x",
        "LIST VAR",
        "LIST VAR dummy",
        "LIST RW dummy",
        "LIST CMD",
        "LIST ENUM dummy",
        "LIST ENUM dummy ups.status",
        "LIST RANGE dummy",
        "LIST RANGE dummy battery.charge x",
        "LIST CLIENT",
        "LIST CLIENT dummy",
        "LIST FOO x y",
        "USERNAME",
        "USERNAME a b",
        "USERNAME again",
        "PASSWORD",
        "PASSWORD a b",
        "LOGIN",
        "LOGIN a b",
        "LOGIN nosuch",
        "LOGOUT x",
        "PRIMARY",
        "PRIMARY nosuch",
        "PRIMARY a b",
        "MASTER nosuch",
        "MASTER",
        "FSD",
        "FSD nosuch",
        "FSD a b",
        "SET",
        "SET VAR",
        "SET VAR nosuch",
        "SET VAR nosuch x",
        "SET VAR nosuch x y",
        "SET VAR nosuch x y z",
        "SET TRACKING",
        "SET TRACKING maybe",
        "set tracking off x",
        "SET FOO a b",
        "INSTCMD",
        "INSTCMD nosuch",
        "INSTCMD nosuch x",
        "INSTCMD nosuch x y z",
    ];
    for line in lines {
        let answer = c.request_raw(line).unwrap();
        let ours = Request::decode(&split_line(line).unwrap());
        match ours {
            Err(code) => assert_eq!(answer, format!("ERR {code}"), "{line:?}"),
            Ok(_) => assert!(
                answer != "ERR INVALID-ARGUMENT" && answer != "ERR UNKNOWN-COMMAND",
                "{line:?}: upsd said {answer}"
            ),
        }
    }
}

/// Runs real upsc and returns its last stderr line (less the SSL notice).
fn upsc_error(args: &[&str]) -> String {
    let output = Command::new(UPSC)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .rfind(|l| !l.starts_with("Init SSL"))
        .unwrap_or_default()
        .to_owned()
}

fn messages_match_real_upsc() {
    let ours = |host: &str, port: u16, ups: &str| -> String {
        let result =
            nut_proto::client::blocking::Client::connect(host, port, &ConnectOptions::default())
                .and_then(|mut c| c.get_var(ups, "ups.status"));
        format!("Error: {}", result.unwrap_err().nut_message())
    };
    let cases = [
        ("127.0.0.1", real_upsd_port(), "nosuch"),
        ("127.0.0.1", closed_port(), "dummy"),
        ("no.such.host.invalid", 3493, "x"),
    ];
    for (host, port, ups) in cases {
        let target = format!("{ups}@{host}:{port}");
        assert_eq!(
            ours(host, port, ups),
            upsc_error(&[&target, "ups.status"]),
            "{target}"
        );
    }
    // Malformed targets: upsc's two-line message ends with our text's last line.
    for target in ["dummy@127.0.0.1:", "dummy@[::1", "dummy@127.0.0.1:70000"] {
        let e = nut_proto::client::Target::parse(target).unwrap_err();
        assert_eq!(
            upsc_error(&[target, "ups.status"]),
            e.nut_message().lines().last().unwrap(),
            "{target}"
        );
    }
}
