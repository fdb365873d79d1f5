//! The thin operating-system adapter under upsdrvctl: starting driver
//! programs (std::process), waiting for them with a time limit, signals and
//! liveness checks (nix), PID files, and the status dialog on a driver
//! socket. No decisions are made here.

use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use nut_proto::sock::{DecodeOptions, Decoded, DriverDecoder};

use super::status::{Probe, REQUEST};

/// How often a starting driver is looked at while upsdrvctl waits.
pub const WAIT_POLL: Duration = Duration::from_millis(10);

/// How long the status dialog may take per driver (a NUT 2.8.0 driver
/// takes new clients only between its 1–2 s loops).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Most bytes read from one driver during the status dialog.
pub const MAX_PROBE_BYTES: usize = 256 * 1024;

/// Longest PID file read, in bytes.
pub const MAX_PID_FILE_BYTES: u64 = 64;

/// Whether `path` is a file someone may execute.
pub fn is_program(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The command for `program args...`, with upsdrvctl's standard streams.
pub fn command(program: &Path, args: &[String]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    command
}

/// How a waited-for driver ended.
#[derive(Debug)]
pub enum Waited {
    /// It exited (or was killed) with this status.
    Exited(ExitStatus),
    /// Still running at the limit; here it is.
    Running(Child),
}

/// Waits for `child` up to `limit` (`None`: as long as it takes).
///
/// # Errors
///
/// The wait itself failed.
pub fn wait_with_limit(mut child: Child, limit: Option<Duration>) -> io::Result<Waited> {
    let deadline = limit.map(|l| Instant::now() + l);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Waited::Exited(status));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Waited::Running(child));
        }
        std::thread::sleep(WAIT_POLL);
    }
}

/// The exit code, or `None` when a signal ended the process.
pub fn exit_code(status: ExitStatus) -> Option<i32> {
    status.code()
}

/// The signal that ended the process, if one did.
pub fn exit_signal(status: ExitStatus) -> Option<i32> {
    status.signal()
}

/// Sends `signal` to `pid`.
///
/// # Errors
///
/// No such process, or not ours to signal.
pub fn send_signal(pid: i32, signal: Signal) -> io::Result<()> {
    kill(Pid::from_raw(pid), signal).map_err(io::Error::from)
}

/// Whether process `pid` is alive: it exists (signal 0 reaches it) and is
/// not a zombie (a backgrounded driver's parent is init, which may reap
/// late, or never in some containers).
pub fn is_alive(pid: i32) -> bool {
    if pid <= 0 || kill(Pid::from_raw(pid), None).is_err() {
        return false;
    }
    !is_zombie(pid)
}

fn is_zombie(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "<pid> (<comm>) <state> ...": the command may hold anything, so look
    // after its last ')'.
    stat.rfind(')')
        .and_then(|at| stat.get(at + 1..))
        .and_then(|rest| rest.split_whitespace().next())
        == Some("Z")
}

/// The first bytes of a PID file (at most [`MAX_PID_FILE_BYTES`]).
///
/// # Errors
///
/// The file cannot be opened or read.
pub fn read_pid_text(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_PID_FILE_BYTES)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// The status dialog with the driver at `socket` (see
/// [`REQUEST`]); `None` when nothing listens there.
pub fn probe(socket: &Path) -> Option<Probe> {
    let mut stream = UnixStream::connect(socket).ok()?;
    let mut probe = Probe::new();
    if stream.write_all(REQUEST).is_ok() {
        let mut decoder = DriverDecoder::with_options(DecodeOptions::NUT);
        read_into(&mut stream, &mut decoder, &mut probe, PROBE_TIMEOUT);
    }
    Some(probe)
}

/// Feeds what the driver sends into `probe` until its dump is complete,
/// the time is up, [`MAX_PROBE_BYTES`] are read or the driver closes.
fn read_into(
    stream: &mut UnixStream,
    decoder: &mut DriverDecoder,
    probe: &mut Probe,
    timeout: Duration,
) {
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 4096];
    let mut budget = MAX_PROBE_BYTES;
    while !probe.is_complete() && budget > 0 {
        let now = Instant::now();
        if now >= deadline || stream.set_read_timeout(Some(deadline - now)).is_err() {
            return;
        }
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        budget = budget.saturating_sub(n);
        let mut rest = buf.get(..n).unwrap_or_default();
        while let Decoded::Complete { item, consumed } = decoder.decode_next(rest) {
            if let Ok(message) = item {
                probe.handle_message(&message);
            }
            rest = rest.get(consumed..).unwrap_or_default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_process_is_alive_and_a_bogus_pid_is_not() {
        let me = i32::try_from(std::process::id()).expect("pid fits");
        assert!(is_alive(me));
        assert!(!is_alive(0));
        assert!(!is_alive(-5));
    }

    #[test]
    fn a_reaped_child_is_gone_and_a_zombie_counts_as_gone() {
        let child = Command::new("/bin/sh")
            .args(["-c", "exit 3"])
            .spawn()
            .expect("spawn sh");
        let pid = i32::try_from(child.id()).expect("pid fits");
        // Not reaped yet: a zombie, which is not alive.
        let deadline = Instant::now() + Duration::from_secs(5);
        while is_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!is_alive(pid));
        match wait_with_limit(child, Some(Duration::from_secs(5))).expect("wait") {
            Waited::Exited(status) => assert_eq!(exit_code(status), Some(3)),
            Waited::Running(_) => panic!("sh did not exit"),
        }
    }

    #[test]
    fn the_wait_gives_up_at_the_limit() {
        let child = Command::new("/bin/sleep")
            .arg("5")
            .spawn()
            .expect("spawn sleep");
        let pid = i32::try_from(child.id()).expect("pid fits");
        let started = Instant::now();
        let waited = wait_with_limit(child, Some(Duration::from_millis(100))).expect("wait");
        assert!(started.elapsed() < Duration::from_secs(3));
        let Waited::Running(mut child) = waited else {
            panic!("sleep ended early");
        };
        send_signal(pid, Signal::SIGKILL).expect("kill");
        let status = child.wait().expect("reap");
        assert_eq!(exit_signal(status), Some(Signal::SIGKILL as i32));
    }

    #[test]
    fn pid_files_are_read_bounded() {
        let dir = std::env::temp_dir().join(format!("upsdrvctl-pid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("x.pid");
        std::fs::write(&path, format!("{}\n", "1".repeat(200))).expect("write");
        assert_eq!(read_pid_text(&path).expect("read").len(), 64);
        assert!(read_pid_text(&dir.join("missing.pid")).is_err());
        assert!(probe(&dir.join("no-socket")).is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
