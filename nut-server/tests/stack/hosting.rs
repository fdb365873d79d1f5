//! upsd hosting its drivers (`nutrs_inprocess = dummy-ups` in `ups.conf`)
//! against the classic split, over the same definition files (two nut-ddl
//! dumps and the demo's sequence):
//!
//! * our upsd hosting the drivers answers every request of a transcript
//!   (`LIST VAR/RW/CMD`, `GET TYPE`, `LIST ENUM/RANGE`, a SET) exactly as
//!   our upsd over our dummy-ups processes, and the hosted drivers answer
//!   `GETPID` with upsd's own PID;
//! * the real `upsc`, `upsrw` and `upscmd` print the same against it as
//!   against the real upsd over real dummy-ups processes (needs real NUT).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nix::sys::signal::Signal;
use nut_server::stack::demo::DEVICE_SEQUENCE;

use crate::child::ours_in;
use crate::support::{
    Lab, Proc, REAL_DUMMY_UPS, REAL_UPSC, REAL_UPSCMD, REAL_UPSD, REAL_UPSRW, Wire, corpus_ddl,
    current_user, free_port, real_nut, run_bounded, serial, wait_until,
};

/// How long drivers and upsd may take to serve.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a SET may take to show.
const SET_TIMEOUT: Duration = Duration::from_secs(5);
/// How long upsd may take to stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// upsd.users of both sides.
const USERS: &str = "[admin]\n  password = adminpass\n  actions = SET\n  instcmds = ALL\n";

/// A definition file for one UPS.
enum Source {
    /// Written into the lab.
    Text(&'static str),
    /// Linked from the corpus.
    File(PathBuf),
}

/// The UPSes: the demo's sequence and two corpus dumps (the first and the
/// middle one, sorted), or `None` after a loud skip.
fn definitions(test: &str) -> Option<Vec<(String, Source)>> {
    let ddl = corpus_ddl(test)?;
    let mut dumps = Vec::new();
    let mut todo = vec![ddl];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "dev") {
                dumps.push(path);
            }
        }
    }
    dumps.sort();
    assert!(dumps.len() >= 2, "the corpus has fewer than two dumps");
    let middle = dumps.swap_remove(dumps.len() / 2);
    let first = dumps.swap_remove(0);
    eprintln!(
        "hosting: comparing {} and {}",
        first.display(),
        middle.display()
    );
    Some(vec![
        ("demo.seq".to_owned(), Source::Text(DEVICE_SEQUENCE)),
        ("first.dev".to_owned(), Source::File(first)),
        ("middle.dev".to_owned(), Source::File(middle)),
    ])
}

/// The UPS names, in `ups.conf` order.
fn names(definitions: &[(String, Source)]) -> Vec<String> {
    (0..definitions.len()).map(|i| format!("u{i}")).collect()
}

/// Writes the lab's files; `hosted` adds the `nutrs_inprocess` line.
fn populate(lab: &Lab, definitions: &[(String, Source)], hosted: bool, port: u16) {
    let mut ups_conf = String::new();
    if hosted {
        ups_conf.push_str("nutrs_inprocess = dummy-ups\n");
    }
    for ((file, source), name) in definitions.iter().zip(names(definitions)) {
        match source {
            Source::Text(text) => {
                lab.write(file, text);
            }
            Source::File(path) => {
                std::os::unix::fs::symlink(path, lab.dir.join(file)).expect("link");
            }
        }
        let _ = write!(
            ups_conf,
            "[{name}]\n  driver = dummy-ups\n  port = {file}\n"
        );
    }
    lab.write("ups.conf", &ups_conf);
    lab.write("upsd.conf", &format!("LISTEN 127.0.0.1 {port}\n"));
    lab.write("upsd.users", USERS);
}

/// Waits until upsd on `port` serves data of every UPS.
fn wait_serving(port: u16, names: &[String], what: &str, log: &Path) {
    let serving = wait_until(READY_TIMEOUT, || {
        let Ok(mut wire) = Wire::connect(port) else {
            return false;
        };
        names.iter().all(|name| {
            wire.request(&format!("GET VAR {name} driver.name"))
                .starts_with("VAR ")
        })
    });
    assert!(
        serving,
        "{what} did not serve in {READY_TIMEOUT:?}; log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Every read-only request about `name`, with the replies; and how many
/// requests were made.
fn transcript(port: u16, name: &str) -> (String, usize) {
    let mut wire = Wire::connect(port).expect("connect");
    let mut out = String::new();
    let mut requests = 0;
    let mut ask = |line: String, out: &mut String| {
        requests += 1;
        let reply = wire.request(&line);
        let _ = write!(out, "> {line}\n{reply}");
        reply
    };
    let vars = ask(format!("LIST VAR {name}"), &mut out);
    let rw = ask(format!("LIST RW {name}"), &mut out);
    ask(format!("LIST CMD {name}"), &mut out);
    ask(format!("GET UPSDESC {name}"), &mut out);
    let var_names = |list: &str, prefix: &str| -> Vec<String> {
        list.lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .filter_map(|rest| rest.split(' ').next())
            .map(str::to_owned)
            .collect()
    };
    for var in var_names(&vars, &format!("VAR {name} ")) {
        ask(format!("GET TYPE {name} {var}"), &mut out);
    }
    for var in var_names(&rw, &format!("RW {name} ")) {
        ask(format!("LIST ENUM {name} {var}"), &mut out);
        ask(format!("LIST RANGE {name} {var}"), &mut out);
    }
    (out, requests)
}

/// Logs in as the administrator and sets `var` of `name`; the reply.
fn set_var(port: u16, name: &str, var: &str, value: &str) -> String {
    let mut wire = Wire::connect(port).expect("connect");
    assert_eq!(wire.request("USERNAME admin"), "OK\n");
    assert_eq!(wire.request("PASSWORD adminpass"), "OK\n");
    wire.request(&format!("SET VAR {name} {var} \"{value}\""))
}

fn get_var(port: u16, name: &str, var: &str) -> String {
    Wire::connect(port)
        .expect("connect")
        .request(&format!("GET VAR {name} {var}"))
}

/// The driver's answer to `GETPID` on `socket`.
fn driver_pid(socket: &Path) -> Option<i32> {
    use std::io::{BufRead, BufReader, Write};
    let stream = std::os::unix::net::UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    (&stream).write_all(b"GETPID\n").ok()?;
    BufReader::new(&stream)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("PID ").and_then(|p| p.parse().ok()))
}

/// Our upsd hosting the drivers of `lab`, serving.
fn start_hosting_upsd(lab: &Lab, port: u16, names: &[String]) -> Proc {
    let log = lab.dir.join("upsd.log");
    let upsd = Proc::spawn_logged("our upsd (hosting)", ours_in(lab, "upsd", &[]), &log);
    wait_serving(port, names, "our upsd hosting dummy-ups", &log);
    upsd
}

#[test]
fn hosted_drivers_serve_what_driver_processes_serve() {
    const TEST: &str = "hosted_drivers_serve_what_driver_processes_serve";
    let _serial = serial();
    let Some(definitions) = definitions(TEST) else {
        return;
    };
    let names = names(&definitions);
    let (hosted, split) = (Lab::new("hosted"), Lab::new("split"));
    let (hosted_port, split_port) = (free_port(), free_port());
    populate(&hosted, &definitions, true, hosted_port);
    populate(&split, &definitions, false, split_port);

    let user = current_user();
    let drivers_log = split.dir.join("drivers.log");
    let _drivers: Vec<Proc> = names
        .iter()
        .map(|name| {
            let args = ["-a", name.as_str(), "-u", &user, "-F"];
            let command = ours_in(&split, "dummy-ups", &args);
            Proc::spawn_logged("our dummy-ups", command, &drivers_log)
        })
        .collect();
    let split_log = split.dir.join("upsd.log");
    let _split_upsd = Proc::spawn_logged("our upsd", ours_in(&split, "upsd", &[]), &split_log);
    wait_serving(
        split_port,
        &names,
        "our upsd over dummy-ups processes",
        &split_log,
    );
    let mut hosting_upsd = start_hosting_upsd(&hosted, hosted_port, &names);

    let mut compared = 0;
    for name in &names {
        let (hosted_text, requests) = transcript(hosted_port, name);
        let (split_text, _) = transcript(split_port, name);
        assert_eq!(hosted_text, split_text, "UPS {name}");
        assert!(hosted_text.matches("\nVAR ").count() > 10, "{hosted_text}");
        compared += requests;
    }
    eprintln!("hosting: {compared} requests answered identically");

    for port in [hosted_port, split_port] {
        assert_eq!(set_var(port, "u1", "ups.mfr", "nut-rs test"), "OK\n");
        let want = "VAR u1 ups.mfr \"nut-rs test\"\n";
        assert!(
            wait_until(SET_TIMEOUT, || get_var(port, "u1", "ups.mfr") == want),
            "SET on port {port}: {}",
            get_var(port, "u1", "ups.mfr")
        );
    }
    assert_eq!(
        transcript(hosted_port, "u1").0,
        transcript(split_port, "u1").0
    );

    // The hosted drivers live in upsd's process, and leave with it.
    let sockets: Vec<PathBuf> = names
        .iter()
        .map(|name| hosted.state().join(format!("dummy-ups-{name}")))
        .collect();
    for socket in &sockets {
        assert_eq!(
            driver_pid(socket),
            Some(hosting_upsd.pid()),
            "{}",
            socket.display()
        );
    }

    // SIGHUP reloads upsd (a new description) and keeps the drivers.
    let conf = std::fs::read_to_string(hosted.dir.join("ups.conf")).expect("ups.conf");
    let conf = conf.replacen("[u0]\n", "[u0]\n  desc = \"reloaded\"\n", 1);
    hosted.write("ups.conf", &conf);
    hosting_upsd.signal(Signal::SIGHUP);
    let want = "UPSDESC u0 \"reloaded\"\n";
    assert!(
        wait_until(SET_TIMEOUT, || Wire::connect(hosted_port)
            .is_ok_and(|mut w| w.request("GET UPSDESC u0") == want)),
        "the reload did not happen"
    );
    assert_eq!(driver_pid(&sockets[0]), Some(hosting_upsd.pid()));
    assert!(get_var(hosted_port, "u0", "driver.name").starts_with("VAR "));

    hosting_upsd.signal(Signal::SIGTERM);
    let status = hosting_upsd.wait(STOP_TIMEOUT).expect("upsd stops");
    assert!(status.success(), "{status}");
    for socket in &sockets {
        assert!(!socket.exists(), "{} is left behind", socket.display());
    }
}

/// The real client `program` with `args`; (code, stdout, stderr).
fn real_client(program: &str, args: &[&str]) -> (Option<i32>, String, String) {
    run_bounded(Command::new(program).args(args))
}

#[test]
fn hosting_upsd_matches_the_real_upsd_over_real_dummy_ups() {
    const TEST: &str = "hosting_upsd_matches_the_real_upsd_over_real_dummy_ups";
    let _serial = serial();
    if !real_nut(TEST) {
        return;
    }
    let Some(definitions) = definitions(TEST) else {
        return;
    };
    let names = names(&definitions);
    let (hosted, real) = (Lab::new("hosted-vs-real"), Lab::new("real"));
    let (hosted_port, real_port) = (free_port(), free_port());
    populate(&hosted, &definitions, true, hosted_port);
    populate(&real, &definitions, false, real_port);

    let real_log = real.dir.join("real.log");
    let _drivers: Vec<Proc> = names
        .iter()
        .map(|name| {
            let mut command = real.command(REAL_DUMMY_UPS);
            command.args(["-a", name, "-u", "root", "-F"]);
            Proc::spawn_logged("real dummy-ups", command, &real_log)
        })
        .collect();
    let mut command = real.command(REAL_UPSD);
    command.args(["-F", "-u", "root"]);
    let _real_upsd = Proc::spawn_logged("real upsd", command, &real_log);
    wait_serving(
        real_port,
        &names,
        "the real upsd over real dummy-ups",
        &real_log,
    );
    let _hosting_upsd = start_hosting_upsd(&hosted, hosted_port, &names);

    let mut compared = 0;
    let mut compare = |args: &dyn Fn(u16) -> Vec<String>, program: &str| {
        let run = |port| {
            let args = args(port);
            let words: Vec<&str> = args.iter().map(String::as_str).collect();
            real_client(program, &words)
        };
        let (ours, theirs) = (run(hosted_port), run(real_port));
        assert_eq!(ours.0, theirs.0, "{program} {:?}: exit codes", args(0));
        assert_eq!(ours.1, theirs.1, "{program} {:?}: stdout", args(0));
        assert_eq!(ours.2, theirs.2, "{program} {:?}: stderr", args(0));
        compared += 1;
        ours.1
    };
    let listed = compare(
        &|port| vec!["-l".into(), format!("127.0.0.1:{port}")],
        REAL_UPSC,
    );
    assert_eq!(listed, "u0\nu1\nu2\n");
    for name in &names {
        let at = |port: u16| format!("{name}@127.0.0.1:{port}");
        let dump = compare(&|port| vec![at(port)], REAL_UPSC);
        assert!(dump.contains("driver.name: dummy-ups\n"), "{dump}");
        compare(&|port| vec![at(port)], REAL_UPSRW);
        compare(&|port| vec!["-l".into(), at(port)], REAL_UPSCMD);
    }
    for port in [hosted_port, real_port] {
        let target = format!("u2@127.0.0.1:{port}");
        let args = [
            "-s",
            "ups.mfr=nut-rs test",
            "-u",
            "admin",
            "-p",
            "adminpass",
            &target,
        ];
        let (code, out, err) = real_client(REAL_UPSRW, &args);
        assert_eq!(code, Some(0), "{out}{err}");
        let want = "VAR u2 ups.mfr \"nut-rs test\"\n";
        assert!(wait_until(SET_TIMEOUT, || get_var(port, "u2", "ups.mfr") == want));
    }
    compare(&|port| vec![format!("u2@127.0.0.1:{port}")], REAL_UPSC);
    eprintln!("hosting: {compared} real-client runs printed the same against both stacks");
}

#[test]
fn a_hosted_driver_that_cannot_start_leaves_only_its_ups_without_driver() {
    let _serial = serial();
    let lab = Lab::new("hosted-failure");
    let port = free_port();
    lab.write("ok.dev", "ups.status: OB\n");
    lab.write(
        "ups.conf",
        "nutrs_inprocess = dummy-ups\n\
         [ok]\n  driver = dummy-ups\n  port = ok.dev\n\
         [bad]\n  driver = dummy-ups\n  port = missing.dev\n",
    );
    lab.write("upsd.conf", &format!("LISTEN 127.0.0.1 {port}\n"));
    lab.write("upsd.users", USERS);
    let upsd = start_hosting_upsd(&lab, port, &["ok".to_owned()]);
    assert_eq!(
        get_var(port, "ok", "ups.status"),
        "VAR ok ups.status \"OB\"\n"
    );
    assert_eq!(
        get_var(port, "bad", "ups.status"),
        "ERR DRIVER-NOT-CONNECTED\n"
    );
    drop(upsd);
    let log = std::fs::read_to_string(lab.dir.join("upsd.log")).expect("log");
    let missing = lab.dir.join("missing.dev");
    assert!(
        log.contains(&format!(
            "can't start the driver of UPS [bad] inside upsd: Can't open dummy-ups definition \
             file {}",
            missing.display()
        )),
        "{log}"
    );
}
