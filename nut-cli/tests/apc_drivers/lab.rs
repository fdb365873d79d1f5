//! The harness: a scratch NUT directory, a driver process (ours or
//! Debian's, killed by PID), and a state-socket client that keeps what
//! `DUMPALL` and the broadcasts said.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs NUT's drivers.
pub(crate) const NUT_DRIVERS: &str = "/lib/nut";
/// How long a driver may take to open its state socket.
const START_TIMEOUT: Duration = Duration::from_secs(40);
/// How long a driver may refuse connections after its socket appears.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one DUMPALL may take.
const DUMP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a status change may take to show.
pub(crate) const CHANGE_TIMEOUT: Duration = Duration::from_secs(40);
/// Between two samples while waiting for a change.
const SAMPLE: Duration = Duration::from_millis(300);

/// Whether Debian's driver `name` is installed; panics when it must be
/// (env `CI`), else says loudly that the test is skipped.
pub(crate) fn real_driver(name: &str) -> Option<PathBuf> {
    let path = Path::new(NUT_DRIVERS).join(name);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing and CI is set: install nut-server",
        path.display()
    );
    eprintln!(
        "SKIPPED: needs NUT's {name} ({} not found; apt-get install nut-server)",
        path.display()
    );
    None
}

/// A scratch configuration and state directory, removed on drop.
pub(crate) struct Lab {
    pub(crate) dir: PathBuf,
}

impl Lab {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nut-cli-apc-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("lab dir");
        Self { dir }
    }

    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Writes `ups.conf` with one section.
    pub(crate) fn ups_conf(&self, section: &str, driver: &str, port: &str, extra: &[(&str, &str)]) {
        let mut conf = format!("[{section}]\n  driver = {driver}\n  port = {port}\n");
        for (k, v) in extra {
            let _ = writeln!(conf, "  {k} = {v}");
        }
        std::fs::write(self.dir.join("ups.conf"), conf).expect("ups.conf");
    }

    /// A command for `program` with this lab's environment.
    pub(crate) fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("NUT_CONFPATH", &self.dir)
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.state())
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
    /// Starts `program` (named `name`) for section `section` of the lab's
    /// `ups.conf`, with `args` added, and waits for its socket.
    pub(crate) fn start(
        lab: &Lab,
        program: &Path,
        name: &str,
        section: &str,
        args: &[&str],
    ) -> Result<Self, String> {
        let log = lab.dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = lab
            .command(program)
            .args(["-a", section, "-u", "root", "-F"])
            .args(args)
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", program.display()))?;
        let mut me = Self {
            child,
            socket: lab.state().join(format!("{name}-{section}")),
            log,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while !me.socket.exists() {
            if let Ok(Some(status)) = me.child.try_wait() {
                return Err(format!("{name} exited ({status}): {}", me.log_text()));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{name} opened no socket in {START_TIMEOUT:?}: {}",
                    me.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(me)
    }

    /// Waits up to `timeout` for the driver to exit on its own.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the driver's log contains `needle`.
    pub(crate) fn wait_log(&self, needle: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.log_text();
            if let Some(line) = text.lines().find(|l| l.contains(needle)) {
                return Ok(line.to_owned());
            }
            if Instant::now() > deadline {
                return Err(format!("log never said {needle:?}: {text}"));
            }
            std::thread::sleep(SAMPLE);
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a driver's socket said.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Dump {
    pub(crate) vars: BTreeMap<String, String>,
    pub(crate) flags: BTreeMap<String, String>,
    pub(crate) aux: BTreeMap<String, String>,
    pub(crate) enums: BTreeMap<String, Vec<String>>,
    pub(crate) cmds: Vec<String>,
    pub(crate) stale: bool,
}

/// A state-socket client that stays connected until the driver dies
/// (NUT 2.8.0 drivers crash when a client leaves first).
pub(crate) struct Sock {
    reader: BufReader<UnixStream>,
    pub(crate) dump: Dump,
}

/// Splits a socket line into words (`"…"` quoted, `\` escapes).
pub(crate) fn words(line: &str) -> Vec<String> {
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
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(stream) => break stream,
                Err(e)
                    if e.kind() == std::io::ErrorKind::ConnectionRefused
                        && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            reader: BufReader::new(stream),
            dump: Dump::default(),
        })
    }

    fn apply(&mut self, w: &[&str]) {
        match w {
            ["SETINFO", name, value] => {
                self.dump
                    .vars
                    .insert((*name).to_owned(), (*value).to_owned());
            }
            ["DELINFO", name] => {
                self.dump.vars.remove(*name);
            }
            ["SETFLAGS", name, flags @ ..] => {
                self.dump.flags.insert((*name).to_owned(), flags.join(" "));
            }
            ["SETAUX", name, aux] => {
                self.dump.aux.insert((*name).to_owned(), (*aux).to_owned());
            }
            ["ADDENUM", name, value] => self
                .dump
                .enums
                .entry((*name).to_owned())
                .or_default()
                .push((*value).to_owned()),
            ["ADDCMD", cmd] => self.dump.cmds.push((*cmd).to_owned()),
            ["DATASTALE"] => self.dump.stale = true,
            ["DATAOK"] => self.dump.stale = false,
            _ => {}
        }
    }

    /// Reads what is waiting (broadcasts), up to `until` a line `until`.
    fn read_until(&mut self, until: Option<&str>, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut line = String::new();
        loop {
            if Instant::now() > deadline {
                return match until {
                    Some(u) => Err(format!("no {u}")),
                    None => Ok(()),
                };
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
            self.apply(&w);
        }
    }

    /// Sends one command line (`INSTCMD …`, `SET …`).
    pub(crate) fn send(&mut self, line: &str) -> Result<(), String> {
        self.reader
            .get_mut()
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|e| e.to_string())
    }

    /// Sends DUMPALL and reads until DUMPDONE.
    pub(crate) fn dumpall(&mut self) -> Result<&Dump, String> {
        self.reader
            .get_mut()
            .write_all(b"DUMPALL\n")
            .map_err(|e| e.to_string())?;
        self.dump.enums.clear();
        self.dump.cmds.clear();
        self.read_until(Some("DUMPDONE"), DUMP_TIMEOUT)?;
        Ok(&self.dump)
    }

    /// Reads broadcasts for a while.
    pub(crate) fn listen(&mut self, timeout: Duration) -> Result<&Dump, String> {
        self.read_until(None, timeout)?;
        Ok(&self.dump)
    }

    /// Samples until `ups.status` is `want`, recording each status seen.
    pub(crate) fn wait_status(&mut self, want: &str, seen: &mut Vec<String>) -> Result<(), String> {
        let deadline = Instant::now() + CHANGE_TIMEOUT;
        loop {
            let status = self
                .dumpall()?
                .vars
                .get("ups.status")
                .cloned()
                .unwrap_or_default();
            if !status.is_empty() && seen.last() != Some(&status) {
                seen.push(status.clone());
            }
            if status == want {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("ups.status never became {want:?} (saw {seen:?})"));
            }
            std::thread::sleep(SAMPLE);
        }
    }

    /// Waits until the driver says its data is stale (`true`) or fresh.
    pub(crate) fn wait_stale(&mut self, stale: bool, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.listen(SAMPLE)?.stale == stale {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "data never became {}",
                    if stale { "stale" } else { "fresh" }
                ));
            }
        }
    }
}
