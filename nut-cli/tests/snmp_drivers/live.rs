//! Our `snmp-ups` serving its state socket against `nut sim snmp`: SETs
//! and instant commands reach the agent, and an agent that dies makes the
//! data stale (with a log line naming the agent and the error) until it
//! comes back, when the driver recovers by itself.

use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{OUR_SNMP_UPS, SimProcess, is_root, report, scratch};

/// Our driver in the foreground, stopped by PID on drop.
struct DriverProcess {
    child: Child,
    log: mpsc::Receiver<String>,
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(state: &Path, agent: &str) -> DriverProcess {
    std::fs::write(
        state.join("ups.conf"),
        format!(
            "[sim]\n  driver = snmp-ups\n  port = {agent}\n  pollfreq = 1\n  \
             snmp_timeout = 1\n  snmp_retries = 0\n"
        ),
    )
    .expect("ups.conf");
    let mut command = Command::new(OUR_SNMP_UPS);
    command
        .args(["-a", "sim", "-F", "-i", "1"])
        .env("NUT_STATEPATH", state)
        .env("NUT_CONFPATH", state)
        .env("NUT_ALTPIDPATH", state)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if is_root() {
        command.args(["-u", "root"]);
    }
    let mut child = command.spawn().expect("our snmp-ups starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    DriverProcess { child, log }
}

/// A client of the driver's state socket.
struct Socket {
    stream: UnixStream,
    lines: mpsc::Receiver<String>,
}

impl Socket {
    fn connect(path: &Path) -> Self {
        let deadline = Instant::now() + Duration::from_secs(20);
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() > deadline => panic!("{}: {e}", path.display()),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        let reader = stream.try_clone().expect("socket clone");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { stream, lines }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stream, "{line}").expect("socket write");
    }

    /// Waits for a line equal to `wanted`; the lines seen on the way.
    fn wait_for(&self, wanted: &str, limit: Duration) -> Result<Vec<String>, Vec<String>> {
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            let done = line == wanted;
            seen.push(line);
            if done {
                return Ok(seen);
            }
        }
        Err(seen)
    }
}

fn log_has(driver: &DriverProcess, needle: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while let Ok(line) = driver
        .log
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        if line.contains(needle) {
            return true;
        }
    }
    false
}

#[test]
fn our_snmp_ups_serves_commands_goes_stale_when_the_agent_dies_and_recovers() {
    let mut sim = SimProcess::start(&["--port", "0"]);
    let agent = sim.addr.clone();
    let state = scratch("live");
    let driver = start_driver(&state, &agent);
    let mut socket = Socket::connect(&state.join("snmp-ups-sim"));
    socket.send("DUMPALL");
    let dump = socket
        .wait_for("DUMPDONE", Duration::from_secs(10))
        .expect("DUMPALL answered");
    assert!(
        dump.contains(&"SETINFO ups.status \"OL\"".to_owned()),
        "{dump:?}"
    );
    assert!(
        dump.contains(&"ADDCMD outlet.2.load.off".to_owned()),
        "{dump:?}"
    );

    // The console changes the device; the driver follows at its next poll.
    sim.command("battery");
    socket
        .wait_for("SETINFO ups.status \"OB DISCHRG\"", Duration::from_secs(10))
        .expect("on battery seen");

    // An instant command is a SET the agent acts on.
    socket.send("INSTCMD outlet.2.load.off");
    assert!(sim.wait_for("outlet 2 off", Duration::from_secs(10)));
    socket
        .wait_for("SETINFO outlet.2.status \"off\"", Duration::from_secs(10))
        .expect("outlet off seen");
    socket.send("SET device.location \"rack 4\"");
    socket
        .wait_for(
            "SETINFO device.location \"rack 4\"",
            Duration::from_secs(10),
        )
        .expect("SET published");
    assert_eq!(
        sim.command("get 1.3.6.1.2.1.1.6.0"),
        ".1.3.6.1.2.1.1.6.0 = STRING: \"rack 4\""
    );

    // The agent dies: stale, and a log line naming it and the error.
    sim.kill();
    socket
        .wait_for("DATASTALE", Duration::from_secs(10))
        .expect("data goes stale");
    assert!(
        log_has(
            &driver,
            &format!("data is stale: agent {agent} failed"),
            Duration::from_secs(5)
        ),
        "log line naming the agent"
    );
    // It comes back on the same port: the driver recovers by itself.
    let port = agent.rsplit(':').next().unwrap_or_default().to_owned();
    let mut back = SimProcess::start(&["--port", &port]);
    let recovered = socket
        .wait_for("DATAOK", Duration::from_secs(10))
        .expect("data OK again");
    // The restarted agent is a fresh device: on line, outlet 2 on.
    assert!(
        recovered.contains(&"SETINFO ups.status \"OL\"".to_owned()),
        "{recovered:?}"
    );
    assert!(log_has(
        &driver,
        &format!("agent {agent} answers again"),
        Duration::from_secs(5)
    ));
    back.command("status");
    drop(driver);
    let _ = std::fs::remove_dir_all(&state);
    report(&format!(
        "snmp-ups live: DUMPALL, on battery, INSTCMD outlet.2.load.off, SET device.location, \
         agent {agent} killed → DATASTALE + log line, restarted → DATAOK: all seen"
    ));
}
