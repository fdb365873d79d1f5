//! Where a NUT driver finds its files: the configuration directory, the
//! state directory (sockets) and the PID directory, from `NUT_CONFPATH`,
//! `NUT_STATEPATH` and `NUT_ALTPIDPATH` or Debian's built-in defaults (the
//! ones the NUT 2.8.0 packages use).

use std::path::{Path, PathBuf};

/// Built-in configuration directory.
pub const DEFAULT_CONFPATH: &str = "/etc/nut";

/// Built-in state directory (driver sockets).
pub const DEFAULT_STATEPATH: &str = "/run/nut";

/// Built-in PID directory.
pub const DEFAULT_ALTPIDPATH: &str = "/run/nut";

/// The directories in force, resolved once at start-up so that the rest of
/// the runtime never reads the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NutPaths {
    /// `NUT_CONFPATH`: `ups.conf` and relative definition files.
    pub confpath: PathBuf,
    /// `NUT_STATEPATH` (or `statepath` in `ups.conf`): the sockets.
    pub statepath: PathBuf,
    /// `NUT_ALTPIDPATH`, else the state directory: PID files.
    pub altpidpath: PathBuf,
}

impl NutPaths {
    /// Explicit directories.
    pub fn new(confpath: &Path, statepath: &Path, altpidpath: &Path) -> Self {
        Self {
            confpath: confpath.to_owned(),
            statepath: statepath.to_owned(),
            altpidpath: altpidpath.to_owned(),
        }
    }

    /// NUT's lookup: each variable if set and not empty, else the default
    /// (`NUT_ALTPIDPATH` falls back to `NUT_STATEPATH` first).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        let statepath = get("NUT_STATEPATH");
        let altpidpath = get("NUT_ALTPIDPATH")
            .or_else(|| statepath.clone())
            .unwrap_or_else(|| DEFAULT_ALTPIDPATH.to_owned());
        Self {
            confpath: get("NUT_CONFPATH")
                .unwrap_or_else(|| DEFAULT_CONFPATH.to_owned())
                .into(),
            statepath: statepath
                .unwrap_or_else(|| DEFAULT_STATEPATH.to_owned())
                .into(),
            altpidpath: altpidpath.into(),
        }
    }

    /// From the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// `ups.conf`.
    pub fn ups_conf(&self) -> PathBuf {
        self.confpath.join("ups.conf")
    }

    /// The socket of driver `program` for UPS `ups`: `<statepath>/<program>-<ups>`.
    pub fn socket(&self, program: &str, ups: &str) -> PathBuf {
        self.statepath.join(format!("{program}-{ups}"))
    }

    /// The PID file: `<altpidpath>/<program>-<ups>.pid`.
    pub fn pid_file(&self, program: &str, ups: &str) -> PathBuf {
        self.altpidpath.join(format!("{program}-{ups}.pid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_are_debians() {
        let paths = NutPaths::from_lookup(lookup(&[]));
        assert_eq!(paths.confpath, Path::new("/etc/nut"));
        assert_eq!(paths.statepath, Path::new("/run/nut"));
        assert_eq!(paths.altpidpath, Path::new("/run/nut"));
    }

    #[test]
    fn pid_path_falls_back_to_the_state_path() {
        let paths = NutPaths::from_lookup(lookup(&[("NUT_STATEPATH", "/s"), ("NUT_CONFPATH", "")]));
        assert_eq!(paths.altpidpath, Path::new("/s"));
        assert_eq!(paths.confpath, Path::new("/etc/nut"));
        let paths =
            NutPaths::from_lookup(lookup(&[("NUT_STATEPATH", "/s"), ("NUT_ALTPIDPATH", "/p")]));
        assert_eq!(
            paths.pid_file("dummy-ups", "u"),
            Path::new("/p/dummy-ups-u.pid")
        );
        assert_eq!(paths.socket("dummy-ups", "u"), Path::new("/s/dummy-ups-u"));
    }
}
