//! Our `genericups` on the driver runtime (in-process: `start_task` and
//! `serve`, a real state socket) reading the simulated contact-closure UPS
//! through the modem-line trait (pseudo-terminals have no modem lines).
//! Each status must be what NUT 2.8.0's genericups published for the same
//! input lines, as recorded in nut-serial's fixture; the binary on a pty
//! must fail as NUT's does.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nut_cli::drivers::genericups::{GenericupsProgram, LinesOpener};
use nut_serial::Error as SerialError;
use nut_serial::genericups::{ContactClosureUps, InputLine, InputLines, ModemLines, UpsType};
use nut_server::runtime::cli::UpsSelector;
use nut_server::runtime::log::Logger;
use nut_server::runtime::paths::NutPaths;
use nut_server::runtime::program::{DriverConfig, Environment, start_task};
use nut_server::runtime::serve::Control;

use crate::lab::{Lab, Sock};

/// NUT 2.8.0's genericups, recorded (see nut-serial's genericups tests).
const RECORDED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../nut-serial/tests/genericups/fixtures/nut-2.8.0-genericups.tsv"
));

/// The types tried: different cables, an active-low OL, a break shutdown,
/// the 4-wire FTTx.
const TYPES: &[u8] = &[0, 1, 2, 4, 7, 11, 23];

/// The simulated UPS shared between the test and the driver.
#[derive(Clone)]
struct Shared(Arc<Mutex<ContactClosureUps>>);

impl Shared {
    fn with<R>(&self, f: impl FnOnce(&mut ContactClosureUps) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl ModemLines for Shared {
    fn read_cts(&mut self) -> Result<bool, SerialError> {
        self.with(|u| u.read_cts())
    }
    fn read_dcd(&mut self) -> Result<bool, SerialError> {
        self.with(|u| u.read_dcd())
    }
    fn read_dsr(&mut self) -> Result<bool, SerialError> {
        self.with(|u| u.read_dsr())
    }
    fn read_ri(&mut self) -> Result<bool, SerialError> {
        self.with(|u| u.read_ri())
    }
    fn set_dtr(&mut self, on: bool) -> Result<(), SerialError> {
        self.with(|u| u.set_dtr(on))
    }
    fn set_rts(&mut self, on: bool) -> Result<(), SerialError> {
        self.with(|u| u.set_rts(on))
    }
    fn set_break(&mut self, on: bool) -> Result<(), SerialError> {
        self.with(|u| u.set_break(on))
    }
    fn read_inputs(&mut self) -> Result<InputLines, SerialError> {
        self.with(|u| u.read_inputs())
    }
}

/// `CTS+DCD` style, as the recording names high lines (`-` for none).
fn line_names(lines: InputLines) -> String {
    let high: Vec<&str> = InputLine::ALL
        .into_iter()
        .filter(|l| lines.get(*l))
        .map(InputLine::name)
        .collect();
    if high.is_empty() {
        "-".into()
    } else {
        high.join("+")
    }
}

/// The status NUT published for `upstype` with these high lines. NUT
/// sorts nothing: the recording has its token order; ours is compared as
/// a set of tokens.
fn recorded_status(upstype: u8, lines: &str) -> String {
    RECORDED
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| {
            f.first() == Some(&"status")
                && f.get(1) == Some(&upstype.to_string().as_str())
                && f.get(2) == Some(&lines)
        })
        .and_then(|f| f.get(3).map(|s| (*s).to_owned()))
        .unwrap_or_else(|| panic!("no recorded row for type {upstype} lines {lines}"))
}

fn tokens(status: &str) -> Vec<&str> {
    let mut t: Vec<&str> = status.split_whitespace().collect();
    t.sort_unstable();
    t
}

/// Runs the driver for `upstype` in a runtime thread; returns the lab, the
/// UPS, the socket path and the handle to stop it.
fn start(
    upstype: u8,
    lab: &Lab,
) -> (
    Shared,
    std::path::PathBuf,
    tokio::sync::mpsc::UnboundedSender<Control>,
    std::thread::JoinHandle<()>,
) {
    let ups = Shared(Arc::new(Mutex::new(ContactClosureUps::of_type(
        UpsType::get(upstype).expect("type"),
    ))));
    lab.ups_conf(
        "cc",
        "genericups",
        "simulated",
        &[("upstype", &upstype.to_string()), ("pollinterval", "1")],
    );
    let opener: LinesOpener = {
        let ups = ups.clone();
        Arc::new(move |_path: &str| Ok(Box::new(ups.clone()) as Box<dyn ModemLines + Send>))
    };
    let program = GenericupsProgram::with_lines(opener);
    let paths = NutPaths::new(&lab.dir, &lab.state(), &lab.state());
    let config = DriverConfig::load(
        &UpsSelector::Section("cc".into()),
        &paths.ups_conf(),
        Vec::new(),
        Vec::new(),
        None,
    )
    .expect("config");
    let env = Environment::with_paths(paths.clone());
    let socket = paths.socket("genericups", "cc");
    let (controls, receiver) = tokio::sync::mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let started = start_task(&program, config, &env, Logger::discard()).await;
            match started {
                Ok(task) => {
                    let _ = ready_tx.send(Ok(()));
                    task.serve(receiver).await;
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                }
            }
        });
    });
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("driver start")
        .expect("driver init");
    (ups, socket, controls, thread)
}

#[test]
fn statuses_per_upstype_match_nuts_recorded_behaviour() {
    let mut compared = 0;
    for &upstype in TYPES {
        let lab = Lab::new(&format!("cc{upstype}"));
        let (ups, socket, controls, thread) = start(upstype, &lab);
        let mut sock = Sock::connect(&socket).expect("socket");
        let mut seen = Vec::new();
        let mut step = |name: &str, change: &dyn Fn(&mut ContactClosureUps)| {
            ups.with(|u| change(u));
            let lines = line_names(ups.with(|u| u.inputs()));
            let want = recorded_status(upstype, &lines);
            // The driver reads the lines every second: wait for the tokens.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let status = sock
                    .dumpall()
                    .expect("dump")
                    .vars
                    .get("ups.status")
                    .cloned()
                    .unwrap_or_default();
                if tokens(&status) == tokens(&want) {
                    eprintln!(
                        "  type {upstype:>2} {name:<12} lines {lines:<16} NUT {want:<8} ours {status}"
                    );
                    seen.push(status);
                    break;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "type {upstype} {name}: lines {lines}: NUT said {want:?}, ours {status:?}"
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        };
        step("on line", &|_| {});
        step("power fails", &|u| u.set_line_power(false));
        step("battery low", &|u| u.set_battery_low(true));
        step("power back", &|u| {
            u.set_line_power(true);
            u.set_battery_low(false);
        });
        compared += seen.len();
        let dump = sock.dumpall().expect("dump").clone();
        let entry = UpsType::get(upstype).expect("type");
        assert_eq!(
            dump.vars.get("ups.mfr").map(String::as_str),
            Some(entry.mfr)
        );
        assert_eq!(
            dump.vars.get("ups.model").map(String::as_str),
            Some(entry.model)
        );
        assert_eq!(
            dump.vars.get("driver.parameter.upstype"),
            Some(&upstype.to_string())
        );
        assert!(
            ups.with(|u| u.cable_powered()),
            "type {upstype}: cable powered"
        );
        let _ = controls.send(Control::Exit(None));
        thread.join().expect("driver thread");
    }
    eprintln!(
        "genericups: {} upstypes, {compared} statuses equal to NUT 2.8.0's recorded ones",
        TYPES.len()
    );
    assert_eq!(compared, TYPES.len() * 4);
}

#[test]
fn unplugged_adapter_goes_stale_and_recovers() {
    let lab = Lab::new("cc-unplug");
    let (ups, socket, controls, thread) = start(1, &lab);
    let mut sock = Sock::connect(&socket).expect("socket");
    sock.wait_status("OL", &mut Vec::new()).expect("OL");
    ups.with(|u| u.set_fail_reads(true));
    sock.wait_stale(true, Duration::from_secs(10))
        .expect("stale");
    ups.with(|u| {
        u.set_line_power(false);
        u.set_fail_reads(false);
    });
    sock.wait_stale(false, Duration::from_secs(10))
        .expect("fresh");
    sock.wait_status("OB", &mut Vec::new()).expect("OB");
    let _ = controls.send(Control::Exit(None));
    thread.join().expect("driver thread");
}

#[test]
fn our_genericups_on_a_pty_fails_like_nuts() {
    let (server, _slave) = nut_serial::sim::pty::PtySim::spawn(
        nut_serial::sim::apc::Simulator::new(Default::default()),
    )
    .expect("pty");
    let path = server.path().expect("path").to_owned();
    let lab = Lab::new("cc-pty");
    lab.ups_conf("cc", "genericups", &path, &[("upstype", "1")]);
    let out = lab
        .command(Path::new(env!("CARGO_BIN_EXE_genericups")))
        .args(["-a", "cc", "-u", "root", "-F"])
        .output()
        .expect("run genericups");
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("UPS type: APC Back-UPS (940-0095A/C cable)"),
        "{text}"
    );
    assert!(text.contains("Inappropriate ioctl"), "{text}");
}

#[test]
fn missing_upstype_is_fatal_as_in_nut() {
    let lab = Lab::new("cc-noupstype");
    lab.ups_conf("cc", "genericups", "/dev/null", &[]);
    let out = lab
        .command(Path::new(env!("CARGO_BIN_EXE_genericups")))
        .args(["-a", "cc", "-u", "root", "-F"])
        .output()
        .expect("run genericups");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No upstype set - see help text / man page!")
    );
}

#[test]
fn help_lists_nuts_options_and_types() {
    let Some(real_bin) = crate::lab::real_driver("genericups") else {
        return;
    };
    let run = |bin: &Path| {
        let out = std::process::Command::new(bin)
            .arg("-h")
            .output()
            .expect("run -h");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (real, ours) = (
        run(&real_bin),
        run(Path::new(env!("CARGO_BIN_EXE_genericups"))),
    );
    let head = |t: &str| t.lines().next().map(str::to_owned);
    let tail = |t: &str| t.split_once("Acceptable values").map(|(_, t)| t.to_owned());
    assert_eq!(head(&ours), head(&real));
    assert!(tail(&real).is_some(), "{real}");
    assert_eq!(tail(&ours), tail(&real));
}

#[test]
fn shutdown_sets_and_holds_the_sd_lines() {
    let lab = Lab::new("cc-shutdown");
    // Type 1 (APC 940-0095A/C): cable power DTR, shutdown RTS.
    let (ups, socket, controls, thread) = start(1, &lab);
    let mut sock = Sock::connect(&socket).expect("socket");
    sock.wait_status("OL", &mut Vec::new()).expect("OL");
    assert_eq!(ups.with(|u| u.shutdown_received()), None);
    sock.send("INSTCMD shutdown.default").expect("INSTCMD");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ups.with(|u| u.shutdown_received()).is_none() {
        assert!(std::time::Instant::now() < deadline, "no shutdown signal");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        ups.with(|u| u.shutdown_received()),
        Some(nut_serial::genericups::sim::ShutdownReceived::Lines {
            dtr: false,
            rts: true
        })
    );
    assert_eq!(ups.with(|u| u.outputs()), (false, true), "SD levels held");
    let _ = controls.send(Control::Exit(None));
    thread.join().expect("driver thread");
}
