//! Running our binaries (and the real ones) with deadlines, and loopback ports.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The loopback ports this test binary uses by default.
const DEFAULT_PORTS: (u16, u16) = (13640, 13669);

/// Environment variable that moves the range, as `FIRST-LAST` (e.g.
/// `NUT_CLI_TEST_PORTS=14000-14019`), for machines where it is taken.
const PORTS_ENV: &str = "NUT_CLI_TEST_PORTS";

/// First and last port this test binary may use.
fn port_range() -> (u16, u16) {
    let parsed = std::env::var(PORTS_ENV).ok().and_then(|text| {
        let (first, last) = text.split_once('-')?;
        let (first, last) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
        (first <= last).then_some((first, last))
    });
    parsed.unwrap_or(DEFAULT_PORTS)
}

/// Default deadline for one client run.
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(20);

/// A free port of our range; `None` when all are taken.
pub(crate) fn free_port() -> Option<u16> {
    static CURSOR: AtomicU16 = AtomicU16::new(0);
    let (first, last) = port_range();
    let span = last - first + 1;
    // nextest runs each test in its own process: start each process at its
    // own point of the range, or two tests probe (and take) the same port.
    let offset = u16::try_from(std::process::id() % u32::from(span)).unwrap_or(0);
    for _ in 0..span {
        let step = CURSOR.fetch_add(1, Ordering::Relaxed);
        let port = first + (offset + step % span) % span;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Some(port);
        }
    }
    None
}

/// A port of our range bound by a listener we keep, so that nobody else takes it.
pub(crate) fn bind_port() -> (TcpListener, u16) {
    let (first, last) = port_range();
    let span = last - first + 1;
    for _ in 0..span * 2 {
        if let Some(port) = free_port()
            && let Ok(listener) = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        {
            return (listener, port);
        }
    }
    panic!("no free loopback port in {first}-{last}");
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    /// Exit code (`None`: killed by a signal or by the deadline).
    pub(crate) code: Option<i32>,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

/// Path of one of our binaries.
pub(crate) fn ours(program: &str) -> &'static str {
    match program {
        "upsc" => env!("CARGO_BIN_EXE_upsc"),
        "upscmd" => env!("CARGO_BIN_EXE_upscmd"),
        "upsrw" => env!("CARGO_BIN_EXE_upsrw"),
        "upslog" => env!("CARGO_BIN_EXE_upslog"),
        other => panic!("unknown program {other}"),
    }
}

/// How to run a program.
#[derive(Debug, Clone, Default)]
pub(crate) struct Run {
    /// Text fed to stdin (stdin is /dev/null when `None`).
    pub(crate) stdin: Option<String>,
    /// Extra environment variables.
    pub(crate) env: Vec<(String, String)>,
    /// Detach from any controlling terminal (`setsid`), so that password
    /// prompts read stdin as they do under cron or CI.
    pub(crate) no_tty: bool,
    /// Deadline (default [`RUN_TIMEOUT`]).
    pub(crate) timeout: Option<Duration>,
}

impl Run {
    /// With stdin text.
    pub(crate) fn stdin(text: &str) -> Self {
        Self {
            stdin: Some(text.to_owned()),
            no_tty: true,
            ..Self::default()
        }
    }

    /// With one environment variable.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Runs `path` with `argv[0]` set to `argv0`, bounded in time.
pub(crate) fn run_program(path: &str, argv0: &str, args: &[&str], how: &Run) -> Output {
    let mut cmd = if how.no_tty && has_setsid() {
        let mut c = Command::new("setsid");
        c.args(["-w", "bash", "-c", "exec -a \"$0\" \"$@\"", argv0, path]);
        c
    } else {
        let mut c = Command::new(path);
        std::os::unix::process::CommandExt::arg0(&mut c, argv0);
        c
    };
    cmd.args(args)
        .stdin(if how.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in &how.env {
        cmd.env(name, value);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {path}: {e}"));
    if let (Some(text), Some(mut stdin)) = (&how.stdin, child.stdin.take()) {
        // The program may exit without reading; a broken pipe here is fine.
        let _ = stdin.write_all(text.as_bytes());
    }
    finish(child, how.timeout.unwrap_or(RUN_TIMEOUT))
}

/// Runs one of our programs as `argv[0]` = its name.
pub(crate) fn run(program: &str, args: &[&str]) -> Output {
    run_program(ours(program), program, args, &Run::default())
}

/// Runs one of our programs with options.
pub(crate) fn run_with(program: &str, args: &[&str], how: &Run) -> Output {
    run_program(ours(program), program, args, how)
}

fn has_setsid() -> bool {
    Command::new("setsid")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Collects a child's output, killing it at the deadline.
pub(crate) fn finish(mut child: Child, timeout: Duration) -> Output {
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let status = wait_until(&mut child, Instant::now() + timeout);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    Output {
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Waits for `child` until `deadline`.
pub(crate) fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Sends a signal by PID with the `kill` program.
pub(crate) fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// Polls `check` every 20 ms until it holds or `timeout` passes.
pub(crate) fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// What upsc and upslog print on stderr after connecting: the SSL notice of
/// an SSL-enabled NUT build when we are built with `tls`, else nothing.
pub(crate) const SSL_NOTICE: &str = if cfg!(feature = "tls") {
    "Init SSL without certificate database\n"
} else {
    ""
};

/// `text` preceded by [`SSL_NOTICE`].
pub(crate) fn after_notice(text: &str) -> String {
    format!("{SSL_NOTICE}{text}")
}
