//! The engine against a scripted unit that answers like the lab's
//! `apcsmart_sim.py` (real-nut-lab §4.2), with a simulated clock: the
//! queries must come in the order NUT's apcsmart sent them there, and the
//! published variables must match what `upsc` showed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::*;

/// The lab simulator's answers, with `-` cycling and a settable status.
struct LabUnit {
    values: BTreeMap<u8, Vec<u8>>,
    enums: BTreeMap<u8, Vec<&'static [u8]>>,
    last_var: Option<u8>,
    status: &'static [u8],
    silent: bool,
    echo: bool,
    cmdset: Vec<u8>,
    /// Bytes still expected after `@` or a string `-`.
    argument: Option<(u8, usize, Vec<u8>)>,
    /// A repeated command's first press (K, Z, ^N answer only the second).
    pressed: Option<u8>,
    received: Vec<u8>,
    out: Vec<u8>,
}

const CMDSET: &[u8] = b"3.!$%+?=#|.\x01BCFLOPQbfjnuxlprcGXMNWUAD\x1a";
const CAPS: &[u8] = b"#u443253264271280l443196188208204p443020180300600r443000060180300";

impl LabUnit {
    fn new() -> Self {
        let values: BTreeMap<u8, Vec<u8>> = [
            (0x01, "Smart-UPS 1500 SIM"),
            (b'B', "27.36"),
            (b'C', "031.5"),
            (b'F', "50.00"),
            (b'L', "229.4"),
            (b'O', "229.4"),
            (b'P', "021.3"),
            (b'f', "100.0"),
            (b'j', "0120:"),
            (b'n', "AS1234567890"),
            (b'x', "01/01/20"),
            (b'c', "UPS_IDEN"),
            (b'G', "O"),
            (b'X', "OK"),
            (b'b', "50.14.I"),
            (b'V', "NA"),
            (b'M', "231.0"),
            (b'N', "227.5"),
            (b'u', "253"),
            (b'l', "208"),
            (b'p', "020"),
            (b'r', "000"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.as_bytes().to_vec()))
        .collect();
        let enums = [
            (b'u', vec![&b"253"[..], b"264", b"271", b"280"]),
            (b'l', vec![&b"196"[..], b"188", b"208", b"204"]),
            (b'p', vec![&b"020"[..], b"180", b"300", b"600"]),
            (b'r', vec![&b"000"[..], b"060", b"180", b"300"]),
        ]
        .into_iter()
        .collect();
        Self {
            values,
            enums,
            last_var: None,
            status: b"08",
            silent: false,
            echo: false,
            cmdset: CMDSET.to_vec(),
            argument: None,
            pressed: None,
            received: Vec::new(),
            out: Vec::new(),
        }
    }

    fn input(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.received.push(b);
            if self.silent {
                continue;
            }
            if self.echo {
                self.out.extend_from_slice(&[b, b'\r', b'\n']);
                continue;
            }
            if let Some((cmd, left, mut got)) = self.argument.take() {
                got.push(b);
                if left > 1 {
                    self.argument = Some((cmd, left - 1, got));
                    continue;
                }
                if cmd != b'@' {
                    self.values
                        .insert(cmd, got.into_iter().filter(|c| *c != b'\r').collect());
                }
                self.out.extend_from_slice(b"OK\r\n");
                continue;
            }
            let reply: Option<Vec<u8>> = match b {
                b'Y' => Some(b"SM".to_vec()),
                b'a' => Some(self.cmdset.clone()),
                b'@' => {
                    self.argument = Some((b'@', 3, Vec::new()));
                    None
                }
                b'-' if matches!(self.last_var, Some(b'c' | b'x')) => {
                    self.argument = self.last_var.map(|l| (l, 8, Vec::new()));
                    None
                }
                b'S' => Some(b"OK".to_vec()),
                b'K' | b'Z' | 0x0e if self.pressed != Some(b) => {
                    self.pressed = Some(b);
                    None
                }
                b'K' => {
                    self.pressed = None;
                    Some(b"OK".to_vec())
                }
                b'Z' | 0x0e => {
                    self.pressed = None;
                    None
                }
                0x1a => Some(CAPS.to_vec()),
                b'Q' => Some(self.status.to_vec()),
                b'-' => match self
                    .last_var
                    .and_then(|l| self.enums.get(&l).map(|e| (l, e)))
                {
                    Some((l, list)) => {
                        let cur = self.values.get(&l).cloned().unwrap_or_default();
                        let pos = list.iter().position(|v| *v == cur.as_slice());
                        let next = pos.map_or(0, |p| (p + 1) % list.len());
                        let value = list[next].to_vec();
                        self.values.insert(l, value);
                        Some(b"OK".to_vec())
                    }
                    None => Some(b"NA".to_vec()),
                },
                b'W' | b'U' | b'A' | b'D' => Some(b"OK".to_vec()),
                b'\x7f' => Some(b"22".to_vec()),
                b'\r' | b'\n' | 0x1b => None,
                l => match self.values.get(&l) {
                    Some(v) => {
                        self.last_var = Some(l);
                        Some(v.clone())
                    }
                    None => Some(b"NA".to_vec()),
                },
            };
            if let Some(mut r) = reply {
                r.extend_from_slice(b"\r\n");
                self.out.extend_from_slice(&r);
            }
        }
    }
}

struct Rig {
    engine: Engine,
    unit: LabUnit,
    now: Instant,
    events: Vec<Event>,
}

impl Rig {
    fn new(cfg: ApcConfig) -> Self {
        let now = Instant::now();
        Self {
            engine: Engine::new(cfg, now),
            unit: LabUnit::new(),
            now,
            events: Vec::new(),
        }
    }

    fn pump(&mut self) {
        let mut buf = Vec::new();
        loop {
            let mut moved = false;
            while self.engine.poll_transmit(&mut buf) {
                self.unit.input(&buf);
                buf.clear();
                moved = true;
            }
            if !self.unit.out.is_empty() {
                let out = std::mem::take(&mut self.unit.out);
                self.engine.handle_input(self.now, &out);
                moved = true;
            }
            while let Some(e) = self.engine.poll_event() {
                self.events.push(e);
            }
            if !moved {
                return;
            }
        }
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.pump();
            match self.engine.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.engine.vars().get(name).map(String::as_str)
    }
}

#[test]
fn handshake_and_first_poll_follow_the_lab_transcript() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    let expected: &[u8] = b"YVba\x01BCFLOPfjnuxlprcGXMNb\x1aQCPXrpcLFluGMNOxfBjn\x01b";
    assert_eq!(
        rig.unit.received,
        expected,
        "queries: {:?}",
        String::from_utf8_lossy(&rig.unit.received)
    );
    assert!(rig.events.contains(&Event::Ready));
    // what upsc showed for the real driver (real-nut-lab §4.2)
    for (name, value) in [
        ("battery.charge", "100.0"),
        ("battery.date", "01/01/20"),
        ("battery.runtime", "7200"),
        ("battery.voltage", "27.36"),
        ("input.frequency", "50.00"),
        ("input.transfer.high", "253"),
        ("input.transfer.low", "208"),
        ("input.transfer.reason", "no transfers yet since turnon"),
        ("input.voltage", "229.4"),
        ("input.voltage.maximum", "231.0"),
        ("input.voltage.minimum", "227.5"),
        ("output.voltage", "229.4"),
        ("ups.delay.shutdown", "020"),
        ("ups.delay.start", "000"),
        ("ups.firmware", "50.14.I"),
        ("ups.id", "UPS_IDEN"),
        ("ups.load", "021.3"),
        ("ups.mfr", "APC"),
        ("ups.model", "Smart-UPS 1500 SIM"),
        ("ups.serial", "AS1234567890"),
        ("ups.status", "OL"),
        ("ups.temperature", "031.5"),
        ("ups.test.result", "OK"),
    ] {
        assert_eq!(rig.var(name), Some(value), "{name}");
    }
    assert_eq!(rig.engine.vars().len(), 23, "{:?}", rig.engine.vars());
    let high = rig.engine.var_info("input.transfer.high").unwrap();
    assert!(high.writable);
    assert_eq!(high.enums, vec!["253", "264", "271", "280"]);
    let id = rig.engine.var_info("ups.id").unwrap();
    assert_eq!(id.string_len, Some(8));
    assert!(id.enums.is_empty());
    assert_eq!(
        rig.engine.commands(),
        vec![
            "calibrate.start",
            "calibrate.stop",
            "test.panel.start",
            "test.failure.start",
            "test.battery.start",
            "test.battery.stop",
        ]
    );
}

#[test]
fn polls_every_interval_and_follow_the_status_byte() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    let start = rig.unit.received.len();
    rig.run_for(Duration::from_secs(2));
    let poll = String::from_utf8_lossy(&rig.unit.received[start..]).into_owned();
    assert_eq!(poll, "QCPXLFGMNOfBj", "polled letters");
    rig.unit.status = b"50";
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.var("ups.status"), Some("OB LB"));
    let statuses: Vec<String> = rig
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Status(s) => Some(s.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec!["OL", "OB LB"]);
}

#[test]
fn enum_setting_cycles_with_dash_until_the_value_shows() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    let id = rig
        .engine
        .setvar(rig.now, "input.transfer.high", "271")
        .unwrap();
    rig.run_for(Duration::from_millis(100));
    assert!(rig.events.contains(&Event::SetDone {
        id,
        name: "input.transfer.high".into(),
        result: Ok(SetOutcome::Changed),
    }));
    assert_eq!(rig.var("input.transfer.high"), Some("271"));
    let again = rig
        .engine
        .setvar(rig.now, "input.transfer.high", "271")
        .unwrap();
    rig.run_for(Duration::from_millis(100));
    assert!(rig.events.contains(&Event::SetDone {
        id: again,
        name: "input.transfer.high".into(),
        result: Ok(SetOutcome::Unchanged),
    }));
    assert!(matches!(
        rig.engine.setvar(rig.now, "input.transfer.high", "999"),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        rig.engine.setvar(rig.now, "ups.load", "1"),
        Err(Error::UnknownVariable(_))
    ));
}

#[test]
fn silence_goes_stale_at_once_and_nudges_after_ten_polls() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_secs(1));
    rig.unit.silent = true;
    rig.run_for(Duration::from_secs(5));
    assert!(rig.engine.is_stale());
    assert!(rig.events.iter().any(|e| matches!(
        e,
        Event::Stale {
            error: Error::NoReply { .. }
        }
    )));
    let from = rig.unit.received.len();
    rig.unit.silent = false;
    rig.run_for(Duration::from_secs(30));
    assert!(!rig.engine.is_stale());
    assert!(rig.events.contains(&Event::Recovered));
    // the first thing sent after the skipped slots is the Y nudge
    assert_eq!(rig.unit.received.get(from..from + 2), Some(&b"YQ"[..]));
}

#[test]
fn alerts_inside_replies_change_the_status_at_once() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    rig.engine.handle_input(rig.now, b"!");
    rig.pump();
    assert_eq!(rig.var("ups.status"), Some("OB"));
    assert!(rig.events.contains(&Event::Alert(Alert::OnBattery)));
    rig.engine.handle_input(rig.now, b"%");
    rig.pump();
    assert_eq!(rig.var("ups.status"), Some("OB LB"));
    // the next Q read wins
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.var("ups.status"), Some("OL"));
}

#[test]
fn garbled_status_is_an_error_never_a_status() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    rig.unit.status = b"Q";
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.var("ups.status"), Some("OL"));
    assert!(rig.events.iter().any(|e| matches!(
        e,
        Event::PollFailed {
            error: Error::BadField {
                var: "ups.status",
                ..
            }
        }
    )));
}

fn rig_with_shutdown_letters(cfg: ApcConfig) -> Rig {
    let mut rig = Rig::new(cfg);
    rig.unit.cmdset = b"3.!$%+?=#|.\x01BCFLOPQbfjnuxlprcGXMNWUADSKZ@\x0e\x1a".to_vec();
    // the cmdset is read after construction's first exchange, so restart
    rig.engine = Engine::new(rig.engine.cfg.clone(), rig.now);
    rig.run_for(Duration::from_millis(100));
    assert!(rig.engine.is_ready());
    rig
}

fn done(rig: &Rig, id: u64) -> Option<&Result<CommandOutcome, Error>> {
    rig.events.iter().find_map(|e| match e {
        Event::CommandDone { id: i, result, .. } if *i == id => Some(result),
        _ => None,
    })
}

#[test]
fn dangerous_commands_run_only_when_confirmed_in_the_window() {
    let mut rig = rig_with_shutdown_letters(ApcConfig::default());
    assert!(rig.engine.commands().contains(&"shutdown.stayoff"));
    let sent = rig.unit.received.len();
    let first = rig
        .engine
        .instcmd(rig.now, "shutdown.stayoff", None)
        .unwrap();
    assert_eq!(
        done(rig_pump(&mut rig), first),
        Some(&Ok(CommandOutcome::AwaitingConfirmation))
    );
    // too soon: re-armed, nothing sent
    rig.run_for(Duration::from_secs(2));
    let second = rig
        .engine
        .instcmd(rig.now, "shutdown.stayoff", None)
        .unwrap();
    assert_eq!(
        done(rig_pump(&mut rig), second),
        Some(&Ok(CommandOutcome::AwaitingConfirmation))
    );
    assert!(!rig.unit.received[sent..].contains(&b'K'));
    // confirmed 5 s later: K goes out twice, the unit answers OK
    rig.run_for(Duration::from_secs(5));
    let third = rig
        .engine
        .instcmd(rig.now, "shutdown.stayoff", None)
        .unwrap();
    rig.run_for(Duration::from_secs(3));
    assert_eq!(done(&rig, third), Some(&Ok(CommandOutcome::Executed)));
    assert_eq!(rig.unit.received.iter().filter(|b| **b == b'K').count(), 2);
    // a run command must be confirmed afresh
    rig.run_for(Duration::from_secs(5));
    let fourth = rig
        .engine
        .instcmd(rig.now, "shutdown.stayoff", None)
        .unwrap();
    assert_eq!(
        done(rig_pump(&mut rig), fourth),
        Some(&Ok(CommandOutcome::AwaitingConfirmation))
    );
    // too late (over 15 s) is as good as a first ask
    rig.run_for(Duration::from_secs(16));
    let fifth = rig
        .engine
        .instcmd(rig.now, "shutdown.stayoff", None)
        .unwrap();
    assert_eq!(
        done(rig_pump(&mut rig), fifth),
        Some(&Ok(CommandOutcome::AwaitingConfirmation))
    );
}

fn rig_pump(rig: &mut Rig) -> &Rig {
    rig.pump();
    rig
}

#[test]
fn instant_commands_and_their_errors() {
    let mut rig = rig_with_shutdown_letters(ApcConfig::default());
    let id = rig
        .engine
        .instcmd(rig.now, "test.battery.start", None)
        .unwrap();
    rig.run_for(Duration::from_millis(100));
    assert_eq!(done(&rig, id), Some(&Ok(CommandOutcome::Executed)));
    assert!(matches!(
        rig.engine.instcmd(rig.now, "bypass.start", None),
        Err(Error::UnknownCommand(_))
    ));
    assert!(matches!(
        rig.engine
            .instcmd(rig.now, "shutdown.return", Some("at:1234")),
        Err(Error::UnknownCommand(_))
    ));
    // calibrate.stop when not calibrating: refused without sending D
    let id = rig.engine.instcmd(rig.now, "calibrate.stop", None).unwrap();
    rig.run_for(Duration::from_millis(100));
    assert!(matches!(
        done(&rig, id),
        Some(Err(Error::CommandNotApplicable { .. }))
    ));
    // load.on: ^N twice, 1.5 s apart, no answer expected
    let from = rig.unit.received.len();
    let id = rig.engine.instcmd(rig.now, "load.on", None).unwrap();
    rig.run_for(Duration::from_secs(2));
    assert_eq!(done(&rig, id), Some(&Ok(CommandOutcome::Executed)));
    assert_eq!(
        rig.unit.received[from..]
            .iter()
            .filter(|b| **b == 0x0e)
            .count(),
        2
    );
}

#[test]
fn shutdown_return_at_and_cs_variants() {
    let mut rig = rig_with_shutdown_letters(ApcConfig::default());
    for _ in 0..2 {
        let _ = rig
            .engine
            .instcmd(rig.now, "shutdown.return", Some("at:5"))
            .unwrap();
        rig.run_for(Duration::from_secs(4));
    }
    let tail = String::from_utf8_lossy(&rig.unit.received).into_owned();
    assert!(tail.contains("@005"), "{tail:?}");
    // cs while on line: U, then S after cshdelay
    let from = rig.unit.received.len();
    for _ in 0..2 {
        let _ = rig
            .engine
            .instcmd(rig.now, "shutdown.return", Some("cs"))
            .unwrap();
        rig.run_for(Duration::from_secs(4));
    }
    rig.run_for(Duration::from_secs(5));
    let sent: Vec<u8> = rig.unit.received[from..]
        .iter()
        .copied()
        .filter(|b| *b == b'U' || *b == b'S')
        .collect();
    assert_eq!(sent, b"US");
}

fn shutdown_letters(
    cfg: ApcConfig,
    status: &'static [u8],
) -> (String, Option<Result<ShutdownMethod, Error>>) {
    let mut rig = rig_with_shutdown_letters(cfg);
    rig.unit.status = status;
    let from = rig.unit.received.len();
    rig.engine.shutdown(rig.now);
    rig.run_for(Duration::from_secs(8));
    let result = rig.events.iter().find_map(|e| match e {
        Event::ShutdownDone(r) => Some(r.clone()),
        _ => None,
    });
    let sent: String = rig.unit.received[from..]
        .iter()
        .map(|b| char::from(*b))
        .filter(|c| "Y@0123456789SKZU".contains(*c))
        .collect();
    (sent, result)
}

#[test]
fn shutdown_follows_sdtype_and_advorder() {
    // sdtype 0: on line → @nnn, on battery → S
    assert_eq!(
        shutdown_letters(ApcConfig::default(), b"08"),
        ("Y@000".into(), Some(Ok(ShutdownMethod::Hard)))
    );
    assert_eq!(
        shutdown_letters(ApcConfig::default(), b"10"),
        ("YS".into(), Some(Ok(ShutdownMethod::Soft)))
    );
    let mut cfg = ApcConfig::default();
    cfg.set_option("awd", "12").unwrap();
    cfg.set_option("sdtype", "5").unwrap();
    // this unit wants three digits: the 2-digit form gets no answer and is
    // aborted with a bogus Y
    let (sent, result) = shutdown_letters(cfg, b"10");
    assert_eq!(sent, "Y@12Y");
    assert!(matches!(result, Some(Err(Error::NoReply { .. }))));
    let mut cfg = ApcConfig::default();
    cfg.set_option("sdtype", "2").unwrap();
    // Z answers nothing, which counts as done
    assert_eq!(
        shutdown_letters(cfg, b"10"),
        ("YZZ".into(), Some(Ok(ShutdownMethod::Instant)))
    );
    let mut cfg = ApcConfig::default();
    cfg.set_option("advorder", "3").unwrap();
    cfg.set_option("sdtype", "0").unwrap();
    assert_eq!(
        shutdown_letters(cfg, b"08").1,
        Some(Ok(ShutdownMethod::Instant))
    );
    let mut cfg = ApcConfig::default();
    cfg.set_option("sdtype", "3").unwrap();
    assert_eq!(
        shutdown_letters(cfg, b"08"),
        ("YKK".into(), Some(Ok(ShutdownMethod::Delayed)))
    );
}

#[test]
fn string_setting_writes_eight_characters_after_dash() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    let from = rig.unit.received.len();
    let id = rig.engine.setvar(rig.now, "ups.id", "RACK2").unwrap();
    rig.run_for(Duration::from_secs(1));
    assert!(rig.events.contains(&Event::SetDone {
        id,
        name: "ups.id".into(),
        result: Ok(SetOutcome::Changed),
    }));
    assert_eq!(rig.var("ups.id"), Some("RACK2"));
    let sent = &rig.unit.received[from..];
    assert!(
        sent.windows(10).any(|w| w == b"-RACK2\r\r\rc"),
        "{:?}",
        String::from_utf8_lossy(sent)
    );
    assert!(matches!(
        rig.engine.setvar(rig.now, "ups.id", "NINE_CHAR"),
        Err(Error::InvalidValue { .. })
    ));
}

#[test]
fn ignorelb_takes_lb_from_charge_and_limit() {
    let mut cfg = ApcConfig::default();
    cfg.set_option("ignorelb", "").unwrap();
    cfg.set_option("override.battery.charge.low", "50").unwrap();
    let mut rig = Rig::new(cfg);
    rig.run_for(Duration::from_millis(100));
    rig.unit.status = b"50";
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.var("ups.status"), Some("OB"));
    rig.unit.values.insert(b'f', b"040.0".to_vec());
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.var("ups.status"), Some("OB LB"));
}

#[test]
fn echo_and_truncation_are_errors_with_the_bytes() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    rig.unit.echo = true;
    rig.run_for(Duration::from_secs(2));
    assert_eq!(rig.var("ups.status"), Some("OL"));
    assert!(
        rig.events.iter().any(
            |e| matches!(e, Event::PollFailed { error } if error.to_string().contains("\"Q\""))
        )
    );
    // a unit that starts a reply and never ends it
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    rig.unit.silent = true;
    rig.engine.handle_timeout(rig.now);
    rig.run_for(Duration::from_millis(2100));
    rig.engine.handle_input(rig.now, b"0");
    rig.run_for(Duration::from_secs(4));
    assert!(rig.events.iter().any(|e| matches!(
        e,
        Event::Stale {
            error: Error::Truncated { .. }
        }
    )));
    assert_eq!(rig.var("ups.status"), Some("OL"));
}

#[test]
fn over_long_replies_and_noise_are_bounded() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.run_for(Duration::from_millis(100));
    rig.unit.values.insert(b'L', vec![b'9'; 600]);
    rig.run_for(Duration::from_secs(2));
    assert!(rig.events.iter().any(|e| matches!(
        e,
        Event::PollFailed {
            error: Error::TooLong { limit: 511, .. }
        }
    )));
    // noise while idle is kept bounded
    rig.engine
        .handle_input(rig.now, &vec![b'x'; 3 * MAX_PENDING]);
    assert!(rig.engine.rx.len() <= MAX_PENDING);
}

#[test]
fn shutdown_only_engine_skips_discovery() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.unit.cmdset = b"3.!$%+?=#|.QS@\x1a".to_vec();
    rig.unit.status = b"10";
    rig.engine = Engine::for_shutdown(ApcConfig::default(), rig.now);
    rig.run_for(Duration::from_secs(3));
    assert_eq!(rig.unit.received, b"YQS");
    assert!(
        rig.events
            .contains(&Event::ShutdownDone(Ok(ShutdownMethod::Soft)))
    );
    assert!(!rig.engine.is_ready());
    assert_eq!(rig.engine.poll_timeout(), None);
}

#[test]
fn old_firmware_uses_the_compatibility_table() {
    let mut rig = Rig::new(ApcConfig::default());
    rig.unit.values.insert(b'V', b"6QD".to_vec());
    rig.unit.received.clear();
    rig.engine = Engine::new(ApcConfig::default(), rig.now);
    rig.run_for(Duration::from_millis(100));
    assert!(rig.engine.is_ready());
    assert!(!rig.unit.received.contains(&b'a'), "no command-set query");
    assert_eq!(rig.var("ups.model"), Some("Smart-UPS"));
    assert_eq!(
        rig.var("ups.firmware"),
        Some("6QD"),
        "V is in its command set"
    );
    assert_eq!(rig.var("input.voltage"), Some("229.4"));
    assert!(rig.engine.commands().contains(&"shutdown.return"));
}
