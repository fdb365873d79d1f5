//! What upscmd and upsrw share: asking for credentials, sending them, sending
//! the request, and waiting for its tracked result (`-w`).
//!
//! Both programs talk raw lines here, as NUT's do: the replies to `USERNAME`
//! and `PASSWORD` are read but not checked (a wrong password shows up later as
//! `ERR ACCESS-DENIED`), and any reply to `INSTCMD`/`SET` that does not start
//! with `OK` ends the program with `Unexpected response from upsd: <line>`.
//! Only the wording of some messages differs between the two programs; it is
//! carried by [`Wording`].

use std::time::{Duration, Instant};

use nut_proto::client::Target;

use crate::connect::{Connector, Encryption, Endpoint, invalid_ups_message};
use crate::console::{Console, PROMPT_BUFFER, login_name};
use crate::error::{Error, Result};
use crate::getopt::Opt;
use crate::session::{Session, UpsdError};

/// NUT's default for `-t`: seconds to wait for a tracked result.
pub const DEFAULT_TRACKING_TIMEOUT: u32 = 10;

/// How long NUT waits between two `GET TRACKING` polls.
pub const TRACKING_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Length of the reply `OK TRACKING <uuid4>`; other `OK` replies are printed
/// as they are, even with `-w`.
const TRACKING_REPLY_LEN: usize = "OK TRACKING ".len() + 36;

/// Environment variable that silences the "OK only means accepted" warning.
pub const QUIET_OK_ENV: &str = "NUT_QUIET_OK_NOTRACKING";

/// The warning NUT 2.8.1+ prints after a plain `OK` (NUT 2.8.0 prints only
/// `OK`).
pub const OK_WARNING: &str = "WARNING: 'OK' only means the NUT data server accepted\n\
the request as valid, but as we did not wait for result,\n\
we do not know if it was handled in fact.\n\
You can export NUT_QUIET_OK_NOTRACKING=true to hide this message,\n\
or use -w [-t SEC] option(s) to track the actual outcome.";

/// The words that differ between upscmd and upsrw messages.
#[derive(Debug, Clone, Copy)]
pub struct Wording {
    /// What the request is called in tracking messages: `command` (upscmd)
    /// or `set variable` (upsrw).
    pub tracked: &'static str,
    /// Prefix when sending the request fails.
    pub send_failed: &'static str,
    /// Prefix when reading the reply fails.
    pub reply_failed: &'static str,
    /// Whether end of input at the user name prompt is fatal (upscmd) or
    /// means "use the login name" (upsrw).
    pub eof_at_username_is_fatal: bool,
    /// The text after `Set username failed due to an unknown command.`
    pub upgrade_hint: &'static str,
}

/// upscmd's wording.
pub const UPSCMD: Wording = Wording {
    tracked: "command",
    send_failed: "Can't send instant command",
    reply_failed: "Instant command failed",
    eof_at_username_is_fatal: true,
    upgrade_hint: "\nYou probably need to upgrade upsd.",
};

/// upsrw's wording.
pub const UPSRW: Wording = Wording {
    tracked: "set variable",
    send_failed: "Can't set variable",
    reply_failed: "Set variable failed",
    eof_at_username_is_fatal: false,
    upgrade_hint: " You probably need to upgrade upsd.",
};

/// The options upscmd and upsrw share: `-u`, `-p`, `-w` and `-t`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminOptions {
    /// `-u`: the user name (prompted for when missing).
    pub user: Option<String>,
    /// `-p`: the password (prompted for when missing).
    pub password: Option<String>,
    /// `-w`: wait for the tracked result.
    pub wait: bool,
    /// `-t`: seconds to wait for it, and for each reply.
    pub timeout: u32,
}

impl Default for AdminOptions {
    fn default() -> Self {
        Self {
            user: None,
            password: None,
            wait: false,
            timeout: DEFAULT_TRACKING_TIMEOUT,
        }
    }
}

impl AdminOptions {
    /// Takes `opt` when it is one of the shared options; `Ok(false)` when
    /// it is not.
    ///
    /// # Errors
    ///
    /// NUT's fatal message for a `-t` that is not an unsigned number.
    pub fn take(&mut self, opt: &Opt) -> Result<bool> {
        match opt {
            Opt::Arg('u', user) => self.user = Some(user.clone()),
            Opt::Arg('p', password) => self.password = Some(password.clone()),
            Opt::Arg('t', text) => self.timeout = parse_timeout(text)?,
            Opt::Flag('w') => self.wait = true,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `-t` as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.timeout))
    }

    /// How the request ends: with `-w`, waiting up to `-t`.
    pub fn tracking(&self, quiet_ok: bool) -> Tracking {
        Tracking {
            enabled: self.wait,
            timeout: self.timeout(),
            poll_interval: TRACKING_POLL_INTERVAL,
            quiet_ok,
        }
    }

    /// The user name and password, prompting for what `-u`/`-p` did not
    /// give (user name first), as NUT does.
    ///
    /// # Errors
    ///
    /// NUT's fatal messages when a prompt cannot be answered.
    pub fn credentials(
        &mut self,
        console: &mut Console<'_>,
        wording: Wording,
    ) -> Result<(String, String)> {
        let user = match self.user.take() {
            Some(user) => user,
            None => prompt_username(console, wording)?,
        };
        let password = match self.password.take() {
            Some(password) => password,
            None => prompt_password(console)?,
        };
        Ok((user, password))
    }
}

/// Reads the `<ups>` operand and connects to its upsd in clear text, within
/// `connect_timeout` (`-W`), with replies awaited up to `timeout` (`-t`);
/// returns the UPS name and the session.
///
/// # Errors
///
/// NUT's fatal messages for a bad `<ups>` or a failed connection.
pub fn connect(
    ups: &str,
    timeout: Duration,
    connect_timeout: Option<Duration>,
    connector: &dyn Connector,
    console: &mut Console<'_>,
) -> Result<(String, Box<dyn Session>)> {
    let target = Target::parse(ups).map_err(|e| Error::fatal(invalid_ups_message(&e)))?;
    let endpoint = Endpoint {
        read_wait: Some(timeout),
        connect_timeout,
        ..Endpoint::to(&target, Encryption::Off)
    };
    let session = connector
        .connect(endpoint, console.err)
        .map_err(|e| Error::fatal(format!("Error: {e}")))?;
    Ok((target.ups.unwrap_or_default(), session))
}

/// The fatal error when a listing (`upscmd -l`, `upsrw`) cannot start.
pub fn listing_failed(e: &UpsdError) -> Error {
    if e.unknown_command {
        Error::fatal("Error: upsd is too old to support this query")
    } else {
        Error::fatal(format!("Error: {e}"))
    }
}

/// `strerror`-style text of an I/O error (Rust's ` (os error N)` removed).
pub fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(pos) => text[..pos].to_owned(),
        None => text,
    }
}

/// Asks for the user name on stdout, NUT style: `Username (<login>): `; an
/// empty answer (or one character without newline) means the login name.
pub fn prompt_username(console: &mut Console<'_>, wording: Wording) -> Result<String> {
    let login = login_name();
    match &login {
        Some(name) => write!(console.out, "Username ({name}): ")?,
        None => write!(console.out, "Username: ")?,
    }
    console.out.flush()?;
    let answer = match console.input.read_line(PROMPT_BUFFER) {
        Ok(Some(line)) => line,
        Ok(None) | Err(_) if wording.eof_at_username_is_fatal => {
            return Err(Error::fatal("Error reading from stdin!"));
        }
        Ok(None) | Err(_) => String::new(),
    };
    // NUT drops the last character, newline or not, when there are two or more.
    if answer.len() > 1 {
        let mut name = answer;
        name.pop();
        return Ok(name);
    }
    login.ok_or_else(|| Error::fatal("No username available - even tried getpwuid"))
}

/// Asks for the password with `getpass`.
pub fn prompt_password(console: &mut Console<'_>) -> Result<String> {
    console
        .input
        .read_password("Password: ")
        .map_err(|e| Error::fatal(format!("getpass failed: {}", strerror(&e))))
}

/// Sends `USERNAME` and `PASSWORD`, reading (and ignoring) each reply.
pub fn send_credentials(
    session: &mut dyn Session,
    user: &str,
    password: &str,
    wording: Wording,
) -> Result<()> {
    if let Err(e) = session.request(&format!("USERNAME {user}")) {
        if e.while_sending {
            return Err(Error::fatal(format!("Can't set username: {e}")));
        }
        if e.unknown_command {
            return Err(Error::fatal(format!(
                "Set username failed due to an unknown command.{}",
                wording.upgrade_hint
            )));
        }
        return Err(Error::fatal(format!("Set username failed: {e}")));
    }
    match session.request(&format!("PASSWORD {password}")) {
        Ok(_) => Ok(()),
        Err(e) if e.while_sending => Err(Error::fatal(format!("Can't set password: {e}"))),
        Err(e) => Err(Error::fatal(format!("Set password failed: {e}"))),
    }
}

/// `SET TRACKING ON`, which must be answered with `OK`.
pub fn enable_tracking(session: &mut dyn Session, wording: Wording) -> Result<()> {
    let what = wording.tracked;
    let reply = session.request("SET TRACKING ON").map_err(|e| {
        if e.while_sending {
            Error::fatal(format!("Can't enable {what} status tracking: {e}"))
        } else {
            Error::fatal(format!("Enabling {what} status tracking failed: {e}"))
        }
    })?;
    if !reply.starts_with("OK") {
        return Err(Error::fatal(format!(
            "Enabling {what} status tracking failed. upsd answered: {reply}"
        )));
    }
    Ok(())
}

/// How the tracked request ends.
#[derive(Debug, Clone, Copy)]
pub struct Tracking {
    /// `-w` was given.
    pub enabled: bool,
    /// `-t`: the longest wait for a result.
    pub timeout: Duration,
    /// Pause between polls ([`TRACKING_POLL_INTERVAL`] outside tests).
    pub poll_interval: Duration,
    /// `NUT_QUIET_OK_NOTRACKING=true`: no warning after a plain `OK`.
    pub quiet_ok: bool,
}

/// With tracking, enables it; then sends the request line, checks the
/// reply and, with tracking, waits for the result; the final status line
/// goes to stderr as NUT prints it.
pub fn send_request(
    session: &mut dyn Session,
    console: &mut Console<'_>,
    line: &str,
    tracking: Tracking,
    wording: Wording,
) -> Result<()> {
    if tracking.enabled {
        enable_tracking(session, wording)?;
    }
    let reply = session.request(line).map_err(|e| {
        let prefix = if e.while_sending {
            wording.send_failed
        } else {
            wording.reply_failed
        };
        Error::fatal(format!("{prefix}: {e}"))
    })?;
    if !reply.starts_with("OK") {
        return Err(Error::fatal(format!(
            "Unexpected response from upsd: {reply}"
        )));
    }
    let tracking_id = reply
        .strip_prefix("OK TRACKING ")
        .filter(|_| tracking.enabled && reply.len() == TRACKING_REPLY_LEN);
    let Some(id) = tracking_id else {
        writeln!(console.err, "{reply}")?;
        if !tracking.quiet_ok {
            writeln!(console.err, "{OK_WARNING}")?;
        }
        return Ok(());
    };
    let result = wait_for_result(session, id, tracking)?;
    writeln!(console.err, "{result}")?;
    Ok(())
}

/// Polls `GET TRACKING <id>` until the answer is not `PENDING`.
fn wait_for_result(session: &mut dyn Session, id: &str, tracking: Tracking) -> Result<String> {
    const TIMEOUT: &str = "Can't receive status tracking information";
    let start = Instant::now();
    loop {
        // NUT compares whole seconds (time_t), as here.
        if start.elapsed().as_secs() >= tracking.timeout.as_secs() {
            return Err(Error::fatal(format!("{TIMEOUT}: timeout")));
        }
        let answer = session
            .request(&format!("GET TRACKING {id}"))
            .map_err(|e| {
                if e.while_sending {
                    Error::fatal(format!("Can't send status tracking request: {e}"))
                } else {
                    Error::fatal(format!("{TIMEOUT}: {e}"))
                }
            })?;
        if !answer.starts_with("PENDING") {
            return Ok(answer);
        }
        std::thread::sleep(tracking.poll_interval);
    }
}

/// Reads `-t <seconds>` as NUT's `str_to_uint` does: digits only, within
/// `u32`; the error text is NUT's, with `strerror(errno)` appended.
pub fn parse_timeout(text: &str) -> Result<u32> {
    const PREFIX: &str =
        "Could not convert the provided value for timeout ('-t' option) to unsigned int";
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::fatal(format!("{PREFIX}: Invalid argument")));
    }
    digits
        .parse::<u32>()
        .map_err(|_| Error::fatal(format!("{PREFIX}: Numerical result out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_parsing_matches_nut() {
        assert_eq!(parse_timeout("5").unwrap(), 5);
        assert_eq!(parse_timeout("0").unwrap(), 0);
        assert_eq!(parse_timeout("4294967295").unwrap(), u32::MAX);
        for bad in ["", "x", "5x", "-5", "1.5"] {
            assert!(
                parse_timeout(bad)
                    .unwrap_err()
                    .to_string()
                    .ends_with(": Invalid argument"),
                "{bad}"
            );
        }
        for big in ["4294967296", "99999999999"] {
            assert!(
                parse_timeout(big)
                    .unwrap_err()
                    .to_string()
                    .ends_with(": Numerical result out of range"),
                "{big}"
            );
        }
    }

    #[test]
    fn strerror_drops_the_os_error_suffix() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(strerror(&e), "No such file or directory");
        assert_eq!(strerror(&std::io::Error::other("x")), "x");
    }
}
