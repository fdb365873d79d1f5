//! Shared helpers: temporary NUT directories, real-NUT detection (skip
//! loudly, fail under `CI`), processes stopped by PID, waiting with bounds,
//! a raw driver-socket client.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Real NUT 2.8.0's programs.
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real dummy-ups.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
/// The real upsc.
pub(crate) const REAL_UPSC: &str = "/bin/upsc";

/// The loopback ports this suite may use (13900-13949).
pub(crate) const PORT_BASE: u16 = 13900;

/// Whether real NUT is installed; when not, prints a SKIPPED line, and
/// panics if `CI` is set.
pub(crate) fn real_nut(test: &str) -> bool {
    let present = [REAL_UPSD, REAL_DUMMY_UPS, REAL_UPSC]
        .iter()
        .all(|p| Path::new(p).exists());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: real NUT 2.8.0 ({REAL_UPSD}, {REAL_DUMMY_UPS}, {REAL_UPSC}) is required when CI is set"
        );
        eprintln!("SKIPPED {test}: real NUT 2.8.0 not installed ({REAL_UPSD})");
    }
    present
}

/// The nut-ddl corpus directory, if present (skips loudly, fails under CI).
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
        std::env::var_os("CI").is_none(),
        "{test}: corpus missing at {} (required when CI is set)",
        ddl.display()
    );
    eprintln!(
        "SKIPPED {test}: nut-ddl corpus not found at {}",
        ddl.display()
    );
    None
}

/// Every `.dev` and `.seq` under `dir`, sorted.
pub(crate) fn definition_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("dev" | "seq")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A temporary NUT directory (`NUT_CONFPATH`), with `state/` inside; removed
/// on drop.
#[derive(Debug)]
pub(crate) struct Lab {
    /// The directory.
    pub(crate) dir: PathBuf,
}

impl Lab {
    /// A fresh directory.
    pub(crate) fn new(tag: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("nutdrv-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("create lab");
        Self { dir }
    }

    /// The state directory.
    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Writes a file in the lab (mode 0600 for upsd's files).
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write lab file");
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        path
    }

    /// The socket of dummy-ups for `ups`.
    pub(crate) fn socket(&self, ups: &str) -> PathBuf {
        self.state().join(format!("dummy-ups-{ups}"))
    }

    /// `upsd.conf` listening on `port`, and an admin user.
    pub(crate) fn write_upsd_files(&self, port: u16) {
        self.write(
            "upsd.conf",
            &format!("LISTEN 127.0.0.1 {port}\nMAXAGE 15\n"),
        );
        self.write(
            "upsd.users",
            "[admin]\n  password = adminpass\n  actions = SET\n  actions = FSD\n  instcmds = ALL\n",
        );
    }

    /// A command with the lab's NUT environment.
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

/// A child process killed (by its PID) and reaped on drop.
#[derive(Debug)]
pub(crate) struct Proc {
    /// What it is, for messages.
    pub(crate) name: String,
    child: Option<Child>,
}

impl Proc {
    /// Starts `command` with its output discarded.
    pub(crate) fn spawn(name: &str, mut command: Command) -> Self {
        command.stdout(Stdio::null()).stderr(Stdio::null());
        Self::spawn_with_output(name, command)
    }

    /// Starts `command` as configured.
    pub(crate) fn spawn_with_output(name: &str, mut command: Command) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("can't start {name}: {e}"));
        Self {
            name: name.to_owned(),
            child: Some(child),
        }
    }

    /// Its PID.
    pub(crate) fn pid(&self) -> i32 {
        self.child
            .as_ref()
            .map_or(0, |c| i32::try_from(c.id()).expect("pid fits"))
    }

    /// Sends `signal` (by PID).
    pub(crate) fn signal(&self, signal: nix::sys::signal::Signal) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), signal);
    }

    /// Waits up to `timeout` for the exit status.
    pub(crate) fn wait(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
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
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the whole output (the process must end by itself).
    pub(crate) fn output(mut self, timeout: Duration) -> Output {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return child.wait_with_output().expect("output");
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let output = child.wait_with_output().expect("output");
                panic!(
                    "{} did not finish in {timeout:?}; stdout: {} stderr: {}",
                    self.name,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether it is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap_or(0)),
                nix::sys::signal::Signal::SIGTERM,
            );
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Kills a process we know only by PID (a backgrounded driver), waiting
/// for it to go.
pub(crate) fn kill_pid(pid: i32) {
    use nix::sys::signal::{Signal, kill};
    let target = nix::unistd::Pid::from_raw(pid);
    let _ = kill(target, Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(3);
    while kill(target, None).is_ok() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = kill(target, Signal::SIGKILL);
}

/// Polls `check` every 10 ms until it holds or `timeout` passes.
pub(crate) fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether a driver answers on `socket`.
pub(crate) fn answers_ping(socket: &Path) -> bool {
    let Ok(mut client) = SockClient::connect(socket) else {
        return false;
    };
    client.send("PING\n");
    client
        .read_until("PONG\n", Duration::from_secs(3))
        .is_some()
}

/// A raw driver-socket client (blocking, bounded reads).
#[derive(Debug)]
pub(crate) struct SockClient {
    stream: UnixStream,
    buffer: Vec<u8>,
}

impl SockClient {
    /// Connects.
    pub(crate) fn connect(socket: &Path) -> std::io::Result<Self> {
        Ok(Self {
            stream: UnixStream::connect(socket)?,
            buffer: Vec::new(),
        })
    }

    /// Writes `text`.
    pub(crate) fn send(&mut self, text: &str) {
        self.stream
            .write_all(text.as_bytes())
            .expect("write to socket");
    }

    /// Reads until the buffer ends with the line `last` (e.g.
    /// `DUMPDONE\n`); returns everything up to it, or `None` on timeout or
    /// end of file.
    pub(crate) fn read_until(&mut self, last: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = String::from_utf8_lossy(&self.buffer);
            if let Some(at) = find_line(&text, last) {
                let out = text[..at + last.len()].to_owned();
                self.buffer.drain(..at + last.len());
                return Some(out);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            self.stream
                .set_read_timeout(Some(deadline - now))
                .expect("timeout");
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

/// Where the line `line` (with its LF) starts in `text`.
fn find_line(text: &str, line: &str) -> Option<usize> {
    if text.starts_with(line) {
        return Some(0);
    }
    text.find(&format!("\n{line}")).map(|at| at + 1)
}

/// A `ups.conf` value, quoted for the parseconf grammar.
pub(crate) fn quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Runs a real NUT client with the lab environment; (stdout, stderr
/// without the `Init SSL` line, status).
pub(crate) fn run_client(lab: &Lab, program: &str, args: &[&str]) -> (String, String, i32) {
    let mut command = lab.command(program);
    command.args(args);
    let output = Proc::spawn_with_output(program, {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    })
    .output(Duration::from_secs(30));
    let stderr: String = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| !l.starts_with("Init SSL"))
        .map(|l| format!("{l}\n"))
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
        output.status.code().unwrap_or(-1),
    )
}
