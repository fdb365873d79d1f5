//! The real NUT 2.8.0 (Debian's packages) on loopback, for byte-for-byte
//! comparisons of our clients with the real ones.
//!
//! One sandbox per test: a private directory given to the daemons through
//! `NUT_CONFPATH`/`NUT_STATEPATH`/`NUT_ALTPIDPATH`, real `upsd` with
//! `MAXAGE 3` (so "data stale" comes in ~4 s instead of 16 s) on a port of
//! our range, and one real `dummy-ups` per UPS, all in the foreground as our
//! children and stopped by PID on drop.
//!
//! Without real NUT these tests print a SKIPPED line and pass, unless env `CI`
//! is set, where they fail: CI installs NUT, so a missing one is a broken
//! install step, not a reason to skip.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{self, Output, Run, eventually, free_port};

/// The real programs.
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real simulation driver.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";

/// The line SSL-enabled NUT clients print after connecting.
pub(crate) const INIT_SSL: &str = "Init SSL without certificate database\n";

/// The baseline `.dev` data of UPS `dummy` (also used by the others).
pub(crate) const DUMMY_DEV: &str = "battery.charge: 100\n\
battery.runtime: 1800\n\
device.mfr: Acme\n\
device.model: Simulated 1500\n\
input.voltage: 230.0\n\
ups.load: 23\n\
ups.mfr: Acme\n\
ups.model: Simulated 1500\n\
ups.status: OL\n";

/// Whether the real NUT is here; prints SKIPPED (or panics under CI) if not.
pub(crate) fn available(test: &str) -> bool {
    let missing: Vec<&str> = [
        "/bin/upsc",
        "/bin/upscmd",
        "/bin/upsrw",
        "/bin/upslog",
        REAL_UPSD,
        REAL_DUMMY_UPS,
    ]
    .into_iter()
    .filter(|p| !Path::new(p).exists())
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: real NUT is required under CI but {missing:?} are missing \
         (apt-get install nut-server nut-client)"
    );
    eprintln!("SKIPPED {test}: real NUT 2.8.0 not installed (missing {missing:?})");
    false
}

/// A running sandbox.
pub(crate) struct Sandbox {
    dir: PathBuf,
    port: u16,
    upsd: Option<Child>,
    drivers: Vec<(String, Child)>,
}

impl Sandbox {
    /// Starts upsd and one dummy-ups per `(name, description)`, each replaying
    /// [`DUMMY_DEV`], and waits until all serve data.
    pub(crate) fn start(upses: &[(&str, Option<&str>)]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "nut-cli-real-{}-{}",
            std::process::id(),
            upses.first().map_or("none", |u| u.0)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("state")).expect("sandbox dir");
        fs::set_permissions(dir.join("state"), fs::Permissions::from_mode(0o770))
            .expect("state dir mode");
        let mut ups_conf = String::new();
        for (name, desc) in upses {
            fs::write(dir.join(format!("{name}.dev")), DUMMY_DEV).expect("dev file");
            ups_conf.push_str(&format!(
                "[{name}]\n  driver = dummy-ups\n  port = {name}.dev\n"
            ));
            if let Some(desc) = desc {
                ups_conf.push_str(&format!("  desc = \"{desc}\"\n"));
            }
        }
        fs::write(dir.join("ups.conf"), ups_conf).expect("ups.conf");
        private(
            &dir.join("upsd.users"),
            "[admin]\n  password = adminpass\n  actions = SET\n  actions = FSD\n  instcmds = ALL\n\n\
             [monuser]\n  password = monpass\n  upsmon primary\n",
        );
        let mut sandbox = Self {
            dir,
            port: 0,
            upsd: None,
            drivers: Vec::new(),
        };
        for (name, _) in upses {
            let child = sandbox.spawn(REAL_DUMMY_UPS, &["-a", name, "-F"], name);
            sandbox.drivers.push(((*name).to_owned(), child));
        }
        sandbox.start_upsd();
        for (name, _) in upses {
            let ready = eventually(Duration::from_secs(10), || {
                sandbox
                    .request(&format!("GET VAR {name} ups.status"))
                    .is_some_and(|r| r.starts_with("VAR ") && !r.contains("WAIT"))
            });
            assert!(ready, "real dummy-ups {name} did not come up");
        }
        // Let the rest of the dump reach upsd.
        std::thread::sleep(Duration::from_millis(300));
        sandbox
    }

    fn spawn(&self, program: &str, args: &[&str], log: &str) -> Child {
        let log = fs::File::create(self.dir.join(format!("{log}.log"))).expect("log file");
        let err = log.try_clone().expect("log file");
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env("NUT_CONFPATH", &self.dir)
            .env("NUT_STATEPATH", self.dir.join("state"))
            .env("NUT_ALTPIDPATH", self.dir.join("state"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err));
        if running_as_root() {
            cmd.args(["-u", "root"]);
        }
        cmd.spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"))
    }

    fn start_upsd(&mut self) {
        for _ in 0..5 {
            let port = free_port().expect("a free port in our range");
            private(
                &self.dir.join("upsd.conf"),
                &format!("LISTEN 127.0.0.1 {port}\nMAXAGE 3\n"),
            );
            let mut child = self.spawn(REAL_UPSD, &["-F"], "upsd");
            self.port = port;
            let listening = eventually(Duration::from_secs(5), || {
                TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
                    || matches!(child.try_wait(), Ok(Some(_)))
            });
            if listening && matches!(child.try_wait(), Ok(None)) {
                self.upsd = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("real upsd did not start");
    }

    /// The port upsd listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `UPS@127.0.0.1:PORT`.
    pub(crate) fn target(&self, ups: &str) -> String {
        format!("{ups}@127.0.0.1:{}", self.port)
    }

    /// One raw request, for readiness checks (independent of our client).
    pub(crate) fn request(&self, line: &str) -> Option<String> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut writer = stream.try_clone().ok()?;
        writer.write_all(format!("{line}\n").as_bytes()).ok()?;
        let mut reply = String::new();
        BufReader::new(stream).read_line(&mut reply).ok()?;
        Some(reply.trim_end().to_owned())
    }

    /// The PID of `ups`'s driver.
    pub(crate) fn driver_pid(&self, ups: &str) -> u32 {
        self.drivers
            .iter()
            .find(|(name, _)| name == ups)
            .map(|(_, c)| c.id())
            .expect("known driver")
    }

    /// Kills `ups`'s driver and waits until upsd reports it gone.
    pub(crate) fn kill_driver(&mut self, ups: &str) {
        if let Some((_, child)) = self.drivers.iter_mut().find(|(name, _)| name == ups) {
            let _ = child.kill();
            let _ = child.wait();
        }
        let gone = eventually(Duration::from_secs(10), || {
            self.request(&format!("GET VAR {ups} ups.status"))
                .is_some_and(|r| r == "ERR DRIVER-NOT-CONNECTED")
        });
        assert!(gone, "upsd did not notice the killed driver of {ups}");
    }

    /// Freezes `ups`'s driver (SIGSTOP) and waits until upsd calls its data stale.
    pub(crate) fn freeze_driver(&self, ups: &str) {
        support::signal(self.driver_pid(ups), "STOP");
        let stale = eventually(Duration::from_secs(15), || {
            self.request(&format!("GET VAR {ups} ups.status"))
                .is_some_and(|r| r == "ERR DATA-STALE")
        });
        assert!(stale, "upsd did not declare {ups} stale");
    }

    /// Resumes a frozen driver.
    pub(crate) fn thaw_driver(&self, ups: &str) {
        support::signal(self.driver_pid(ups), "CONT");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let mut children: Vec<&mut Child> = self.upsd.iter_mut().collect();
        children.extend(self.drivers.iter_mut().map(|(_, c)| c));
        for child in &mut children {
            // A frozen driver must be resumed to die of TERM; KILL works regardless.
            let _ = child.kill();
        }
        for child in children {
            let _ = child.wait();
        }
        if std::env::var_os("NUT_CLI_KEEP_SANDBOX").is_none() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn private(path: &Path, text: &str) {
    fs::write(path, text).expect("config file");
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).expect("config mode");
}

fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
            .unwrap_or(false)
    })
}

/// Runs the real program and ours with the same arguments and input, and
/// returns `None` when they agree (ours may omit the SSL notice when built
/// without `tls`), else a report.
pub(crate) fn compare(program: &str, args: &[&str], how: &Run) -> Option<String> {
    let real = support::run_program(&format!("/bin/{program}"), program, args, how);
    let ours = support::run_program(support::ours(program), program, args, how);
    let mut expected = real.clone();
    if !cfg!(feature = "tls") {
        expected.stderr = expected.stderr.replace(INIT_SSL, "");
    }
    (expected != ours).then(|| {
        format!(
            "{program} {args:?}:\n  real: {}\n  ours: {}",
            show(&real),
            show(&ours)
        )
    })
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}, stdout {:?}, stderr {:?}",
        o.code, o.stdout, o.stderr
    )
}

/// Asserts that every case matched, listing all that did not.
pub(crate) fn assert_all_match(reports: Vec<Option<String>>) {
    let failures: Vec<String> = reports.into_iter().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} case(s) differ from real NUT:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
