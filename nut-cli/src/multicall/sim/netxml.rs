//! `nut sim netxml`: an Eaton/MGE NetXML card on loopback (HTTP/1.1)
//! serving a simulated UPS, whose state the user changes while it runs by
//! typing commands on stdin (on battery, low battery, charge, any object;
//! the card can also be made to fail).
//!
//! The server is [`nut_snmp::netxml::sim::Simulator`]; this module adds
//! the command line and the console.

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use nut_snmp::netxml::device::Device;
use nut_snmp::netxml::sim::{Availability, Shared, SimState, Simulator, lock};

/// Default TCP port (unprivileged; netxml-ups takes
/// `port=http://127.0.0.1:18080`).
pub(crate) const DEFAULT_PORT: u16 = 18080;

const HELP: &str = "usage: nut sim netxml [--port N | --listen ADDR:PORT] [--login USER:PASSWORD]

A NetXML card (HTTP) for netxml-ups, on 127.0.0.1:18080 by default (--port 0:
any free port; the first line printed names the URL). It serves a single-phase
Eaton UPS behind a Network Management Card: /mgeups/product.xml, the summary
page /upsprop.xml, the object page /getvalue.cgi, the configure page
/config.xml, the SET_OBJECT form /Forms/set_obj_2 (sets of writable objects
act on the device) and alarm subscriptions at /ECV.cgi (netxml-ups -x
subscribe: each changed object is then pushed as an ALARM message). With
--login every request needs those HTTP Basic credentials.

Commands on stdin change the card while it runs (netxml-ups sees them at its
next poll):
  ol                   on line, charging
  ob                   on battery, discharging
  lb                   battery low
  charge N             battery charge in %
  runtime N            battery runtime in seconds
  load N               output load in %
  set OBJECT VALUE     any XML object (e.g. UPS.PowerSummary.PresentStatus.Overload 1)
  get OBJECT           print one object
  down                 close every connection without an answer (unreachable card)
  error N              answer every request with HTTP status N
  up                   answer normally again
  help                 this list
  quit                 stop (also end of input)

Then, for example:
  netxml-ups -s card -x port=http://127.0.0.1:18080 -D
";

#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    credentials: Option<(String, String)>,
}

fn parse_args(args: &[String]) -> Result<Option<Args>, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT));
    let mut credentials = None;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let mut value = |name: &str| {
            words
                .next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match word.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let text = value("--port")?;
                let port = text
                    .parse::<u16>()
                    .map_err(|_| format!("--port {text}: not a port number"))?;
                listen.set_port(port);
            }
            "--listen" => {
                let text = value("--listen")?;
                listen = text
                    .parse()
                    .map_err(|_| format!("--listen {text}: not ADDR:PORT"))?;
            }
            "--login" => {
                let text = value("--login")?;
                let (user, password) = text
                    .split_once(':')
                    .ok_or_else(|| "--login needs USER:PASSWORD".to_owned())?;
                credentials = Some((user.to_owned(), password.to_owned()));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Some(Args {
        listen,
        credentials,
    }))
}

/// Runs `nut sim netxml` with `args` (the words after `netxml`).
pub(crate) fn main(args: &[String]) -> ExitCode {
    let args = match parse_args(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("nut sim netxml: {e}\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let state = SimState {
        device: Device::ups(),
        credentials: args.credentials,
        ..SimState::default()
    };
    // The server runs on a thread of its own (a current-thread runtime that
    // never returns); this thread reads the console.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let listen = args.listen;
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                let _ = ready_tx.send(Err(format!("can't start the runtime: {e}")));
                return;
            }
        };
        runtime.block_on(async move {
            match Simulator::bind(listen, state).await {
                Ok(simulator) => {
                    let _ = ready_tx.send(Ok((simulator.url(), simulator.shared().clone())));
                    std::future::pending::<()>().await;
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("can't listen on tcp {listen}: {e}")));
                }
            }
        });
    });
    let (url, shared) = match ready_rx.recv() {
        Ok(Ok(ready)) => ready,
        Ok(Err(e)) => {
            eprintln!("nut sim netxml: {e}");
            return ExitCode::FAILURE;
        }
        Err(_) => {
            eprintln!("nut sim netxml: the server thread stopped");
            return ExitCode::FAILURE;
        }
    };
    println!("NetXML card simulator on {url}");
    println!("type 'help' for the commands that change the card");
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match console(line, &shared) {
            Some(reply) => println!("{reply}"),
            None => break,
        }
    }
    ExitCode::SUCCESS
}

/// One console line; `None` to stop.
fn console(line: &str, shared: &Shared) -> Option<String> {
    let mut state = lock(shared);
    let mut words = line.split_whitespace();
    let reply = match (words.next().unwrap_or_default(), words.next()) {
        ("quit" | "exit", _) => return None,
        ("help", _) => HELP.to_owned(),
        ("down", _) => {
            state.availability = Availability::Drop;
            "card unreachable (connections closed)".to_owned()
        }
        ("up", _) => {
            state.availability = Availability::Up;
            "card answering".to_owned()
        }
        ("error", Some(code)) => match code.parse::<u16>() {
            Ok(code @ 100..=599) => {
                state.availability = Availability::Status(code);
                format!("card answers HTTP {code}")
            }
            _ => "usage: error N (an HTTP status, 100 to 599)".to_owned(),
        },
        _ => match state.device.command(line) {
            Ok(reply) | Err(reply) => reply,
        },
    };
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn arguments() {
        let args = parse_args(&words("--port 0 --login a:b"))
            .expect("valid")
            .expect("not help");
        assert_eq!(args.listen.port(), 0);
        assert_eq!(args.credentials, Some(("a".into(), "b".into())));
        assert!(parse_args(&words("--port x")).is_err());
        assert!(parse_args(&words("--login ab")).is_err());
        assert!(parse_args(&words("--bogus")).is_err());
        assert!(matches!(parse_args(&words("-h")), Ok(None)));
    }
}
