//! The process side of the serial-driver tests: a scratch NUT
//! configuration and state directory, a driver process (ours from
//! `CARGO_BIN_EXE_*` or NUT's from `/lib/nut`, killed by PID), and a
//! state-socket client that accumulates what the driver publishes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs NUT's drivers.
pub(crate) const NUT_DRIVER_DIR: &str = "/lib/nut";
/// How long a driver may take to open its state socket.
const START_TIMEOUT: Duration = Duration::from_secs(40);
/// How long a driver may refuse connections after its socket appears.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one DUMPALL may take.
const DUMP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a change may take to show.
pub(crate) const CHANGE_TIMEOUT: Duration = Duration::from_secs(40);
/// Between two DUMPALLs while waiting for a change.
const SAMPLE: Duration = Duration::from_millis(300);

/// A scratch configuration and state directory, removed on drop.
pub(crate) struct Lab {
    pub(crate) dir: PathBuf,
}

impl Lab {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "nut-cli-serial-{}-{}",
            std::process::id(),
            name.replace('/', "_")
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("lab dir");
        Self { dir }
    }

    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Writes `ups.conf` with one section `[ups]`.
    pub(crate) fn write_conf(&self, driver: &str, port: &str, extra: &[(&str, &str)]) {
        let mut conf = format!("[ups]\n  driver = {driver}\n  port = {port}\n");
        for (k, v) in extra {
            let _ = writeln!(conf, "  {k} = {v}");
        }
        std::fs::write(self.dir.join("ups.conf"), conf).expect("ups.conf");
    }

    /// A driver command with this lab's environment.
    pub(crate) fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("NUT_CONFPATH", &self.dir)
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.state())
            .env_remove("NUT_DEBUG_LEVEL")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `program args…` to its end (bounded).
    pub(crate) fn run(&self, program: &Path, args: &[&str]) -> Output {
        let mut child = self
            .command(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + START_TIMEOUT;
        while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait_with_output().expect("output")
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
    /// Starts `program` (named `driver` in ups.conf) on `port` and waits
    /// for its socket.
    pub(crate) fn start(
        lab: &Lab,
        program: &Path,
        driver: &str,
        port: &str,
        extra: &[(&str, &str)],
    ) -> Result<Self, String> {
        lab.write_conf(driver, port, extra);
        let log = lab.dir.join(format!("{driver}.log"));
        let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = lab
            .command(program)
            .args(["-a", "ups", "-u", "root", "-D"])
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", program.display()))?;
        let me = Self {
            child,
            socket: lab.state().join(format!("{driver}-ups")),
            log,
        };
        let mut me = me;
        let deadline = Instant::now() + START_TIMEOUT;
        while !me.socket.exists() {
            if let Ok(Some(status)) = me.child.try_wait() {
                return Err(format!("{driver} exited ({status}): {}", me.log_text()));
            }
            if Instant::now() > deadline {
                return Err(format!("{driver} opened no socket: {}", me.log_text()));
            }
            std::thread::sleep(Duration::from_millis(50));
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

/// What a driver's socket said, accumulated over DUMPALLs and broadcasts.
#[derive(Debug, Default, Clone)]
pub(crate) struct Dump {
    pub(crate) vars: BTreeMap<String, String>,
    pub(crate) flags: BTreeMap<String, String>,
    pub(crate) ranges: BTreeMap<String, Vec<String>>,
    pub(crate) cmds: Vec<String>,
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

/// A state-socket client; stays connected until the driver is killed
/// (NUT 2.8.0 drivers crash when a client leaves first).
pub(crate) struct Sock {
    reader: BufReader<UnixStream>,
    pub(crate) dump: Dump,
}

impl Sock {
    pub(crate) fn connect(path: &Path) -> Result<Self, String> {
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(stream) => break stream,
                Err(_) if Instant::now() < deadline => {
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

    /// Sends one line and reads until a line starting with `until`.
    fn request(&mut self, line: &str, until: &str) -> Result<String, String> {
        self.reader
            .get_mut()
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + DUMP_TIMEOUT;
        let mut text = String::new();
        loop {
            if Instant::now() > deadline {
                return Err(format!("no {until} after {line}"));
            }
            text.clear();
            match self.reader.read_line(&mut text) {
                Ok(0) => return Err("driver closed the socket".into()),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e.to_string()),
            }
            let line = text.trim_end_matches('\n').to_owned();
            self.apply(&line);
            if line.starts_with(until) {
                return Ok(line);
            }
        }
    }

    fn apply(&mut self, line: &str) {
        let w = words(line);
        let d = &mut self.dump;
        match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["SETINFO", name, value] => {
                d.vars.insert((*name).to_owned(), (*value).to_owned());
            }
            ["DELINFO", name] => {
                d.vars.remove(*name);
            }
            ["SETFLAGS", name, flags @ ..] => {
                d.flags.insert((*name).to_owned(), flags.join(" "));
            }
            ["ADDRANGE", name, min, max] => d
                .ranges
                .entry((*name).to_owned())
                .or_default()
                .push(format!("{min}-{max}")),
            ["ADDCMD", cmd] => d.cmds.push((*cmd).to_owned()),
            ["DATASTALE"] => d.stale = true,
            ["DATAOK"] => d.stale = false,
            _ => {}
        }
    }

    /// DUMPALL (the lists are rebuilt; values accumulate).
    pub(crate) fn dumpall(&mut self) -> Result<&Dump, String> {
        self.dump.cmds.clear();
        self.dump.ranges.clear();
        self.request("DUMPALL", "DUMPDONE")?;
        Ok(&self.dump)
    }

    /// `INSTCMD cmd [param] TRACKING id`: the driver's result code.
    pub(crate) fn instcmd(&mut self, cmd: &str, param: Option<&str>) -> Result<String, String> {
        let line = match param {
            Some(p) => format!("INSTCMD {cmd} {p} TRACKING t-{cmd}"),
            None => format!("INSTCMD {cmd} TRACKING t-{cmd}"),
        };
        let reply = self.request(&line, &format!("TRACKING t-{cmd}"))?;
        Ok(reply.rsplit(' ').next().unwrap_or_default().to_owned())
    }

    /// `SET var "value" TRACKING id`: the driver's result code.
    pub(crate) fn set(&mut self, var: &str, value: &str) -> Result<String, String> {
        let line = format!("SET {var} \"{value}\" TRACKING t-{var}");
        let reply = self.request(&line, &format!("TRACKING t-{var}"))?;
        Ok(reply.rsplit(' ').next().unwrap_or_default().to_owned())
    }

    /// Samples until `done` holds, recording each `ups.status` seen.
    pub(crate) fn wait(
        &mut self,
        what: &str,
        seen: &mut Vec<String>,
        mut done: impl FnMut(&Dump) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + CHANGE_TIMEOUT;
        loop {
            let dump = self.dumpall()?;
            let status = dump.vars.get("ups.status").cloned().unwrap_or_default();
            let ok = done(dump);
            if !status.is_empty() && seen.last() != Some(&status) {
                seen.push(status);
            }
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("never {what} (statuses seen: {seen:?})"));
            }
            std::thread::sleep(SAMPLE);
        }
    }

    /// Samples until `ups.status` is `want`.
    pub(crate) fn wait_status(&mut self, want: &str, seen: &mut Vec<String>) -> Result<(), String> {
        self.wait(&format!("ups.status {want:?}"), seen, |d| {
            d.vars.get("ups.status").map(String::as_str) == Some(want)
        })
    }
}
