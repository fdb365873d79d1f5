//! `nut sim snmp`: an SNMP v1/v2c/v3 agent on loopback serving `.snmprec`
//! recordings, or a built-in UPS with switchable outlets, whose state the
//! user changes while it runs by typing commands on stdin (on battery, low
//! battery, outlets off, any OID). SNMPv3 users (`--v3-user`, with
//! `--auth`/`--priv` setting their level) read the first served recording.
//!
//! The agent is [`nut_snmp::udp::Simulator`]; this module adds the command
//! line, the built-in device, the named state changes for the two OID
//! layouts it knows (Eaton XUPS-MIB and RFC 1628 UPS-MIB), and the device
//! logic that makes SETs act (a `load.off` turns the output off, an
//! outlet's off command switches the outlet off).

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nut_snmp::udp::sim::{SharedAgents, lock};
use nut_snmp::udp::{Simulator, V3Config};
use nut_snmp::{Oid, Recording, Value};

mod v3;

/// Default UDP port (unprivileged; snmp-ups takes `port=127.0.0.1:16161`).
pub(crate) const DEFAULT_PORT: u16 = 16161;
/// Outlets of the built-in device.
pub(crate) const BUILTIN_OUTLETS: u32 = 4;
/// How often the device logic looks at the SETs the agent received.
const DEVICE_TICK: Duration = Duration::from_millis(100);

const HELP: &str = "usage: nut sim snmp [--port N | --listen ADDR:PORT] [--community NAME]
         [--v3-user NAME [--auth PROTO:PASSWORD [--priv PROTO:PASSWORD]]]...
         [FILE.snmprec...]

An SNMP v1/v2c/v3 agent for snmp-ups, on 127.0.0.1:16161 by default (--port 0:
any free port; the first line printed names the address).

Without files it serves a built-in UPS (Eaton XUPS-MIB, as a Network-M2 card
shows it: snmp-ups picks mibs=eaton_pw_nm2) with 4 switchable outlets, under
community 'public' (--community). With files, each recording is served under
its file name without .snmprec (as snmpsim does); the first one also under
--community when that is given.

SNMPv3: each --v3-user adds a USM user reading the first served recording
(the built-in device, or the first file); the options after it set its level:
none is noAuthNoPriv, --auth authNoPriv, --auth then --priv authPriv. PROTO
is NUT's name: MD5, SHA, SHA256, SHA384 or SHA512 for --auth; DES, AES,
AES192 or AES256 for --priv. Pass phrases have at least 8 characters. The
option may be repeated (one user each time). NUT 2.8.0's own snmp-ups never
ends its start-up on the built-in device over v2c or v3 (its outlet count
takes noSuchInstance answers as outlets); give it a recording file, or v1.

Commands on stdin change the device while it runs (snmp-ups sees them at its
next poll; SETs from snmp-ups act on the device too):
  online | ol          on line, battery charged
  battery | ob         on battery
  low | lb             on battery, battery low (charge 10%, runtime 2 min)
  charge N             battery charge in %
  runtime N            battery runtime in seconds
  load N               output load in %
  outlet N on|off      switch outlet N (XUPS-MIB devices)
  set OID TYPE VALUE   any OID, snmprec types (2 integer, 4 string, 66 gauge...)
  get OID              print one value
  use COMMUNITY        which served recording the commands change
  status               print the state the commands control
  help                 this list
  quit                 stop (also end of input or Ctrl-C)
The named commands know the XUPS-MIB (1.3.6.1.4.1.534.1) and RFC 1628
UPS-MIB (1.3.6.1.2.1.33) layouts; for other recordings use set.

Then, for example:
  snmp-ups -s sim -x port=127.0.0.1:16161 -x community=public -x pollfreq=5 -D
or, after --v3-user nutmon --auth SHA:authpass123 --priv AES:privpass123:
  snmp-ups -s sim -x port=127.0.0.1:16161 -x snmp_version=v3 -x secName=nutmon
    -x secLevel=authPriv -x authProtocol=SHA -x authPassword=authpass123
    -x privProtocol=AES -x privPassword=privpass123 -D
";

/// The built-in device: an Eaton 9PX behind a Network-M2 card (XUPS-MIB).
pub(crate) fn builtin_device() -> Recording {
    let mut text = String::from(
        "1.3.6.1.2.1.1.1.0|4|Eaton 9PX 3000 (nut sim snmp)
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.534.1
1.3.6.1.2.1.1.4.0|4|ops@example.invalid
1.3.6.1.2.1.1.5.0|4|sim-ups
1.3.6.1.2.1.1.6.0|4|lab
1.3.6.1.4.1.534.1.1.1.0|4|EATON
1.3.6.1.4.1.534.1.1.2.0|4|9PX 3000 SIM
1.3.6.1.4.1.534.1.1.3.0|4|INV: 1.0.0
1.3.6.1.4.1.534.1.1.4.0|4|Network-M2 2.0.0
1.3.6.1.4.1.534.1.2.1.0|2|2700
1.3.6.1.4.1.534.1.2.2.0|2|72
1.3.6.1.4.1.534.1.2.4.0|2|100
1.3.6.1.4.1.534.1.2.5.0|2|3
1.3.6.1.4.1.534.1.3.1.0|2|500
1.3.6.1.4.1.534.1.3.3.0|2|1
1.3.6.1.4.1.534.1.3.4.1.2.1|2|230
1.3.6.1.4.1.534.1.4.1.0|2|23
1.3.6.1.4.1.534.1.4.2.0|2|500
1.3.6.1.4.1.534.1.4.3.0|2|1
1.3.6.1.4.1.534.1.4.4.1.2.1|2|230
1.3.6.1.4.1.534.1.4.5.0|2|3
1.3.6.1.4.1.534.1.7.1.0|66|0
1.3.6.1.4.1.534.1.7.3|2|2
1.3.6.1.4.1.534.1.7.4|2|2
1.3.6.1.4.1.534.1.9.1.0|2|-1
1.3.6.1.4.1.534.1.9.2.0|2|-1
1.3.6.1.4.1.534.1.9.7.0|2|1
",
    );
    text.push_str(&format!("1.3.6.1.4.1.534.1.12.1.0|2|{BUILTIN_OUTLETS}\n"));
    for column in 1..=4 {
        for outlet in 1..=BUILTIN_OUTLETS {
            let value = match column {
                1 => i64::from(outlet),
                2 => 1,
                _ => -1,
            };
            text.push_str(&format!(
                "1.3.6.1.4.1.534.1.12.2.1.{column}.{outlet}|2|{value}\n"
            ));
        }
    }
    // The text above is fixed and valid; an empty device is the fallback.
    Recording::parse(text.as_bytes()).unwrap_or_default()
}

/// Which OID layout the named commands change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Eaton XUPS-MIB (`1.3.6.1.4.1.534.1`).
    Xups,
    /// RFC 1628 UPS-MIB (`1.3.6.1.2.1.33`).
    Rfc1628,
}

impl Layout {
    /// The layout of a recording: XUPS-MIB when it holds the output source
    /// `xupsOutputSource.0`, RFC 1628 when it holds `upsOutputSource.0`.
    pub(crate) fn of(recording: &Recording) -> Option<Self> {
        let has = |text: &str| Oid::parse(text).is_ok_and(|o| recording.get(&o).is_some());
        if has(XUPS_SOURCE) {
            Some(Self::Xups)
        } else if has(RFC_SOURCE) {
            Some(Self::Rfc1628)
        } else {
            None
        }
    }
}

const XUPS_SOURCE: &str = "1.3.6.1.4.1.534.1.4.5.0";
const XUPS_ON_BATTERY: &str = "1.3.6.1.4.1.534.1.7.3";
const XUPS_LOW_BATTERY: &str = "1.3.6.1.4.1.534.1.7.4";
const XUPS_ABM: &str = "1.3.6.1.4.1.534.1.2.5.0";
const XUPS_CHARGE: &str = "1.3.6.1.4.1.534.1.2.4.0";
const XUPS_RUNTIME: &str = "1.3.6.1.4.1.534.1.2.1.0";
const XUPS_LOAD: &str = "1.3.6.1.4.1.534.1.4.1.0";
const XUPS_LOAD_OFF: &str = "1.3.6.1.4.1.534.1.9.1.0";
const XUPS_LOAD_ON: &str = "1.3.6.1.4.1.534.1.9.2.0";
const XUPS_OUTLET_STATUS: &str = "1.3.6.1.4.1.534.1.12.2.1.2";
const XUPS_OUTLET_OFF: &str = "1.3.6.1.4.1.534.1.12.2.1.3";
const XUPS_OUTLET_ON: &str = "1.3.6.1.4.1.534.1.12.2.1.4";
const RFC_SOURCE: &str = "1.3.6.1.2.1.33.1.4.1.0";
const RFC_BATTERY_STATUS: &str = "1.3.6.1.2.1.33.1.2.1.0";
const RFC_CHARGE: &str = "1.3.6.1.2.1.33.1.2.4.0";
const RFC_RUNTIME_MINUTES: &str = "1.3.6.1.2.1.33.1.2.3.0";
const RFC_LOAD: &str = "1.3.6.1.2.1.33.1.4.4.1.5.1";
const RFC_SHUTDOWN_AFTER: &str = "1.3.6.1.2.1.33.1.8.2.0";
const RFC_STARTUP_AFTER: &str = "1.3.6.1.2.1.33.1.8.3.0";

/// Sets `oid` to an INTEGER (or keeps the recorded type when it is a
/// Gauge32/Counter32, as agents answer with their own type).
fn set_number(recording: &mut Recording, oid: &str, value: i64) {
    let Ok(oid) = Oid::parse(oid) else { return };
    let value = match recording.get(&oid) {
        Some(Value::Gauge32(_)) => Value::Gauge32(u32::try_from(value.max(0)).unwrap_or(u32::MAX)),
        _ => Value::Integer(i32::try_from(value).unwrap_or(i32::MAX)),
    };
    recording.insert(oid, value);
}

fn number(recording: &Recording, oid: &str) -> Option<i64> {
    recording.get(&Oid::parse(oid).ok()?)?.as_integer()
}

/// A state change the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// On line, charged.
    Online,
    /// On battery.
    OnBattery,
    /// On battery, low.
    LowBattery,
    /// Battery charge (%).
    Charge(i64),
    /// Battery runtime (s).
    Runtime(i64),
    /// Load (%).
    Load(i64),
    /// Outlet N on (`true`) or off.
    Outlet(u32, bool),
}

/// Applies a named change to a recording of `layout`; `Err` says why not.
///
/// # Errors
///
/// A change the layout has no OID for (outlets on RFC 1628).
pub(crate) fn apply(
    recording: &mut Recording,
    layout: Layout,
    change: &Change,
) -> Result<(), String> {
    match (layout, change) {
        (Layout::Xups, Change::Online) => {
            set_number(recording, XUPS_SOURCE, 3);
            set_number(recording, XUPS_ON_BATTERY, 2);
            set_number(recording, XUPS_LOW_BATTERY, 2);
            set_number(recording, XUPS_ABM, 3);
            set_number(recording, XUPS_CHARGE, 100);
            set_number(recording, XUPS_RUNTIME, 2700);
        }
        (Layout::Xups, Change::OnBattery) => {
            set_number(recording, XUPS_SOURCE, 5);
            set_number(recording, XUPS_ON_BATTERY, 1);
            set_number(recording, XUPS_ABM, 2);
        }
        (Layout::Xups, Change::LowBattery) => {
            apply(recording, layout, &Change::OnBattery)?;
            set_number(recording, XUPS_LOW_BATTERY, 1);
            set_number(recording, XUPS_CHARGE, 10);
            set_number(recording, XUPS_RUNTIME, 120);
        }
        (Layout::Xups, Change::Charge(n)) => set_number(recording, XUPS_CHARGE, *n),
        (Layout::Xups, Change::Runtime(n)) => set_number(recording, XUPS_RUNTIME, *n),
        (Layout::Xups, Change::Load(n)) => set_number(recording, XUPS_LOAD, *n),
        (Layout::Xups, Change::Outlet(n, on)) => {
            let oid = format!("{XUPS_OUTLET_STATUS}.{n}");
            if number(recording, &oid).is_none() {
                return Err(format!("no outlet {n}"));
            }
            set_number(recording, &oid, if *on { 1 } else { 2 });
        }
        (Layout::Rfc1628, Change::Online) => {
            set_number(recording, RFC_SOURCE, 3);
            set_number(recording, RFC_BATTERY_STATUS, 2);
            set_number(recording, RFC_CHARGE, 100);
            set_number(recording, RFC_RUNTIME_MINUTES, 45);
        }
        (Layout::Rfc1628, Change::OnBattery) => set_number(recording, RFC_SOURCE, 5),
        (Layout::Rfc1628, Change::LowBattery) => {
            set_number(recording, RFC_SOURCE, 5);
            set_number(recording, RFC_BATTERY_STATUS, 3);
            set_number(recording, RFC_CHARGE, 10);
            set_number(recording, RFC_RUNTIME_MINUTES, 2);
        }
        (Layout::Rfc1628, Change::Charge(n)) => set_number(recording, RFC_CHARGE, *n),
        (Layout::Rfc1628, Change::Runtime(n)) => {
            set_number(recording, RFC_RUNTIME_MINUTES, n / 60);
        }
        (Layout::Rfc1628, Change::Load(n)) => set_number(recording, RFC_LOAD, *n),
        (Layout::Rfc1628, Change::Outlet(..)) => {
            return Err("the RFC 1628 UPS-MIB has no outlets".to_owned());
        }
    }
    Ok(())
}

/// The device's answer to SETs it received: a command OID written with a
/// delay ≥ 0 acts now (the output or an outlet goes off or on) and reads
/// -1 ("none pending") again. Returns what happened, for the console.
pub(crate) fn act_on_sets(recording: &mut Recording, layout: Layout) -> Vec<String> {
    let mut done = Vec::new();
    let fired = |recording: &mut Recording, oid: &str, reset: i64| {
        let hit = number(recording, oid).is_some_and(|v| v >= 0 && v != reset);
        if hit {
            set_number(recording, oid, reset);
        }
        hit
    };
    match layout {
        Layout::Xups => {
            if fired(recording, XUPS_LOAD_OFF, -1) {
                set_number(recording, XUPS_SOURCE, 2);
                done.push("output off (load.off)".to_owned());
            }
            if fired(recording, XUPS_LOAD_ON, -1) {
                set_number(recording, XUPS_SOURCE, 3);
                done.push("output on (load.on)".to_owned());
            }
            for n in 1..=nut_snmp::engine::MAX_TEMPLATE_INSTANCES {
                let status = format!("{XUPS_OUTLET_STATUS}.{n}");
                if number(recording, &status).is_none() {
                    break;
                }
                if fired(recording, &format!("{XUPS_OUTLET_OFF}.{n}"), -1) {
                    set_number(recording, &status, 2);
                    done.push(format!("outlet {n} off"));
                }
                if fired(recording, &format!("{XUPS_OUTLET_ON}.{n}"), -1) {
                    set_number(recording, &status, 1);
                    done.push(format!("outlet {n} on"));
                }
            }
        }
        Layout::Rfc1628 => {
            // upsShutdownAfterDelay / upsStartupAfterDelay: -1 = none.
            if fired(recording, RFC_SHUTDOWN_AFTER, -1) {
                set_number(recording, RFC_SOURCE, 2);
                done.push("output off (upsShutdownAfterDelay)".to_owned());
            }
            if fired(recording, RFC_STARTUP_AFTER, -1) {
                set_number(recording, RFC_SOURCE, 3);
                done.push("output on (upsStartupAfterDelay)".to_owned());
            }
        }
    }
    done
}

/// The state the named commands control, one line.
pub(crate) fn describe(recording: &Recording, layout: Layout) -> String {
    let get = |oid: &str| number(recording, oid).map_or_else(|| "-".to_owned(), |v| v.to_string());
    match layout {
        Layout::Xups => {
            let mut outlets = Vec::new();
            for n in 1..=nut_snmp::engine::MAX_TEMPLATE_INSTANCES {
                match number(recording, &format!("{XUPS_OUTLET_STATUS}.{n}")) {
                    Some(1) => outlets.push(format!("{n}:on")),
                    Some(_) => outlets.push(format!("{n}:off")),
                    None => break,
                }
            }
            format!(
                "XUPS-MIB: source {} (3 line, 5 battery, 2 off), on-battery alarm {}, low-battery alarm {} (1 active), charge {}%, runtime {} s, load {}%, outlets [{}]",
                get(XUPS_SOURCE),
                get(XUPS_ON_BATTERY),
                get(XUPS_LOW_BATTERY),
                get(XUPS_CHARGE),
                get(XUPS_RUNTIME),
                get(XUPS_LOAD),
                outlets.join(" ")
            )
        }
        Layout::Rfc1628 => format!(
            "UPS-MIB: source {} (3 normal, 5 battery), battery status {} (2 normal, 3 low), charge {}%, runtime {} min",
            get(RFC_SOURCE),
            get(RFC_BATTERY_STATUS),
            get(RFC_CHARGE),
            get(RFC_RUNTIME_MINUTES)
        ),
    }
}

/// A value as snmpget shows it.
fn shown(value: &Value) -> String {
    match value {
        Value::Integer(i) => format!("INTEGER: {i}"),
        Value::OctetString(bytes) => format!("STRING: {:?}", String::from_utf8_lossy(bytes)),
        Value::ObjectId(oid) => format!("OID: {oid}"),
        Value::Gauge32(n) => format!("Gauge32: {n}"),
        Value::Counter32(n) => format!("Counter32: {n}"),
        Value::TimeTicks(n) => format!("Timeticks: ({n})"),
        other => format!("{other:?}"),
    }
}

/// The command line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Args {
    listen: String,
    community: Option<String>,
    files: Vec<String>,
    /// SNMPv3 users, in the order given.
    v3_users: Vec<V3Config>,
}

fn parse_args(args: &[String]) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        listen: format!("127.0.0.1:{DEFAULT_PORT}"),
        community: None,
        files: Vec::new(),
        v3_users: Vec::new(),
    };
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let mut value = |name: &str| {
            words
                .next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match word.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" | "-p" => {
                let port = value("--port")?;
                let port: u16 = port
                    .parse()
                    .map_err(|_| format!("--port {port}: not a port number (0 to 65535)"))?;
                parsed.listen = format!("127.0.0.1:{port}");
            }
            "--listen" => parsed.listen = value("--listen")?,
            "--community" | "-c" => parsed.community = Some(value("--community")?),
            "--v3-user" | "--auth" | "--priv" => {
                let text = value(word)?;
                v3::take_option(&mut parsed.v3_users, word, &text)?;
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            file => parsed.files.push(file.to_owned()),
        }
    }
    Ok(Some(parsed))
}

/// Runs `nut sim snmp` with `args` (the words after `snmp`).
pub(crate) fn main(args: &[String]) -> ExitCode {
    let args = match parse_args(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("nut sim snmp: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let simulator = match Simulator::bind(args.listen.as_str()) {
        Ok(simulator) => simulator,
        Err(e) => {
            eprintln!("nut sim snmp: can't listen on udp {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let mut communities = Vec::new();
    if args.files.is_empty() {
        let community = args
            .community
            .clone()
            .unwrap_or_else(|| "public".to_owned());
        simulator.insert(&community, builtin_device());
        communities.push(community);
    }
    for (index, path) in args.files.iter().enumerate() {
        let recording = match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| Recording::parse(&bytes).map_err(|e| e.to_string()))
        {
            Ok(recording) => recording,
            Err(e) => {
                eprintln!("nut sim snmp: {path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let stem = std::path::Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(path)
            .to_owned();
        if let (0, Some(community)) = (index, &args.community) {
            simulator.insert(community, recording.clone());
            communities.push(community.clone());
        }
        simulator.insert(&stem, recording);
        communities.push(stem);
    }
    // v3 users read the first recording under its own name, so console
    // changes reach both versions.
    let target = communities.first().cloned().unwrap_or_default();
    let first = lock(&simulator.agents()).get(&target).cloned();
    for user in &args.v3_users {
        let added = simulator.insert_v3_user(user, &target, first.clone().unwrap_or_default());
        if let Err(e) = added {
            eprintln!("nut sim snmp: --v3-user {}: {e}", user.user);
            return ExitCode::FAILURE;
        }
    }
    let addr = simulator
        .local_addr()
        .map_or_else(|_| args.listen.clone(), |a| a.to_string());
    let agents = simulator.agents();
    let running = simulator.spawn();
    let users: Vec<String> = args.v3_users.iter().map(v3::describe_user).collect();
    let (versions, users) = if users.is_empty() {
        ("v1/v2c", String::new())
    } else {
        ("v1/v2c/v3", format!("; v3 users: {}", users.join(" ")))
    };
    println!(
        "nut sim snmp: SNMP {versions} agent on udp {addr}, communities: {}{users}",
        communities.join(" ")
    );
    println!("type 'help' for the commands that change the device");
    let _ = std::io::stdout().flush();
    let stop = Arc::new(AtomicBool::new(false));
    let device = {
        let agents = Arc::clone(&agents);
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || device_logic(&agents, &stop))
    };
    let current = communities.first().cloned().unwrap_or_default();
    console(&agents, current);
    stop.store(true, Ordering::Relaxed);
    let _ = device.join();
    match running.stop() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nut sim snmp: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Makes received SETs act, every [`DEVICE_TICK`], on every recording
/// with a known layout.
fn device_logic(agents: &SharedAgents, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(DEVICE_TICK);
        let mut events = Vec::new();
        for (community, recording) in lock(agents).iter_mut() {
            if let Some(layout) = Layout::of(recording) {
                for done in act_on_sets(recording, layout) {
                    events.push(format!("[{community}] {done}"));
                }
            }
        }
        for event in events {
            println!("{event}");
        }
        let _ = std::io::stdout().flush();
    }
}

/// Reads commands until `quit` or the end of input.
fn console(agents: &SharedAgents, mut current: String) {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words.as_slice() {
            [] => continue,
            ["quit" | "exit"] => break,
            ["help"] => HELP.to_owned(),
            ["use", community] => {
                if lock(agents).contains_key(*community) {
                    current = (*community).to_owned();
                    format!("changing community {current}")
                } else {
                    format!("error: no recording served as {community}")
                }
            }
            _ => command(agents, &current, &words),
        };
        println!("{reply}");
        let _ = std::io::stdout().flush();
    }
}

/// One command on the current recording; the reply line.
fn command(agents: &SharedAgents, current: &str, words: &[&str]) -> String {
    let mut all = lock(agents);
    let Some(recording) = all.get_mut(current) else {
        return format!("error: no recording served as {current}");
    };
    let parse_n = |text: &str| {
        text.parse::<i64>()
            .map_err(|_| format!("error: {text}: not a number"))
    };
    let change = match words {
        ["online" | "ol"] => Ok(Change::Online),
        ["battery" | "ob"] => Ok(Change::OnBattery),
        ["low" | "lb"] => Ok(Change::LowBattery),
        ["charge", n] => parse_n(n).map(Change::Charge),
        ["runtime", n] => parse_n(n).map(Change::Runtime),
        ["load", n] => parse_n(n).map(Change::Load),
        ["outlet", n, state @ ("on" | "off")] => n
            .parse::<u32>()
            .map(|n| Change::Outlet(n, *state == "on"))
            .map_err(|_| format!("error: {n}: not an outlet number")),
        ["set", oid, kind, value @ ..] => {
            let line = format!("{oid}|{kind}|{}", value.join(" "));
            return match Recording::parse(line.as_bytes()) {
                Ok(parsed) => {
                    for (oid, value) in parsed.iter() {
                        recording.insert(oid.clone(), value.clone());
                    }
                    format!("ok: {line}")
                }
                Err(e) => format!("error: {e}"),
            };
        }
        ["get", oid] => {
            return match Oid::parse(oid) {
                Ok(oid) => match recording.get(&oid) {
                    Some(value) => format!("{oid} = {}", shown(value)),
                    None => format!("{oid}: no such object"),
                },
                Err(e) => format!("error: {e}"),
            };
        }
        ["status"] => {
            return Layout::of(recording).map_or_else(
                || format!("{current}: no known layout (use set/get)"),
                |layout| describe(recording, layout),
            );
        }
        _ => Err(format!(
            "error: unknown command '{}' (try help)",
            words.join(" ")
        )),
    };
    let result = change.and_then(|change| {
        let layout = Layout::of(recording).ok_or_else(|| {
            format!("error: {current} has no known layout for named commands (use set)")
        })?;
        apply(recording, layout, &change).map_err(|e| format!("error: {e}"))?;
        Ok(describe(recording, layout))
    });
    result.unwrap_or_else(|e| e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_snmp::{Config, Engine};

    fn status_of(recording: &Recording) -> (String, String) {
        let mut agent = recording.clone();
        let mut engine = Engine::detect(&mut agent, &Config::default()).expect("detected");
        engine.init(&mut agent);
        engine.update(&mut agent);
        (
            engine.mib().name.to_owned(),
            engine.get("ups.status").unwrap_or_default().to_owned(),
        )
    }

    #[test]
    fn the_builtin_device_goes_on_battery_and_low() {
        let mut device = builtin_device();
        assert_eq!(Layout::of(&device), Some(Layout::Xups));
        assert_eq!(status_of(&device), ("eaton_pw_nm2".into(), "OL".into()));
        apply(&mut device, Layout::Xups, &Change::OnBattery).unwrap();
        assert_eq!(status_of(&device).1, "OB DISCHRG");
        apply(&mut device, Layout::Xups, &Change::LowBattery).unwrap();
        let status = status_of(&device).1;
        assert!(status.contains("OB") && status.contains("LB"), "{status}");
        apply(&mut device, Layout::Xups, &Change::Online).unwrap();
        assert_eq!(status_of(&device).1, "OL");
    }

    #[test]
    fn outlets_switch_by_command_and_by_set() {
        let mut device = builtin_device();
        apply(&mut device, Layout::Xups, &Change::Outlet(2, false)).unwrap();
        let mut agent = device.clone();
        let mut engine = Engine::detect(&mut agent, &Config::default()).unwrap();
        engine.init(&mut agent);
        assert_eq!(engine.get("outlet.2.status"), Some("off"));
        assert_eq!(engine.get("outlet.1.status"), Some("on"));
        assert!(apply(&mut device, Layout::Xups, &Change::Outlet(9, false)).is_err());
        // snmp-ups's outlet.3.load.off is a SET of 0 on the off-delay OID.
        let request = engine.instant_command("outlet.3.load.off", None).unwrap();
        set_number(&mut device, &request.oid.to_string(), 0);
        assert_eq!(act_on_sets(&mut device, Layout::Xups), ["outlet 3 off"]);
        assert!(act_on_sets(&mut device, Layout::Xups).is_empty());
        assert!(describe(&device, Layout::Xups).contains("3:off"));
    }

    #[test]
    fn rfc1628_recordings_take_the_named_changes_but_not_outlets() {
        let mut rec = Recording::parse(
            b"1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33\n1.3.6.1.2.1.33.1.1.2.0|4|X\n\
              1.3.6.1.2.1.33.1.2.1.0|2|2\n1.3.6.1.2.1.33.1.4.1.0|2|3\n",
        )
        .unwrap();
        assert_eq!(Layout::of(&rec), Some(Layout::Rfc1628));
        apply(&mut rec, Layout::Rfc1628, &Change::LowBattery).unwrap();
        assert_eq!(status_of(&rec).1, "LB OB");
        assert!(apply(&mut rec, Layout::Rfc1628, &Change::Outlet(1, false)).is_err());
    }

    #[test]
    fn arguments_parse() {
        let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let args = parse_args(&words("--port 0 -c live a.snmprec"))
            .unwrap()
            .unwrap();
        assert_eq!(args.listen, "127.0.0.1:0");
        assert_eq!(args.community.as_deref(), Some("live"));
        assert_eq!(args.files, ["a.snmprec"]);
        assert!(parse_args(&words("--port 70000")).is_err());
        assert!(parse_args(&words("--bogus")).is_err());
        assert!(parse_args(&words("--port")).is_err());
        assert_eq!(parse_args(&words("-h")).unwrap(), None);
        let args = parse_args(&words(
            "--v3-user u --auth SHA:authpass1 --priv AES:privpass1",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(args.v3_users.len(), 1);
        assert!(parse_args(&words("--v3-user u --priv AES:privpass1")).is_err());
    }
}
