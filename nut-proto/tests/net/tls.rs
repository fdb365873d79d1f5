//! STARTTLS against an in-process rustls server with certificates made by
//! rcgen at test time: CA file and directory, host-name checks, the
//! CERTVERIFY 0 mode, client certificates, and refusals.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use nut_proto::Error;
use nut_proto::client::{ClientIdentity, ConnectOptions, TlsOptions, blocking::Client};
use nut_proto::net::ErrorCode;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use crate::fake::bind;

/// A CA, a server certificate for `localhost` and a client certificate,
/// written as PEM files into a fresh directory.
struct Pki {
    dir: PathBuf,
    ca: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Pki {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nut-proto-tls-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("cadir")).unwrap();

        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client_cert = CertificateParams::new(vec!["upsmon.client".to_owned()])
            .unwrap()
            .signed_by(&client_key, &issuer)
            .unwrap();

        std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.join("cadir/ca.crt"), ca_cert.pem()).unwrap();
        std::fs::write(dir.join("client.pem"), client_cert.pem()).unwrap();
        std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
        Self {
            ca: ca_cert.der().clone(),
            server_chain: vec![server_cert.der().clone(), ca_cert.der().clone()],
            server_key: server_key.serialize_der(),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn server_config(&self, require_client_cert: bool) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots.add(self.ca.clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        Arc::new(
            builder
                .with_single_cert(self.server_chain.clone(), key)
                .unwrap(),
        )
    }
}

/// Reads one LF-terminated line byte by byte, so nothing after it is
/// consumed before the handshake.
fn read_plain_line(stream: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stream.read_exact(&mut byte).is_ok() && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    String::from_utf8(line).unwrap()
}

/// A one-connection server: answers `STARTTLS` with `starttls_reply`; when
/// that is `OK STARTTLS`, does the handshake and answers `NETVER` with
/// `1.3` over TLS; otherwise keeps answering in plain text.
fn tls_server(config: Arc<ServerConfig>, starttls_reply: &'static str) -> u16 {
    let listener = bind();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(read_plain_line(&mut tcp), "STARTTLS");
        tcp.write_all(format!("{starttls_reply}\n").as_bytes())
            .unwrap();
        if starttls_reply != "OK STARTTLS" {
            if read_plain_line(&mut tcp) == "NETVER" {
                let _ = tcp.write_all(b"1.3\n");
            }
            return;
        }
        let conn = ServerConnection::new(config).unwrap();
        let tls = StreamOwned::new(conn, tcp);
        let mut reader = BufReader::new(tls);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            let answer = if line == "NETVER\n" {
                "1.3\n"
            } else {
                "ERR UNKNOWN-COMMAND\n"
            };
            if reader.get_mut().write_all(answer.as_bytes()).is_err() {
                return;
            }
            line.clear();
        }
    });
    port
}

fn options(tls: TlsOptions) -> ConnectOptions {
    ConnectOptions {
        io_timeout: Some(Duration::from_secs(5)),
        tls: Some(tls),
        ..ConnectOptions::default()
    }
}

fn verified(pki: &Pki) -> TlsOptions {
    TlsOptions {
        ca_file: Some(pki.path("ca.pem")),
        server_name: Some("localhost".into()),
        ..TlsOptions::default()
    }
}

fn connect(port: u16, tls: TlsOptions) -> Result<Client, Error> {
    Client::connect("127.0.0.1", port, &options(tls))
}

#[test]
fn verified_handshake_with_ca_file_and_ca_dir() {
    let pki = Pki::new("ok");
    let port = tls_server(pki.server_config(false), "OK STARTTLS");
    let mut c = connect(port, verified(&pki)).unwrap();
    assert!(c.is_tls());
    assert_eq!(c.netver().unwrap(), "1.3");

    let port = tls_server(pki.server_config(false), "OK STARTTLS");
    let tls = TlsOptions {
        ca_file: None,
        ca_dir: Some(pki.path("cadir")),
        ..verified(&pki)
    };
    assert_eq!(connect(port, tls).unwrap().netver().unwrap(), "1.3");
}

#[test]
fn host_name_mismatch_fails_unless_verification_is_off() {
    let pki = Pki::new("name");
    let port = tls_server(pki.server_config(false), "OK STARTTLS");
    let tls = TlsOptions {
        server_name: Some("other.example".into()),
        ..verified(&pki)
    };
    let e = connect(port, tls).unwrap_err();
    assert!(matches!(e, Error::Tls(_)), "{e:?}");
    assert!(
        e.nut_message().starts_with("SSL error: "),
        "{}",
        e.nut_message()
    );

    // CERTVERIFY 0: no CA, wrong name, still connects.
    let port = tls_server(pki.server_config(false), "OK STARTTLS");
    let tls = TlsOptions {
        verify: false,
        server_name: Some("other.example".into()),
        ..TlsOptions::default()
    };
    assert_eq!(connect(port, tls).unwrap().netver().unwrap(), "1.3");
}

#[test]
fn client_certificates() {
    let pki = Pki::new("client");
    let port = tls_server(pki.server_config(true), "OK STARTTLS");
    let tls = TlsOptions {
        identity: Some(ClientIdentity {
            cert_chain: pki.path("client.pem"),
            key: pki.path("client.key"),
        }),
        ..verified(&pki)
    };
    assert_eq!(connect(port, tls).unwrap().netver().unwrap(), "1.3");

    // Without one the server rejects us (during or right after the handshake).
    let port = tls_server(pki.server_config(true), "OK STARTTLS");
    let result = connect(port, verified(&pki)).and_then(|mut c| c.netver());
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn refusal_is_typed_and_leaves_the_plain_connection_usable() {
    let pki = Pki::new("refused");
    let port = tls_server(pki.server_config(false), "ERR FEATURE-NOT-CONFIGURED");
    let mut c = Client::connect("127.0.0.1", port, &ConnectOptions::default()).unwrap();
    let e = c.starttls(&verified(&pki)).unwrap_err();
    assert!(
        matches!(
            &e,
            Error::StartTlsRefused {
                code: ErrorCode::FeatureNotConfigured,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!c.is_tls());
    assert_eq!(c.netver().unwrap(), "1.3");
}

#[test]
fn bad_configuration_fails_before_sending_starttls() {
    let e = Client::connect(
        "127.0.0.1",
        crate::closed_port(),
        &ConnectOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    let pki = Pki::new("config");
    let port = tls_server(pki.server_config(false), "OK STARTTLS");
    let mut c = Client::connect("127.0.0.1", port, &ConnectOptions::default()).unwrap();
    let missing = TlsOptions {
        ca_file: Some(Path::new("/nonexistent/ca.pem").to_path_buf()),
        ..TlsOptions::default()
    };
    assert!(matches!(c.starttls(&missing), Err(Error::Tls(_))));
    let no_ca = TlsOptions::default();
    let e = c.starttls(&no_ca).unwrap_err();
    assert!(e.to_string().contains("no CA certificate"), "{e}");
    // Nothing was sent: the server still waits for STARTTLS, so a real one works now.
    c.starttls(&verified(&pki)).unwrap();
    assert_eq!(c.netver().unwrap(), "1.3");
}

#[cfg(feature = "tokio-tls")]
#[test]
fn tokio_adapter_does_starttls_too() {
    let pki = Pki::new("tokio");
    let port = tls_server(pki.server_config(false), "OK STARTTLS");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c =
            nut_proto::client::tokio::Client::connect("127.0.0.1", port, &options(verified(&pki)))
                .await
                .unwrap();
        assert!(c.is_tls());
        assert_eq!(c.netver().await.unwrap(), "1.3");
    });
    let port = tls_server(pki.server_config(false), "ERR FEATURE-NOT-CONFIGURED");
    rt.block_on(async {
        let e =
            nut_proto::client::tokio::Client::connect("127.0.0.1", port, &options(verified(&pki)))
                .await
                .unwrap_err();
        assert!(matches!(e, Error::StartTlsRefused { .. }), "{e:?}");
    });
}
