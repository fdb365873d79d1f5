//! Every bridge against a scripted transport: the transfers it makes
//! (recorded) for a command, and the reply it makes of the device's
//! answers (constructed from the mechanics of qx-protocols §3.3).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    ControlWrite {
        request_type: u8,
        request: u8,
        value: u16,
        data: Vec<u8>,
        timeout_ms: u128,
    },
    ControlRead {
        value: u16,
        len: usize,
    },
    InterruptRead {
        endpoint: u8,
        len: usize,
    },
    InterruptWrite {
        endpoint: u8,
        data: Vec<u8>,
    },
    String {
        index: u8,
        langid: u16,
        len: usize,
    },
    ClearHalt(u8),
    Sleep(u128),
}

type Answer = Result<Vec<u8>, TransferError>;

/// A device that answers from queues and records every call.
#[derive(Debug, Default)]
struct Script {
    calls: Vec<Call>,
    interrupt: VecDeque<Answer>,
    control_in: VecDeque<Answer>,
    /// String descriptors by index: answered in turn, the last repeated.
    strings: BTreeMap<u8, VecDeque<Answer>>,
    write_result: Option<Result<usize, TransferError>>,
    armac: bool,
}

/// A raw string descriptor for `text` (UTF-16LE).
fn descriptor(text: &[u8]) -> Vec<u8> {
    let mut raw = vec![0, 3];
    raw.extend(text.iter().flat_map(|&c| [c, 0]));
    raw[0] = raw.len() as u8;
    raw
}

fn fill(buf: &mut [u8], answer: Answer) -> Result<usize, TransferError> {
    let data = answer?;
    let n = data.len().min(buf.len());
    buf[..n].copy_from_slice(&data[..n]);
    Ok(n)
}

impl Script {
    fn with_strings(pairs: &[(u8, &[u8])]) -> Self {
        let mut s = Self::default();
        s.strings
            .insert(0, VecDeque::from([Ok(vec![4, 3, 0x09, 0x04])]));
        for (index, text) in pairs {
            s.strings
                .entry(*index)
                .or_default()
                .push_back(Ok(descriptor(text)));
        }
        s
    }

    fn interrupts(chunks: &[&[u8]]) -> Self {
        Self {
            interrupt: chunks.iter().map(|c| Ok(c.to_vec())).collect(),
            ..Self::default()
        }
    }

    fn writes(&self) -> Vec<Vec<u8>> {
        self.calls
            .iter()
            .filter_map(|c| match c {
                Call::ControlWrite { data, .. } | Call::InterruptWrite { data, .. } => {
                    Some(data.clone())
                }
                _ => None,
            })
            .collect()
    }

    fn string_reads(&self) -> Vec<(u8, u16)> {
        self.calls
            .iter()
            .filter_map(|c| match c {
                Call::String { index, langid, .. } => Some((*index, *langid)),
                _ => None,
            })
            .collect()
    }
}

impl UsbTransport for Script {
    fn control_write(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        _index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.calls.push(Call::ControlWrite {
            request_type,
            request,
            value,
            data: data.to_vec(),
            timeout_ms: timeout.as_millis(),
        });
        self.write_result.unwrap_or(Ok(data.len()))
    }

    fn control_read(
        &mut self,
        _request_type: u8,
        _request: u8,
        value: u16,
        _index: u16,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.calls.push(Call::ControlRead {
            value,
            len: buf.len(),
        });
        fill(buf, self.control_in.pop_front().unwrap_or(Ok(Vec::new())))
    }

    fn interrupt_read(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.calls.push(Call::InterruptRead {
            endpoint,
            len: buf.len(),
        });
        fill(
            buf,
            self.interrupt
                .pop_front()
                .unwrap_or(Err(TransferError::Timeout)),
        )
    }

    fn get_string_descriptor(
        &mut self,
        index: u8,
        langid: u16,
        buf: &mut [u8],
    ) -> Result<usize, TransferError> {
        self.calls.push(Call::String {
            index,
            langid,
            len: buf.len(),
        });
        let queue = self.strings.entry(index).or_default();
        let answer = if queue.len() > 1 {
            queue.pop_front()
        } else {
            queue.front().cloned()
        };
        fill(buf, answer.unwrap_or(Err(TransferError::NotFound)))
    }

    fn interrupt_write(
        &mut self,
        endpoint: u8,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, TransferError> {
        self.calls.push(Call::InterruptWrite {
            endpoint,
            data: data.to_vec(),
        });
        Ok(data.len())
    }

    fn clear_halt(&mut self, endpoint: u8) -> Result<(), TransferError> {
        self.calls.push(Call::ClearHalt(endpoint));
        Ok(())
    }

    fn has_armac_interrupt_endpoints(&self) -> bool {
        self.armac
    }

    fn sleep(&mut self, duration: Duration) {
        self.calls.push(Call::Sleep(duration.as_millis()));
    }
}

const Q1: &[u8] = b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r";

fn run(bridge: Bridge, t: &mut Script, command: &[u8]) -> Answer {
    UsbBridge::new(bridge, BridgeOptions::default()).exchange(t, command)
}

fn chunks_of(reply: &[u8], size: usize) -> Vec<Vec<u8>> {
    reply
        .chunks(size)
        .map(|c| {
            let mut v = c.to_vec();
            v.resize(size, 0);
            v
        })
        .collect()
}

#[test]
fn cypress_writes_8_byte_reports_and_reads_to_the_cr() {
    let chunks = chunks_of(Q1, 8);
    let mut t = Script::interrupts(&chunks.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let reply = run(Bridge::Cypress, &mut t, b"S.5R0003\r").unwrap();
    // Two zero-padded reports for a 9-byte command, wValue 0x0200, 5 s.
    assert_eq!(
        t.calls[..2],
        [
            Call::ControlWrite {
                request_type: 0x21,
                request: 0x09,
                value: 0x0200,
                data: b"S.5R0003".to_vec(),
                timeout_ms: 5000
            },
            Call::ControlWrite {
                request_type: 0x21,
                request: 0x09,
                value: 0x0200,
                data: b"\r\0\0\0\0\0\0\0".to_vec(),
                timeout_ms: 5000
            },
        ]
    );
    // Six 8-byte reads; the padding after the CR comes along.
    assert_eq!(reply.len(), 48);
    assert_eq!(&reply[..47], Q1);
    let r = crate::qx::decode_reply(crate::qx::Protocol::Megatec, b"Q1\r", &reply).unwrap();
    assert_eq!(r.get("input.voltage"), Some("215.0"));
    // A read error aborts the exchange with it; a zero write = no reply.
    let mut t = Script::interrupts(&[b"(215.0 1"]);
    assert_eq!(
        run(Bridge::Cypress, &mut t, b"Q1\r"),
        Err(TransferError::Timeout)
    );
    let mut t = Script {
        write_result: Some(Ok(0)),
        ..Script::default()
    };
    assert_eq!(run(Bridge::Cypress, &mut t, b"Q1\r"), Ok(Vec::new()));
}

#[test]
fn phoenix_flushes_first_and_clears_a_stall() {
    let mut t = Script {
        interrupt: VecDeque::from([
            Ok(b"stale!!!".to_vec()),
            Err(TransferError::Pipe),
            Ok(b"(ACK\r\0\0\0".to_vec()),
        ]),
        ..Script::default()
    };
    let reply = run(Bridge::Phoenix, &mut t, b"C\r").unwrap();
    assert_eq!(reply, b"(ACK\r\0\0\0");
    assert_eq!(t.calls[2], Call::ClearHalt(0x81));
    assert!(matches!(
        t.calls[3],
        Call::ControlWrite {
            timeout_ms: 1000,
            ..
        }
    ));
}

#[test]
fn ippon_reads_one_64_byte_report() {
    let mut report = Q1.to_vec();
    report.extend(b"junk");
    let mut t = Script::interrupts(&[&report]);
    assert_eq!(run(Bridge::Ippon, &mut t, b"Q1\r").unwrap(), Q1);
    assert_eq!(t.writes(), [b"Q1\r\0\0\0\0\0".to_vec()]);
    assert!(matches!(
        t.calls[0],
        Call::ControlWrite { value: 0x0002, .. }
    ));
    assert_eq!(
        t.calls[1],
        Call::InterruptRead {
            endpoint: 0x81,
            len: 64
        }
    );
    // Without a CR: the C string, CR appended.
    let mut t = Script::interrupts(&[b"#230.0\0garbage"]);
    assert_eq!(run(Bridge::Ippon, &mut t, b"F\r").unwrap(), b"#230.0\r");
}

#[test]
fn omron_sends_whole_16_byte_reports() {
    let mut t = Script::interrupts(&[b"OK"]);
    assert_eq!(run(Bridge::Omron, &mut t, b"S.5\r").unwrap(), b"OK\r");
    let mut want = b"S.5\r".to_vec();
    want.resize(16, 0);
    assert_eq!(t.writes(), [want]);
    let mut t = Script {
        write_result: Some(Ok(8)),
        ..Script::default()
    };
    assert_eq!(
        run(Bridge::Omron, &mut t, b"Q1\r"),
        Err(TransferError::Short {
            done: 8,
            wanted: 16
        })
    );
}

#[test]
fn gtec_reads_128_byte_reports_until_the_cr() {
    let q4 = b"(236.7 243.2 212.1 220.1 230.4 002 001 50.0 371 372 041.3 22.9 IM\r";
    let mut t = Script::interrupts(&[&q4[..40], &q4[40..]]);
    assert_eq!(run(Bridge::Gtec, &mut t, b"Q4\r").unwrap(), q4);
    assert_eq!(
        t.calls[1],
        Call::InterruptRead {
            endpoint: 0x81,
            len: 128
        }
    );
}

#[test]
fn sgs_counts_its_chunks_and_ends_on_timeout() {
    let mut t = Script::interrupts(&[b"\x07(215.0 ", b"\x09195.0 23", b"\x01\r\0"]);
    let reply = run(Bridge::Sgs, &mut t, b"S.5R0003\r").unwrap();
    assert_eq!(
        t.writes(),
        [b"\x07S.5R000".to_vec(), b"\x023\r\0\0\0\0\0".to_vec()]
    );
    // A count above 7 is read as 7; the timeout ends the reply.
    assert_eq!(reply, b"(215.0 195.0 2\r");
}

#[test]
fn krauler_reads_strings_and_replaces_the_first_byte() {
    let mut t = Script::with_strings(&[(0x03, b"UPS No Ack"), (0x03, &Q1[..46])]);
    let reply = run(Bridge::Krauler, &mut t, b"Q1\r").unwrap();
    assert_eq!(reply, Q1);
    // `UPS No Ack` retried; each ASCII read asks string 0 first.
    assert_eq!(t.string_reads(), [(0, 0), (3, 0x0409), (0, 0), (3, 0x0409)]);
    // T's reply starts with a CR: success with Megatec rules.
    let mut t = Script::with_strings(&[(0x04, b"xx")]);
    assert_eq!(run(Bridge::Krauler, &mut t, b"T\r").unwrap(), b"\rx\r");
    // Shutdown commands are echoed without I/O.
    let mut t = Script::default();
    assert_eq!(
        run(Bridge::Krauler, &mut t, b"S.5R0003\r").unwrap(),
        b"S.5R0003\r"
    );
    assert!(t.calls.is_empty());
}

#[test]
fn krauler_with_langid_fix_reads_raw_and_checks_the_length() {
    let mut bad = descriptor(b"#230.0 000 024.0 50.0");
    bad[0] += 2;
    let mut t = Script::default();
    t.strings.insert(
        0x0D,
        VecDeque::from([Ok(bad), Ok(descriptor(b"X230.0 000 024.0 50.0"))]),
    );
    let options = BridgeOptions {
        langid_fix: parse_langid_fix("0x0409"),
        novendor: false,
    };
    let reply = UsbBridge::new(Bridge::Krauler, options)
        .exchange(&mut t, b"F\r")
        .unwrap();
    assert_eq!(reply, b"#230.0 000 024.0 50.0\r");
    assert_eq!(t.string_reads(), [(0x0D, 0x0409), (0x0D, 0x0409)]);
    // An empty read is no reply, at once.
    let mut t = Script::default();
    t.strings.insert(0x03, VecDeque::from([Ok(Vec::new())]));
    let reply = UsbBridge::new(Bridge::Krauler, options).exchange(&mut t, b"Q1\r");
    assert_eq!(reply, Ok(Vec::new()));
    assert_eq!(t.string_reads().len(), 1);
    // Ten failures: no reply.
    let mut t = Script::with_strings(&[(0x03, b"UPS No Ack")]);
    assert_eq!(run(Bridge::Krauler, &mut t, b"Q1\r"), Ok(Vec::new()));
    assert_eq!(t.string_reads().len(), 20);
}

#[test]
fn fabula_encodes_shutdown_delays_in_the_index() {
    for (command, index) in [
        (&b"S.5R0000\r"[..], 0x10),
        (b"S.5R0003\r", 0x18),
        (b"S.6\r", 0x28),
        (b"S.9R0000\r", 0x50),
        (b"S01\r", 0x68),
        (b"S03\r", 0x88),
        (b"S10R0000\r", 0xF0),
        // Clamped to 0.5 … 10 minutes.
        (b"S.1\r", 0x18),
        (b"S20\r", 0xF8),
    ] {
        assert_eq!(fabula_shutdown_index(command), Some(index), "{command:?}");
    }
    assert_eq!(fabula_shutdown_index(b"T\r"), None);
    assert_eq!(fabula_shutdown_index(b"SX\r"), None);
    let mut t = Script::with_strings(&[(0x18, b"UPS No Ack"), (0x0D, b"#230.0 000 024.0 50.0")]);
    // `UPS No Ack` = no reply: the command succeeds by Megatec rules.
    assert_eq!(run(Bridge::Fabula, &mut t, b"S.5R0003\r"), Ok(Vec::new()));
    assert_eq!(
        run(Bridge::Fabula, &mut t, b"F\r").unwrap(),
        b"#230.0 000 024.0 50.0\r"
    );
    assert_eq!(run(Bridge::Fabula, &mut t, b"TL\r").unwrap(), b"TL\r");
}

#[test]
fn hunnox_primes_in_lock_step() {
    let mut t = Script::with_strings(&[
        (0x01, b"MEC0003"),
        (0x03, &Q1[..47]),
        (0x0D, b"#230.0 000 024.0 50.0\r"),
        (0x0C, b"#x"),
        (0xF3, b"BL100\r"),
    ]);
    let options = BridgeOptions {
        langid_fix: None,
        novendor: true,
    };
    let mut bridge = UsbBridge::new(Bridge::Hunnox, options);
    assert_eq!(bridge.exchange(&mut t, b"Q1\r").unwrap(), Q1);
    let first = t.string_reads();
    // String 0 twice and 1 once (in 0x0409), a pause, then the target.
    assert_eq!(first[..3], [(0, 0x0409), (0, 0x0409), (1, 0x0409)]);
    assert!(t.calls.contains(&Call::Sleep(10)));
    t.calls.clear();
    // Later: the cycle 0x0D, 0x03, 0x0C — 0x0D skipped for F, 0x0C
    // skipped for novendor.
    assert_eq!(
        bridge.exchange(&mut t, b"F\r").unwrap(),
        b"#230.0 000 024.0 50.0\r"
    );
    assert_eq!(bridge.exchange(&mut t, b"BL\r").unwrap(), b"BL100\r");
    assert_eq!(bridge.exchange(&mut t, b"BL\r").unwrap(), b"BL100\r");
    let primes: Vec<u8> = t
        .calls
        .iter()
        .filter_map(|c| match c {
            Call::String {
                index,
                len: 102,
                langid: 0x0409,
            } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(primes, [0x03]);
}

#[test]
fn snr_needs_langid_and_replaces_the_first_byte() {
    let mut t = Script::default();
    assert_eq!(
        run(Bridge::Snr, &mut t, b"Q1\r"),
        Err(TransferError::NeedsLangid(Bridge::Snr))
    );
    let mut t = Script::with_strings(&[(0x03, b"UPS No Ack"), (0x03, b"X215.0 195.0")]);
    let options = BridgeOptions {
        langid_fix: Some(0x0409),
        novendor: false,
    };
    let reply = UsbBridge::new(Bridge::Snr, options)
        .exchange(&mut t, b"Q1\r")
        .unwrap();
    // No CR appended.
    assert_eq!(reply, b"(215.0 195.0");
    assert_eq!(
        t.calls[0],
        Call::InterruptRead {
            endpoint: 0x81,
            len: 102
        }
    );
}

#[test]
fn ablerex_uses_feature_report_5_with_length_gates() {
    let mut report = Q1.to_vec();
    report.resize(47, 0);
    let mut t = Script {
        control_in: VecDeque::from([Ok(b"(short\r".to_vec()), Ok(report.clone())]),
        ..Script::default()
    };
    assert_eq!(run(Bridge::Ablerex, &mut t, b"Q1\r").unwrap(), Q1);
    let mut sent = vec![0x05, 0x00, 0x03];
    sent.extend(b"Q1\r");
    sent.resize(47, 0);
    assert_eq!(t.writes(), [sent.clone(), sent]);
    assert!(t.calls.contains(&Call::Sleep(500)));
    assert!(t.calls.contains(&Call::ControlRead {
        value: 0x0305,
        len: 47
    }));
    // A Q5 of the wrong length reads as zeros at once.
    let mut t = Script {
        control_in: VecDeque::from([Ok(b"(\x02\r".to_vec())]),
        ..Script::default()
    };
    let mut zeros = vec![0u8; 22];
    zeros[0] = b'(';
    assert_eq!(run(Bridge::Ablerex, &mut t, b"Q5\r").unwrap(), zeros);
    // Three failed attempts: no reply.
    let mut t = Script::default();
    assert_eq!(run(Bridge::Ablerex, &mut t, b"I\r"), Ok(Vec::new()));
    assert_eq!(t.writes().len(), 3);
}

#[test]
fn phoenixtec_writes_vendor_requests_and_skips_silent_commands() {
    for silent in [&b"S.5R0003\r"[..], b"T\r", b"TL\r", b"SS---1,01\r", b"C\r"] {
        let mut t = Script::default();
        assert_eq!(run(Bridge::Phoenixtec, &mut t, silent), Ok(Vec::new()));
        assert_eq!(
            t.calls,
            [Call::ControlWrite {
                request_type: 0x42,
                request: 0x0D,
                value: 0,
                data: silent.to_vec(),
                timeout_ms: 1000
            }]
        );
    }
    let mut t = Script::interrupts(&[b"(00,00 ", b"0 1\rxx"]);
    assert_eq!(
        run(Bridge::Phoenixtec, &mut t, b"GS,00\r").unwrap(),
        b"(00,00 0 1\r"
    );
}

#[test]
fn fuji_sends_one_interrupt_report() {
    let mut t = Script::interrupts(
        &chunks_of(Q1, 8)
            .iter()
            .map(Vec::as_slice)
            .collect::<Vec<_>>(),
    );
    assert_eq!(run(Bridge::Fuji, &mut t, b"Q1\r").unwrap(), Q1);
    assert_eq!(
        t.calls[0],
        Call::InterruptWrite {
            endpoint: 0x02,
            data: vec![0x80, 0x06, 0x03, 0x03, b'Q', b'1', 0, 0x2F]
        }
    );
    // The restart part is dropped; stay-off commands are unsupported.
    let mut t = Script::default();
    let _ = run(Bridge::Fuji, &mut t, b"S.5R0003\r");
    assert_eq!(
        t.writes(),
        [vec![0x80, 0x06, 0x04, 0x03, b'S', b'.', b'5', 0]]
    );
    let mut t = Script::default();
    assert_eq!(
        run(Bridge::Fuji, &mut t, b"S.5R0000\r").unwrap(),
        b"S.5R0000\r"
    );
    assert!(t.calls.is_empty());
}

#[test]
fn armac_control_mode_frames_3_byte_pieces() {
    let mut t = Script {
        interrupt: VecDeque::from([
            Ok(vec![0x81, b'x']), // stale, drained
            Ok(Vec::new()),       // drain ends
            Ok(vec![0xC7, b'(', b'2', b'1', b'5', b'.', b'0', b' ']),
            Ok(vec![0x82, b'4', b'\r', b'x']),
            // Never read: the CR ended the reply.
            Ok(vec![0x81, b'y']),
        ]),
        ..Script::default()
    };
    let reply = run(Bridge::Armac, &mut t, b"S.5R0003\r").unwrap();
    assert_eq!(
        t.writes(),
        [
            vec![0xA3, b'S', b'.', b'5'],
            vec![0xA3, b'R', b'0', b'0'],
            vec![0xA3, b'0', b'3', b'\r']
        ]
    );
    assert_eq!(reply, b"(215.0 4\r");
    assert_eq!(t.interrupt.len(), 1);
    // Chunks of up to 2 valid bytes pause 10 ms.
    let mut t = Script::interrupts(&[b"", b"\x82(2", b"\x81\r"]);
    assert_eq!(run(Bridge::Armac, &mut t, b"Q1\r").unwrap(), b"(2\r");
    assert!(t.calls.contains(&Call::Sleep(10)));
    // Known-unsupported queries are echoed without I/O.
    let mut t = Script::default();
    assert_eq!(run(Bridge::Armac, &mut t, b"QGS\r").unwrap(), b"QGS\r");
    assert!(t.calls.is_empty());
    // A NUL first byte: the UPS is off.
    let mut t = Script::interrupts(&[b"", b"\x83\0ab"]);
    assert_eq!(run(Bridge::Armac, &mut t, b"Q1\r"), Ok(Vec::new()));
}

#[test]
fn armac_interrupt_mode_and_status_nuls() {
    let mut body = Q1[..38].to_vec();
    body.extend([b'0', 0, b'0', b'0', b'0', b'0', b'0', 0, b'\r']);
    let mut t = Script {
        armac: true,
        ..Script::default()
    };
    let mut first = vec![0x80 | 38];
    first.extend(&body[..38]);
    let mut second = vec![9];
    second.extend(&body[38..]);
    t.interrupt = VecDeque::from([Ok(first), Ok(second)]);
    let reply = run(Bridge::Armac, &mut t, b"Q1\r").unwrap();
    // NULs among the status bits read as `0`.
    assert_eq!(reply, Q1);
    assert_eq!(
        t.calls[0],
        Call::InterruptWrite {
            endpoint: 0x02,
            data: vec![0xA3, b'Q', b'1', b'\r']
        }
    );
    assert_eq!(
        t.calls[2],
        Call::InterruptRead {
            endpoint: 0x82,
            len: 64
        }
    );
}

#[test]
fn autodetection_table_follows_nut() {
    type Case<'a> = (u16, u16, Option<&'a str>, Option<&'a str>, Option<Bridge>);
    let cases: [Case<'_>; 11] = [
        (
            0x0001,
            0x0000,
            Some("MEC"),
            Some("MEC0003"),
            Some(Bridge::Fabula),
        ),
        (
            0x0001,
            0x0000,
            Some("mec"),
            Some("mec0003"),
            Some(Bridge::Fabula),
        ),
        (0x0001, 0x0000, None, Some("MEC0003"), Some(Bridge::Hunnox)),
        (
            0x0001,
            0x0000,
            Some("ATCL FOR UPS"),
            Some("ATCL FOR UPS"),
            Some(Bridge::Fuji),
        ),
        (0x0001, 0x0000, None, None, Some(Bridge::Krauler)),
        (
            0x06da,
            0x0002,
            Some("Phoenixtec Power"),
            Some("USB Cable (V2.00)"),
            Some(Bridge::Phoenixtec),
        ),
        (0x06da, 0x0002, Some("Other"), None, Some(Bridge::Cypress)),
        (0x0665, 0x5161, None, None, Some(Bridge::Cypress)),
        (0x0590, 0x00b7, None, None, Some(Bridge::Omron)),
        // CH340: only with an explicit subdriver.
        (0x1a86, 0x7523, None, None, None),
        (0x1234, 0x5678, None, None, None),
    ];
    for (vid, pid, mfr, product, want) in cases {
        assert_eq!(select(vid, pid, mfr, product), want, "{vid:04x}:{pid:04x}");
    }
    for bridge in BRIDGES {
        // gtec is only ever named with `subdriver=gtec` (man page).
        assert_eq!(
            BRIDGE_TABLE.iter().any(|e| e.bridge == Some(bridge)),
            bridge != Bridge::Gtec,
            "{bridge}"
        );
        assert_eq!(
            Bridge::from_name(&bridge.name().to_uppercase()),
            Some(bridge)
        );
    }
    assert!("nope".parse::<Bridge>().is_err());
}

#[test]
fn langid_fix_skips_two_characters() {
    assert_eq!(parse_langid_fix("0x409"), Some(0x409));
    assert_eq!(parse_langid_fix("0x0409"), Some(0x409));
    // [quirk] without the 0x prefix the first two digits are lost.
    assert_eq!(parse_langid_fix("409"), Some(0x9));
    assert_eq!(parse_langid_fix("0x"), None);
    assert_eq!(parse_langid_fix("0xzz"), None);
}

#[test]
fn ascii_helper_marks_non_ascii_units() {
    let mut t = Script::with_strings(&[]);
    t.strings.insert(
        5,
        VecDeque::from([Ok(vec![8, 3, b'a', 0, 0xE9, 0x00, 0x3A, 0x04])]),
    );
    let mut buf = [0u8; 16];
    let n = t.get_string_ascii(5, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"a\xe9?");
    assert_eq!(
        t.get_string_ascii(0, &mut buf),
        Err(TransferError::NotSupported)
    );
    assert_eq!(
        strings::utf16_to_ascii(&[6, 3, b'a', 0, b'b', 0]),
        Some(b"ab".to_vec())
    );
    assert_eq!(strings::utf16_to_ascii(&[7, 3, b'a', 0]), None);
}

#[test]
fn error_policy_follows_nut() {
    assert_eq!(TransferError::Busy.action(), ErrorAction::Fatal);
    assert_eq!(
        TransferError::NeedsLangid(Bridge::Snr).action(),
        ErrorAction::Fatal
    );
    assert_eq!(TransferError::Pipe.action(), ErrorAction::ClearHalt);
    for e in [
        TransferError::NoDevice,
        TransferError::Access,
        TransferError::Io,
        TransferError::NotFound,
    ] {
        assert_eq!(e.action(), ErrorAction::Reconnect);
    }
    assert_eq!(TransferError::Overflow.action(), ErrorAction::CountOverflow);
    assert_eq!(TransferError::Timeout.action(), ErrorAction::Fail);
    let e: crate::Error = TransferError::Timeout.into();
    assert!(e.to_string().contains("timed out"));
}
