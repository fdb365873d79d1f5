//! netxml-ups's transport against the NetXML card simulator on loopback:
//! a whole session, HTTP errors, redirects, dropped connections, Basic
//! credentials, huge and slow answers, and HTTPS with a certificate the
//! system does not trust (refused unless pinned, given as CA, or
//! explicitly allowed).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nut_snmp::Error;
use nut_snmp::netxml::device::{Device, OBJECT_PATH, PRODUCT_PATH, SUMMARY_PATH};
use nut_snmp::netxml::http::{MAX_BODY_BYTES, Transport, fingerprint};
use nut_snmp::netxml::options::{Options, TlsTrust};
use nut_snmp::netxml::session::Session;
use nut_snmp::netxml::sim::{self, Availability, SimState, Simulator, lock};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn simulator() -> Simulator {
    Simulator::bind(loopback(), SimState::default())
        .await
        .expect("simulator binds")
}

fn transport(url: &str) -> Transport {
    Transport::new(&Options::with_url(url)).expect("transport")
}

#[tokio::test]
async fn a_whole_session_over_http() {
    let sim = simulator().await;
    let transport = transport(&sim.url());
    transport.get("/").await.expect("connectivity test");
    let mut session = Session::new(transport.options().clone());
    let product = transport.get(PRODUCT_PATH).await.expect("product page");
    session
        .handle_product(PRODUCT_PATH, &product)
        .expect("parses");
    let paths = session.poll_paths();
    assert_eq!(paths[0].as_deref(), Some(OBJECT_PATH));
    assert_eq!(paths[1].as_deref(), Some(SUMMARY_PATH));
    for path in paths.iter().flatten() {
        let body = transport.get(path).await.expect("page");
        session.handle_document(&body).expect("parses");
    }
    assert_eq!(session.status(), ["OL", "CHRG"]);
    lock(sim.shared()).device.command("ob").expect("ob");
    let body = transport.get(SUMMARY_PATH).await.expect("summary");
    session.handle_document(&body).expect("parses");
    assert_eq!(session.status(), ["OB", "DISCHRG"]);

    // A set goes to the card, which applies it.
    let request = session
        .set_request("device.location", "Rack 9")
        .expect("mapped");
    transport.send(&request).await.expect("set accepted");
    assert_eq!(
        lock(sim.shared()).device.get("System.Location"),
        Some("Rack 9")
    );
    let log = lock(sim.shared()).requests.clone();
    assert!(log.contains(&"POST /Forms/set_obj_2".to_owned()), "{log:?}");
}

#[tokio::test]
async fn http_errors_redirects_and_dropped_connections_are_typed() {
    let sim = simulator().await;
    let transport = transport(&sim.url());
    let url = format!("{}{PRODUCT_PATH}", sim.url());

    assert_eq!(
        transport.get("/nothing-here").await,
        Err(Error::HttpStatus {
            url: format!("{}/nothing-here", sim.url()),
            status: 404
        })
    );
    lock(sim.shared()).availability = Availability::Status(503);
    assert_eq!(
        transport.get(PRODUCT_PATH).await,
        Err(Error::HttpStatus {
            url: url.clone(),
            status: 503
        })
    );
    lock(sim.shared()).availability = Availability::Status(302);
    let error = transport.get(PRODUCT_PATH).await.expect_err("redirect");
    assert_eq!(
        error,
        Error::HttpRedirect {
            url: url.clone(),
            status: 302,
            location: "/moved".into()
        }
    );
    assert!(error.to_string().contains("not followed"), "{error}");
    lock(sim.shared()).availability = Availability::Drop;
    match transport.get(PRODUCT_PATH).await {
        Err(Error::Http { url: u, reason }) => {
            assert_eq!(u, url);
            assert!(!reason.is_empty());
        }
        other => panic!("dropped connection gave {other:?}"),
    }
    lock(sim.shared()).availability = Availability::Up;
    assert!(transport.get(PRODUCT_PATH).await.is_ok(), "recovers");
}

#[tokio::test]
async fn basic_credentials() {
    let state = SimState {
        credentials: Some(("admin".into(), "secret".into())),
        ..SimState::default()
    };
    let sim = Simulator::bind(loopback(), state).await.expect("binds");
    assert!(matches!(
        transport(&sim.url()).get("/").await,
        Err(Error::HttpStatus { status: 401, .. })
    ));
    let mut options = Options::with_url(&sim.url());
    options.login = Some("admin".into());
    options.password = Some("wrong".into());
    let wrong = Transport::new(&options).expect("transport");
    assert!(matches!(
        wrong.get("/").await,
        Err(Error::HttpStatus { status: 401, .. })
    ));
    options.password = Some("secret".into());
    let right = Transport::new(&options).expect("transport");
    assert!(right.get("/").await.is_ok());
}

/// A server that answers every connection with `answer` (after the
/// request head), or never answers when it is `None`.
async fn raw_server(answer: Option<Vec<u8>>) -> SocketAddr {
    let listener = TcpListener::bind(loopback()).await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let answer = answer.map(Arc::new);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head).await;
                match answer {
                    Some(answer) => {
                        let _ = stream.write_all(&answer).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn huge_answers_are_cut_off() {
    let mut answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<SUMMARY>".to_vec();
    answer.resize(MAX_BODY_BYTES + 4096, b'x');
    let addr = raw_server(Some(answer)).await;
    match transport(&format!("http://{addr}")).get("/").await {
        Err(Error::Http { reason, .. }) => assert!(reason.contains("larger than"), "{reason}"),
        other => panic!("huge answer gave {other:?}"),
    }
    // The limit itself is accepted.
    let mut answer =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {MAX_BODY_BYTES}\r\nConnection: close\r\n\r\n")
            .into_bytes();
    answer.resize(answer.len() + MAX_BODY_BYTES, b'x');
    let addr = raw_server(Some(answer)).await;
    let body = transport(&format!("http://{addr}")).get("/").await;
    assert_eq!(body.map(|b| b.len()), Ok(MAX_BODY_BYTES));
}

#[tokio::test]
async fn a_silent_card_times_out_in_bounded_time() {
    let addr = raw_server(None).await;
    let mut options = Options::with_url(&format!("http://{addr}"));
    options.timeout = 1;
    let transport = Transport::new(&options).expect("transport");
    let start = Instant::now();
    let result = transport.get("/").await;
    assert!(matches!(result, Err(Error::Http { .. })), "{result:?}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
}

struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().expect("key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = Issuer::new(ca_params, ca_key);
    let card_key = KeyPair::generate().expect("key");
    let card_cert = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .signed_by(&card_key, &issuer)
        .expect("card cert");
    Pki {
        ca_pem: ca_cert.pem(),
        chain: vec![card_cert.der().clone(), ca_cert.der().clone()],
        key: card_key.serialize_der(),
    }
}

/// The simulator behind TLS with `pki`'s card certificate; the URL.
async fn tls_simulator(pki: &Pki) -> (String, sim::Shared) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            pki.chain.clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key.clone())),
        )
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(loopback()).await.expect("binds");
    let port = listener.local_addr().expect("addr").port();
    let shared: sim::Shared = Arc::new(std::sync::Mutex::new(SimState {
        device: Device::ups(),
        ..SimState::default()
    }));
    let state = shared.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let state = state.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    let _ = sim::serve_connection(tls, &state).await;
                }
            });
        }
    });
    (format!("https://localhost:{port}"), shared)
}

#[tokio::test]
async fn https_needs_trust_pin_or_explicit_permission() {
    let pki = pki();
    let (url, _shared) = tls_simulator(&pki).await;
    let with = |tls: TlsTrust| {
        let mut options = Options::with_url(&url);
        options.tls = tls;
        Transport::new(&options).expect("transport")
    };
    // The system CAs do not know the card's CA.
    match with(TlsTrust::System).get(PRODUCT_PATH).await {
        Err(Error::Http { reason, .. }) => {
            assert!(reason.to_lowercase().contains("certificate"), "{reason}")
        }
        other => panic!("untrusted certificate gave {other:?}"),
    }
    // Pinned by its SHA-256.
    let digest = ring_digest(&pki.chain[0]);
    assert!(
        with(TlsTrust::Fingerprint(digest))
            .get(PRODUCT_PATH)
            .await
            .is_ok()
    );
    // A wrong pin is refused, and the error shows the card's fingerprint.
    match with(TlsTrust::Fingerprint([0; 32])).get(PRODUCT_PATH).await {
        Err(Error::Http { reason, .. }) => {
            assert!(reason.contains(&fingerprint(&pki.chain[0])), "{reason}")
        }
        other => panic!("wrong pin gave {other:?}"),
    }
    // The card's CA from a file.
    let dir = std::env::temp_dir().join(format!("nut-snmp-netxml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca file");
    let result = with(TlsTrust::CaFile(ca)).get(PRODUCT_PATH).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(result.is_ok(), "{result:?}");
    // Explicitly insecure.
    assert!(with(TlsTrust::Insecure).get(PRODUCT_PATH).await.is_ok());
}

#[tokio::test]
async fn a_cafile_without_certificates_is_an_option_error() {
    let dir = std::env::temp_dir().join(format!("nut-snmp-netxml-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").expect("file");
    let mut options = Options::with_url("https://localhost:1");
    options.tls = TlsTrust::CaFile(empty);
    let result = Transport::new(&options);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        matches!(
            result,
            Err(Error::Option {
                option: "cafile",
                ..
            })
        ),
        "{result:?}"
    );
}

fn ring_digest(der: &[u8]) -> [u8; 32] {
    let hex = fingerprint(der);
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let text = std::str::from_utf8(pair).expect("hex");
        *slot = u8::from_str_radix(text, 16).expect("hex");
    }
    out
}

include!("fuzz_properties.rs");

/// The fuzz target's properties over its seed corpus (the simulator's
/// pages and the other NetXML documents), so the seeds stay meaningful.
#[test]
fn fuzz_seed_corpus_holds_the_properties() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/netxml_parser");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("seed corpus") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("seed");
        check_netxml_parser(&bytes);
        count += 1;
    }
    assert!(count >= 6, "only {count} seeds in {}", dir.display());
    // The simulator's pages themselves are seeds: they must parse.
    let device = Device::ups();
    for page in [
        device.product_page(),
        device.summary_page(),
        device.object_page(),
    ] {
        check_netxml_parser(page.as_bytes());
        assert!(nut_snmp::netxml::document::Document::parse(page.as_bytes()).is_ok());
    }
}

/// Sends `request` raw to the simulator and returns the status line.
async fn raw_request(sim: &Simulator, request: Vec<u8>) -> String {
    let mut stream = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .expect("connects");
    let _ = stream.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn simulator_request_limits() {
    let sim = simulator().await;
    // A head at the limit is read; one beyond it is refused.
    let head = |filler: usize| {
        let mut r = b"GET / HTTP/1.1\r\nX: ".to_vec();
        r.resize(r.len() + filler, b'a');
        r.extend_from_slice(b"\r\n\r\n");
        r
    };
    let fits = sim::MAX_HEAD_BYTES - head(0).len();
    assert_eq!(raw_request(&sim, head(fits)).await, "HTTP/1.1 200 OK");
    assert_eq!(
        raw_request(&sim, head(sim::MAX_HEAD_BYTES + 1)).await,
        "HTTP/1.1 400 Bad Request"
    );
    // A body at the limit is read (and is not a form: 400 from the form
    // check, not the size check); one byte more is refused before reading.
    let post = |len: usize| {
        let mut r =
            format!("POST /Forms/set_obj_2 HTTP/1.1\r\nContent-Length: {len}\r\n\r\n").into_bytes();
        r.resize(r.len() + len, b'x');
        r
    };
    assert_eq!(
        raw_request(&sim, post(sim::MAX_REQUEST_BODY)).await,
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        raw_request(&sim, post(sim::MAX_REQUEST_BODY + 1)).await,
        "HTTP/1.1 400 Bad Request"
    );
    let log = lock(sim.shared()).requests.clone();
    assert_eq!(
        log.iter().filter(|l| l.starts_with("POST")).count(),
        1,
        "only the body at the limit reached the handler: {log:?}"
    );
}

#[tokio::test]
async fn alarm_channel_delivers_changes() {
    use nut_snmp::netxml::alarm::AlarmChannel;
    use nut_snmp::netxml::device::SUBSCRIBE_PATH;
    use nut_snmp::netxml::request::subscribe_body;

    let sim = simulator().await;
    let transport = transport(&sim.url());
    let body = subscribe_body("netxml-ups v0.44", "host", 120, 0);
    let mut channel = AlarmChannel::open(&transport, SUBSCRIBE_PATH, body)
        .await
        .expect("subscribed");
    assert_eq!(channel.host(), "127.0.0.1");
    assert_eq!(lock(sim.shared()).subscribers, 1);
    lock(sim.shared())
        .device
        .set("UPS.PowerSummary.RemainingCapacity", "42");
    let message = tokio::time::timeout(Duration::from_secs(5), channel.next())
        .await
        .expect("in time")
        .expect("a message");
    let mut session = Session::new(transport.options().clone());
    session
        .handle_document(&message)
        .expect("an ALARM document");
    assert_eq!(session.get("battery.charge"), Some("42"));
    assert_eq!(session.get("ups.time"), Some("12:00:00"));
    // A subscription page that is not there is an HTTP error.
    let result = AlarmChannel::open(&transport, "/nowhere", String::new()).await;
    assert!(
        matches!(result, Err(Error::HttpStatus { status: 404, .. })),
        "{result:?}"
    );
    // The card going away closes the channel: a typed error, not a hang.
    lock(sim.shared()).availability = Availability::Drop;
    let result = tokio::time::timeout(Duration::from_secs(5), channel.next())
        .await
        .expect("in time");
    assert!(matches!(result, Err(Error::Netxml(_))), "{result:?}");
}
