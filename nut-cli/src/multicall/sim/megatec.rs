//! `nut sim megatec --pty`: a Megatec/Q* UPS of any protocol
//! ([`nut_serial::sim::Simulator`]) served on a pseudo-terminal, for
//! `nutdrv_qx`/`blazer_ser` (ours or NUT's) to read as their serial port.
//! The device state changes while it runs through commands on stdin.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nut_serial::qx::Protocol;
use nut_serial::sim::pty::PtySim;
use nut_serial::sim::{DeviceState, Fault, Simulator};

/// `nut sim megatec -h`.
pub(super) const HELP: &str = "\
usage: nut sim megatec --pty [--protocol NAME] [--link PATH] [--set VAR=VALUE]...
                       [--verbose]

Serves a simulated Megatec/Q* UPS on a new pseudo-terminal and prints its
path on the first line of stdout; point a driver's port= at it (or at
--link PATH, a symbolic link to it). The UPS answers in the dialect of
--protocol (default megatec); every Q* protocol nut-rs implements:
  PROTOCOLS

options:
  --pty              serve on a pseudo-terminal (the only transport)
  --protocol NAME    the dialect spoken (as nutdrv_qx's protocol=)
  --link PATH        also make PATH a symbolic link to the pty (removed on exit)
  --set VAR=VALUE    start with a NUT variable's reading set, e.g.
                     --set input.voltage=221.5 --set ups.load=40
  --verbose          print every request the UPS receives on stderr

commands on stdin, while it runs (one per line):
  ob | fail          the mains fail: on battery, the battery drains
  ol | restore       the mains come back: on line, the battery recharges
  lb                 the battery is nearly empty (on battery, charge 15 %)
  charge N           battery charge in percent (0-100)
  load N             output load in percent
  runtime SECONDS    runtime at full load on a full battery (drain speed)
  test               start a quick self-test (10 s)
  silent             stop answering (cable pulled); `answer` resumes
  answer             answer normally again
  echo | garbage | truncate
                     misbehave: echo requests, answer noise, cut replies
  set VAR VALUE      set a reading by its NUT name (input.voltage, ups.load,
                     ups.temperature, battery.voltage, device.model, ...)
  status             print the state
  help               this text
  quit               stop the simulator (so do Ctrl-C and SIGTERM)

Without commands on stdin (e.g. started with </dev/null) it serves until
killed.

example:
  nut sim megatec --pty --link /tmp/ttyUPS &
  nutdrv_qx -s myups -x port=/tmp/ttyUPS -x protocol=megatec -D
";

/// What the command line asked for.
#[derive(Debug)]
struct Args {
    protocol: Protocol,
    link: Option<PathBuf>,
    sets: Vec<(String, String)>,
    verbose: bool,
}

fn help_text() -> String {
    let names: Vec<&str> = nut_serial::qx::PROBE_ORDER
        .iter()
        .filter(|p| p.is_implemented())
        .map(|p| p.name())
        .collect();
    HELP.replace("PROTOCOLS", &names.join(", "))
}

fn parse(args: &[String]) -> Result<Option<Args>, String> {
    let mut out = Args {
        protocol: Protocol::Megatec,
        link: None,
        sets: Vec::new(),
        verbose: false,
    };
    let mut pty = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs {what}"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--pty" => pty = true,
            "--verbose" | "-v" => out.verbose = true,
            "--protocol" => {
                let name = value("a protocol name")?;
                let p: Protocol = name.parse().map_err(|e| format!("{e}"))?;
                if !p.is_implemented() {
                    return Err(format!("protocol {} is not simulated", p.name()));
                }
                out.protocol = p;
            }
            "--link" => out.link = Some(PathBuf::from(value("a path")?)),
            "--set" => {
                let pair = value("VAR=VALUE")?;
                let (var, val) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--set {pair}: expected VAR=VALUE"))?;
                out.sets
                    .push((var.trim().to_owned(), val.trim().to_owned()));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if !pty {
        return Err("--pty is required (the only transport so far)".to_owned());
    }
    Ok(Some(out))
}

/// Runs `nut sim megatec` with `args` (the words after `megatec`).
pub(super) fn main(args: &[String]) -> ExitCode {
    let args = match parse(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{}", help_text());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("nut sim megatec: {e}\n(nut sim megatec -h for help)");
            return ExitCode::from(2);
        }
    };
    let mut state = DeviceState::default();
    for (var, value) in &args.sets {
        if let Err(e) = state.set_var(var, value) {
            eprintln!("nut sim megatec: --set {var}={value}: {e:?}");
            return ExitCode::from(2);
        }
    }
    let (server, _slave) = match PtySim::spawn(Simulator::new(args.protocol, state)) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("nut sim megatec: can't create a pseudo-terminal: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(path) = server.path().map(str::to_owned) else {
        eprintln!("nut sim megatec: the pseudo-terminal has no path");
        return ExitCode::FAILURE;
    };
    if let Some(link) = &args.link {
        let _ = std::fs::remove_file(link);
        if let Err(e) = std::os::unix::fs::symlink(&path, link) {
            eprintln!("nut sim megatec: can't link {}: {e}", link.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{path}");
    eprintln!(
        "megatec simulator ({}) serving on {path}{}; type `help` for commands",
        args.protocol.name(),
        args.link
            .as_ref()
            .map(|l| format!(" (link {})", l.display()))
            .unwrap_or_default()
    );
    let sim = Arc::clone(server.simulator());
    watch_signals(args.link.clone());
    if args.verbose {
        print_requests(Arc::clone(&sim));
    }
    let stdin = std::io::stdin();
    let mut quit = false;
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match run_command(&sim, &line) {
            Reply::Quit => {
                quit = true;
                break;
            }
            Reply::Text(text) => {
                // A closed stdout (the reader went away) is no reason to
                // stop serving the UPS.
                if !text.is_empty() {
                    let mut out = std::io::stdout();
                    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
                }
            }
        }
    }
    if !quit {
        // End of input without `quit`: serve until a signal.
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    if let Some(link) = &args.link {
        let _ = std::fs::remove_file(link);
    }
    let _ = server.stop();
    ExitCode::SUCCESS
}

/// Removes the link and exits on SIGINT/SIGTERM/SIGHUP.
fn watch_signals(link: Option<PathBuf>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            if let Some(link) = &link {
                let _ = std::fs::remove_file(link);
            }
            std::process::exit(0);
        }
    });
}

/// Prints each request line the UPS receives, on stderr.
fn print_requests(sim: Arc<Mutex<Simulator>>) {
    std::thread::spawn(move || {
        let mut seen = 0;
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let sim = sim.lock().unwrap_or_else(PoisonError::into_inner);
            for request in sim.received().iter().skip(seen) {
                eprintln!("<- {}", String::from_utf8_lossy(request).escape_debug());
            }
            seen = sim.received().len();
        }
    });
}

/// What a stdin command produced.
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Text(String),
    Quit,
}

fn number(word: Option<&str>, what: &str) -> Result<f64, String> {
    word.and_then(|w| w.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("expected {what}"))
}

/// Runs one stdin command against the simulator.
fn run_command(sim: &Mutex<Simulator>, line: &str) -> Reply {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Reply::Text(String::new());
    };
    let mut sim = sim.lock().unwrap_or_else(PoisonError::into_inner);
    let result: Result<String, String> = match cmd.to_ascii_lowercase().as_str() {
        "ob" | "fail" => {
            sim.state.fail_line();
            Ok("mains failed: on battery".into())
        }
        "ol" | "restore" => {
            sim.state.restore_line();
            Ok("mains restored: on line".into())
        }
        "lb" => {
            if !sim.state.bits.utility_fail {
                sim.state.fail_line();
            }
            sim.state.charge = sim.state.charge.min(15.0);
            Ok("battery low: on battery, charge 15 %".into())
        }
        "charge" => number(words.next(), "a charge in percent").map(|v| {
            sim.state.charge = v.clamp(0.0, 100.0);
            format!("charge {} %", sim.state.charge)
        }),
        "load" => number(words.next(), "a load in percent").map(|v| {
            sim.state.load = Some(v.max(0.0));
            format!("load {v} %")
        }),
        "runtime" => number(words.next(), "seconds").map(|v| {
            sim.state.full_load_runtime = Duration::from_secs_f64(v.max(1.0));
            format!("full-load runtime {v} s")
        }),
        "test" => {
            let _ = sim.respond(std::time::Instant::now(), b"T");
            Ok("quick self-test started".into())
        }
        "silent" => {
            sim.fault = Fault::Silent;
            Ok("silent: no replies (as with the cable pulled)".into())
        }
        "answer" => {
            sim.fault = Fault::None;
            Ok("answering normally".into())
        }
        "echo" => {
            sim.fault = Fault::Echo;
            Ok("echoing requests".into())
        }
        "garbage" => {
            sim.fault = Fault::Garbage;
            Ok("answering line noise".into())
        }
        "truncate" => {
            sim.fault = Fault::Truncate;
            Ok("cutting replies in half".into())
        }
        "set" => match (words.next(), words.collect::<Vec<_>>().join(" ")) {
            (Some(var), value) if !value.is_empty() => sim
                .state
                .set_var(var, &value)
                .map(|()| format!("{var} = {value}"))
                .map_err(|e| format!("set {var}: {e:?}")),
            _ => Err("usage: set VAR VALUE".into()),
        },
        "status" => Ok(describe(&sim)),
        "help" | "?" => Ok(help_text()),
        "quit" | "exit" => return Reply::Quit,
        other => Err(format!("unknown command `{other}` (try help)")),
    };
    Reply::Text(result.unwrap_or_else(|e| format!("error: {e}")))
}

fn describe(sim: &Simulator) -> String {
    let s = &sim.state;
    let n = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
    format!(
        "protocol {} | {} | charge {:.0} % | battery {} V | load {} % | input {} V | output {} V | bits {} | fault {:?}",
        sim.protocol.name(),
        if s.bits.utility_fail {
            "on battery"
        } else {
            "on line"
        },
        s.charge,
        n(s.battery_voltage),
        n(s.load),
        n(s.input_voltage),
        n(s.output_voltage),
        s.bits.to_chars(),
        sim.fault
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Mutex<Simulator> {
        Mutex::new(Simulator::new(Protocol::Megatec, DeviceState::default()))
    }

    #[test]
    fn arguments() {
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let args = parse(&words(
            "--pty --protocol Q1 --set ups.load=40 --link /tmp/x",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(args.protocol, Protocol::Q1);
        assert_eq!(args.sets, vec![("ups.load".to_owned(), "40".to_owned())]);
        assert_eq!(args.link, Some(PathBuf::from("/tmp/x")));
        assert!(parse(&words("--pty -h")).unwrap().is_none());
        assert!(parse(&words("--protocol megatec")).is_err(), "no --pty");
        assert!(parse(&words("--pty --protocol bogus")).is_err());
        assert!(parse(&words("--pty --set nonsense")).is_err());
        assert!(parse(&words("--pty --link")).is_err());
    }

    #[test]
    fn commands_change_the_state() {
        let sim = sim();
        run_command(&sim, "ob");
        assert!(sim.lock().unwrap().state.bits.utility_fail);
        run_command(&sim, "charge 30");
        assert_eq!(sim.lock().unwrap().state.charge, 30.0);
        run_command(&sim, "lb");
        assert_eq!(sim.lock().unwrap().state.charge, 15.0);
        run_command(&sim, "ol");
        assert!(!sim.lock().unwrap().state.bits.utility_fail);
        run_command(&sim, "silent");
        assert_eq!(sim.lock().unwrap().fault, Fault::Silent);
        run_command(&sim, "answer");
        assert_eq!(sim.lock().unwrap().fault, Fault::None);
        run_command(&sim, "set input.voltage 221.5");
        assert_eq!(sim.lock().unwrap().state.input_voltage, Some(221.5));
        run_command(&sim, "test");
        assert!(sim.lock().unwrap().state.bits.test_in_progress);
        assert!(matches!(run_command(&sim, "charge x"), Reply::Text(t) if t.starts_with("error")));
        assert!(matches!(run_command(&sim, "frob"), Reply::Text(t) if t.starts_with("error")));
        assert!(matches!(run_command(&sim, "status"), Reply::Text(t) if t.contains("on line")));
        assert_eq!(run_command(&sim, "quit"), Reply::Quit);
    }

    #[test]
    fn help_lists_the_protocols_and_commands() {
        let text = help_text();
        assert!(text.contains("voltronic") && text.contains("q1"));
        assert!(text.contains("silent") && text.contains("charge N"));
        assert!(!text.contains("PROTOCOLS"));
    }
}
