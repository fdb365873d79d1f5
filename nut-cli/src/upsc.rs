//! `upsc`: list UPSes, variables or clients of a upsd.
//!
//! Output, messages and exit codes are NUT 2.8.0's, including its quirks:
//! bad options print the usage and exit 0, `-V` prints
//! `Network UPS Tools upscmd <version>` (sic) on stderr, and a variable name
//! without a dot is refused only after connecting. `-j` (JSON output) comes
//! from NUT 2.8.5 and `-W <secs>` (connect timeout) from 2.8.1; neither
//! exists in 2.8.0, and the usage text stays 2.8.0's.
//!
//! One deliberate difference: when the server closes the connection in the
//! middle of a LIST, NUT 2.8.0 prints what it got and exits 0; we print
//! `Error: Server disconnected` and exit 1, so a truncated listing is never
//! mistaken for a complete one.

use nut_proto::client::{DEFAULT_HOST, Target};

use crate::connect::{
    Connector, Encryption, Endpoint, invalid_timeout_message, parse_connect_timeout,
};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::getopt::{Getopt, Opt};
use crate::json;
use crate::program::{Invocation, NUT_VERSION, upscmd_version};
use crate::session::{Session, UpsdError};

/// What to list or show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `-l` (names) or `-L` (names and descriptions).
    Upses { descriptions: bool },
    /// `-c`: logged-in clients.
    Clients,
    /// `<ups>` or `<ups> <var>`.
    Vars,
}

/// The usage text, with `prog` as the program name.
pub fn usage(prog: &str) -> String {
    format!(
        "Network UPS Tools upsc {NUT_VERSION}\n\
\n\
usage: {prog} -l | -L [<hostname>[:port]]\n\
\x20      {prog} <ups> [<variable>]\n\
\x20      {prog} -c <ups>\n\
\n\
Demo program to display UPS variables.\n\
\n\
First form (lists UPSes):\n\
\x20 -l         - lists each UPS on <hostname>, one per line.\n\
\x20 -L         - lists each UPS followed by its description (from ups.conf).\n\
\x20              Default hostname: localhost\n\
\n\
Second form (lists variables and values):\n\
\x20 <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form\n\
\x20 <variable> - optional, display this variable only.\n\
\x20              Default: list all variables for <host>\n\
\n\
Third form (lists clients connected to a device):\n\
\x20 -c         - lists each client connected on <ups>, one per line.\n\
\x20 <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form\n"
    )
}

/// Runs upsc with `args` (`argv[0]` first).
pub fn run(args: &[String], console: &mut Console<'_>, connector: &dyn Connector) -> Result<()> {
    let call = Invocation::new(args, "upsc");
    let (mut list_upses_flag, mut descriptions, mut clients) = (false, false, false);
    let mut json_output = false;
    let mut timeout_text = None;
    let mut getopt = Getopt::new("hlLcjVW:", call.rest);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag('L') => (list_upses_flag, descriptions) = (true, true),
            Opt::Flag('l') => list_upses_flag = true,
            Opt::Flag('c') => clients = true,
            Opt::Flag('j') => json_output = true,
            Opt::Flag('V') => return Err(upscmd_version()),
            Opt::Arg('W', text) => timeout_text = Some(text),
            other => return call.print_usage(console, &other, &usage(&call.prog)),
        }
    }
    // Checked after the options, as NUT does; its JSON error is one line.
    let connect_timeout = match timeout_text {
        Some(text) => Some(parse_connect_timeout(&text).ok_or_else(|| {
            let out = Output {
                json: json_output,
                single_value: true,
            };
            out.fail(console, None, &invalid_timeout_message(&text))
        })?),
        None => None,
    };
    // -l/-L win over -c whatever the order, as in NUT.
    let mode = if list_upses_flag {
        Mode::Upses { descriptions }
    } else if clients {
        Mode::Clients
    } else {
        Mode::Vars
    };
    let operands = getopt.operands();
    let out = Output {
        json: json_output,
        single_value: mode == Mode::Vars && operands.len() > 1,
    };
    let parsed = match (mode, operands.first()) {
        (Mode::Upses { .. }, text) => Target::parse_host(text.map_or(DEFAULT_HOST, String::as_str)),
        (Mode::Clients | Mode::Vars, Some(text)) => Target::parse(text),
        (Mode::Clients | Mode::Vars, None) => {
            const INVALID: &str =
                "invalid UPS definition.\nRequired format: upsname[@hostname[:port]]";
            return Err(out.fail(console, None, INVALID));
        }
    };
    let target = parsed.map_err(|e| {
        let diagnostic = e.nut_diagnostic();
        out.fail(console, diagnostic.as_deref(), e.nut_message())
    })?;
    let ups = target.ups.as_deref().unwrap_or_default();
    let mut session = connector
        .connect(
            Endpoint::to(&target, Encryption::Try).with_connect_timeout(connect_timeout),
            console.err,
        )
        .map_err(|e| out.fail(console, None, &e.message))?;
    let session = session.as_mut();
    match mode {
        Mode::Upses { descriptions } => list_upses(session, console, out, descriptions),
        Mode::Clients => list_clients(session, console, out, ups),
        Mode::Vars => match operands.get(1) {
            Some(var) => print_var(session, console, out, ups, var),
            None => list_vars(session, console, out, ups),
        },
    }
}

/// How results and errors are printed.
#[derive(Debug, Clone, Copy)]
struct Output {
    json: bool,
    /// `<ups> <var>`: JSON errors use the one-line form.
    single_value: bool,
}

impl Output {
    /// Prints the JSON error object if needed, and builds the fatal error
    /// `Error: <message>` (preceded by libupsclient's diagnostic line).
    fn fail(self, console: &mut Console<'_>, diagnostic: Option<&str>, message: &str) -> Error {
        if self.json {
            let object = if self.single_value {
                json::error_inline(message)
            } else {
                json::error_block(message)
            };
            if let Err(e) = writeln!(console.out, "{object}") {
                return e.into();
            }
        }
        let text = match diagnostic {
            Some(line) => format!("{line}\nError: {message}"),
            None => format!("Error: {message}"),
        };
        Error::fatal(text)
    }

    /// The fatal error for a failed query; `too_old` is NUT's wording when
    /// the server does not know the command.
    fn query_failed(self, console: &mut Console<'_>, e: &UpsdError, too_old: &str) -> Error {
        if e.unknown_command {
            self.fail(console, None, too_old)
        } else {
            self.fail(console, None, &e.message)
        }
    }
}

const TOO_OLD: &str = "upsd is too old to support this query";

fn list_upses(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    out: Output,
    descriptions: bool,
) -> Result<()> {
    let upses = session
        .list_ups()
        .map_err(|e| out.query_failed(console, &e, TOO_OLD))?;
    if out.json {
        let text = if descriptions {
            json::object(upses.iter().map(|(n, d)| (n.as_str(), d.as_str())))
        } else {
            json::array(upses.iter().map(|(n, _)| n.as_str()))
        };
        writeln!(console.out, "{text}")?;
        return Ok(());
    }
    for (name, description) in &upses {
        if descriptions {
            writeln!(console.out, "{name}: {description}")?;
        } else {
            writeln!(console.out, "{name}")?;
        }
    }
    Ok(())
}

fn list_clients(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    out: Output,
    ups: &str,
) -> Result<()> {
    let clients = session
        .list_client(ups)
        .map_err(|e| out.query_failed(console, &e, TOO_OLD))?;
    if out.json {
        writeln!(
            console.out,
            "{}",
            json::array(clients.iter().map(String::as_str))
        )?;
        return Ok(());
    }
    for client in &clients {
        writeln!(console.out, "{client}")?;
    }
    Ok(())
}

fn list_vars(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    out: Output,
    ups: &str,
) -> Result<()> {
    let vars = session
        .list_var(ups)
        .map_err(|e| out.query_failed(console, &e, TOO_OLD))?;
    if out.json {
        let text = json::object(vars.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        writeln!(console.out, "{text}")?;
        return Ok(());
    }
    for (name, value) in &vars {
        writeln!(console.out, "{name}: {value}")?;
    }
    Ok(())
}

fn print_var(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    out: Output,
    ups: &str,
    var: &str,
) -> Result<()> {
    if !var.contains('.') {
        return Err(out.fail(console, None, "old-style variable names are not supported"));
    }
    let value = session
        .get_var(ups, var)
        .map_err(|e| out.query_failed(console, &e, "variable unknown (old upsd detected)"))?;
    if out.json {
        writeln!(console.out, "{}", json::string(&value))?;
    } else {
        writeln!(console.out, "{value}")?;
    }
    Ok(())
}
