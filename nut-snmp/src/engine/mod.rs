//! The mapping engine: snmp-ups's MIB selection, start-up and walks over
//! any [`Agent`] (a recording, a simulator or the network), producing NUT
//! variables, `ups.status`, `ups.alarm` and the instant command list.
//!
//! The engine does no IO itself: every SNMP read goes through the
//! [`Agent`] it is handed, and it never looks at a clock (the driver decides
//! when a poll is due, `pollfreq`).
//!
//! ```
//! use nut_snmp::{Config, Engine, Recording};
//!
//! let mut agent = Recording::parse(b"\
//! 1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33
//! 1.3.6.1.2.1.33.1.1.1.0|4|Acme
//! 1.3.6.1.2.1.33.1.1.2.0|4|SIM 3000
//! 1.3.6.1.2.1.33.1.2.1.0|2|2
//! 1.3.6.1.2.1.33.1.4.1.0|2|5
//! ")?;
//! let mut engine = Engine::detect(&mut agent, &Config::default())?;
//! assert_eq!(engine.mib().name, "ietf");
//! engine.init(&mut agent);
//! engine.update(&mut agent);
//! assert_eq!(engine.get("ups.status"), Some("OB"));
//! assert_eq!(engine.get("ups.model"), Some("SIM 3000"));
//! # Ok::<(), nut_snmp::Error>(())
//! ```

mod detect;
pub(crate) mod read;
mod setvar;
mod status;
mod walk;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::mib::Mib;
use crate::oid::Oid;
use crate::snmprec::Recording;
use crate::value::Value;

pub use setvar::{SetRefusal, SetRequest, SetValue};
pub use status::MAX_STATUS_LEN;

/// Most template instances (outlets, outlet groups, ambient sensors) one
/// template row expands to, whatever count the agent announces.
pub const MAX_TEMPLATE_INSTANCES: i64 = 256;
/// Most daisychained devices followed, whatever `device.count` says.
pub const MAX_DAISYCHAIN_DEVICES: i64 = 64;
/// Most steps of the `ups.alarms` walk (snmp-ups allows `INT_MAX`).
pub const MAX_ALARM_WALK: i64 = 256;

/// Where the engine reads SNMP values: a recording, a simulator, or a real
/// agent over the network.
///
/// A failed request (timeout, error status) is `None`; the v2c exceptions
/// (`noSuchObject`, `noSuchInstance`, `endOfMibView`) may be returned as
/// values and count as failures too.
pub trait Agent {
    /// SNMP GET of one OID.
    fn get(&mut self, oid: &Oid) -> Option<Value>;
    /// SNMP GETNEXT: the first OID after `oid`, with its value.
    fn get_next(&mut self, oid: &Oid) -> Option<(Oid, Value)>;
}

impl Agent for Recording {
    fn get(&mut self, oid: &Oid) -> Option<Value> {
        Self::get(self, oid).cloned()
    }

    fn get_next(&mut self, oid: &Oid) -> Option<(Oid, Value)> {
        self.next_after(oid).map(|(o, v)| (o.clone(), v.clone()))
    }
}

impl<A: Agent + ?Sized> Agent for &mut A {
    fn get(&mut self, oid: &Oid) -> Option<Value> {
        (**self).get(oid)
    }

    fn get_next(&mut self, oid: &Oid) -> Option<(Oid, Value)> {
        (**self).get_next(oid)
    }
}

/// The snmp-ups options the engine needs (snmp-maps.md 1.1); transport and
/// timing options belong to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// `mibs`: a mapping name, or `auto`.
    pub mibs: String,
    /// `semistaticfreq`: `SEMI_STATIC` rows are re-read every N update
    /// walks (below 1 means 10).
    pub semistatic_freq: i64,
    /// `notransferoids`: stop refreshing `input.transfer.low`/`high`.
    pub no_transfer_oids: bool,
    /// `symmetrathreephase`: scale string `input.transfer.low`/`high` by
    /// 0.707.
    pub symmetra_three_phase: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mibs: "auto".to_owned(),
            semistatic_freq: 10,
            no_transfer_oids: false,
            symmetra_three_phase: false,
        }
    }
}

impl Config {
    /// The default configuration with `mibs` set.
    pub fn with_mibs(mibs: &str) -> Self {
        Self {
            mibs: mibs.to_owned(),
            ..Self::default()
        }
    }
}

/// A published NUT variable with the flags snmp-ups sets on it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variable {
    /// The value.
    pub value: String,
    /// Writable (`RW`).
    pub writable: bool,
    /// A string variable: its maximum length (the `aux` value).
    pub string_len: Option<usize>,
    /// Allowed values of a writable variable with a lookup table.
    pub enums: Vec<String>,
}

/// Mutable state of one table row (snmp-ups keeps it in the row's flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowState {
    /// The row's flags as the walk changed them (phase bits, `UNIQUE`,
    /// `ABSENT` rows turned `STATIC`).
    pub(crate) flags: u32,
    /// `SU_FLAG_OK`: the row is still read by update walks.
    pub(crate) ok: bool,
    /// The last update read failed.
    pub(crate) stale: bool,
}

/// Daisychain settings found at start-up (snmp-maps.md 1.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Daisychain {
    /// A `device.count` row exists and found at least one device.
    pub(crate) enabled: bool,
    /// Number of devices (1 when daisychain is off).
    pub(crate) count: i64,
    /// SNMP index of device N is N + offset.
    pub(crate) offset: i64,
}

/// The mapping engine for one device.
#[derive(Debug, Clone)]
pub struct Engine {
    mib: &'static Mib,
    config: Config,
    rows: Vec<RowState>,
    vars: BTreeMap<String, Variable>,
    commands: BTreeSet<String>,
    daisy: Daisychain,
    /// Base index per template kind (outlet, outlet group, ambient).
    template_base: [Option<i64>; 3],
    semistatic_countdown: i64,
    conversions: read::ConversionState,
    status: status::Buffers,
    model: String,
    data_ok: bool,
    initialized: bool,
}

impl Engine {
    /// Chooses the mapping for the device behind `agent` (`mibs=auto` or a
    /// name, snmp-maps.md 1.3) and reads its model.
    ///
    /// # Errors
    ///
    /// [`crate::Error::UnknownMibs`] for a name snmp-ups does not know,
    /// [`crate::Error::MibNotFound`] when none of its descriptors answers,
    /// [`crate::Error::NoSupportedDevice`] when `auto` finds nothing.
    pub fn detect(agent: &mut dyn Agent, config: &Config) -> Result<Self, crate::Error> {
        let (mib, model) = detect::choose(agent, &config.mibs)?;
        Ok(Self::with_mib(mib, model, config))
    }

    /// An engine for a given descriptor, without probing the device.
    pub fn for_mib(mib: &'static Mib, config: &Config) -> Self {
        Self::with_mib(mib, String::new(), config)
    }

    fn with_mib(mib: &'static Mib, model: String, config: &Config) -> Self {
        let mut config = config.clone();
        if config.semistatic_freq < 1 {
            config.semistatic_freq = 10;
        }
        Self {
            mib,
            rows: mib
                .rows
                .iter()
                .map(|r| RowState {
                    flags: r.flags,
                    ok: true,
                    stale: false,
                })
                .collect(),
            config,
            vars: BTreeMap::new(),
            commands: BTreeSet::new(),
            daisy: Daisychain {
                enabled: false,
                count: 1,
                offset: 0,
            },
            template_base: [None; 3],
            semistatic_countdown: 0,
            conversions: read::ConversionState::default(),
            status: status::Buffers::default(),
            model,
            data_ok: false,
            initialized: false,
        }
    }

    /// The chosen mapping.
    pub fn mib(&self) -> &'static Mib {
        self.mib
    }

    /// The model read at detection (for the `Detected <model>` log line).
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Start-up (snmp-maps.md 1.4 steps 3–7): daisychain, commands,
    /// sysDescr/sysContact/sysLocation, then the init walk. Returns whether
    /// the data is OK (the result of the walk).
    pub fn init(&mut self, agent: &mut dyn Agent) -> bool {
        self.publish_plain("driver.version.data", self.mib.version_data());
        walk::setup_daisychain(self, agent);
        self.add_composite_commands();
        self.publish_system_info(agent);
        self.register_commands(agent);
        if self.config.no_transfer_oids {
            for (state, row) in self.rows.iter_mut().zip(self.mib.rows) {
                if row.name.eq_ignore_ascii_case("input.transfer.low")
                    || row.name.eq_ignore_ascii_case("input.transfer.high")
                {
                    state.ok = false;
                }
            }
        }
        self.initialized = true;
        self.data_ok = walk::walk(self, agent, walk::Mode::Init);
        self.data_ok
    }

    /// One update walk (what snmp-ups does every `pollfreq`). Returns
    /// whether the data is OK; runs [`Engine::init`] first if it has not
    /// run yet.
    pub fn update(&mut self, agent: &mut dyn Agent) -> bool {
        if !self.initialized {
            self.init(agent);
        }
        self.data_ok = walk::walk(self, agent, walk::Mode::Update);
        self.data_ok
    }

    /// Whether the last walk succeeded (`DATAOK`) rather than went stale.
    pub fn data_ok(&self) -> bool {
        self.data_ok
    }

    /// The published variables by name.
    pub fn variables(&self) -> &BTreeMap<String, Variable> {
        &self.vars
    }

    /// The value of one variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }

    /// The instant commands the device supports.
    pub fn commands(&self) -> &BTreeSet<String> {
        &self.commands
    }

    pub(crate) fn publish_plain(&mut self, name: &str, value: String) {
        self.vars.entry(name.to_owned()).or_default().value = value;
    }

    /// Step 4: composite commands from row names alone.
    fn add_composite_commands(&mut self) {
        let has = |name: &str| self.mib.rows.iter().any(|r| r.name == name);
        let off = has("load.off.delay");
        let on = has("load.on.delay");
        if off {
            self.commands.insert("load.off".to_owned());
        }
        if on {
            self.commands.insert("load.on".to_owned());
        }
        if off && on {
            self.commands.insert("shutdown.return".to_owned());
            self.commands.insert("shutdown.stayoff".to_owned());
        }
    }

    /// Step 5: sysDescr, sysContact, sysLocation, read once.
    fn publish_system_info(&mut self, agent: &mut dyn Agent) {
        const SYSTEM: [(&str, &str); 3] = [
            ("device.description", "1.3.6.1.2.1.1.1.0"),
            ("device.contact", "1.3.6.1.2.1.1.4.0"),
            ("device.location", "1.3.6.1.2.1.1.6.0"),
        ];
        for (name, oid) in SYSTEM {
            let already = self.vars.contains_key(name)
                || self
                    .vars
                    .contains_key(&name.replacen("device.", "device.1.", 1));
            if already {
                continue;
            }
            let Some(oid) = read::table_oid(oid) else {
                continue;
            };
            if let Some(text) = read::read_str(agent, &oid, None, &mut self.conversions) {
                self.publish_plain(name, text);
            }
        }
    }

    /// Step 7: a non-template command row is a command if a GET of its OID
    /// succeeds.
    fn register_commands(&mut self, agent: &mut dyn Agent) {
        for row in self.mib.rows {
            if row.kind != crate::mib::Kind::Cmd || row.has(crate::mib::flag::TEMPLATES) {
                continue;
            }
            let Some(text) = row.oid else { continue };
            let filled = crate::oid::fill_template(text, &[1 + self.daisy.offset]);
            let answered =
                read::table_oid(&filled).is_some_and(|oid| read::get(agent, &oid).is_some());
            if answered {
                self.commands.insert(row.name.to_owned());
            }
        }
    }
}
