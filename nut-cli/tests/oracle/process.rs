//! Child processes with deadlines: run a command and capture its output without ever hanging,
//! and stop long-running children by PID (TERM first, KILL after a grace period).

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How often a waiting loop looks at its children again.
const POLL_INTERVAL: Duration = Duration::from_millis(3);

/// What one bounded run of a command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Captured {
    /// The exit status, or `None` when the command was killed for running out of time.
    pub(crate) status: Option<ExitStatus>,
    /// Everything the command wrote to standard output.
    pub(crate) stdout: Vec<u8>,
    /// Everything the command wrote to standard error.
    pub(crate) stderr: Vec<u8>,
}

impl Captured {
    /// The exit code as text for reports: `exit 1`, `signal 9` or `timed out`.
    pub(crate) fn status_text(&self) -> String {
        use std::os::unix::process::ExitStatusExt;
        match self.status {
            None => "timed out".to_owned(),
            Some(s) => match (s.code(), s.signal()) {
                (Some(code), _) => format!("exit {code}"),
                (None, Some(sig)) => format!("signal {sig}"),
                (None, None) => format!("{s}"),
            },
        }
    }
}

/// Reads a pipe to its end on a helper thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error only truncates what we report; the exit status still tells.
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Runs `cmd` with stdin closed, capturing stdout and stderr, killing it after `timeout`.
pub(crate) fn run_bounded(cmd: &mut Command, timeout: Duration) -> io::Result<Captured> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let status = wait_until(&mut child, Instant::now() + timeout)?;
    if status.is_none() {
        // SIGKILL; the pipes close with the process, so the readers finish.
        let _ = child.kill();
        let _ = child.wait();
    }
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok(Captured {
        status,
        stdout,
        stderr,
    })
}

/// Waits for `child` until `deadline`; `None` when it is still running then.
pub(crate) fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Stops every child by its PID: SIGTERM to all at once, then SIGKILL to any still running
/// after `grace`. Never blocks longer than `grace` plus a bounded `kill` invocation.
pub(crate) fn stop_children(children: &mut [&mut Child], grace: Duration) {
    let mut running = Vec::new();
    for child in children.iter_mut() {
        if matches!(child.try_wait(), Ok(None)) {
            running.push(child.id().to_string());
        }
    }
    if !running.is_empty() {
        // std can only SIGKILL; TERM lets the NUT daemons remove their sockets and exit cleanly.
        let term = run_bounded(
            Command::new("kill").arg("-TERM").args(&running),
            Duration::from_secs(5),
        );
        if term.is_err() {
            eprintln!("oracle: could not run `kill -TERM`; falling back to SIGKILL");
        }
    }
    let deadline = Instant::now() + grace;
    for child in children.iter_mut() {
        if !matches!(wait_until(child, deadline), Ok(Some(_))) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_bounded_captures_output_and_exit_code() {
        let got = run_bounded(
            Command::new("sh").args(["-c", "printf out; printf err >&2; exit 3"]),
            Duration::from_secs(10),
        )
        .expect("sh runs");
        assert_eq!(got.stdout, b"out");
        assert_eq!(got.stderr, b"err");
        assert_eq!(got.status.and_then(|s| s.code()), Some(3));
        assert_eq!(got.status_text(), "exit 3");
    }

    #[test]
    fn run_bounded_kills_a_command_that_overruns() {
        let started = Instant::now();
        let got = run_bounded(Command::new("sleep").arg("30"), Duration::from_millis(200))
            .expect("sleep runs");
        assert_eq!(got.status, None);
        assert_eq!(got.status_text(), "timed out");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn stop_children_ends_a_process_that_ignores_term() {
        let mut stubborn = Command::new("sh")
            .args(["-c", "trap '' TERM; exec sleep 30"])
            .spawn()
            .expect("sh runs");
        let mut polite = Command::new("sleep").arg("30").spawn().expect("sleep runs");
        // Let sh install its trap before the TERM arrives.
        thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        stop_children(
            &mut [&mut stubborn, &mut polite],
            Duration::from_millis(300),
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(matches!(stubborn.try_wait(), Ok(Some(_))));
        assert!(matches!(polite.try_wait(), Ok(Some(_))));
    }
}
