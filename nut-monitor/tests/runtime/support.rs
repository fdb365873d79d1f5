//! Test plumbing: lab directories, the logging NOTIFYCMD/SHUTDOWNCMD
//! scripts, our programs as processes (stopped by PID), waiting.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::EXEC_ENV;

/// A scratch directory, removed on drop.
pub(crate) struct Lab {
    pub(crate) dir: PathBuf,
}

impl Lab {
    pub(crate) fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "nutrs-rt-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub(crate) fn script(&self, name: &str, body: &str) -> PathBuf {
        let p = self.write(name, &format!("#!/bin/sh\n{body}\n"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// `notify.sh` and `shutdown.sh` logging `<ms> <TYPE> <UPSNAME>|<msg>`
    /// and `<ms> SHUTDOWNCMD` to `events.log`.
    pub(crate) fn logging_scripts(&self) -> (PathBuf, PathBuf) {
        let log = self.path("events.log");
        let log = log.display();
        let n = self.script(
            "notify.sh",
            &format!("echo \"$(date +%s%3N) $NOTIFYTYPE $UPSNAME|$*\" >> {log}"),
        );
        let s = self.script(
            "shutdown.sh",
            &format!("echo \"$(date +%s%3N) SHUTDOWNCMD uid=$(id -u)\" >> {log}"),
        );
        (n, s)
    }

    /// `(ms, word)` of every line of `events.log`.
    pub(crate) fn events(&self) -> Vec<(u64, String)> {
        read_events(&self.path("events.log"))
    }

    /// The event names in [`normalize`]d order.
    pub(crate) fn event_names(&self) -> Vec<String> {
        normalize(&self.events())
    }

    /// A wrapper script that runs this test binary as `program`.
    pub(crate) fn program_wrapper(&self, program: &str) -> PathBuf {
        let exe = std::env::current_exe().unwrap();
        self.script(
            program,
            &format!("{EXEC_ENV}={program} exec {} \"$@\"", exe.display()),
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if std::env::var_os("KEEP_LAB").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("lab kept: {}", self.dir.display());
        }
    }
}

/// Events closer than this are one burst whose order is not defined.
pub(crate) const BURST: u64 = 100;

/// Names in time order, except that a burst of events less than [`BURST`]
/// apart is sorted by name: upsmon starts one NOTIFYCMD process per
/// notification (NUT forks for each), so notifications raised in the same
/// poll (LOWBATT and SHUTDOWN) reach the log in either order, with real
/// NUT as with ours.
pub(crate) fn normalize(events: &[(u64, String)]) -> Vec<String> {
    let mut sorted = events.to_vec();
    sorted.sort();
    let mut out = Vec::new();
    let mut burst: Vec<String> = Vec::new();
    let mut last = None;
    for (t, name) in sorted {
        if last.is_some_and(|l: u64| t - l >= BURST) {
            burst.sort();
            out.append(&mut burst);
        }
        last = Some(t);
        burst.push(name);
    }
    burst.sort();
    out.append(&mut burst);
    out
}

pub(crate) fn read_events(path: &Path) -> Vec<(u64, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut w = l.splitn(3, ' ');
            let ms = w.next()?.parse().ok()?;
            Some((ms, w.next()?.to_owned()))
        })
        .collect()
}

/// This test binary as `program`, in `lab` (NUT_CONFPATH/NUT_ALTPIDPATH).
pub(crate) fn program(program: &str, lab: &Lab) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.env(EXEC_ENV, program)
        .env("NUT_CONFPATH", &lab.dir)
        .env("NUT_STATEPATH", &lab.dir)
        .env("NUT_ALTPIDPATH", &lab.dir)
        .stdin(Stdio::null());
    c
}

/// Runs `program args` to completion (bounded by `timeout` via the caller's
/// choice of args; these calls return at once).
pub(crate) fn run(program_name: &str, lab: &Lab, args: &[&str]) -> Output {
    program(program_name, lab).args(args).output().unwrap()
}

/// A started process, killed by PID on drop, with its PID-file child.
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) pid_file: Option<PathBuf>,
    pub(crate) log: PathBuf,
}

impl Running {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself.
    pub(crate) fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub(crate) fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(pid) = self
            .pid_file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|t| t.trim().parse::<i32>().ok())
        {
            kill(pid);
        }
        for pid in children_of(self.child.id()) {
            kill(pid);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM to one PID (ours to stop).
pub(crate) fn kill(pid: i32) {
    let _ = Command::new("kill")
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Direct children of `pid` (from /proc).
pub(crate) fn children_of(pid: u32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Starts our upsmon in `lab` with `args`, output to `lab/upsmon.out`.
pub(crate) fn start_upsmon(lab: &Lab, args: &[&str]) -> Running {
    let log = lab.path("upsmon.out");
    let out = std::fs::File::create(&log).unwrap();
    let child = program("upsmon", lab)
        .args(args)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    Running {
        child,
        pid_file: Some(lab.path("upsmon.pid")),
        log,
    }
}

/// Polls `cond` every 50 ms until it holds or `within` passes.
pub(crate) fn wait_for(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills every upssched timer daemon started for `lab` (found through
/// /proc: its command line and its NUT_CONFPATH).
pub(crate) fn kill_sched_daemons(lab: &Lab) {
    let needle = format!("NUT_CONFPATH={}", lab.dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmd).contains("--nut-rs-daemon") {
            continue;
        }
        let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
        if String::from_utf8_lossy(&env)
            .split('\0')
            .any(|v| v == needle)
        {
            kill(pid);
        }
    }
}

/// The upsmon.conf body shared by the tests: fast polls, every type EXEC'd.
pub(crate) fn upsmon_conf(monitor: &str, notify: &Path, shutdown: &Path, extra: &str) -> String {
    let mut conf = format!(
        "{monitor}\nMINSUPPLIES 1\nSHUTDOWNCMD \"{}\"\nNOTIFYCMD \"{}\"\n\
         POLLFREQ 1\nPOLLFREQALERT 1\nHOSTSYNC 3\nDEADTIME 5\nFINALDELAY 1\n{extra}\n",
        shutdown.display(),
        notify.display()
    );
    for t in [
        "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "REPLBATT",
        "NOCOMM", "NOPARENT",
    ] {
        conf.push_str(&format!("NOTIFYFLAG {t} SYSLOG+EXEC\n"));
    }
    conf
}

/// Scenarios and steps compared by the oracle tests of this run.
static COMPARED: std::sync::Mutex<(usize, usize)> = std::sync::Mutex::new((0, 0));

/// Adds one oracle test's counts to the run's total.
pub(crate) fn record_compared(scenarios: usize, steps: usize) {
    let mut total = COMPARED.lock().unwrap();
    total.0 += scenarios;
    total.1 += steps;
}

/// `(scenarios, steps)` compared so far by every oracle test.
pub(crate) fn compared_totals() -> (usize, usize) {
    *COMPARED.lock().unwrap()
}
