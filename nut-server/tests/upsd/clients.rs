//! Real clients (`upsc`, `upscmd`, `upsrw`, PyNUT) against the real upsd
//! and against ours: same standard output, same standard error, same exit
//! status.

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::Duration;

use crate::support::lab::{Flavor, Side};
use crate::support::{SYSTEM_PYTHON, in_ci, real_nut_available, real_nut_lock, run_bounded};

/// How long one client run may take.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client run: program and arguments, with `HOST` standing for
/// `127.0.0.1:<port>` of the side.
const RUNS: &[(&str, &[&str])] = &[
    ("upsc", &["dummy@HOST"]),
    ("upsc", &["dummy@HOST", "ups.status"]),
    ("upsc", &["dummy@HOST", "nosuch.var"]),
    ("upsc", &["rich@HOST"]),
    ("upsc", &["-l", "HOST"]),
    ("upsc", &["-L", "HOST"]),
    ("upsc", &["-c", "dummy@HOST"]),
    ("upsc", &["nosuch@HOST"]),
    ("upsc", &["down@HOST"]),
    ("upsc", &["down@HOST", "ups.status"]),
    ("upscmd", &["-l", "dummy@HOST"]),
    ("upscmd", &["-l", "rich@HOST"]),
    ("upscmd", &["-l", "down@HOST"]),
    ("upsrw", &["dummy@HOST"]),
    ("upsrw", &["rich@HOST"]),
    ("upsrw", &["nosuch@HOST"]),
    (
        "upscmd",
        &["-u", "admin", "-p", "adminpass", "dummy@HOST", "load.off"],
    ),
    (
        "upscmd",
        &["-u", "admin", "-p", "adminpass", "dummy@HOST", "load.on"],
    ),
    (
        "upscmd",
        &["-u", "admin", "-p", "wrong", "dummy@HOST", "load.off"],
    ),
    (
        "upscmd",
        &["-u", "monuser", "-p", "monpass", "dummy@HOST", "load.off"],
    ),
    (
        "upscmd",
        &[
            "-w",
            "-t",
            "5",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "dummy@HOST",
            "load.off",
        ],
    ),
    (
        "upscmd",
        &[
            "-w",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "rich@HOST",
            "test.battery.start",
        ],
    ),
    (
        "upscmd",
        &[
            "-w",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "rich@HOST",
            "test.fail",
        ],
    ),
    (
        "upscmd",
        &[
            "-w",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "rich@HOST",
            "test.invalid",
        ],
    ),
    (
        "upscmd",
        &["-u", "admin", "-p", "adminpass", "down@HOST", "load.off"],
    ),
    (
        "upsrw",
        &[
            "-s",
            "ups.load=77",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "dummy@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-s",
            "ups.load=77",
            "-u",
            "admin",
            "-p",
            "wrong",
            "dummy@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-s",
            "ups.load=77",
            "-u",
            "monuser",
            "-p",
            "monpass",
            "dummy@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-s",
            "driver.name=x",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "dummy@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-s",
            "nosuch=1",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "dummy@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-w",
            "-s",
            "ups.load=79",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "dummy@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-w",
            "-s",
            "ups.id=ABC",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "rich@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-s",
            "ups.delay.shutdown=5",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "rich@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-s",
            "input.transfer.high=999",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "rich@HOST",
        ],
    ),
    (
        "upsrw",
        &[
            "-s",
            "ups.id=TOOLONGID1",
            "-u",
            "admin",
            "-p",
            "adminpass",
            "rich@HOST",
        ],
    ),
];

/// PyNUT calls, printed one per line (exceptions as their text).
const PYNUT: &str = r#"
import sys, PyNUT
port = int(sys.argv[1])
def show(label, f):
    try:
        value = f()
        if isinstance(value, dict):
            value = sorted(value.items())
        print(label, repr(value))
    except Exception as e:
        print(label, 'raised', type(e).__name__, repr(e.args))
c = PyNUT.PyNUTClient(host='127.0.0.1', port=port, login='admin', password='adminpass')
show('list', c.GetUPSList)
show('vars', lambda: c.GetUPSVars('dummy'))
show('rich', lambda: c.GetUPSVars('rich'))
show('cmds', lambda: c.GetUPSCommands('dummy'))
show('rw', lambda: c.GetRWVars('dummy'))
show('rwrich', lambda: c.GetRWVars('rich'))
show('nosuch', lambda: c.GetUPSVars('nosuch'))
show('down', lambda: c.GetUPSVars('down'))
show('set', lambda: c.SetRWVar('dummy', 'ups.load', '42'))
show('setbad', lambda: c.SetRWVar('dummy', 'driver.name', 'x'))
show('cmd', lambda: c.RunUPSCommand('dummy', 'load.off'))
show('cmdbad', lambda: c.RunUPSCommand('dummy', 'load.on'))
show('ver', c.ver)
show('help', c.help)
m = PyNUT.PyNUTClient(host='127.0.0.1', port=port, login='monuser', password='monpass')
m._PyNUTClient__srv_handler.write(b'LOGIN dummy\n')
show('login', lambda: m._PyNUTClient__srv_handler.read_until(b'\n', 5))
show('clients', lambda: c.ListClients())
show('clients1', lambda: c.ListClients('dummy'))
show('fsd', lambda: c.FSD('rich'))
"#;

/// One run's outcome, with the port replaced by `PORT`.
fn run_client(side: &Side, program: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let host = format!("127.0.0.1:{}", side.port);
    let args: Vec<String> = args.iter().map(|a| a.replace("HOST", &host)).collect();
    let mut cmd = Command::new(format!("/bin/{program}"));
    cmd.args(&args);
    let (code, out, err) = run_bounded(&mut cmd, CLIENT_TIMEOUT);
    let port = side.port.to_string();
    (code, out.replace(&port, "PORT"), err.replace(&port, "PORT"))
}

#[test]
fn real_clients_see_no_difference() {
    if !real_nut_available("real_clients_see_no_difference") {
        return;
    }
    let missing: Vec<_> = ["upsc", "upscmd", "upsrw"]
        .iter()
        .filter(|p| !Path::new(&format!("/bin/{p}")).is_file())
        .collect();
    if !missing.is_empty() {
        assert!(!in_ci(), "real clients missing under CI: {missing:?}");
        eprintln!("SKIPPED real_clients_see_no_difference: missing {missing:?}");
        return;
    }
    let _lock = real_nut_lock();
    let (real, ours) = thread::scope(|scope| {
        let real = scope.spawn(|| Side::start(Flavor::Real, 15, ""));
        let ours = scope.spawn(|| Side::start(Flavor::Ours, 15, ""));
        (real.join().expect("real"), ours.join().expect("ours"))
    });
    let mut compared = 0;
    let mut report = String::new();
    for (index, (program, args)) in RUNS.iter().enumerate() {
        let a = run_client(&real, program, args);
        let b = run_client(&ours, program, args);
        if index == 0 {
            // The comparison means something only if the clients work.
            assert_eq!(a.0, Some(0), "upsc failed on the real upsd: {a:?}");
            assert!(a.1.contains("ups.status: OL\n"), "{a:?}");
        }
        compared += 1;
        if a != b {
            report.push_str(&format!(
                "\n$ {program} {}\n  real: {a:?}\n  ours: {b:?}",
                args.join(" ")
            ));
        }
    }
    let mut pynut = 0;
    if Path::new(SYSTEM_PYTHON).is_file() {
        let run = |side: &Side| {
            let mut cmd = Command::new(SYSTEM_PYTHON);
            cmd.args(["-c", PYNUT, &side.port.to_string()]);
            let (code, out, err) = run_bounded(&mut cmd, CLIENT_TIMEOUT);
            (code, out, err.replace(&side.port.to_string(), "PORT"))
        };
        let a = run(&real);
        let b = run(&ours);
        assert_eq!(a.0, Some(0), "PyNUT script failed on the real upsd: {a:?}");
        assert!(
            a.1.contains("(b'dummy', b'Dummy UPS for interop tests')"),
            "{a:?}"
        );
        pynut = a.1.lines().count();
        if a != b {
            report.push_str(&format!("\nPyNUT\n  real: {a:?}\n  ours: {b:?}"));
        }
    } else {
        eprintln!("SKIPPED PyNUT part: {SYSTEM_PYTHON} missing");
    }
    eprintln!(
        "compared {compared} client runs and {pynut} PyNUT calls: {}",
        if report.is_empty() {
            "all identical"
        } else {
            "differences"
        }
    );
    assert!(report.is_empty(), "differences:{report}");
}
