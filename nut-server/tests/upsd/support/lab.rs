//! One side of a comparison: a upsd (the real one as a child process, or
//! ours in-process) with its own directory, its own real dummy-ups for
//! `[dummy]`, a fake driver for `[rich]` and no driver at all for `[down]`.
//!
//! Each side has its own drivers: a 2.8.0 driver aborts when a client that
//! left gets a broadcast (real-nut-lab §8.4), and SETs must not leak from
//! one side to the other.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::Duration;

use nix::sys::signal::Signal;
use nut_server::upsd::files::{self, UpsdPaths};
use nut_server::upsd::serve::listen::{self, Family};
use nut_server::upsd::serve::unix::UnixListen;
use nut_server::upsd::serve::{Control, Upsd, UpsdOptions};
use nut_server::upsd::{LogRecord, Server};

use super::fake_driver::{FakeDriver, RICH_DUMP};
use super::wire::Wire;
use super::{
    REAL_DUMMY_UPS, REAL_UPSD, TempDir, current_user, free_port, signal_child, spawn_logged,
    stop_children, wait_for,
};

/// The `.dev` file of real-nut-lab §2.1.
pub(crate) const DUMMY_DEV: &str = "battery.charge: 100
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

/// The users of real-nut-lab §2.1 plus a secondary.
pub(crate) const USERS: &str = "[admin]
  password = adminpass
  actions = SET
  actions = FSD
  instcmds = ALL

[monuser]
  password = monpass
  upsmon primary

[secuser]
  password = secpass
  upsmon secondary
";

/// Which upsd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `/lib/nut/upsd` 2.8.0.
    Real,
    /// `nut_server::upsd`, in this process.
    Ours,
}

/// Our upsd running on its own thread; stopped (and joined) on drop.
pub(crate) struct Ours {
    control: tokio::sync::mpsc::UnboundedSender<Control>,
    done: mpsc::Receiver<()>,
    thread: Option<thread::JoinHandle<()>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Ours {
    /// Runs `server` on `listeners` on a thread of its own (a current-thread
    /// runtime, as the binary builds), logging into memory.
    pub(crate) fn spawn(
        server: Server,
        options: UpsdOptions,
        listeners: Vec<std::net::TcpListener>,
        early_log: Vec<String>,
    ) -> Self {
        Self::spawn_with_unix(server, options, listeners, Vec::new(), early_log)
    }

    /// [`Ours::spawn`], also serving `unix` listeners (`LISTEN_UNIX`).
    pub(crate) fn spawn_with_unix(
        server: Server,
        options: UpsdOptions,
        listeners: Vec<std::net::TcpListener>,
        unix: Vec<UnixListen>,
        early_log: Vec<String>,
    ) -> Self {
        let log = Arc::new(Mutex::new(early_log));
        let sink_log = Arc::clone(&log);
        let sink = Box::new(move |record: &LogRecord| {
            sink_log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(record.message.clone());
        });
        let upsd = Upsd::new(server, options, sink).with_unix_listeners(unix);
        let (control, controls) = tokio::sync::mpsc::unbounded_channel();
        let (done_tx, done) = mpsc::channel();
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listeners = listeners
                    .into_iter()
                    .map(tokio::net::TcpListener::from_std)
                    .collect::<Result<Vec<_>, _>>()
                    .expect("adopt listeners");
                upsd.run(listeners, controls).await;
            });
            let _ = done_tx.send(());
        });
        Self {
            control,
            done,
            thread: Some(thread),
            log,
        }
    }

    /// Sends a control (reload, stop).
    pub(crate) fn control(&self, control: Control) {
        let _ = self.control.send(control);
    }

    /// Everything logged so far, one message per line.
    pub(crate) fn log_text(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n")
    }

    /// Stops it and waits (bounded) for its thread.
    pub(crate) fn stop(mut self) -> bool {
        self.shutdown()
    }

    fn shutdown(&mut self) -> bool {
        let _ = self.control.send(Control::Stop(15));
        let stopped = self.done.recv_timeout(Duration::from_secs(5)).is_ok();
        if stopped && let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        stopped
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shutdown();
        }
    }
}

enum Daemon {
    Real(Child),
    Ours(Ours),
}

/// One upsd with its drivers.
pub(crate) struct Side {
    /// Which upsd.
    pub flavor: Flavor,
    /// Its port on 127.0.0.1.
    pub port: u16,
    drivers: BTreeMap<String, Child>,
    fake: Option<FakeDriver>,
    daemon: Option<Daemon>,
    dir: TempDir,
}

impl Side {
    /// Writes the configuration (with `MAXAGE maxage` and `extra` lines in
    /// `upsd.conf`), starts the drivers and the upsd, and waits until
    /// `[dummy]` and `[rich]` serve data.
    pub(crate) fn start(flavor: Flavor, maxage: u32, extra: &str) -> Self {
        let dir = TempDir::new(match flavor {
            Flavor::Real => "upsd-real",
            Flavor::Ours => "upsd-ours",
        })
        .expect("temp dir");
        let port = free_port();
        write_config(dir.path(), port, maxage, extra);
        let mut side = Self {
            flavor,
            port,
            drivers: BTreeMap::new(),
            fake: None,
            daemon: None,
            dir,
        };
        side.fake = Some(
            FakeDriver::start(&side.state().join("fake-rich"), RICH_DUMP).expect("fake driver"),
        );
        side.start_driver("dummy");
        side.daemon = Some(match flavor {
            Flavor::Real => Daemon::Real(side.spawn_real_upsd()),
            Flavor::Ours => Daemon::Ours(start_ours(side.dir.path())),
        });
        side.wait_ready("dummy");
        side.wait_ready("rich");
        side
    }

    /// The state directory (driver sockets).
    pub(crate) fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// A new client connection.
    pub(crate) fn wire(&self) -> Wire {
        Wire::connect(self.port).expect("connect to upsd")
    }

    /// Polls until `ups` serves data (left `WAIT`, driver connected).
    pub(crate) fn wait_ready(&self, ups: &str) {
        let mut wire = self.wire();
        let request = format!("GET VAR {ups} ups.status");
        wait_for(
            &format!("{:?} upsd serving {ups}\n{}", self.flavor, self.log_text()),
            Duration::from_secs(20),
            || {
                let reply = wire.request(&request).ok()?;
                let ready = reply.len() == 1
                    && reply[0].starts_with("VAR ")
                    && !reply[0].ends_with("WAIT\"");
                ready.then_some(())
            },
        );
    }

    /// Starts the real dummy-ups of section `ups` and waits for its socket.
    pub(crate) fn start_driver(&mut self, ups: &str) {
        let socket = self.state().join(format!("dummy-ups-{ups}"));
        let _ = std::fs::remove_file(&socket);
        let log = self.dir.path().join(format!("driver-{ups}.log"));
        let mut cmd = Command::new(REAL_DUMMY_UPS);
        cmd.args(["-a", ups, "-F", "-u", &current_user()]);
        self.nut_env(&mut cmd);
        let child = spawn_logged(&mut cmd, &log).expect("start dummy-ups");
        self.drivers.insert(ups.to_owned(), child);
        wait_for(
            &format!("socket {}", socket.display()),
            Duration::from_secs(10),
            || socket.exists().then_some(()),
        );
    }

    /// Stops the driver of `ups` (SIGTERM, then SIGKILL).
    pub(crate) fn kill_driver(&mut self, ups: &str) {
        if let Some(mut child) = self.drivers.remove(ups) {
            stop_children(&mut [&mut child]);
        }
    }

    /// Sends a signal (SIGSTOP/SIGCONT) to the driver of `ups`.
    pub(crate) fn signal_driver(&self, ups: &str, signal: Signal) {
        if let Some(child) = self.drivers.get(ups) {
            signal_child(child, signal);
        }
    }

    /// What the upsd logged so far.
    pub(crate) fn log_text(&self) -> String {
        match &self.daemon {
            Some(Daemon::Ours(ours)) => ours.log_text(),
            _ => std::fs::read_to_string(self.dir.path().join("upsd.log")).unwrap_or_default(),
        }
    }

    fn nut_env(&self, cmd: &mut Command) {
        cmd.env("NUT_CONFPATH", self.dir.path())
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.state());
    }

    fn spawn_real_upsd(&self) -> Child {
        let log = self.dir.path().join("upsd.log");
        let mut cmd = Command::new(REAL_UPSD);
        cmd.args(["-F", "-u", &current_user()]);
        self.nut_env(&mut cmd);
        let mut child = spawn_logged(&mut cmd, &log).expect("start real upsd");
        wait_for("real upsd listening", Duration::from_secs(10), || {
            if matches!(child.try_wait(), Ok(Some(_))) {
                panic!("real upsd exited:\n{}", self.log_text());
            }
            self.log_text()
                .lines()
                .any(|l| l.starts_with("listening on "))
                .then_some(())
        });
        child
    }
}

impl Drop for Side {
    fn drop(&mut self) {
        // upsd first, then every driver, all by PID.
        match self.daemon.take() {
            Some(Daemon::Real(mut child)) => stop_children(&mut [&mut child]),
            Some(Daemon::Ours(ours)) => drop(ours),
            None => {}
        }
        let mut drivers: Vec<&mut Child> = self.drivers.values_mut().collect();
        stop_children(&mut drivers);
        self.fake = None;
    }
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write config");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

fn write_config(dir: &Path, port: u16, maxage: u32, extra: &str) {
    let state = dir.join("state");
    std::fs::create_dir(&state).expect("state dir");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    write_private(
        &dir.join("ups.conf"),
        "[dummy]\n  driver = dummy-ups\n  port = dummy.dev\n  desc = \"Dummy UPS for interop tests\"\n\
         [rich]\n  driver = fake\n  port = none\n\
         [down]\n  driver = dummy-ups\n  port = down.dev\n",
    );
    std::fs::write(dir.join("dummy.dev"), DUMMY_DEV).expect("dev file");
    let mut conf = format!("LISTEN 127.0.0.1 {port}\nMAXAGE {maxage}\n");
    let _ = write!(conf, "{extra}");
    write_private(&dir.join("upsd.conf"), &conf);
    write_private(&dir.join("upsd.users"), USERS);
}

/// Our upsd, loaded from `dir` exactly as the binary loads its files.
fn start_ours(dir: &Path) -> Ours {
    let conf = dir.to_string_lossy().into_owned();
    let state = dir.join("state").to_string_lossy().into_owned();
    let paths = UpsdPaths::from_lookup(move |name| match name {
        "NUT_CONFPATH" => Some(conf.clone()),
        "NUT_STATEPATH" | "NUT_ALTPIDPATH" => Some(state.clone()),
        _ => None,
    });
    let mut records = Vec::new();
    let files = files::load_all(&paths, None, &mut records).expect("our upsd loads its files");
    let bound = listen::bind_all(&files.upsd_conf.listeners(), Family::Any);
    assert!(!bound.listeners.is_empty(), "our upsd could not listen");
    let early = records
        .iter()
        .chain(&bound.log)
        .map(|r| r.message.clone())
        .collect();
    let server = Server::new(files.server_config());
    Ours::spawn(
        server,
        UpsdOptions::new(files.statepath),
        bound.listeners,
        early,
    )
}
