//! `ups.conf`: global driver settings, then one `[section]` per UPS.
//!
//! Line shapes, as NUT's `upsconf.c` reads them: `[name]` opens a section;
//! a single word is a flag; `key = value` (in any spacing, since `=` is a word
//! of its own) sets a value. Other shapes are ignored (NUT is silent; we add
//! a [`Warning`]). Sections keep file order (upsd's `LIST UPS` order); a
//! section that appears twice is merged into its first place, and within a
//! section the last value of a key wins, as in NUT.
//!
//! Keys NUT's programs match exactly (`driver`, `port`, `desc`, `sdorder`...)
//! are matched case-sensitively here too; numbers in the typed keys are
//! checked strictly (NUT's `atoi` would read `abc` as 0).

use std::path::{Path, PathBuf};

use crate::config::{
    Warning, config_error, parse_bool, read_file, section_header, section_name, strict_i32,
    strict_u32, tokenize,
};
use crate::error::{Error, Problem, quoted};

/// upsdrvctl's default wait for a driver to start, in seconds.
pub const DEFAULT_MAXSTARTDELAY: u32 = 75;
/// upsdrvctl's default number of start retries.
pub const DEFAULT_MAXRETRY: u32 = 1;
/// upsdrvctl's default delay between retries, in seconds.
pub const DEFAULT_RETRYDELAY: u32 = 5;
/// The drivers' default poll interval, in seconds.
pub const DEFAULT_POLLINTERVAL: u32 = 2;

/// How a driver writes to its socket clients (`synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Non-blocking, falling back to blocking after a failed write (default).
    #[default]
    Auto,
    /// Blocking writes.
    Yes,
    /// Non-blocking writes.
    No,
}

impl Synchronous {
    /// NUT's reading: `yes` and `auto` (exact), anything else is `no`.
    pub fn parse(value: &str) -> Self {
        match value {
            "yes" => Self::Yes,
            "auto" => Self::Auto,
            _ => Self::No,
        }
    }

    /// The word published as `driver.parameter.synchronous`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Yes => "yes",
            Self::No => "no",
        }
    }
}

/// One `key = value` or flag line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key as written.
    pub key: String,
    /// The value; `None` for a flag.
    pub value: Option<String>,
    /// 1-based line number.
    pub line: u32,
}

impl Entry {
    /// Whether this is a flag (a key alone on its line).
    pub fn is_flag(&self) -> bool {
        self.value.is_none()
    }
}

/// The settings before the first section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Globals {
    /// Every global line in order, typed keys included.
    pub entries: Vec<Entry>,
    /// `chroot`.
    pub chroot: Option<String>,
    /// `driverpath`.
    pub driverpath: Option<String>,
    /// `statepath` (upsd reads this one too).
    pub statepath: Option<String>,
    /// `user`.
    pub user: Option<String>,
    /// `group`.
    pub group: Option<String>,
    /// `maxstartdelay` (default [`DEFAULT_MAXSTARTDELAY`]).
    pub maxstartdelay: Option<u32>,
    /// `maxretry` (default [`DEFAULT_MAXRETRY`]).
    pub maxretry: Option<u32>,
    /// `retrydelay` (default [`DEFAULT_RETRYDELAY`]).
    pub retrydelay: Option<u32>,
    /// `pollinterval` (default [`DEFAULT_POLLINTERVAL`]).
    pub pollinterval: Option<u32>,
    /// `synchronous`.
    pub synchronous: Option<Synchronous>,
    /// `nowait` (a flag, or a boolean value).
    pub nowait: bool,
    /// `debug_min`.
    pub debug_min: Option<u32>,
    /// `LIBUSB_DEBUG`.
    pub libusb_debug: Option<u32>,
}

impl Globals {
    /// The last value of `key` (exact case).
    pub fn value(&self, key: &str) -> Option<&str> {
        last_value(&self.entries, key)
    }
}

/// One `[name]` section: a UPS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Section {
    /// The name between the brackets.
    pub name: String,
    /// Line of the (first) header.
    pub line: u32,
    /// Every line of the section in order, typed keys included.
    pub entries: Vec<Entry>,
    /// `sdorder` (default 0; negative excludes the UPS from `upsdrvctl shutdown`).
    pub sdorder: i32,
    /// `maxstartdelay` for this UPS.
    pub maxstartdelay: Option<u32>,
    /// `maxretry` for this UPS.
    pub maxretry: Option<u32>,
    /// `retrydelay` for this UPS.
    pub retrydelay: Option<u32>,
    /// `pollinterval` for this UPS.
    pub pollinterval: Option<u32>,
    /// `synchronous` for this UPS.
    pub synchronous: Option<Synchronous>,
}

/// Keys of a section that the driver core and upsdrvctl handle themselves;
/// the rest are the driver's own options (or `default.*`/`override.*`).
pub const CORE_SECTION_KEYS: &[&str] = &[
    "driver",
    "port",
    "desc",
    "sdorder",
    "sdcommands",
    "maxstartdelay",
    "maxretry",
    "retrydelay",
    "pollinterval",
    "synchronous",
    "user",
    "group",
    "nolock",
    "ignorelb",
    "allow_killpower",
    "debug_min",
];

impl Section {
    fn new(name: String, line: u32) -> Self {
        Self {
            name,
            line,
            entries: Vec::new(),
            sdorder: 0,
            maxstartdelay: None,
            maxretry: None,
            retrydelay: None,
            pollinterval: None,
            synchronous: None,
        }
    }

    /// The last entry for `key` (exact case).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// The last entry for `key`, ignoring case (drivers' own options).
    pub fn get_ignore_case(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// The last value of `key` (exact case).
    pub fn value(&self, key: &str) -> Option<&str> {
        last_value(&self.entries, key)
    }

    /// Whether `key` is present as a flag (exact case).
    pub fn has_flag(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key && e.is_flag())
    }

    /// `driver`.
    pub fn driver(&self) -> Option<&str> {
        self.value("driver")
    }

    /// `port`.
    pub fn port(&self) -> Option<&str> {
        self.value("port")
    }

    /// `desc`.
    pub fn desc(&self) -> Option<&str> {
        self.value("desc")
    }

    /// Whether both `driver` and `port` are set (upsd skips the section otherwise).
    pub fn is_complete(&self) -> bool {
        self.driver().is_some() && self.port().is_some()
    }

    /// `default.<var> = value` entries (prefix in any case), in file order.
    pub fn defaults(&self) -> impl Iterator<Item = (&str, &str)> {
        prefixed(&self.entries, "default.")
    }

    /// `override.<var> = value` entries (prefix in any case), in file order.
    pub fn overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        prefixed(&self.entries, "override.")
    }

    /// Entries that are neither [`CORE_SECTION_KEYS`] nor
    /// `default.*`/`override.*`: the driver's own options, in file order.
    pub fn driver_options(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| {
            !CORE_SECTION_KEYS.contains(&e.key.as_str())
                && !has_prefix_ignore_case(&e.key, "default.")
                && !has_prefix_ignore_case(&e.key, "override.")
        })
    }
}

/// A UPS as upsd sees it: only `driver`, `port` and `desc` matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsdDevice {
    /// The section name (the UPS name on the network).
    pub name: String,
    /// `driver`.
    pub driver: String,
    /// `port`.
    pub port: String,
    /// `desc`.
    pub desc: Option<String>,
}

impl UpsdDevice {
    /// The driver socket's file name in the state path: `<driver>-<ups>`.
    pub fn socket_name(&self) -> String {
        format!("{}-{}", self.driver, self.name)
    }
}

/// A parsed `ups.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpsConf {
    /// The file, for messages.
    pub path: PathBuf,
    /// Settings before the first section.
    pub globals: Globals,
    /// Sections in file order.
    pub sections: Vec<Section>,
    /// What NUT would log and ignore.
    pub warnings: Vec<Warning>,
}

impl UpsConf {
    /// Reads and parses the file at `path`.
    ///
    /// # Errors
    ///
    /// See [`UpsConf::parse`]; also [`Error::Open`].
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = read_file(path)?;
        Self::parse(path, &text)
    }

    /// Parses `text`, naming `path` in messages.
    ///
    /// # Errors
    ///
    /// A line the tokenizer rejects, a typed key with a bad number, or `[]`.
    ///
    /// ```
    /// use nut_server::config::UpsConf;
    ///
    /// let conf = UpsConf::parse(
    ///     "ups.conf".as_ref(),
    ///     b"maxretry = 3\n[ups1]\n driver = dummy-ups\n port = ups1.dev\n nolock\n",
    /// )?;
    /// assert_eq!(conf.globals.maxretry, Some(3));
    /// let ups = &conf.sections[0];
    /// assert_eq!((ups.name.as_str(), ups.driver(), ups.port()), ("ups1", Some("dummy-ups"), Some("ups1.dev")));
    /// assert!(ups.has_flag("nolock"));
    /// # Ok::<(), nut_server::Error>(())
    /// ```
    pub fn parse(path: &Path, text: &[u8]) -> Result<Self, Error> {
        let mut conf = Self {
            path: path.to_owned(),
            globals: Globals::default(),
            sections: Vec::new(),
            warnings: Vec::new(),
        };
        let mut current: Option<usize> = None;
        for line in tokenize(path, text)? {
            let words = &line.words;
            let Some(first) = words.first() else {
                continue;
            };
            if let Some(name) = section_header(first) {
                let name = section_name(path, line.number, name)?;
                current = Some(match conf.sections.iter().position(|s| s.name == name) {
                    Some(index) => index,
                    None => {
                        conf.sections.push(Section::new(name, line.number));
                        conf.sections.len() - 1
                    }
                });
                continue;
            }
            let entry = match words.as_slice() {
                [key] if key != "=" => Entry {
                    key: key.clone(),
                    value: None,
                    line: line.number,
                },
                [key, eq, value, rest @ ..] if eq == "=" && key != "=" => {
                    if !rest.is_empty() {
                        conf.warnings.push(Warning::new(
                            path,
                            line.number,
                            format!("ups.conf: extra words after the value of {key} ignored"),
                        ));
                    }
                    Entry {
                        key: key.clone(),
                        value: Some(value.clone()),
                        line: line.number,
                    }
                }
                _ => {
                    conf.warnings.push(Warning::new(
                        path,
                        line.number,
                        format!(
                            "ups.conf: ignoring line \"{}\" (expected key = value, a flag or [section])",
                            quoted(&words.join(" "))
                        ),
                    ));
                    continue;
                }
            };
            match current.and_then(|i| conf.sections.get_mut(i)) {
                Some(section) => {
                    apply_section_key(path, section, &entry)?;
                    section.entries.push(entry);
                }
                None => {
                    apply_global_key(path, &mut conf.globals, &entry)?;
                    conf.globals.entries.push(entry);
                }
            }
        }
        Ok(conf)
    }

    /// The section called `name` (exact case, as drivers match `-a`).
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The UPSes upsd would serve, in file order, and NUT's warning for each
    /// section without `driver` or `port`.
    ///
    /// upsd recognises only the lower-case `driver`, `port` and `desc`.
    pub fn upsd_devices(&self) -> (Vec<UpsdDevice>, Vec<Warning>) {
        let mut devices = Vec::new();
        let mut warnings = Vec::new();
        for section in &self.sections {
            match (section.driver(), section.port()) {
                (Some(driver), Some(port)) => devices.push(UpsdDevice {
                    name: section.name.clone(),
                    driver: driver.to_owned(),
                    port: port.to_owned(),
                    desc: section.desc().map(str::to_owned),
                }),
                _ => warnings.push(Warning::new(
                    &self.path,
                    section.line,
                    format!(
                        "Warning: ignoring incomplete configuration for UPS [{}]",
                        section.name
                    ),
                )),
            }
        }
        (devices, warnings)
    }
}

fn last_value<'a>(entries: &'a [Entry], key: &str) -> Option<&'a str> {
    entries
        .iter()
        .rev()
        .find(|e| e.key == key)
        .and_then(|e| e.value.as_deref())
}

fn has_prefix_ignore_case(key: &str, prefix: &str) -> bool {
    key.len() > prefix.len()
        && key.is_char_boundary(prefix.len())
        && key[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn prefixed<'a>(entries: &'a [Entry], prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
    entries.iter().filter_map(move |e| {
        let value = e.value.as_deref()?;
        has_prefix_ignore_case(&e.key, prefix).then(|| (&e.key[prefix.len()..], value))
    })
}

/// The value of a typed key, refusing the flag form.
fn required<'a>(path: &Path, entry: &'a Entry) -> Result<&'a str, Error> {
    entry.value.as_deref().ok_or_else(|| {
        config_error(
            path,
            entry.line,
            Problem::InvalidValue {
                key: entry.key.clone(),
                value: String::new(),
                expected: "a value after '='",
            },
        )
    })
}

fn apply_global_key(path: &Path, globals: &mut Globals, entry: &Entry) -> Result<(), Error> {
    let line = entry.line;
    let key = entry.key.as_str();
    match key {
        "chroot" => globals.chroot = Some(required(path, entry)?.to_owned()),
        "driverpath" => globals.driverpath = Some(required(path, entry)?.to_owned()),
        "statepath" => globals.statepath = Some(required(path, entry)?.to_owned()),
        "user" => globals.user = Some(required(path, entry)?.to_owned()),
        "group" => globals.group = Some(required(path, entry)?.to_owned()),
        "maxstartdelay" => {
            globals.maxstartdelay = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "maxretry" => globals.maxretry = Some(strict_u32(path, line, key, required(path, entry)?)?),
        "retrydelay" => {
            globals.retrydelay = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "pollinterval" => {
            globals.pollinterval = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "synchronous" => globals.synchronous = Some(Synchronous::parse(required(path, entry)?)),
        "debug_min" => {
            globals.debug_min = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "LIBUSB_DEBUG" => {
            globals.libusb_debug = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "nowait" => {
            globals.nowait = match entry.value.as_deref() {
                None => true,
                Some(value) => parse_bool(value).ok_or_else(|| {
                    config_error(
                        path,
                        line,
                        Problem::InvalidValue {
                            key: key.to_owned(),
                            value: quoted(value),
                            expected: "a boolean",
                        },
                    )
                })?,
            };
        }
        _ => {}
    }
    Ok(())
}

fn apply_section_key(path: &Path, section: &mut Section, entry: &Entry) -> Result<(), Error> {
    let line = entry.line;
    let key = entry.key.as_str();
    match key {
        "sdorder" => section.sdorder = strict_i32(path, line, key, required(path, entry)?)?,
        "maxstartdelay" => {
            section.maxstartdelay = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "maxretry" => section.maxretry = Some(strict_u32(path, line, key, required(path, entry)?)?),
        "retrydelay" => {
            section.retrydelay = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "pollinterval" => {
            section.pollinterval = Some(strict_u32(path, line, key, required(path, entry)?)?);
        }
        "synchronous" => section.synchronous = Some(Synchronous::parse(required(path, entry)?)),
        "driver" | "port" | "desc" => {
            required(path, entry)?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
