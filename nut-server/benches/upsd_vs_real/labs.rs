//! Sandboxes ("labs"): a private configuration directory with its drivers
//! and one upsd on a loopback port, for the real NUT 2.8.0 programs, ours,
//! or our upsd hosting its driver in-process; plus the synchronous probes
//! used to time start-up.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::procs::Registry;

/// The real NUT 2.8.0 programs (Debian's `nut-server`).
pub(crate) const REAL_UPSD: &str = "/lib/nut/upsd";
/// The real dummy-ups.
pub(crate) const REAL_DUMMY_UPS: &str = "/lib/nut/dummy-ups";

/// The 15-line device of the lab (real-nut-lab.md §2.1).
pub(crate) const SMALL_DEV: &str = "battery.charge: 100
battery.runtime: 1800
battery.voltage: 27.3
device.mfr: Acme
device.model: Simulated 1500
input.voltage: 230.0
input.frequency: 50.0
output.voltage: 230.0
ups.load: 23
ups.mfr: Acme
ups.model: Simulated 1500
ups.serial: SIM0001
ups.status: OL
ups.delay.shutdown: 20
ups.delay.start: 30
";

/// Lines in the big device file.
pub(crate) const BIG_DEV_LINES: usize = 200;

/// The 200-line device: the small one plus outlets, five lines each.
pub(crate) fn big_dev() -> String {
    let mut text = SMALL_DEV.to_owned();
    let mut lines = SMALL_DEV.lines().count();
    let mut outlet = 1;
    'outlets: loop {
        for key in ["id", "desc", "status", "switchable", "delay.shutdown"] {
            if lines >= BIG_DEV_LINES {
                break 'outlets;
            }
            let value = match key {
                "id" => outlet.to_string(),
                "desc" => format!("Outlet {outlet}"),
                "status" => "on".to_owned(),
                "switchable" => "yes".to_owned(),
                _ => "-1".to_owned(),
            };
            let _ = writeln!(text, "outlet.{outlet}.{key}: {value}");
            lines += 1;
        }
        outlet += 1;
    }
    text
}

/// Whose programs a lab runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `/lib/nut/upsd` and `/lib/nut/dummy-ups`.
    Real,
    /// Our `upsd` and our `dummy-ups`, two processes.
    Ours,
    /// Our `upsd` hosting dummy-ups as a task (`nutrs_inprocess`).
    Stack,
}

impl Flavor {
    /// Name in the log and tables.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Ours => "ours",
            Self::Stack => "ours in-process",
        }
    }
}

/// Where the programs are.
#[derive(Debug, Clone)]
pub(crate) struct Programs {
    /// Our upsd (release build).
    pub(crate) our_upsd: PathBuf,
    /// Our dummy-ups (release build).
    pub(crate) our_dummy_ups: PathBuf,
}

impl Programs {
    fn upsd(&self, flavor: Flavor) -> PathBuf {
        match flavor {
            Flavor::Real => PathBuf::from(REAL_UPSD),
            Flavor::Ours | Flavor::Stack => self.our_upsd.clone(),
        }
    }

    fn dummy_ups(&self, flavor: Flavor) -> PathBuf {
        match flavor {
            Flavor::Real => PathBuf::from(REAL_DUMMY_UPS),
            Flavor::Ours | Flavor::Stack => self.our_dummy_ups.clone(),
        }
    }
}

/// What a lab serves and how upsd is limited.
#[derive(Debug, Clone)]
pub(crate) struct LabSpec {
    /// Directory name (under the run's root).
    pub(crate) name: String,
    /// Whose programs.
    pub(crate) flavor: Flavor,
    /// Loopback port of upsd.
    pub(crate) port: u16,
    /// UPS name and .dev content, in `ups.conf` order.
    pub(crate) upses: Vec<(String, String)>,
    /// `MAXCONN`, if any.
    pub(crate) maxconn: Option<u32>,
    /// upsd's `RLIMIT_NOFILE`.
    pub(crate) nofile: u32,
}

/// A prepared or running lab.
#[derive(Debug)]
pub(crate) struct Lab {
    /// Its specification.
    pub(crate) spec: LabSpec,
    /// Its configuration directory (also state and PID directory's parent).
    pub(crate) dir: PathBuf,
    /// upsd's PID, once started.
    pub(crate) upsd: Option<u32>,
    /// Driver PIDs (none for [`Flavor::Stack`]).
    pub(crate) drivers: Vec<u32>,
    /// Driver-socket connections kept open until the drivers stop: a real
    /// 2.8.0 driver aborts on its next broadcast after a socket client
    /// left (real-nut-lab.md §8.4).
    links: Vec<UnixStream>,
}

impl Lab {
    /// Writes the lab's files under `root`.
    pub(crate) fn prepare(root: &Path, spec: LabSpec) -> Result<Self, String> {
        let dir = root.join(&spec.name);
        let state = dir.join("state");
        fs::create_dir_all(&state).map_err(|e| format!("{}: {e}", state.display()))?;
        fs::set_permissions(&state, fs::Permissions::from_mode(0o770))
            .map_err(|e| format!("{}: {e}", state.display()))?;
        let mut ups_conf = String::new();
        if spec.flavor == Flavor::Stack {
            ups_conf.push_str("nutrs_inprocess = dummy-ups\n");
        }
        for (name, dev) in &spec.upses {
            let file = format!("{name}.dev");
            write(&dir.join(&file), dev, 0o644)?;
            let _ = write!(
                ups_conf,
                "[{name}]\n  driver = dummy-ups\n  port = {file}\n"
            );
        }
        write(&dir.join("ups.conf"), &ups_conf, 0o644)?;
        let mut upsd_conf = format!("LISTEN 127.0.0.1 {}\nMAXAGE 15\n", spec.port);
        if let Some(n) = spec.maxconn {
            let _ = writeln!(upsd_conf, "MAXCONN {n}");
        }
        write(&dir.join("upsd.conf"), &upsd_conf, 0o600)?;
        write(
            &dir.join("upsd.users"),
            "[admin]\n  password = adminpass\n  actions = SET\n",
            0o600,
        )?;
        Ok(Self {
            spec,
            dir,
            upsd: None,
            drivers: Vec::new(),
            links: Vec::new(),
        })
    }

    /// upsd's address.
    pub(crate) fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.spec.port))
    }

    fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    fn env(&self) -> [(&'static str, PathBuf); 3] {
        [
            ("NUT_CONFPATH", self.dir.clone()),
            ("NUT_STATEPATH", self.state()),
            ("NUT_ALTPIDPATH", self.state()),
        ]
    }

    fn spawn(
        &self,
        registry: &Registry,
        what: &str,
        program: &Path,
        args: &[&str],
    ) -> Result<u32, String> {
        let env = self.env();
        let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
        registry.spawn(
            &format!("{} {what}", self.spec.name),
            program,
            args,
            &env,
            self.spec.nofile,
            &self.dir.join(format!("{what}.log")),
        )
    }

    /// Starts the drivers (none in-process); returns when each answers
    /// `PING` on its socket, with the time from exec to `PONG` of each.
    pub(crate) fn start_drivers(
        &mut self,
        registry: &Registry,
        programs: &Programs,
    ) -> Result<Vec<Duration>, String> {
        if self.spec.flavor == Flavor::Stack {
            return Ok(Vec::new());
        }
        let program = programs.dummy_ups(self.spec.flavor);
        let mut started = Vec::new();
        let names: Vec<String> = self.spec.upses.iter().map(|(n, _)| n.clone()).collect();
        for name in &names {
            let pid = self.spawn(
                registry,
                &format!("dummy-ups-{name}"),
                &program,
                &["-a", name, "-u", "root", "-F"],
            )?;
            self.drivers.push(pid);
            started.push((name.clone(), Instant::now()));
        }
        let mut times = Vec::new();
        for (name, at) in started {
            let socket = self.state().join(format!("dummy-ups-{name}"));
            let link = ping_driver(&socket, at + Duration::from_secs(15))
                .map_err(|e| format!("{}: driver {name}: {e}", self.spec.name))?;
            times.push(at.elapsed());
            self.links.push(link);
        }
        Ok(times)
    }

    /// Execs upsd (foreground, as root) and returns the exec instant.
    pub(crate) fn start_upsd(
        &mut self,
        registry: &Registry,
        programs: &Programs,
    ) -> Result<Instant, String> {
        let program = programs.upsd(self.spec.flavor);
        let at = Instant::now();
        let pid = self.spawn(registry, "upsd", &program, &["-F", "-u", "root"])?;
        self.upsd = Some(pid);
        Ok(at)
    }

    /// Waits until every UPS is served (a `GET VAR` gets a value).
    pub(crate) fn wait_serving(&self, registry: &Registry, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        for (name, _) in &self.spec.upses {
            let served = wait_for(deadline, || {
                if self.upsd.is_some_and(|pid| !registry.alive(pid)) {
                    return Some(Err(format!("{}: upsd exited", self.spec.name)));
                }
                first_value(self.addr(), name).map(|_| Ok(()))
            });
            match served {
                Some(Ok(())) => {}
                Some(Err(e)) => return Err(self.with_log(e)),
                None => {
                    return Err(
                        self.with_log(format!("{}: {name} not served in time", self.spec.name))
                    );
                }
            }
        }
        Ok(())
    }

    /// `message` followed by the end of upsd's log.
    pub(crate) fn with_log(&self, message: String) -> String {
        let log = fs::read_to_string(self.dir.join("upsd.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("{message}\n  upsd log: {}", tail.join("\n  upsd log: "))
    }

    /// Every PID of the lab.
    pub(crate) fn pids(&self) -> Vec<u32> {
        self.upsd.iter().chain(&self.drivers).copied().collect()
    }

    /// Stops upsd and the drivers together (by PID), then drops the links.
    pub(crate) fn stop(&mut self, registry: &Registry) {
        registry.stop(&self.pids());
        self.links.clear();
        self.upsd = None;
        self.drivers.clear();
    }
}

fn write(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Calls `probe` every millisecond until it returns something or the
/// deadline passes.
pub(crate) fn wait_for<T>(deadline: Instant, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Connects to a driver socket (retrying until it exists) and waits for
/// `PONG`; returns the open connection.
fn ping_driver(socket: &Path, deadline: Instant) -> Result<UnixStream, String> {
    let mut stream = wait_for(deadline, || UnixStream::connect(socket).ok())
        .ok_or_else(|| format!("{}: no socket", socket.display()))?;
    stream
        .set_read_timeout(Some(
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(10)),
        ))
        .map_err(|e| e.to_string())?;
    stream.write_all(b"PING\n").map_err(|e| e.to_string())?;
    let mut reply = [0u8; 5];
    stream
        .read_exact(&mut reply)
        .map_err(|e| format!("no PONG: {e}"))?;
    if &reply != b"PONG\n" {
        return Err(format!(
            "{:?} instead of PONG",
            String::from_utf8_lossy(&reply)
        ));
    }
    Ok(stream)
}

/// One synchronous request and its first reply line (`None`: no
/// connection or no reply within 500 ms).
pub(crate) fn ask_once(addr: SocketAddr, request: &str) -> Option<String> {
    let limit = Duration::from_millis(500);
    let stream = TcpStream::connect_timeout(&addr, limit).ok()?;
    stream.set_nodelay(true).ok()?;
    stream.set_read_timeout(Some(limit)).ok()?;
    (&stream).write_all(request.as_bytes()).ok()?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).ok()?;
    line.ends_with('\n').then(|| line.trim_end().to_owned())
}

/// `GET VAR <ups> ups.status` returns a value (not `ERR …`).
pub(crate) fn first_value(addr: SocketAddr, ups: &str) -> Option<String> {
    ask_once(addr, &format!("GET VAR {ups} ups.status\n")).filter(|l| l.starts_with("VAR "))
}
