//! The harness: `nut sim netxml` as a child process (its console on a
//! pipe), a scratch NUT directory, netxml-ups processes (ours or Debian's,
//! killed by PID) and a state-socket client.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's netxml-ups (package nut-xml).
pub(crate) const REAL_NETXML: &str = "/lib/nut/netxml-ups";
/// How long a driver may take to open its state socket.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one DUMPALL may take.
const DUMP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a change may take to show (several poll intervals).
pub(crate) const CHANGE_TIMEOUT: Duration = Duration::from_secs(20);

/// Our binaries.
pub(crate) fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_netxml-ups"))
}

fn nut() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nut"))
}

/// Debian's netxml-ups, or `None` (loudly skipped; a failure under `CI`).
pub(crate) fn real_netxml() -> Option<PathBuf> {
    let path = PathBuf::from(REAL_NETXML);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{REAL_NETXML} missing and CI is set: apt-get install nut-xml"
    );
    eprintln!("SKIPPED: needs NUT's netxml-ups ({REAL_NETXML} not found; apt-get install nut-xml)");
    None
}

/// `nut sim netxml --port 0`, stopped by PID on drop.
pub(crate) struct Sim {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The card's URL.
    pub(crate) url: String,
}

impl Sim {
    pub(crate) fn start(extra: &[&str]) -> Self {
        let mut child = Command::new(nut())
            .args(["sim", "netxml", "--port", "0"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("nut sim netxml starts");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("first line");
        let url = first
            .trim()
            .rsplit(' ')
            .next()
            .expect("url on the first line")
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{first}");
        let mut help = String::new();
        stdout.read_line(&mut help).expect("second line");
        Self {
            child,
            stdin,
            stdout,
            url,
        }
    }

    /// Sends a console command and returns its one-line reply.
    pub(crate) fn command(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").expect("console write");
        let mut reply = String::new();
        self.stdout.read_line(&mut reply).expect("console reply");
        reply.trim().to_owned()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scratch configuration and state directory, removed on drop.
pub(crate) struct Lab {
    pub(crate) dir: PathBuf,
}

impl Lab {
    pub(crate) fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("nut-cli-netxml-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("lab dir");
        Self { dir }
    }

    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Writes `ups.conf` with one section `card` for `url`.
    pub(crate) fn ups_conf(&self, url: &str, extra: &[&str]) {
        let mut conf = format!("pollinterval = 1\n[card]\n  driver = netxml-ups\n  port = {url}\n");
        for line in extra {
            conf.push_str(&format!("  {line}\n"));
        }
        std::fs::write(self.dir.join("ups.conf"), conf).expect("ups.conf");
    }

    pub(crate) fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("NUT_CONFPATH", &self.dir)
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.state())
            .env("NUT_QUIET_INIT_BANNER", "1")
            .env_remove("NUT_DEBUG_LEVEL")
            .stdin(Stdio::null());
        cmd
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A driver in the foreground, killed by PID on drop.
pub(crate) struct Driver {
    child: Child,
    pub(crate) socket: PathBuf,
    log: PathBuf,
}

impl Driver {
    pub(crate) fn start(lab: &Lab, program: &Path, tag: &str) -> Result<Self, String> {
        let log = lab.dir.join(format!("{tag}.log"));
        let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = lab
            .command(program)
            .args(["-a", "card", "-u", "root", "-F"])
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", program.display()))?;
        let mut me = Self {
            child,
            socket: lab.state().join("netxml-ups-card"),
            log,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while !me.socket.exists() {
            if let Ok(Some(status)) = me.child.try_wait() {
                return Err(format!("{tag} exited ({status}): {}", me.log_text()));
            }
            if Instant::now() > deadline {
                return Err(format!("{tag} opened no socket: {}", me.log_text()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(me)
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A state-socket client that stays connected (NUT 2.8.0 drivers do not
/// like a client leaving first) and keeps what the driver said.
pub(crate) struct Sock {
    reader: BufReader<UnixStream>,
    pub(crate) vars: BTreeMap<String, String>,
    pub(crate) flags: BTreeMap<String, String>,
    pub(crate) stale: bool,
}

/// Splits a socket line into words (`"…"` quoted, `\` escapes).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped, mut any) = (false, false, false);
    for c in line.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
            any = true;
        } else if c == ' ' && !quoted {
            if any || !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            any = false;
        } else {
            cur.push(c);
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl Sock {
    pub(crate) fn connect(path: &Path) -> Result<Self, String> {
        let stream = UnixStream::connect(path).map_err(|e| format!("{}: {e}", path.display()))?;
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            reader: BufReader::new(stream),
            vars: BTreeMap::new(),
            flags: BTreeMap::new(),
            stale: false,
        })
    }

    pub(crate) fn send(&mut self, line: &str) -> Result<(), String> {
        self.reader
            .get_mut()
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|e| e.to_string())
    }

    /// Reads lines until one equals `until` (or, with `None`, until
    /// nothing comes for a moment).
    fn read_until(&mut self, until: Option<&str>, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut line = String::new();
        loop {
            if Instant::now() > deadline {
                return until.map_or(Ok(()), |u| Err(format!("no {u} in {timeout:?}")));
            }
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return Err("driver closed the socket".into()),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if until.is_none() {
                        return Ok(());
                    }
                    continue;
                }
                Err(e) => return Err(e.to_string()),
            }
            let w = words(line.trim_end_matches('\n'));
            let w: Vec<&str> = w.iter().map(String::as_str).collect();
            if until.is_some_and(|u| w.as_slice() == [u]) {
                return Ok(());
            }
            match w.as_slice() {
                ["SETINFO", name, value] => {
                    self.vars.insert((*name).to_owned(), (*value).to_owned());
                }
                ["DELINFO", name] => {
                    self.vars.remove(*name);
                }
                ["SETFLAGS", name, flags @ ..] => {
                    self.flags.insert((*name).to_owned(), flags.join(" "));
                }
                ["DATASTALE"] => self.stale = true,
                ["DATAOK"] => self.stale = false,
                _ => {}
            }
        }
    }

    /// DUMPALL, read to DUMPDONE.
    pub(crate) fn dumpall(&mut self) -> Result<(), String> {
        self.send("DUMPALL")?;
        self.read_until(Some("DUMPDONE"), DUMP_TIMEOUT)
    }

    /// Samples (DUMPALL) until `check` holds.
    pub(crate) fn wait(&mut self, what: &str, check: impl Fn(&Self) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + CHANGE_TIMEOUT;
        loop {
            self.read_until(None, Duration::from_millis(300))?;
            self.dumpall()?;
            if check(self) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "never {what}: status {:?}, stale {}",
                    self.vars.get("ups.status"),
                    self.stale
                ));
            }
        }
    }

    pub(crate) fn status(&self) -> &str {
        self.vars.get("ups.status").map_or("", String::as_str)
    }
}

/// Debian's upsd for a lab (foreground, killed by PID on drop), on a free
/// loopback port.
pub(crate) struct Upsd {
    child: Child,
    pub(crate) port: u16,
}

impl Upsd {
    pub(crate) fn start(lab: &Lab) -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        std::fs::write(
            lab.dir.join("upsd.conf"),
            format!("LISTEN 127.0.0.1 {port}\nMAXAGE 15\n"),
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(lab.dir.join("upsd.users"), "").map_err(|e| e.to_string())?;
        let child = lab
            .command(Path::new("/lib/nut/upsd"))
            .args(["-u", "root", "-F"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting upsd: {e}"))?;
        let me = Self { child, port };
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("upsd never listened".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(me)
    }

    /// `upsc card@127.0.0.1:<port>` output (empty on failure).
    pub(crate) fn upsc(&self) -> String {
        Command::new("/bin/upsc")
            .arg(format!("card@127.0.0.1:{}", self.port))
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Samples upsc until `ups.status` is `want`; the last output.
    pub(crate) fn wait_status(&self, want: &str) -> Result<String, String> {
        let deadline = Instant::now() + CHANGE_TIMEOUT;
        loop {
            let text = self.upsc();
            if text.lines().any(|l| l == format!("ups.status: {want}")) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(format!("upsc never showed status {want:?}: {text}"));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Upsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
