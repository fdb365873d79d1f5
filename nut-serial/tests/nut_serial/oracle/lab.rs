//! The real driver's side: a scratch configuration and state directory,
//! the driver process (killed by PID), and a state-socket client.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::DRIVER_DIR;

/// How long a driver may take to open its state socket.
const START_TIMEOUT: Duration = Duration::from_secs(40);
/// How long a driver may refuse connections after its socket appears.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one DUMPALL may take.
const DUMP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a status change may take to show.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(40);
/// Between two DUMPALLs while waiting for a change.
const SAMPLE: Duration = Duration::from_millis(300);

/// A scratch NUT configuration and state directory, removed on drop.
pub(super) struct Lab {
    pub(super) dir: PathBuf,
}

impl Lab {
    pub(super) fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("nut-serial-oracle-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("lab dir");
        Self { dir }
    }

    pub(super) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A real driver in the foreground, killed by PID on drop.
pub(super) struct Driver {
    pub(super) child: Child,
    pub(super) socket: PathBuf,
    pub(super) log: PathBuf,
}

impl Driver {
    pub(super) fn start(
        lab: &Lab,
        driver: &str,
        section: &str,
        port: &str,
        extra: &[(&str, &str)],
    ) -> Result<Self, String> {
        let mut conf = format!("[{section}]\n  driver = {driver}\n  port = {port}\n");
        for (k, v) in extra {
            let _ = writeln!(conf, "  {k} = {v}");
        }
        std::fs::write(lab.dir.join("ups.conf"), conf).map_err(|e| e.to_string())?;
        let log = lab.dir.join(format!("{driver}.log"));
        let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(Path::new(DRIVER_DIR).join(driver))
            .args(["-a", section, "-u", "root", "-F"])
            .env("NUT_CONFPATH", &lab.dir)
            .env("NUT_STATEPATH", lab.state())
            .env("NUT_ALTPIDPATH", lab.state())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting {driver}: {e}"))?;
        let mut me = Self {
            child,
            socket: lab.state().join(format!("{driver}-{section}")),
            log,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while !me.socket.exists() {
            if let Ok(Some(status)) = me.child.try_wait() {
                return Err(format!("{driver} exited ({status}): {}", me.log_text()));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{driver} opened no socket in {START_TIMEOUT:?}: {}",
                    me.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(me)
    }

    pub(super) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .replace('\n', " | ")
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
pub(super) struct Dump {
    pub(super) vars: BTreeMap<String, String>,
    pub(super) enums: BTreeMap<String, Vec<String>>,
    pub(super) cmds: Vec<String>,
}

/// A state-socket client that never disconnects before the driver dies.
pub(super) struct Sock {
    pub(super) reader: BufReader<UnixStream>,
    pub(super) dump: Dump,
}

/// Splits a socket line into words (`"…"` quoted, `\` escapes).
pub(super) fn words(line: &str) -> Vec<String> {
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
    pub(super) fn connect(path: &Path) -> Result<Self, String> {
        // The driver binds its socket (the file appears) before it listens:
        // a connection in between is refused, so retry for a while.
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

    /// Sends DUMPALL and reads until DUMPDONE; broadcasts are applied too.
    pub(super) fn dumpall(&mut self) -> Result<&Dump, String> {
        self.reader
            .get_mut()
            .write_all(b"DUMPALL\n")
            .map_err(|e| e.to_string())?;
        self.dump.enums.clear();
        self.dump.cmds.clear();
        let deadline = Instant::now() + DUMP_TIMEOUT;
        let mut line = String::new();
        loop {
            if Instant::now() > deadline {
                return Err("no DUMPDONE".into());
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
                    continue;
                }
                Err(e) => return Err(e.to_string()),
            }
            let w = words(line.trim_end_matches('\n'));
            match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["SETINFO", name, value] => {
                    self.dump
                        .vars
                        .insert((*name).to_owned(), (*value).to_owned());
                }
                ["DELINFO", name] => {
                    self.dump.vars.remove(*name);
                }
                ["ADDENUM", name, value] => {
                    self.dump
                        .enums
                        .entry((*name).to_owned())
                        .or_default()
                        .push((*value).to_owned());
                }
                ["ADDCMD", cmd] => self.dump.cmds.push((*cmd).to_owned()),
                ["DUMPDONE"] => return Ok(&self.dump),
                _ => {}
            }
        }
    }

    /// Samples until `ups.status` is `want`, recording each status seen.
    pub(super) fn wait_status(&mut self, want: &str, seen: &mut Vec<String>) -> Result<(), String> {
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
}
