//! The nut-ddl corpus through both servers: every `.dev` dump is replayed
//! by the real dummy-ups, read by the real upsd and by ours (both as
//! clients of the same driver socket), and the real `upsc` must print the
//! same bytes and exit the same way against each.
//!
//! Sharing a driver between the two servers is safe here: a 2.8.0
//! dummy-ups only broadcasts when its file changes, and both servers stay
//! connected until the drivers are stopped (real-nut-lab §8.4).
//!
//! `NUT_UPSD_CORPUS_LIMIT=<n>` compares only the first `n` dumps (sorted).

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use nut_server::upsd::Server;
use nut_server::upsd::files::{self, UpsdPaths};
use nut_server::upsd::serve::UpsdOptions;
use nut_server::upsd::serve::listen::{self, Family};

use crate::support::lab::{Ours, USERS};
use crate::support::wire::Wire;
use crate::support::{
    REAL_DUMMY_UPS, REAL_UPSD, TempDir, current_user, free_port, in_ci, real_nut_available,
    real_nut_lock, run_bounded, spawn_logged, stop_children, wait_for,
};

/// Sections per batch (one real upsd, one of ours, one driver each).
const BATCH_SIZE: usize = 120;
/// `upsc` runs at once.
const WORKERS: usize = 4;
/// How long the drivers of a batch may take to serve their data.
const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// How long one `upsc` may take.
const UPSC_TIMEOUT: Duration = Duration::from_secs(20);
/// The MANIFEST counts 718 nut-ddl dumps plus NUT's own sample.
const MIN_EXPECTED_DUMPS: usize = 718;

/// The corpus's `ddl/`, or `None` after a loud skip (a failure under CI).
fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("NUT_CORPUS_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    );
    let ddl = dir.join("ddl");
    if ddl.is_dir() {
        return Some(ddl);
    }
    assert!(!in_ci(), "corpus missing under CI: {}", ddl.display());
    eprintln!("SKIPPED corpus comparison: no corpus at {}", ddl.display());
    None
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "dev") {
            out.push(path);
        }
    }
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// One batch: drivers, the real upsd and ours, over the same sockets.
struct Batch {
    drivers: Vec<Child>,
    real: Option<Child>,
    ours: Option<Ours>,
    real_port: u16,
    our_port: u16,
    names: Vec<(String, PathBuf)>,
    dir: TempDir,
}

impl Batch {
    fn start(dumps: &[PathBuf], offset: usize) -> Self {
        let dir = TempDir::new("upsd-corpus").expect("temp dir");
        let (real_conf, our_conf, state) = (
            dir.path().join("real"),
            dir.path().join("ours"),
            dir.path().join("state"),
        );
        for d in [&real_conf, &our_conf, &state] {
            std::fs::create_dir(d).expect("dir");
        }
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).expect("chmod");
        let mut ups_conf = String::new();
        let mut names = Vec::new();
        for (i, dump) in dumps.iter().enumerate() {
            let name = format!("u{}", offset + i);
            let file = format!("{name}.dev");
            std::os::unix::fs::symlink(dump, real_conf.join(&file)).expect("link");
            let _ = write!(
                ups_conf,
                "[{name}]\n  driver = dummy-ups\n  port = {file}\n"
            );
            names.push((name, dump.clone()));
        }
        let (real_port, our_port) = (free_port(), free_port());
        for (conf, port) in [(&real_conf, real_port), (&our_conf, our_port)] {
            write_private(&conf.join("ups.conf"), &ups_conf);
            write_private(&conf.join("upsd.users"), USERS);
            write_private(
                &conf.join("upsd.conf"),
                &format!("LISTEN 127.0.0.1 {port}\n"),
            );
        }
        let user = current_user();
        let env = |cmd: &mut Command| {
            cmd.env("NUT_CONFPATH", &real_conf)
                .env("NUT_STATEPATH", &state)
                .env("NUT_ALTPIDPATH", &state);
        };
        let mut batch = Self {
            drivers: Vec::new(),
            real: None,
            ours: None,
            real_port,
            our_port,
            names,
            dir,
        };
        for (name, _) in &batch.names {
            let mut cmd = Command::new(REAL_DUMMY_UPS);
            cmd.args(["-a", name, "-F", "-u", &user]);
            env(&mut cmd);
            let log = batch.dir.path().join(format!("{name}.log"));
            batch
                .drivers
                .push(spawn_logged(&mut cmd, &log).expect("dummy-ups"));
        }
        let mut cmd = Command::new(REAL_UPSD);
        cmd.args(["-F", "-u", &user]);
        env(&mut cmd);
        let log = batch.dir.path().join("upsd.log");
        batch.real = Some(spawn_logged(&mut cmd, &log).expect("real upsd"));
        batch.ours = Some(start_ours(&our_conf, &state));
        batch
    }

    /// Waits until both servers have every UPS out of `WAIT` (or without a
    /// driver whose process is gone).
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        for port in [self.real_port, self.our_port] {
            let mut wire = wait_for("upsd listening", Duration::from_secs(10), || {
                Wire::connect(port).ok()
            });
            for (index, (name, _)) in self.names.iter().enumerate() {
                loop {
                    let reply = wire
                        .request(&format!("GET VAR {name} ups.status"))
                        .unwrap_or_default();
                    let served = reply.first().is_some_and(|r| {
                        (r.starts_with("VAR ") && !r.ends_with("\"WAIT\""))
                            || r == "ERR VAR-NOT-SUPPORTED"
                    });
                    let gone = reply
                        .first()
                        .is_some_and(|r| r == "ERR DRIVER-NOT-CONNECTED")
                        && matches!(self.drivers[index].try_wait(), Ok(Some(_)));
                    if served || gone || Instant::now() >= deadline {
                        break;
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
        // The rest of each dump follows its status line.
        thread::sleep(Duration::from_millis(500));
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if let Some(mut real) = self.real.take() {
            stop_children(&mut [&mut real]);
        }
        drop(self.ours.take());
        let mut drivers: Vec<&mut Child> = self.drivers.iter_mut().collect();
        stop_children(&mut drivers);
    }
}

fn start_ours(conf: &Path, state: &Path) -> Ours {
    let conf = conf.to_string_lossy().into_owned();
    let state = state.to_string_lossy().into_owned();
    let paths = UpsdPaths::from_lookup(move |name| match name {
        "NUT_CONFPATH" => Some(conf.clone()),
        "NUT_STATEPATH" | "NUT_ALTPIDPATH" => Some(state.clone()),
        _ => None,
    });
    let files = files::load_all(&paths, None, &mut Vec::new()).expect("files");
    let bound = listen::bind_all(&files.upsd_conf.listeners(), Family::Any);
    assert!(!bound.listeners.is_empty(), "our upsd could not listen");
    let server = Server::new(files.server_config());
    Ours::spawn(
        server,
        UpsdOptions::new(files.statepath),
        bound.listeners,
        Vec::new(),
    )
}

fn upsc(target: &str) -> (Option<i32>, String, String) {
    run_bounded(Command::new("/bin/upsc").arg(target), UPSC_TIMEOUT)
}

#[test]
fn corpus_dumps_print_the_same_upsc_through_both_servers() {
    if !real_nut_available("corpus_dumps_print_the_same_upsc_through_both_servers") {
        return;
    }
    let Some(ddl) = corpus() else {
        return;
    };
    let mut dumps = Vec::new();
    collect(&ddl, &mut dumps);
    dumps.sort();
    assert!(
        dumps.len() >= MIN_EXPECTED_DUMPS,
        "only {} dumps",
        dumps.len()
    );
    if let Some(limit) = std::env::var("NUT_UPSD_CORPUS_LIMIT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        dumps.truncate(limit);
    }
    let _lock = real_nut_lock();
    let started = Instant::now();
    let mut compared = 0;
    let mut served = 0;
    let mut mismatches = Vec::new();
    for (batch_index, chunk) in dumps.chunks(BATCH_SIZE).enumerate() {
        let mut batch = Batch::start(chunk, batch_index * BATCH_SIZE);
        batch.wait_ready();
        let next = Mutex::new(0usize);
        let results = Mutex::new(Vec::new());
        thread::scope(|scope| {
            for _ in 0..WORKERS {
                scope.spawn(|| {
                    loop {
                        let index = {
                            let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                            let index = *n;
                            *n += 1;
                            index
                        };
                        let Some((name, dump)) = batch.names.get(index) else {
                            return;
                        };
                        let real = upsc(&format!("{name}@127.0.0.1:{}", batch.real_port));
                        let ours = upsc(&format!("{name}@127.0.0.1:{}", batch.our_port));
                        results.lock().unwrap_or_else(|e| e.into_inner()).push((
                            dump.clone(),
                            real,
                            ours,
                        ));
                    }
                });
            }
        });
        for (dump, real, ours) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
            compared += 1;
            if real.0 == Some(0) {
                served += 1;
            }
            if real != ours {
                mismatches.push(format!(
                    "{}\n  real: {real:?}\n  ours: {ours:?}",
                    dump.display()
                ));
            }
        }
    }
    eprintln!(
        "compared {compared} corpus dumps ({served} served with data): {} identical, in {:?}",
        compared - mismatches.len(),
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} dumps differ:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
