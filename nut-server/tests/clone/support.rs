//! Shared helpers: temporary NUT directories, real-NUT detection (skip
//! loudly, fail under `CI`), processes stopped by PID, bounded waits, a
//! raw driver-socket client, real clients.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Real NUT 2.8.0's upsd.
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real dummy-ups.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
/// The real clone.
pub(crate) const REAL_CLONE: &str = "/lib/nut/clone";
/// The real clone-outlet.
pub(crate) const REAL_CLONE_OUTLET: &str = "/lib/nut/clone-outlet";
/// The real upsc.
pub(crate) const REAL_UPSC: &str = "/bin/upsc";
/// The real upscmd.
pub(crate) const REAL_UPSCMD: &str = "/bin/upscmd";
/// The real upsrw.
pub(crate) const REAL_UPSRW: &str = "/bin/upsrw";

/// The loopback ports this suite may use (14300-14349).
pub(crate) const PORT_BASE: u16 = 14300;

/// Whether real NUT (with its clone drivers) is installed; when not,
/// prints a SKIPPED line, and panics if `CI` is set.
pub(crate) fn real_nut(test: &str) -> bool {
    let needed = [
        REAL_UPSD,
        REAL_DUMMY_UPS,
        REAL_CLONE,
        REAL_CLONE_OUTLET,
        REAL_UPSC,
        REAL_UPSCMD,
        REAL_UPSRW,
    ];
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: real NUT 2.8.0 is required when CI is set; missing {missing:?}"
    );
    eprintln!("SKIPPED {test}: real NUT 2.8.0 not installed (missing {missing:?})");
    false
}

/// A temporary NUT directory (`NUT_CONFPATH`) with `state/` inside;
/// removed on drop.
#[derive(Debug)]
pub(crate) struct Lab {
    /// The directory.
    pub(crate) dir: PathBuf,
}

impl Lab {
    /// A fresh directory. Kept short: socket paths must fit `sun_path`.
    pub(crate) fn new(tag: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("nutcl-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("create lab");
        Self { dir }
    }

    /// The state directory.
    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// The socket `<driver>-<ups>`.
    pub(crate) fn socket(&self, driver: &str, ups: &str) -> PathBuf {
        self.state().join(format!("{driver}-{ups}"))
    }

    /// Writes a file in the lab (mode 0600, as upsd wants its files).
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write lab file");
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        path
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

/// A child process, stopped by its PID and reaped on drop.
#[derive(Debug)]
pub(crate) struct Proc {
    name: String,
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

    /// Stops it (SIGTERM by PID, SIGKILL after 3 s) and reaps it.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
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
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `check` every 50 ms until it holds or `timeout` passes.
pub(crate) fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether one of OUR drivers answers on `socket` (never used on a real
/// 2.8.0 driver: a client that leaves can crash it).
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

    /// Reads until a whole line equal to `last` (LF included) arrived;
    /// returns everything up to it, or `None` on timeout or end of file.
    pub(crate) fn read_until(&mut self, last: &str, timeout: Duration) -> Option<String> {
        self.read_until_line(|line| format!("{line}\n") == last, timeout)
    }

    /// Reads until a line satisfies `want`; returns everything up to and
    /// including it.
    pub(crate) fn read_until_line(
        &mut self,
        want: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = String::from_utf8_lossy(&self.buffer).into_owned();
            let mut at = 0;
            for line in text.split_inclusive('\n') {
                if !line.ends_with('\n') {
                    break;
                }
                at += line.len();
                if want(line.trim_end_matches('\n')) {
                    self.buffer.drain(..at);
                    return Some(text[..at].to_owned());
                }
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

    /// A full `DUMPALL` of the driver.
    pub(crate) fn dump(&mut self) -> Option<String> {
        self.send("DUMPALL\n");
        self.read_until("DUMPDONE\n", Duration::from_secs(5))
    }
}

/// The value of `var` in a dump (`SETINFO <var> "<value>"`), unescaped
/// enough for the plain values of these tests.
pub(crate) fn dump_value(dump: &str, var: &str) -> Option<String> {
    let prefix = format!("SETINFO {var} \"");
    dump.lines()
        .rev()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim_end_matches('"').to_owned())
}

/// Runs a program with the lab's environment; (stdout, stderr without the
/// `Init SSL` line, status).
pub(crate) fn run_client(lab: &Lab, program: &str, args: &[&str]) -> (String, String, i32) {
    let mut command = lab.command(program);
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = Proc::spawn_with_output(program, command).output(Duration::from_secs(30));
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
