//! Shared harness: real-NUT and corpus gates (skip loudly, fail under
//! `CI`), private directories, this suite's loopback ports, child
//! processes stopped by PID, bounded waits and runs, a line client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The real upsd 2.8.0.
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real dummy-ups.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
/// The real clients.
pub(crate) const REAL_UPSC: &str = "/bin/upsc";
/// The real upsrw.
pub(crate) const REAL_UPSRW: &str = "/bin/upsrw";
/// The real upscmd.
pub(crate) const REAL_UPSCMD: &str = "/bin/upscmd";

/// This suite's loopback ports (14450-14459 are left to the unit tests).
const PORT_FIRST: u16 = 14460;
const PORT_LAST: u16 = 14499;

/// How long a stopped process gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How long one client program may run.
pub(crate) const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// True when a missing oracle or corpus must fail the test.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Whether real NUT (server and clients) is installed; prints a SKIPPED
/// line when not, and fails instead under CI.
pub(crate) fn real_nut(test: &str) -> bool {
    let missing: Vec<_> = [
        REAL_UPSD,
        REAL_DUMMY_UPS,
        REAL_UPSC,
        REAL_UPSRW,
        REAL_UPSCMD,
    ]
    .into_iter()
    .filter(|p| !Path::new(p).is_file())
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !in_ci(),
        "{test}: real NUT 2.8.0 is required under CI but {} is missing",
        missing.join(", ")
    );
    eprintln!(
        "SKIPPED {test}: real NUT not installed ({} missing; apt-get install nut-server nut-client)",
        missing.join(", ")
    );
    false
}

/// The nut-ddl corpus, or `None` after a loud skip (a failure under CI).
pub(crate) fn corpus_ddl(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("NUT_CORPUS_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    );
    let ddl = dir.join("ddl");
    if ddl.is_dir() {
        return Some(ddl.canonicalize().unwrap_or(ddl));
    }
    assert!(
        !in_ci(),
        "{test}: corpus missing under CI: {}",
        ddl.display()
    );
    eprintln!("SKIPPED {test}: no nut-ddl corpus at {}", ddl.display());
    None
}

/// Tests that start daemons run one at a time (two shared cores).
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A loopback port of this suite's range that is free right now.
pub(crate) fn free_port() -> u16 {
    static CURSOR: AtomicU16 = AtomicU16::new(0);
    let span = PORT_LAST - PORT_FIRST + 1;
    // Test runners that start one process per test (nextest) get different
    // starting points, so that two processes rarely probe the same port.
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

/// The name of the user running the tests (daemons get it with `-u`, or
/// they switch to `nut`, who cannot read our private directories).
pub(crate) fn current_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::current())
        .ok()
        .flatten()
        .map_or_else(|| "root".to_owned(), |u| u.name)
}

/// A private NUT directory (`NUT_CONFPATH`) with `state/` inside; removed
/// on drop.
#[derive(Debug)]
pub(crate) struct Lab {
    /// The directory.
    pub(crate) dir: PathBuf,
}

impl Lab {
    /// A fresh directory (mode 0700).
    pub(crate) fn new(tag: &str) -> Self {
        use std::os::unix::fs::DirBuilderExt;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("nutstack-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut builder = std::fs::DirBuilder::new();
        builder.mode(0o700).recursive(true);
        builder.create(dir.join("state")).expect("create lab");
        Self { dir }
    }

    /// The state directory.
    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Writes a file in the lab, mode 0600.
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write lab file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        path
    }

    /// A command with the lab's NUT environment and stdin closed.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("NUT_CONFPATH", &self.dir)
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.state())
            .env("NUT_QUIET_INIT_BANNER", "true")
            .stdin(Stdio::null());
        command
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A child process, stopped by its PID (SIGTERM, then SIGKILL) on drop.
#[derive(Debug)]
pub(crate) struct Proc {
    name: String,
    child: Option<Child>,
}

impl Proc {
    /// Starts `command` with its output appended to `log`.
    pub(crate) fn spawn_logged(name: &str, mut command: Command, log: &Path) -> Self {
        let out = std::fs::File::options()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let err = out.try_clone().expect("log file");
        command.stdout(out).stderr(err);
        Self::spawn(name, command)
    }

    /// Starts `command` as configured.
    pub(crate) fn spawn(name: &str, mut command: Command) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("can't start {name}: {e}"));
        Self {
            name: name.to_owned(),
            child: Some(child),
        }
    }

    /// The child itself (for its pipes).
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        self.child.as_mut().expect("running")
    }

    /// Its PID.
    pub(crate) fn pid(&self) -> i32 {
        self.child
            .as_ref()
            .and_then(|c| i32::try_from(c.id()).ok())
            .unwrap_or(0)
    }

    /// Sends `signal` by PID.
    pub(crate) fn signal(&self, signal: Signal) {
        if self.child.is_some() {
            let _ = kill(Pid::from_raw(self.pid()), signal);
        }
    }

    /// Waits up to `timeout` for it to exit.
    pub(crate) fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether it still runs.
    pub(crate) fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.child.is_none() {
            return;
        }
        self.signal(Signal::SIGTERM);
        if self.wait(STOP_GRACE).is_none() {
            eprintln!("{} ignored SIGTERM; killing it", self.name);
            self.signal(Signal::SIGKILL);
            let _ = self.wait(STOP_GRACE);
        }
    }
}

/// Runs `command` with stdin closed, killed after [`CLIENT_TIMEOUT`];
/// returns (exit code, stdout, stderr without NUT's `Init SSL` line).
pub(crate) fn run_bounded(command: &mut Command) -> (Option<i32>, String, String) {
    let mut child = match command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return (None, String::new(), format!("spawn failed: {e}")),
    };
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + CLIENT_TIMEOUT;
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
    let stderr = err
        .join()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with("Init SSL"))
        .map(|l| format!("{l}\n"))
        .collect();
    (code, out.join().unwrap_or_default(), stderr)
}

/// Polls `check` every 20 ms until it holds or `timeout` passes.
pub(crate) fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Our `nut` binary beside this test binary (`target/<profile>/nut`, built
/// by `cargo build`, `cargo test --workspace` or nextest), when it knows
/// `demo`; `NUT_RS_NUT_BIN` overrides the path.
pub(crate) fn our_nut_binary() -> Option<PathBuf> {
    let path = std::env::var_os("NUT_RS_NUT_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.join("nut"))
        })?;
    if !path.is_file() {
        return None;
    }
    let (code, out, _) = run_bounded(Command::new(&path).args(["demo", "--help"]));
    (code == Some(0) && out.starts_with("usage: nut demo")).then_some(path)
}

/// A blocking network-protocol client, bounded in time.
#[derive(Debug)]
pub(crate) struct Wire {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Wire {
    /// Connects to upsd on 127.0.0.1:`port`.
    pub(crate) fn connect(port: u16) -> std::io::Result<Self> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Self {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        })
    }

    /// Sends `line` and returns the reply: one line, or a whole
    /// `BEGIN LIST` … `END LIST` block.
    pub(crate) fn request(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\n").as_bytes())
            .expect("send");
        let mut reply = String::new();
        loop {
            let mut next = String::new();
            let n = self.reader.read_line(&mut next).expect("reply");
            assert!(n > 0, "connection closed after {line:?}: {reply}");
            reply.push_str(&next);
            if !reply.starts_with("BEGIN LIST") || next.starts_with("END LIST") {
                return reply;
            }
        }
    }
}
