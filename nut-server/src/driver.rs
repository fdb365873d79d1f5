//! The device-independent part of a driver's start-up (NUT's `main.c`):
//! applying its `ups.conf` section and publishing the `driver.*` variables.
//!
//! A driver starts in this order, which decides what wins when names clash:
//!
//! 1. [`apply_config`]: globals, then the section's lines in order, then
//!    `-x` options. It publishes `driver.parameter.port`,
//!    `driver.parameter.<option>` for the driver's own options (as written,
//!    e.g. `driver.parameter.Mode`), `driver.flag.<flag> = enabled`, and
//!    applies `default.*` and `override.*` (immutable);
//! 2. [`publish_identity`]: `driver.name`, `driver.version`,
//!    `driver.version.internal`;
//! 3. the driver's own initialisation and first update;
//! 4. [`publish_after_init`]: `driver.parameter.pollinterval` and
//!    `.synchronous`, `device.mfr`/`model`/`serial` copied from `ups.*`, and
//!    `device.type = ups` unless already set.

use crate::config::ups_conf::{DEFAULT_POLLINTERVAL, Globals, Section, Synchronous};
use crate::error::Error;
use crate::state::{DriverState, Flags};

/// The NUT release whose behaviour and version strings the drivers follow
/// (published as `driver.version`).
pub const NUT_VERSION: &str = "2.8.0";

/// Who the driver is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Program name, e.g. `dummy-ups` (published as `driver.name`).
    pub program: String,
    /// NUT version (`driver.version`), normally [`NUT_VERSION`].
    pub version: String,
    /// The driver's own version (`driver.version.internal`).
    pub internal_version: String,
}

/// Whether a driver option is a flag or takes a value (NUT's `addvar`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// `VAR_FLAG`: given alone on its line.
    Flag,
    /// `VAR_VALUE`: `name = value`.
    Value,
}

/// One option a driver accepts in `ups.conf` or with `-x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarDef {
    /// The option name (matched ignoring case).
    pub name: String,
    /// Flag or value.
    pub kind: VarKind,
    /// Help text (`-h`, `-L`).
    pub help: String,
    /// Not published as `driver.parameter.*` (passwords, communities).
    pub sensitive: bool,
}

/// The options a driver accepts (NUT's `vartab`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VarTable {
    defs: Vec<VarDef>,
}

impl VarTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an option (a later one with the same name shadows nothing: the
    /// first match wins, as in NUT's list).
    pub fn add(&mut self, name: &str, kind: VarKind, help: &str) -> &mut Self {
        self.defs.push(VarDef {
            name: name.to_owned(),
            kind,
            help: help.to_owned(),
            sensitive: false,
        });
        self
    }

    /// Adds an option whose value must not be published.
    pub fn add_sensitive(&mut self, name: &str, help: &str) -> &mut Self {
        self.add(name, VarKind::Value, help);
        if let Some(def) = self.defs.last_mut() {
            def.sensitive = true;
        }
        self
    }

    /// The option called `name`, ignoring case.
    pub fn find(&self, name: &str) -> Option<&VarDef> {
        self.defs.iter().find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// All options in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &VarDef> {
        self.defs.iter()
    }
}

/// What the core took from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// `port` (the device path, or what the driver makes of it).
    pub port: Option<String>,
    /// Seconds between updates.
    pub pollinterval: u32,
    /// Socket write mode.
    pub synchronous: Synchronous,
    /// `nolock`.
    pub nolock: bool,
    /// `ignorelb`.
    pub ignorelb: bool,
    /// `allow_killpower`.
    pub allow_killpower: bool,
    /// `user`.
    pub user: Option<String>,
    /// `group`.
    pub group: Option<String>,
    /// The driver's own options accepted, as written, in order
    /// (`None` for flags).
    pub options: Vec<(String, Option<String>)>,
}

impl Settings {
    fn new(globals: &Globals) -> Self {
        Self {
            port: None,
            pollinterval: globals.pollinterval.unwrap_or(DEFAULT_POLLINTERVAL),
            synchronous: globals.synchronous.unwrap_or_default(),
            nolock: false,
            ignorelb: false,
            allow_killpower: false,
            user: globals.user.clone(),
            group: globals.group.clone(),
            options: Vec::new(),
        }
    }

    /// The last value given for the driver option `name` (ignoring case).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether the driver flag `name` was given (ignoring case).
    pub fn flag(&self, name: &str) -> bool {
        self.options
            .iter()
            .any(|(n, v)| v.is_none() && n.eq_ignore_ascii_case(name))
    }
}

/// Applies the globals, the driver's section and `-x` options (in that
/// order), publishing what NUT publishes; see the module docs.
///
/// # Errors
///
/// NUT's fatal start-up errors: the section names another driver
/// ([`Error::WrongDriver`]) or an option the driver does not know
/// ([`Error::UnknownDriverOption`]).
pub fn apply_config(
    state: &mut DriverState,
    program: &str,
    globals: &Globals,
    section: &Section,
    cli: &[(String, Option<String>)],
    vartab: &VarTable,
) -> Result<Settings, Error> {
    let mut settings = Settings::new(globals);
    let lines = section
        .entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_deref()))
        .chain(cli.iter().map(|(k, v)| (k.as_str(), v.as_deref())));
    for (key, value) in lines {
        apply_option(
            state,
            program,
            &section.name,
            &mut settings,
            vartab,
            key,
            value,
        )?;
    }
    Ok(settings)
}

fn apply_option(
    state: &mut DriverState,
    program: &str,
    section: &str,
    settings: &mut Settings,
    vartab: &VarTable,
    key: &str,
    value: Option<&str>,
) -> Result<(), Error> {
    // Flags the core handles whatever the form.
    match key {
        "nolock" => {
            settings.nolock = true;
            state.set_info("driver.flag.nolock", "enabled");
            return Ok(());
        }
        "ignorelb" => {
            settings.ignorelb = true;
            state.set_info("driver.flag.ignorelb", "enabled");
            return Ok(());
        }
        "allow_killpower" => {
            settings.allow_killpower = true;
            return Ok(());
        }
        _ => {}
    }
    let Some(value) = value else {
        state.set_info(&format!("driver.flag.{key}"), "enabled");
        return match vartab.find(key) {
            Some(def) if def.kind == VarKind::Flag => {
                settings.options.push((key.to_owned(), None));
                Ok(())
            }
            _ => Err(Error::UnknownDriverOption {
                name: key.to_owned(),
                flag: true,
            }),
        };
    };
    match key {
        "driver" => {
            if value != program {
                return Err(Error::WrongDriver {
                    section: section.to_owned(),
                    configured: value.to_owned(),
                    program: program.to_owned(),
                });
            }
        }
        "port" => {
            settings.port = Some(value.to_owned());
            state.set_info("driver.parameter.port", value);
        }
        "synchronous" => settings.synchronous = Synchronous::parse(value),
        "pollinterval" => {
            // NUT's atoi; a zero interval is refused by the caller.
            settings.pollinterval = value.parse().unwrap_or(0);
        }
        "user" => settings.user = Some(value.to_owned()),
        "group" => settings.group = Some(value.to_owned()),
        // For upsd and upsdrvctl; ignored by the driver.
        "desc" | "sdorder" | "sddelay" | "sdcommands" | "maxstartdelay" | "maxretry"
        | "retrydelay" | "debug_min" => {}
        _ => {
            if let Some(var) = strip_prefix_ignore_case(key, "override.") {
                state.set_info(var, value);
                state.set_flags(var, Flags::IMMUTABLE);
            } else if let Some(var) = strip_prefix_ignore_case(key, "default.") {
                state.set_info(var, value);
            } else {
                let def = vartab.find(key).ok_or_else(|| Error::UnknownDriverOption {
                    name: key.to_owned(),
                    flag: false,
                })?;
                if !def.sensitive {
                    state.set_info(&format!("driver.parameter.{key}"), value);
                }
                settings
                    .options
                    .push((key.to_owned(), Some(value.to_owned())));
            }
        }
    }
    Ok(())
}

fn strip_prefix_ignore_case<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let head = key.get(..prefix.len())?;
    let rest = key.get(prefix.len()..)?;
    (head.eq_ignore_ascii_case(prefix) && !rest.is_empty()).then_some(rest)
}

/// Publishes `driver.version`, `driver.version.internal` and `driver.name`.
pub fn publish_identity(state: &mut DriverState, identity: &Identity) {
    state.set_info("driver.version", &identity.version);
    state.set_info("driver.version.internal", &identity.internal_version);
    state.set_info("driver.name", &identity.program);
}

/// Publishes what the core sets once the driver has initialised: the poll
/// interval and synchronous mode, `device.mfr`/`model`/`serial` copied from
/// `ups.*` (overwriting), and `device.type = ups` when no type is set.
pub fn publish_after_init(state: &mut DriverState, settings: &Settings) {
    state.set_info(
        "driver.parameter.pollinterval",
        &settings.pollinterval.to_string(),
    );
    state.set_info(
        "driver.parameter.synchronous",
        settings.synchronous.as_str(),
    );
    for (from, to) in [
        ("ups.mfr", "device.mfr"),
        ("ups.model", "device.model"),
        ("ups.serial", "device.serial"),
    ] {
        if let Some(value) = state.get(from).map(str::to_owned) {
            state.set_info(to, &value);
        }
    }
    if state.get("device.type").is_none() {
        state.set_info("device.type", "ups");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UpsConf;
    use std::path::Path;

    fn conf(text: &str) -> UpsConf {
        UpsConf::parse(Path::new("ups.conf"), text.as_bytes()).expect("valid")
    }

    fn table() -> VarTable {
        let mut t = VarTable::new();
        t.add("mode", VarKind::Value, "mode")
            .add("pollonly", VarKind::Flag, "poll only")
            .add_sensitive("community", "SNMP community");
        t
    }

    fn apply(
        text: &str,
        cli: &[(String, Option<String>)],
    ) -> (DriverState, Result<Settings, Error>) {
        let conf = conf(text);
        let mut state = DriverState::new();
        let section = conf.sections.first().expect("a section");
        let result = apply_config(
            &mut state,
            "dummy-ups",
            &conf.globals,
            section,
            cli,
            &table(),
        );
        (state, result)
    }

    #[test]
    fn publishes_like_dummy_ups_2_8_0() {
        let (state, settings) = apply(
            concat!(
                "pollinterval = 3\n[d]\ndriver = dummy-ups\nport = p.dev\ndesc = \"hello\"\n",
                "sdorder = 2\nnolock\npollinterval = 5\nsynchronous = yes\n",
                "default.battery.charge = 50\ndefault.input.voltage = 230\n",
                "override.ups.mfr = OverMfr\nuser = root\ngroup = root\nMode = dummy-loop\n",
                "community = secret\npollonly\n",
            ),
            &[],
        );
        let settings = settings.expect("accepted");
        assert_eq!(settings.port.as_deref(), Some("p.dev"));
        assert_eq!(settings.pollinterval, 5);
        assert_eq!(settings.synchronous, Synchronous::Yes);
        assert!(settings.nolock);
        assert_eq!(settings.value("mode"), Some("dummy-loop"));
        assert_eq!(settings.value("community"), Some("secret"));
        assert!(settings.flag("POLLONLY"));
        let names: Vec<_> = state.tree().vars().map(|v| (v.name(), v.value())).collect();
        assert_eq!(
            names,
            [
                ("battery.charge", "50"),
                ("driver.flag.nolock", "enabled"),
                ("driver.flag.pollonly", "enabled"),
                ("driver.parameter.Mode", "dummy-loop"),
                ("driver.parameter.port", "p.dev"),
                ("input.voltage", "230"),
                ("ups.mfr", "OverMfr"),
            ]
        );
        assert_eq!(
            state.tree().get("ups.mfr").map(|v| v.flags()),
            Some(Flags::IMMUTABLE)
        );
    }

    #[test]
    fn unknown_options_are_fatal_with_nuts_messages() {
        let (_, r) = apply("[d]\ndriver = dummy-ups\nbogus = 1\n", &[]);
        assert_eq!(
            r.unwrap_err().to_string(),
            "Fatal error: 'bogus' is not a valid variable name for this driver."
        );
        let (_, r) = apply("[d]\ndriver = dummy-ups\nNOLOCK\n", &[]);
        assert_eq!(
            r.unwrap_err().to_string(),
            "Fatal error: 'NOLOCK' is not a valid flag for this driver."
        );
        let (_, r) = apply("[d]\nDesc = x\n", &[]);
        assert!(matches!(
            r,
            Err(Error::UnknownDriverOption { flag: false, .. })
        ));
        let (_, r) = apply("[d]\nmode\n", &[]);
        assert!(matches!(
            r,
            Err(Error::UnknownDriverOption { flag: true, .. })
        ));
    }

    #[test]
    fn a_section_for_another_driver_is_refused() {
        let (_, r) = apply("[d]\ndriver = other\nport = c.dev\n", &[]);
        assert_eq!(
            r.unwrap_err().to_string(),
            "Error: UPS [d] is for driver other, but I'm dummy-ups!"
        );
    }

    #[test]
    fn cli_options_come_after_the_section() {
        let cli = [("mode".to_owned(), Some("dummy-once".to_owned()))];
        let (state, settings) = apply("[d]\nmode = dummy-loop\n", &cli);
        assert_eq!(settings.expect("ok").value("MODE"), Some("dummy-once"));
        assert_eq!(state.get("driver.parameter.mode"), Some("dummy-once"));
    }

    #[test]
    fn after_init_mirrors_ups_into_device_and_defaults_the_type() {
        let mut state = DriverState::new();
        state.set_info("ups.mfr", "UpsMfr");
        state.set_info("device.mfr", "DevMfr");
        state.set_info("ups.model", "M");
        let conf = conf("[d]\n");
        let settings = Settings::new(&conf.globals);
        publish_after_init(&mut state, &settings);
        assert_eq!(state.get("device.mfr"), Some("UpsMfr"));
        assert_eq!(state.get("device.model"), Some("M"));
        assert_eq!(state.get("device.serial"), None);
        assert_eq!(state.get("device.type"), Some("ups"));
        assert_eq!(state.get("driver.parameter.pollinterval"), Some("2"));
        assert_eq!(state.get("driver.parameter.synchronous"), Some("auto"));
        state.set_info("device.type", "pdu");
        publish_after_init(&mut state, &settings);
        assert_eq!(state.get("device.type"), Some("pdu"));
    }

    #[test]
    fn identity_is_published() {
        let mut state = DriverState::new();
        publish_identity(
            &mut state,
            &Identity {
                program: "dummy-ups".into(),
                version: NUT_VERSION.into(),
                internal_version: "0.15".into(),
            },
        );
        assert_eq!(state.get("driver.name"), Some("dummy-ups"));
        assert_eq!(state.get("driver.version"), Some("2.8.0"));
        assert_eq!(state.get("driver.version.internal"), Some("0.15"));
    }
}
