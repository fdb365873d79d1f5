//! Opening a upsd connection, and [`Session`] on top of `nut_proto`'s
//! blocking client.
//!
//! NUT's upsc and upslog connect with `UPSCLI_CONN_TRYSSL`: try STARTTLS,
//! carry on in clear text if the server refuses. An SSL-enabled NUT build
//! (Debian's links NSS) announces that attempt on stderr with
//! `Init SSL without certificate database` once the TCP connection is up;
//! a build without SSL says nothing. We follow the same rule: built with the
//! `tls` feature (the default, as distributions build NUT with SSL), upsc
//! and upslog try STARTTLS and print that line; without it they do neither.
//! upscmd and upsrw never try TLS (as in NUT).

use std::io::Write;
use std::time::Duration;

use nut_proto::client::{
    ConnectOptions, DEFAULT_IO_TIMEOUT, Target, TargetError, blocking::Client,
};
use nut_proto::model::VarType;
use nut_proto::net::ErrorCode;

use crate::session::{Session, SessionResult, UpsdError};

/// What an SSL-enabled NUT client prints when it tries STARTTLS.
pub const INIT_SSL_NOTICE: &str = "Init SSL without certificate database";

/// Whether to try STARTTLS after connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encryption {
    /// Never (upscmd, upsrw).
    Off,
    /// Try, and continue in clear text when refused (upsc, upslog).
    Try,
}

/// Where and how to connect.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    /// Host name or address.
    pub host: &'a str,
    /// TCP port.
    pub port: u16,
    /// Whether to try STARTTLS.
    pub encryption: Encryption,
    /// The longest single wait for a reply the program needs (`-t` of
    /// upscmd/upsrw); reads never give up sooner than libupsclient's 5 s.
    pub read_wait: Option<Duration>,
    /// `-W`: the connect timeout. `None` leaves it to
    /// `NUT_DEFAULT_CONNECT_TIMEOUT`; zero means none of our own.
    pub connect_timeout: Option<Duration>,
}

impl<'a> Endpoint<'a> {
    /// `host:port` with the given encryption and default read timeout.
    pub fn new(host: &'a str, port: u16, encryption: Encryption) -> Self {
        Self {
            host,
            port,
            encryption,
            read_wait: None,
            connect_timeout: None,
        }
    }

    /// The host and port of `target`.
    pub fn to(target: &'a Target, encryption: Encryption) -> Self {
        Self::new(&target.host, target.port, encryption)
    }

    fn options(&self) -> ConnectOptions {
        ConnectOptions {
            io_timeout: self.read_wait.map(|wait| wait.max(DEFAULT_IO_TIMEOUT)),
            connect_timeout: self.connect_timeout,
            ..ConnectOptions::default()
        }
    }

    /// This endpoint with the connect timeout of `-W` (if one was given).
    pub fn with_connect_timeout(self, connect_timeout: Option<Duration>) -> Self {
        Self {
            connect_timeout,
            ..self
        }
    }
}

/// The characters libupsclient lets through in a `-W` value before handing
/// it to `strtod` (so no `inf`, `nan` or hexadecimal).
const TIMEOUT_CHARS: &str = "-+.0123456789Ee";

/// Reads a `-W <secs>` value as libupsclient does: surrounding blanks
/// ignored, a decimal number (fraction and exponent allowed), not negative.
/// Zero is valid and means "no timeout" (NUT's blocking connect); it comes
/// back as [`Duration::ZERO`]. Precision stops at the microsecond, as in
/// NUT's `struct timeval`. `None` when the value is not acceptable.
pub fn parse_connect_timeout(text: &str) -> Option<Duration> {
    let number = text.trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if number.is_empty() || !number.chars().all(|c| TIMEOUT_CHARS.contains(c)) {
        return None;
    }
    let seconds: f64 = number.parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    // strtod reports an underflow (`1e-400`) as an error, not as zero.
    let mantissa = number.split(['e', 'E']).next().unwrap_or_default();
    if seconds == 0.0 && mantissa.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        return None;
    }
    let timeout = Duration::try_from_secs_f64(seconds).ok()?;
    Some(timeout - Duration::from_nanos(u64::from(timeout.subsec_nanos() % 1_000)))
}

/// NUT's message for a `-W` value it cannot read (after `Error: `).
pub fn invalid_timeout_message(text: &str) -> String {
    format!("invalid network timeout: {text}")
}

/// Checks the `-W` value, if one was given, once all options are read (as
/// NUT does after its getopt loop).
///
/// # Errors
///
/// NUT's fatal `Error: invalid network timeout: <value>` (exit 1).
pub fn connect_timeout_option(text: Option<&str>) -> crate::error::Result<Option<Duration>> {
    text.map(|text| {
        parse_connect_timeout(text).ok_or_else(|| {
            crate::error::Error::fatal(format!("Error: {}", invalid_timeout_message(text)))
        })
    })
    .transpose()
}

/// upscmd's, upsrw's and upslog's complaint about a bad `<ups>` argument:
/// libupsclient's diagnostic line, then NUT's one-line message (upsc words
/// it differently: [`TargetError::nut_message`]).
pub fn invalid_ups_message(error: &TargetError) -> String {
    const MESSAGE: &str =
        "Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]";
    match error.nut_diagnostic() {
        Some(diagnostic) => format!("{diagnostic}\n{MESSAGE}"),
        None => MESSAGE.to_owned(),
    }
}

/// Opens sessions; tests substitute their own.
pub trait Connector {
    /// Connects to `endpoint`. Notices that NUT prints while connecting go
    /// to `stderr`.
    fn connect(
        &self,
        endpoint: Endpoint<'_>,
        stderr: &mut dyn Write,
    ) -> SessionResult<Box<dyn Session>>;
}

/// Connects over TCP with `nut_proto`'s blocking client.
#[derive(Debug, Clone, Copy, Default)]
pub struct NetConnector;

impl Connector for NetConnector {
    fn connect(
        &self,
        endpoint: Endpoint<'_>,
        stderr: &mut dyn Write,
    ) -> SessionResult<Box<dyn Session>> {
        let options = endpoint.options();
        let (host, port) = (endpoint.host, endpoint.port);
        let client = if endpoint.encryption == Encryption::Try && cfg!(feature = "tls") {
            connect_trying_tls(host, port, &options, stderr)?
        } else {
            Client::connect(host, port, &options).map_err(|e| upsd_error(&e))?
        };
        Ok(Box::new(NetSession { client }))
    }
}

/// TRYSSL: STARTTLS without certificate checks, clear text if refused.
#[cfg(feature = "tls")]
fn connect_trying_tls(
    host: &str,
    port: u16,
    options: &ConnectOptions,
    stderr: &mut dyn Write,
) -> SessionResult<Client> {
    use nut_proto::client::TlsOptions;

    let mut client = Client::connect(host, port, options).map_err(|e| upsd_error(&e))?;
    // As in NUT, the notice follows a successful TCP connection.
    let _ = writeln!(stderr, "{INIT_SSL_NOTICE}");
    let tls = TlsOptions {
        verify: false,
        ..TlsOptions::default()
    };
    match client.starttls(&tls) {
        Ok(()) => Ok(client),
        // Refused: the connection is still good for clear text.
        Err(nut_proto::Error::StartTlsRefused { .. }) => Ok(client),
        // The handshake failed midway: start over without TLS.
        Err(_) => Client::connect(host, port, options).map_err(|e| upsd_error(&e)),
    }
}

#[cfg(not(feature = "tls"))]
fn connect_trying_tls(
    host: &str,
    port: u16,
    options: &ConnectOptions,
    _stderr: &mut dyn Write,
) -> SessionResult<Client> {
    Client::connect(host, port, options).map_err(|e| upsd_error(&e))
}

/// libupsclient's view of a `nut_proto` error.
fn upsd_error(e: &nut_proto::Error) -> UpsdError {
    let mut error = UpsdError::new(e.nut_message());
    error.unknown_command = e.server_code() == Some(&ErrorCode::UnknownCommand);
    error.while_sending = matches!(
        e,
        nut_proto::Error::Io {
            action: nut_proto::error::IoAction::Write,
            ..
        } | nut_proto::Error::Timeout {
            action: nut_proto::error::IoAction::Write,
            ..
        }
    );
    error.connection_lost = matches!(
        e,
        nut_proto::Error::Io { .. }
            | nut_proto::Error::Timeout { .. }
            | nut_proto::Error::Closed { .. }
            | nut_proto::Error::Broken
    );
    error
}

/// [`Session`] over a connected client.
#[derive(Debug)]
struct NetSession {
    client: Client,
}

impl Session for NetSession {
    fn list_ups(&mut self) -> SessionResult<Vec<(String, String)>> {
        let upses = self.client.list_ups().map_err(|e| upsd_error(&e))?;
        Ok(upses.into_iter().map(|u| (u.name, u.description)).collect())
    }

    fn list_var(&mut self, ups: &str) -> SessionResult<Vec<(String, String)>> {
        let vars = self.client.list_var(ups).map_err(|e| upsd_error(&e))?;
        Ok(vars.into_iter().map(|v| (v.name, v.value)).collect())
    }

    fn list_rw(&mut self, ups: &str) -> SessionResult<Vec<(String, String)>> {
        let vars = self.client.list_rw(ups).map_err(|e| upsd_error(&e))?;
        Ok(vars.into_iter().map(|v| (v.name, v.value)).collect())
    }

    fn list_cmd(&mut self, ups: &str) -> SessionResult<Vec<String>> {
        self.client.list_cmd(ups).map_err(|e| upsd_error(&e))
    }

    fn list_enum(&mut self, ups: &str, var: &str) -> SessionResult<Vec<String>> {
        self.client.list_enum(ups, var).map_err(|e| upsd_error(&e))
    }

    fn list_range(&mut self, ups: &str, var: &str) -> SessionResult<Vec<(String, String)>> {
        let ranges = self
            .client
            .list_range(ups, var)
            .map_err(|e| upsd_error(&e))?;
        Ok(ranges.into_iter().map(|r| (r.min, r.max)).collect())
    }

    fn list_client(&mut self, ups: &str) -> SessionResult<Vec<String>> {
        self.client.list_client(ups).map_err(|e| upsd_error(&e))
    }

    fn get_var(&mut self, ups: &str, var: &str) -> SessionResult<String> {
        self.client.get_var(ups, var).map_err(|e| upsd_error(&e))
    }

    fn get_type(&mut self, ups: &str, var: &str) -> SessionResult<VarType> {
        self.client.get_type(ups, var).map_err(|e| upsd_error(&e))
    }

    fn get_desc(&mut self, ups: &str, var: &str) -> SessionResult<String> {
        self.client.get_desc(ups, var).map_err(|e| upsd_error(&e))
    }

    fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> SessionResult<String> {
        self.client
            .get_cmddesc(ups, cmd)
            .map_err(|e| upsd_error(&e))
    }

    fn request(&mut self, line: &str) -> SessionResult<String> {
        self.client.request_raw(line).map_err(|e| upsd_error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_timeout_values_parse_like_libupsclient() {
        assert_eq!(parse_connect_timeout("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_connect_timeout("0"), Some(Duration::ZERO));
        assert_eq!(parse_connect_timeout("-0"), Some(Duration::ZERO));
        assert_eq!(
            parse_connect_timeout(" 0.5\t"),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_connect_timeout("1e1"), Some(Duration::from_secs(10)));
        assert_eq!(parse_connect_timeout("+2."), Some(Duration::from_secs(2)));
        // Below the microsecond is dropped, as in a struct timeval.
        assert_eq!(
            parse_connect_timeout("0.0000015"),
            Some(Duration::from_micros(1))
        );
        for bad in [
            "", " ", "abc", "-1", "-0.5", "3s", "1e", ".", "inf", "nan", "0x10", "1e-400", "1e400",
            "1e30", "1 2",
        ] {
            assert_eq!(parse_connect_timeout(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_bad_timeout_option_is_fatal_with_nut_wording() {
        assert_eq!(connect_timeout_option(None).unwrap(), None);
        assert_eq!(
            connect_timeout_option(Some("3")).unwrap(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            connect_timeout_option(Some("0")).unwrap(),
            Some(Duration::ZERO)
        );
        let error = connect_timeout_option(Some("soon")).unwrap_err();
        assert_eq!(error.to_string(), "Error: invalid network timeout: soon");
        assert!(matches!(error, crate::error::Error::Fatal { code: 1, .. }));
    }

    #[test]
    fn the_timeout_reaches_the_connect_options() {
        let endpoint = Endpoint::new("h", 1, Encryption::Off);
        assert_eq!(endpoint.options().connect_timeout, None);
        let endpoint = endpoint.with_connect_timeout(Some(Duration::from_secs(3)));
        assert_eq!(
            endpoint.options().connect_timeout,
            Some(Duration::from_secs(3))
        );
    }
}
