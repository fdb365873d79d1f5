//! Real NUT 2.8.0 as the oracle for our dummy-ups:
//!
//! * every nut-ddl dump (and NUT's `.seq`) served by our dummy-ups through
//!   the REAL upsd gives the same `upsc` output as the real dummy-ups
//!   through the same real upsd;
//! * our `DUMPALL` equals the real driver's byte for byte, for every file;
//! * SET and INSTCMD with TRACKING through the real upsd (`upsrw -w`,
//!   `upscmd -w`) give the same answers from our driver as from the real
//!   one;
//! * a client that disconnects does not stop our driver (it does crash the
//!   real 2.8.0 driver, so that part is ours only).
//!
//! Ours run as tasks of one process (`run_task`), many per `ups.conf`; the
//! real drivers start in parallel batches. Everything is stopped by PID.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nut_server::config::UpsConf;
use nut_server::dummy::program::DummyUpsProgram;
use nut_server::runtime::log::Logger;
use nut_server::runtime::paths::NutPaths;
use nut_server::runtime::program::{DriverConfig, Environment, run_task};
use nut_server::runtime::serve::Control;
use tokio::sync::mpsc;

use crate::child::our_dummy_ups;
use crate::support::{
    Lab, PORT_BASE, Proc, REAL_DUMMY_UPS, REAL_UPSC, REAL_UPSD, SockClient, answers_ping,
    corpus_ddl, definition_files, quoted, real_nut, run_client, wait_until,
};

/// Corpus files per `ups.conf` (two sections each: real and ours).
const BATCH: usize = 180;

/// upsc processes at a time.
const UPSC_WORKERS: usize = 8;

/// Our drivers, as tasks on a thread of their own.
struct OurDrivers {
    stops: Vec<mpsc::UnboundedSender<Control>>,
    thread: Option<JoinHandle<Vec<String>>>,
}

impl OurDrivers {
    fn start(lab: &Lab, names: Vec<String>) -> Self {
        let paths = NutPaths::new(&lab.dir, &lab.state(), &lab.state());
        let file = paths.ups_conf();
        let conf = UpsConf::load(&file).expect("ups.conf");
        let configs: Vec<DriverConfig> = names
            .iter()
            .map(|name| DriverConfig::from_conf(&conf, &file, name).expect("section"))
            .collect();
        let (ready_tx, ready_rx) = std_mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async move {
                let env = Environment::with_paths(paths);
                let mut stops = Vec::new();
                let mut tasks = Vec::new();
                for config in configs {
                    let (tx, rx) = mpsc::unbounded_channel();
                    stops.push(tx);
                    let env = env.clone();
                    tasks.push(tokio::task::spawn_local(async move {
                        let name = config.ups.clone();
                        run_task(
                            &DummyUpsProgram::default(),
                            config,
                            &env,
                            Logger::discard(),
                            rx,
                        )
                        .await
                        .map_err(|e| format!("{name}: {e}"))
                    }));
                }
                let _ = ready_tx.send(stops);
                let mut errors = Vec::new();
                for task in tasks {
                    match task.await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => errors.push(e),
                        Err(e) => errors.push(format!("task: {e}")),
                    }
                }
                errors
            })
        });
        let stops = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("drivers started");
        Self {
            stops,
            thread: Some(thread),
        }
    }

    /// Stops every driver; returns the errors of those that failed.
    fn stop(mut self) -> Vec<String> {
        for stop in &self.stops {
            let _ = stop.send(Control::Exit(None));
        }
        self.thread
            .take()
            .map(|t| t.join().expect("driver thread"))
            .unwrap_or_default()
    }
}

impl Drop for OurDrivers {
    fn drop(&mut self) {
        for stop in &self.stops {
            let _ = stop.send(Control::Exit(None));
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn start_real_upsd(lab: &Lab, port: u16) -> Proc {
    lab.write_upsd_files(port);
    let mut command = lab.command(REAL_UPSD);
    command.args(["-F", "-u", "root"]);
    let upsd = Proc::spawn("real upsd", command);
    assert!(
        wait_until(Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        }),
        "real upsd did not listen on {port}"
    );
    upsd
}

fn upsc(lab: &Lab, ups: &str, port: u16) -> (String, String, i32) {
    run_client(lab, REAL_UPSC, &[&format!("{ups}@127.0.0.1:{port}")])
}

/// How a pair compared.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Same {
    /// Byte for byte.
    Identical,
    /// Identical once the real driver's `synchronous` fallback is undone:
    /// NUT 2.8.0 in `synchronous = auto` drops a client whose non-blocking
    /// write fails (a big dump to a busy upsd) and republishes
    /// `driver.parameter.synchronous` as `yes`. Ours buffers instead and
    /// never needs the fallback.
    AfterSyncFallback,
}

/// Undoes the real driver's `auto` → `yes` fallback in `text`, if `ours`
/// says `auto`.
fn undo_sync_fallback(real: &str, ours: &str, line_yes: &str, line_auto: &str) -> Option<String> {
    (real.contains(line_yes) && ours.contains(line_auto)).then(|| real.replace(line_yes, line_auto))
}

/// upsc of the real and our section until both answer the same (or the
/// time is up).
fn compare_upsc(lab: &Lab, index: usize, port: u16) -> Result<Same, String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let real = upsc(lab, &format!("r{index}"), port);
        let ours = upsc(lab, &format!("o{index}"), port);
        if real == ours && real.2 == 0 {
            return Ok(Same::Identical);
        }
        let undone = undo_sync_fallback(
            &real.0,
            &ours.0,
            "driver.parameter.synchronous: yes\n",
            "driver.parameter.synchronous: auto\n",
        );
        if real.2 == 0 && real.1 == ours.1 && undone.as_deref() == Some(ours.0.as_str()) {
            return Ok(Same::AfterSyncFallback);
        }
        if Instant::now() >= deadline {
            return Err(first_difference(&real.0, &ours.0, &real.1, &ours.1));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn first_difference(real: &str, ours: &str, real_err: &str, ours_err: &str) -> String {
    for (r, o) in real.lines().zip(ours.lines()) {
        if r != o {
            return format!("real `{r}` vs ours `{o}`");
        }
    }
    format!(
        "real {} lines vs ours {} lines; stderr real `{}` ours `{}`",
        real.lines().count(),
        ours.lines().count(),
        real_err.trim(),
        ours_err.trim()
    )
}

/// The DUMPALL of the real and our driver for each index.
/// (identical, identical after the sync fallback), failures, and the
/// connections to the real drivers (to close only after they stop).
///
/// Each real driver is read by a thread of its own: a 2.8.0 driver drops a
/// reader that does not keep up with a big dump.
fn compare_dumpall(lab: &Lab, indexes: &[usize]) -> ((usize, usize), Vec<String>, Vec<SockClient>) {
    let real: Vec<(usize, RealDump)> = std::thread::scope(|scope| {
        let readers: Vec<_> = indexes
            .iter()
            .map(|&i| {
                let socket = lab.socket(&format!("r{i}"));
                (
                    i,
                    scope.spawn(move || {
                        // A 2.8.0 driver in `synchronous = auto` drops a
                        // reader its non-blocking write overran (then
                        // switches to blocking writes): ask again.
                        let mut clients = Vec::new();
                        for _ in 0..3 {
                            let mut client =
                                SockClient::connect(&socket).map_err(|e| e.to_string())?;
                            client.send("DUMPALL\n");
                            let dump = client.read_until("DUMPDONE\n", Duration::from_secs(15));
                            clients.push(client);
                            if dump.is_some() {
                                return Ok((dump, clients));
                            }
                        }
                        Ok((None, clients))
                    }),
                )
            })
            .collect();
        readers
            .into_iter()
            .map(|(i, reader)| {
                (
                    i,
                    reader
                        .join()
                        .unwrap_or_else(|_| Err("reader panicked".into())),
                )
            })
            .collect()
    });
    // The fallback is also broadcast to every client, so the line may come
    // once before the dump too.
    let undone = |r: &str, o: &str| {
        let r = r
            .strip_prefix("SETINFO driver.parameter.synchronous \"yes\"\n")
            .unwrap_or(r);
        undo_sync_fallback(
            r,
            o,
            "SETINFO driver.parameter.synchronous \"yes\"\n",
            "SETINFO driver.parameter.synchronous \"auto\"\n",
        )
        .is_some_and(|u| u == o)
    };
    let mut compared = (0, 0);
    let mut failures = Vec::new();
    // Connections to the real 2.8.0 drivers stay open until they stop:
    // closing one would crash the driver at its next broadcast.
    let mut kept = Vec::new();
    for (i, outcome) in real {
        let real_dump = match outcome {
            Ok((dump, clients)) => {
                kept.extend(clients);
                dump
            }
            Err(e) => {
                failures.push(format!("r{i}: {e}"));
                continue;
            }
        };
        let ours_dump = SockClient::connect(&lab.socket(&format!("o{i}")))
            .ok()
            .and_then(|mut c| {
                c.send("DUMPALL\n");
                c.read_until("DUMPDONE\n", Duration::from_secs(5))
            });
        match (real_dump, ours_dump) {
            (Some(r), Some(o)) if r == o => compared.0 += 1,
            (Some(r), Some(o)) if undone(&r, &o) => compared.1 += 1,
            (Some(r), Some(o)) => failures.push(format!(
                "#{i}: DUMPALL differs: {}",
                first_difference(&r, &o, "", "")
            )),
            (r, o) => failures.push(format!(
                "#{i}: no complete DUMPALL (real {}, ours {})",
                r.is_some(),
                o.is_some()
            )),
        }
    }
    (compared, failures, kept)
}

/// A real driver's DUMPALL (if complete) and the connection it came on.
type RealDump = Result<(Option<String>, Vec<SockClient>), String>;

/// Stops processes: all are signalled first, then each is waited for.
fn stop_all(procs: Vec<Proc>) {
    for proc in &procs {
        proc.signal(nix::sys::signal::Signal::SIGTERM);
    }
    drop(procs);
}

/// One batch: a `ups.conf` with `r<i>` (real) and `o<i>` (ours) for each
/// file, both drivers, the real upsd, and the comparisons.
struct BatchResult {
    upsc: (usize, usize),
    dumpall: (usize, usize),
    failures: Vec<String>,
    ours_up: Duration,
    real_up: Duration,
}

fn run_batch(files: &[PathBuf], first: usize, port: u16) -> BatchResult {
    let lab = Lab::new("corpus");
    let mut conf = String::from("maxretry = 3\n");
    let indexes: Vec<usize> = (first..first + files.len()).collect();
    for (&i, file) in indexes.iter().zip(files) {
        let port_value = quoted(&file.display().to_string());
        for prefix in ["r", "o"] {
            conf.push_str(&format!(
                "[{prefix}{i}]\n  driver = dummy-ups\n  port = {port_value}\n"
            ));
        }
    }
    lab.write("ups.conf", &conf);

    let started = Instant::now();
    let ours = OurDrivers::start(&lab, indexes.iter().map(|i| format!("o{i}")).collect());
    assert!(
        wait_until(Duration::from_secs(30), || {
            indexes
                .iter()
                .all(|i| lab.socket(&format!("o{i}")).exists())
        }),
        "our drivers did not come up"
    );
    let ours_up = started.elapsed();

    let started = Instant::now();
    let real: Vec<Proc> = indexes
        .iter()
        .map(|i| {
            let mut command = lab.command(REAL_DUMMY_UPS);
            command.args(["-a", &format!("r{i}"), "-u", "root", "-F"]);
            Proc::spawn("real dummy-ups", command)
        })
        .collect();
    assert!(
        wait_until(Duration::from_secs(60), || {
            indexes
                .iter()
                .all(|i| lab.socket(&format!("r{i}")).exists())
        }),
        "real drivers did not come up"
    );
    let real_up = started.elapsed();

    let upsd = start_real_upsd(&lab, port);
    let mut failures = Vec::new();
    let (dumpall, dump_failures, kept) = compare_dumpall(&lab, &indexes);
    failures.extend(dump_failures);

    let work = std::sync::Mutex::new(indexes);
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..UPSC_WORKERS {
            scope.spawn(|| {
                loop {
                    let Some(i) = work.lock().expect("lock").pop() else {
                        return;
                    };
                    let outcome = compare_upsc(&lab, i, port);
                    results.lock().expect("lock").insert(i, outcome);
                }
            });
        }
    });
    let mut upsc = (0, 0);
    for (i, outcome) in results.into_inner().expect("lock") {
        match outcome {
            Ok(Same::Identical) => upsc.0 += 1,
            Ok(Same::AfterSyncFallback) => upsc.1 += 1,
            Err(diff) => failures.push(format!(
                "#{i} {}: upsc differs: {diff}",
                files[i - first].display()
            )),
        }
    }
    drop(upsd);
    stop_all(real);
    drop(kept);
    failures.extend(ours.stop());
    BatchResult {
        upsc,
        dumpall,
        failures,
        ours_up,
        real_up,
    }
}

#[test]
fn corpus_through_real_upsd_matches_the_real_pair() {
    const TEST: &str = "corpus_through_real_upsd_matches_the_real_pair";
    if !real_nut(TEST) {
        return;
    }
    let Some(ddl) = corpus_ddl(TEST) else {
        return;
    };
    let files = definition_files(&ddl);
    assert!(files.len() > 700, "only {} corpus files", files.len());
    let started = Instant::now();
    let mut upsc = (0, 0);
    let mut dumpall = (0, 0);
    let mut failures = Vec::new();
    let mut ours_up = Duration::ZERO;
    let mut real_up = Duration::ZERO;
    for (batch, chunk) in files.chunks(BATCH).enumerate() {
        let port = PORT_BASE + u16::try_from(batch).expect("few batches");
        let result = run_batch(chunk, batch * BATCH, port);
        upsc = (upsc.0 + result.upsc.0, upsc.1 + result.upsc.1);
        dumpall = (dumpall.0 + result.dumpall.0, dumpall.1 + result.dumpall.1);
        failures.extend(result.failures);
        ours_up += result.ours_up;
        real_up += result.real_up;
    }
    let n = files.len();
    println!(
        "compared {n} dumps: {} identical (real upsc through the real upsd, our dummy-ups vs \
         the real dummy-ups; {} of them after undoing the real driver's synchronous=auto \
         fallback to \"yes\", no other normalisation)",
        upsc.0 + upsc.1,
        upsc.1
    );
    println!(
        "compared {n} DUMPALLs byte for byte: {} identical ({} after undoing the same fallback)",
        dumpall.0 + dumpall.1,
        dumpall.1
    );
    println!(
        "start-up of {n} drivers in batches of {BATCH}: ours {ours_up:?} in total, real \
         {real_up:?} in total; whole test {:?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(upsc.0 + upsc.1, n);
    assert_eq!(dumpall.0 + dumpall.1, n);
}

const RW_DEV: &str = "battery.charge: 100\nups.load: 23\nups.mfr: Acme\nups.status: OL\n\
input.voltage: 230.0\nexperimental.note: hello\n";

/// Starts a lab with `r` (real) and `o` (ours, a process) on one .dev,
/// and the real upsd on `port`.
fn rw_lab(port: u16) -> (Lab, Proc, Proc, Proc) {
    let lab = Lab::new("rw");
    lab.write("x.dev", RW_DEV);
    lab.write(
        "ups.conf",
        "[r]\n  driver = dummy-ups\n  port = x.dev\n[o]\n  driver = dummy-ups\n  port = x.dev\n",
    );
    let real = Proc::spawn("real dummy-ups", {
        let mut c = lab.command(REAL_DUMMY_UPS);
        c.args(["-a", "r", "-u", "root", "-F"]);
        c
    });
    let ours = Proc::spawn(
        "our dummy-ups",
        our_dummy_ups(&lab, &["-a", "o", "-u", "root", "-F"]),
    );
    assert!(wait_until(Duration::from_secs(10), || lab
        .socket("r")
        .exists()));
    assert!(wait_until(Duration::from_secs(10), || answers_ping(
        &lab.socket("o")
    )));
    let upsd = start_real_upsd(&lab, port);
    // upsd answers while a driver's dump is still arriving: wait for all.
    assert!(wait_until(Duration::from_secs(15), || {
        let real = upsc(&lab, "r", port);
        real.2 == 0 && real.0.contains("experimental.note") && real == upsc(&lab, "o", port)
    }));
    (lab, real, ours, upsd)
}

/// A client run against both UPSes (`{ups}` in the arguments is replaced).
fn both(
    lab: &Lab,
    program: &str,
    args: &[&str],
    port: u16,
) -> ((String, String, i32), (String, String, i32)) {
    let run = |ups: &str| {
        let target = format!("{ups}@127.0.0.1:{port}");
        let args: Vec<String> = args.iter().map(|a| a.replace("{ups}", &target)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (out, err, code) = run_client(lab, program, &args);
        let name = format!("[{ups}]");
        let normal = |text: String| text.replace(&target, "UPS").replace(&name, "[UPS]");
        (normal(out), normal(err), code)
    };
    (run("r"), run("o"))
}

#[test]
fn set_and_instcmd_with_tracking_through_the_real_upsd() {
    const TEST: &str = "set_and_instcmd_with_tracking_through_the_real_upsd";
    if !real_nut(TEST) {
        return;
    }
    let port = PORT_BASE + 20;
    let (lab, _real, mut ours, _upsd) = rw_lab(port);
    let cases: &[(&str, &[&str])] = &[
        (
            "/bin/upsrw",
            &[
                "-s",
                "ups.load=55",
                "-u",
                "admin",
                "-p",
                "adminpass",
                "-w",
                "{ups}",
            ],
        ),
        (
            "/bin/upsrw",
            &[
                "-s",
                "ups.mfr=New Mfr",
                "-u",
                "admin",
                "-p",
                "adminpass",
                "-w",
                "{ups}",
            ],
        ),
        (
            "/bin/upsrw",
            &[
                "-s",
                "experimental.note=",
                "-u",
                "admin",
                "-p",
                "adminpass",
                "-w",
                "{ups}",
            ],
        ),
        (
            "/bin/upsrw",
            &[
                "-s",
                "no.such.var=1",
                "-u",
                "admin",
                "-p",
                "adminpass",
                "-w",
                "{ups}",
            ],
        ),
        (
            "/bin/upsrw",
            &[
                "-s",
                "ups.status=OB LB",
                "-u",
                "admin",
                "-p",
                "adminpass",
                "{ups}",
            ],
        ),
        (
            "/bin/upscmd",
            &["-u", "admin", "-p", "adminpass", "-w", "{ups}", "load.off"],
        ),
        (
            "/bin/upscmd",
            &["-u", "admin", "-p", "adminpass", "{ups}", "load.off"],
        ),
        (
            "/bin/upscmd",
            &[
                "-u",
                "admin",
                "-p",
                "adminpass",
                "-w",
                "{ups}",
                "driver.exit",
            ],
        ),
        ("/bin/upscmd", &["-l", "{ups}"]),
        ("/bin/upsrw", &["{ups}"]),
    ];
    for (program, args) in cases {
        let (real, mine) = both(&lab, program, args, port);
        assert_eq!(mine, real, "{program} {args:?}");
    }
    // The values changed the same way (dummy-ups shows them within a poll).
    assert!(wait_until(Duration::from_secs(10), || {
        let r = upsc(&lab, "r", port);
        r == upsc(&lab, "o", port) && r.0.contains("ups.load: 55\n")
    }));
    let text = upsc(&lab, "o", port).0;
    assert!(
        text.contains("ups.mfr: New Mfr\n") && text.contains("ups.status: OB LB\n"),
        "{text}"
    );
    assert!(!text.contains("experimental.note"), "{text}");
    println!(
        "compared {} upsrw/upscmd runs through the real upsd: identical",
        cases.len()
    );

    // A client that vanishes, then a change broadcast to every client:
    // our driver stays (the real 2.8.0 one would abort here).
    for _ in 0..3 {
        let mut c = SockClient::connect(&lab.socket("o")).expect("connect");
        c.send("PING\n");
        let _ = c.read_until("PONG\n", Duration::from_secs(2));
    }
    let (_, _, code) = run_client(
        &lab,
        "/bin/upsrw",
        &[
            "-s",
            "ups.load=57",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "-w",
            &format!("o@127.0.0.1:{port}"),
        ],
    );
    assert_eq!(code, 0);
    assert!(ours.is_running(), "our driver died after a client vanished");
    assert!(wait_until(Duration::from_secs(5), || {
        upsc(&lab, "o", port).0.contains("ups.load: 57\n")
    }));
}

/// The repeater against the real upsd, next to the real repeater.
#[test]
fn repeater_mirrors_like_the_real_one_and_forwards_writes() {
    const TEST: &str = "repeater_mirrors_like_the_real_one_and_forwards_writes";
    if !real_nut(TEST) {
        return;
    }
    let port = PORT_BASE + 21;
    let (lab, _real, _ours, upsd) = rw_lab(port);
    // A second lab: repeaters of `r` (upstream) under a second real upsd.
    let repeat = Lab::new("repeat");
    let upstream = quoted(&format!("r@127.0.0.1:{port}"));
    repeat.write(
        "ups.conf",
        &format!(
            "[rr]\n  driver = dummy-ups\n  port = {upstream}\n[or]\n  driver = dummy-ups\n  port = {upstream}\n  username = admin\n  password = adminpass\n"
        ),
    );
    let _real_repeater = Proc::spawn("real repeater", {
        let mut c = repeat.command(REAL_DUMMY_UPS);
        c.args(["-a", "rr", "-u", "root", "-F"]);
        c
    });
    let _our_repeater = Proc::spawn(
        "our repeater",
        our_dummy_ups(&repeat, &["-a", "or", "-u", "root", "-F"]),
    );
    assert!(wait_until(Duration::from_secs(10), || repeat
        .socket("rr")
        .exists()));
    assert!(wait_until(Duration::from_secs(10), || answers_ping(
        &repeat.socket("or")
    )));
    let port2 = PORT_BASE + 22;
    let _upsd2 = start_real_upsd(&repeat, port2);
    let repeated = |ups: &str| {
        let (out, _, code) = upsc(&repeat, ups, port2);
        (code == 0).then(|| {
            out.lines()
                .filter(|l| !l.starts_with("driver.parameter.port:"))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        })
    };
    // Same values as the real repeater (the ports differ only by name).
    assert!(
        wait_until(Duration::from_secs(15), || {
            let real = repeated("rr");
            real.is_some() && real == repeated("or")
        }),
        "repeaters differ: real {:?} ours {:?}",
        repeated("rr"),
        repeated("or")
    );
    // Beyond NUT: a write through our repeater reaches the upstream driver.
    let (out, err, code) = run_client(
        &repeat,
        "/bin/upsrw",
        &[
            "-s",
            "ups.load=61",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "-w",
            &format!("or@127.0.0.1:{port2}"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("SUCCESS"), "{out}{err}");
    assert!(wait_until(Duration::from_secs(10), || {
        upsc(&lab, "r", port).0.contains("ups.load: 61\n")
    }));
    // An instant command goes upstream too, and its result comes back: the
    // same answer as asking the upstream UPS directly.
    let command = |lab: &Lab, target: String| {
        let (out, err, code) = run_client(
            lab,
            "/bin/upscmd",
            &["-u", "admin", "-p", "adminpass", "-w", &target, "load.off"],
        );
        (
            out.replace(&target, "UPS"),
            err.replace(&target, "UPS"),
            code,
        )
    };
    assert_eq!(
        command(&repeat, format!("or@127.0.0.1:{port2}")),
        command(&lab, format!("r@127.0.0.1:{port}"))
    );
    // The upstream upsd goes away: our repeater's data turns stale, and
    // comes back with it. (Nothing changes upstream meanwhile: a 2.8.0
    // driver would crash broadcasting to the upsd that left.)
    drop(upsd);
    assert!(
        wait_until(Duration::from_secs(20), || {
            upsc(&repeat, "or", port2).1.contains("Data stale")
        }),
        "the repeater did not notice the upstream loss"
    );
    let _upsd = start_real_upsd(&lab, port);
    assert!(
        wait_until(Duration::from_secs(20), || {
            upsc(&repeat, "or", port2).0.contains("ups.load: 61\n")
        }),
        "the repeater did not reconnect"
    );
}
