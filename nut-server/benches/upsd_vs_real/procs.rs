//! Child processes of the benchmark (servers, drivers, the ceiling server)
//! and what `/proc` says about them.
//!
//! Every child is recorded in a [`Registry`] when it is spawned; the
//! registry stops each one by its PID (SIGTERM, then SIGKILL) when asked or
//! when it is dropped, so an error or a panic still leaves nothing behind.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// How long a child gets to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(3);

/// The children started by this run.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    children: Mutex<Vec<(String, Child)>>,
}

impl Registry {
    /// Starts `program args…` with the file-descriptor limit `nofile`
    /// (through `sh`'s `ulimit`, then `exec`, so the PID is the program's),
    /// environment `env`, stdout and stderr appended to `log`.
    pub(crate) fn spawn(
        &self,
        name: &str,
        program: &Path,
        args: &[&str],
        env: &[(&str, &Path)],
        nofile: u32,
        log: &Path,
    ) -> Result<u32, String> {
        let out = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("ulimit -n \"$0\" || exit 111; exec \"$@\"")
            .arg(nofile.to_string())
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", program.display()))?;
        let pid = child.id();
        self.lock().push((name.to_owned(), child));
        Ok(pid)
    }

    /// Whether child `pid` is still running (not exited, not reaped).
    pub(crate) fn alive(&self, pid: u32) -> bool {
        let mut children = self.lock();
        children
            .iter_mut()
            .find(|(_, c)| c.id() == pid)
            .is_some_and(|(_, c)| matches!(c.try_wait(), Ok(None)))
    }

    /// Stops the children whose PIDs are listed (others keep running).
    pub(crate) fn stop(&self, pids: &[u32]) {
        let mut children = self.lock();
        let mut chosen = Vec::new();
        let mut index = 0;
        while index < children.len() {
            if children
                .get(index)
                .is_some_and(|(_, c)| pids.contains(&c.id()))
            {
                chosen.push(children.swap_remove(index));
            } else {
                index += 1;
            }
        }
        drop(children);
        terminate(chosen);
    }

    /// Stops every child still recorded.
    pub(crate) fn stop_all(&self) {
        let all = std::mem::take(&mut *self.lock());
        terminate(all);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, Child)>> {
        self.children.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// SIGTERM to each, wait, SIGKILL to the stubborn, reap all.
fn terminate(mut children: Vec<(String, Child)>) {
    for (_, child) in &mut children {
        if matches!(child.try_wait(), Ok(None)) {
            let _ = kill(pid_of(child), Signal::SIGTERM);
        }
    }
    let deadline = Instant::now() + TERM_GRACE;
    for (name, child) in &mut children {
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() >= deadline => {
                    eprintln!("  {name} (pid {}) ignored SIGTERM: SIGKILL", child.id());
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

fn pid_of(child: &Child) -> Pid {
    Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX))
}

/// One reading of a process's counters.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sample {
    /// When it was taken.
    pub(crate) at: Option<Instant>,
    /// Time on CPU in ns, all threads (`/proc/<pid>/task/*/schedstat`).
    pub(crate) cpu_ns: u64,
    /// utime + stime in clock ticks (`/proc/<pid>/stat`, all threads).
    pub(crate) ticks: u64,
    /// `VmRSS` in kB.
    pub(crate) rss_kb: u64,
    /// `voluntary_ctxt_switches`, all threads.
    pub(crate) voluntary: u64,
    /// `nonvoluntary_ctxt_switches`, all threads.
    pub(crate) involuntary: u64,
}

/// Clock ticks per second of `/proc/<pid>/stat` (Linux's `USER_HZ`).
pub(crate) const USER_HZ: u64 = 100;

/// Reads process `pid`'s counters (`None`: it is gone).
pub(crate) fn sample(pid: u32) -> Option<Sample> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name: state(0) ppid(1) … utime(11) stime(12).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let number = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    let ticks = number(11)? + number(12)?;
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mut result = Sample {
        at: Some(Instant::now()),
        ticks,
        rss_kb: status_field(&status, "VmRSS:").unwrap_or(0),
        ..Sample::default()
    };
    for task in fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let dir = task.path();
        if let Ok(text) = fs::read_to_string(dir.join("schedstat")) {
            result.cpu_ns += text
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(text) = fs::read_to_string(dir.join("status")) {
            result.voluntary += status_field(&text, "voluntary_ctxt_switches:").unwrap_or(0);
            result.involuntary += status_field(&text, "nonvoluntary_ctxt_switches:").unwrap_or(0);
        }
    }
    Some(result)
}

fn status_field(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find(|line| line.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// What happened to a process between two samples.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Delta {
    /// Wall seconds between the samples.
    pub(crate) wall_s: f64,
    /// CPU ms (schedstat).
    pub(crate) cpu_ms: f64,
    /// CPU ms from utime+stime (10 ms resolution).
    pub(crate) ticks_ms: u64,
    /// Voluntary context switches (sleeps, i.e. wake-ups).
    pub(crate) voluntary: u64,
    /// Involuntary context switches.
    pub(crate) involuntary: u64,
}

impl Delta {
    /// The change from `before` to `after`.
    pub(crate) fn between(before: &Sample, after: &Sample) -> Self {
        let wall_s = match (before.at, after.at) {
            (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
            _ => 0.0,
        };
        #[allow(clippy::cast_precision_loss)] // ns counts fit f64's mantissa for years
        let cpu_ms = after.cpu_ns.saturating_sub(before.cpu_ns) as f64 / 1e6;
        Self {
            wall_s,
            cpu_ms,
            ticks_ms: after.ticks.saturating_sub(before.ticks) * 1000 / USER_HZ,
            voluntary: after.voluntary.saturating_sub(before.voluntary),
            involuntary: after.involuntary.saturating_sub(before.involuntary),
        }
    }

    /// CPU use in percent of one core.
    pub(crate) fn cpu_pct(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.cpu_ms / 10.0 / self.wall_s
        } else {
            0.0
        }
    }
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit; returns
/// the new soft limit.
pub(crate) fn raise_nofile() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((_, hard)) => {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
            getrlimit(Resource::RLIMIT_NOFILE).map_or(0, |(soft, _)| soft)
        }
        Err(_) => 0,
    }
}

/// The system's 1-minute load average (to tell a busy box in the report).
pub(crate) fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
