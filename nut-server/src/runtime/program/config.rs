//! A driver's configuration: the `ups.conf` section (or `-s` and `-x`
//! alone) merged with the command line, applied to a fresh state.

use std::path::{Path, PathBuf};

use crate::config::UpsConf;
use crate::config::ups_conf::{Entry, Globals, Section};
use crate::driver::{self, Settings, VarTable};
use crate::error::Error;
use crate::runtime::cli::{DriverOption, UpsSelector};
use crate::runtime::reload::effective_pollinterval;
use crate::state::DriverState;

/// Where the configuration came from and what it says.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DriverConfig {
    /// The UPS name (`-a`/`-s`).
    pub ups: String,
    /// `ups.conf` when `-a` was used (reload reads it again).
    pub file: Option<PathBuf>,
    /// The global settings (empty with `-s`).
    pub globals: Globals,
    /// The section as read, without command-line options.
    pub section: Section,
    /// `-x` before `-a` (the file overrides them).
    pub options_before: Vec<DriverOption>,
    /// `-x` after `-a` (they override the file).
    pub options_after: Vec<DriverOption>,
    /// `-i`, and whether it came after `-a`.
    pub cli_interval: Option<(u32, bool)>,
}

impl DriverConfig {
    /// Reads `ups.conf` for `-a`, or starts empty for `-s`.
    ///
    /// # Errors
    ///
    /// The file cannot be read or parsed, or has no such section.
    pub fn load(
        selector: &UpsSelector,
        ups_conf: &Path,
        options_before: Vec<DriverOption>,
        options_after: Vec<DriverOption>,
        cli_interval: Option<(u32, bool)>,
    ) -> Result<Self, Error> {
        let (file, globals, section) = match selector {
            UpsSelector::Section(name) => {
                let conf = UpsConf::load(ups_conf)?;
                let section = conf
                    .section(name)
                    .cloned()
                    .ok_or_else(|| Error::SectionNotFound { name: name.clone() })?;
                (Some(ups_conf.to_owned()), conf.globals, section)
            }
            UpsSelector::Standalone(name) => (None, Globals::default(), empty_section(name)),
        };
        Ok(Self {
            ups: selector.name().to_owned(),
            file,
            globals,
            section,
            options_before,
            options_after,
            cli_interval,
        })
    }

    /// The configuration of UPS `ups` from an already read `ups.conf` at
    /// `file` (for hosting many drivers: one reading for all).
    ///
    /// # Errors
    ///
    /// [`Error::SectionNotFound`].
    pub fn from_conf(conf: &UpsConf, file: &Path, ups: &str) -> Result<Self, Error> {
        let section = conf
            .section(ups)
            .cloned()
            .ok_or_else(|| Error::SectionNotFound {
                name: ups.to_owned(),
            })?;
        Ok(Self {
            ups: ups.to_owned(),
            file: Some(file.to_owned()),
            globals: conf.globals.clone(),
            section,
            options_before: Vec::new(),
            options_after: Vec::new(),
            cli_interval: None,
        })
    }

    /// The section with the command line merged in NUT's order: `-x` before
    /// `-a`, the file, `-x` after `-a`.
    pub fn effective_section(&self) -> Section {
        effective_section(&self.section, &self.options_before, &self.options_after)
    }

    /// A copy with a new reading of the file.
    pub fn with_file(&self, globals: Globals, section: Section) -> Self {
        Self {
            globals,
            section,
            ..self.clone()
        }
    }

    /// Applies the configuration to `state` (see [`driver::apply_config`])
    /// and settles the poll interval (never below one second).
    ///
    /// # Errors
    ///
    /// The errors of [`driver::apply_config`], and [`Error::NoPort`] when no
    /// port is configured and `need_port` is set.
    pub fn apply(
        &self,
        state: &mut DriverState,
        program: &str,
        vartab: &VarTable,
        need_port: bool,
    ) -> Result<Settings, Error> {
        let section = self.effective_section();
        let mut settings =
            driver::apply_config(state, program, &self.globals, &section, &[], vartab)?;
        settings.pollinterval =
            effective_pollinterval(&self.globals, &section, self.cli_interval).max(1);
        if need_port && settings.port.is_none() {
            return Err(Error::NoPort);
        }
        Ok(settings)
    }

    /// `debug_min` of the section, else the global one.
    pub fn debug_min(&self) -> Option<u32> {
        self.effective_section()
            .value("debug_min")
            .and_then(|v| v.parse().ok())
            .or(self.globals.debug_min)
    }
}

/// A section named `name` with no lines.
fn empty_section(name: &str) -> Section {
    Section {
        name: name.to_owned(),
        line: 0,
        entries: Vec::new(),
        sdorder: 0,
        maxstartdelay: None,
        maxretry: None,
        retrydelay: None,
        pollinterval: None,
        synchronous: None,
    }
}

/// `section` with `before` in front and `after` behind its lines.
pub fn effective_section(
    section: &Section,
    before: &[DriverOption],
    after: &[DriverOption],
) -> Section {
    let cli = |options: &[DriverOption]| -> Vec<Entry> {
        options
            .iter()
            .map(|(key, value)| Entry {
                key: key.clone(),
                value: value.clone(),
                line: 0,
            })
            .collect()
    };
    let mut merged = section.clone();
    let mut entries = cli(before);
    entries.append(&mut merged.entries);
    entries.extend(cli(after));
    merged.entries = entries;
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("ups.conf");
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn file_sections_merge_with_the_command_line_in_nuts_order() {
        let dir = std::env::temp_dir().join(format!("nut-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = write(
            &dir,
            "[u]\ndriver = dummy-ups\nport = file.dev\nmode = dummy-loop\n",
        );
        let config = DriverConfig::load(
            &UpsSelector::Section("u".into()),
            &path,
            vec![("port".into(), Some("before.dev".into()))],
            vec![("mode".into(), Some("dummy-once".into()))],
            None,
        )
        .expect("loads");
        let mut state = DriverState::new();
        let settings = config
            .apply(&mut state, "dummy-ups", &crate::dummy::vartab(), true)
            .expect("applies");
        assert_eq!(settings.port.as_deref(), Some("file.dev"));
        assert_eq!(settings.value("mode"), Some("dummy-once"));
        let missing = DriverConfig::load(
            &UpsSelector::Section("v".into()),
            &path,
            vec![],
            vec![],
            None,
        );
        assert_eq!(
            missing.unwrap_err().to_string(),
            "Error: Section v not found in ups.conf"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn standalone_needs_a_port_from_x() {
        let config = DriverConfig::load(
            &UpsSelector::Standalone("s".into()),
            Path::new("/nonexistent"),
            vec![],
            vec![],
            None,
        )
        .expect("no file needed");
        let mut state = DriverState::new();
        let err = config
            .apply(&mut state, "dummy-ups", &crate::dummy::vartab(), true)
            .unwrap_err();
        assert!(matches!(err, Error::NoPort));
        let config = DriverConfig {
            options_before: vec![("port".into(), Some("x.dev".into()))],
            ..config
        };
        let settings = config
            .apply(&mut state, "dummy-ups", &crate::dummy::vartab(), true)
            .expect("port given");
        assert_eq!(settings.pollinterval, 2);
        assert_eq!(config.section.name, "s");
    }
}
