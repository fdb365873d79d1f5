//! `upsd -r <dir>`: our binary and the real upsd 2.8.0 side by side, as
//! root. Both look the user up first, then chroot, then read every file
//! from inside the jail: `NUT_CONFPATH` and the state path (the driver
//! sockets) are paths inside it. The proof that the process is jailed is
//! its `/proc/<pid>/root`; the proof that it serves from inside is a
//! driver socket that exists only in the jail (and, for ours, a
//! `LISTEN_UNIX` socket bound inside it). A jail without the
//! configuration refuses to start with the same message from both.
//!
//! Needs root (chroot); without it the test says SKIPPED (under CI, which
//! runs as root, it must run).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::fake_driver::{FakeDriver, RICH_DUMP};
use crate::support::lab::USERS;
use crate::support::wire::Wire;
use crate::support::{
    REAL_UPSD, TempDir, free_port, in_ci, real_nut_available, real_nut_lock, run_bounded,
    spawn_logged, stop_children, wait_for,
};

/// Where the configuration sits inside the jail.
const JAIL_CONFPATH: &str = "/etc/nut";
/// The state path inside the jail.
const JAIL_STATEPATH: &str = "/state";

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// A jail with the configuration and state directory inside.
fn jail(port: u16) -> TempDir {
    let root = TempDir::new("upsd-jail").expect("temp dir");
    let conf = root.path().join(JAIL_CONFPATH.trim_start_matches('/'));
    std::fs::create_dir_all(&conf).expect("conf dir");
    let state = root.path().join(JAIL_STATEPATH.trim_start_matches('/'));
    std::fs::create_dir(&state).expect("state dir");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    // LISTEN_UNIX (ours only; the real upsd warns and ignores it) is
    // bound after the chroot too: its path is inside the jail.
    write_private(
        &conf.join("upsd.conf"),
        &format!("LISTEN 127.0.0.1 {port}\nLISTEN_UNIX {JAIL_STATEPATH}/upsd.sock\n"),
    );
    write_private(
        &conf.join("ups.conf"),
        "[rich]\n  driver = fake\n  port = none\n",
    );
    write_private(&conf.join("upsd.users"), USERS);
    root
}

fn upsd(program: &Path, root: &Path, confpath: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(["-F", "-u", "root", "-r"])
        .arg(root)
        .env("NUT_CONFPATH", confpath)
        .env("NUT_STATEPATH", JAIL_STATEPATH)
        .env("NUT_ALTPIDPATH", JAIL_STATEPATH)
        .env_remove("NUT_DEBUG_LEVEL");
    cmd
}

/// Runs one upsd in a jail; returns what it said when refused without
/// its configuration.
fn jailed(program: &Path) -> String {
    let port = free_port();
    let root = jail(port);
    let state = root.path().join(JAIL_STATEPATH.trim_start_matches('/'));
    let _driver = FakeDriver::start(&state.join("fake-rich"), RICH_DUMP).expect("driver");
    let log = root.path().join("upsd.log");
    let mut child =
        spawn_logged(&mut upsd(program, root.path(), JAIL_CONFPATH), &log).expect("spawn");
    wait_for(
        &format!("{} serves from its jail", program.display()),
        Duration::from_secs(15),
        || {
            let reply = Wire::connect(port)
                .and_then(|mut w| w.request("GET VAR rich ups.status"))
                .ok()?;
            (reply == ["VAR rich ups.status \"OL LB\""]).then_some(())
        },
    );
    let unix_socket = state.join("upsd.sock");
    if program != Path::new(REAL_UPSD) {
        let mut wire = Wire::connect_unix(&unix_socket).expect("LISTEN_UNIX inside the jail");
        let reply = wire.request("GET VAR rich ups.status").expect("request");
        assert_eq!(reply, ["VAR rich ups.status \"OL LB\""]);
    }
    let jailed_root = std::fs::read_link(format!("/proc/{}/root", child.id())).expect("root");
    let expected = std::fs::canonicalize(root.path()).expect("canonical");
    stop_children(&mut [&mut child]);
    assert_eq!(
        jailed_root,
        expected,
        "{} is not chrooted",
        program.display()
    );
    assert!(!unix_socket.exists(), "socket file left in the jail");
    // The configuration path as seen from outside does not exist inside.
    let outside = root.path().join(JAIL_CONFPATH.trim_start_matches('/'));
    let (code, out, err) = run_bounded(
        &mut upsd(program, root.path(), &outside.to_string_lossy()),
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(1), "{out}{err}");
    err.lines()
        .find(|l| l.starts_with("stat "))
        .unwrap_or_default()
        .replace(&outside.to_string_lossy().into_owned(), "OUTSIDE")
}

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
    eprintln!("SKIPPED {test}: {} not built", bin.display());
    None
}

#[test]
fn chroot_reads_configuration_and_driver_sockets_inside_the_jail() {
    let test = "chroot_reads_configuration_and_driver_sockets_inside_the_jail";
    if !nix::unistd::Uid::current().is_root() {
        assert!(!in_ci(), "{test}: needs root under CI");
        eprintln!("SKIPPED {test}: chroot needs root");
        return;
    }
    let Some(ours) = our_binary(test) else {
        return;
    };
    let our_refusal = jailed(&ours);
    assert_eq!(
        our_refusal,
        "stat OUTSIDE/upsd.conf: No such file or directory"
    );
    if !real_nut_available(test) {
        return;
    }
    let _lock = real_nut_lock();
    let real_refusal = jailed(Path::new(REAL_UPSD));
    assert_eq!(our_refusal, real_refusal);
    println!("chroot: ours and the real upsd both serve from the jail and refuse alike");
}
