//! Plumbing of the extended oracle scenarios (`oracle_more`,
//! `oracle_hosts`): a real (or our) upsd serving any number of real
//! dummy-ups UPSes, upsmon instances of either implementation with their
//! own directory, logging scripts and optional network namespace, their
//! event logs, and the stopping of everything they started, by PID.
//!
//! UPS names follow one rule so that events of the two implementations
//! can be compared: `<label>` for a host's only UPS, `<label>_<x>` when it
//! monitors several; an event reads `TYPE` or `TYPE <x>` (see
//! [`read_named`]), whatever the label.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nut_proto::client::ConnectOptions;
use nut_proto::client::blocking::Client;

use super::EXEC_ENV;
use super::support::{Lab, kill, wait_for};

pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";
pub(crate) const REAL_UPSMON: &str = "/lib/nut/upsmon";
pub(crate) const REAL_UPSSCHED: &str = "/sbin/upssched";

/// Notification types NUT 2.8.0 knows (its CAL has no NOTCAL twin yet);
/// NOTIFYFLAG gives them all EXEC.
pub(crate) const NUT_2_8_0_TYPES: [&str; 11] = [
    "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "REPLBATT", "NOCOMM",
    "NOPARENT", "CAL",
];

/// Later-NUT types the scenarios EXEC as well. NUT 2.8.0 ignores these
/// NOTIFYFLAG lines (it warns in syslog and carries on), so both
/// implementations read the very same upsmon.conf.
pub(crate) const LATER_TYPES: [&str; 5] = ["NOTCAL", "OFF", "NOTOFF", "ALARM", "NOTALARM"];

/// Whether `CI` asks for failures instead of skips.
pub(crate) fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Why real NUT cannot run here, if it cannot.
pub(crate) fn real_nut_missing() -> Option<String> {
    let missing: Vec<&str> = [REAL_UPSD, REAL_DUMMY_UPS, REAL_UPSMON, REAL_UPSSCHED]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "{} not installed (install Debian's nut-server and nut-client)",
            missing.join(", ")
        ));
    }
    let unshare = Command::new("unshare")
        .args(["-m", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!unshare)
        .then(|| "`unshare -m` is not permitted (the real upsmon needs its own /run/nut)".into())
}

/// Skips `test` loudly, or fails it when `CI` is set.
pub(crate) fn skip(test: &str, why: &str) {
    assert!(!in_ci(), "{test} cannot run under CI: {why}");
    eprintln!("SKIPPED {test}: {why}");
}

/// Our upsd (`nut-cli`'s `upsd` binary): `$NUT_RS_UPSD`, else the `upsd`
/// next to this test binary's `deps` directory (built by
/// `cargo build -p nut-cli --bin upsd` or any workspace build).
pub(crate) fn our_upsd() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("NUT_RS_UPSD") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let candidate = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("upsd"))
        .ok_or("no target directory")?;
    if candidate.exists() {
        Ok(candidate)
    } else {
        Err(format!(
            "our upsd is not built ({} missing; run `cargo build -p nut-cli --bin upsd` \
             with the same target dir, or set NUT_RS_UPSD)",
            candidate.display()
        ))
    }
}

/// Which upsd serves the UPSes.
#[derive(Debug, Clone)]
pub(crate) enum Server {
    /// NUT 2.8.0's `/lib/nut/upsd`.
    Real,
    /// Ours, at this path.
    Ours(PathBuf),
}

/// The `.dev` file of every UPS: what the scenarios need to `SET`.
const DEV: &str = "battery.charge: 100\nbattery.runtime: 1800\nups.mfr: Acme\n\
                   ups.model: Sim\nups.alarm: none\nups.status: OL\n";

/// upsd + one real dummy-ups per UPS, stopped by PID on drop.
pub(crate) struct Sandbox {
    pub(crate) lab: Lab,
    /// Where the test itself talks to upsd.
    pub(crate) admin_host: String,
    pub(crate) port: u16,
    upses: Vec<String>,
}

impl Sandbox {
    /// Starts the drivers and the server listening on each of `listen`
    /// (the first one is where the test connects).
    pub(crate) fn start(server: &Server, listen: &[&str], port: u16, upses: &[String]) -> Self {
        let lab = Lab::new("oracle2");
        std::fs::create_dir_all(lab.path("state")).unwrap();
        let mut ups_conf = String::new();
        for ups in upses {
            lab.write(&format!("{ups}.dev"), DEV);
            ups_conf.push_str(&format!(
                "[{ups}]\n  driver = dummy-ups\n  port = {ups}.dev\n"
            ));
        }
        lab.write("ups.conf", &ups_conf);
        let listen_lines: String = listen
            .iter()
            .map(|a| format!("LISTEN {a} {port}\n"))
            .collect();
        let conf = lab.write("upsd.conf", &listen_lines);
        lab.write(
            "upsd.users",
            "[admin]\n  password = adminpass\n  actions = SET\n  actions = FSD\n\
             [monuser]\n  password = monpass\n  upsmon primary\n\
             [monsec]\n  password = secpass\n  upsmon secondary\n",
        );
        for f in [conf, lab.path("upsd.users")] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let sandbox = Self {
            lab,
            admin_host: listen[0].to_owned(),
            port,
            upses: upses.to_vec(),
        };
        for ups in upses {
            sandbox.daemon(Path::new(REAL_DUMMY_UPS), &["-a", ups, "-u", "root"]);
        }
        let upsd = match server {
            Server::Real => PathBuf::from(REAL_UPSD),
            Server::Ours(p) => p.clone(),
        };
        sandbox.daemon(&upsd, &["-u", "root"]);
        let ready = wait_for(Duration::from_secs(8), || {
            sandbox.admin().is_some_and(|mut c| {
                upses
                    .iter()
                    .all(|u| c.get_var(u, "ups.status").is_ok_and(|s| s == "OL"))
            })
        });
        assert!(
            ready,
            "{} with dummy-ups did not come up on port {port}",
            upsd.display()
        );
        sandbox
    }

    fn env(&self, c: &mut Command) {
        c.env("NUT_CONFPATH", &self.lab.dir)
            .env("NUT_STATEPATH", self.lab.path("state"))
            .env("NUT_ALTPIDPATH", self.lab.path("state"));
    }

    /// Starts a NUT daemon (it forks into the background, writing its PID file).
    fn daemon(&self, program: &Path, args: &[&str]) {
        let mut c = Command::new(program);
        c.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.env(&mut c);
        assert!(
            c.status().unwrap().success(),
            "{} {args:?}",
            program.display()
        );
    }

    fn pid(&self, name: &str) -> Option<i32> {
        std::fs::read_to_string(self.lab.path("state").join(name))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// A logged-in admin connection.
    pub(crate) fn admin(&self) -> Option<Client> {
        let options = ConnectOptions {
            connect_timeout: Some(Duration::from_secs(2)),
            ..ConnectOptions::default()
        };
        let mut c = Client::connect(&self.admin_host, self.port, &options).ok()?;
        c.username("admin").ok()?;
        c.password("adminpass").ok()?;
        Some(c)
    }

    pub(crate) fn logins(&self, ups: &str) -> u32 {
        self.admin()
            .and_then(|mut c| c.get_numlogins(ups).ok())
            .unwrap_or(0)
    }

    /// `SET VAR` on each of `upses`.
    pub(crate) fn set_var(&self, upses: &[String], var: &str, value: &str) {
        let mut c = self.admin().expect("admin connection");
        for ups in upses {
            c.set_var(ups, var, value).expect("SET VAR");
        }
    }

    /// `FSD` on each of `upses`.
    pub(crate) fn fsd(&self, upses: &[String]) {
        let mut c = self.admin().expect("admin connection");
        for ups in upses {
            c.fsd(ups).expect("FSD");
        }
    }

    /// SIGKILL to the drivers of `upses` (upsd sees them all go at once; a
    /// driver given SIGTERM finishes its loop first, up to a second).
    pub(crate) fn kill_drivers(&self, upses: &[String]) {
        for ups in upses {
            if let Some(pid) = self.pid(&format!("dummy-ups-{ups}.pid")) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let mut names = vec!["upsd.pid".to_owned()];
        names.extend(self.upses.iter().map(|u| format!("dummy-ups-{u}.pid")));
        for name in names {
            if let Some(pid) = self.pid(&name) {
                kill(pid);
            }
        }
    }
}

/// Which upsmon (and upssched) a monitor runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Impl {
    /// NUT 2.8.0 (`/lib/nut/upsmon`, `/sbin/upssched`).
    Real,
    /// Ours (this test binary re-executed as the program).
    Ours,
}

/// The settings every scenario shares (fast polls); `extra` lines replace
/// a default with the same directive.
const DEFAULTS: [(&str, &str); 6] = [
    ("MINSUPPLIES", "1"),
    ("POLLFREQ", "1"),
    ("POLLFREQALERT", "1"),
    ("HOSTSYNC", "3"),
    ("DEADTIME", "5"),
    ("FINALDELAY", "1"),
];

/// What one upsmon is told to do.
#[derive(Debug, Clone)]
pub(crate) struct MonitorConf {
    /// The `MONITOR` lines.
    pub(crate) monitors: Vec<String>,
    /// Extra directives (override [`DEFAULTS`]).
    pub(crate) extra: String,
    /// upssched as NOTIFYCMD with this upssched.conf tail (after CMDSCRIPT,
    /// PIPEFN and LOCKFN). Its CMDSCRIPT logs `RUN:<timer>` and runs
    /// `upsmon -c fsd` for a timer named `early`. (`RUN` sorts after
    /// `ONBATT`/`ONLINE` and before `SHUTDOWN`, so a burst sorted by name
    /// keeps cause before effect either way.)
    pub(crate) upssched: Option<String>,
}

/// Writes the scripts, upsmon.conf (and upssched.conf) of one upsmon into `dir`.
pub(crate) fn write_monitor_dir(dir: &Path, imp: Impl, conf: &MonitorConf) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = dir.join("events.log");
    let log = log.display();
    let script = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let exe = std::env::current_exe().unwrap();
    let (upsmon, upssched) = match imp {
        Impl::Real => (PathBuf::from(REAL_UPSMON), PathBuf::from(REAL_UPSSCHED)),
        Impl::Ours => (
            script(
                "our-upsmon",
                &format!("{EXEC_ENV}=upsmon exec {} \"$@\"", exe.display()),
            ),
            script(
                "our-upssched",
                &format!("{EXEC_ENV}=upssched exec {} \"$@\"", exe.display()),
            ),
        ),
    };
    let log_line = format!("echo \"$(date +%s%3N) $NOTIFYTYPE $UPSNAME|$*\" >> {log}");
    let notify = match &conf.upssched {
        None => script("notify.sh", &log_line),
        Some(_) => script(
            "notify.sh",
            &format!("{log_line}\nexec {} \"$@\"", upssched.display()),
        ),
    };
    let shutdown = script(
        "shutdown.sh",
        &format!("echo \"$(date +%s%3N) SHUTDOWNCMD |\" >> {log}"),
    );
    if let Some(rules) = &conf.upssched {
        let cmd = script(
            "sched-cmd.sh",
            &format!(
                "echo \"$(date +%s%3N) RUN:$1 |\" >> {log}\n\
                 if [ \"$1\" = early ]; then exec {} -c fsd >/dev/null 2>&1; fi",
                upsmon.display()
            ),
        );
        let text = format!(
            "CMDSCRIPT {}\nPIPEFN {}\nLOCKFN {}\n{rules}\n",
            cmd.display(),
            dir.join("upssched.pipe").display(),
            dir.join("upssched.lock").display()
        );
        std::fs::write(dir.join("upssched.conf"), text).unwrap();
    }
    let mut text = String::from("RUN_AS_USER root\n");
    for m in &conf.monitors {
        text.push_str(m);
        text.push('\n');
    }
    let overridden = |key: &str| {
        conf.extra
            .lines()
            .any(|l| l.split_whitespace().next() == Some(key))
    };
    for (key, value) in DEFAULTS {
        if !overridden(key) {
            text.push_str(&format!("{key} {value}\n"));
        }
    }
    text.push_str(&format!(
        "SHUTDOWNCMD \"{}\"\nNOTIFYCMD \"{}\"\nPOWERDOWNFLAG {}\n",
        shutdown.display(),
        notify.display(),
        dir.join("killpower").display()
    ));
    for t in NUT_2_8_0_TYPES.iter().chain(LATER_TYPES.iter()) {
        text.push_str(&format!("NOTIFYFLAG {t} SYSLOG+EXEC\n"));
    }
    text.push_str(&conf.extra);
    text.push('\n');
    let path = dir.join("upsmon.conf");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// One running upsmon (either implementation) in `dir`, optionally in the
/// network namespace `netns`. Dropping it stops its whole process tree and
/// everything else started with its `NUT_CONFPATH` (notify scripts,
/// upssched timer daemons), each by PID.
pub(crate) struct Monitor {
    pub(crate) label: String,
    pub(crate) dir: PathBuf,
    child: Child,
}

impl Monitor {
    pub(crate) fn start(label: &str, imp: Impl, dir: &Path, netns: Option<&str>) -> Self {
        let out = std::fs::File::create(dir.join("upsmon.out")).unwrap();
        let mut argv: Vec<String> = Vec::new();
        if let Some(ns) = netns {
            argv.extend(["ip", "netns", "exec", ns].map(str::to_owned));
        }
        match imp {
            Impl::Real => argv.extend(
                [
                    "unshare",
                    "-m",
                    "sh",
                    "-c",
                    &format!("mount -t tmpfs tmpfs /run/nut && exec {REAL_UPSMON} -F -u root"),
                ]
                .map(str::to_owned),
            ),
            Impl::Ours => {
                argv.push(std::env::current_exe().unwrap().display().to_string());
                argv.extend(["-F", "-u", "root"].map(str::to_owned));
            }
        }
        let mut command = Command::new(&argv[0]);
        if imp == Impl::Ours {
            command.env(EXEC_ENV, "upsmon");
        }
        let child = command
            .args(&argv[1..])
            .env("NUT_CONFPATH", dir)
            .env("NUT_STATEPATH", dir)
            .env("NUT_ALTPIDPATH", dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Self {
            label: label.to_owned(),
            dir: dir.to_owned(),
            child,
        }
    }

    /// Its events, `(ms since origin, name)`, see [`read_named`].
    pub(crate) fn events(&self, origin_ms: u64) -> Vec<(u64, String)> {
        read_named(&self.dir.join("events.log"))
            .into_iter()
            .map(|(t, n)| (t.saturating_sub(origin_ms), n))
            .collect()
    }

    /// What it printed (for failure messages).
    pub(crate) fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("upsmon.out")).unwrap_or_default()
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        for pid in descendants(self.child.id()) {
            kill(pid);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        stop_by_env("NUT_CONFPATH", &self.dir);
    }
}

/// Every descendant of `pid`, deepest last (from /proc).
pub(crate) fn descendants(pid: u32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut queue = vec![i32::try_from(pid).unwrap_or(i32::MAX)];
    while let Some(p) = queue.pop() {
        let tasks = std::fs::read_dir(format!("/proc/{p}/task"))
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default();
        for task in tasks {
            let kids = std::fs::read_to_string(task.join("children")).unwrap_or_default();
            for kid in kids.split_whitespace().filter_map(|k| k.parse().ok()) {
                out.push(kid);
                queue.push(kid);
            }
        }
    }
    out
}

/// SIGTERM to every process whose environment holds `var=<dir>`: what a
/// monitor started and left behind (upssched daemons detach).
pub(crate) fn stop_by_env(var: &str, dir: &Path) {
    let needle = format!("{var}={}", dir.display());
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        if u32::try_from(pid).is_ok_and(|p| p == me) {
            continue;
        }
        let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
        if env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            kill(pid);
        }
    }
}

/// Lines `<ms> <TYPE> <UPSNAME>|…` of an event log as `(ms, name)`: the
/// name is `TYPE`, plus ` <x>` when UPSNAME is `<label>_<x>@…` (one
/// UPS of several).
pub(crate) fn read_named(path: &Path) -> Vec<(u64, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (head, _) = l.split_once('|')?;
            let mut w = head.split_whitespace();
            let ms = w.next()?.parse().ok()?;
            let kind = w.next()?.to_owned();
            let suffix = w
                .next()
                .and_then(|ups| ups.split('@').next())
                .and_then(|name| name.split_once('_'))
                .map(|(_, x)| x.to_owned());
            Some((
                ms,
                match suffix {
                    Some(x) => format!("{kind} {x}"),
                    None => kind,
                },
            ))
        })
        .collect()
}

/// Milliseconds since the epoch (the clock the logging scripts use).
pub(crate) fn epoch_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Events closer than this belong to one poll (or one chain of cause and
/// effect inside a poll), whose order is not defined. Polls are a second
/// apart; on a loaded machine the logging scripts of one poll have been
/// seen to start 360 ms apart, so [`super::support::BURST`] (100 ms) is
/// too tight here.
pub(crate) const POLL_BURST: u64 = 500;

/// Names in time order, except that a burst of events less than
/// [`POLL_BURST`] apart is sorted by name (see [`super::support::normalize`]).
pub(crate) fn normalize_polls(events: &[(u64, String)]) -> Vec<String> {
    let mut sorted = events.to_vec();
    sorted.sort();
    let mut out = Vec::new();
    let mut burst: Vec<String> = Vec::new();
    let mut last = None;
    for (t, name) in sorted {
        if last.is_some_and(|l: u64| t - l >= POLL_BURST) {
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

/// The times of each event name, in order (to pair the k-th occurrences).
pub(crate) fn occurrences(events: &[(u64, String)]) -> BTreeMap<String, Vec<u64>> {
    let mut map: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (t, n) in events {
        map.entry(n.clone()).or_default().push(*t);
    }
    map
}
