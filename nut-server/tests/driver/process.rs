//! Our dummy-ups as a process: socket and PID file, signals, background
//! mode, duplicate-instance takeover, `-c`, `-k`, `-d`, configuration
//! errors (compared with the real dummy-ups when it is installed).

use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::child::our_dummy_ups;
use crate::support::{
    Lab, Proc, REAL_DUMMY_UPS, SockClient, answers_ping, kill_pid, real_nut, wait_until,
};

const DEV: &str = "battery.charge: 100\nups.status: OL\nups.mfr: Acme\nups.load: 23\n";

fn lab(tag: &str, extra: &str) -> Lab {
    let lab = Lab::new(tag);
    lab.write("x.dev", DEV);
    lab.write(
        "ups.conf",
        &format!("[u]\ndriver = dummy-ups\nport = x.dev\n{extra}"),
    );
    lab
}

/// Starts our driver in the foreground and waits for its socket.
fn start(lab: &Lab, extra: &[&str]) -> (Proc, Duration) {
    let mut args = vec!["-a", "u", "-u", "root"];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let proc = Proc::spawn("our dummy-ups", our_dummy_ups(lab, &args));
    assert!(
        wait_until(Duration::from_secs(10), || answers_ping(&lab.socket("u"))),
        "our driver did not come up"
    );
    (proc, started.elapsed())
}

/// stdout without the test harness's own lines.
fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.starts_with("running ") && !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

fn run_once(lab: &Lab, args: &[&str]) -> Output {
    let mut command = our_dummy_ups(lab, args);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    Proc::spawn_with_output("our dummy-ups", command).output(Duration::from_secs(60))
}

fn dump_value(socket: &std::path::Path, var: &str) -> Option<String> {
    let mut client = SockClient::connect(socket).ok()?;
    client.send(&format!("DUMPVALUE {var}\n"));
    let text = client.read_until("DUMPDONE\n", Duration::from_secs(3))?;
    let prefix = format!("SETINFO {var} \"");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim_end_matches('"').to_owned())
}

#[test]
fn foreground_with_pid_file_then_sigterm_cleans_up() {
    let lab = lab("fg", "");
    let (mut proc, startup) = start(&lab, &["-FF"]);
    eprintln!("our dummy-ups (test harness process, debug build) answered PING after {startup:?}");
    let socket = lab.socket("u");
    let mode = std::fs::metadata(&socket)
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660);
    let pid_file = lab.state().join("dummy-ups-u.pid");
    assert_eq!(
        std::fs::read_to_string(&pid_file).expect("pid file"),
        format!("{}\n", proc.pid())
    );
    let mut client = SockClient::connect(&socket).expect("connect");
    client.send("GETPID\nDUMPALL\n");
    let text = client
        .read_until("DUMPDONE\n", Duration::from_secs(5))
        .expect("dump");
    assert!(text.starts_with(&format!("PID {}\n", proc.pid())), "{text}");
    assert!(text.contains("SETINFO ups.status \"OL\"\n"));
    proc.signal(Signal::SIGTERM);
    let status = proc.wait(Duration::from_secs(5)).expect("exits on SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert!(!socket.exists(), "socket left behind");
    assert!(!pid_file.exists(), "PID file left behind");
}

#[test]
fn plain_foreground_writes_no_pid_file() {
    let lab = lab("fgnopid", "");
    let (_proc, _) = start(&lab, &["-F"]);
    assert!(!lab.state().join("dummy-ups-u.pid").exists());
}

#[test]
fn background_mode_detaches_and_writes_the_pid_file() {
    let lab = lab("bg", "");
    let started = Instant::now();
    let output = run_once(&lab, &["-a", "u", "-u", "root"]);
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let pid: i32 = std::fs::read_to_string(lab.state().join("dummy-ups-u.pid"))
        .expect("pid file")
        .trim()
        .parse()
        .expect("a pid");
    eprintln!("our dummy-ups went to the background in {elapsed:?} (pid {pid})");
    assert!(answers_ping(&lab.socket("u")));
    kill_pid(pid);
    assert!(wait_until(Duration::from_secs(5), || !lab
        .socket("u")
        .exists()));
    assert!(!lab.state().join("dummy-ups-u.pid").exists());
}

#[test]
fn a_second_instance_takes_over() {
    let lab = lab("takeover", "");
    let (mut first, _) = start(&lab, &["-FF"]);
    // The first one answers until it has gone: do not wait for the second.
    let second = Proc::spawn(
        "our dummy-ups",
        our_dummy_ups(&lab, &["-a", "u", "-u", "root", "-FF"]),
    );
    let status = first
        .wait(Duration::from_secs(10))
        .expect("first instance exits");
    assert_eq!(status.code(), Some(0));
    assert!(wait_until(Duration::from_secs(10), || answers_ping(
        &lab.socket("u")
    )));
    assert!(wait_until(Duration::from_secs(3), || {
        std::fs::read_to_string(lab.state().join("dummy-ups-u.pid"))
            .is_ok_and(|t| t.trim() == second.pid().to_string())
    }));
}

#[test]
fn takeover_from_a_real_driver_goes_through_its_pid_file() {
    if !real_nut("takeover_from_a_real_driver_goes_through_its_pid_file") {
        return;
    }
    let lab = lab("takeover-real", "");
    // NUT 2.8.0 writes its PID file only when it goes to the background.
    let parent = Proc::spawn_with_output("real dummy-ups", {
        let mut c = lab.command(REAL_DUMMY_UPS);
        c.args(["-a", "u", "-u", "root"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    })
    .output(Duration::from_secs(30));
    assert_eq!(parent.status.code(), Some(0));
    let pid_file = lab.state().join("dummy-ups-u.pid");
    let alive = |pid: i32| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
    let read_pid =
        || -> Option<i32> { std::fs::read_to_string(&pid_file).ok()?.trim().parse().ok() };
    // The real driver rewrites its PID file once in the background.
    assert!(wait_until(Duration::from_secs(10), || {
        read_pid().is_some_and(alive) && lab.socket("u").exists()
    }));
    let real_pid = read_pid().expect("real PID file");
    // Its socket answers until it is gone: start without waiting for ours.
    let ours = Proc::spawn(
        "our dummy-ups",
        our_dummy_ups(&lab, &["-a", "u", "-u", "root", "-FF"]),
    );
    let gone = wait_until(Duration::from_secs(10), || !alive(real_pid));
    if !gone {
        kill_pid(real_pid);
    }
    assert!(gone, "the real driver was not stopped");
    assert!(
        wait_until(Duration::from_secs(10), || read_pid() == Some(ours.pid())),
        "our PID file is missing"
    );
    assert!(answers_ping(&lab.socket("u")));
}

#[test]
fn c_commands_reach_the_running_instance() {
    let lab = lab("cmd", "");
    let (mut running, _) = start(&lab, &["-F"]);
    let output = run_once(&lab, &["-a", "u", "-c", "reload-or-error"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    lab.write("ups.conf", "[u]\ndriver = dummy-ups\nport = other.dev\n");
    let output = run_once(&lab, &["-a", "u", "-c", "reload"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "port change needs a restart: {output:?}"
    );
    assert!(running.is_running());
    let output = run_once(&lab, &["-a", "u", "-c", "exit"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let status = running.wait(Duration::from_secs(5)).expect("exits");
    assert_eq!(status.code(), Some(0));
    let output = run_once(&lab, &["-a", "u", "-c", "exit"]);
    assert_eq!(
        output.status.code(),
        Some(255),
        "nobody to talk to: {output:?}"
    );
}

#[test]
fn sighup_reloads_the_poll_interval() {
    let lab = lab("hup", "");
    let (proc, _) = start(&lab, &["-F"]);
    let socket = lab.socket("u");
    assert_eq!(
        dump_value(&socket, "driver.parameter.pollinterval").as_deref(),
        Some("2")
    );
    lab.write(
        "ups.conf",
        "[u]\ndriver = dummy-ups\nport = x.dev\npollinterval = 5\n",
    );
    proc.signal(Signal::SIGHUP);
    assert!(wait_until(Duration::from_secs(5), || {
        dump_value(&socket, "driver.parameter.pollinterval").as_deref() == Some("5")
    }));
}

#[test]
fn definition_file_changes_are_picked_up() {
    let lab = lab("mtime", "pollinterval = 1\n");
    let (_proc, _) = start(&lab, &["-F"]);
    let socket = lab.socket("u");
    let mut watcher = SockClient::connect(&socket).expect("connect");
    std::thread::sleep(Duration::from_millis(20));
    lab.write("x.dev", &format!("{DEV}ups.load: 77\n"));
    let text = watcher
        .read_until("SETINFO ups.load \"77\"\n", Duration::from_secs(5))
        .expect("the change is broadcast");
    assert!(text.ends_with("SETINFO ups.load \"77\"\n"));
}

#[test]
fn killpower_goes_through_the_running_instance() {
    let lab = lab("kill", "");
    let (mut running, _) = start(&lab, &["-F"]);
    let output = run_once(&lab, &["-a", "u", "-k"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let status = running
        .wait(Duration::from_secs(5))
        .expect("the driver exits after killpower");
    // dummy-ups cannot power anything off: the shutdown itself failed.
    assert_eq!(status.code(), Some(1));
}

#[test]
fn killpower_alone_matches_the_real_driver() {
    let lab = lab("kill-alone", "");
    let output = run_once(&lab, &["-a", "u", "-u", "root", "-k"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("shutdown not supported"), "{stderr}");
    if !real_nut("killpower_alone_matches_the_real_driver") {
        return;
    }
    let real = Proc::spawn_with_output("real dummy-ups", {
        let mut c = lab.command(REAL_DUMMY_UPS);
        c.args(["-a", "u", "-u", "root", "-k"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    })
    .output(Duration::from_secs(30));
    assert_eq!(real.status.code(), output.status.code());
    assert!(String::from_utf8_lossy(&real.stderr).contains("shutdown not supported"));
}

#[test]
fn a_vanishing_client_does_not_kill_the_process() {
    let lab = lab("vanish", "");
    let (mut proc, _) = start(&lab, &["-F"]);
    let socket = lab.socket("u");
    for _ in 0..5 {
        let mut client = SockClient::connect(&socket).expect("connect");
        client.send("PING\n");
        drop(client);
    }
    let mut setter = SockClient::connect(&socket).expect("connect");
    setter.send("SET ups.load \"56\" TRACKING t-1\n");
    assert!(
        setter
            .read_until("TRACKING t-1 0\n", Duration::from_secs(5))
            .is_some()
    );
    assert!(proc.is_running(), "the driver died after a client vanished");
    assert_eq!(dump_value(&socket, "ups.load").as_deref(), Some("56"));
}

/// Runs both drivers with `args`; (status, stdout, stderr) each, banner
/// and harness lines removed.
/// Exit status, stdout and stderr of one run.
type Run = (i32, String, String);

fn both(lab: &Lab, args: &[&str]) -> Option<(Run, Run)> {
    let ours = run_once(lab, args);
    let real = Proc::spawn_with_output("real dummy-ups", {
        let mut c = lab.command(REAL_DUMMY_UPS);
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    })
    .output(Duration::from_secs(30));
    let clean = |o: &Output| {
        let out: String = stdout(o)
            .lines()
            .filter(|l| !l.starts_with("Network UPS Tools - "))
            .map(|l| format!("{l}\n"))
            .collect();
        let err: String = String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| !l.contains("invalid option"))
            .map(|l| format!("{l}\n"))
            .collect();
        (o.status.code().unwrap_or(-1), out, err)
    };
    Some((clean(&ours), clean(&real)))
}

#[test]
fn configuration_errors_read_like_the_real_driver() {
    let lab = lab(
        "conferr",
        "bogus = 1\n[f]\ndriver = other\nport = x.dev\n[g]\ndriver = dummy-ups\nport = x.dev\nNOFLAG\n",
    );
    let ours = run_once(&lab, &["-a", "u", "-u", "root"]);
    assert_eq!(ours.status.code(), Some(0));
    assert!(
        stdout(&ours)
            .contains("Fatal error: 'bogus' is not a valid variable name for this driver.\n")
    );
    if !real_nut("configuration_errors_read_like_the_real_driver") {
        return;
    }
    for args in [
        &["-a", "u", "-u", "root"][..],
        &["-a", "g", "-u", "root"],
        &["-a", "zz", "-u", "root"],
        &["-a", "f", "-u", "root"],
    ] {
        let (ours, real) = both(&lab, args).expect("ran");
        assert_eq!(ours, real, "{args:?}");
    }
    // Command-line errors (on a clean ups.conf: NUT reads `-a` as it
    // meets it).
    let clean = self::lab("clierr", "");
    for args in [&["-u", "root"][..], &["-Z"], &["-a", "u", "-i", "0"]] {
        let (ours, real) = both(&clean, args).expect("ran");
        assert_eq!(ours, real, "{args:?}");
    }
}

#[test]
fn dump_mode_matches_the_real_driver() {
    let lab = lab("dump", "");
    let ours = run_once(&lab, &["-a", "u", "-u", "root", "-d", "1"]);
    assert_eq!(ours.status.code(), Some(0));
    assert!(stdout(&ours).contains("ups.status: OL\n"));
    if !real_nut("dump_mode_matches_the_real_driver") {
        return;
    }
    let (ours, real) = both(&lab, &["-a", "u", "-u", "root", "-d", "1"]).expect("ran");
    assert_eq!((ours.0, &ours.1), (real.0, &real.1));
}

#[test]
fn root_switches_to_the_configured_user() {
    let Ok(Some(nut)) = nix::unistd::User::from_name("nut") else {
        eprintln!("SKIPPED root_switches_to_the_configured_user: no user nut");
        return;
    };
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED root_switches_to_the_configured_user: not running as root");
        return;
    }
    let lab = lab("user", "user = nut\n");
    std::fs::set_permissions(
        lab.dir.join("x.dev"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    std::os::unix::fs::chown(lab.state(), Some(nut.uid.as_raw()), None).expect("chown");
    let (proc, _) = {
        let started = Instant::now();
        let proc = Proc::spawn("our dummy-ups", our_dummy_ups(&lab, &["-a", "u", "-FF"]));
        assert!(
            wait_until(Duration::from_secs(10), || answers_ping(&lab.socket("u"))),
            "did not start as nut"
        );
        (proc, started.elapsed())
    };
    let status = std::fs::read_to_string(format!("/proc/{}/status", proc.pid())).expect("status");
    let uid_line = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .expect("Uid line");
    let uids: Vec<&str> = uid_line.split_whitespace().skip(1).collect();
    let expected = nut.uid.as_raw().to_string();
    assert_eq!(uids, [expected.as_str(); 4], "{uid_line}");
    use std::os::unix::fs::MetadataExt;
    let socket = std::fs::metadata(lab.socket("u")).expect("socket");
    assert_eq!(socket.uid(), nut.uid.as_raw());
    if let Ok(Some(group)) = nix::unistd::Group::from_name("nut") {
        assert_eq!(socket.gid(), group.gid.as_raw());
    }
}
