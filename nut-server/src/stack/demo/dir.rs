//! The demo's private directory: `ups.conf`, `upsd.conf`, `upsd.users`, the
//! device file and the socket directory, created mode 0700 under the
//! system's temporary directory and removed when dropped.

use std::fmt::Write as _;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{ADMIN_PASSWORD, ADMIN_USER, MONITOR_PASSWORD, MONITOR_USER, UPS_NAME};
use crate::error::Error;
use crate::runtime::paths::NutPaths;
use crate::stack::INPROCESS_KEY;
use crate::upsd::files::UpsdPaths;

/// The built-in device: a 1500 VA UPS cycling OL → OB → OB LB → OL CHRG in
/// 4 min 20 s (dummy-ups's `.seq` format).
pub const DEVICE_SEQUENCE: &str = include_str!("demo.seq");

/// The built-in device's file name in the demo directory.
pub const DEVICE_FILE_NAME: &str = "demo.seq";

/// The socket directory's name inside the demo directory.
const STATE_DIR_NAME: &str = "state";

/// How many times a fresh directory name is tried.
const CREATE_ATTEMPTS: u32 = 16;

/// The demo's directory; removed (with everything in it) on drop.
#[derive(Debug)]
pub struct DemoDir {
    path: PathBuf,
}

impl DemoDir {
    /// Creates `nut-demo-<pid>-<random>` (mode 0700) with a `state/`
    /// directory inside, in `parent` (the demo uses the system's temporary
    /// directory). The name is new: an existing path is never reused.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] when the directories cannot be created.
    pub fn create(parent: &Path) -> Result<Self, Error> {
        let mut builder = std::fs::DirBuilder::new();
        builder.mode(0o700);
        let mut last_error = None;
        for _ in 0..CREATE_ATTEMPTS {
            let random = crate::upsd::os_random();
            let suffix: String = random.iter().take(4).fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
            let path = parent.join(format!("nut-demo-{}-{suffix}", std::process::id()));
            match builder.create(&path) {
                Ok(()) => {
                    let dir = Self { path };
                    let state = dir.state();
                    builder.create(&state).map_err(|source| Error::Write {
                        path: state,
                        source,
                    })?;
                    return Ok(dir);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(source) => return Err(Error::Write { path, source }),
            }
        }
        Err(Error::Write {
            path: parent.to_owned(),
            source: last_error.unwrap_or_else(|| std::io::Error::other("no free name")),
        })
    }

    /// The directory (`NUT_CONFPATH` of the demo).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The socket directory (`NUT_STATEPATH` of the demo).
    pub fn state(&self) -> PathBuf {
        self.path.join(STATE_DIR_NAME)
    }

    /// NUT's directories for the demo.
    pub fn nut_paths(&self) -> NutPaths {
        let state = self.state();
        NutPaths::new(&self.path, &state, &state)
    }

    /// upsd's view of them (the state path is forced, as `NUT_STATEPATH`
    /// would force it).
    pub fn upsd_paths(&self) -> UpsdPaths {
        UpsdPaths {
            nut: self.nut_paths(),
            statepath_from_env: true,
        }
    }

    /// Writes the configuration for a upsd on `port` and the device: the
    /// built-in sequence, or `device` (used where it is).
    ///
    /// # Errors
    ///
    /// [`Error::Write`] when a file cannot be written.
    pub fn write_config(&self, port: u16, device: Option<&Path>) -> Result<(), Error> {
        let device_port = match device {
            Some(path) => path.display().to_string(),
            None => {
                self.write_private(DEVICE_FILE_NAME, DEVICE_SEQUENCE)?;
                DEVICE_FILE_NAME.to_owned()
            }
        };
        self.write_private("ups.conf", &ups_conf_text(&device_port))?;
        self.write_private("upsd.conf", &upsd_conf_text(port))?;
        self.write_private("upsd.users", &users_text())
    }

    /// Writes `text` to a new file `name` (mode 0600) in the directory and
    /// returns its path: how the `nut` binary's outage demo adds its device
    /// sequence and `upsmon.conf`. An existing file is never overwritten.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] when the file exists or cannot be written.
    pub fn write_file(&self, name: &str, text: &str) -> Result<PathBuf, Error> {
        self.write_private(name, text)?;
        Ok(self.path.join(name))
    }

    fn write_private(&self, name: &str, text: &str) -> Result<(), Error> {
        use std::io::Write as _;
        let path = self.path.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .map_err(|source| Error::Write { path, source })
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A value quoted for NUT's configuration grammar (`"`, `\` and `#`
/// escaped: an unescaped `#` is refused even inside quotes).
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `ups.conf`: the one UPS, hosted inside upsd.
pub fn ups_conf_text(device_port: &str) -> String {
    format!(
        "# nut demo: one simulated UPS, its driver hosted inside upsd.\n\
         {INPROCESS_KEY} = dummy-ups\n\
         \n\
         [{UPS_NAME}]\n\
         \tdriver = dummy-ups\n\
         \tport = {}\n\
         \tdesc = \"nut-rs demo UPS (simulated)\"\n",
        quoted(device_port)
    )
}

/// `upsd.conf`: loopback only.
pub fn upsd_conf_text(port: u16) -> String {
    format!("# nut demo: loopback only.\nLISTEN 127.0.0.1 {port}\n")
}

/// `upsd.users`: an administrator and a upsmon primary.
pub fn users_text() -> String {
    format!(
        "# nut demo credentials.\n\
         [{ADMIN_USER}]\n\
         \tpassword = {ADMIN_PASSWORD}\n\
         \tactions = SET\n\
         \tactions = FSD\n\
         \tinstcmds = ALL\n\
         \n\
         [{MONITOR_USER}]\n\
         \tpassword = {MONITOR_PASSWORD}\n\
         \tupsmon primary\n"
    )
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::config::{UpsConf, UpsdConf, Users};
    use crate::dummy::Definition;

    #[test]
    fn the_directory_is_private_and_removed_on_drop() {
        let dir = DemoDir::create(&std::env::temp_dir()).expect("created");
        let path = dir.path().to_owned();
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        dir.write_config(14451, None).expect("written");
        for name in ["ups.conf", "upsd.conf", "upsd.users", DEVICE_FILE_NAME] {
            let mode = std::fs::metadata(path.join(name))
                .expect(name)
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        assert!(dir.state().is_dir());
        let extra = dir
            .write_file("extra.seq", "ups.status: OL\n")
            .expect("extra");
        assert_eq!(extra, path.join("extra.seq"));
        let mode = std::fs::metadata(&extra)
            .expect("extra")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(
            dir.write_file("extra.seq", "x").is_err(),
            "never overwritten"
        );
        let other = DemoDir::create(&std::env::temp_dir()).expect("second");
        assert_ne!(other.path(), dir.path());
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn the_files_read_back_as_nut_reads_them() {
        let conf = UpsConf::parse(
            "ups.conf".as_ref(),
            ups_conf_text("/tmp/my \"odd\" #1 dump.dev").as_bytes(),
        )
        .expect("ups.conf parses");
        assert_eq!(conf.globals.value(INPROCESS_KEY), Some("dummy-ups"));
        let section = conf.section(UPS_NAME).expect("section");
        assert_eq!(section.port(), Some("/tmp/my \"odd\" #1 dump.dev"));
        let upsd = UpsdConf::parse("upsd.conf".as_ref(), upsd_conf_text(14452).as_bytes())
            .expect("upsd.conf parses");
        assert_eq!(upsd.listeners().len(), 1);
        let users = Users::parse("upsd.users".as_ref(), users_text().as_bytes())
            .expect("upsd.users parses");
        assert!(users.warnings.is_empty());
    }

    #[test]
    fn the_device_cycles_through_the_four_states() {
        let definition = Definition::parse(DEVICE_FILE_NAME.as_ref(), DEVICE_SEQUENCE.as_bytes())
            .expect("sequence parses");
        assert!(
            definition.diagnostics.is_empty(),
            "{:?}",
            definition.diagnostics
        );
        let statuses: Vec<_> = DEVICE_SEQUENCE
            .lines()
            .filter_map(|l| l.strip_prefix("ups.status: "))
            .collect();
        assert_eq!(statuses, ["OL", "OB DISCHRG", "OB DISCHRG LB", "OL CHRG"]);
        let seconds: u32 = DEVICE_SEQUENCE
            .lines()
            .filter_map(|l| l.strip_prefix("TIMER "))
            .map(|n| n.parse::<u32>().expect("number"))
            .sum();
        assert_eq!(seconds, 260);
    }
}
