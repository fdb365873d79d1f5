//! Shared helpers: a private NUT directory per test, our upsdrvctl run in
//! this process (output captured), the real `/sbin/upsdrvctl` run as a
//! process (bounded in time), real-NUT detection (skip loudly, fail under
//! `CI`), fake driver scripts, and clean-up of every process by PID.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nut_server::runtime::paths::NutPaths;
use nut_server::upsdrvctl::{self, Environment};

/// Real NUT 2.8.0's upsdrvctl.
pub(crate) const REAL_UPSDRVCTL: &str = "/sbin/upsdrvctl";
/// The real dummy-ups.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
/// The real upsd.
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real upsc.
pub(crate) const REAL_UPSC: &str = "/bin/upsc";
/// Where the real drivers are.
pub(crate) const REAL_DRIVERPATH: &str = "/lib/nut";

/// The loopback ports this suite may use (14200-14249).
pub(crate) const PORT_BASE: u16 = 14200;

/// The program name both upsdrvctls are given (it shows in help only).
pub(crate) const ARGV0: &str = "/sbin/upsdrvctl";

/// Longest any upsdrvctl run may take.
pub(crate) const RUN_LIMIT: Duration = Duration::from_secs(90);

/// Whether real NUT is installed; when not, prints a SKIPPED line, and
/// panics if `CI` is set.
pub(crate) fn real_nut(test: &str) -> bool {
    let needed = [REAL_UPSDRVCTL, REAL_DUMMY_UPS, REAL_UPSD, REAL_UPSC];
    let present = needed.iter().all(|p| Path::new(p).exists());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: real NUT 2.8.0 ({}) is required when CI is set",
            needed.join(", ")
        );
        eprintln!("SKIPPED {test}: real NUT 2.8.0 not installed ({REAL_UPSDRVCTL})");
    }
    present
}

/// What a run printed and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
    /// Exit status.
    pub(crate) code: i32,
}

impl Outcome {
    /// Standard error without NUT's debug timestamps (`   0.000070\t`).
    pub(crate) fn stderr_untimed(&self) -> String {
        self.stderr
            .lines()
            .map(|line| format!("{}\n", strip_timestamp(line)))
            .collect()
    }

    /// The lines of standard error containing `needle`.
    pub(crate) fn stderr_lines_with(&self, needle: &str) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| l.contains(needle))
            .map(|l| strip_timestamp(l).to_owned())
            .collect()
    }
}

/// `line` without a leading `<spaces><secs>.<6 digits>\t`.
pub(crate) fn strip_timestamp(line: &str) -> &str {
    let Some((head, rest)) = line.split_once('\t') else {
        return line;
    };
    let head = head.trim_start();
    let is_stamp = head.split_once('.').is_some_and(|(s, us)| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && us.len() == 6
            && us.bytes().all(|b| b.is_ascii_digit())
    });
    if is_stamp { rest } else { line }
}

/// A private NUT directory (`NUT_CONFPATH`, with `state/` for sockets and
/// PID files); on drop, every process named by a PID file in it (or by a
/// `*.pid` the fake drivers write in `run/`) is stopped and the directory
/// removed.
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
        let dir = std::env::temp_dir().join(format!("upsdrvctl-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["state", "run", "bin"] {
            std::fs::create_dir_all(dir.join(sub)).expect("create lab");
        }
        let _ = std::fs::set_permissions(dir.join("state"), std::fs::Permissions::from_mode(0o770));
        Self { dir }
    }

    /// The state directory (sockets, PID files).
    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Where fake drivers live (a `driverpath`).
    pub(crate) fn bin(&self) -> PathBuf {
        self.dir.join("bin")
    }

    /// Where fake drivers leave their PID and call records.
    pub(crate) fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// Writes a file (mode 0600, as upsd wants its files).
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write lab file");
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        path
    }

    /// Writes `ups.conf`.
    pub(crate) fn ups_conf(&self, text: &str) {
        self.write("ups.conf", text);
    }

    /// Writes an executable shell script `bin/<name>` (a fake driver).
    /// `$RUN` in it names [`Lab::run_dir`].
    pub(crate) fn fake_driver(&self, name: &str, body: &str) -> PathBuf {
        self.script(&self.bin().join(name), body)
    }

    /// Writes an executable shell script at `path`.
    pub(crate) fn script(&self, path: &Path, body: &str) -> PathBuf {
        let text = format!("#!/bin/sh\nRUN='{}'\n{body}\n", self.run_dir().display());
        std::fs::write(path, text).expect("write script");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path.to_owned()
    }

    /// Our upsdrvctl's environment for this directory (no drivers of our
    /// own unless the test says so).
    pub(crate) fn environment(&self) -> Environment {
        Environment::with_paths(NutPaths::new(&self.dir, &self.state(), &self.state()))
    }

    /// Runs our upsdrvctl in this process.
    pub(crate) fn ours(&self, args: &[&str]) -> Outcome {
        self.ours_in(&self.environment(), args)
    }

    /// Runs our upsdrvctl in this process with `env`.
    pub(crate) fn ours_in(&self, env: &Environment, args: &[&str]) -> Outcome {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = upsdrvctl::run(ARGV0, &args, env, &mut out, &mut err);
        Outcome {
            stdout: String::from_utf8_lossy(&out).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
            code: i32::from(code),
        }
    }

    /// Runs the real upsdrvctl (output through files: drivers it starts
    /// inherit them), stopping it after [`RUN_LIMIT`].
    pub(crate) fn real(&self, args: &[&str]) -> Outcome {
        let out_path = self.dir.join("real.stdout");
        let err_path = self.dir.join("real.stderr");
        let out = std::fs::File::create(&out_path).expect("stdout file");
        let err = std::fs::File::create(&err_path).expect("stderr file");
        let mut child = Command::new(REAL_UPSDRVCTL)
            .args(args)
            .env("NUT_CONFPATH", &self.dir)
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.state())
            .env_remove("NUT_DEBUG_LEVEL")
            .env_remove("NUT_QUIET_INIT_BANNER")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start the real upsdrvctl");
        let deadline = Instant::now() + RUN_LIMIT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("real upsdrvctl {args:?} did not finish in {RUN_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Outcome {
            stdout: std::fs::read_to_string(out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
            code: status.code().unwrap_or(-1),
        }
    }

    /// The PID in `state/<name>` or `run/<name>`, if any.
    pub(crate) fn pid(&self, name: &str) -> Option<i32> {
        [self.state().join(name), self.run_dir().join(name)]
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| t.trim().parse().ok())
    }

    fn pid_files(&self) -> Vec<PathBuf> {
        [self.state(), self.run_dir()]
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pid"))
            .collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // upsd first, then drivers (NUT 2.8.0 drivers crash when upsd goes
        // while they run, which does not matter here: they are all stopped).
        let mut files = self.pid_files();
        files.sort_by_key(|p| !p.ends_with("upsd.pid"));
        for file in files {
            if let Some(pid) = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
                .filter(|p| *p > 1)
            {
                kill_pid(pid);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `pid` runs (and is not a zombie).
pub(crate) fn alive(pid: i32) -> bool {
    upsdrvctl::process::is_alive(pid)
}

/// Stops a process we started (by its PID): SIGTERM, then SIGKILL.
pub(crate) fn kill_pid(pid: i32) {
    use nix::sys::signal::{Signal, kill};
    let target = nix::unistd::Pid::from_raw(pid);
    if kill(target, Signal::SIGTERM).is_err() {
        return;
    }
    if !wait_until(Duration::from_secs(3), || !alive(pid)) {
        let _ = kill(target, Signal::SIGKILL);
        wait_until(Duration::from_secs(3), || !alive(pid));
    }
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

/// Whether nothing listens on 127.0.0.1:`port`.
pub(crate) fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

#[test]
fn timestamps_are_stripped_only_where_nut_puts_them() {
    assert_eq!(
        strip_timestamp("   0.000070\t[D1] Starting UPS: a"),
        "[D1] Starting UPS: a"
    );
    assert_eq!(strip_timestamp("  12.123456\tx\ty"), "x\ty");
    assert_eq!(
        strip_timestamp("ups1\tdummy-ups\tRUNNING"),
        "ups1\tdummy-ups\tRUNNING"
    );
    assert_eq!(strip_timestamp("0.12\tx"), "0.12\tx");
    assert_eq!(strip_timestamp("no tab"), "no tab");
}
