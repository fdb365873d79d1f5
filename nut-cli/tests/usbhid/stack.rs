//! The stack under test, in a private temporary directory: our
//! `usbhid-ups` (or `nut sim hid`) on a simulated device, our `upsd` on a
//! free loopback port, and the real NUT clients (`/bin/upsc`, `upscmd`,
//! `upsrw`). Every process is our child, stopped by PID (SIGTERM, then
//! SIGKILL after a grace period) when the [`Stack`] is dropped; every wait
//! has a deadline.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// NUT's `upsc`.
pub(crate) const REAL_UPSC: &str = "/bin/upsc";
/// NUT's `upscmd`.
pub(crate) const REAL_UPSCMD: &str = "/bin/upscmd";
/// NUT's `upsrw`.
pub(crate) const REAL_UPSRW: &str = "/bin/upsrw";
/// The UPS name in `ups.conf`.
pub(crate) const UPS: &str = "hid";
/// upsd's administrator.
pub(crate) const ADMIN: (&str, &str) = ("admin", "adminpass");
/// The driver's poll interval in these tests.
pub(crate) const POLL: Duration = Duration::from_secs(1);
/// How long a daemon may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How often a condition is checked.
pub(crate) const STEP: Duration = Duration::from_millis(50);
/// How long a client run may take.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Grace between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// Attempts at finding a port upsd can bind.
const PORT_ATTEMPTS: u32 = 5;

/// The real `upsc`, or `None` after a loud SKIPPED line (a failure when
/// env `CI` is set).
pub(crate) fn real_nut(test: &str) -> Option<()> {
    for tool in [REAL_UPSC, REAL_UPSCMD, REAL_UPSRW] {
        if !Path::new(tool).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{tool} is missing (CI is set, so this is a failure): install Debian's nut-client"
            );
            eprintln!("SKIPPED {test}: {tool} not installed (NUT 2.8.0 clients)");
            return None;
        }
    }
    Some(())
}

/// A corpus descriptor's path, or `None` after a loud SKIPPED line (a
/// failure when env `CI` is set).
pub(crate) fn corpus_file(relative: &str, test: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/hid")
        .join(relative);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus file missing at {} (CI is set, so this is a failure)",
        path.display()
    );
    eprintln!(
        "SKIPPED {test}: HID corpus file not found at {} (see shared/corpus/MANIFEST.md)",
        path.display()
    );
    None
}

fn running_as_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A private temporary directory, removed on drop.
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(prefix: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(path.join("state")).expect("temp dir");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).expect("mode");
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn write_private(path: &Path, text: &str) {
    fs::write(path, text).expect("write config");
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).expect("mode");
}

/// SIGTERM by PID, then SIGKILL after [`STOP_GRACE`].
pub(crate) fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None)) {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            thread::sleep(STEP);
        }
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Runs `cmd` to its end, killing it after [`CLIENT_TIMEOUT`].
pub(crate) fn run_bounded(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("client runs");
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    if matches!(child.try_wait(), Ok(None)) {
        let _ = child.kill();
    }
    child.wait_with_output().expect("client output")
}

/// How the driver side is started.
pub(crate) enum DriverKind<'a> {
    /// `usbhid-ups -a hid` with `simulate = <spec>` in `ups.conf`.
    Binary { simulate: &'a str },
    /// `nut sim hid <spec> --ups hid -i 1`.
    NutSim { spec: &'a str },
}

/// A running driver + upsd.
pub(crate) struct Stack {
    dir: TempDir,
    driver: Child,
    driver_stdin: Option<ChildStdin>,
    upsd: Option<Child>,
    port: u16,
}

impl Stack {
    /// Starts the driver, waits for its socket, then upsd.
    pub(crate) fn start(kind: &DriverKind<'_>, extra_conf: &str) -> Self {
        let dir = TempDir::new("nut-usbhid-e2e");
        let simulate_line = match kind {
            DriverKind::Binary { simulate } => format!("  simulate = \"{simulate}\"\n"),
            DriverKind::NutSim { .. } => String::new(),
        };
        write_private(
            &dir.path().join("ups.conf"),
            &format!(
                "[{UPS}]\n  driver = usbhid-ups\n  port = auto\n  pollinterval = {}\n{simulate_line}{extra_conf}",
                POLL.as_secs()
            ),
        );
        write_private(
            &dir.path().join("upsd.users"),
            &format!(
                "[{}]\n  password = {}\n  actions = SET\n  instcmds = ALL\n",
                ADMIN.0, ADMIN.1
            ),
        );
        let mut cmd = match kind {
            DriverKind::Binary { .. } => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_usbhid-ups"));
                cmd.args(["-a", UPS, "-F"]);
                cmd
            }
            DriverKind::NutSim { spec } => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_nut"));
                cmd.args(["sim", "hid", spec, "--ups", UPS, "-i", "1", "--statepath"])
                    .arg(dir.path().join("state"));
                cmd
            }
        };
        if running_as_root() && matches!(kind, DriverKind::Binary { .. }) {
            cmd.args(["-u", "root"]);
        }
        Self::env(&mut cmd, dir.path());
        let log = File::create(dir.path().join("driver.log")).expect("log");
        let driver = cmd
            .stdin(Stdio::piped())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("driver starts");
        let mut stack = Self {
            driver_stdin: None,
            driver,
            upsd: None,
            port: 0,
            dir,
        };
        stack.driver_stdin = stack.driver.stdin.take();
        let socket = stack
            .dir
            .path()
            .join("state")
            .join(format!("usbhid-ups-{UPS}"));
        stack.wait_for("the driver socket", START_TIMEOUT, |_| socket.exists());
        stack.start_upsd();
        stack
    }

    fn env(cmd: &mut Command, dir: &Path) {
        cmd.env("NUT_CONFPATH", dir)
            .env("NUT_STATEPATH", dir.join("state"))
            .env("NUT_ALTPIDPATH", dir.join("state"))
            .env_remove("NUT_DEBUG_LEVEL");
    }

    fn free_port() -> u16 {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port")
    }

    /// Our upsd on a free port (another if the bind races).
    fn start_upsd(&mut self) {
        for _ in 0..PORT_ATTEMPTS {
            let port = Self::free_port();
            write_private(
                &self.dir.path().join("upsd.conf"),
                &format!("LISTEN 127.0.0.1 {port}\n"),
            );
            let log = File::create(self.dir.path().join("upsd.log")).expect("log");
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_upsd"));
            cmd.arg("-F");
            if running_as_root() {
                cmd.args(["-u", "root"]);
            }
            Self::env(&mut cmd, self.dir.path());
            let mut upsd = cmd
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("upsd starts");
            let deadline = Instant::now() + START_TIMEOUT;
            while Instant::now() < deadline {
                if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                    self.upsd = Some(upsd);
                    self.port = port;
                    return;
                }
                if matches!(upsd.try_wait(), Ok(Some(_))) {
                    break;
                }
                thread::sleep(STEP);
            }
            stop(&mut upsd);
        }
        panic!("upsd did not start:\n{}", self.log("upsd.log"));
    }

    /// A log file of the stack.
    pub(crate) fn log(&self, name: &str) -> String {
        fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// `ups@127.0.0.1:port`.
    pub(crate) fn target(&self) -> String {
        format!("{UPS}@127.0.0.1:{}", self.port)
    }

    /// Sends a simulation command on the driver's stdin.
    pub(crate) fn command(&mut self, line: &str) {
        let stdin = self.driver_stdin.as_mut().expect("driver stdin");
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .expect("driver reads commands");
    }

    /// Closes the driver's stdin (`nut sim hid` keeps running).
    pub(crate) fn close_stdin(&mut self) {
        self.driver_stdin = None;
    }

    /// The driver process.
    pub(crate) fn driver(&mut self) -> &mut Child {
        &mut self.driver
    }

    /// The state directory.
    pub(crate) fn statepath(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Real `upsc <target> [var]`: stdout on success, else stderr's text.
    pub(crate) fn upsc(&self, var: Option<&str>) -> Result<String, String> {
        let mut cmd = Command::new(REAL_UPSC);
        cmd.arg(self.target());
        if let Some(var) = var {
            cmd.arg(var);
        }
        let out = run_bounded(&mut cmd);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(stderr
                .lines()
                .filter(|l| !l.starts_with("Init SSL"))
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }

    /// Every variable real `upsc` lists.
    pub(crate) fn upsc_all(&self) -> Result<BTreeMap<String, String>, String> {
        Ok(self
            .upsc(None)?
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }

    /// A real NUT admin client (`upscmd`/`upsrw`) with the admin login:
    /// `tool -u … -p … <before> <ups> <after>`.
    pub(crate) fn admin(&self, tool: &str, before: &[&str], after: &[&str]) -> Output {
        run_bounded(
            Command::new(tool)
                .args(["-u", ADMIN.0, "-p", ADMIN.1])
                .args(before)
                .arg(self.target())
                .args(after),
        )
    }

    /// Waits until `done` holds (checked every [`STEP`]), at most `limit`;
    /// returns the time it took. Panics with the logs when it never does.
    pub(crate) fn wait_for(
        &self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) -> Duration {
        let begin = Instant::now();
        while begin.elapsed() < limit {
            if done(self) {
                return begin.elapsed();
            }
            thread::sleep(STEP);
        }
        panic!(
            "{what}: not within {limit:?}\n--- driver.log\n{}\n--- upsd.log\n{}",
            self.log("driver.log"),
            self.log("upsd.log")
        );
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(upsd) = self.upsd.as_mut() {
            stop(upsd);
        }
        self.driver_stdin = None;
        stop(&mut self.driver);
    }
}
