//! Where NUT keeps its files: the `NUT_CONFPATH`, `NUT_STATEPATH` and
//! `NUT_ALTPIDPATH` environment variables and Debian's built-in defaults.

use std::path::PathBuf;

/// Overrides the configuration directory.
pub const CONFPATH_ENV: &str = "NUT_CONFPATH";
/// Overrides the state directory (upssched's pipe, driver sockets).
pub const STATEPATH_ENV: &str = "NUT_STATEPATH";
/// Overrides the directory of PID files.
pub const ALTPIDPATH_ENV: &str = "NUT_ALTPIDPATH";

/// Debian's configuration directory.
pub const DEFAULT_CONFPATH: &str = "/etc/nut";
/// Debian's state directory.
pub const DEFAULT_STATEPATH: &str = "/run/nut";
/// Debian's PID directory.
pub const DEFAULT_PIDPATH: &str = "/run/nut";

fn from_env(name: &str, default: &str) -> PathBuf {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// The configuration directory (`NUT_CONFPATH`, else `/etc/nut`).
pub fn confpath() -> PathBuf {
    from_env(CONFPATH_ENV, DEFAULT_CONFPATH)
}

/// The state directory (`NUT_STATEPATH`, else `/run/nut`).
pub fn statepath() -> PathBuf {
    from_env(STATEPATH_ENV, DEFAULT_STATEPATH)
}

/// The PID file directory (`NUT_ALTPIDPATH`, else `/run/nut`).
///
/// NUT 2.8.0's upsmon ignores `NUT_ALTPIDPATH` and always uses
/// `/run/nut/upsmon.pid` (lab §3.1); ours honours it, so that instances
/// can run side by side without a mount namespace.
pub fn pidpath() -> PathBuf {
    from_env(ALTPIDPATH_ENV, DEFAULT_PIDPATH)
}
