//! The programs' standard streams and prompts.
//!
//! NUT reads answers to its prompts with `fgets()` on stdin (user name, new
//! value) and `getpass()` (password). glibc's `getpass` prompts on and reads
//! from the controlling terminal with echo off; without one (a pipe, cron,
//! CI) it writes the prompt to stderr and reads a line from stdin. [`Terminal`]
//! does the same, so `printf 'admin\nsecret\n' | upscmd ups cmd` works as it
//! does with NUT.

use std::fs::OpenOptions;
use std::io::{self, BufRead, Write};

/// NUT's `SMALLBUF`: its prompt buffers hold at most this many bytes minus one.
pub const PROMPT_BUFFER: usize = 512;

/// Where a program reads prompted answers from.
pub trait Input {
    /// C's `fgets(buf, limit, stdin)`: a line including its `\n`, or at most
    /// `limit - 1` bytes; `None` at end of input with nothing read.
    fn read_line(&mut self, limit: usize) -> io::Result<Option<String>>;
    /// C's `getpass(prompt)`: the answer without its newline (empty at end of
    /// input).
    fn read_password(&mut self, prompt: &str) -> io::Result<String>;
}

/// A program's output streams and input.
pub struct Console<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
    /// Prompt answers.
    pub input: &'a mut dyn Input,
}

impl std::fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Console")
    }
}

/// `fgets` over any buffered reader.
pub fn fgets(reader: &mut dyn BufRead, limit: usize) -> io::Result<Option<String>> {
    let max = limit.saturating_sub(1);
    let mut line = Vec::new();
    while line.len() < max {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let room = max - line.len();
        let window = &buf[..buf.len().min(room)];
        match window.iter().position(|&b| b == b'\n') {
            Some(pos) => {
                line.extend_from_slice(&window[..=pos]);
                reader.consume(pos + 1);
                break;
            }
            None => {
                let taken = window.len();
                line.extend_from_slice(window);
                reader.consume(taken);
            }
        }
    }
    if line.is_empty() {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Reads a password line from a pipe the way glibc's `getpass` does without a
/// terminal: everything up to the newline, which is dropped.
fn getpass_from(reader: &mut dyn BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// The real standard input and controlling terminal.
#[derive(Debug, Default)]
pub struct Terminal;

impl Input for Terminal {
    fn read_line(&mut self, limit: usize) -> io::Result<Option<String>> {
        fgets(&mut io::stdin().lock(), limit)
    }

    fn read_password(&mut self, prompt: &str) -> io::Result<String> {
        let has_tty = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok();
        if has_tty {
            return rpassword::prompt_password(prompt);
        }
        let mut err = io::stderr().lock();
        err.write_all(prompt.as_bytes())?;
        err.flush()?;
        getpass_from(&mut io::stdin().lock())
    }
}

/// The login name of the user running this process, as `getpwuid(getuid())`
/// would give it from the local user database (`/etc/passwd`).
///
/// The uid is that of `/proc/self` (Linux); `None` elsewhere or when the uid
/// has no entry, and NUT then prompts `Username: ` without a default.
pub fn login_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd_name(&passwd, uid)
}

/// Finds the name of `uid` in `/etc/passwd` text.
fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let _password = fields.next()?;
        let entry_uid: u32 = fields.next()?.parse().ok()?;
        (entry_uid == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

/// Scripted answers, for tests of the programs' logic.
#[derive(Debug, Default)]
pub struct ScriptedInput {
    /// What stdin holds.
    pub stdin: io::Cursor<Vec<u8>>,
    /// Prompts passed to [`Input::read_password`], in order.
    pub password_prompts: Vec<String>,
}

impl ScriptedInput {
    /// Input whose stdin holds `text`.
    pub fn new(text: &str) -> Self {
        Self {
            stdin: io::Cursor::new(text.as_bytes().to_vec()),
            password_prompts: Vec::new(),
        }
    }
}

impl Input for ScriptedInput {
    fn read_line(&mut self, limit: usize) -> io::Result<Option<String>> {
        fgets(&mut self.stdin, limit)
    }

    fn read_password(&mut self, prompt: &str) -> io::Result<String> {
        self.password_prompts.push(prompt.to_owned());
        getpass_from(&mut self.stdin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fgets_stops_after_newline_or_at_the_limit() {
        let mut r = io::Cursor::new(b"admin\nsecret".to_vec());
        assert_eq!(fgets(&mut r, 512).unwrap().as_deref(), Some("admin\n"));
        assert_eq!(fgets(&mut r, 512).unwrap().as_deref(), Some("secret"));
        assert_eq!(fgets(&mut r, 512).unwrap(), None);
        let mut r = io::Cursor::new(b"abcdef\n".to_vec());
        assert_eq!(fgets(&mut r, 4).unwrap().as_deref(), Some("abc"));
        assert_eq!(fgets(&mut r, 4).unwrap().as_deref(), Some("def"));
        assert_eq!(fgets(&mut r, 4).unwrap().as_deref(), Some("\n"));
    }

    #[test]
    fn fgets_limit_and_limit_plus_one() {
        let text = "x".repeat(PROMPT_BUFFER) + "\n";
        let mut r = io::Cursor::new(text.into_bytes());
        let first = fgets(&mut r, PROMPT_BUFFER).unwrap().unwrap();
        assert_eq!(first.len(), PROMPT_BUFFER - 1);
        assert_eq!(
            fgets(&mut r, PROMPT_BUFFER).unwrap().as_deref(),
            Some("x\n")
        );
    }

    #[test]
    fn getpass_without_terminal_drops_only_the_newline() {
        let mut input = ScriptedInput::new("pw\nrest");
        assert_eq!(input.read_password("Password: ").unwrap(), "pw");
        assert_eq!(input.read_password("Password: ").unwrap(), "rest");
        assert_eq!(input.read_password("Password: ").unwrap(), "");
        assert_eq!(input.password_prompts.len(), 3);
    }

    #[test]
    fn passwd_lookup_by_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      broken line\n\
                      nut:x:112:118::/var/lib/nut:/usr/sbin/nologin\n";
        assert_eq!(passwd_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(passwd_name(passwd, 112).as_deref(), Some("nut"));
        assert_eq!(passwd_name(passwd, 7), None);
    }
}
