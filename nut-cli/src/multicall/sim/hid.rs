//! `nut sim hid`: a simulated USB HID UPS with our `usbhid-ups` driving
//! it, in this process, serving the driver socket that upsd reads; the
//! device state changes with commands on stdin (`ob`, `lb`, `charge 40`,
//! `unplug`, `replug`, …).
//!
//! The driver is the `usbhid-ups` program itself (options, poll loop,
//! reconnects, socket, signals), run in the foreground with `-s <ups>`;
//! only its bus is the simulated one. So our upsd (or NUT's) and any
//! client see exactly what they would see from a real UPS behind
//! `usbhid-ups`, including `Data stale` while the cable is out.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::ExitCode;

use nut_server::runtime::program::{self, Environment};

use crate::drivers::usbhid::sim::{self, COMMANDS_HELP, SimControl};
use crate::drivers::usbhid::{PROGRAM, UsbHidUpsProgram};

/// The UPS name when `--ups` is not given.
pub(crate) const DEFAULT_UPS: &str = "hidsim";
/// Longest poll interval accepted with `-i` (the driver's own limit is
/// larger; a simulation polling once an hour is a mistake).
const MAX_POLLINTERVAL: u32 = 3600;

/// `nut sim hid` usage.
pub(crate) const USAGE: &str = "\
usage: nut sim hid [builtin|FILE] [--ups NAME] [--statepath DIR]
                   [--vid-pid VVVV:PPPP] [-i SECONDS] [-- DRIVER-ARGS...]

Runs a simulated USB HID UPS and our usbhid-ups driving it, in this
process, until Ctrl-C (or `quit` on stdin). The driver serves its socket
DIR/usbhid-ups-NAME (DIR: --statepath, else NUT_STATEPATH, else
/run/nut), so upsd with this ups.conf section sees the UPS:

  [NAME]
    driver = usbhid-ups
    port = auto

The device serves FILE, a report descriptor (binary or hex text, such as
the corpus's VVVV-PPPP-<model>.hex; the USB IDs come from that name or
--vid-pid; a bare name is also looked up under $NUT_RS_HID_CORPUS), or
the built-in APC-like Back-UPS (default). NAME defaults to
hidsim, -i (poll interval) to 2. DRIVER-ARGS go to usbhid-ups as given
(e.g. -- -x pollonly -D).

";

struct Options {
    spec: String,
    ups: String,
    statepath: Option<PathBuf>,
    ids: Option<(String, String)>,
    pollinterval: u32,
    driver_args: Vec<String>,
}

fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        spec: sim::BUILTIN.to_owned(),
        ups: DEFAULT_UPS.to_owned(),
        statepath: None,
        ids: None,
        pollinterval: 2,
        driver_args: Vec::new(),
    };
    let mut spec = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--ups" => options.ups = value("--ups")?,
            "--statepath" => options.statepath = Some(PathBuf::from(value("--statepath")?)),
            "--vid-pid" => {
                let ids = value("--vid-pid")?;
                let (vid, pid) = ids
                    .split_once(':')
                    .filter(|(v, p)| v.len() == 4 && p.len() == 4)
                    .ok_or_else(|| format!("--vid-pid {ids}: expected VVVV:PPPP"))?;
                options.ids = Some((vid.to_owned(), pid.to_owned()));
            }
            "-i" => {
                let text = value("-i")?;
                options.pollinterval = text
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_POLLINTERVAL).contains(n))
                    .ok_or_else(|| {
                        format!("-i {text}: expected 1 to {MAX_POLLINTERVAL} seconds")
                    })?;
            }
            "--" => {
                options.driver_args = rest.cloned().collect();
                break;
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other if spec.is_none() => spec = Some(other.to_owned()),
            _ => return Err("more than one descriptor given".to_owned()),
        }
    }
    if let Some(spec) = spec {
        options.spec = spec;
    }
    let valid_name = !options.ups.is_empty()
        && options.ups.len() <= 64
        && options
            .ups
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid_name {
        return Err(format!(
            "--ups {}: use 1 to 64 of [A-Za-z0-9_-]",
            options.ups
        ));
    }
    Ok(Some(options))
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Answers stdin commands until its end; `quit` stops the driver (as
/// SIGTERM does, so the socket is cleaned up).
fn serve_stdin(control: &SimControl) {
    let stdout = std::io::stdout();
    for line in BufReader::new(std::io::stdin()).lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if matches!(line, "quit" | "exit") {
            let _ = signal_hook::low_level::raise(signal_hook::consts::SIGTERM);
            break;
        }
        let answer = match control.apply(line) {
            Ok(text) if text.is_empty() => continue,
            Ok(text) => format!("ok: {text}"),
            Err(text) => format!("error: {text}"),
        };
        let mut out = stdout.lock();
        if writeln!(out, "{answer}")
            .and_then(|()| out.flush())
            .is_err()
        {
            break;
        }
    }
}

/// Runs `nut sim hid` with the words after `hid`.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}{COMMANDS_HELP}  quit              stop the simulation");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprint!("nut sim hid: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (vid, pid) = options
        .ids
        .as_ref()
        .map_or((None, None), |(v, p)| (Some(v.as_str()), Some(p.as_str())));
    let spec = match sim::load(&options.spec, vid, pid) {
        Ok(spec) => spec,
        Err(message) => {
            eprintln!("nut sim hid: {message}");
            return ExitCode::FAILURE;
        }
    };
    let (bus, unit) = match sim::bus(&spec) {
        Ok(pair) => pair,
        Err(message) => {
            eprintln!("nut sim hid: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut env = Environment::from_process();
    env.reexec = None;
    if let Some(dir) = &options.statepath {
        env.paths.statepath.clone_from(dir);
        env.paths.altpidpath.clone_from(dir);
    }
    let socket = env.paths.socket(PROGRAM, &options.ups);
    println!(
        "nut sim hid: simulated UPS {:04x}:{:04x} from {} as [{}]\n\
         driver socket: {} (poll interval {} s)\n\
         type commands on stdin (help lists them)",
        spec.info.vendor_id,
        spec.info.product_id,
        spec.source,
        options.ups,
        socket.display(),
        options.pollinterval
    );
    let control = SimControl::new(bus.clone(), unit);
    if let Err(e) = std::thread::Builder::new()
        .name("hid-sim-stdin".to_owned())
        .spawn(move || serve_stdin(&control))
    {
        eprintln!("nut sim hid: can't read commands: {e}");
        return ExitCode::FAILURE;
    }
    let mut driver_args = vec![
        "-s".to_owned(),
        options.ups.clone(),
        "-x".to_owned(),
        "port=auto".to_owned(),
        "-F".to_owned(),
        "-i".to_owned(),
        options.pollinterval.to_string(),
    ];
    if running_as_root() && !options.driver_args.iter().any(|a| a == "-u") {
        // A driver started as root switches to the packaged `nut` user,
        // which may not be able to write a private state directory.
        driver_args.extend(["-u".to_owned(), "root".to_owned()]);
    }
    driver_args.extend(options.driver_args);
    let program = UsbHidUpsProgram { sim: Some(bus) };
    ExitCode::from(program::run(&program, PROGRAM, &driver_args, env))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn defaults_and_options() {
        let options = parse(&[]).expect("valid").expect("runs");
        assert_eq!(
            (
                options.spec.as_str(),
                options.ups.as_str(),
                options.pollinterval
            ),
            ("builtin", DEFAULT_UPS, 2)
        );
        let options = parse(&args(&[
            "x.hex",
            "--ups",
            "myups",
            "-i",
            "1",
            "--vid-pid",
            "0764:0501",
            "--",
            "-D",
            "-x",
            "pollonly",
        ]))
        .expect("valid")
        .expect("runs");
        assert_eq!(options.spec, "x.hex");
        assert_eq!(options.ups, "myups");
        assert_eq!(options.pollinterval, 1);
        assert_eq!(options.ids, Some(("0764".to_owned(), "0501".to_owned())));
        assert_eq!(options.driver_args, args(&["-D", "-x", "pollonly"]));
        assert!(parse(&args(&["-h"])).expect("valid").is_none());
    }

    #[test]
    fn bad_options_are_refused() {
        for bad in [
            &["-i", "0"][..],
            &["-i", "3601"],
            &["-i"],
            &["--vid-pid", "764:501"],
            &["--ups", "a b"],
            &["--ups", ""],
            &["--bogus"],
            &["a.hex", "b.hex"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
        let limit = MAX_POLLINTERVAL.to_string();
        assert!(parse(&args(&["-i", &limit])).is_ok());
        let long = "u".repeat(64);
        assert!(parse(&args(&["--ups", &long])).is_ok());
        let longer = "u".repeat(65);
        assert!(parse(&args(&["--ups", &longer])).is_err());
    }
}
