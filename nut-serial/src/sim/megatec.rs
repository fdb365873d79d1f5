//! A Megatec/Q* UPS as a sans-IO responder: request lines in, reply bytes
//! out, answering from a mutable [`DeviceState`] in the dialect of one
//! protocol, with line failure, battery drain, self-test and shutdown
//! timers driven by the `now` passed in.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::dialects;
use super::encode::{self, text};
use super::state::DeviceState;
use crate::qx::Protocol;

/// Longest request line kept; longer input is dropped (line noise).
pub const MAX_REQUEST_LEN: usize = 128;
/// Quick self-test duration (`T`).
const QUICK_TEST: Duration = Duration::from_secs(10);
/// Deep self-test duration (`TL`), capped.
const DEEP_TEST: Duration = Duration::from_secs(60);

/// A misbehaviour to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Fault {
    /// Behave.
    #[default]
    None,
    /// Answer nothing (cable pulled).
    Silent,
    /// Echo every request (an unsupported-command unit).
    Echo,
    /// Answer line noise.
    Garbage,
    /// Answer the first half of each reply, then CR.
    Truncate,
}

/// The simulated UPS.
#[derive(Debug, Clone)]
pub struct Simulator {
    /// The dialect spoken.
    pub protocol: Protocol,
    /// The device state; change it at will.
    pub state: DeviceState,
    /// Injected misbehaviour.
    pub fault: Fault,
    /// megatec: answer `I` in the "Megatec IC" layout.
    pub vendor_ic: bool,
    input: Vec<u8>,
    output: VecDeque<Vec<u8>>,
    last_tick: Option<Instant>,
    received: Vec<Vec<u8>>,
    test_until: Option<Instant>,
    shutdown_at: Option<Instant>,
    restart_after: Option<Duration>,
    restart_at: Option<Instant>,
}

impl Simulator {
    /// A UPS speaking `protocol` in `state`.
    pub fn new(protocol: Protocol, state: DeviceState) -> Self {
        Self {
            protocol,
            state,
            fault: Fault::None,
            vendor_ic: false,
            input: Vec::new(),
            output: VecDeque::new(),
            last_tick: None,
            received: Vec::new(),
            test_until: None,
            shutdown_at: None,
            restart_after: None,
            restart_at: None,
        }
    }

    /// Bytes from the host; complete CR-terminated lines are answered.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\r' => {
                    let line = std::mem::take(&mut self.input);
                    if let Some(reply) = self.respond(now, &line) {
                        self.output.push_back(reply);
                    }
                }
                b'\n' => {}
                _ if self.input.len() >= MAX_REQUEST_LEN => self.input.clear(),
                _ => self.input.push(b),
            }
        }
    }

    /// The next reply to send, appended to `out`.
    #[must_use]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        match self.output.pop_front() {
            Some(reply) => {
                out.extend_from_slice(&reply);
                true
            }
            None => false,
        }
    }

    /// Every request line received so far (without CR).
    pub fn received(&self) -> &[Vec<u8>] {
        &self.received
    }

    /// Advances timers and the battery to `now`.
    pub fn tick(&mut self, now: Instant) {
        let dt = self
            .last_tick
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        self.last_tick = Some(now);
        self.state.advance(dt);
        if self.test_until.is_some_and(|t| now >= t)
            || (self.state.bits.test_in_progress && self.state.bits.battery_low)
        {
            self.test_until = None;
            self.state.bits.test_in_progress = false;
        }
        if self.shutdown_at.is_some_and(|t| now >= t) {
            self.shutdown_at = None;
            self.state.bits.shutdown_active = false;
            self.state.output_off = true;
            self.state.output_voltage = Some(0.0);
            self.restart_at = self.restart_after.map(|d| now + d);
        }
        if self.restart_at.is_some_and(|t| now >= t) && !self.state.bits.utility_fail {
            self.restart_at = None;
            self.power_on();
        }
    }

    fn power_on(&mut self) {
        self.state.output_off = false;
        self.state.output_voltage = self.state.input_voltage;
    }

    /// The reply to one request line (without CR); `None` = silence.
    pub fn respond(&mut self, now: Instant, request: &[u8]) -> Option<Vec<u8>> {
        self.tick(now);
        self.received.push(request.to_vec());
        let echo = || {
            let mut e = request.to_vec();
            e.push(b'\r');
            e
        };
        match self.fault {
            Fault::None | Fault::Truncate => {}
            Fault::Silent => return None,
            Fault::Echo => return Some(echo()),
            Fault::Garbage => return Some(b"=`X?6\r".to_vec()),
        }
        if self.protocol == Protocol::VoltronicAxpert {
            // Every request carries a CRC; a wrong one is refused.
            let q = dialects::axpert_request(request)
                .map(|q| String::from_utf8_lossy(q).into_owned())
                .unwrap_or_default();
            return Some(dialects::axpert(&self.state, &q));
        }
        let text = String::from_utf8_lossy(request).into_owned();
        let reply = if self.protocol == Protocol::Omron && self.omron_command(now, &text) {
            Some(b"OK\r".to_vec())
        } else if self.command(now, &text) {
            self.ack()
        } else {
            Some(self.query(&text).unwrap_or_else(|| self.unknown(request)))
        };
        match (self.fault, reply) {
            (Fault::Truncate, Some(r)) if r.len() > 2 => {
                let mut half = r[..r.len() / 2].to_vec();
                half.push(b'\r');
                Some(half)
            }
            (_, r) => r,
        }
    }

    /// The reply to an accepted command.
    fn ack(&self) -> Option<Vec<u8>> {
        match self.protocol {
            Protocol::Voltronic | Protocol::Mecer => Some(b"(ACK\r".to_vec()),
            _ => None,
        }
    }

    /// OMRON commands (`An`, `Af`, `S<d>`, `Sf<d>`, `C`); `false` when
    /// `q` is not one.
    fn omron_command(&mut self, now: Instant, q: &str) -> bool {
        match q {
            "An" | "Af" => self.state.dialect.auto_restart = q == "An",
            "C" => return self.command(now, q),
            _ => {
                let (stayoff, delay) = match q.strip_prefix("Sf") {
                    Some(d) => (true, d),
                    None => match q.strip_prefix('S') {
                        Some(d) => (false, d),
                        None => return false,
                    },
                };
                if delay.contains('R') || !self.timed_command(now, &format!("S{delay}")) {
                    return false;
                }
                // The restart follows the An/Af switch, as soon as the
                // line is back.
                self.restart_after =
                    (!stayoff && self.state.dialect.auto_restart).then_some(Duration::ZERO);
            }
        }
        true
    }

    /// The reply to an unknown request.
    fn unknown(&self, request: &[u8]) -> Vec<u8> {
        match self.protocol {
            Protocol::Omron | Protocol::Innovart31 | Protocol::Innovart33 => b"NAK\r".to_vec(),
            Protocol::Voltronic | Protocol::Mecer => b"(NAK\r".to_vec(),
            Protocol::VoltronicQsHex => b"N\r".to_vec(),
            _ => {
                let mut e = request.to_vec();
                e.push(b'\r');
                e
            }
        }
    }

    /// Runs a command; `false` when `q` is not one.
    fn command(&mut self, now: Instant, q: &str) -> bool {
        let s = &mut self.state;
        match q {
            "Q" if !matches!(self.protocol, Protocol::Voltronic) => {
                s.bits.beeper_on = !s.bits.beeper_on
            }
            "BZON" => s.bits.beeper_on = true,
            "BZOFF" => s.bits.beeper_on = false,
            "T" => self.test_until = Some(now + QUICK_TEST),
            "TL" => self.test_until = Some(now + DEEP_TEST),
            "CT" => self.test_until = Some(now),
            "C" | "CS" => {
                self.shutdown_at = None;
                self.restart_at = None;
                s.bits.shutdown_active = false;
                if s.output_off {
                    self.power_on();
                }
            }
            "SOFF" => {
                s.output_off = true;
                s.output_voltage = Some(0.0);
            }
            "SON" => self.power_on(),
            "FOFF" | "FON" => {}
            // voltronic: battery packs in parallel (`BATGN04`).
            _ if self.protocol == Protocol::Voltronic && q.starts_with("BATGN") => {
                match q.get(5..).unwrap_or_default().parse::<u8>() {
                    Ok(n @ 1..=99) => s.battery_packs = Some(f64::from(n)),
                    _ => return false,
                }
            }
            _ if q.starts_with("SS") || q.starts_with("FCLR") || q.starts_with("TUD") => {}
            _ => return self.timed_command(now, q),
        }
        if self.test_until.is_some_and(|t| t > now) {
            self.state.bits.test_in_progress = true;
        }
        true
    }

    /// `T<nn>`, `T.<n>`, `S<d>[R<mmmm>]`.
    fn timed_command(&mut self, now: Instant, q: &str) -> bool {
        let delay = |d: &str| -> Option<Duration> {
            match d.strip_prefix('.') {
                Some(n) => n.parse::<u64>().ok().map(|n| Duration::from_secs(n * 6)),
                None => d.parse::<u64>().ok().map(|m| Duration::from_secs(m * 60)),
            }
        };
        if let Some(d) = q.strip_prefix('T').and_then(delay) {
            self.test_until = Some(now + d);
            self.state.bits.test_in_progress = true;
            return true;
        }
        let Some(rest) = q.strip_prefix('S') else {
            return false;
        };
        let (off, restart) = match rest.split_once('R') {
            Some((off, r)) => (off, Some(r)),
            None => (rest, None),
        };
        let Some(off) = delay(off) else {
            return false;
        };
        let restart = match restart.map(str::parse::<u64>) {
            Some(Ok(0)) | None => None,
            Some(Ok(m)) => Some(Duration::from_secs(m * 60)),
            Some(Err(_)) => return false,
        };
        self.shutdown_at = Some(now + off);
        self.restart_after = restart;
        self.state.bits.shutdown_active = true;
        true
    }

    fn speaks_q1(&self) -> bool {
        matches!(
            self.protocol,
            Protocol::Megatec
                | Protocol::Q1
                | Protocol::Zinto
                | Protocol::Hunnox
                | Protocol::Bestups
                | Protocol::Mecer
                | Protocol::Innovatae
                | Protocol::Q2
                | Protocol::Q6
                | Protocol::Omron
                | Protocol::Ablerex
                | Protocol::Innovart31
                | Protocol::Innovart33
        )
    }

    /// The reply to a query; `None` when this dialect does not know it.
    fn query(&self, q: &str) -> Option<Vec<u8>> {
        use Protocol as P;
        let s = &self.state;
        let p = self.protocol;
        let line = |t: String| {
            let mut v = t.into_bytes();
            v.push(b'\r');
            v
        };
        Some(match (p, q) {
            (P::Voltronic, "QGS") => encode::qgs(s),
            (P::Voltronic, "QPI") => line(format!("(PI{:02}", s.voltronic_id)),
            (P::Voltronic, "QRI") => encode::qri(s),
            (P::Voltronic, "QMD") => encode::qmd(s),
            (P::Voltronic, "QMF") => line(format!("({}", text(&s.vendor[0], 15).trim_end())),
            (P::Voltronic, "QVFW") => line(format!("(VERFW:{}", text(&s.vendor[2], 8))),
            (P::Voltronic, "QID") => line(format!("({}", s.serial)),
            (P::Voltronic, "QMOD") => encode::qmod(s),
            (P::Voltronic, "QWS") => encode::qws(s),
            (P::Voltronic, "QBV") => encode::qbv(s),
            (P::VoltronicQs, "M") => b"V\r".to_vec(),
            (P::VoltronicQs, "QS") => encode::q1(s, s.output_frequency),
            (P::VoltronicQs, "QI") => encode::qs_qi(s),
            (P::VoltronicQsHex, "M") => b"T\r".to_vec(),
            (P::VoltronicQsHex, "QS") => encode::qs_hex(s, true),
            (P::Mustek, "QS") | (P::MegatecOld, "D") => encode::q1(s, s.input_frequency),
            (_, "Q1") if self.speaks_q1() => encode::q1(s, s.input_frequency),
            (P::Megatec, "I") if self.vendor_ic => encode::vendor_ic(s),
            (
                P::Megatec
                | P::Mustek
                | P::MegatecOld
                | P::Mecer
                | P::Voltronic
                | P::Ablerex
                | P::Gtec,
                "I",
            ) => encode::vendor(s),
            (P::Zinto | P::Hunnox, "FW?") => encode::vendor(s),
            // Zero-padded to three digits like a real unit (`BL050`): NUT's row
            // wants at least 6 bytes, so `BL50` would fail (App. C #10).
            (P::Hunnox, "BL") => line(format!(
                "BL{:03.0}",
                s.battery_charge.unwrap_or(0.0).clamp(0.0, 100.0)
            )),
            (P::Mecer, "QPI") => b"(PI98\r".to_vec(),
            (P::Bestups, "ID") => encode::bestups_id(s),
            (P::Bestups, "RT") => line(format!(
                "{:03.0}",
                (s.battery_runtime.unwrap_or(0.0) / 60.0).floor().min(999.0)
            )),
            (P::Bestups, "SS?") => b"0\r".to_vec(),
            (P::Bestups, "M") => b"0\r".to_vec(),
            (P::Q2, "Q2") => encode::q2(s),
            (P::Q6, "Q6") => encode::q6(s),
            (P::Q2 | P::Q6, "WA") => encode::wa(s),
            (P::Omron, _) if dialects::omron(s, q).is_some() => dialects::omron(s, q)?,
            (P::Ablerex, "Q5") => dialects::ablerex_q5(s),
            (P::Ablerex, "At") => dialects::ablerex_at(s),
            (P::Ablerex, "TR") => dialects::ablerex_tr(s),
            (P::Innovart31, "Q6") => encode::q6(&dialects::innovart31_state(s)),
            (P::Innovart31, "WA") => encode::wa(&dialects::innovart31_state(s)),
            (P::Innovart33, "Q6") => encode::q6(s),
            (P::Innovart33, "WA") => encode::wa(s),
            (P::Innovart31 | P::Innovart33, "BPS") => dialects::innovart_bps(s),
            (P::Innovart31 | P::Innovart33, "FW?") => {
                line(text(&s.vendor[2], 10).trim_end().to_owned())
            }
            (P::Innovart31 | P::Innovart33, "SASV07?") => dialects::innovart_serial(s),
            (P::Gtec, "Q4") => dialects::gtec_q4(s),
            (P::Masterguard, "WH") => encode::mg_wh(s),
            (P::Masterguard, "Q3") => encode::mg_q3(s),
            (P::Masterguard, "GS,00") => line(format!("(00,00 0 {}", u8::from(s.bits.beeper_on))),
            (P::Masterguard, "GBS,00") => line(format!(
                "(00,{} 0017 0000 0708 0712 0994 115 02.28",
                encode::field(s.battery_charge, 3, 0)
            )),
            (P::Masterguard, "GSN,00") => line(format!("(00,SSN={:<11}{:>5}", "6A1212", "2782")),
            (P::Masterguard, "MSO") => b"(220 230 240\r".to_vec(),
            (P::Masterguard, "PNV") => line(format!("(PNV={}", encode::field(s.rating[0], 3, 0))),
            (
                P::Megatec
                | P::Zinto
                | P::Hunnox
                | P::Mustek
                | P::MegatecOld
                | P::Mecer
                | P::Innovatae
                | P::Q2
                | P::Q6
                | P::Voltronic
                | P::VoltronicQs
                | P::Ablerex
                | P::Innovart31
                | P::Innovart33
                | P::Gtec,
                "F",
            ) => encode::ratings(s),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_lines_and_echoes_unknown_queries() {
        let now = Instant::now();
        let mut sim = Simulator::new(Protocol::Megatec, DeviceState::default());
        sim.handle_input(now, b"Q1\rQPI\r");
        let mut out = Vec::new();
        assert!(sim.poll_transmit(&mut out));
        assert_eq!(out.len(), 47);
        out.clear();
        assert!(sim.poll_transmit(&mut out));
        assert_eq!(out, b"QPI\r");
        assert!(!sim.poll_transmit(&mut out));
    }

    #[test]
    fn commands_drive_the_state() {
        let t0 = Instant::now();
        let mut sim = Simulator::new(Protocol::Megatec, DeviceState::default());
        assert_eq!(sim.respond(t0, b"T"), None);
        assert!(sim.state.bits.test_in_progress);
        sim.tick(t0 + Duration::from_secs(11));
        assert!(!sim.state.bits.test_in_progress);
        assert_eq!(sim.respond(t0, b"S.5R0001"), None);
        assert!(sim.state.bits.shutdown_active);
        sim.tick(t0 + Duration::from_secs(31));
        assert!(sim.state.output_off);
        sim.tick(t0 + Duration::from_secs(92));
        assert!(!sim.state.output_off);
        let beeper = sim.state.bits.beeper_on;
        sim.respond(t0, b"Q");
        assert_ne!(beeper, sim.state.bits.beeper_on);
        let mut v = Simulator::new(Protocol::Voltronic, DeviceState::default());
        assert_eq!(v.respond(t0, b"SON").unwrap(), b"(ACK\r");
        assert_eq!(v.respond(t0, b"XYZ").unwrap(), b"(NAK\r");
    }

    #[test]
    fn faults() {
        let now = Instant::now();
        let mut sim = Simulator::new(Protocol::Q1, DeviceState::default());
        sim.fault = Fault::Silent;
        assert_eq!(sim.respond(now, b"Q1"), None);
        sim.fault = Fault::Truncate;
        assert_eq!(sim.respond(now, b"Q1").unwrap().len(), 24);
        sim.fault = Fault::Echo;
        assert_eq!(sim.respond(now, b"Q1").unwrap(), b"Q1\r");
    }
}
