//! Shared harness of the upsd tests: gates for real NUT, private temporary
//! directories, loopback ports, bounded child processes, a line client, the
//! fake driver and the two kinds of upsd (the real one as a child process,
//! ours in-process).

pub(crate) mod fake_driver;
pub(crate) mod lab;
pub(crate) mod wire;

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The real upsd (`/sbin/upsd` is a wrapper that refuses with `MODE=none`).
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real dummy-ups driver.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
/// Debian's Python, which has PyNUT (`python3-nut`).
pub(crate) const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// First loopback port these tests use (13840-13843 are left for manual labs).
const PORT_FIRST: u16 = 13844;
/// Last loopback port these tests use.
const PORT_LAST: u16 = 13899;

/// How long a stopped process gets between SIGTERM and SIGKILL.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(3);

/// True when a missing oracle must fail: under CI (env `CI`).
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Whether the real NUT programs are here; prints a loud SKIPPED line when
/// not, and fails instead under CI.
pub(crate) fn real_nut_available(test: &str) -> bool {
    let missing: Vec<_> = [REAL_UPSD, REAL_DUMMY_UPS]
        .into_iter()
        .filter(|p| !Path::new(p).is_file())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !in_ci(),
        "{test}: real NUT is required under CI but {} is missing (apt-get install nut-server nut-client)",
        missing.join(", ")
    );
    eprintln!(
        "SKIPPED {test}: real NUT not installed ({} missing; apt-get install nut-server nut-client)",
        missing.join(", ")
    );
    false
}

/// Real-NUT tests run one at a time: two cores cannot run two sandboxes of
/// drivers and daemons, and staleness tests depend on timing.
pub(crate) fn real_nut_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A private temporary directory, removed on drop (kept with
/// `NUT_UPSD_TEST_KEEP=1`).
#[derive(Debug)]
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A fresh directory whose name starts with `prefix`.
    pub(crate) fn new(prefix: &str) -> io::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("{prefix}-{}-{n}-{nanos:09}", std::process::id()));
        std::fs::create_dir(&path)?;
        Ok(Self { path })
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var("NUT_UPSD_TEST_KEEP").is_ok_and(|v| v == "1") {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A loopback port of this test binary's range that is free right now.
pub(crate) fn free_port() -> u16 {
    static CURSOR: AtomicU16 = AtomicU16::new(0);
    let span = PORT_LAST - PORT_FIRST + 1;
    // nextest runs each test in its own process: start each process at its
    // own point of the range, or two tests probe (and take) the same port.
    let offset = u16::try_from(std::process::id() % u32::from(span)).unwrap_or(0);
    for _ in 0..span {
        let step = CURSOR.fetch_add(1, Ordering::Relaxed);
        let port = PORT_FIRST + (offset + step % span) % span;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in {PORT_FIRST}-{PORT_LAST}");
}

/// The user name to give real NUT daemons with `-u` (they switch to `nut`
/// otherwise, which cannot read our private directories).
pub(crate) fn current_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::current())
        .ok()
        .flatten()
        .map_or_else(|| "root".to_owned(), |u| u.name)
}

/// Spawns `cmd` with stdin closed and stdout+stderr appended to `log`.
pub(crate) fn spawn_logged(cmd: &mut Command, log: &Path) -> io::Result<Child> {
    let out = std::fs::File::options()
        .create(true)
        .append(true)
        .open(log)?;
    let err = out.try_clone()?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
}

/// Sends `signal` to a child by its PID (ignoring one already gone).
pub(crate) fn signal_child(child: &Child, signal: Signal) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), signal);
    }
}

/// Stops children by PID: SIGCONT (a stopped one cannot die of SIGTERM),
/// SIGTERM, then SIGKILL after [`STOP_GRACE`].
pub(crate) fn stop_children(children: &mut [&mut Child]) {
    for child in children.iter() {
        signal_child(child, Signal::SIGCONT);
        signal_child(child, Signal::SIGTERM);
    }
    let deadline = Instant::now() + STOP_GRACE;
    for child in children.iter_mut() {
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                Ok(None) => thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

/// Runs `cmd` with stdin closed, killing it after `timeout`; returns
/// (exit code or None when killed/signalled, stdout, stderr).
pub(crate) fn run_bounded(cmd: &mut Command, timeout: Duration) -> (Option<i32>, String, String) {
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return (None, String::new(), format!("spawn failed: {e}")),
    };
    let drain = |pipe: Option<Box<dyn io::Read + Send>>| {
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            text
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn io::Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn io::Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    (
        code,
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    )
}

/// Polls `probe` every 50 ms until it returns `Some`, or panics with
/// `what` after `timeout`.
pub(crate) fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?}: {what}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}
