//! Reading upsd's files the way upsd 2.8.0 does, with its messages:
//! `upsd.conf` (must exist), `ups.conf` (must exist and name a UPS unless
//! `ALLOW_NO_DEVICE`), `upsd.users` (must exist), `cmdvartab` (optional),
//! and the permission warnings upsd prints.
//!
//! Unlike upsd, a line that does not parse stops start-up with file and
//! line (upsd logs it and goes on), and a reload only happens when every
//! file reads cleanly; otherwise the old configuration stays, and the
//! reason is logged.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::config::ups_conf::UpsdDevice;
use crate::config::{UpsConf, UpsdConf, Users, Warning};
use crate::desc::{self, Descriptions};
use crate::error::Error;
use crate::runtime::log::{Level, LogRecord};
use crate::runtime::paths::NutPaths;
use crate::upsd::server::ServerConfig;

/// Where `cmdvartab` lives unless `DATAPATH` says otherwise (Debian's
/// `NUT_DATADIR`).
pub const DEFAULT_DATAPATH: &str = "/usr/share/nut";

/// Where upsd finds things: NUT's directories, and whether the state path
/// was forced by `NUT_STATEPATH` (which beats both configuration files).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpsdPaths {
    /// `NUT_CONFPATH`, `NUT_STATEPATH`, `NUT_ALTPIDPATH` or the defaults.
    pub nut: NutPaths,
    /// Whether `NUT_STATEPATH` was set.
    pub statepath_from_env: bool,
}

impl UpsdPaths {
    /// From an environment lookup (the process environment in the binary).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Self {
        let statepath_from_env = var("NUT_STATEPATH").is_some_and(|v| !v.is_empty());
        Self {
            nut: NutPaths::from_lookup(var),
            statepath_from_env,
        }
    }

    /// `upsd.conf`.
    pub fn upsd_conf(&self) -> PathBuf {
        self.nut.confpath.join("upsd.conf")
    }

    /// `upsd.users`.
    pub fn upsd_users(&self) -> PathBuf {
        self.nut.confpath.join("upsd.users")
    }

    /// `ups.conf`.
    pub fn ups_conf(&self) -> PathBuf {
        self.nut.ups_conf()
    }

    /// upsd's PID file.
    pub fn pid_file(&self) -> PathBuf {
        self.nut.altpidpath.join("upsd.pid")
    }
}

/// Everything upsd reads, parsed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Files {
    /// `upsd.conf`.
    pub upsd_conf: UpsdConf,
    /// The UPSes of `ups.conf`, in order.
    pub devices: Vec<UpsdDevice>,
    /// `upsd.users`.
    pub users: Users,
    /// `cmdvartab`.
    pub descriptions: Descriptions,
    /// The driver socket directory in force.
    pub statepath: PathBuf,
}

impl Files {
    /// The served part, for [`crate::upsd::Server`].
    pub fn server_config(&self) -> ServerConfig {
        let mut config = ServerConfig::new(self.devices.clone());
        config.users = self.users.clone();
        config.descriptions = self.descriptions.clone();
        config.maxage = self.upsd_conf.maxage;
        config.tracking_delay = self.upsd_conf.trackingdelay;
        config.tls_available = false;
        config
    }
}

/// upsd's warning for a file others may read.
pub fn check_perms(path: &Path, log: &mut Vec<LogRecord>) -> Result<(), Error> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Stat {
        path: path.to_owned(),
        source,
    })?;
    if meta.permissions().mode() & 0o005 != 0 {
        log.push(LogRecord::new(
            Level::Warning,
            format!("{} is world readable", path.display()),
        ));
    }
    Ok(())
}

fn warnings(list: &[Warning], log: &mut Vec<LogRecord>) {
    log.extend(
        list.iter()
            .map(|w| LogRecord::new(Level::Warning, w.message.clone())),
    );
}

/// Reads `upsd.conf` (missing: upsd's `stat` failure; parse errors stop).
pub fn load_upsd_conf(paths: &UpsdPaths, log: &mut Vec<LogRecord>) -> Result<UpsdConf, Error> {
    let path = paths.upsd_conf();
    check_perms(&path, log)?;
    let conf = UpsdConf::load(&path)?;
    warnings(&conf.warnings, log);
    Ok(conf)
}

/// The state path in force: `NUT_STATEPATH`, else `ups.conf`'s global
/// `statepath`, else `upsd.conf`'s `STATEPATH`, else the default.
pub fn statepath(paths: &UpsdPaths, ups_conf: &UpsConf, upsd_conf: &UpsdConf) -> PathBuf {
    if paths.statepath_from_env {
        return paths.nut.statepath.clone();
    }
    if let Some(dir) = &ups_conf.globals.statepath {
        return PathBuf::from(dir);
    }
    upsd_conf
        .statepath
        .clone()
        .unwrap_or_else(|| paths.nut.statepath.clone())
}

/// Reads `ups.conf` into the UPSes upsd serves. No usable section is fatal
/// unless `allow_no_device`.
pub fn load_ups_conf(
    paths: &UpsdPaths,
    allow_no_device: bool,
    log: &mut Vec<LogRecord>,
) -> Result<(UpsConf, Vec<UpsdDevice>), Error> {
    let path = paths.ups_conf();
    // upsd 2.8.0 doubles the prefix: "Can't open X: Can't open X: ...".
    let conf = UpsConf::load(&path).map_err(|e| match e {
        Error::Open { path, source } => Error::UpsConfOpen { path, source },
        other => other,
    })?;
    warnings(&conf.warnings, log);
    if conf.sections.is_empty() {
        log.push(LogRecord::new(
            Level::Warning,
            "Warning: no UPS definitions in ups.conf",
        ));
    }
    let (devices, incomplete) = conf.upsd_devices();
    warnings(&incomplete, log);
    if devices.is_empty() {
        if !allow_no_device {
            return Err(Error::NoUps);
        }
        log.push(LogRecord::new(
            Level::Warning,
            "Normally at least one UPS must be defined in ups.conf, currently there are none \
             (please configure the file and reload the service)",
        ));
    }
    Ok((conf, devices))
}

/// Reads `upsd.users` (upsd stats it first: missing is fatal).
pub fn load_users(paths: &UpsdPaths, log: &mut Vec<LogRecord>) -> Result<Users, Error> {
    let path = paths.upsd_users();
    check_perms(&path, log)?;
    let users = Users::load(&path)?;
    warnings(&users.warnings, log);
    Ok(users)
}

/// Reads `cmdvartab` from `DATAPATH` (missing: descriptions disabled).
pub fn load_descriptions(
    upsd_conf: &UpsdConf,
    log: &mut Vec<LogRecord>,
) -> Result<Descriptions, Error> {
    let dir = upsd_conf
        .datapath
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATAPATH));
    let (descriptions, notes) = Descriptions::load(&dir.join(desc::FILE_NAME))?;
    warnings(&notes, log);
    Ok(descriptions)
}

/// Reads every file for a reload, all or nothing; `ALLOW_NO_DEVICE` from
/// the environment (`allow_no_device_env`) beats the file, as in upsd.
pub fn load_all(
    paths: &UpsdPaths,
    allow_no_device_env: Option<bool>,
    log: &mut Vec<LogRecord>,
) -> Result<Files, Error> {
    let upsd_conf = load_upsd_conf(paths, log)?;
    if cfg!(not(feature = "tls")) && upsd_conf.certfile.is_some() {
        log.push(LogRecord::new(
            Level::Warning,
            "WARNING: CERTFILE is set, but this upsd was built without TLS (feature `tls`): \
             STARTTLS answers ERR FEATURE-NOT-CONFIGURED",
        ));
    }
    let allow = allow_no_device_env.unwrap_or(upsd_conf.allow_no_device);
    let (ups_conf, devices) = load_ups_conf(paths, allow, log)?;
    let users = load_users(paths, log)?;
    let descriptions = load_descriptions(&upsd_conf, log)?;
    let statepath = statepath(paths, &ups_conf, &upsd_conf);
    Ok(Files {
        upsd_conf,
        devices,
        users,
        descriptions,
        statepath,
    })
}

/// NUT's reading of `ALLOW_NO_DEVICE`/`ALLOW_NOT_ALL_LISTENERS` from the
/// environment: a prefix of a true or false word, any case.
pub fn env_flag(value: Option<&str>) -> Option<bool> {
    let value = value?;
    let starts = |word: &str| {
        value
            .get(..word.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(word))
    };
    if ["TRUE", "YES", "ON", "1"].iter().any(|w| starts(w)) {
        Some(true)
    } else if ["FALSE", "NO", "OFF", "0"].iter().any(|w| starts(w)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("upsd-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn paths(dir: &Path) -> UpsdPaths {
        let conf = dir.to_string_lossy().into_owned();
        UpsdPaths::from_lookup(move |name| (name == "NUT_CONFPATH").then(|| conf.clone()))
    }

    fn write(dir: &Path, name: &str, text: &str, mode: u32) {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[test]
    fn missing_and_empty_files_fail_with_upsds_messages() {
        let dir = temp_dir("missing");
        let p = paths(&dir);
        let mut log = Vec::new();
        let e = load_all(&p, None, &mut log).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "stat {}/upsd.conf: No such file or directory",
                dir.display()
            )
        );
        write(&dir, "upsd.conf", "LISTEN 127.0.0.1 3493\n", 0o644);
        let e = load_all(&p, None, &mut log).unwrap_err();
        let ups = format!("{}/ups.conf", dir.display());
        assert_eq!(
            e.to_string(),
            format!("Can't open {ups}: Can't open {ups}: No such file or directory")
        );
        assert!(
            log.iter()
                .any(|r| r.message == format!("{}/upsd.conf is world readable", dir.display()))
        );
        write(&dir, "ups.conf", "maxretry = 3\n", 0o600);
        let e = load_all(&p, None, &mut log).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Fatal error: at least one UPS must be defined in ups.conf"
        );
        assert!(
            log.iter()
                .any(|r| r.message == "Warning: no UPS definitions in ups.conf")
        );
        write(
            &dir,
            "ups.conf",
            "[a]\n driver = dummy-ups\n port = a.dev\n[b]\n driver = x\n",
            0o600,
        );
        let e = load_all(&p, None, &mut log).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "stat {}/upsd.users: No such file or directory",
                dir.display()
            )
        );
        assert!(
            log.iter()
                .any(|r| r.message == "Warning: ignoring incomplete configuration for UPS [b]")
        );
        write(&dir, "upsd.users", "[u]\n password = p\n", 0o600);
        let files = load_all(&p, None, &mut log).expect("loads");
        assert_eq!(files.devices.len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn allow_no_device_and_statepath_precedence() {
        let dir = temp_dir("allow");
        write(
            &dir,
            "upsd.conf",
            "ALLOW_NO_DEVICE true\nSTATEPATH /from/upsd\n",
            0o600,
        );
        write(&dir, "ups.conf", "", 0o600);
        write(&dir, "upsd.users", "", 0o600);
        let p = paths(&dir);
        let mut log = Vec::new();
        let files = load_all(&p, None, &mut log).expect("allowed");
        assert!(files.devices.is_empty());
        assert_eq!(files.statepath, Path::new("/from/upsd"));
        assert!(load_all(&p, Some(false), &mut log).is_err());
        write(&dir, "ups.conf", "statepath = /from/ups\n", 0o600);
        assert_eq!(
            load_all(&p, None, &mut log).expect("ok").statepath,
            Path::new("/from/ups")
        );
        let conf = dir.to_string_lossy().into_owned();
        let env = UpsdPaths::from_lookup(move |name| match name {
            "NUT_CONFPATH" => Some(conf.clone()),
            "NUT_STATEPATH" => Some("/from/env".into()),
            _ => None,
        });
        assert_eq!(
            load_all(&env, None, &mut log).expect("ok").statepath,
            Path::new("/from/env")
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn env_flags_read_like_nut() {
        assert_eq!(env_flag(Some("yes")), Some(true));
        assert_eq!(env_flag(Some("TRUEish")), Some(true));
        assert_eq!(env_flag(Some("0")), Some(false));
        assert_eq!(env_flag(Some("maybe")), None);
        assert_eq!(env_flag(None), None);
    }
}
