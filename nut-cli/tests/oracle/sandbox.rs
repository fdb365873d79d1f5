//! A sandbox of the real NUT 2.8.0 on loopback: one real `upsd` and one real `dummy-ups` per
//! UPS section, all configured in a private temporary directory through `NUT_CONFPATH`,
//! `NUT_STATEPATH` and `NUT_ALTPIDPATH` (never `/etc/nut`), listening on a free port of
//! 13700-13799, and stopped by PID when the [`Sandbox`] is dropped.
//!
//! Every daemon runs in the foreground (`-F`) as our own child, so its PID is known without PID
//! files and nothing outlives the test. Every wait has a deadline.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::gate::{REAL_DUMMY_UPS, REAL_UPSD};
use crate::process::stop_children;

/// First loopback port this harness may use.
pub(crate) const PORT_FIRST: u16 = 13700;
/// Last loopback port this harness may use.
pub(crate) const PORT_LAST: u16 = 13799;
/// How long upsd may take to say it is listening.
const UPSD_LISTEN_TIMEOUT: Duration = Duration::from_secs(5);
/// How many ports to try when upsd finds its port taken between our check and its bind.
const UPSD_START_ATTEMPTS: u32 = 8;
/// How long the daemons get to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// Read/write timeout of the readiness client.
const WIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest reply line the readiness client accepts.
const WIRE_MAX_LINE: u64 = 64 * 1024;
/// Pause between readiness rounds.
const READY_POLL: Duration = Duration::from_millis(100);
/// Pause after the last UPS left `WAIT`, so the rest of its dump reaches upsd.
const SETTLE: Duration = Duration::from_millis(300);
/// Longest UPS name the harness accepts (it becomes a file name).
const MAX_UPS_NAME: usize = 64;

/// User with every right in the generated `upsd.users`.
pub(crate) const ADMIN_USER: &str = "admin";
/// Password of [`ADMIN_USER`].
pub(crate) const ADMIN_PASS: &str = "adminpass";

/// One `[section]` of the generated `ups.conf`: a dummy-ups replaying `dev`.
#[derive(Debug, Clone)]
pub(crate) struct UpsSpec {
    /// Section name, i.e. the UPS name clients use.
    pub(crate) name: String,
    /// The `.dev` (dummy-once) or `.seq` (dummy-loop) file to replay; linked, never copied.
    pub(crate) dev: PathBuf,
    /// Optional `desc =` line.
    pub(crate) desc: Option<String>,
}

impl UpsSpec {
    /// A section named `name` replaying `dev`, without a description.
    pub(crate) fn new(name: impl Into<String>, dev: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            dev: dev.into(),
            desc: None,
        }
    }

    /// The same section with a `desc =` line.
    pub(crate) fn with_desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = Some(desc.into());
        self
    }
}

/// A private temporary directory, removed on drop (kept when `NUT_ORACLE_KEEP=1`).
#[derive(Debug)]
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory under the system temp dir whose name starts with `prefix`.
    pub(crate) fn new(prefix: &str) -> io::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir()
                .join(format!("{prefix}-{}-{n}-{nanos:09}", std::process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(
            "could not create a unique temporary directory",
        ))
    }

    /// The directory's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var("NUT_ORACLE_KEEP").is_ok_and(|v| v == "1") {
            eprintln!("oracle: kept {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// How the UPSes of a sandbox ended up after [`Sandbox::wait_ready`].
#[derive(Debug, Default)]
pub(crate) struct Readiness {
    /// UPSes whose data upsd serves.
    pub(crate) ready: Vec<String>,
    /// UPSes whose real dummy-ups exited (it rejected its file): upsd answers
    /// `ERR DRIVER-NOT-CONNECTED` for them.
    pub(crate) dead_drivers: Vec<String>,
    /// UPSes still waiting when the deadline passed.
    pub(crate) unsettled: Vec<String>,
}

/// A running real-NUT sandbox. Dropping it stops every process it started, by PID.
#[derive(Debug)]
pub(crate) struct Sandbox {
    drivers: Vec<(String, Child)>,
    upsd: Option<Child>,
    port: u16,
    as_root: bool,
    // Declared last so it is removed after the processes above have stopped.
    dir: TempDir,
}

impl Sandbox {
    /// Writes the configuration, starts one real dummy-ups per section (without waiting for
    /// them) and the real upsd (waiting until it listens). Call [`Sandbox::wait_ready`] next.
    pub(crate) fn spawn(specs: &[UpsSpec]) -> Result<Self, String> {
        check_names(specs)?;
        let dir = TempDir::new("nut-oracle").map_err(|e| format!("temp dir: {e}"))?;
        let mut sandbox = Self {
            drivers: Vec::with_capacity(specs.len()),
            upsd: None,
            port: 0,
            as_root: running_as_root(),
            dir,
        };
        sandbox.write_config(specs)?;
        for spec in specs {
            let child = sandbox.spawn_driver(&spec.name)?;
            sandbox.drivers.push((spec.name.clone(), child));
        }
        sandbox.start_upsd()?;
        Ok(sandbox)
    }

    /// [`Sandbox::spawn`], then [`Sandbox::wait_ready`], requiring every UPS to serve data.
    pub(crate) fn start(specs: &[UpsSpec], timeout: Duration) -> Result<Self, String> {
        let mut sandbox = Self::spawn(specs)?;
        let readiness = sandbox.wait_ready(timeout)?;
        if readiness.dead_drivers.is_empty() && readiness.unsettled.is_empty() {
            Ok(sandbox)
        } else {
            Err(format!(
                "not every UPS came up: dead drivers {:?}, still waiting {:?}",
                readiness.dead_drivers, readiness.unsettled
            ))
        }
    }

    /// The port upsd listens on (127.0.0.1 only).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`, as `upsc -l` takes it.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `UPS@127.0.0.1:PORT`, as `upsc` takes it.
    pub(crate) fn target(&self, ups: &str) -> String {
        format!("{ups}@127.0.0.1:{}", self.port)
    }

    /// The PIDs of every process this sandbox started and has not reaped.
    pub(crate) fn pids(&self) -> Vec<u32> {
        self.upsd
            .iter()
            .chain(self.drivers.iter().map(|(_, c)| c))
            .map(Child::id)
            .collect()
    }

    /// The sandbox's configuration directory (`NUT_CONFPATH`).
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Polls upsd until every UPS has left `WAIT` or lost its driver, or `timeout` passes.
    ///
    /// Fails only when upsd itself is gone or unreachable; slow or dead drivers are reported
    /// in the [`Readiness`], since a test may want to compare how clients see them.
    pub(crate) fn wait_ready(&mut self, timeout: Duration) -> Result<Readiness, String> {
        let deadline = Instant::now() + timeout;
        let mut client = WireClient::connect(self.port, deadline)
            .map_err(|e| format!("upsd on port {} not reachable: {e}", self.port))?;
        let ver = client.request("VER").map_err(|e| format!("VER: {e}"))?;
        if !ver.starts_with("Network UPS Tools upsd") {
            return Err(format!("port {} answered VER with {ver:?}", self.port));
        }
        let mut readiness = Readiness::default();
        let mut pending: Vec<usize> = (0..self.drivers.len()).collect();
        loop {
            let mut still = Vec::new();
            for index in pending {
                let (ups, child) = &mut self.drivers[index];
                let reply = match client.request(&format!("GET VAR {ups} ups.status")) {
                    Ok(reply) => reply,
                    Err(e) => {
                        let what = format!("GET VAR {ups} ups.status: {e}");
                        return Err(format!("{what}\n{}", self.log_tail()));
                    }
                };
                let driver_gone = matches!(child.try_wait(), Ok(Some(_)));
                if reply.starts_with("VAR ") && !reply.ends_with("\"WAIT\"") {
                    readiness.ready.push(ups.clone());
                } else if reply == "ERR DRIVER-NOT-CONNECTED" && driver_gone {
                    readiness.dead_drivers.push(ups.clone());
                } else {
                    still.push(index);
                }
            }
            pending = still;
            if pending.is_empty() {
                break;
            }
            if Instant::now() >= deadline {
                readiness.unsettled = pending.iter().map(|&i| self.drivers[i].0.clone()).collect();
                break;
            }
            thread::sleep(READY_POLL);
        }
        if !readiness.ready.is_empty() {
            thread::sleep(SETTLE);
        }
        Ok(readiness)
    }

    /// The last lines of upsd's log, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        let path = self.dir.path().join("logs").join("upsd.log");
        let text = fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        format!("--- tail of {} ---\n{tail}", path.display())
    }

    /// The environment every NUT daemon of this sandbox runs with.
    fn nut_env(&self, cmd: &mut Command) {
        let dir = self.dir.path();
        let state = dir.join("state");
        cmd.env("NUT_CONFPATH", dir)
            .env("NUT_STATEPATH", &state)
            .env("NUT_ALTPIDPATH", &state);
        if self.as_root {
            // Without -u, a driver started as root switches to the packaged `nut` user, which
            // cannot read our private directory.
            cmd.args(["-u", "root"]);
        }
    }

    fn write_config(&self, specs: &[UpsSpec]) -> Result<(), String> {
        let dir = self.dir.path();
        let state = dir.join("state");
        let io_err = |what: &str, e: io::Error| format!("{what}: {e}");
        fs::create_dir(&state).map_err(|e| io_err("state dir", e))?;
        fs::set_permissions(&state, fs::Permissions::from_mode(0o770))
            .map_err(|e| io_err("state dir mode", e))?;
        fs::create_dir(dir.join("logs")).map_err(|e| io_err("logs dir", e))?;

        let mut ups_conf = String::from("# written by the nut-rs oracle harness\n");
        for spec in specs {
            // dummy-ups picks its mode from the extension, so keep it; link instead of copying.
            let ext = if spec.dev.extension().is_some_and(|e| e == "seq") {
                "seq"
            } else {
                "dev"
            };
            let file = format!("{}.{ext}", spec.name);
            let source = spec.dev.canonicalize().unwrap_or_else(|_| spec.dev.clone());
            std::os::unix::fs::symlink(&source, dir.join(&file))
                .map_err(|e| io_err(&format!("link {}", source.display()), e))?;
            let _ = write!(
                ups_conf,
                "[{}]\n  driver = dummy-ups\n  port = {file}\n",
                spec.name
            );
            if let Some(desc) = &spec.desc {
                let _ = writeln!(ups_conf, "  desc = \"{}\"", conf_escape(desc));
            }
        }
        fs::write(dir.join("ups.conf"), ups_conf).map_err(|e| io_err("ups.conf", e))?;

        let users = format!(
            "[{ADMIN_USER}]\n  password = {ADMIN_PASS}\n  actions = SET\n  actions = FSD\n  \
             instcmds = ALL\n\n[monuser]\n  password = monpass\n  upsmon primary\n"
        );
        write_private(&dir.join("upsd.users"), &users).map_err(|e| io_err("upsd.users", e))
    }

    fn spawn_driver(&self, ups: &str) -> Result<Child, String> {
        let log = self
            .dir
            .path()
            .join("logs")
            .join(format!("driver-{ups}.log"));
        let mut cmd = Command::new(REAL_DUMMY_UPS);
        cmd.args(["-a", ups, "-F"]);
        self.nut_env(&mut cmd);
        spawn_logged(&mut cmd, &log).map_err(|e| format!("start {REAL_DUMMY_UPS} -a {ups}: {e}"))
    }

    /// Starts upsd on a free port, moving to another port when the bind fails (another
    /// process may take a port between our check and upsd's bind).
    fn start_upsd(&mut self) -> Result<(), String> {
        let dir = self.dir.path().to_path_buf();
        let log = dir.join("logs").join("upsd.log");
        let mut failures = String::new();
        for _ in 0..UPSD_START_ATTEMPTS {
            let port = next_free_port().ok_or_else(|| {
                format!("no free loopback port in {PORT_FIRST}-{PORT_LAST}{failures}")
            })?;
            write_private(
                &dir.join("upsd.conf"),
                &format!("LISTEN 127.0.0.1 {port}\n"),
            )
            .map_err(|e| format!("upsd.conf: {e}"))?;
            let mut cmd = Command::new(REAL_UPSD);
            cmd.arg("-F");
            self.nut_env(&mut cmd);
            let mut child =
                spawn_logged(&mut cmd, &log).map_err(|e| format!("start {REAL_UPSD}: {e}"))?;
            let deadline = Instant::now() + UPSD_LISTEN_TIMEOUT;
            loop {
                let text = fs::read_to_string(&log).unwrap_or_default();
                if text.lines().any(|l| l.starts_with("listening on ")) {
                    self.port = port;
                    self.upsd = Some(child);
                    return Ok(());
                }
                if matches!(child.try_wait(), Ok(Some(_))) {
                    let _ = write!(failures, "\nupsd on port {port} exited:\n{text}");
                    break;
                }
                if Instant::now() >= deadline {
                    stop_children(&mut [&mut child], STOP_GRACE);
                    return Err(format!(
                        "upsd did not listen within {UPSD_LISTEN_TIMEOUT:?}:\n{text}"
                    ));
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
        Err(format!("upsd could not start{failures}"))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let mut children: Vec<&mut Child> = self.upsd.iter_mut().collect();
        children.extend(self.drivers.iter_mut().map(|(_, c)| c));
        stop_children(&mut children, STOP_GRACE);
    }
}

/// Rejects names that would break the generated files or collide.
fn check_names(specs: &[UpsSpec]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for spec in specs {
        let name = spec.name.as_str();
        let valid = !name.is_empty()
            && name.len() <= MAX_UPS_NAME
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(format!(
                "bad UPS name {name:?}: use 1-{MAX_UPS_NAME} of [A-Za-z0-9_-]"
            ));
        }
        if !seen.insert(name) {
            return Err(format!("UPS name {name:?} given twice"));
        }
    }
    Ok(())
}

/// Escapes a value for a double-quoted NUT config string.
fn conf_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Writes a file readable by its owner only (upsd warns about world-readable secrets).
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    fs::write(path, text)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

/// Spawns `cmd` with stdin closed and stdout+stderr appended to `log`.
fn spawn_logged(cmd: &mut Command, log: &Path) -> io::Result<Child> {
    let out = File::options().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
}

/// Whether this process runs with effective UID 0 (read from `/proc`, no libc needed).
fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// A port of 13700-13799 that nothing listens on right now. Each process starts at its own
/// offset and walks the range, so concurrent test processes rarely race for one port.
pub(crate) fn next_free_port() -> Option<u16> {
    static CURSOR: AtomicU32 = AtomicU32::new(0);
    let span = u32::from(PORT_LAST - PORT_FIRST) + 1;
    let salt = std::process::id().wrapping_mul(7);
    for _ in 0..span {
        let step = CURSOR.fetch_add(1, Ordering::Relaxed);
        let offset = u16::try_from(salt.wrapping_add(step) % span).ok()?;
        let port = PORT_FIRST + offset;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Some(port);
        }
    }
    None
}

/// A minimal line client for readiness checks, independent of the code under test.
struct WireClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl WireClient {
    /// Connects to upsd, retrying until `deadline` (it may still be starting).
    fn connect(port: u16, deadline: Instant) -> io::Result<Self> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        loop {
            match TcpStream::connect_timeout(&addr, WIRE_TIMEOUT) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(WIRE_TIMEOUT))?;
                    stream.set_write_timeout(Some(WIRE_TIMEOUT))?;
                    stream.set_nodelay(true)?;
                    let writer = stream.try_clone()?;
                    return Ok(Self {
                        reader: BufReader::new(stream),
                        writer,
                    });
                }
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Sends one command line and returns the first reply line without its newline.
    fn request(&mut self, line: &str) -> io::Result<String> {
        self.writer.write_all(format!("{line}\n").as_bytes())?;
        let mut reply = String::new();
        let read = (&mut self.reader)
            .take(WIRE_MAX_LINE)
            .read_line(&mut reply)?;
        if read == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "upsd closed"));
        }
        Ok(reply.trim_end_matches(['\r', '\n']).to_owned())
    }
}
