//! Oracle scenarios: the real upsmon (NUT 2.8.0) and ours, side by side,
//! against one real upsd serving two real dummy-ups UPSes (`real` for
//! NUT's upsmon, `ours` for ours) that the test drives identically:
//! statuses set with `SET VAR` on both at once, both drivers killed, FSD
//! set on both. Each upsmon has its own UPS so that the FSD latch and the
//! NUMLOGINS wait of one cannot disturb the other.
//!
//! For every scenario the two must emit the same notification types in
//! the same order (bursts in the same poll compared as sets, see
//! [`normalize`]), take the same shutdown decision (SHUTDOWNCMD run or
//! not), and agree on each event's time within one poll interval
//! (POLLFREQ 1 s, plus [`SLACK`] for starting the logging scripts).
//! The same steps replayed on the virtual clock (the engine of
//! `upsmon --simulate`) must reach the same notifications and decision.
//!
//! The real upsmon always writes /run/nut/upsmon.pid, so it runs in a
//! private mount namespace with a tmpfs on /run/nut (lab §3.1).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nut_proto::client::ConnectOptions;
use nut_proto::client::blocking::Client;

// Bursts are a poll wide: 100 ms was too tight on a loaded machine.
use super::oracle_lab::normalize_polls as normalize;
use super::support::{
    Lab, Running, children_of, kill, read_events, start_upsmon, upsmon_conf, wait_for,
};

pub(crate) const TESTS: &[(&str, fn())] = &[("oracle::scenarios", scenarios)];

const UPSD: &str = "/lib/nut/upsd";
const DUMMY_UPS: &str = "/lib/nut/dummy-ups";
const REAL_UPSMON: &str = "/lib/nut/upsmon";

/// One poll interval (POLLFREQ and POLLFREQALERT of every scenario).
const POLL: u64 = 1000;
/// Time to start a logging script, beyond the poll interval.
const SLACK: u64 = 250;

/// What the test does to both UPSes at a point of a scenario.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// `SET VAR <ups> ups.status`.
    Status(&'static str),
    /// Kill both drivers (SIGKILL).
    KillDrivers,
    /// `FSD <ups>` as the admin (what a primary elsewhere does).
    Fsd,
}

struct Scenario {
    name: &'static str,
    role: &'static str,
    extra: &'static str,
    steps: &'static [(u64, Step)],
    /// When to stop watching, ms after the first step's origin.
    end: u64,
    /// What both must do, normalized (a check of the oracle itself).
    expect: &'static [&'static str],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "ol_ob_oblb_primary",
        role: "primary",
        extra: "",
        steps: &[
            (1000, Step::Status("OB DISCHRG")),
            (3500, Step::Status("OB LB")),
        ],
        end: 7000,
        expect: &["ONBATT", "LOWBATT", "SHUTDOWN", "SHUTDOWNCMD"],
    },
    Scenario {
        name: "short_outage_back_online",
        role: "primary",
        extra: "",
        steps: &[(1000, Step::Status("OB")), (3500, Step::Status("OL"))],
        end: 5500,
        expect: &["ONBATT", "ONLINE"],
    },
    Scenario {
        name: "comms_loss_nocomm",
        role: "primary",
        extra: "NOCOMMWARNTIME 2",
        steps: &[(1000, Step::KillDrivers)],
        end: 5000,
        expect: &["COMMBAD", "NOCOMM"],
    },
    Scenario {
        name: "fsd_from_primary_seen_by_secondary",
        role: "secondary",
        extra: "",
        steps: &[(1000, Step::Fsd)],
        end: 4500,
        expect: &["FSD", "SHUTDOWN", "SHUTDOWNCMD"],
    },
    Scenario {
        name: "secondary_low_battery_then_fsd",
        role: "secondary",
        extra: "",
        steps: &[(1000, Step::Status("OB LB")), (2000, Step::Fsd)],
        end: 5500,
        expect: &["LOWBATT", "ONBATT", "FSD", "SHUTDOWN", "SHUTDOWNCMD"],
    },
    Scenario {
        name: "deadtime_while_on_battery",
        role: "primary",
        extra: "DEADTIME 2",
        steps: &[(1000, Step::Status("OB")), (2000, Step::KillDrivers)],
        end: 7500,
        expect: &["ONBATT", "COMMBAD", "SHUTDOWN", "SHUTDOWNCMD"],
    },
    Scenario {
        name: "replace_battery",
        role: "secondary",
        extra: "",
        steps: &[(1000, Step::Status("OL RB"))],
        end: 3000,
        expect: &["REPLBATT"],
    },
];

/// Whether the real NUT can be used here; `false` after a loud SKIPPED.
fn real_nut_available() -> bool {
    let missing: Vec<&str> = [UPSD, DUMMY_UPS, REAL_UPSMON]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    let unshare = Command::new("unshare")
        .args(["-m", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let why = if !missing.is_empty() {
        format!("{} not installed", missing.join(", "))
    } else if !unshare {
        "`unshare -m` is not permitted (the real upsmon needs its own /run/nut)".to_owned()
    } else {
        return true;
    };
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("oracle scenarios cannot run under CI: {why}");
    }
    eprintln!("SKIPPED oracle::scenarios: {why} (install Debian's nut-server and nut-client)");
    false
}

/// upsd + two dummy-ups on 127.0.0.1:`port`, stopped by PID on drop.
struct RealNut {
    lab: Lab,
    port: u16,
}

impl RealNut {
    fn start(port: u16) -> Self {
        let lab = Lab::new("oracle");
        std::fs::create_dir_all(lab.path("state")).unwrap();
        let dev = "battery.charge: 100\nbattery.runtime: 1800\nups.mfr: Acme\nups.model: Sim\nups.status: OL\n";
        lab.write("real.dev", dev);
        lab.write("ours.dev", dev);
        lab.write(
            "ups.conf",
            "[real]\n  driver = dummy-ups\n  port = real.dev\n[ours]\n  driver = dummy-ups\n  port = ours.dev\n",
        );
        lab.write("upsd.conf", &format!("LISTEN 127.0.0.1 {port}\n"));
        lab.write(
            "upsd.users",
            "[admin]\n  password = adminpass\n  actions = SET\n  actions = FSD\n\
             [monuser]\n  password = monpass\n  upsmon primary\n\
             [monsec]\n  password = secpass\n  upsmon secondary\n",
        );
        let nut = Self { lab, port };
        for ups in ["real", "ours"] {
            nut.daemon(DUMMY_UPS, &["-a", ups, "-u", "root"]);
        }
        nut.daemon(UPSD, &["-u", "root"]);
        let ready = wait_for(Duration::from_secs(5), || {
            nut.admin().is_some_and(|mut c| {
                ["real", "ours"]
                    .iter()
                    .all(|u| c.get_var(u, "ups.status").is_ok())
            })
        });
        assert!(ready, "real upsd/dummy-ups did not come up on port {port}");
        nut
    }

    fn env(&self, c: &mut Command) {
        c.env("NUT_CONFPATH", &self.lab.dir)
            .env("NUT_STATEPATH", self.lab.path("state"))
            .env("NUT_ALTPIDPATH", self.lab.path("state"));
    }

    /// Starts a NUT daemon (it forks into the background and writes its PID file).
    fn daemon(&self, program: &str, args: &[&str]) {
        let mut c = Command::new(program);
        c.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.env(&mut c);
        assert!(c.status().unwrap().success(), "{program} {args:?}");
    }

    fn pid(&self, name: &str) -> Option<i32> {
        std::fs::read_to_string(self.lab.path("state").join(name))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn admin(&self) -> Option<Client> {
        let options = ConnectOptions {
            connect_timeout: Some(Duration::from_secs(2)),
            ..ConnectOptions::default()
        };
        let mut c = Client::connect("127.0.0.1", self.port, &options).ok()?;
        c.username("admin").ok()?;
        c.password("adminpass").ok()?;
        Some(c)
    }

    fn logins(&self, ups: &str) -> u32 {
        self.admin()
            .and_then(|mut c| c.get_numlogins(ups).ok())
            .unwrap_or(0)
    }

    fn apply(&self, step: Step) {
        match step {
            Step::Status(status) => {
                let mut c = self.admin().expect("admin connection");
                for ups in ["real", "ours"] {
                    c.set_var(ups, "ups.status", status).expect("SET VAR");
                }
            }
            Step::Fsd => {
                let mut c = self.admin().expect("admin connection");
                for ups in ["real", "ours"] {
                    c.fsd(ups).expect("FSD");
                }
            }
            Step::KillDrivers => {
                // SIGKILL: upsd sees both sockets close at once (a driver
                // given SIGTERM finishes its loop first, up to a second).
                for ups in ["real", "ours"] {
                    if let Some(pid) = self.pid(&format!("dummy-ups-{ups}.pid")) {
                        let _ = Command::new("kill")
                            .args(["-KILL", &pid.to_string()])
                            .status();
                    }
                }
            }
        }
    }
}

impl Drop for RealNut {
    fn drop(&mut self) {
        for name in ["upsd.pid", "dummy-ups-real.pid", "dummy-ups-ours.pid"] {
            if let Some(pid) = self.pid(name) {
                kill(pid);
            }
        }
    }
}

/// The real upsmon, in its own mount namespace; stopped by PID on drop.
struct RealUpsmon {
    child: std::process::Child,
}

impl RealUpsmon {
    fn start(dir: &Path) -> Self {
        let out = std::fs::File::create(dir.join("upsmon.out")).unwrap();
        let child = Command::new("unshare")
            .args([
                "-m",
                "sh",
                "-c",
                &format!("mount -t tmpfs tmpfs /run/nut && exec {REAL_UPSMON} -F -u root"),
            ])
            .env("NUT_CONFPATH", dir)
            .env("NUT_ALTPIDPATH", dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Self { child }
    }
}

impl Drop for RealUpsmon {
    fn drop(&mut self) {
        for pid in children_of(self.child.id()) {
            kill(pid);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes upsmon.conf and the logging scripts into `dir` for `ups`.
fn monitor_dir(base: &Lab, name: &str, ups: &str, port: u16, s: &Scenario) -> PathBuf {
    let dir = base.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("events.log");
    let script = |file: &str, body: String| {
        let p = dir.join(file);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        p
    };
    let notify = script(
        "notify.sh",
        format!(
            "echo \"$(date +%s%3N) $NOTIFYTYPE $UPSNAME|$*\" >> {}",
            log.display()
        ),
    );
    let shutdown = script(
        "shutdown.sh",
        format!("echo \"$(date +%s%3N) SHUTDOWNCMD\" >> {}", log.display()),
    );
    let (user, pass) = if s.role == "primary" {
        ("monuser", "monpass")
    } else {
        ("monsec", "secpass")
    };
    let monitor = format!("MONITOR {ups}@127.0.0.1:{port} 1 {user} {pass} {}", s.role);
    let extra = format!(
        "POWERDOWNFLAG {}\nRUN_AS_USER root\n{}",
        dir.join("killpower").display(),
        s.extra
    );
    let conf = upsmon_conf(&monitor, &notify, &shutdown, &extra);
    std::fs::write(dir.join("upsmon.conf"), conf).unwrap();
    std::fs::set_permissions(
        dir.join("upsmon.conf"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    dir
}

/// Events of one upsmon relative to the scenario's origin.
fn timeline(dir: &Path, origin_ms: u64) -> Vec<(u64, String)> {
    read_events(&dir.join("events.log"))
        .into_iter()
        .map(|(t, n)| (t.saturating_sub(origin_ms), n))
        .collect()
}

fn epoch_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Runs one scenario; returns the number of compared events.
fn run_scenario(index: usize, s: &Scenario) -> usize {
    let port = 13960 + u16::try_from(index).unwrap();
    let nut = RealNut::start(port);
    let real_dir = monitor_dir(&nut.lab, "real", "real", port, s);
    let ours_dir = monitor_dir(&nut.lab, "ours", "ours", port, s);
    let real = RealUpsmon::start(&real_dir);
    let ours_lab = Lab {
        dir: ours_dir.clone(),
    };
    let ours: Running = start_upsmon(&ours_lab, &["-F", "-u", "root"]);
    std::mem::forget(ours_lab); // the base lab removes the directory
    let up = wait_for(Duration::from_secs(6), || {
        nut.logins("real") >= 1 && nut.logins("ours") >= 1
    });
    assert!(
        up,
        "{}: both upsmons must log in\nreal:\n{}\nours:\n{}",
        s.name,
        std::fs::read_to_string(real_dir.join("upsmon.out")).unwrap_or_default(),
        ours.output()
    );
    // Let both take their first (silent) poll.
    std::thread::sleep(Duration::from_millis(1200));
    let origin = Instant::now();
    let origin_ms = epoch_ms();
    for (at, step) in s.steps {
        let due = origin + Duration::from_millis(*at);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        nut.apply(*step);
    }
    let end = origin + Duration::from_millis(s.end);
    std::thread::sleep(end.saturating_duration_since(Instant::now()));
    let real_events = timeline(&real_dir, origin_ms);
    let ours_events = timeline(&ours_dir, origin_ms);
    drop(ours);
    drop(real);
    let real_names = normalize(&real_events);
    let ours_names = normalize(&ours_events);
    eprintln!("  {}: real {real_events:?}", s.name);
    eprintln!("  {}: ours {ours_events:?}", s.name);
    assert_eq!(
        real_names, s.expect,
        "{}: the real upsmon did not do what the scenario expects",
        s.name
    );
    assert_eq!(
        ours_names, real_names,
        "{}: notification types or order differ",
        s.name
    );
    assert_eq!(
        ours_names.contains(&"SHUTDOWNCMD".to_owned()),
        real_names.contains(&"SHUTDOWNCMD".to_owned()),
        "{}: shutdown decision differs",
        s.name
    );
    let mut max_delta = 0;
    for name in &real_names {
        let at = |events: &[(u64, String)]| events.iter().find(|e| &e.1 == name).map(|e| e.0);
        let (Some(r), Some(o)) = (at(&real_events), at(&ours_events)) else {
            continue;
        };
        let delta = r.abs_diff(o);
        max_delta = max_delta.max(delta);
        assert!(
            delta <= POLL + SLACK,
            "{}: {name} at {r} ms (real) vs {o} ms (ours): more than one poll apart",
            s.name
        );
    }
    // `upsmon --simulate`'s engine on the same config and steps decides the same.
    let conf = std::fs::read(ours_dir.join("upsmon.conf")).unwrap();
    assert_eq!(
        simulated(s, &conf, port),
        real_names,
        "{}: the replayer (upsmon --simulate) disagrees with the real upsmon",
        s.name
    );
    eprintln!(
        "  {}: {} events identical, largest time difference {max_delta} ms",
        s.name,
        real_names.len()
    );
    real_names.len()
}

/// The scenario replayed on the virtual clock, as `upsmon --simulate`
/// would: normalized notification types plus SHUTDOWNCMD.
fn simulated(s: &Scenario, conf: &[u8], port: u16) -> Vec<String> {
    use nut_monitor::replay::{Scenario as Script, replay};
    let ups = format!("ours@127.0.0.1:{port}");
    let mut text = String::new();
    for (at, step) in s.steps {
        let secs = format!("{}.{:03}", at / 1000, at % 1000);
        let line = match step {
            Step::Status(status) => format!("{secs} status {ups} \"{status}\"\n"),
            Step::KillDrivers => format!("{secs} down {ups}\n"),
            // upsd reports the latch in front of the status.
            Step::Fsd => format!("{secs} status {ups} \"FSD OL\"\n"),
        };
        text.push_str(&line);
    }
    // A status after an FSD event keeps the FSD (the latch stays in upsd).
    if let Some(fsd_at) = s.steps.iter().position(|(_, st)| matches!(st, Step::Fsd)) {
        let last_status = s.steps[..fsd_at].iter().rev().find_map(|(_, st)| match st {
            Step::Status(status) => Some(*status),
            _ => None,
        });
        if let Some(status) = last_status {
            text = text.replace("\"FSD OL\"", &format!("\"FSD {status}\""));
        }
    }
    // The replay polls the instant a step happens; the real monitors see it
    // up to a poll later. Ending half a poll early gives both windows the
    // same number of polls after the last step.
    let end = s.end - POLL / 2;
    text.push_str(&format!("end {}.{:03}\n", end / 1000, end % 1000));
    let script = Script::parse(text.as_bytes()).unwrap();
    let config = nut_monitor::config::parse(conf, "upsmon.conf")
        .unwrap()
        .config;
    let timeline = replay(config, &script, Instant::now()).unwrap();
    let mut events: Vec<(u64, String)> = timeline
        .notifications()
        .into_iter()
        .map(|(ms, kind)| (ms, kind.to_owned()))
        .collect();
    if let Some(at) = timeline.shutdown_command() {
        events.push((
            u64::try_from(at.as_millis()).unwrap(),
            "SHUTDOWNCMD".to_owned(),
        ));
    }
    normalize(&events)
}

fn scenarios() {
    if !real_nut_available() {
        return;
    }
    std::fs::create_dir_all("/run/nut").unwrap();
    let mut steps = 0;
    for (i, s) in SCENARIOS.iter().enumerate() {
        steps += run_scenario(i, s);
    }
    super::support::record_compared(SCENARIOS.len(), steps);
    println!("compared {} scenarios, {steps} steps", SCENARIOS.len());
    eprintln!("compared {} scenarios, {steps} steps", SCENARIOS.len());
}
