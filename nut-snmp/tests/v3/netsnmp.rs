//! Interoperability with net-snmp 5.9: its `snmpget`/`snmpwalk` read our
//! v3 agent, and our v3 client reads its `snmpd`, at every level with the
//! protocol pairs listed. Each test prints a SKIPPED line when the tools
//! are not installed (`apt-get install snmp snmpd`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nut_snmp::udp::{AuthProtocol, Behaviour, Client, PrivProtocol, V3Config};
use nut_snmp::{Oid, Value};

use crate::{ietf_agent, report, serve, v3_config};

const SNMPGET: &str = "/usr/bin/snmpget";
const SNMPWALK: &str = "/usr/bin/snmpwalk";
const SNMPD: &str = "/usr/sbin/snmpd";

/// (authProtocol, privProtocol) pairs in snmp-ups's spelling; `None` for
/// authNoPriv.
const PAIRS: &[(&str, Option<&str>)] = &[
    ("MD5", None),
    ("SHA512", None),
    ("MD5", Some("DES")),
    ("SHA", Some("AES")),
    ("SHA256", Some("AES192")),
    ("SHA384", Some("AES256")),
    ("SHA512", Some("AES")),
    ("MD5", Some("AES256")),
];

fn installed(test: &str, tool: &str) -> bool {
    if Path::new(tool).exists() {
        return true;
    }
    report(&format!(
        "SKIPPED {test}: {tool} not installed (apt-get install snmp snmpd)"
    ));
    false
}

/// net-snmp's command-line names for our protocols.
fn net_snmp_name(name: &str) -> &str {
    match name {
        "SHA256" => "SHA-256",
        "SHA384" => "SHA-384",
        "SHA512" => "SHA-512",
        "AES192" => "AES-192",
        "AES256" => "AES-256",
        other => other,
    }
}

fn user_for(name: &str, auth: &str, privacy: Option<&str>) -> V3Config {
    let user = V3Config::new(name).with_auth(
        auth.parse::<AuthProtocol>().expect("auth protocol"),
        "authpass123",
    );
    match privacy {
        Some(p) => user.with_privacy(
            p.parse::<PrivProtocol>().expect("privacy protocol"),
            "privpass123",
        ),
        None => user,
    }
}

fn security_args(user: &V3Config, auth: &str, privacy: Option<&str>) -> Vec<String> {
    let mut args = vec![
        "-v3".to_owned(),
        "-u".to_owned(),
        user.user.clone(),
        "-a".to_owned(),
        net_snmp_name(auth).to_owned(),
        "-A".to_owned(),
        "authpass123".to_owned(),
    ];
    match privacy {
        Some(p) => args.extend([
            "-l".to_owned(),
            "authPriv".to_owned(),
            "-x".to_owned(),
            net_snmp_name(p).to_owned(),
            "-X".to_owned(),
            "privpass123".to_owned(),
        ]),
        None => args.extend(["-l".to_owned(), "authNoPriv".to_owned()]),
    }
    args
}

/// An empty directory for net-snmp's configuration and state.
fn scratch(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nut-snmp-v3-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn net_snmp_tool(tool: &str, conf: &Path, args: &[String]) -> String {
    let output = Command::new(tool)
        .args(args)
        .env("SNMPCONFPATH", conf)
        .env("MIBS", "")
        .env("HOME", conf)
        .stdin(Stdio::null())
        .output()
        .expect("net-snmp tool runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn net_snmp_tools_read_our_v3_agent() {
    let test = "net_snmp_tools_read_our_v3_agent";
    if !installed(test, SNMPGET) || !installed(test, SNMPWALK) {
        return;
    }
    let users: Vec<_> = PAIRS
        .iter()
        .enumerate()
        .map(|(n, (auth, privacy))| {
            let name = format!("user{n}");
            (user_for(&name, auth, *privacy), name, ietf_agent(false))
        })
        .collect();
    let (_sim, peer) = serve(&users, Behaviour::default());
    let conf = scratch("tools");
    let expected = ietf_agent(false).iter().count();
    for ((auth, privacy), (user, _, _)) in PAIRS.iter().zip(&users) {
        let mut args = security_args(user, auth, *privacy);
        args.extend(["-On", "-r", "1", "-t", "2", &peer].map(str::to_owned));
        let mut get = args.clone();
        get.push("1.3.6.1.2.1.33.1.1.2.0".to_owned());
        let out = net_snmp_tool(SNMPGET, &conf, &get);
        assert!(
            out.contains(".1.3.6.1.2.1.33.1.1.2.0 = STRING: \"SIM 3000\""),
            "{auth}/{privacy:?}: {out}"
        );
        let mut walk = args;
        walk.push("1.3".to_owned());
        let out = net_snmp_tool(SNMPWALK, &conf, &walk);
        // The last line is net-snmp's rendering of endOfMibView.
        let lines = out
            .lines()
            .filter(|l| l.starts_with(".1.3.6") && !l.contains("No more variables"))
            .count();
        assert_eq!(lines, expected, "{auth}/{privacy:?}: {out}");
    }
    // A wrong password: net-snmp reports the agent's wrongDigests report.
    let mut args = security_args(&users[3].0, "SHA", Some("AES"));
    args[6] = "wrongpass123".to_owned();
    args.extend(["-r", "0", "-t", "2", &peer, "1.3.6.1.2.1.1.2.0"].map(str::to_owned));
    let out = net_snmp_tool(SNMPGET, &conf, &args);
    assert!(
        out.contains("Authentication failure"),
        "net-snmp names the wrong digest: {out}"
    );
    let _ = std::fs::remove_dir_all(&conf);
    report(&format!(
        "net-snmp snmpget/snmpwalk read our v3 agent with {} auth/priv pairs ({expected} varbinds each)",
        PAIRS.len()
    ));
}

/// `snmpd` on a free loopback port with one user per pair; stopped by PID
/// on drop.
struct Snmpd {
    child: Child,
    dir: PathBuf,
    peer: String,
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_snmpd() -> Snmpd {
    let dir = scratch("snmpd");
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("free port")
        .port();
    let mut conf = format!(
        "agentaddress udp:127.0.0.1:{port}\nsysDescr nut-rs v3 interop\nsysObjectID .1.3.6.1.2.1.33\n"
    );
    for (n, (auth, privacy)) in PAIRS.iter().enumerate() {
        let auth = net_snmp_name(auth);
        match privacy {
            Some(p) => {
                conf.push_str(&format!(
                    "createUser user{n} {auth} authpass123 {} privpass123\nrouser user{n} priv\n",
                    p.replace('-', "")
                ));
            }
            None => conf.push_str(&format!(
                "createUser user{n} {auth} authpass123\nrouser user{n} auth\n"
            )),
        }
    }
    let path = dir.join("snmpd.conf");
    std::fs::write(&path, conf).expect("snmpd.conf");
    let child = Command::new(SNMPD)
        .args(["-f", "-Lf", "/dev/null", "-C", "-c"])
        .arg(&path)
        .arg("-p")
        .arg(dir.join("snmpd.pid"))
        .env("SNMP_PERSISTENT_DIR", &dir)
        .env("MIBS", "")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("snmpd starts");
    Snmpd {
        child,
        dir,
        peer: format!("127.0.0.1:{port}"),
    }
}

#[test]
fn our_client_reads_net_snmp_snmpd() {
    let test = "our_client_reads_net_snmp_snmpd";
    if !installed(test, SNMPD) {
        return;
    }
    let snmpd = start_snmpd();
    let descr: Oid = "1.3.6.1.2.1.1.1.0".parse().unwrap();
    let mut checked = 0;
    for (n, (auth, privacy)) in PAIRS.iter().enumerate() {
        let user = user_for(&format!("user{n}"), auth, *privacy);
        // snmpd may still be starting: give the first request time.
        let started = Instant::now();
        let mut client = Client::connect(&snmpd.peer, &v3_config(&user, 500, 3)).unwrap();
        let value = loop {
            match client.get_value(&descr) {
                Ok(value) => break value,
                Err(e) if started.elapsed() > Duration::from_secs(10) => {
                    panic!("{auth}/{privacy:?}: {e}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        assert_eq!(
            value,
            Some(Value::OctetString(b"nut-rs v3 interop".to_vec())),
            "{auth}/{privacy:?}"
        );
        let system = client.walk(&"1.3.6.1.2.1.1".parse().unwrap(), 50).unwrap();
        assert!(system.len() >= 5, "{auth}/{privacy:?}: {system:?}");
        assert!(client.v3_engine().is_some_and(|(id, _, _)| !id.is_empty()));
        checked += 1;
    }
    // A wrong password: snmpd's wrongDigests report, typed.
    let mut wrong = user_for("user3", "SHA", Some("AES"));
    wrong.auth_password = "wrongpass123".to_owned();
    let mut client = Client::connect(&snmpd.peer, &v3_config(&wrong, 500, 1)).unwrap();
    let err = client.get_value(&descr).unwrap_err();
    assert!(err.to_string().contains("wrong digest"), "{err}");
    let mut unknown = user_for("nobody", "SHA", Some("AES"));
    unknown.user = "nobody".to_owned();
    let mut client = Client::connect(&snmpd.peer, &v3_config(&unknown, 500, 1)).unwrap();
    let err = client.get_value(&descr).unwrap_err();
    assert!(err.to_string().contains("unknown user name"), "{err}");
    report(&format!(
        "our v3 client read net-snmp snmpd with {checked} auth/priv pairs; wrong digest and unknown user typed"
    ));
}
