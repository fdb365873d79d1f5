// The property behind the `snmp_mib_map` fuzz target, shared (by
// `include!`) between fuzz/fuzz_targets/snmp_mib_map.rs and this crate's
// corpus test, which runs it over generated inputs without libFuzzer.
//
// Input layout: byte 0 picks the mapping, byte 1 the options, byte 2
// `semistaticfreq`; then varbinds `[row][index][type][len][payload…]`,
// each aimed at the OID of a row of the chosen mapping (templates filled
// with a small index) or at sysObjectID/sysDescr, with a value of any SMI
// type or exception. A 0xFF row byte splits the varbinds: the second part
// is applied between the init walk and the update walks.
//
// Properties: nothing panics; after every walk `ups.status` exists, holds
// only tokens some mapping table can produce (plus `ALARM`, first, exactly
// when `ups.alarm` is set), no token twice, within NUT's length; every
// value is bounded; planning commands and SETs never panics.

/// Longest value the engine may publish (texts are cut to 127 bytes; the
/// longest defaults and number renderings are far shorter).
const MAX_VALUE_LEN: usize = 300;

fn snmp_fuzz_value(kind: u8, payload: &[u8], rows: &[nut_snmp::mib::Row]) -> nut_snmp::Value {
    use nut_snmp::{Oid, Value};
    let word = |at: usize| {
        let mut b = [0u8; 8];
        for (i, slot) in b.iter_mut().enumerate() {
            *slot = payload.get(at + i).copied().unwrap_or(0);
        }
        u64::from_le_bytes(b)
    };
    #[allow(clippy::cast_possible_truncation)]
    match kind % 14 {
        0 => Value::Integer(word(0) as u32 as i32),
        1 => Value::OctetString(payload.to_vec()),
        2 => Value::Null,
        3 => {
            // An OID value: a row's OID (for pointer chasing and alarm
            // tables) or arcs from the payload.
            let from_row = rows
                .get(usize::from(payload.first().copied().unwrap_or(0)))
                .and_then(|r| r.oid)
                .and_then(|t| Oid::parse(&t.replace("%i", "1")).ok());
            let arcs: Vec<u32> = payload.iter().map(|&b| u32::from(b)).collect();
            Value::ObjectId(
                from_row
                    .or_else(|| Oid::from_arcs(&arcs))
                    .unwrap_or_default(),
            )
        }
        4 => Value::IpAddress([word(0) as u8, word(1) as u8, word(2) as u8, word(3) as u8]),
        5 => Value::Counter32(word(0) as u32),
        6 => Value::Gauge32(word(0) as u32),
        7 => Value::TimeTicks(word(0) as u32),
        8 => Value::Opaque(payload.to_vec()),
        9 => Value::Counter64(word(0)),
        10 => Value::NoSuchObject,
        11 => Value::NoSuchInstance,
        12 => Value::EndOfMibView,
        _ => Value::Integer(i32::from(payload.first().copied().unwrap_or(0)) - 8),
    }
}

fn snmp_fuzz_tokens() -> std::collections::BTreeSet<&'static str> {
    let mut tokens = std::collections::BTreeSet::from(["ALARM"]);
    for mib in nut_snmp::Mib::all() {
        for row in mib
            .rows
            .iter()
            .filter(|r| r.name.eq_ignore_ascii_case("ups.status"))
        {
            for text in row.lookup.into_iter().flat_map(|l| l.texts()) {
                tokens.extend(text.split_ascii_whitespace());
            }
        }
        for entry in mib.alarms.unwrap_or_default() {
            tokens.extend(entry.status);
        }
    }
    tokens
}

fn snmp_fuzz_check_outputs(engine: &nut_snmp::Engine, tokens: &std::collections::BTreeSet<&str>) {
    let status = engine
        .get("ups.status")
        .expect("every walk commits ups.status");
    assert!(
        status.len() <= nut_snmp::engine::MAX_STATUS_LEN + "ALARM ".len(),
        "{status:?}"
    );
    let words: Vec<&str> = status.split_ascii_whitespace().collect();
    let mut seen = std::collections::BTreeSet::new();
    for word in &words {
        assert!(tokens.contains(word), "token {word:?} in {status:?}");
        assert!(seen.insert(*word), "duplicate {word:?} in {status:?}");
    }
    let alarm = engine.get("ups.alarm");
    // Daisychained devices commit the status before the alarms, so there
    // `ALARM` follows the previous walk's alarms.
    if engine.get("device.count").is_none() {
        assert_eq!(
            words.first() == Some(&"ALARM"),
            alarm.is_some(),
            "{status:?} / {alarm:?}"
        );
    }
    assert!(!words.iter().skip(1).any(|w| *w == "ALARM"), "{status:?}");
    assert!(alarm.is_none_or(|a| !a.is_empty()));
    for (name, var) in engine.variables() {
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()),
            "{name:?}"
        );
        assert!(
            var.value.len() <= MAX_VALUE_LEN,
            "{name}: {} bytes",
            var.value.len()
        );
    }
    for command in engine.commands() {
        assert!(!command.is_empty() && command.bytes().all(|b| b.is_ascii_graphic()));
    }
}

/// Runs the engine over the varbinds `data` describes and checks its
/// outputs.
fn check_snmp_mib_map(data: &[u8]) {
    use nut_snmp::{Config, Engine, Mib, Oid, Recording};
    let (Some(&pick), Some(&options), Some(&freq)) = (data.first(), data.get(1), data.get(2))
    else {
        return;
    };
    let mib = &Mib::all()[usize::from(pick) % Mib::all().len()];
    let mut before = Recording::new();
    let mut after = Vec::new();
    let mut second_part = false;
    let mut rest = &data[3..];
    while let [row, index, kind, len, tail @ ..] = rest {
        if *row == 0xff {
            second_part = true;
            rest = &rest[1..];
            continue;
        }
        let take = usize::from(*len % 64).min(tail.len());
        let (payload, next) = tail.split_at(take);
        rest = next;
        let text = match row {
            0xf0 => Some("1.3.6.1.2.1.1.2.0".to_owned()),
            0xf1 => Some("1.3.6.1.2.1.1.1.0".to_owned()),
            _ => mib
                .rows
                .get(usize::from(*row) % mib.rows.len())
                .and_then(|r| r.oid)
                .map(|t| {
                    let n = i64::from(*index % 4);
                    let mut out = t.to_owned();
                    while let Some(at) = out.find("%i") {
                        out.replace_range(at..at + 2, &n.to_string());
                    }
                    out
                }),
        };
        let Some(oid) = text.and_then(|t| Oid::parse(&t).ok()) else {
            continue;
        };
        let value = snmp_fuzz_value(*kind, payload, mib.rows);
        if second_part {
            after.push((oid, value));
        } else {
            before.insert(oid, value);
        }
    }
    let mut config = Config::with_mibs(mib.name);
    config.no_transfer_oids = options & 2 != 0;
    config.symmetra_three_phase = options & 4 != 0;
    config.semistatic_freq = i64::from(freq % 8) - 2;
    let mut engine = if options & 1 != 0 {
        config.mibs = "auto".to_owned();
        match Engine::detect(&mut before, &config) {
            Ok(engine) => engine,
            Err(_) => return,
        }
    } else {
        Engine::for_mib(mib, &config)
    };
    let tokens = snmp_fuzz_tokens();
    engine.init(&mut before);
    snmp_fuzz_check_outputs(&engine, &tokens);
    for (oid, value) in after {
        before.insert(oid, value);
    }
    for _ in 0..3 {
        engine.update(&mut before);
        snmp_fuzz_check_outputs(&engine, &tokens);
    }
    let commands: Vec<String> = engine.commands().iter().cloned().collect();
    for command in commands {
        let _ = engine.instant_command(&command, None);
        let _ = engine.instant_command(&command, Some("1"));
    }
    let writable: Vec<String> = engine
        .variables()
        .iter()
        .filter(|(_, v)| v.writable)
        .map(|(k, _)| k.clone())
        .collect();
    let value = String::from_utf8_lossy(data.get(3..12).unwrap_or_default()).into_owned();
    for name in writable {
        if let Ok(request) = engine.set_variable(&name, &value) {
            engine.handle_set_result(&request, true);
        }
    }
}
