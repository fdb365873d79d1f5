//! upsd's STARTTLS with rustls (ring provider, TLS 1.2 and 1.3): the
//! server configuration built from `upsd.conf` the way NUT's OpenSSL build
//! reads it, and the handshake on a connection that said `STARTTLS`.
//!
//! * `CERTFILE`: one PEM file holding the certificate chain and the private
//!   key (PKCS#8, PKCS#1 or SEC1; not encrypted), as NUT's OpenSSL build
//!   wants it.
//! * `CERTPATH` / `CERTIDENT`: NUT's NSS build reads its certificate and
//!   key from an NSS database named by these. There is no NSS here: they
//!   are accepted, a log line says so, and the certificate comes from
//!   `CERTFILE`. `CERTPATH` still serves as the CA for client
//!   certificates when it is a directory of PEM files (`*.pem`, `*.crt`)
//!   or a PEM bundle.
//! * `CERTREQUEST`: 0 asks for no client certificate; 1 asks for one and
//!   accepts clients without (one sent must verify against `CERTPATH`; with
//!   no usable `CERTPATH` nothing is asked); 2 requires one that verifies
//!   against `CERTPATH` (start-up fails without a CA).
//! * `DISABLE_WEAK_SSL`: rustls never speaks below TLS 1.2, so the setting
//!   is always in force.
//!
//! Any unusable setting stops upsd at start-up with the file named (NUT
//! 2.8.6 refuses too; 2.8.0 went on without TLS).

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::config::upsd_conf::{CertRequest, UpsdConf};
use crate::error::Error;
use crate::runtime::log::{Level, LogRecord};

/// Most files read from a `CERTPATH` directory, so that a huge directory
/// cannot stall start-up.
pub const MAX_CA_DIR_FILES: usize = 1024;

/// Largest `CERTFILE` or CA file read, in bytes (certificate chains are a
/// few kilobytes; this only stops a wrong path to a huge file).
pub const MAX_PEM_FILE_BYTES: u64 = 1024 * 1024;

/// A loaded TLS server configuration, ready for handshakes.
#[derive(Debug, Clone)]
pub struct TlsServer {
    config: Arc<ServerConfig>,
}

impl TlsServer {
    /// Wraps a ready rustls configuration (tests, embedders).
    pub fn from_config(config: Arc<ServerConfig>) -> Self {
        Self { config }
    }

    /// The TLS settings of `conf`: `None` without `CERTFILE` (STARTTLS
    /// then answers `ERR FEATURE-NOT-CONFIGURED`). Notes on the NSS-only
    /// settings go to `log`.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] naming the file when `CERTFILE` does not read or
    /// holds no certificate or no usable key, or when `CERTREQUEST 2` has
    /// no CA in `CERTPATH`.
    pub fn from_conf(conf: &UpsdConf, log: &mut Vec<LogRecord>) -> Result<Option<Self>, Error> {
        if conf.certident.is_some() {
            log.push(LogRecord::new(
                Level::Warning,
                "CERTIDENT is an NSS setting: this upsd reads no NSS database; \
                 the certificate and its key come from CERTFILE (PEM, key not encrypted)",
            ));
        }
        let Some(certfile) = &conf.certfile else {
            if let Some(path) = &conf.certpath {
                log.push(LogRecord::new(
                    Level::Warning,
                    format!(
                        "CERTPATH {} is set without CERTFILE: an NSS database is not supported, \
                         set CERTFILE to a PEM file with the certificate and key; \
                         STARTTLS stays unavailable",
                        path.display()
                    ),
                ));
            }
            return Ok(None);
        };
        let pem = read_pem_file(certfile)?;
        let chain = certificates(certfile, &pem)?;
        let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
            tls_error(
                certfile,
                format!(
                    "no usable private key ({e}); the key must be in the same PEM file, \
                     not encrypted"
                ),
            )
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| tls_error(certfile, e.to_string()))?;
        let roots = match conf.certrequest {
            CertRequest::No => None,
            CertRequest::Request | CertRequest::Require => client_roots(conf, log)?,
        };
        let builder = match (conf.certrequest, roots) {
            (CertRequest::No, _) | (CertRequest::Request, None) => builder.with_no_client_auth(),
            (CertRequest::Require, None) => {
                let path = conf.certpath.clone().unwrap_or_else(|| certfile.clone());
                return Err(tls_error(
                    &path,
                    "CERTREQUEST 2 needs CERTPATH to name a CA directory of PEM files \
                     or a PEM bundle to verify client certificates against",
                ));
            }
            (level, Some((roots, path))) => {
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                let verifier = if level == CertRequest::Request {
                    verifier.allow_unauthenticated()
                } else {
                    verifier
                };
                let verifier = verifier
                    .build()
                    .map_err(|e| tls_error(&path, e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder
            .with_single_cert(chain, key)
            .map_err(|e| tls_error(certfile, e.to_string()))?;
        Ok(Some(Self::from_config(Arc::new(config))))
    }

    /// Runs the server side of the handshake on `io`.
    ///
    /// # Errors
    ///
    /// Whatever the handshake fails with (rustls errors come wrapped in
    /// [`io::ErrorKind::InvalidData`]).
    pub async fn accept<IO>(&self, io: IO) -> io::Result<tokio_rustls::server::TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.config))
            .accept(io)
            .await
    }
}

fn tls_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Tls {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Reads a PEM file, bounded by [`MAX_PEM_FILE_BYTES`].
fn read_pem_file(path: &Path) -> Result<Vec<u8>, Error> {
    let meta =
        std::fs::metadata(path).map_err(|e| tls_error(path, crate::upsd::os_error_text(&e)))?;
    if meta.len() > MAX_PEM_FILE_BYTES {
        return Err(tls_error(
            path,
            format!(
                "larger than {MAX_PEM_FILE_BYTES} bytes ({}): not a PEM certificate file",
                meta.len()
            ),
        ));
    }
    std::fs::read(path).map_err(|e| tls_error(path, crate::upsd::os_error_text(&e)))
}

fn certificates(path: &Path, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error(path, format!("bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(tls_error(path, "no certificate in the file"));
    }
    Ok(certs)
}

/// The CA for client certificates: every PEM certificate in `CERTPATH`
/// (a directory or a bundle). `None` (with a log line) when there is no
/// `CERTPATH` or it holds no PEM certificate (an NSS database).
fn client_roots(
    conf: &UpsdConf,
    log: &mut Vec<LogRecord>,
) -> Result<Option<(RootCertStore, PathBuf)>, Error> {
    let Some(certpath) = &conf.certpath else {
        log.push(LogRecord::new(
            Level::Warning,
            "CERTREQUEST asks for client certificates but CERTPATH names no CA: \
             no client certificate is asked for",
        ));
        return Ok(None);
    };
    let files = if certpath.is_dir() {
        let entries = std::fs::read_dir(certpath)
            .map_err(|e| tls_error(certpath, crate::upsd::os_error_text(&e)))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|ext| ext == "pem" || ext == "crt")
            })
            .take(MAX_CA_DIR_FILES)
            .collect();
        files.sort();
        files
    } else {
        vec![certpath.clone()]
    };
    let mut roots = RootCertStore::empty();
    for file in &files {
        let pem = read_pem_file(file)?;
        for cert in certificates(file, &pem)? {
            roots
                .add(cert)
                .map_err(|e| tls_error(file, format!("CA certificate: {e}")))?;
        }
    }
    if roots.is_empty() {
        log.push(LogRecord::new(
            Level::Warning,
            format!(
                "CERTPATH {} holds no PEM CA certificate (an NSS database is not supported)",
                certpath.display()
            ),
        ));
        return Ok(None);
    }
    Ok(Some((roots, certpath.clone())))
}

/// A stream that first yields bytes already read from it: the start of the
/// client's handshake when it arrived with the `STARTTLS` line.
#[derive(Debug)]
pub(super) struct Prefixed<S> {
    prefix: Vec<u8>,
    offset: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    pub(super) fn new(prefix: Vec<u8>, inner: S) -> Self {
        Self {
            prefix,
            offset: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(rest) = this.prefix.get(this.offset..)
            && !rest.is_empty()
        {
            let n = rest.len().min(buf.remaining());
            buf.put_slice(rest.get(..n).unwrap_or_default());
            this.offset += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn conf(text: &str) -> UpsdConf {
        UpsdConf::parse("upsd.conf".as_ref(), text.as_bytes()).expect("parses")
    }

    #[test]
    fn no_certfile_means_no_tls_and_nss_settings_are_explained() {
        let mut log = Vec::new();
        let c = conf("CERTPATH /etc/nut/certdb\nCERTIDENT \"my upsd\" \"pw\"\n");
        assert!(TlsServer::from_conf(&c, &mut log).expect("ok").is_none());
        assert!(
            log.iter()
                .any(|r| r.message.contains("CERTIDENT is an NSS setting"))
        );
        assert!(
            log.iter()
                .any(|r| r.message.contains("NSS database is not supported"))
        );
    }

    #[test]
    fn a_missing_or_empty_certfile_is_refused_with_its_name() {
        let mut log = Vec::new();
        let c = conf("CERTFILE /nonexistent/upsd.pem\n");
        let e = TlsServer::from_conf(&c, &mut log).unwrap_err();
        assert_eq!(
            e.to_string(),
            "upsd.conf: can't use /nonexistent/upsd.pem for TLS: No such file or directory"
        );
        let dir = std::env::temp_dir().join(format!("upsd-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not pem\n").expect("write");
        let c = conf(&format!("CERTFILE {}\n", empty.display()));
        let e = TlsServer::from_conf(&c, &mut log).unwrap_err();
        assert!(e.to_string().contains("no certificate"), "{e}");
        assert!(e.to_string().contains(&empty.display().to_string()), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bytes_after_the_starttls_line_are_kept_for_the_handshake() {
        use crate::upsd::{Next, Server, ServerConfig};
        let mut config = ServerConfig::new(Vec::new());
        config.tls_available = true;
        let mut server = Server::new(config);
        let now = std::time::Instant::now();
        let mut session = server.open_session([127, 0, 0, 1].into(), now);
        let mut out = Vec::new();
        let next = session.handle_input(&mut server, now, b"VER\nSTARTTLS\n\x16\x03\x01", &mut out);
        assert_eq!(next, Next::StartTls);
        assert!(out.ends_with(b"\nOK STARTTLS\n"), "{out:?}");
        assert_eq!(session.take_early_tls_bytes(), b"\x16\x03\x01");
        assert!(session.take_early_tls_bytes().is_empty());
        session.set_tls();
        out.clear();
        let next = session.handle_input(&mut server, now, b"STARTTLS\n", &mut out);
        assert_eq!(next, Next::Continue);
        assert_eq!(out, b"ERR ALREADY-SSL-MODE\n");
    }

    #[test]
    fn prefixed_stream_yields_the_prefix_first() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let inner: &[u8] = b" world";
            let mut s = Prefixed::new(b"hello".to_vec(), inner);
            let mut all = Vec::new();
            s.read_to_end(&mut all).await.expect("reads");
            assert_eq!(all, b"hello world");
        });
    }
}
