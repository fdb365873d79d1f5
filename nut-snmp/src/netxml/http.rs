//! The HTTP(S) transport of netxml-ups, over `reqwest` with rustls (ring).
//!
//! * Every request has the `timeout` option as connect and read time-out,
//!   and twice that as a bound on the whole exchange.
//! * Redirects are never followed ([`Error::HttpRedirect`]); an HTTP error
//!   status is [`Error::HttpStatus`]; a body larger than
//!   [`MAX_BODY_BYTES`] is cut off as an [`Error::Http`].
//! * `login`/`password` are sent as HTTP Basic credentials.
//! * HTTPS trusts the system CAs (as NUT does), or what the user chose:
//!   the CAs of a PEM file, one certificate pinned by its SHA-256, or any
//!   certificate ([`TlsTrust`]). A pinned or insecure connection still
//!   checks the handshake signatures with the certificate's key.

use std::sync::Arc;
use std::time::Duration;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::options::{Options, TlsTrust};
use super::request::{HttpRequest, Method};
use super::session::SUBDRIVER;
use crate::error::{Error, shown};

/// Largest response body read (the XML reader's own limit).
pub const MAX_BODY_BYTES: usize = super::xml::MAX_DOCUMENT_BYTES;

/// System CA bundles tried in order when `SSL_CERT_FILE` is not set.
const SYSTEM_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

/// A client for one card.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    options: Options,
}

impl Transport {
    /// A client for the card of `options`.
    ///
    /// # Errors
    ///
    /// [`Error::Option`] when the `cafile` cannot be read or holds no
    /// certificate; [`Error::Http`] when the client cannot be built.
    pub fn new(options: &Options) -> Result<Self, Error> {
        let timeout = Duration::from_secs(u64::from(options.timeout));
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config(&options.tls)?)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .timeout(timeout * 2)
            .user_agent(SUBDRIVER)
            .build()
            .map_err(|e| Error::Http {
                url: options.base_url.clone(),
                reason: error_text(&e),
            })?;
        Ok(Self {
            client,
            options: options.clone(),
        })
    }

    /// The options the transport was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// `GET path` and its body.
    ///
    /// # Errors
    ///
    /// See the module docs.
    pub async fn get(&self, path: &str) -> Result<Vec<u8>, Error> {
        self.send(&HttpRequest {
            method: Method::Get,
            path: path.to_owned(),
            content_type: None,
            body: Vec::new(),
        })
        .await
    }

    /// Sends `request` and returns the response body.
    ///
    /// # Errors
    ///
    /// See the module docs.
    pub async fn send(&self, request: &HttpRequest) -> Result<Vec<u8>, Error> {
        let url = self.options.url(&request.path);
        let http = |reason: String| Error::Http {
            url: url.clone(),
            reason,
        };
        let mut builder = match request.method {
            Method::Get => self.client.get(&url),
            Method::Post => self.client.post(&url).body(request.body.clone()),
        };
        if let Some(content_type) = &request.content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        if let Some(login) = &self.options.login {
            builder = builder.basic_auth(login, self.options.password.as_deref());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| http(error_text(&e.without_url())))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|l| shown(&String::from_utf8_lossy(l.as_bytes())))
                .unwrap_or_default();
            return Err(Error::HttpRedirect {
                url,
                status: status.as_u16(),
                location,
            });
        }
        if !status.is_success() {
            return Err(Error::HttpStatus {
                url,
                status: status.as_u16(),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| http(error_text(&e.without_url())))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(http(format!("answer larger than {MAX_BODY_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// An error and its causes, joined: reqwest's own text is only the top.
fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls configuration for `trust`.
fn tls_config(trust: &TlsTrust) -> Result<rustls::ClientConfig, Error> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Option {
            option: "port",
            reason: format!("TLS set-up failed: {e}"),
        })?;
    let config = match trust {
        TlsTrust::System => {
            let path = std::env::var("SSL_CERT_FILE").ok().or_else(|| {
                SYSTEM_CA_FILES
                    .iter()
                    .find(|p| std::path::Path::new(p).exists())
                    .map(|p| (*p).to_owned())
            });
            // No bundle: an empty store, so HTTPS fails with a clear
            // "unknown issuer" rather than at start-up for an http:// card.
            let roots = path
                .and_then(|p| load_roots(std::path::Path::new(&p)).ok())
                .unwrap_or_else(rustls::RootCertStore::empty);
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsTrust::CaFile(path) => {
            let roots = load_roots(path)?;
            if roots.is_empty() {
                return Err(Error::Option {
                    option: "cafile",
                    reason: format!("{}: no usable certificate", path.display()),
                });
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsTrust::Fingerprint(digest) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                digest: Some(*digest),
                provider,
            }))
            .with_no_client_auth(),
        TlsTrust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                digest: None,
                provider,
            }))
            .with_no_client_auth(),
    };
    Ok(config)
}

fn load_roots(path: &std::path::Path) -> Result<rustls::RootCertStore, Error> {
    let bad = |reason: String| Error::Option {
        option: "cafile",
        reason: format!("{}: {reason}", path.display()),
    };
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))?;
    for cert in certs {
        let cert = cert.map_err(|e| bad(e.to_string()))?;
        // A bundle may hold certificates rustls cannot use; skip those.
        let _ = roots.add(cert);
    }
    Ok(roots)
}

/// The lowercase hex SHA-256 of `der`.
pub fn fingerprint(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Accepts the certificate whose SHA-256 is `digest` (any when `None`),
/// whatever its issuer, name or dates; handshake signatures are checked.
#[derive(Debug)]
struct Pinned {
    digest: Option<[u8; 32]>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(expected) = self.digest {
            let got = ring::digest::digest(&ring::digest::SHA256, end_entity.as_ref());
            if got.as_ref() != expected {
                return Err(rustls::Error::General(format!(
                    "the card's certificate has SHA-256 fingerprint {}, not the one in certfingerprint",
                    fingerprint(end_entity.as_ref())
                )));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
