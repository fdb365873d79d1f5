//! Protocol probing (qx-protocols §1.6): each candidate protocol's claim
//! rows are sent in turn until one protocol yields them all.

use std::time::Instant;

use super::{ClaimStep, Engine, Event, Phase, Walk, WalkKind};
use crate::error::Error;
use crate::qx::config::QxConfig;
use crate::qx::decode::ProtoState;
use crate::qx::protocol::Protocol;
use crate::qx::rows::{Conv, Flags, Q1Bit};
use crate::qx::status::StatusSet;
use crate::qx::tables::table;

/// `ups.vendorid` of OMRON's USB devices.
const OMRON_VENDOR_ID: &str = "0590";

/// The claim of `p` (qx-protocols §1.6) as a list of rows that must yield.
fn claim_steps(p: Protocol, cfg: &QxConfig) -> Vec<ClaimStep> {
    let s = |var, query| ClaimStep { var, query };
    let q1 = s("input.voltage", b"Q1\r");
    let mut steps = match p {
        Protocol::Voltronic => vec![
            s("input.voltage", b"QGS\r"),
            s("ups.firmware.aux", b"QPI\r"),
        ],
        Protocol::VoltronicQs | Protocol::VoltronicQsHex => {
            vec![s("ups.firmware.aux", b"M\r"), s("input.voltage", b"QS\r")]
        }
        Protocol::Mustek => vec![s("input.voltage", b"QS\r")],
        Protocol::MegatecOld => vec![s("input.voltage", b"D\r")],
        Protocol::Bestups => vec![q1, s("device.model", b"ID\r")],
        Protocol::Mecer => vec![q1, s("ups.firmware.aux", b"QPI\r")],
        Protocol::Megatec if !cfg.novendor => vec![q1, s("ups.firmware", b"I\r")],
        Protocol::Zinto | Protocol::Hunnox if !cfg.novendor => {
            vec![q1, s("ups.firmware", b"FW?\r")]
        }
        Protocol::Masterguard => vec![
            s("experimental.series", b"WH\r"),
            s("device.model", b"WH\r"),
            s("ups.power.nominal", b"WH\r"),
            s("ups.id", b"WH\r"),
            s("experimental.output_voltages", b"MSO\r"),
        ],
        Protocol::Ablerex if !cfg.novendor => vec![q1, s("ups.firmware", b"I\r")],
        Protocol::VoltronicAxpert => vec![s("device.firmware.aux", b"QPI\r")],
        // innovart33's list names rows its table lacks: it never claims
        // (qx-protocols §2.16), after sending Q6 and Q1.
        Protocol::Innovart31 | Protocol::Innovart33 => vec![
            s("input.L1-N.voltage", b"Q6\r"),
            s("ups.type", b"Q1\r"),
            s("output.current", b"WA\r"),
            s("input.bypass.voltage", b"BPS\r"),
            s("input.voltage.nominal", b"F\r"),
            s("ups.firmware", b"FW?\r"),
            s("ups.serial", b"SASV07?\r"),
        ],
        Protocol::Gtec if !cfg.novendor => {
            vec![s("input.voltage", b"Q4\r"), s("ups.firmware", b"I\r")]
        }
        Protocol::Gtec => vec![s("input.voltage", b"Q4\r")],
        Protocol::Q2 => vec![s("input.L1-N.voltage", b"Q2\r"), s("ups.type", b"Q1\r")],
        Protocol::Q6 => vec![s("input.L1-N.voltage", b"Q6\r"), s("ups.type", b"Q1\r")],
        _ => vec![q1],
    };
    if matches!(p, Protocol::Q2 | Protocol::Q6) && !cfg.nooutstats {
        steps.push(s("output.L1.current", b"WA\r"));
    }
    steps
}

impl Engine {
    /// Loads the next candidate protocol's table (or gives up).
    pub(super) fn start_protocol_claim(&mut self) {
        loop {
            let Phase::Probe(probe) = &mut self.phase else {
                return;
            };
            let Some(&p) = probe.candidates.get(probe.index) else {
                let tried: Vec<&str> = probe.candidates.iter().map(|p| p.name()).collect();
                let tried = tried.join(", ");
                self.fatal(Error::NotSupported { tried });
                return;
            };
            // omron is only tried behind OMRON's USB vendor id, unless named.
            let omron_gated = p == Protocol::Omron
                && self.cfg.protocol.is_none()
                && self.vars.get("ups.vendorid") != Some(OMRON_VENDOR_ID);
            let Some(t) = table(p).filter(|_| !omron_gated) else {
                probe.index += 1;
                continue;
            };
            probe.steps = claim_steps(p, &self.cfg);
            probe.step = 0;
            probe.attempt = 0;
            probe.snapshot = self.vars.clone();
            self.rows = t.rows();
            self.enabled = self
                .rows
                .iter()
                .map(|r| !r.flags.has(Flags::SKIP))
                .collect();
            self.commands = t.commands.to_vec();
            self.cmd_enabled = self.commands.iter().map(|c| !c.skip).collect();
            self.state = ProtoState::default();
            self.status = StatusSet::default();
            return;
        }
    }

    pub(super) fn claim_row(&self, step: ClaimStep) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| r.var == step.var && r.query == step.query)
    }

    pub(super) fn claim_reply(&mut self, reply: &[u8]) {
        let Phase::Probe(probe) = &self.phase else {
            return;
        };
        let Some(&step) = probe.steps.get(probe.step) else {
            return;
        };
        let protocol = probe.candidates.get(probe.index).copied();
        let ok = match self.claim_row(step) {
            Some(idx) => match self.process_row(idx, reply) {
                Ok(()) => true,
                // mecer also accepts an exact "(NAK\r" to QPI (and then
                // never asks again).
                Err(_) if protocol == Some(Protocol::Mecer) && reply == b"(NAK\r" => {
                    self.enabled[idx] = false;
                    true
                }
                Err(_) => false,
            },
            None => false,
        };
        let claim_attempts = self.cfg.claim_attempts.max(1);
        let Phase::Probe(probe) = &mut self.phase else {
            return;
        };
        if ok {
            probe.step += 1;
            return;
        }
        self.vars = probe.snapshot.clone();
        self.state = ProtoState::default();
        self.status = StatusSet::default();
        probe.attempt += 1;
        probe.step = 0;
        if probe.attempt >= claim_attempts {
            probe.index += 1;
            self.start_protocol_claim();
        }
    }

    pub(super) fn claimed(&mut self, now: Instant) {
        let Phase::Probe(probe) = &self.phase else {
            return;
        };
        let Some(&p) = probe.candidates.get(probe.index) else {
            return;
        };
        self.protocol = Some(p);
        self.phase = Phase::Walk(Walk {
            kind: WalkKind::Init,
            pos: 0,
            cache: None,
        });
        self.events.push_back(Event::Detected { protocol: p });
        self.vars
            .set("driver.version.data", p.version_data().to_owned());
        // innovart31/33 read their firmware with `FW?` and ratings with
        // `F` regardless of `novendor`/`norating` (qx-protocols §1.14).
        let innovart = matches!(p, Protocol::Innovart31 | Protocol::Innovart33);
        for (i, row) in self.rows.iter().enumerate() {
            let skip = (self.cfg.norating && !innovart && row.query == b"F\r")
                || (self.cfg.novendor
                    && !innovart
                    && (row.query == b"I\r" || row.query == b"FW?\r"))
                || (self.cfg.ignoresab && row.conv == Conv::Q1Bit(Q1Bit::ShutdownActive))
                || (self.cfg.nooutstats && row.query == b"WA\r");
            if skip {
                self.enabled[i] = false;
            }
        }
        self.state.scaled_battery_row = false;
        self.last_full = now;
    }
}
