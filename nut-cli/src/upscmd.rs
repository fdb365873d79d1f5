//! `upscmd`: list or run a UPS's instant commands.
//!
//! The order of events is NUT 2.8.0's, because it shows in the output: the
//! connection comes first (so a bad host fails before any prompt), then
//! `-l`, then the usage if no command was given (exit 0), then the old-name
//! check, the prompts for missing credentials, `USERNAME`/`PASSWORD`,
//! `SET TRACKING ON` with `-w`, and finally `INSTCMD <ups> <cmd> [<value>]`
//! with the value unquoted, as NUT sends it (so a value with spaces is split
//! by upsd's tokenizer and then dropped by upsd). After a plain `OK`, NUT
//! 2.8.1+ warns that the result is unknown unless
//! `NUT_QUIET_OK_NOTRACKING=true`; 2.8.0 does not.

use std::time::Duration;

use crate::admin::{self, DEFAULT_TRACKING_TIMEOUT, Tracking, UPSCMD};
use crate::connect::{Connector, Encryption, Endpoint};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::getopt::{Getopt, Opt};
use crate::session::Session;
use crate::target;
use crate::{NUT_VERSION, program_name};

/// The usage text, with `prog` as the program name.
pub fn usage(prog: &str) -> String {
    format!(
        "Network UPS Tools upscmd {NUT_VERSION}\n\
\n\
usage: {prog} [-h]\n\
\x20      {prog} [-l <ups>]\n\
\x20      {prog} [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups> <command> [<value>]\n\
\n\
Administration program to initiate instant commands on UPS hardware.\n\
\n\
\x20 -h\t\tdisplay this help text\n\
\x20 -l <ups>\tshow available commands on UPS <ups>\n\
\x20 -u <username>\tset username for command authentication\n\
\x20 -p <password>\tset password for command authentication\n\
\x20 -w            wait for the completion of command by the driver\n\
\x20               and return its actual result from the device\n\
\x20 -t <timeout>\tset a timeout when using -w (in seconds, default: {DEFAULT_TRACKING_TIMEOUT})\n\
\n\
\x20 <ups>\t\tUPS identifier - <upsname>[@<hostname>[:<port>]]\n\
\x20 <command>\tValid instant command - test.panel.start, etc.\n\
\x20 [<value>]\tAdditional data for command - number of seconds, etc.\n"
    )
}

/// Settings read from the command line.
#[derive(Debug, Default)]
struct Options {
    list: bool,
    user: Option<String>,
    password: Option<String>,
    wait: bool,
    timeout: u32,
}

/// Runs upscmd with `args` (`argv[0]` first). `quiet_ok` reflects
/// `NUT_QUIET_OK_NOTRACKING=true`.
pub fn run(
    args: &[String],
    console: &mut Console<'_>,
    connector: &dyn Connector,
    quiet_ok: bool,
) -> Result<()> {
    let argv0 = args.first().map_or("upscmd", String::as_str);
    let prog = program_name(argv0);
    let rest = args.get(1..).unwrap_or(&[]);
    let mut options = Options {
        timeout: DEFAULT_TRACKING_TIMEOUT,
        ..Options::default()
    };
    let mut getopt = Getopt::new("lhu:p:t:wV", rest);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag('l') => options.list = true,
            Opt::Arg('u', user) => options.user = Some(user),
            Opt::Arg('p', password) => options.password = Some(password),
            Opt::Arg('t', text) => options.timeout = admin::parse_timeout(&text)?,
            Opt::Flag('w') => options.wait = true,
            Opt::Flag('V') => {
                return Err(Error::Fatal {
                    message: format!("Network UPS Tools upscmd {NUT_VERSION}"),
                    code: 0,
                });
            }
            other => {
                if let Some(diagnostic) = other.diagnostic(argv0) {
                    writeln!(console.err, "{diagnostic}")?;
                }
                console.out.write_all(usage(&prog).as_bytes())?;
                return Ok(());
            }
        }
    }
    let operands = getopt.operands();
    let Some(ups_text) = operands.first() else {
        console.out.write_all(usage(&prog).as_bytes())?;
        return Ok(());
    };
    let target = target::split_name(ups_text).map_err(|e| {
        Error::fatal(format!(
            "{e}\nError: invalid UPS definition.  Required format: upsname[@hostname[:port]]"
        ))
    })?;
    let timeout = Duration::from_secs(u64::from(options.timeout));
    let endpoint = Endpoint {
        read_wait: Some(timeout),
        ..Endpoint::new(&target.host, target.port, Encryption::Off)
    };
    let mut session = connector
        .connect(endpoint, console.err)
        .map_err(|e| Error::fatal(format!("Error: {e}")))?;
    let session = session.as_mut();
    if options.list {
        return list_commands(session, console, &target.ups);
    }
    let Some(command) = operands.get(1) else {
        console.out.write_all(usage(&prog).as_bytes())?;
        return Ok(());
    };
    if !command.contains('.') {
        return Err(Error::fatal("Error: old command names are not supported"));
    }
    let user = match options.user {
        Some(user) => user,
        None => admin::prompt_username(console, UPSCMD)?,
    };
    let password = match options.password {
        Some(password) => password,
        None => admin::prompt_password(console)?,
    };
    admin::send_credentials(session, &user, &password, UPSCMD)?;
    if options.wait {
        admin::enable_tracking(session, UPSCMD)?;
    }
    let line = match operands.get(2) {
        Some(value) => format!("INSTCMD {} {command} {value}", target.ups),
        None => format!("INSTCMD {} {command}", target.ups),
    };
    let tracking = Tracking {
        enabled: options.wait,
        timeout,
        poll_interval: admin::TRACKING_POLL_INTERVAL,
        quiet_ok,
    };
    admin::send_request(session, console, &line, tracking, UPSCMD)
}

/// `-l`: the command list, then one description per command (a command
/// whose description cannot be read is printed bare).
pub fn list_commands(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    ups: &str,
) -> Result<()> {
    let commands = session.list_cmd(ups).map_err(|e| {
        if e.unknown_command {
            Error::fatal("Error: upsd is too old to support this query")
        } else {
            Error::fatal(format!("Error: {e}"))
        }
    })?;
    write!(
        console.out,
        "Instant commands supported on UPS [{ups}]:\n\n"
    )?;
    for command in &commands {
        match session.get_cmddesc(ups, command) {
            Ok(description) => writeln!(console.out, "{command} - {description}")?,
            Err(_) => writeln!(console.out, "{command}")?,
        }
    }
    Ok(())
}
