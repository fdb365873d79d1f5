//! `LISTEN_UNIX` (nut-rs only): the network protocol on a Unix socket,
//! served by the same session code as TCP, with the socket file's mode and
//! the peer's kernel credentials (`SO_PEERCRED`) deciding who is served.
//!
//! Tests that need another user run a small Python client as `nobody`
//! (`Command::uid`); they need root and say SKIPPED otherwise (under CI,
//! which runs as root, they must run). The daemon test compares with the
//! real upsd 2.8.0, which ignores the directive with a warning.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nut_proto::client::{ConnectOptions, blocking::Client};
use nut_server::config::Users;
use nut_server::config::listen_unix::{ListenUnix, PeerId};
use nut_server::config::ups_conf::UpsdDevice;
use nut_server::upsd::serve::unix as unix_listen;
use nut_server::upsd::serve::{UpsdOptions, listen};
use nut_server::upsd::{Server, ServerConfig};

use crate::support::fake_driver::{FakeDriver, RICH_DUMP};
use crate::support::lab::{Ours, USERS};
use crate::support::wire::Wire;
use crate::support::{
    REAL_UPSD, SYSTEM_PYTHON, TempDir, current_user, free_port, in_ci, real_nut_available,
    real_nut_lock, run_bounded, spawn_logged, stop_children, wait_for,
};

/// The unprivileged account the "other peer" runs as.
const NOBODY: u32 = 65534;

/// A fake-driver UPS `rich`, our upsd on loopback TCP and on `sock`.
struct UnixRig {
    ours: Option<Ours>,
    port: u16,
    sock: PathBuf,
    _driver: FakeDriver,
    dir: TempDir,
}

impl UnixRig {
    fn start(mode: u32, uids: &[u32], gids: &[u32]) -> Self {
        let dir = TempDir::new("upsd-unix").expect("temp dir");
        // Other users must reach the socket inside.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let state = dir.path().join("state");
        std::fs::create_dir(&state).expect("state dir");
        let driver = FakeDriver::start(&state.join("fake-rich"), RICH_DUMP).expect("driver");
        let sock = dir.path().join("upsd.sock");
        let mut entry = ListenUnix::new(&sock);
        entry.mode = mode;
        entry.uids = uids.iter().map(|u| PeerId::Id(*u)).collect();
        entry.gids = gids.iter().map(|g| PeerId::Id(*g)).collect();
        let bound = unix_listen::bind_all(&[entry], None).expect("bind unix");
        assert_eq!(bound.failed, 0, "{:?}", bound.log);
        let listener = listen::bind_one("127.0.0.1:0".parse().expect("addr")).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let device = UpsdDevice {
            name: "rich".into(),
            driver: "fake".into(),
            port: "none".into(),
            desc: None,
        };
        let mut config = ServerConfig::new(vec![device]);
        config.users = Users::parse("upsd.users".as_ref(), USERS.as_bytes()).expect("users");
        let ours = Ours::spawn_with_unix(
            Server::new(config),
            UpsdOptions::new(state),
            vec![listener],
            bound.listeners,
            Vec::new(),
        );
        let rig = Self {
            ours: Some(ours),
            port,
            sock,
            _driver: driver,
            dir,
        };
        wait_for("rich served", Duration::from_secs(10), || {
            let reply = Wire::connect(rig.port)
                .and_then(|mut w| w.request("GET VAR rich ups.status"))
                .ok()?;
            (reply == ["VAR rich ups.status \"OL LB\""]).then_some(())
        });
        rig
    }

    fn log(&self) -> String {
        self.ours.as_ref().map(Ours::log_text).unwrap_or_default()
    }
}

/// Whether this process may run children as another user; a loud skip
/// otherwise (a failure under CI, which runs as root).
fn root_or_skip(test: &str) -> bool {
    if nix::unistd::Uid::current().is_root() && Path::new(SYSTEM_PYTHON).is_file() {
        return true;
    }
    assert!(!in_ci(), "{test}: needs root and {SYSTEM_PYTHON} under CI");
    eprintln!("SKIPPED {test}: needs root (to run a peer as uid {NOBODY}) and {SYSTEM_PYTHON}");
    false
}

/// Connects to `sock` as `uid`/`gid`, sends `GET VAR rich ups.status` and
/// returns the first line read, or the Python exception's name.
fn peer_says(sock: &Path, uid: u32, gid: u32) -> String {
    let script = "import socket,sys\n\
        s=socket.socket(socket.AF_UNIX)\n\
        s.settimeout(5)\n\
        try:\n    s.connect(sys.argv[1])\n\
        except OSError as e:\n    print(type(e).__name__); sys.exit(0)\n\
        try:\n    s.sendall(b'GET VAR rich ups.status\\n')\n\
        except BrokenPipeError:\n    pass\n\
        print(s.makefile().readline().strip() or '<EOF>')\n";
    let mut cmd = Command::new(SYSTEM_PYTHON);
    // As root, std drops the supplementary groups when it sets the uid.
    cmd.arg("-c").arg(script).arg(sock).uid(uid).gid(gid);
    let (code, out, err) = run_bounded(&mut cmd, Duration::from_secs(10));
    assert_eq!(code, Some(0), "peer client failed: {err}");
    out.trim().to_owned()
}

#[test]
fn the_unix_socket_serves_the_protocol_exactly_as_tcp() {
    let rig = UnixRig::start(0o660, &[], &[]);
    let meta = std::fs::metadata(&rig.sock).expect("socket file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    // Our own client library over the socket.
    let mut client =
        Client::connect_unix(&rig.sock, &ConnectOptions::default()).expect("connect_unix");
    assert_eq!(client.get_var("rich", "ups.status").expect("GET"), "OL LB");
    assert_eq!(client.list_cmd("rich").expect("LIST CMD").len(), 4);
    // Byte for byte the same replies as over TCP, errors included.
    let requests = [
        "VER",
        "HELP",
        "LIST UPS",
        "LIST VAR rich",
        "LIST RW rich",
        "LIST ENUM rich input.transfer.high",
        "LIST RANGE rich ups.delay.start",
        "GET TYPE rich ups.id",
        "GET VAR rich nope",
        "GET VAR nope ups.status",
        "BOGUS",
        "USERNAME admin",
        "PASSWORD adminpass",
        "SET VAR rich ups.id \"NEW\"",
        "INSTCMD rich test.fail",
    ];
    let mut tcp = Wire::connect(rig.port).expect("tcp");
    let mut local = Wire::connect_unix(&rig.sock).expect("unix");
    for request in requests {
        let over_tcp = tcp.request(request).expect("tcp request");
        let over_unix = local.request(request).expect("unix request");
        assert_eq!(over_unix, over_tcp, "{request}");
        assert!(!over_unix.is_empty(), "{request}");
    }
    // STARTTLS: refused on this transport (and the connection lives).
    assert_eq!(
        local.request("STARTTLS").expect("starttls"),
        ["ERR FEATURE-NOT-SUPPORTED"]
    );
    assert_eq!(
        tcp.request("STARTTLS").expect("starttls"),
        ["ERR FEATURE-NOT-CONFIGURED"]
    );
    // The peer's uid names it in LIST CLIENT.
    let mut monitor = Wire::connect_unix(&rig.sock).expect("unix");
    for (request, reply) in [
        ("USERNAME monuser", "OK"),
        ("PASSWORD monpass", "OK"),
        ("LOGIN rich", "OK"),
    ] {
        assert_eq!(monitor.request(request).expect(request), [reply]);
    }
    let uid = nix::unistd::Uid::current().as_raw();
    let clients = tcp.request("LIST CLIENT rich").expect("list client");
    assert_eq!(
        clients,
        [
            "BEGIN LIST CLIENT rich".to_owned(),
            format!("CLIENT rich unix:{uid}"),
            "END LIST CLIENT rich".to_owned()
        ]
    );
    println!("unix socket: {} requests identical to TCP", requests.len());
    // Stopping removes the socket file.
    drop(client);
    let mut rig = rig;
    assert!(rig.ours.take().expect("running").stop());
    assert!(!rig.sock.exists(), "socket file left behind");
    let _ = rig.dir.path();
}

#[test]
fn peer_credentials_decide_who_is_served() {
    if !root_or_skip("peer_credentials_decide_who_is_served") {
        return;
    }
    // Mode open to all: only the uid/gid lists decide.
    let by_uid = UnixRig::start(0o666, &[0], &[]);
    assert_eq!(peer_says(&by_uid.sock, NOBODY, NOBODY), "ERR ACCESS-DENIED");
    assert!(
        by_uid
            .log()
            .contains(&format!("from uid {NOBODY} gid {NOBODY} (pid ")),
        "{}",
        by_uid.log()
    );
    assert_eq!(
        peer_says(&by_uid.sock, 0, 0),
        "VAR rich ups.status \"OL LB\""
    );
    drop(by_uid);
    let by_gid = UnixRig::start(0o666, &[], &[NOBODY]);
    assert_eq!(
        peer_says(&by_gid.sock, NOBODY, NOBODY),
        "VAR rich ups.status \"OL LB\""
    );
    // Same user, another effective group: refused; root (gid 0): refused.
    assert_eq!(
        peer_says(&by_gid.sock, NOBODY, NOBODY - 1),
        "ERR ACCESS-DENIED"
    );
    assert_eq!(peer_says(&by_gid.sock, 0, 0), "ERR ACCESS-DENIED");
    println!("peer credentials: 5 peers checked (3 refused, 2 served)");
}

#[test]
fn the_socket_mode_gates_other_users() {
    if !root_or_skip("the_socket_mode_gates_other_users") {
        return;
    }
    let private = UnixRig::start(0o600, &[], &[]);
    assert_eq!(peer_says(&private.sock, NOBODY, NOBODY), "PermissionError");
    assert_eq!(
        peer_says(&private.sock, 0, 0),
        "VAR rich ups.status \"OL LB\""
    );
    drop(private);
    let open = UnixRig::start(0o666, &[], &[]);
    assert_eq!(
        peer_says(&open.sock, NOBODY, NOBODY),
        "VAR rich ups.status \"OL LB\""
    );
}

/// Our `upsd` binary next to the test executable (see `daemon.rs`).
fn our_binary(test: &str) -> Option<PathBuf> {
    let bin = std::env::current_exe()
        .ok()?
        .parent()?
        .parent()?
        .join("upsd");
    if bin.is_file() {
        return Some(bin);
    }
    assert!(!in_ci(), "{test}: {} is missing", bin.display());
    eprintln!(
        "SKIPPED {test}: {} not built (cargo build -p nut-cli --bin upsd)",
        bin.display()
    );
    None
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// A configuration directory for the daemons, with `LISTEN_UNIX` on line 2.
fn daemon_dir(port: u16, listen_unix: &str) -> TempDir {
    let dir = TempDir::new("upsd-unix-daemon").expect("temp dir");
    let state = dir.path().join("state");
    std::fs::create_dir(&state).expect("state");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    write_private(
        &dir.path().join("upsd.conf"),
        &format!("LISTEN 127.0.0.1 {port}\nLISTEN_UNIX {listen_unix}\n"),
    );
    write_private(
        &dir.path().join("ups.conf"),
        "[rich]\n  driver = fake\n  port = none\n",
    );
    write_private(&dir.path().join("upsd.users"), USERS);
    dir
}

fn daemon(program: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(["-F", "-u", &current_user()])
        .env("NUT_CONFPATH", dir)
        .env("NUT_STATEPATH", dir.join("state"))
        .env("NUT_ALTPIDPATH", dir.join("state"))
        .env_remove("NUT_DEBUG_LEVEL");
    cmd
}

#[test]
fn listen_unix_in_upsd_conf_and_what_the_real_upsd_makes_of_it() {
    let Some(ours) = our_binary("listen_unix_in_upsd_conf_and_what_the_real_upsd_makes_of_it")
    else {
        return;
    };
    let port = free_port();
    let probe = TempDir::new("upsd-unix-path").expect("temp dir");
    let sock = probe.path().join("nut.sock");
    let user = current_user();
    let dir = daemon_dir(port, &format!("{} 0640 uid = {user}", sock.display()));
    let _driver =
        FakeDriver::start(&dir.path().join("state/fake-rich"), RICH_DUMP).expect("driver");
    let log = dir.path().join("ours.log");
    let mut child = spawn_logged(&mut daemon(&ours, dir.path()), &log).expect("spawn");
    wait_for(
        "our upsd serves the socket",
        Duration::from_secs(10),
        || {
            let mut wire = Wire::connect_unix(&sock).ok()?;
            let reply = wire.request("GET VAR rich ups.status").ok()?;
            (reply == ["VAR rich ups.status \"OL LB\""]).then_some(())
        },
    );
    let meta = std::fs::metadata(&sock).expect("socket");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(meta.uid(), nix::unistd::Uid::current().as_raw());
    stop_children(&mut [&mut child]);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains(&format!("listening on unix socket {}", sock.display())),
        "{text}"
    );
    assert!(!sock.exists(), "socket file left behind");

    // A bad line stops start-up naming file and line.
    let bad = daemon_dir(free_port(), &format!("{} 0640 uid 0", sock.display()));
    let (code, out, err) = run_bounded(&mut daemon(&ours, bad.path()), Duration::from_secs(10));
    assert_eq!(code, Some(1), "{out}{err}");
    let expected = format!(
        "{}:2: LISTEN_UNIX uid/gid needs '= <list>'",
        bad.path().join("upsd.conf").display()
    );
    assert!(err.contains(&expected), "{err}");

    // The real upsd 2.8.0 warns and goes on serving TCP.
    if !real_nut_available("listen_unix_in_upsd_conf_and_what_the_real_upsd_makes_of_it") {
        return;
    }
    let _lock = real_nut_lock();
    let port = free_port();
    let real_dir = daemon_dir(port, &format!("{} 0640 uid = {user}", sock.display()));
    let log = real_dir.path().join("real.log");
    let mut real = spawn_logged(&mut daemon(Path::new(REAL_UPSD), real_dir.path()), &log)
        .expect("spawn real upsd");
    wait_for("real upsd listens", Duration::from_secs(10), || {
        Wire::connect(port)
            .and_then(|mut w| w.request("VER"))
            .ok()
            .filter(|r| !r.is_empty())
    });
    stop_children(&mut [&mut real]);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains(&format!(
            "upsd.conf: invalid directive LISTEN_UNIX {} 0640 uid = {user}",
            sock.display()
        )),
        "{text}"
    );
    assert!(!sock.exists(), "the real upsd does not create the socket");
    println!("LISTEN_UNIX: real upsd 2.8.0 warns and serves TCP; ours serves both");
}
