//! The process side of a driver: PID files, signals to another instance,
//! the socket's group, and dropping root privileges (`-u`, `-g`, `user =`,
//! `group =`), all without unsafe code (through `nix`).

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Group, Pid, Uid, User};

/// The group NUT's Debian packages give driver sockets by default.
pub const DEFAULT_GROUP: &str = "nut";

/// Longest PID file accepted, in bytes.
pub const MAX_PID_FILE_BYTES: u64 = 64;

/// Writes `pid` as NUT does (`<pid>\n`).
///
/// # Errors
///
/// The file cannot be written.
pub fn write_pid_file(path: &Path, pid: u32) -> io::Result<()> {
    fs::write(path, format!("{pid}\n"))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))
}

/// The PID in a PID file (`None` if missing, too large or not a number).
pub fn read_pid_file(path: &Path) -> Option<i32> {
    let meta = fs::metadata(path).ok()?;
    if meta.len() > MAX_PID_FILE_BYTES {
        return None;
    }
    let text = fs::read_to_string(path).ok()?;
    text.trim().parse().ok().filter(|pid| *pid > 0)
}

/// Removes a PID file if it still names `pid` (a successor may have
/// written its own).
pub fn remove_pid_file(path: &Path, pid: u32) {
    if read_pid_file(path).and_then(|p| u32::try_from(p).ok()) == Some(pid) {
        let _ = fs::remove_file(path);
    }
}

/// Sends `signal` to `pid`.
///
/// # Errors
///
/// The process does not exist or belongs to someone else.
pub fn send_signal(pid: i32, signal: Signal) -> io::Result<()> {
    kill(Pid::from_raw(pid), signal).map_err(io::Error::from)
}

/// Whether process `pid` exists (signal 0).
pub fn is_alive(pid: i32) -> bool {
    kill(Pid::from_raw(pid), None).is_ok()
}

/// Waits up to `timeout` for process `pid` to go away.
pub fn wait_gone(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while is_alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// The account a driver runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// User name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
}

/// Why privileges could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrivilegeError {
    /// No such user (NUT: `user <name> not found`).
    #[error("user {0} not found")]
    UnknownUser(String),
    /// Only root can switch to another user.
    #[error(
        "can't switch to user {name}: not running as root (current uid {uid}); \
         start the driver as root or with -u set to the current user"
    )]
    NotRoot {
        /// The requested user.
        name: String,
        /// Our uid.
        uid: u32,
    },
    /// A set*id call failed.
    #[error("{call} failed: {source}")]
    Call {
        /// Which call.
        call: &'static str,
        /// What the system said.
        #[source]
        source: io::Error,
    },
}

/// Looks up `user` in the system's user database.
///
/// # Errors
///
/// [`PrivilegeError::UnknownUser`].
pub fn lookup_user(user: &str) -> Result<Account, PrivilegeError> {
    match User::from_name(user) {
        Ok(Some(u)) => Ok(Account {
            name: u.name,
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
        }),
        _ => Err(PrivilegeError::UnknownUser(user.to_owned())),
    }
}

/// The gid of group `name`, if it exists.
pub fn lookup_group(name: &str) -> Option<u32> {
    Group::from_name(name)
        .ok()
        .flatten()
        .map(|g| g.gid.as_raw())
}

/// Becomes `account` (NUT's `become_user`): nothing to do when already
/// that user; as root, the supplementary groups, gid and uid are set, in
/// that order. Must run before any thread is started.
///
/// # Errors
///
/// [`PrivilegeError::NotRoot`] when another user is asked for without root,
/// or a failed set*id call.
pub fn become_user(account: &Account) -> Result<(), PrivilegeError> {
    let uid = Uid::current();
    if uid.as_raw() == account.uid {
        return Ok(());
    }
    if !uid.is_root() {
        return Err(PrivilegeError::NotRoot {
            name: account.name.clone(),
            uid: uid.as_raw(),
        });
    }
    let gid = Gid::from_raw(account.gid);
    let call = |call: &'static str| {
        move |e: nix::Error| PrivilegeError::Call {
            call,
            source: io::Error::from(e),
        }
    };
    nix::unistd::setgroups(&[gid]).map_err(call("setgroups"))?;
    nix::unistd::setgid(gid).map_err(call("setgid"))?;
    nix::unistd::setuid(Uid::from_raw(account.uid)).map_err(call("setuid"))?;
    Ok(())
}

/// Gives the socket at `path` to group `gid`, mode 0660 (group members
/// such as upsd may connect).
///
/// # Errors
///
/// The chown or chmod failed.
pub fn set_socket_group(path: &Path, gid: Option<u32>) -> io::Result<()> {
    if let Some(gid) = gid {
        std::os::unix::fs::chown(path, None, Some(gid))?;
    }
    fs::set_permissions(path, fs::Permissions::from_mode(0o660))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("nut-proc-{tag}-{}", std::process::id()));
        let _ = fs::create_dir_all(&dir);
        dir
    }

    #[test]
    fn pid_files_round_trip_and_are_only_removed_when_ours() {
        let dir = temp_dir("pid");
        let path = dir.join("d.pid");
        write_pid_file(&path, 4242).expect("write");
        assert_eq!(fs::read_to_string(&path).expect("read"), "4242\n");
        assert_eq!(read_pid_file(&path), Some(4242));
        remove_pid_file(&path, 1);
        assert!(path.exists());
        remove_pid_file(&path, 4242);
        assert!(!path.exists());
        fs::write(&path, "junk").expect("write");
        assert_eq!(read_pid_file(&path), None);
        fs::write(&path, "1".repeat(65)).expect("write");
        assert_eq!(read_pid_file(&path), None);
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn our_own_process_is_alive_and_the_current_user_needs_no_switch() {
        let me = i32::try_from(std::process::id()).expect("pid fits");
        assert!(is_alive(me));
        let uid = Uid::current().as_raw();
        let account = Account {
            name: "me".into(),
            uid,
            gid: Gid::current().as_raw(),
        };
        become_user(&account).expect("no switch needed");
        assert!(matches!(
            lookup_user("no-such-user-nut-rs"),
            Err(PrivilegeError::UnknownUser(_))
        ));
    }
}
