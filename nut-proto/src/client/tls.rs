//! rustls (ring) configuration for STARTTLS, shared by both adapters.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::TlsOptions;
use crate::Error;

/// Most CA files read from a `ca_dir`, so a huge directory cannot stall us.
const MAX_CA_DIR_FILES: usize = 1024;

/// The client configuration and the name to verify for `options` when
/// connecting to `host`.
pub(crate) fn client_config(
    options: &TlsOptions,
    host: &str,
) -> Result<(Arc<ClientConfig>, ServerName<'static>), Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?;
    let builder = if options.verify {
        let roots = load_roots(options)?;
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate {
                algorithms: provider.signature_verification_algorithms,
            }))
    };
    let config = match &options.identity {
        Some(identity) => {
            let certs = read_certs(&identity.cert_chain)?;
            let key = PrivateKeyDer::from_pem_file(&identity.key)
                .map_err(|e| Error::Tls(format!("reading key {}: {e}", identity.key.display())))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| Error::Tls(format!("client certificate: {e}")))?
        }
        None => builder.with_no_client_auth(),
    };
    let name = options.server_name.as_deref().unwrap_or(host);
    let name = ServerName::try_from(name.to_owned())
        .map_err(|_| Error::Tls(format!("invalid server name {name:?}")))?;
    Ok((Arc::new(config), name))
}

/// A handshake I/O error: rustls wraps its own errors in `InvalidData`.
pub(crate) fn handshake_error(error: io::Error) -> Error {
    Error::Tls(format!("handshake failed: {error}"))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| Error::Tls(format!("reading certificates {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Tls(format!("no certificate in {}", path.display())));
    }
    Ok(certs)
}

fn load_roots(options: &TlsOptions) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    let mut add = |path: &Path| -> Result<(), Error> {
        for cert in read_certs(path)? {
            roots
                .add(cert)
                .map_err(|e| Error::Tls(format!("CA certificate in {}: {e}", path.display())))?;
        }
        Ok(())
    };
    if let Some(file) = &options.ca_file {
        add(file)?;
    }
    if let Some(dir) = &options.ca_dir {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::Tls(format!("reading CA directory {}: {e}", dir.display())))?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|ext| ext == "pem" || ext == "crt")
            })
            .take(MAX_CA_DIR_FILES)
            .collect();
        paths.sort();
        for path in paths {
            add(&path)?;
        }
    }
    if roots.is_empty() {
        return Err(Error::Tls(
            "no CA certificate configured (give ca_file or ca_dir, or turn verification off)"
                .to_owned(),
        ));
    }
    Ok(roots)
}

/// NUT's `CERTVERIFY 0`: any certificate is accepted, but handshake
/// signatures are still checked so the session keys are sound.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
