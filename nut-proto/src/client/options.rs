//! Connection options shared by both adapters.

use std::path::PathBuf;
use std::time::Duration;

use super::SessionLimits;

/// Environment variable holding the default connect timeout in seconds
/// (as NUT's libupsclient reads it).
pub const CONNECT_TIMEOUT_ENV: &str = "NUT_DEFAULT_CONNECT_TIMEOUT";

/// Default timeout of each read and write, as libupsclient's network timeout.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How to connect.
///
/// ```
/// use std::time::Duration;
/// use nut_proto::client::ConnectOptions;
///
/// let options = ConnectOptions {
///     connect_timeout: Some(Duration::from_secs(3)),
///     ..ConnectOptions::default()
/// };
/// assert_eq!(options.effective_io_timeout(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Connect timeout (upsc `-W`); `None` falls back to
    /// [`CONNECT_TIMEOUT_ENV`], and without that to the OS's own connect
    /// timeout. `Some(Duration::ZERO)` is NUT's `-W 0`: no timeout of our
    /// own (the OS's), whatever the environment says.
    pub connect_timeout: Option<Duration>,
    /// Timeout of each read and write; `None` means [`DEFAULT_IO_TIMEOUT`].
    pub io_timeout: Option<Duration>,
    /// Line and LIST bounds.
    pub limits: SessionLimits,
    /// When set, STARTTLS is done right after connecting.
    pub tls: Option<TlsOptions>,
}

impl ConnectOptions {
    /// The connect timeout in force: the option (zero meaning none), else
    /// the environment variable (seconds, fractions allowed; invalid or
    /// non-positive values are ignored), else none.
    pub fn effective_connect_timeout(&self) -> Option<Duration> {
        match self.connect_timeout {
            Some(timeout) if timeout.is_zero() => None,
            Some(timeout) => Some(timeout),
            None => std::env::var(CONNECT_TIMEOUT_ENV)
                .ok()
                .and_then(|text| parse_seconds(&text)),
        }
    }

    /// The read/write timeout in force.
    pub fn effective_io_timeout(&self) -> Duration {
        self.io_timeout.unwrap_or(DEFAULT_IO_TIMEOUT)
    }
}

/// Positive seconds (`"10"`, `"0.5"`) as a duration.
fn parse_seconds(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().parse().ok()?;
    (seconds.is_finite() && seconds > 0.0 && seconds < 1e9)
        .then(|| Duration::from_secs_f64(seconds))
}

/// A client certificate and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// Certificate chain (leaf first).
    pub cert_chain: PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// STARTTLS settings (NUT's `CERTPATH`, `CERTVERIFY`, `CERTHOST`,
/// `CERTIDENT`). Needs the `tls` feature to be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file of trusted CA certificates.
    pub ca_file: Option<PathBuf>,
    /// Directory whose `*.pem` / `*.crt` files hold trusted CA certificates.
    pub ca_dir: Option<PathBuf>,
    /// Verify the server certificate and host name (NUT `CERTVERIFY 1`).
    /// `false` accepts any certificate, like `CERTVERIFY 0`.
    pub verify: bool,
    /// Name expected in the server certificate; default: the host connected to.
    pub server_name: Option<String>,
    /// Client certificate for servers that ask for one.
    pub identity: Option<ClientIdentity>,
}

impl Default for TlsOptions {
    /// Verification on, no CA configured (so a CA must be given, or
    /// `verify` turned off).
    fn default() -> Self {
        Self {
            ca_file: None,
            ca_dir: None,
            verify: true,
            server_name: None,
            identity: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_like_nut() {
        assert_eq!(parse_seconds("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_seconds(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_seconds("0"), None);
        assert_eq!(parse_seconds("-3"), None);
        assert_eq!(parse_seconds("abc"), None);
        assert_eq!(parse_seconds("inf"), None);
    }

    #[test]
    fn explicit_timeout_wins() {
        let o = ConnectOptions {
            connect_timeout: Some(Duration::from_secs(2)),
            ..ConnectOptions::default()
        };
        assert_eq!(o.effective_connect_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(o.effective_io_timeout(), DEFAULT_IO_TIMEOUT);
    }

    #[test]
    fn explicit_zero_means_no_timeout() {
        let o = ConnectOptions {
            connect_timeout: Some(Duration::ZERO),
            ..ConnectOptions::default()
        };
        assert_eq!(o.effective_connect_timeout(), None);
    }
}
