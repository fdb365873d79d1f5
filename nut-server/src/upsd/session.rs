//! One client connection: upsd's line framing, its command dispatch and
//! check order, and the commands that change the connection itself
//! (USERNAME, PASSWORD, LOGIN, LOGOUT, PRIMARY, FSD, STARTTLS).
//!
//! A [`Session`] never touches a socket: [`Session::handle_input`] takes
//! the bytes read and appends every reply to one buffer, which the runtime
//! writes at once (a LIST goes out in one write, never line by line).

use std::time::{Duration, Instant};

use nut_proto::net::{Command, ErrorCode, Request};
use nut_proto::tokenizer::{Limits, MAX_WORD_LEN, MAX_WORDS, ParseErrorKind, Tokenizer};

use super::server::{ClientId, Server, version_text};
use crate::config::users::Access;
use crate::runtime::log::Level;

/// upsd drops a client that sends no complete line for more than 60 s
/// (hard-coded in NUT); it compares whole seconds, so the cut comes 60 to
/// 61 s after the last line, and we wait the full 61.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(61);

/// Longest request line accepted, in bytes. NUT has no limit (it bounds
/// words, not lines); past this the connection is closed, so that a peer
/// streaming one endless line cannot hold a connection forever.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// upsd's `HELP` text (2.8.0 does not list PROTVER, PRIMARY or FSD).
const HELP_TEXT: &str =
    "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS";

/// What the runtime must do after [`Session::handle_input`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Next {
    /// Keep reading.
    Continue,
    /// Write the replies, then start the TLS handshake (`OK STARTTLS` sent).
    StartTls,
    /// Write the replies, then close (LOGOUT, oversized line, kicked).
    Close,
}

/// The state of one client connection.
#[derive(Debug)]
pub struct Session {
    id: ClientId,
    addr: String,
    /// Only while a line is half-read or not plain (see [`plain_line`]):
    /// idle connections hold none.
    tokenizer: Option<Box<Tokenizer>>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    /// Name of the UPS this connection did LOGIN on (upsd's spelling).
    pub(crate) login: Option<String>,
    pub(crate) tracking: bool,
    tls: bool,
    /// Over a Unix socket, where STARTTLS is refused.
    local: bool,
    /// Bytes that came after the `STARTTLS` line in the same read: the
    /// start of the client's handshake.
    early_tls: Vec<u8>,
    next: Next,
    last_heard: Instant,
}

impl Session {
    pub(crate) fn new(id: ClientId, addr: String, now: Instant) -> Self {
        Self {
            id,
            addr,
            tokenizer: None,
            username: None,
            password: None,
            login: None,
            tracking: false,
            tls: false,
            local: false,
            early_tls: Vec::new(),
            next: Next::Continue,
            last_heard: now,
        }
    }

    /// This connection's handle in the [`Server`].
    pub fn id(&self) -> ClientId {
        self.id
    }

    /// The peer address as upsd prints it (`LIST CLIENT`, logs).
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// When the connection is dropped for silence, unless a line arrives.
    #[must_use]
    pub fn poll_timeout(&self) -> Instant {
        self.last_heard + IDLE_TIMEOUT
    }

    /// Whether the idle timeout has passed at `now`.
    pub fn is_idle(&self, now: Instant) -> bool {
        now >= self.poll_timeout()
    }

    /// Marks the connection as switched to TLS (after the handshake).
    pub fn set_tls(&mut self) {
        self.tls = true;
        self.next = Next::Continue;
    }

    /// Marks the connection as one over a Unix socket: STARTTLS is
    /// answered `ERR FEATURE-NOT-SUPPORTED` (TLS is not offered on that
    /// transport, and no setting would change that, so not
    /// `FEATURE-NOT-CONFIGURED`, which points at `CERTFILE`).
    pub fn set_local(&mut self) {
        self.local = true;
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// After [`Next::StartTls`]: the bytes that followed the `STARTTLS`
    /// line in the same input, which belong to the TLS handshake.
    pub fn take_early_tls_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.early_tls)
    }

    /// Feeds bytes read from the client; every complete line is answered
    /// into `out`. Like upsd, all lines already received are answered even
    /// after LOGOUT; the connection closes afterwards.
    pub fn handle_input(
        &mut self,
        server: &mut Server,
        now: Instant,
        bytes: &[u8],
        out: &mut Vec<u8>,
    ) -> Next {
        if server.is_kicked(self.id) {
            return Next::Close;
        }
        let mut bytes = bytes;
        // Plain lines (the common case: GET, LIST...) are split in place,
        // without the tokenizer's per-word strings; anything else (quotes,
        // escapes, comments, `=`, a line cut by the read) takes the
        // tokenizer, which gives the same words for plain lines.
        while self.tokenizer.is_none()
            && self.next == Next::Continue
            && let Some((words, rest)) = plain_line(bytes)
        {
            self.last_heard = now;
            self.handle_line(server, now, words.as_slice(), out);
            bytes = rest;
            if self.next == Next::StartTls {
                self.early_tls = rest.to_vec();
                return Next::StartTls;
            }
        }
        if bytes.is_empty() {
            return self.next;
        }
        let mut tokenizer = self.tokenizer.take().unwrap_or_else(|| {
            Box::new(Tokenizer::with_limits(Limits {
                max_line_len: Some(MAX_LINE_BYTES),
                ..Limits::default()
            }))
        });
        let next = self.feed_tokenizer(&mut tokenizer, server, now, bytes, out);
        if tokenizer.has_partial_line() {
            self.tokenizer = Some(tokenizer);
        }
        next
    }

    /// The slow path of [`Session::handle_input`]: every byte through the
    /// tokenizer.
    fn feed_tokenizer(
        &mut self,
        tokenizer: &mut Tokenizer,
        server: &mut Server,
        now: Instant,
        bytes: &[u8],
        out: &mut Vec<u8>,
    ) -> Next {
        for (index, &byte) in bytes.iter().enumerate() {
            match tokenizer.push(byte) {
                None => {}
                Some(Ok(line)) => {
                    self.last_heard = now;
                    // upsd closes after LOGOUT by zeroing "last heard"; a
                    // line read after it sets it again, and the connection
                    // stays (pipelined `LOGOUT\nVER\n` keeps it open).
                    if self.next == Next::Close {
                        self.next = Next::Continue;
                    }
                    self.handle_line(server, now, &line.words, out);
                    if self.next == Next::StartTls {
                        // The handshake starts right after OK STARTTLS: later
                        // bytes belong to TLS.
                        let rest = bytes.get(index.saturating_add(1)..).unwrap_or_default();
                        self.early_tls = rest.to_vec();
                        return Next::StartTls;
                    }
                }
                Some(Err(error)) => {
                    if let ParseErrorKind::LineTooLong { limit } = error.kind {
                        server.log_line(
                            Level::Notice,
                            format!(
                                "Dropping client {}: line longer than {limit} bytes",
                                self.addr
                            ),
                        );
                        self.next = Next::Close;
                        return Next::Close;
                    }
                    server.log_line(
                        Level::Notice,
                        format!("Parse error on sock: {}", error.kind),
                    );
                }
            }
        }
        self.next
    }

    /// Answers one tokenized line into `out`, with upsd's order of checks:
    /// unknown command, then USERNAME/PASSWORD for the commands that need
    /// them, then the argument count, then the command itself.
    pub fn handle_line<S: AsRef<str>>(
        &mut self,
        server: &mut Server,
        now: Instant,
        words: &[S],
        out: &mut Vec<u8>,
    ) {
        let Some((first, args)) = words.split_first() else {
            return err(out, &ErrorCode::UnknownCommand);
        };
        let Some(command) = Command::parse(first.as_ref()) else {
            return err(out, &ErrorCode::UnknownCommand);
        };
        if command.requires_login() {
            if self.username.is_none() {
                return err(out, &ErrorCode::UsernameRequired);
            }
            if self.password.is_none() {
                return err(out, &ErrorCode::PasswordRequired);
            }
        }
        match Request::decode_args(command, args) {
            Ok(request) => self.dispatch(server, now, request, out),
            Err(code) => err(out, &code),
        }
    }

    fn dispatch(&mut self, server: &mut Server, now: Instant, request: Request, out: &mut Vec<u8>) {
        match request {
            Request::Ver => line(out, &version_text()),
            Request::Netver | Request::Protver => line(out, nut_proto::net::PROTOCOL_VERSION),
            Request::Help => line(out, HELP_TEXT),
            Request::StartTls => self.starttls(server, out),
            Request::Get(query) => self.get(server, now, &query, out),
            Request::List(query) => self.list(server, now, &query, out),
            Request::Username(name) => self.username(server, name, out),
            Request::Password(password) => self.password(server, password, out),
            Request::Login { ups } => self.login(server, &ups, out),
            Request::Logout => self.logout(server, out),
            Request::Primary { ups } => self.primary(server, &ups, "OK PRIMARY-GRANTED", out),
            Request::Master { ups } => self.primary(server, &ups, "OK MASTER-GRANTED", out),
            Request::Fsd { ups } => self.fsd(server, &ups, out),
            Request::SetVar { ups, var, value } => {
                self.set_var(server, now, &ups, &var, &value, out);
            }
            Request::SetTracking(on) => {
                self.tracking = on;
                line(out, "OK");
            }
            Request::Instcmd { ups, cmd, param } => {
                self.instcmd(server, now, &ups, &cmd, param.as_deref(), out);
            }
            // A newer nut-proto may know more commands than this server.
            _ => err(out, &ErrorCode::UnknownCommand),
        }
    }

    /// `user@addr` for log lines.
    pub(crate) fn who(&self) -> String {
        format!("{}@{}", self.username.as_deref().unwrap_or(""), self.addr)
    }

    /// Whether this connection's credentials allow `action`.
    pub(crate) fn allowed(&self, server: &Server, action: Access<'_>) -> bool {
        match (&self.username, &self.password) {
            (Some(user), Some(password)) => server.users.allows(user, password, action),
            _ => false,
        }
    }

    fn starttls(&mut self, server: &Server, out: &mut Vec<u8>) {
        if self.tls {
            return err(out, &ErrorCode::AlreadySslMode);
        }
        if self.local {
            return err(out, &ErrorCode::FeatureNotSupported);
        }
        if !server.tls_available {
            return err(out, &ErrorCode::FeatureNotConfigured);
        }
        line(out, "OK STARTTLS");
        self.next = Next::StartTls;
    }

    fn username(&mut self, server: &mut Server, name: String, out: &mut Vec<u8>) {
        if self.username.is_some() {
            let message = format!("Client {} tried to set a username twice", self.who());
            server.log_line(Level::Info, message);
            return err(out, &ErrorCode::AlreadySetUsername);
        }
        self.username = Some(name);
        line(out, "OK");
    }

    fn password(&mut self, server: &mut Server, password: String, out: &mut Vec<u8>) {
        if self.password.is_some() {
            let message = if self.username.is_some() {
                format!("Client {} tried to set a password twice", self.who())
            } else {
                format!("Client on {} tried to set a password twice", self.addr)
            };
            server.log_line(Level::Info, message);
            return err(out, &ErrorCode::AlreadySetPassword);
        }
        self.password = Some(password);
        line(out, "OK");
    }

    fn login(&mut self, server: &mut Server, ups: &str, out: &mut Vec<u8>) {
        if self.login.is_some() {
            let message = format!("Client {} tried to login twice", self.who());
            server.log_line(Level::Info, message);
            return err(out, &ErrorCode::AlreadyLoggedIn);
        }
        let Some(index) = server.find_ups(ups) else {
            return err(out, &ErrorCode::UnknownUps);
        };
        if !self.allowed(server, Access::Login) {
            return err(out, &ErrorCode::AccessDenied);
        }
        let Some(entry) = server.upses.get_mut(index) else {
            return err(out, &ErrorCode::UnknownUps);
        };
        entry.numlogins = entry.numlogins.saturating_add(1);
        let (id, name) = (entry.id, entry.name.clone());
        if let Some(record) = server.clients.get_mut(&self.id) {
            record.login = Some(id);
        }
        let suffix = if self.tls { " (SSL)" } else { "" };
        let message = format!("User {} logged into UPS [{name}]{suffix}", self.who());
        server.log_line(Level::Info, message);
        self.login = Some(name);
        line(out, "OK");
    }

    fn logout(&mut self, server: &mut Server, out: &mut Vec<u8>) {
        if let Some(ups) = &self.login {
            let suffix = if self.tls { " (SSL)" } else { "" };
            let message = format!("User {} logged out from UPS [{ups}]{suffix}", self.who());
            server.log_line(Level::Info, message);
        }
        line(out, "OK Goodbye");
        self.next = Next::Close;
    }

    fn primary(&mut self, server: &mut Server, ups: &str, granted: &str, out: &mut Vec<u8>) {
        if server.find_ups(ups).is_none() {
            return err(out, &ErrorCode::UnknownUps);
        }
        if !self.allowed(server, Access::Primary) {
            return err(out, &ErrorCode::AccessDenied);
        }
        line(out, granted);
    }

    fn fsd(&mut self, server: &mut Server, ups: &str, out: &mut Vec<u8>) {
        let Some(index) = server.find_ups(ups) else {
            return err(out, &ErrorCode::UnknownUps);
        };
        if !self.allowed(server, Access::Fsd) {
            return err(out, &ErrorCode::AccessDenied);
        }
        let who = self.who();
        if let Some(entry) = server.upses.get_mut(index) {
            entry.fsd = true;
            let message = format!("Client {who} set FSD on UPS [{}]", entry.name);
            server.log_line(Level::Info, message);
        }
        line(out, "OK FSD-SET");
    }
}

/// Appends `text` and LF.
pub(crate) fn line(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
}

/// Appends `ERR <code>` and LF.
pub(crate) fn err(out: &mut Vec<u8>, code: &ErrorCode) {
    out.extend_from_slice(b"ERR ");
    out.extend_from_slice(code.as_str().as_bytes());
    out.push(b'\n');
}

/// The words of a line split in place (at most the tokenizer's word limit).
pub(crate) struct PlainWords<'a> {
    words: [&'a str; MAX_WORDS],
    len: usize,
}

impl<'a> PlainWords<'a> {
    fn as_slice(&self) -> &[&'a str] {
        self.words.get(..self.len).unwrap_or_default()
    }
}

/// The first line of `bytes` split into words, and the bytes after its LF,
/// when the tokenizer would read it exactly so: the LF is there, the line
/// is within [`MAX_LINE_BYTES`], and it holds only printable ASCII and
/// blanks, without `"`, `\`, `#` or `=`, with at most [`MAX_WORDS`] words
/// of at most [`MAX_WORD_LEN`] bytes. `None` hands the line to the
/// tokenizer.
pub(crate) fn plain_line(bytes: &[u8]) -> Option<(PlainWords<'_>, &[u8])> {
    let end = bytes
        .iter()
        .take(MAX_LINE_BYTES.saturating_add(1))
        .position(|&b| b == b'\n')?;
    let (line, rest) = (bytes.get(..end)?, bytes.get(end.saturating_add(1)..)?);
    let plain = |b: u8| is_blank(b) || ((0x21..=0x7f).contains(&b) && !b"\"\\#=".contains(&b));
    if !line.iter().all(|&b| plain(b)) {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    let mut words = PlainWords {
        words: [""; MAX_WORDS],
        len: 0,
    };
    for word in text.split(|c: char| u8::try_from(c).is_ok_and(is_blank)) {
        if word.is_empty() {
            continue;
        }
        if word.len() > MAX_WORD_LEN {
            return None;
        }
        let slot = words.words.get_mut(words.len)?;
        *slot = word;
        words.len += 1;
    }
    Some((words, rest))
}

/// The tokenizer's blanks (NUT's `isspace` less LF).
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "session_props.rs"]
mod props;
