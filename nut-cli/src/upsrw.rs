//! `upsrw`: show a UPS's writable variables, or set one.
//!
//! The listing is printed variable by variable as the answers come, like
//! NUT's, so a failure half-way leaves the same partial output before the
//! same message. Setting follows NUT 2.8.0's order: connect, prompt for what
//! is missing (user name, password, then the value unless `-s VAR=VALUE`),
//! `USERNAME`/`PASSWORD`, the old-name check, `SET TRACKING ON` with `-w`, and
//! `SET VAR <ups> <var> "<value>"` with the value escaped.
//!
//! From NUT 2.8.1+: `-W <secs>` (connect timeout); the usage text stays
//! 2.8.0's.

use nut_proto::cnum::atoi;
use nut_proto::model::TypeWord;
use nut_proto::tokenizer::encode;

use crate::admin::{self, AdminOptions, DEFAULT_TRACKING_TIMEOUT, UPSRW};
use crate::connect::{self, Connector};
use crate::console::{Console, PROMPT_BUFFER};
use crate::error::{Error, Result};
use crate::getopt::{Getopt, Opt};
use crate::program::{Invocation, NUT_VERSION};
use crate::session::Session;

/// The usage text, with `prog` as the program name.
pub fn usage(prog: &str) -> String {
    format!(
        "Network UPS Tools {prog} {NUT_VERSION}\n\
\n\
usage: {prog} [-h]\n\
\x20      {prog} [-s <variable>] [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups>\n\
\n\
Demo program to set variables within UPS hardware.\n\
\n\
\x20 -h            display this help text\n\
\x20 -s <variable>\tspecify variable to be changed\n\
\t\tuse -s VAR=VALUE to avoid prompting for value\n\
\x20 -l            show all possible read/write variables.\n\
\x20 -u <username> set username for command authentication\n\
\x20 -p <password> set password for command authentication\n\
\x20 -w            wait for the completion of setting by the driver\n\
\x20               and return its actual result from the device\n\
\x20 -t <timeout>\tset a timeout when using -w (in seconds, default: {DEFAULT_TRACKING_TIMEOUT})\n\
\n\
\x20 <ups>         UPS identifier - <upsname>[@<hostname>[:<port>]]\n\
\n\
Call without -s to show all possible read/write variables (same as -l).\n"
    )
}

/// Runs upsrw with `args` (`argv[0]` first). `quiet_ok` reflects
/// `NUT_QUIET_OK_NOTRACKING=true`.
pub fn run(
    args: &[String],
    console: &mut Console<'_>,
    connector: &dyn Connector,
    quiet_ok: bool,
) -> Result<()> {
    let call = Invocation::new(args, "upsrw");
    let usage = usage(&call.prog);
    let mut options = AdminOptions::default();
    let mut set = None;
    let mut timeout_text = None;
    let mut getopt = Getopt::new("hls:p:t:u:wVW:", call.rest);
    for opt in getopt.by_ref() {
        if options.take(&opt)? {
            continue;
        }
        match opt {
            Opt::Arg('s', var) => set = Some(var),
            // Listing is what happens without -s anyway.
            Opt::Flag('l') => {}
            Opt::Flag('V') => {
                writeln!(console.out, "Network UPS Tools {} {NUT_VERSION}", call.prog)?;
                return Ok(());
            }
            Opt::Arg('W', text) => timeout_text = Some(text),
            other => return call.print_usage(console, &other, &usage),
        }
    }
    let connect_timeout = connect::connect_timeout_option(timeout_text.as_deref())?;
    let Some(ups_text) = getopt.operands().first() else {
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
    let Some(assignment) = set else {
        return list_writable(session, console, &ups);
    };
    let (user, password) = options.credentials(console, UPSRW)?;
    let (var, value) = match assignment.split_once('=') {
        Some((var, value)) => (var.to_owned(), value.to_owned()),
        None => {
            let value = prompt_value(console, &assignment)?;
            (assignment, value)
        }
    };
    admin::send_credentials(session, &user, &password, UPSRW)?;
    if !var.contains('.') {
        return Err(Error::fatal("Error: old variable names are not supported"));
    }
    let line = format!("SET VAR {ups} {var} \"{}\"", encode(&value));
    admin::send_request(session, console, &line, options.tracking(quiet_ok), UPSRW)
}

/// `Enter new value for <var>: `; NUT drops the answer's last character
/// (normally its newline) and treats end of input as an empty answer.
fn prompt_value(console: &mut Console<'_>, var: &str) -> Result<String> {
    write!(console.out, "Enter new value for {var}: ")?;
    console.out.flush()?;
    let mut value = console
        .input
        .read_line(PROMPT_BUFFER)
        .ok()
        .flatten()
        .unwrap_or_default();
    value.pop();
    Ok(value)
}

/// The listing: every writable variable with its description, type and
/// value (or options), each followed by a blank line.
pub fn list_writable(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    ups: &str,
) -> Result<()> {
    let vars = session
        .list_rw(ups)
        .map_err(|e| admin::listing_failed(&e))?;
    for (var, _) in &vars {
        writeln!(console.out, "[{var}]")?;
        match session.get_desc(ups, var) {
            Ok(description) => writeln!(console.out, "{description}")?,
            Err(_) => writeln!(console.out, "Description unavailable")?,
        }
        print_type(session, console, ups, var)?;
        writeln!(console.out)?;
    }
    Ok(())
}

/// What `ENUM` carries, as NUT's `ST_FLAG_*`.
#[derive(Debug, Clone, Copy)]
enum EnumKind {
    String {
        max_len: i32,
    },
    Number,
    /// An old upsd that sends `ENUM` alone.
    Unspecified,
}

/// NUT's `do_type`: reads the type words in order and prints the first
/// kind that settles it.
fn print_type(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    ups: &str,
    var: &str,
) -> Result<()> {
    let Ok(var_type) = session.get_type(ups, var) else {
        writeln!(console.out, "Unknown type")?;
        return Ok(());
    };
    let mut is_enum = false;
    for text in var_type.words() {
        match TypeWord::parse(text) {
            TypeWord::Enum => is_enum = true,
            TypeWord::Range => return print_range(session, console, ups, var),
            TypeWord::String { max_len } => {
                // C's (int)strtol: out-of-range lengths wrap like NUT's.
                let max_len = max_len as i32;
                if is_enum {
                    return print_enum(session, console, ups, var, EnumKind::String { max_len });
                }
                let value = current_value(session, ups, var, "do_string")?;
                write!(
                    console.out,
                    "Type: STRING\nMaximum length: {max_len}\nValue: {value}\n"
                )?;
                return Ok(());
            }
            TypeWord::Number => {
                if is_enum {
                    return print_enum(session, console, ups, var, EnumKind::Number);
                }
                let value = current_value(session, ups, var, "do_number")?;
                write!(console.out, "Type: NUMBER\nValue: {value}\n")?;
                return Ok(());
            }
            TypeWord::Rw => {}
            _ => writeln!(console.out, "Type: {text} (unrecognized)")?,
        }
    }
    if is_enum {
        print_enum(session, console, ups, var, EnumKind::Unspecified)?;
    }
    Ok(())
}

/// `GET VAR`, fatal with NUT's per-function message when it fails.
fn current_value(
    session: &mut dyn Session,
    ups: &str,
    var: &str,
    function: &str,
) -> Result<String> {
    session
        .get_var(ups, var)
        .map_err(|_| Error::fatal(format!("{function}: can't get current value of {var}")))
}

fn print_enum(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    ups: &str,
    var: &str,
    kind: EnumKind,
) -> Result<()> {
    let mut value = current_value(session, ups, var, "do_enum")?;
    // NUT compares against a copy held in a SMALLBUF.
    truncate_bytes(&mut value, PROMPT_BUFFER - 1);
    let options = session
        .list_enum(ups, var)
        .map_err(|e| Error::fatal(format!("Error: {e}")))?;
    match kind {
        EnumKind::String { max_len } => {
            write!(
                console.out,
                "Type: ENUM STRING\nMaximum length: {max_len}\n"
            )?;
        }
        EnumKind::Number => writeln!(console.out, "Type: ENUM NUMBER")?,
        EnumKind::Unspecified => writeln!(console.out, "Type: ENUM")?,
    }
    for option in &options {
        let selected = if *option == value { " SELECTED" } else { "" };
        writeln!(console.out, "Option: \"{option}\"{selected}")?;
    }
    Ok(())
}

fn print_range(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    ups: &str,
    var: &str,
) -> Result<()> {
    let value = current_value(session, ups, var, "do_range")?;
    let current = atoi(&value);
    let ranges = session
        .list_range(ups, var)
        .map_err(|e| Error::fatal(format!("Error: {e}")))?;
    writeln!(console.out, "Type: RANGE NUMBER")?;
    for (min, max) in &ranges {
        let (min, max) = (atoi(min), atoi(max));
        let selected = if (min..=max).contains(&current) {
            " SELECTED"
        } else {
            ""
        };
        writeln!(console.out, "Option: \"{min}-{max}\"{selected}")?;
    }
    Ok(())
}

/// Cuts `text` to at most `max` bytes, on a character boundary.
fn truncate_bytes(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}
