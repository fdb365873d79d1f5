//! Shared pieces: the corpus, real NUT's presence, running a driver with
//! `-d 1` and reading its dump, `nut sim snmp` as a child process, and the
//! named differences between NUT 2.8.0's tables and ours.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nut_snmp::Recording;

/// Real NUT 2.8.0's SNMP driver (Debian package `nut-snmp`).
pub(crate) const REAL_SNMP_UPS: &str = "/lib/nut/snmp-ups";
/// Ours.
pub(crate) const OUR_SNMP_UPS: &str = env!("CARGO_BIN_EXE_snmp-ups");
/// The multi-call binary (`nut sim snmp`).
pub(crate) const NUT: &str = env!("CARGO_BIN_EXE_nut");
/// Longest a `-d 1` or `-k` run may take.
pub(crate) const DRIVER_TIME_LIMIT: Duration = Duration::from_secs(40);

/// Prints past the harness's capture, so counts show in `cargo test`.
pub(crate) fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether env `CI` is set (then a missing prerequisite is a failure).
pub(crate) fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Real snmp-ups is installed, or a SKIPPED line (a failure under CI).
pub(crate) fn real_nut(test: &str) -> bool {
    if Path::new(REAL_SNMP_UPS).exists() {
        return true;
    }
    assert!(
        !in_ci(),
        "{REAL_SNMP_UPS} missing (CI installs Debian's nut-snmp)"
    );
    report(&format!(
        "SKIPPED {test}: {REAL_SNMP_UPS} not installed (apt-get install nut-snmp)"
    ));
    false
}

/// Every corpus recording `(stem, bytes)`, or a SKIPPED line (a failure
/// under CI).
pub(crate) fn recordings(test: &str) -> Option<Vec<(String, Recording)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/snmp/librenms");
    if !dir.is_dir() {
        assert!(!in_ci(), "corpus missing at {}", dir.display());
        report(&format!(
            "SKIPPED {test}: corpus not found at {} (see shared/corpus/MANIFEST.md)",
            dir.display()
        ));
        return None;
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("corpus readable").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "snmprec") {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            let bytes = std::fs::read(&path).expect("recording readable");
            let rec = Recording::parse(&bytes).unwrap_or_else(|e| panic!("{stem}: {e}"));
            out.push((stem, rec));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

/// Whether this process runs as root (snmp-ups then needs `-u root`).
pub(crate) fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// A fresh scratch directory with an empty `ups.conf`.
pub(crate) fn scratch(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("nut-rs-snmp-{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    std::fs::write(dir.join("ups.conf"), "").expect("ups.conf");
    dir
}

/// What one driver run gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// Exit status (`None`: killed at the time limit).
    pub(crate) code: Option<i32>,
    /// The dumped variables, `driver.version*` left out.
    pub(crate) vars: BTreeMap<String, String>,
    /// The mapping from `driver.version.data` (2.8.0's `pw` named as
    /// today's `eaton_pw_nm2`).
    pub(crate) mib: Option<String>,
    /// stderr.
    pub(crate) log: String,
}

/// Runs `driver -s <ups> -x port=… -x community=… <extra> <mode>` with its
/// state in `state`; `mode` is `["-d", "1"]` or `["-k"]`.
pub(crate) fn run_driver(
    driver: &str,
    state: &Path,
    agent: &str,
    community: &str,
    extra: &[&str],
    mode: &[&str],
) -> Run {
    let mut command = Command::new(driver);
    command
        .args(["-s", "oracle", "-x", &format!("port={agent}")])
        .args(["-x", &format!("community={community}")]);
    for option in extra {
        command.args(["-x", option]);
    }
    command
        .args(mode)
        .env("NUT_STATEPATH", state)
        .env("NUT_CONFPATH", state)
        .env("NUT_ALTPIDPATH", state)
        .env_remove("NUT_DEBUG_LEVEL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if is_root() {
        command.args(["-u", "root"]);
    }
    let mut child = command.spawn().expect("driver starts");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let code = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.code(),
            None if started.elapsed() > DRIVER_TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let out = stdout.join().unwrap_or_default();
    let log = stderr.join().unwrap_or_default();
    let mut vars = parse_dump(&out);
    let mib = vars.get("driver.version.data").map(|d| {
        let name = d.split(' ').next().unwrap_or_default();
        if name == "pw" { "eaton_pw_nm2" } else { name }.to_owned()
    });
    vars.retain(|k, _| !k.starts_with("driver.version"));
    Run {
        code,
        vars,
        mib,
        log,
    }
}

fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// `name: value` lines after the banner; a line that is not one continues
/// the previous value (net-snmp's hex rendering holds new lines, which
/// NUT's socket path drops; so do we).
pub(crate) fn parse_dump(out: &str) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in out.lines().skip(1) {
        let entry = line
            .split_once(": ")
            .filter(|(k, _)| !k.contains(' ') && k.contains('.'));
        match (entry, &last) {
            (Some((k, v)), _) => {
                vars.insert(k.to_owned(), v.to_owned());
                last = Some(k.to_owned());
            }
            (None, Some(k)) => {
                if let Some(value) = vars.get_mut(k) {
                    value.push_str(line);
                }
            }
            (None, None) => {}
        }
    }
    vars
}

/// Recordings NUT 2.8.0 cannot read over v2c (its outlet-count guess
/// counts v2c `noSuchInstance` answers as found, so its init never ends);
/// they are read over v1.
pub(crate) const HANGS_2_8_0_ON_V2C: &[&str] = &["eatonups_eaton-connectups", "eatonupsm2_9px"];

/// Why a variable may differ from 2.8.0: our tables follow NUT's current
/// sources (snmp-maps.md), newer than 2.8.0's. The same list as the
/// engine-level oracle in nut-snmp/tests/corpus/oracle.rs.
pub(crate) fn known_difference(recording: &str, name: &str) -> Option<&'static str> {
    let mge = recording.starts_with("eaton-mgeups_") || recording == "apc-mgeups_galaxy7000";
    match name {
        "ups.mfr" | "device.mfr" if mge => {
            Some("mge MIB 0.55 now defaults ups.mfr to EATON (2.8.0: Eaton)")
        }
        "ups.status"
        | "input.transfer.reason"
        | "battery.date"
        | "ups.id"
        | "ups.realpower"
        | "ups.temperature"
            if recording.starts_with("cyberpower") =>
        {
            Some("cyberpower MIB 0.56 maps these OIDs and status 2 = OL; 2.8.0 shipped 0.51")
        }
        "output.realpower" if recording == "generex-ups_cs141" => Some(
            "ietf MIB 1.55 flags output.realpower NEGINVALID: -4 W is not published (2.8.0's 1.54 did)",
        ),
        _ => None,
    }
}

/// Differences between two dumps of `recording`: `Ok(reasons)` when each
/// is named, `Err(text)` for the first one that is not.
pub(crate) fn compare(
    recording: &str,
    real: &BTreeMap<String, String>,
    ours: &BTreeMap<String, String>,
) -> Result<BTreeMap<&'static str, Vec<String>>, String> {
    let mut reasons: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let names: std::collections::BTreeSet<&String> = real.keys().chain(ours.keys()).collect();
    for key in names {
        if real.get(key) == ours.get(key) {
            continue;
        }
        let deduplicated = key == "ups.status"
            && real
                .get(key)
                .zip(ours.get(key))
                .is_some_and(|(r, o)| without_repeats(r) == *o);
        if deduplicated {
            reasons
                .entry(
                    "2.8.0 repeats a status token two rows set (xupsOutputSource and the \
                     on-battery alarm both say OB); ours publishes each token once, as \
                     status_set documents",
                )
                .or_default()
                .push(key.clone());
            continue;
        }
        match known_difference(recording, key) {
            Some(reason) => reasons.entry(reason).or_default().push(key.clone()),
            None => {
                return Err(format!(
                    "{recording}: {key} differs: real snmp-ups {:?}, ours {:?}",
                    real.get(key),
                    ours.get(key)
                ));
            }
        }
    }
    Ok(reasons)
}

/// A status with each token once, first occurrence kept.
pub(crate) fn without_repeats(status: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for token in status.split_ascii_whitespace() {
        if !seen.contains(&token) {
            seen.push(token);
        }
    }
    seen.join(" ")
}

/// `nut sim snmp` as a child: its address, and its console on stdin.
pub(crate) struct SimProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    /// `127.0.0.1:<port>`.
    pub(crate) addr: String,
}

impl SimProcess {
    /// Starts `nut sim snmp <args>` and waits for its address line.
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut child = Command::new(NUT)
            .args(["sim", "snmp"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nut sim snmp starts");
        let stdin = child.stdin.take();
        let lines = lines_of(child.stdout.take().expect("stdout"));
        let first = lines
            .recv_timeout(Duration::from_secs(10))
            .expect("nut sim snmp prints its address");
        let addr = first
            .split("on udp ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        Self {
            child,
            stdin,
            lines,
            addr,
        }
    }

    /// Types a console command and returns its reply line (device-logic
    /// lines that come first are skipped).
    pub(crate) fn command(&mut self, line: &str) -> String {
        let stdin = self.stdin.as_mut().expect("console open");
        writeln!(stdin, "{line}").expect("console write");
        stdin.flush().expect("console flush");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no reply to {line:?}"));
            if !reply.starts_with('[') && !reply.starts_with("type 'help'") {
                return reply;
            }
        }
    }

    /// Waits for a line containing `needle` (device-logic reports).
    pub(crate) fn wait_for(&mut self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if line.contains(needle) {
                return true;
            }
        }
        false
    }

    /// Stops it the hard way (an agent that dies).
    pub(crate) fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stdin = None;
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        // End of input makes it quit; kill if it does not.
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A pipe's lines on a channel (read on a thread).
pub(crate) fn lines_of(pipe: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
