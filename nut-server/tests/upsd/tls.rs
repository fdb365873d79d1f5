//! STARTTLS served by our upsd (feature `tls`): our blocking client with
//! CA verification and host-name checks, client certificates required by
//! `CERTREQUEST 2`, a second STARTTLS, plain-text clients next to TLS ones,
//! and the start-up refusal of an unusable `CERTFILE`. Certificates are made
//! by rcgen at test time; upsd runs in-process on a loopback port.
#![cfg(feature = "tls")]
// Test set-up failures (rcgen, temp files, sockets) should just fail loudly.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_proto::client::{ClientIdentity, ConnectOptions, TlsOptions, blocking::Client};
use nut_proto::net::ErrorCode;
use nut_server::config::UpsdConf;
use nut_server::upsd::serve::tls::TlsServer;
use nut_server::upsd::serve::{Control, Upsd, UpsdOptions};
use nut_server::upsd::{Server, ServerConfig};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

/// Loopback ports of this file (assigned to the TLS tests).
const PORT_BASE: u16 = 14500;

/// A CA, a server certificate for `localhost` (chain and key in one PEM
/// file, as NUT's CERTFILE) and a client certificate, in a fresh directory.
struct Pki {
    dir: PathBuf,
    ca: CertificateDer<'static>,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Pki {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("upsd-tls-{tag}-{}", std::process::id()));
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
        let certfile = format!(
            "{}{}{}",
            server_cert.pem(),
            ca_cert.pem(),
            server_key.serialize_pem()
        );
        std::fs::write(dir.join("upsd.pem"), certfile).unwrap();
        std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.join("cadir/ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.join("client.pem"), client_cert.pem()).unwrap();
        std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
        Self {
            dir,
            ca: ca_cert.der().clone(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `upsd.conf` text with CERTFILE and the given extra lines.
    fn conf(&self, extra: &str) -> UpsdConf {
        let text = format!("CERTFILE {}\n{extra}", self.path("upsd.pem").display());
        UpsdConf::parse("upsd.conf".as_ref(), text.as_bytes()).unwrap()
    }
}

/// Our upsd on `127.0.0.1:port`, stopped on drop.
struct Running {
    control: tokio::sync::mpsc::UnboundedSender<Control>,
    thread: Option<std::thread::JoinHandle<()>>,
    logs: Arc<Mutex<Vec<String>>>,
    port: u16,
}

impl Running {
    fn start(port: u16, tls: Option<TlsServer>) -> Self {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink_logs = Arc::clone(&logs);
        let mut options = UpsdOptions::new(std::env::temp_dir());
        options.tls = tls;
        let upsd = Upsd::new(
            Server::new(ServerConfig::new(Vec::new())),
            options,
            Box::new(move |r| sink_logs.lock().unwrap().push(r.message.clone())),
        );
        let (control, controls) = tokio::sync::mpsc::unbounded_channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                upsd.run(vec![listener], controls).await;
            });
        });
        Self {
            control,
            thread: Some(thread),
            logs,
            port,
        }
    }

    fn logged(&self, needle: &str) -> bool {
        self.logs.lock().unwrap().iter().any(|l| l.contains(needle))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop(15));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn options(tls: Option<TlsOptions>) -> ConnectOptions {
    ConnectOptions {
        io_timeout: Some(Duration::from_secs(5)),
        tls,
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

fn load(conf: &UpsdConf) -> TlsServer {
    let mut log = Vec::new();
    TlsServer::from_conf(conf, &mut log).unwrap().unwrap()
}

#[test]
fn verified_starttls_then_the_session_goes_on_over_tls() {
    let pki = Pki::new("verified");
    let upsd = Running::start(PORT_BASE, Some(load(&pki.conf(""))));
    let mut c = Client::connect("127.0.0.1", upsd.port, &options(Some(verified(&pki)))).unwrap();
    assert!(c.is_tls());
    assert_eq!(c.netver().unwrap(), "1.3");
    // The CA directory form works too.
    let tls = TlsOptions {
        ca_file: None,
        ca_dir: Some(pki.path("cadir")),
        ..verified(&pki)
    };
    let mut c = Client::connect("127.0.0.1", upsd.port, &options(Some(tls))).unwrap();
    assert_eq!(c.netver().unwrap(), "1.3");
    // The host name is checked: the certificate is for localhost only.
    let tls = TlsOptions {
        server_name: Some("other.example".into()),
        ..verified(&pki)
    };
    let e = Client::connect("127.0.0.1", upsd.port, &options(Some(tls))).unwrap_err();
    assert!(matches!(e, nut_proto::Error::Tls(_)), "{e:?}");
    // A plain-text client still works next to TLS ones.
    let mut plain = Client::connect("127.0.0.1", upsd.port, &options(None)).unwrap();
    assert!(!plain.is_tls());
    assert_eq!(plain.netver().unwrap(), "1.3");
    // The failed handshake closed that connection only, and was logged.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !upsd.logged("SSL handshake with 127.0.0.1 failed")
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(upsd.logged("SSL handshake with 127.0.0.1 failed"));
    assert_eq!(plain.netver().unwrap(), "1.3");
}

/// A raw TLS client: STARTTLS by hand, so that a second one can be sent.
#[test]
fn a_second_starttls_is_already_ssl_mode() {
    let pki = Pki::new("second");
    let upsd = Running::start(PORT_BASE + 1, Some(load(&pki.conf(""))));
    let mut tcp = TcpStream::connect(("127.0.0.1", upsd.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp.write_all(b"STARTTLS\n").unwrap();
    let mut reply = [0u8; 12];
    tcp.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"OK STARTTLS\n");
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca.clone()).unwrap();
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    tls.get_mut().write_all(b"STARTTLS\nNETVER\n").unwrap();
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        tls.read_line(&mut line).unwrap();
        lines.push(line);
    }
    assert_eq!(lines, ["ERR ALREADY-SSL-MODE\n", "1.3\n"]);
}

#[test]
fn certrequest_2_requires_a_client_certificate_from_the_ca() {
    let pki = Pki::new("require");
    let conf = pki.conf(&format!(
        "CERTPATH {}\nCERTREQUEST 2\n",
        pki.path("cadir").display()
    ));
    let upsd = Running::start(PORT_BASE + 2, Some(load(&conf)));
    let with_cert = TlsOptions {
        identity: Some(ClientIdentity {
            cert_chain: pki.path("client.pem"),
            key: pki.path("client.key"),
        }),
        ..verified(&pki)
    };
    let mut c = Client::connect("127.0.0.1", upsd.port, &options(Some(with_cert))).unwrap();
    assert_eq!(c.netver().unwrap(), "1.3");
    // Without one the server refuses (in TLS 1.3 right after the handshake).
    let result = Client::connect("127.0.0.1", upsd.port, &options(Some(verified(&pki))))
        .and_then(|mut c| c.netver());
    assert!(result.is_err(), "{result:?}");
    // CERTREQUEST 1 asks, but lets clients without a certificate in.
    let conf = pki.conf(&format!(
        "CERTPATH {}\nCERTREQUEST 1\n",
        pki.path("ca.pem").display()
    ));
    let upsd = Running::start(PORT_BASE + 3, Some(load(&conf)));
    let mut c = Client::connect("127.0.0.1", upsd.port, &options(Some(verified(&pki)))).unwrap();
    assert_eq!(c.netver().unwrap(), "1.3");
}

#[test]
fn without_certfile_starttls_is_not_configured() {
    let upsd = Running::start(PORT_BASE + 4, None);
    let mut c = Client::connect("127.0.0.1", upsd.port, &options(None)).unwrap();
    let pki = Pki::new("none");
    let e = c.starttls(&verified(&pki)).unwrap_err();
    assert!(
        matches!(
            &e,
            nut_proto::Error::StartTlsRefused {
                code: ErrorCode::FeatureNotConfigured,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(c.netver().unwrap(), "1.3");
}

#[test]
fn unusable_tls_settings_refuse_start_up_naming_the_file() {
    let pki = Pki::new("bad");
    let mut log = Vec::new();
    // A CERTFILE holding only certificates (no key).
    let conf = UpsdConf::parse(
        "upsd.conf".as_ref(),
        format!("CERTFILE {}\n", pki.path("ca.pem").display()).as_bytes(),
    )
    .unwrap();
    let e = TlsServer::from_conf(&conf, &mut log).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(&pki.path("ca.pem").display().to_string()),
        "{text}"
    );
    assert!(text.contains("private key"), "{text}");
    // CERTREQUEST 2 without a CA to check against.
    let e = TlsServer::from_conf(&pki.conf("CERTREQUEST 2\n"), &mut log).unwrap_err();
    assert!(
        e.to_string().contains("CERTREQUEST 2 needs CERTPATH"),
        "{e}"
    );
    // A key that is not the certificate's.
    let wrong = pki.path("wrong.pem");
    let other = KeyPair::generate().unwrap();
    let cert = std::fs::read_to_string(pki.path("client.pem")).unwrap();
    std::fs::write(&wrong, format!("{cert}{}", other.serialize_pem())).unwrap();
    let conf = UpsdConf::parse(
        "upsd.conf".as_ref(),
        format!("CERTFILE {}\n", wrong.display()).as_bytes(),
    )
    .unwrap();
    let e = TlsServer::from_conf(&conf, &mut log).unwrap_err();
    assert!(e.to_string().contains("wrong.pem"), "{e}");
}
