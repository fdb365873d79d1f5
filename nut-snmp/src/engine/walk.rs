//! The init and update walks (snmp-maps.md 1.5–1.10): row rules, phase
//! filtering, templates (outlets, outlet groups, ambient sensors),
//! daisychain devices, and the status/alarm commits.

// C's `atoi` on a text, read as a 64-bit `long`.
use nut_proto::cnum::atol as atoi;

use super::read::{self, atof, format_number, format_one_decimal, read_int, read_str};
use super::{Agent, Engine, MAX_ALARM_WALK, MAX_DAISYCHAIN_DEVICES, MAX_TEMPLATE_INSTANCES};
use crate::mib::{Conversion, Kind, Lookup, Row, flag};
use crate::oid::{Oid, fill_template, template_slots};
use crate::value::Value;

/// Which walk is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The start-up walk: every row is tried once.
    Init,
    /// A periodic walk: only rows still OK, not static.
    Update,
}

/// The result of reading one row (or one template instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Read and published.
    Ok,
    /// The read failed.
    Failed,
    /// `NEGINVALID` / `ZEROINVALID` ruled the value out: the row is
    /// disabled for good.
    Invalid,
}

/// APC IEM temperature sensor and its unit (snmp-maps.md 1.6).
const APC_IEM_TEMPERATURE: &str = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.4.1";
const APC_IEM_TEMPERATURE_UNIT: &str = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.5.1";

/// Phase counts read during one device's walk.
#[derive(Debug, Default)]
struct Phases {
    input: Option<i64>,
    output: Option<i64>,
    bypass: Option<i64>,
}

/// A template kind: index into `Engine::template_base`, variable prefix,
/// alarm prefix.
struct TemplateKind {
    slot: usize,
    prefix: &'static str,
    alarm_label: Option<&'static str>,
    flag: u32,
}

const OUTLET: TemplateKind = TemplateKind {
    slot: 0,
    prefix: "outlet",
    alarm_label: Some("outlet"),
    flag: flag::OUTLET,
};
const OUTLET_GROUP: TemplateKind = TemplateKind {
    slot: 1,
    prefix: "outlet.group",
    alarm_label: Some("outlet group"),
    flag: flag::OUTLET_GROUP,
};
const AMBIENT: TemplateKind = TemplateKind {
    slot: 2,
    prefix: "ambient",
    alarm_label: None,
    flag: flag::AMBIENT,
};

impl Engine {
    /// Several daisychained devices: names get a `device.N.` prefix.
    pub(crate) fn multi_device(&self) -> bool {
        self.daisy.enabled && self.daisy.count > 1
    }

    /// The published name of `name` for `device`.
    fn device_name(&self, device: i64, name: &str) -> String {
        if self.multi_device() {
            format!(
                "device.{device}.{}",
                name.strip_prefix("device.").unwrap_or(name)
            )
        } else {
            name.to_owned()
        }
    }

    /// Sets a variable with the row's flags (`su_setinfo`).
    fn publish(&mut self, name: String, value: String, row: &Row) {
        let var = self.vars.entry(name).or_default();
        var.value = value;
        var.writable = row.rw;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let len = row.len_mult.max(0.0) as usize;
        var.string_len = (row.kind == Kind::Str).then_some(len);
        if let (true, Some(lookup @ Lookup::Pairs(_))) = (row.rw, row.lookup) {
            var.enums = lookup.texts().map(str::to_owned).collect();
        }
    }

    /// Disables every other row of the same name (`UNIQUE`).
    fn disable_competition(&mut self, index: usize) {
        let name = self.mib.rows[index].name;
        for (other, row) in self.mib.rows.iter().enumerate() {
            if other != index && row.name.eq_ignore_ascii_case(name) {
                self.rows[other].ok = false;
            }
        }
    }

    /// A non-template row's OID with the device index filled in.
    fn device_oid(&self, text: &str, device: i64) -> String {
        fill_template(text, &[device + self.daisy.offset])
    }

    /// A template row's OID for one item of one device.
    fn template_oid(&self, row: &Row, text: &str, item: i64, device: i64) -> String {
        let unit = device + self.daisy.offset;
        match template_slots(text) {
            0 | 1 => fill_template(text, &[item]),
            _ if row.has(flag::DAISY_1) => fill_template(text, &[unit, item]),
            _ => fill_template(text, &[item, unit]),
        }
    }
}

/// Daisychain set-up at start-up (snmp-maps.md 1.10).
pub(crate) fn setup_daisychain(engine: &mut Engine, agent: &mut dyn Agent) {
    let Some(row) = engine.mib.rows.iter().find(|r| r.name == "device.count") else {
        return;
    };
    let count = match row.oid {
        None => 1,
        Some(text) if template_slots(text) == 0 => {
            let oid = read::table_oid(text);
            let read = oid.and_then(|oid| match row.lookup {
                Some(Lookup::Function(Conversion::DeviceCount)) => {
                    read_str(agent, &oid, None, &mut engine.conversions)
                        .map(|t| read::device_count(&t))
                }
                _ => read_int(agent, &oid),
            });
            read.unwrap_or(1)
        }
        Some(text) => guess_count(agent, row, |i| fill_template(text, &[i])),
    };
    if count < 1 {
        return;
    }
    let count = count.min(MAX_DAISYCHAIN_DEVICES);
    engine.daisy.enabled = true;
    engine.daisy.count = count;
    engine.publish_plain("device.count", count.to_string());
    let default_of = |name: &str| {
        engine
            .mib
            .rows
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.default)
    };
    if let Some(mfr) = default_of("device.mfr").or_else(|| default_of("ups.mfr")) {
        engine.publish_plain("device.mfr", mfr.to_owned());
    }
    let device_type = default_of("device.type");
    let model = match device_type {
        Some(kind) => format!("daisychain {kind} (1+{})", count - 1),
        None => format!("daisychain (1+{})", count - 1),
    };
    engine.publish_plain("device.model", model);
    engine.publish_plain(
        "device.type",
        device_type.map_or_else(|| format!("daisychain (1+{})", count - 1), str::to_owned),
    );
    // The device index base: the first index the device.model row answers.
    let model_oid = engine
        .mib
        .rows
        .iter()
        .find(|r| r.name == "device.model")
        .and_then(|r| r.oid);
    let base = model_oid.and_then(|text| {
        (0..=1).find(|&i| {
            read::table_oid(&fill_template(text, &[i]))
                .is_some_and(|oid| read::get(agent, &oid).is_some())
        })
    });
    engine.daisy.offset = base.unwrap_or(1) - 1;
}

/// Counts instances of a template OID: start at 0 (or 1 if 0 fails or
/// reads 0 under `ZEROINVALID`), then count up until a GET fails.
fn guess_count(agent: &mut dyn Agent, row: &Row, oid_for: impl Fn(i64) -> String) -> i64 {
    let answers = |agent: &mut dyn Agent, index: i64| {
        read::table_oid(&oid_for(index)).and_then(|oid| read::get(agent, &oid))
    };
    let usable = |value: &Value| !(row.has(flag::ZEROINVALID) && value.as_integer() == Some(0));
    let Some(start) = (0..=1).find(|&i| answers(agent, i).is_some_and(|v| usable(&v))) else {
        return 0;
    };
    let mut count = 0;
    while count < MAX_TEMPLATE_INSTANCES && answers(agent, start + count).is_some() {
        count += 1;
    }
    count
}

/// One walk over every device and row; returns the result of the last row
/// processed, which decides "data OK" or "stale" ([quirk] 1.5).
pub(crate) fn walk(engine: &mut Engine, agent: &mut dyn Agent, mode: Mode) -> bool {
    engine.status.clear();
    if mode == Mode::Update {
        engine.semistatic_countdown -= 1;
        if engine.semistatic_countdown < 0 {
            engine.semistatic_countdown = engine.config.semistatic_freq;
        }
    }
    let mut last = false;
    for device in 1..=engine.daisy.count.max(1) {
        let mut phases = Phases::default();
        for index in 0..engine.mib.rows.len() {
            if let Some(result) = process_row(engine, agent, mode, device, index, &mut phases) {
                last = result;
            }
        }
    }
    let multi = engine.multi_device().then_some(engine.daisy.count);
    if engine.daisy.enabled {
        commit_status(engine);
        commit_alarms(engine, multi);
    } else {
        commit_alarms(engine, multi);
        commit_status(engine);
    }
    last
}

fn commit_alarms(engine: &mut Engine, multi: Option<i64>) {
    for (name, value) in engine.status.commit_alarms(multi) {
        match value {
            Some(text) => engine.publish_plain(&name, text),
            None => {
                engine.vars.remove(&name);
            }
        }
    }
}

fn commit_status(engine: &mut Engine) {
    let status = engine.status.commit_status();
    engine.publish_plain("ups.status", status);
}

/// The row rules of snmp-maps.md 1.5; `None` when the row was skipped.
fn process_row(
    engine: &mut Engine,
    agent: &mut dyn Agent,
    mode: Mode,
    device: i64,
    index: usize,
    phases: &mut Phases,
) -> Option<bool> {
    let row = &engine.mib.rows[index];
    let state = engine.rows[index];
    let is_template = row.has(flag::TEMPLATES);
    if row
        .name
        .get(..12)
        .is_some_and(|p| p.eq_ignore_ascii_case("device.count"))
    {
        if mode == Mode::Init {
            engine.rows[index].ok = false;
        }
        return None;
    }
    if row.kind == Kind::Cmd && !row.has(flag::OUTLET | flag::OUTLET_GROUP) {
        return None;
    }
    if mode == Mode::Update && !state.ok {
        return None;
    }
    if mode == Mode::Update
        && state.flags & flag::SEMI_STATIC != 0
        && engine.semistatic_countdown != 0
    {
        return None;
    }
    if mode == Mode::Update && state.flags & flag::STATIC != 0 {
        return None;
    }
    if state.flags & flag::ABSENT != 0 && !row.has(flag::OUTLET | flag::OUTLET_GROUP) {
        if mode == Mode::Init {
            if let Some(default) = row.default {
                if engine.multi_device() && device == 1 {
                    engine.publish(row.name.to_owned(), default.to_owned(), row);
                }
                let name = engine.device_name(device, row.name);
                engine.publish(name, default.to_owned(), row);
            }
            engine.rows[index].flags |= flag::STATIC;
        }
        return None;
    }
    if state.flags & flag::PHASES != 0 {
        if !phase_kept(engine, agent, device, state.flags, phases) {
            engine.rows[index].ok = false;
            return None;
        }
        engine.rows[index].flags &= !flag::PHASES;
    }
    if is_template {
        return process_template(engine, agent, mode, device, index);
    }
    let fixed_oid = row.oid.is_none_or(|t| template_slots(t) == 0);
    let oid = row.oid.map(|t| engine.device_oid(t, device));
    let name = engine.device_name(if fixed_oid { 1 } else { device }, row.name);
    let outcome = read_and_publish(
        engine,
        agent,
        row,
        &name,
        oid.as_deref(),
        row.default,
        device,
        None,
    );
    let state = &mut engine.rows[index];
    match outcome {
        Outcome::Ok => {
            state.stale = false;
            if state.flags & flag::UNIQUE != 0 {
                state.flags &= !flag::UNIQUE;
                engine.disable_competition(index);
            }
        }
        Outcome::Invalid => {
            state.ok = false;
            if state.flags & flag::UNIQUE != 0 {
                state.flags &= !flag::UNIQUE;
                engine.disable_competition(index);
            }
        }
        Outcome::Failed if mode == Mode::Init => state.ok = false,
        Outcome::Failed => state.stale = true,
    }
    Some(outcome == Outcome::Ok)
}

/// Phase filtering (snmp-maps.md 1.7): whether a `*_1`/`*_3` row is kept.
///
/// A row with both flags is judged by its `_1` flag (kept only with one
/// phase), as snmp-ups tests the single-phase flag first. [quirk] Bypass
/// rows are never dropped: snmp-ups recognises the group by the prefix
/// `input` before `input.bypass`, so it looks for `INPUT_1`/`INPUT_3` on
/// them, finds neither and keeps the row (real snmp-ups 2.8.0 publishes
/// `input.bypass.voltage` and `input.bypass.L1-N.voltage` side by side);
/// the bypass phase count is still read and published.
fn phase_kept(
    engine: &mut Engine,
    agent: &mut dyn Agent,
    device: i64,
    flags: u32,
    phases: &mut Phases,
) -> bool {
    let (group, one, three, cached) = if flags & (flag::INPUT_1 | flag::INPUT_3) != 0 {
        ("input", flag::INPUT_1, flag::INPUT_3, &mut phases.input)
    } else if flags & (flag::OUTPUT_1 | flag::OUTPUT_3) != 0 {
        ("output", flag::OUTPUT_1, flag::OUTPUT_3, &mut phases.output)
    } else {
        ("input.bypass", 0, 0, &mut phases.bypass)
    };
    let count = match *cached {
        Some(count) => count,
        None => {
            let var = engine.device_name(device, &format!("{group}.phases"));
            let published = engine.vars.get(&var).map(|v| atoi(&v.value));
            let count = published
                .or_else(|| {
                    let wanted = format!("{group}.phases");
                    let row = engine.mib.rows.iter().find(|r| r.name == wanted)?;
                    let oid = read::table_oid(&engine.device_oid(row.oid?, device))?;
                    read_int(agent, &oid)
                })
                .unwrap_or(1);
            engine.publish_plain(&var, count.to_string());
            *cached = Some(count);
            count
        }
    };
    if flags & one != 0 {
        count == 1
    } else if flags & three != 0 {
        count == 3
    } else {
        true
    }
}

/// Expands one template row over its instances (snmp-maps.md 1.8).
fn process_template(
    engine: &mut Engine,
    agent: &mut dyn Agent,
    mode: Mode,
    device: i64,
    index: usize,
) -> Option<bool> {
    let row = &engine.mib.rows[index];
    let kind = if row.has(flag::OUTLET_GROUP) {
        OUTLET_GROUP
    } else if row.has(flag::OUTLET) {
        OUTLET
    } else {
        AMBIENT
    };
    if row.has(flag::DAISY_MASTER_ONLY) && device != 1 {
        return None;
    }
    let count = template_count(engine, agent, device, &kind, row);
    let base = template_base(engine, agent, device, &kind);
    let mut last = None;
    for item in base..base.saturating_add(count) {
        let name = engine.device_name(device, &fill_template(row.name, &[item]));
        if row.kind == Kind::Cmd {
            if mode == Mode::Init {
                engine.commands.insert(name);
            }
            continue;
        }
        let default = row.default.map(|d| fill_template(d, &[item]));
        let oid = row.oid.map(|t| engine.template_oid(row, t, item, device));
        let prefix = kind.alarm_label.map(|label| format!("{label} {item} "));
        let outcome = read_and_publish(
            engine,
            agent,
            row,
            &name,
            oid.as_deref(),
            default.as_deref(),
            device,
            prefix.as_deref(),
        );
        last = Some(outcome == Outcome::Ok);
    }
    last
}

/// The instance count: the published `<kind>.count`, else a guess from the
/// template OID (then published).
fn template_count(
    engine: &mut Engine,
    agent: &mut dyn Agent,
    device: i64,
    kind: &TemplateKind,
    row: &Row,
) -> i64 {
    let var = engine.device_name(device, &format!("{}.count", kind.prefix));
    if let Some(v) = engine.vars.get(&var) {
        return atoi(&v.value).clamp(0, MAX_TEMPLATE_INSTANCES);
    }
    let Some(text) = row.oid else {
        return 0;
    };
    let count = guess_count(agent, row, |i| engine.template_oid(row, text, i, device));
    // Only a count that found something is published (snmp-ups 2.8.0
    // publishes no `outlet.count: 0` for an agent without outlets).
    if count > 0 {
        engine.publish_plain(&var, count.to_string());
    }
    count
}

/// The first instance index of a template kind, decided once by the first
/// template of that kind with an OID: 0 or 1, whichever answers usably,
/// else 2 ([quirk] 1.8).
fn template_base(
    engine: &mut Engine,
    agent: &mut dyn Agent,
    device: i64,
    kind: &TemplateKind,
) -> i64 {
    if let Some(base) = engine.template_base[kind.slot] {
        return base;
    }
    let first = engine
        .mib
        .rows
        .iter()
        .find(|r| r.has(kind.flag) && r.oid.is_some() && r.kind != Kind::Cmd);
    let Some(row) = first else {
        return 1;
    };
    let text = row.oid.unwrap_or_default();
    let base = (0..=1)
        .find(|&i| {
            let Some(oid) = read::table_oid(&engine.template_oid(row, text, i, device)) else {
                return false;
            };
            if row.has(flag::ZEROINVALID) {
                return read_int(agent, &oid).is_some_and(|v| v != 0);
            }
            if row.has(flag::NAINVALID) {
                return read_str(agent, &oid, None, &mut engine.conversions)
                    .is_some_and(|t| !t.starts_with("N/A"));
            }
            read::get(agent, &oid).is_some()
        })
        .unwrap_or(2);
    engine.template_base[kind.slot] = Some(base);
    base
}

/// Reads one row or template instance and publishes it (snmp-maps.md
/// 1.6): status and alarm rows fill the buffers, the others set `name`.
#[allow(clippy::too_many_arguments)]
fn read_and_publish(
    engine: &mut Engine,
    agent: &mut dyn Agent,
    row: &Row,
    name: &str,
    oid_text: Option<&str>,
    default: Option<&str>,
    device: i64,
    alarm_prefix: Option<&str>,
) -> Outcome {
    let bare = row.name;
    let oid = oid_text.and_then(read::table_oid);
    if bare.eq_ignore_ascii_case("ups.status") {
        let Some(value) = oid.and_then(|oid| read_int(agent, &oid)) else {
            return Outcome::Failed;
        };
        if let Some(text) = row.lookup.and_then(|l| l.text(value)) {
            engine.status.add_status(text);
        }
        return Outcome::Ok;
    }
    if bare.ends_with(".alarm") {
        let Some(value) = oid.and_then(|oid| read_int(agent, &oid)) else {
            return Outcome::Failed;
        };
        if let Some(text) = row
            .lookup
            .and_then(|l| l.text(value))
            .filter(|t| !t.is_empty())
        {
            let prefix = alarm_prefix.map(str::to_owned).or_else(|| {
                bare.starts_with('L')
                    .then(|| format!("phase {} ", bare.trim_end_matches(".alarm")))
            });
            engine
                .status
                .add_alarm(device, format!("{}{text}", prefix.unwrap_or_default()));
        }
        return Outcome::Ok;
    }
    if bare.eq_ignore_ascii_case("ups.alarms") {
        return match oid {
            Some(oid) => alarms_walk(engine, agent, &oid, device),
            None => Outcome::Failed,
        };
    }
    if bare.eq_ignore_ascii_case("ambient.temperature") {
        let Some(oid) = oid else {
            return Outcome::Failed;
        };
        let Some(raw) = read_int(agent, &oid) else {
            return Outcome::Failed;
        };
        #[allow(clippy::cast_precision_loss)]
        let value = raw as f64;
        let celsius = if oid_text.and_then(read::table_oid) == read::table_oid(APC_IEM_TEMPERATURE)
        {
            let unit = read::table_oid(APC_IEM_TEMPERATURE_UNIT).and_then(|u| read_int(agent, &u));
            if matches!(unit, None | Some(2)) {
                (value - 32.0) / 1.8
            } else {
                value
            }
        } else {
            value * row.len_mult
        };
        engine.publish(name.to_owned(), format_one_decimal(celsius), row);
        return Outcome::Ok;
    }
    let Some(oid_text) = oid_text else {
        return match default {
            Some(text) => {
                engine.publish(name.to_owned(), text.to_owned(), row);
                Outcome::Ok
            }
            None => Outcome::Failed,
        };
    };
    let Some(oid) = read::table_oid(oid_text) else {
        return Outcome::Failed;
    };
    match row.kind {
        Kind::Str => {
            let Some(mut text) = read_str(agent, &oid, row.lookup, &mut engine.conversions) else {
                return Outcome::Failed;
            };
            let transfer = bare.eq_ignore_ascii_case("input.transfer.low")
                || bare.eq_ignore_ascii_case("input.transfer.high");
            if engine.config.symmetra_three_phase && transfer {
                text = format!("{:.2}", atof(&text) * 0.707);
            } else if let Some(Lookup::Function(Conversion::UsDateToIsoDate)) = row.lookup {
                text = read::us_date_to_iso(&text);
            }
            engine.publish(name.to_owned(), text, row);
            Outcome::Ok
        }
        Kind::Num => {
            let Some(value) = read_int(agent, &oid) else {
                return Outcome::Failed;
            };
            if (row.has(flag::NEGINVALID) && value < 0)
                || (row.has(flag::ZEROINVALID) && value == 0)
            {
                return Outcome::Invalid;
            }
            let looked_up = match row.lookup {
                Some(Lookup::Function(f)) => engine.conversions.integer(*f, value),
                Some(lookup) => lookup.text(value).map(str::to_owned),
                None => None,
            };
            let text = looked_up.unwrap_or_else(|| format_number(value, row.len_mult));
            engine.publish(name.to_owned(), text, row);
            Outcome::Ok
        }
        Kind::Cmd => Outcome::Failed,
    }
}

/// The `ups.alarms` walk (snmp-maps.md 1.9): read the alarm count, then
/// walk the same OID that many steps (a GET, then GETNEXTs) and match each
/// OID value against the descriptor's alarm table.
fn alarms_walk(engine: &mut Engine, agent: &mut dyn Agent, base: &Oid, device: i64) -> Outcome {
    let Some(count) = read_int(agent, base) else {
        return Outcome::Failed;
    };
    if count <= 0 {
        return Outcome::Ok;
    }
    let steps = count.min(MAX_ALARM_WALK);
    let mut current = base.clone();
    for step in 0..steps {
        let found = if step == 0 {
            read::get(agent, base).map(|v| (base.clone(), v))
        } else {
            agent.get_next(&current).filter(|(_, v)| !v.is_exception())
        };
        let Some((oid, value)) = found else {
            break;
        };
        if oid.len() < base.len() {
            break;
        }
        if let Value::ObjectId(alarm) = &value {
            let text = alarm.to_string();
            let entry = engine
                .mib
                .alarms
                .unwrap_or_default()
                .iter()
                .find(|e| e.oid == text);
            if let Some(entry) = entry {
                if let Some(token) = entry.status {
                    engine.status.add_status(token);
                }
                if let Some(alarm) = entry.alarm {
                    engine.status.add_alarm(device, alarm.to_owned());
                }
            }
        }
        current = oid;
    }
    Outcome::Ok
}
