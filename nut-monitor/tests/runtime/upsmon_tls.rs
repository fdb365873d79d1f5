//! Our upsmon over STARTTLS to our upsd (feature `runtime-tls`): CERTPATH
//! (file and directory), CERTVERIFY, FORCESSL and CERTHOST, each accepted
//! and refused. upsd is the `nut demo` stack (upsd hosting a simulated UPS,
//! `demo`) with a CERTFILE added to its `upsd.conf`, in this process;
//! certificates are made by rcgen at test time. A login is seen through
//! `GET NUMLOGINS demo` from a plain-text client; upsmon runs as a process
//! (`-F -p`, killed by PID).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nut_proto::client::ConnectOptions;
use nut_proto::client::blocking::Client;
use nut_server::stack::demo::{
    DemoDir, DemoOptions, DemoStack, MONITOR_PASSWORD, MONITOR_USER, UPS_NAME, build_runtime,
};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

use super::support::{Lab, Running, start_upsmon, wait_for};

pub(crate) const TESTS: &[(&str, fn())] = &[
    (
        "upsmon_tls::verified_starttls_with_certpath_and_forcessl",
        verified_starttls_with_certpath_and_forcessl,
    ),
    (
        "upsmon_tls::certverify_refuses_a_server_of_another_ca",
        certverify_refuses_a_server_of_another_ca,
    ),
    (
        "upsmon_tls::forcessl_refuses_a_upsd_without_tls",
        forcessl_refuses_a_upsd_without_tls,
    ),
    (
        "upsmon_tls::certhost_applies_to_its_host_only",
        certhost_applies_to_its_host_only,
    ),
    (
        "upsmon_tls::family_options_verify_the_host_name",
        family_options_verify_the_host_name,
    ),
];

/// Loopback ports of this file.
const PORT_BASE: u16 = 13970;

const SECS: Duration = Duration::from_secs(1);

/// How long a refused upsmon is watched for a login that must not come.
const REFUSED_WATCH: Duration = Duration::from_secs(3);

/// A CA with a server certificate for `localhost` (upsd's CERTFILE: chain
/// and key in one PEM) and an unrelated second CA.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new(lab: &Lab) -> Self {
        let dir = lab.dir.join("pki");
        std::fs::create_dir_all(dir.join("cadir")).unwrap();
        let ca = |name: &str| {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, name);
            let key = KeyPair::generate().unwrap();
            let cert = params.self_signed(&key).unwrap();
            (cert, Issuer::new(params, key))
        };
        let (ca_cert, issuer) = ca("nut-rs test CA");
        let (other_cert, _) = ca("another CA");
        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
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
        std::fs::write(dir.join("other-ca.pem"), other_cert.pem()).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// Our upsd with the demo UPS on 127.0.0.1:`port`, STARTTLS offered with
/// `certfile`; stopped on drop.
struct Upsd {
    stop: Option<tokio::sync::oneshot::Sender<i32>>,
    thread: Option<std::thread::JoinHandle<()>>,
    port: u16,
}

impl Upsd {
    fn start(port: u16, certfile: Option<&Path>) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("upsd port free");
        let dir = DemoDir::create(&std::env::temp_dir()).unwrap();
        dir.write_config(port, None).unwrap();
        if let Some(certfile) = certfile {
            use std::io::Write as _;
            let mut conf = std::fs::OpenOptions::new()
                .append(true)
                .open(dir.path().join("upsd.conf"))
                .unwrap();
            writeln!(conf, "CERTFILE {}", certfile.display()).unwrap();
        }
        let stack = DemoStack::load(&dir, listener, &DemoOptions::default()).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = build_runtime().unwrap();
            let ready = move || {
                let _ = ready_tx.send(());
            };
            let served =
                runtime.block_on(stack.serve(ready, async move { stopped.await.unwrap_or(15) }));
            served.unwrap();
            drop(dir);
        });
        ready.recv_timeout(10 * SECS).expect("upsd ready");
        let upsd = Self {
            stop: Some(stop),
            thread: Some(thread),
            port,
        };
        assert!(
            wait_for(10 * SECS, || upsd.status().is_some()),
            "the demo UPS shows a status"
        );
        upsd
    }

    fn client(&self) -> Option<Client> {
        Client::connect("127.0.0.1", self.port, &ConnectOptions::default()).ok()
    }

    fn status(&self) -> Option<String> {
        self.client()?.get_var(UPS_NAME, "ups.status").ok()
    }

    fn logins(&self) -> u32 {
        self.client()
            .and_then(|mut c| c.get_numlogins(UPS_NAME).ok())
            .unwrap_or(0)
    }
}

impl Drop for Upsd {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(15);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts our upsmon (`-F -p`) as primary of the demo UPS at `host`, with
/// the TLS lines `tls`.
fn upsmon(lab: &Lab, host: &str, port: u16, tls: &str) -> Running {
    upsmon_with(lab, host, port, tls, &[])
}

/// [`upsmon`] with more options.
fn upsmon_with(lab: &Lab, host: &str, port: u16, tls: &str, options: &[&str]) -> Running {
    lab.write(
        "upsmon.conf",
        &format!(
            "MONITOR {UPS_NAME}@{host}:{port} 1 {MONITOR_USER} {MONITOR_PASSWORD} primary\n\
             MINSUPPLIES 1\nPOLLFREQ 1\nPOLLFREQALERT 1\nSHUTDOWNCMD \"/bin/true\"\n{tls}"
        ),
    );
    let mut args = vec!["-F", "-p"];
    args.extend_from_slice(options);
    start_upsmon(lab, &args)
}

/// upsmon logs in within 5 s.
fn logs_in(upsd: &Upsd, mon: &Running) {
    assert!(
        wait_for(5 * SECS, || upsd.logins() == 1),
        "no login; upsmon said:\n{}",
        mon.output()
    );
}

/// upsmon does not log in for [`REFUSED_WATCH`], and says `why`.
fn refused(upsd: &Upsd, mon: &Running, why: &str) {
    assert!(
        !wait_for(REFUSED_WATCH, || upsd.logins() > 0),
        "logged in; upsmon said:\n{}",
        mon.output()
    );
    assert!(
        wait_for(2 * SECS, || mon.output().contains(why)),
        "{why}: upsmon said:\n{}",
        mon.output()
    );
}

fn verified_starttls_with_certpath_and_forcessl() {
    let lab = Lab::new("tls-ok");
    let pki = Pki::new(&lab);
    let upsd = Upsd::start(PORT_BASE, Some(&pki.path("upsd.pem")));
    // FORCESSL: a login can only have happened over TLS.
    let tls = format!(
        "CERTPATH {}\nCERTVERIFY 1\nFORCESSL 1\n",
        pki.path("ca.pem").display()
    );
    let mon = upsmon(&lab, "localhost", upsd.port, &tls);
    logs_in(&upsd, &mon);
    drop(mon);
    assert!(wait_for(5 * SECS, || upsd.logins() == 0), "logged out");
    // CERTPATH naming a directory of CA certificates works the same.
    let tls = format!(
        "CERTPATH {}\nCERTVERIFY 1\nFORCESSL 1\n",
        pki.path("cadir").display()
    );
    let mon = upsmon(&lab, "localhost", upsd.port, &tls);
    logs_in(&upsd, &mon);
    assert!(!mon.output().contains("SSL"), "{}", mon.output());
}

fn certverify_refuses_a_server_of_another_ca() {
    let lab = Lab::new("tls-ca");
    let pki = Pki::new(&lab);
    let upsd = Upsd::start(PORT_BASE + 1, Some(&pki.path("upsd.pem")));
    let tls = format!(
        "CERTPATH {}\nCERTVERIFY 1\nFORCESSL 1\n",
        pki.path("other-ca.pem").display()
    );
    let mon = upsmon(&lab, "localhost", upsd.port, &tls);
    refused(&upsd, &mon, "SSL required but unavailable");
    drop(mon);
    // Without CERTVERIFY the same CA file does not matter: TLS, unverified.
    let tls = format!(
        "CERTPATH {}\nFORCESSL 1\n",
        pki.path("other-ca.pem").display()
    );
    let mon = upsmon(&lab, "localhost", upsd.port, &tls);
    logs_in(&upsd, &mon);
}

fn forcessl_refuses_a_upsd_without_tls() {
    let lab = Lab::new("tls-force");
    let pki = Pki::new(&lab);
    let upsd = Upsd::start(PORT_BASE + 2, None);
    let mon = upsmon(&lab, "localhost", upsd.port, "FORCESSL 1\n");
    refused(&upsd, &mon, "SSL required but unavailable");
    drop(mon);
    // Not forced: STARTTLS is refused and the session goes on in plain text.
    let tls = format!("CERTPATH {}\nCERTVERIFY 1\n", pki.path("ca.pem").display());
    let mon = upsmon(&lab, "localhost", upsd.port, &tls);
    logs_in(&upsd, &mon);
}

fn certhost_applies_to_its_host_only() {
    let lab = Lab::new("tls-host");
    let pki = Pki::new(&lab);
    let upsd = Upsd::start(PORT_BASE + 3, Some(&pki.path("upsd.pem")));
    let certpath = format!("CERTPATH {}\n", pki.path("cadir").display());
    // Verified and forced for 127.0.0.1, whose name the certificate (for
    // localhost) does not carry: refused.
    let tls = format!("{certpath}CERTHOST 127.0.0.1 \"upsd\" 1 1\n");
    let mon = upsmon(&lab, "127.0.0.1", upsd.port, &tls);
    refused(&upsd, &mon, "SSL required but unavailable");
    drop(mon);
    // The same CERTHOST says nothing about localhost: STARTTLS there is
    // CERTPATH's alone (not verified, not forced), and the login goes through.
    let mon = upsmon(&lab, "localhost", upsd.port, &tls);
    logs_in(&upsd, &mon);
    drop(mon);
    assert!(wait_for(5 * SECS, || upsd.logins() == 0), "logged out");
    // CERTHOST for localhost: verified and forced there, and accepted.
    let tls = format!("{certpath}CERTHOST localhost \"upsd\" 1 1\n");
    let mon = upsmon(&lab, "localhost", upsd.port, &tls);
    logs_in(&upsd, &mon);
}

fn family_options_verify_the_host_name() {
    let lab = Lab::new("tls-family");
    let pki = Pki::new(&lab);
    let upsd = Upsd::start(PORT_BASE + 4, Some(&pki.path("upsd.pem")));
    let tls = format!(
        "CERTPATH {}\nCERTVERIFY 1\nFORCESSL 1\n",
        pki.path("ca.pem").display()
    );
    // `-4` resolves localhost to 127.0.0.1 itself; the certificate is still
    // checked against the name in MONITOR (localhost), not the address.
    let mon = upsmon_with(&lab, "localhost", upsd.port, &tls, &["-4"]);
    logs_in(&upsd, &mon);
}
