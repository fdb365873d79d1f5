//! What the client programs need from a upsd connection, as a trait.
//!
//! The programs are written against [`Session`] rather than the concrete
//! `nut_proto` client so that their logic (what to ask, in which order, how
//! to print partial results and failures) is unit-tested with an in-memory
//! fake. [`crate::connect`] provides the real implementation.
//!
//! Every failure is an [`UpsdError`] holding libupsclient's message, the text
//! NUT prints after `Error: `.

use std::fmt;

use nut_proto::model::VarType;

/// A failed request, described as libupsclient's `upscli_strerror` would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsdError {
    /// The user-facing message, e.g. `Unknown UPS` or `Server disconnected`.
    pub message: String,
    /// The server answered `ERR UNKNOWN-COMMAND` (an upsd too old for the
    /// query); NUT words some failures differently then.
    pub unknown_command: bool,
    /// The failure happened while sending the request, not while waiting
    /// for its reply (upscmd and upsrw word the two differently).
    pub while_sending: bool,
    /// The connection is gone (closed, reset, timed out): a long-running
    /// client must reconnect before its next request.
    pub connection_lost: bool,
}

impl UpsdError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            unknown_command: false,
            while_sending: false,
            connection_lost: false,
        }
    }
}

impl fmt::Display for UpsdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The session's result type.
pub type SessionResult<T> = Result<T, UpsdError>;

/// The requests the client programs make, each one libupsclient call.
///
/// `GET` and `LIST` calls turn an `ERR` reply into an [`UpsdError`];
/// [`Session::request`] does not: it returns any reply line as it came, the
/// way upscmd and upsrw read answers to `USERNAME`, `INSTCMD` and `SET`.
pub trait Session {
    /// `LIST UPS`: (name, description) pairs.
    fn list_ups(&mut self) -> SessionResult<Vec<(String, String)>>;
    /// `LIST VAR <ups>`: (name, value) pairs as served.
    fn list_var(&mut self, ups: &str) -> SessionResult<Vec<(String, String)>>;
    /// `LIST RW <ups>`: (name, value) pairs of writable variables.
    fn list_rw(&mut self, ups: &str) -> SessionResult<Vec<(String, String)>>;
    /// `LIST CMD <ups>`: instant command names.
    fn list_cmd(&mut self, ups: &str) -> SessionResult<Vec<String>>;
    /// `LIST ENUM <ups> <var>`: allowed values.
    fn list_enum(&mut self, ups: &str, var: &str) -> SessionResult<Vec<String>>;
    /// `LIST RANGE <ups> <var>`: (min, max) pairs, as the words the server sent.
    fn list_range(&mut self, ups: &str, var: &str) -> SessionResult<Vec<(String, String)>>;
    /// `LIST CLIENT <ups>`: addresses of logged-in clients.
    fn list_client(&mut self, ups: &str) -> SessionResult<Vec<String>>;
    /// `GET VAR <ups> <var>`: the value.
    fn get_var(&mut self, ups: &str, var: &str) -> SessionResult<String>;
    /// `GET TYPE <ups> <var>`: the type words after the variable name
    /// (`RW`, `ENUM`, `STRING:32`, ...), in the server's order.
    fn get_type(&mut self, ups: &str, var: &str) -> SessionResult<VarType>;
    /// `GET DESC <ups> <var>`: the description.
    fn get_desc(&mut self, ups: &str, var: &str) -> SessionResult<String>;
    /// `GET CMDDESC <ups> <cmd>`: the description.
    fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> SessionResult<String>;
    /// Sends one raw request line (without its newline) and returns the reply
    /// line verbatim, `ERR ...` included, as `upscli_sendline` followed by
    /// `upscli_readline` do.
    fn request(&mut self, line: &str) -> SessionResult<String>;
}
