//! `nut sim apc --pty`: an APC Smart UPS on a pseudo-terminal, for NUT's
//! `apcsmart` or ours, driven by commands on stdin while it runs (the line
//! fails, the battery drains, a self-test, the cable is pulled).
//!
//! The device is [`nut_serial::sim::apc::Simulator`]: smart mode, every
//! query letter, `-` cycling, alert characters when the state changes and
//! the commands that act only when sent twice 1–4 s apart.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use nut_serial::sim::apc::{Simulator, UnitState};
use nut_serial::sim::megatec::Fault;
use nut_serial::sim::pty::PtySim;

const USAGE: &str =
    "usage: nut sim apc --pty [--link PATH] [--for SECONDS] [--no-alerts] [--model NAME]

Serves a simulated APC Smart-UPS (the protocol of NUT's apcsmart driver) on a
new pseudo-terminal and prints its path; point a driver's `port` at it:

  [apc]
    driver = apcsmart
    port = /dev/pts/N

Commands on stdin (one per line) change the unit while it runs; the unit
sends its alert characters (!, $, %, +, #, ?, =) as a real one would:

  ob | fail        the mains fail: on battery (alert !)
  ol | restore     the mains return (alert $)
  lb               the battery drops to about one minute of runtime (LB, %)
  charge N         battery charge N % (LB when the runtime falls below 2 min)
  load N           output load N %
  drain            a battery that empties within a few minutes on battery
  test [RESULT]    a self-test ends with RESULT (OK, BT, NG; default OK)
  rb [off]         the battery needs replacing (alert #) / no longer
  over [off]       overload (alert ?) / cleared (=)
  silent           the unit stops answering (a pulled cable)
  talk             the unit answers again
  state            print the state
  quit             stop

Options:
  --pty            serve on a pseudo-terminal (the only transport)
  --link PATH      also make PATH a symbolic link to it (removed at exit)
  --for SECONDS    stop after SECONDS (default: run until quit, EOF is ignored)
  --no-alerts      never send alert characters
  --model NAME     the model string (^A)
";

/// Options of `nut sim apc`.
#[derive(Debug, Default)]
struct Options {
    pty: bool,
    duration: Option<Duration>,
    no_alerts: bool,
    model: Option<String>,
    link: Option<String>,
}

fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--pty" => options.pty = true,
            "--no-alerts" => options.no_alerts = true,
            "--for" => {
                let secs: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--for needs a number of seconds")?;
                options.duration = Some(Duration::from_secs(secs));
            }
            "--model" => options.model = Some(it.next().ok_or("--model needs a name")?.clone()),
            "--link" => options.link = Some(it.next().ok_or("--link needs a path")?.clone()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if !options.pty {
        return Err("--pty is required (the only transport)".into());
    }
    Ok(Some(options))
}

/// Runs `nut sim apc` with `args` (the words after `apc`).
pub(crate) fn main(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("nut sim apc: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut state = UnitState::default();
    if let Some(model) = options.model {
        state.model = model;
    }
    let mut sim = Simulator::new(state);
    sim.alerts = !options.no_alerts;
    // The slave end stays open here for as long as we serve: the driver
    // opens it again by path, and the pty stays usable while no driver has
    // it open (and between two drivers).
    let (server, slave) = match PtySim::spawn(sim) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("nut sim apc: can't create a pseudo-terminal: {e}");
            return ExitCode::FAILURE;
        }
    };
    let path = server.path().unwrap_or("?").to_owned();
    if let Some(link) = &options.link {
        let _ = std::fs::remove_file(link);
        if let Err(e) = std::os::unix::fs::symlink(&path, link) {
            eprintln!("nut sim apc: can't link {link} to {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("APC Smart-UPS simulator on {path}");
    println!("(type `help` for the commands; `quit` or Ctrl-C stops it)");
    let _ = std::io::stdout().flush();
    let deadline = options.duration.map(|d| Instant::now() + d);
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let wait = deadline.map_or(Duration::from_secs(3600), |d| {
            d.saturating_duration_since(Instant::now())
        });
        if wait.is_zero() {
            break;
        }
        match lines_rx.recv_timeout(wait) {
            Ok(line) => match command(server.simulator(), &line) {
                Reply::Quit => break,
                Reply::Text(text) => {
                    println!("{text}");
                    let _ = std::io::stdout().flush();
                }
            },
            // stdin closed (run in the background): serve until the deadline
            // or a signal.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match deadline {
                Some(d) => std::thread::sleep(d.saturating_duration_since(Instant::now())),
                None => loop {
                    std::thread::sleep(Duration::from_secs(3600));
                },
            },
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    drop(slave);
    if let Some(link) = &options.link {
        let _ = std::fs::remove_file(link);
    }
    match server.stop() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nut sim apc: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What a stdin command asks for.
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Text(String),
    Quit,
}

fn summary(sim: &Simulator) -> String {
    let s = &sim.state;
    format!(
        "status {}, charge {:.1} %, runtime {:.0} min, load {:.1} %, test result {}{}",
        s.status().render(),
        s.charge,
        s.runtime_minutes().floor(),
        s.load,
        s.test_result,
        if sim.fault == Fault::Silent {
            ", not answering"
        } else {
            ""
        }
    )
}

/// Applies one stdin command to the simulator.
fn command(simulator: &Mutex<Simulator>, line: &str) -> Reply {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else {
        return Reply::Text(String::new());
    };
    let arg = words.next();
    let mut sim = simulator.lock().unwrap_or_else(PoisonError::into_inner);
    let number = |what: &str| -> Result<f64, String> {
        arg.and_then(|a| a.parse::<f64>().ok())
            .filter(|n| (0.0..=100.0).contains(n))
            .ok_or_else(|| format!("{what} needs a number from 0 to 100"))
    };
    let on = arg != Some("off");
    let outcome: Result<(), String> = match verb {
        "ob" | "fail" => {
            sim.state.fail_line();
            Ok(())
        }
        "ol" | "restore" => {
            sim.state.restore_line();
            Ok(())
        }
        "lb" => {
            let s = &mut sim.state;
            let full_minutes = s.full_load_runtime.as_secs_f64() / (s.load.max(5.0) / 100.0) / 60.0;
            s.charge = (100.0 / full_minutes.max(1.0)).clamp(0.5, 100.0);
            Ok(())
        }
        "charge" => number("charge").map(|n| sim.state.charge = n),
        "load" => number("load").map(|n| sim.state.load = n),
        "drain" => {
            sim.state.load = 100.0;
            sim.state.full_load_runtime = Duration::from_secs(150);
            Ok(())
        }
        "test" => {
            let result = arg.unwrap_or("OK").to_ascii_uppercase();
            if ["OK", "BT", "NG", "NO"].contains(&result.as_str()) {
                sim.state.test_result = result;
                Ok(())
            } else {
                Err("test result must be OK, BT, NG or NO".into())
            }
        }
        "rb" => {
            sim.state.replace_battery = on;
            Ok(())
        }
        "over" => {
            sim.state.overload = on;
            Ok(())
        }
        "silent" => {
            sim.fault = Fault::Silent;
            Ok(())
        }
        "talk" => {
            sim.fault = Fault::None;
            Ok(())
        }
        "state" => Ok(()),
        "quit" | "exit" => return Reply::Quit,
        "help" => return Reply::Text(USAGE.to_owned()),
        other => Err(format!("unknown command `{other}` (try help)")),
    };
    match outcome {
        Ok(()) => Reply::Text(summary(&sim)),
        Err(e) => Reply::Text(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Mutex<Simulator> {
        Mutex::new(Simulator::new(UnitState::default()))
    }

    fn status(sim: &Mutex<Simulator>) -> String {
        sim.lock().unwrap().state.status().render().to_string()
    }

    #[test]
    fn commands_change_the_status() {
        let s = sim();
        assert_eq!(status(&s), "OL");
        assert!(matches!(command(&s, "ob"), Reply::Text(t) if t.starts_with("status OB")));
        command(&s, "lb");
        assert_eq!(status(&s), "OB LB");
        command(&s, "ol");
        assert_eq!(status(&s), "OL");
        command(&s, "rb");
        assert_eq!(status(&s), "OL RB");
        command(&s, "rb off");
        command(&s, "over");
        assert_eq!(status(&s), "OL OVER");
    }

    #[test]
    fn bad_commands_are_explained_not_applied() {
        let s = sim();
        assert_eq!(
            command(&s, "charge 101"),
            Reply::Text("charge needs a number from 0 to 100".into())
        );
        assert_eq!(s.lock().unwrap().state.charge, 100.0);
        assert!(matches!(command(&s, "frob"), Reply::Text(t) if t.contains("unknown command")));
        assert_eq!(command(&s, "quit"), Reply::Quit);
        command(&s, "silent");
        assert_eq!(s.lock().unwrap().fault, Fault::Silent);
        command(&s, "talk");
        assert_eq!(s.lock().unwrap().fault, Fault::None);
    }

    #[test]
    fn options() {
        assert!(parse(&[]).is_err());
        let o = parse(&["--pty".into(), "--for".into(), "5".into()])
            .unwrap()
            .unwrap();
        assert_eq!(o.duration, Some(Duration::from_secs(5)));
        assert!(parse(&["--help".into()]).unwrap().is_none());
        assert!(parse(&["--pty".into(), "--for".into()]).is_err());
    }
}
