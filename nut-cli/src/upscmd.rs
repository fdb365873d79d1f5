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
//! `NUT_QUIET_OK_NOTRACKING=true`; 2.8.0 does not. `-W <secs>` (connect
//! timeout) also comes from 2.8.1+; the usage text stays 2.8.0's.

use crate::admin::{self, AdminOptions, DEFAULT_TRACKING_TIMEOUT, UPSCMD};
use crate::connect::{self, Connector};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::getopt::{Getopt, Opt};
use crate::program::{Invocation, NUT_VERSION, upscmd_version};
use crate::session::Session;

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

/// Runs upscmd with `args` (`argv[0]` first). `quiet_ok` reflects
/// `NUT_QUIET_OK_NOTRACKING=true`.
pub fn run(
    args: &[String],
    console: &mut Console<'_>,
    connector: &dyn Connector,
    quiet_ok: bool,
) -> Result<()> {
    let call = Invocation::new(args, "upscmd");
    let usage = usage(&call.prog);
    let mut options = AdminOptions::default();
    let mut list = false;
    let mut timeout_text = None;
    let mut getopt = Getopt::new("lhu:p:t:wVW:", call.rest);
    for opt in getopt.by_ref() {
        if options.take(&opt)? {
            continue;
        }
        match opt {
            Opt::Flag('l') => list = true,
            Opt::Flag('V') => return Err(upscmd_version()),
            Opt::Arg('W', text) => timeout_text = Some(text),
            other => return call.print_usage(console, &other, &usage),
        }
    }
    let connect_timeout = connect::connect_timeout_option(timeout_text.as_deref())?;
    let operands = getopt.operands();
    let Some(ups_text) = operands.first() else {
        console.out.write_all(usage.as_bytes())?;
        return Ok(());
    };
    let (ups, mut session) = admin::connect(
        ups_text,
        options.timeout(),
        connect_timeout,
        connector,
        console,
    )?;
    let session = session.as_mut();
    if list {
        return list_commands(session, console, &ups);
    }
    let Some(command) = operands.get(1) else {
        console.out.write_all(usage.as_bytes())?;
        return Ok(());
    };
    if !command.contains('.') {
        return Err(Error::fatal("Error: old command names are not supported"));
    }
    let (user, password) = options.credentials(console, UPSCMD)?;
    admin::send_credentials(session, &user, &password, UPSCMD)?;
    let line = match operands.get(2) {
        Some(value) => format!("INSTCMD {ups} {command} {value}"),
        None => format!("INSTCMD {ups} {command}"),
    };
    admin::send_request(session, console, &line, options.tracking(quiet_ok), UPSCMD)
}

/// `-l`: the command list, then one description per command (a command
/// whose description cannot be read is printed bare).
pub fn list_commands(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    ups: &str,
) -> Result<()> {
    let commands = session
        .list_cmd(ups)
        .map_err(|e| admin::listing_failed(&e))?;
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
