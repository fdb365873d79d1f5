//! The network protocol on Unix stream sockets (`LISTEN_UNIX`, nut-rs
//! only): binding the socket file with its mode and owner, resolving the
//! allowed users and groups, and accepting peers by their kernel-reported
//! credentials (`SO_PEERCRED`). An accepted peer is served by the same
//! session code as a TCP client; it appears as `unix:<uid>` in `LIST
//! CLIENT` and in logs; STARTTLS is refused (see
//! [`Session::set_local`](crate::upsd::Session::set_local)).
//!
//! A refused peer gets one line, `ERR ACCESS-DENIED`, and the connection
//! closes: a NUT client that sent a request reads it as the reply.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use nix::unistd::{Gid, Group, Uid, User};

use crate::config::listen_unix::{ListenUnix, PeerId};
use crate::error::{Error, Problem};
use crate::runtime::log::{Level, LogRecord};

/// Which peers a Unix listener serves, by numeric ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerAccess {
    /// Users allowed.
    pub uids: Vec<u32>,
    /// Effective groups allowed.
    pub gids: Vec<u32>,
}

impl PeerAccess {
    /// Anyone the socket file's mode lets connect.
    pub fn anyone() -> Self {
        Self::default()
    }

    /// Whether a peer with these credentials is served: with no list at
    /// all, everyone; otherwise a listed uid or a listed effective gid.
    pub fn allows(&self, uid: u32, gid: u32) -> bool {
        (self.uids.is_empty() && self.gids.is_empty())
            || self.uids.contains(&uid)
            || self.gids.contains(&gid)
    }

    /// Resolves a line's names to ids (numbers are taken as they are).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the line when a user or group is unknown.
    pub fn resolve(entry: &ListenUnix) -> Result<Self, Error> {
        let unknown = |key: &str, name: &str, expected| Error::Config {
            path: entry.file.clone(),
            line: entry.line,
            problem: Problem::InvalidValue {
                key: key.to_owned(),
                value: crate::error::quoted(name),
                expected,
            },
        };
        let mut access = Self::default();
        for id in &entry.uids {
            access.uids.push(match id {
                PeerId::Id(n) => *n,
                PeerId::Name(name) => User::from_name(name)
                    .ok()
                    .flatten()
                    .map(|u| u.uid.as_raw())
                    .ok_or_else(|| unknown("uid", name, "a known user name or a number"))?,
            });
        }
        for id in &entry.gids {
            access.gids.push(match id {
                PeerId::Id(n) => *n,
                PeerId::Name(name) => Group::from_name(name)
                    .ok()
                    .flatten()
                    .map(|g| g.gid.as_raw())
                    .ok_or_else(|| unknown("gid", name, "a known group name or a number"))?,
            });
        }
        Ok(access)
    }
}

/// A bound Unix listener with its rules.
#[derive(Debug)]
#[non_exhaustive]
pub struct UnixListen {
    /// The listening socket, non-blocking, ready for tokio.
    pub listener: UnixListener,
    /// Its path (removed when upsd stops, if it is still this socket).
    pub path: PathBuf,
    /// Who is served.
    pub access: PeerAccess,
    /// Device and inode of the socket file, to remove only our own.
    identity: (u64, u64),
}

impl UnixListen {
    /// The socket, and what removes its file at the end.
    pub(super) fn split(self) -> (UnixListener, SocketFile, PeerAccess) {
        let file = SocketFile {
            path: self.path,
            identity: self.identity,
        };
        (self.listener, file, self.access)
    }
}

/// A socket file upsd created, to remove when it stops.
#[derive(Debug)]
pub(super) struct SocketFile {
    pub(super) path: PathBuf,
    identity: (u64, u64),
}

impl SocketFile {
    /// Removes the socket file, unless it was replaced meanwhile.
    pub(super) fn remove(&self) {
        if let Ok(meta) = std::fs::symlink_metadata(&self.path)
            && (meta.dev(), meta.ino()) == self.identity
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The sockets bound for the `LISTEN_UNIX` lines, and what was logged.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct UnixBound {
    /// Bound listeners.
    pub listeners: Vec<UnixListen>,
    /// `listening on unix socket …` / `not listening on unix socket …`.
    pub log: Vec<LogRecord>,
    /// How many lines could not be bound.
    pub failed: usize,
}

/// Binds every line; the socket files are given to `owner` (the user upsd
/// is about to become) so that it can serve them and group members can
/// connect as the mode says.
///
/// # Errors
///
/// An unknown user or group name ([`Error::Config`], naming the line):
/// that is a configuration mistake, not an unavailable address.
pub fn bind_all(entries: &[ListenUnix], owner: Option<(u32, u32)>) -> Result<UnixBound, Error> {
    let mut bound = UnixBound::default();
    for entry in entries {
        let access = PeerAccess::resolve(entry)?;
        let shown = entry.path.display();
        match bind(&entry.path, entry.mode, owner) {
            Ok((listener, identity)) => {
                bound.log.push(LogRecord::new(
                    Level::Info,
                    format!("listening on unix socket {shown}"),
                ));
                bound.listeners.push(UnixListen {
                    listener,
                    path: entry.path.clone(),
                    access,
                    identity,
                });
            }
            Err(error) => {
                bound.failed += 1;
                bound.log.push(LogRecord::new(
                    Level::Error,
                    format!(
                        "not listening on unix socket {shown}: {}",
                        super::os_error_text(&error)
                    ),
                ));
            }
        }
    }
    Ok(bound)
}

/// Binds one socket file with `mode` (and `owner`), replacing a stale
/// socket left by a crash but never a live one or a file of another kind.
///
/// # Errors
///
/// `AddrInUse` when a server answers on `path` or `path` is not a socket;
/// whatever `bind`, `chmod` or `chown` say.
pub fn bind(
    path: &Path,
    mode: u32,
    owner: Option<(u32, u32)>,
) -> io::Result<(UnixListener, (u64, u64))> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        let live = UnixStream::connect(path).is_ok();
        if !meta.file_type().is_socket() || live {
            return Err(io::Error::from(io::ErrorKind::AddrInUse));
        }
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    let cleanup = |error: io::Error| {
        let _ = std::fs::remove_file(path);
        error
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(cleanup)?;
    if let Some((uid, gid)) = owner {
        nix::unistd::chown(path, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))
            .map_err(|errno| cleanup(io::Error::from(errno)))?;
    }
    listener.set_nonblocking(true).map_err(cleanup)?;
    let meta = std::fs::symlink_metadata(path).map_err(cleanup)?;
    Ok((listener, (meta.dev(), meta.ino())))
}

/// How a Unix-socket peer is named in `LIST CLIENT` and logs (no spaces,
/// no `=`: NUT clients tokenize that line).
pub fn peer_name(uid: u32) -> String {
    format!("unix:{uid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lists() {
        assert!(PeerAccess::anyone().allows(1000, 1000));
        let users = PeerAccess {
            uids: vec![0, 1000],
            gids: vec![],
        };
        assert!(users.allows(1000, 5) && users.allows(0, 0));
        assert!(!users.allows(1001, 1000));
        let groups = PeerAccess {
            uids: vec![],
            gids: vec![120],
        };
        assert!(groups.allows(5, 120) && !groups.allows(120, 5));
    }

    #[test]
    fn names_resolve_and_unknown_ones_name_the_line() {
        let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let entry = ListenUnix::parse(
            Path::new("u.conf"),
            4,
            &words(&["/s", "uid", "=", "root,7"]),
        )
        .unwrap();
        assert_eq!(PeerAccess::resolve(&entry).unwrap().uids, [0, 7]);
        let entry = ListenUnix::parse(
            Path::new("u.conf"),
            4,
            &words(&["/s", "gid", "=", "no-such-group-here"]),
        )
        .unwrap();
        assert_eq!(
            PeerAccess::resolve(&entry).unwrap_err().to_string(),
            "u.conf:4: gid: invalid value \"no-such-group-here\" (expected a known group name or a number)"
        );
    }

    #[test]
    fn binds_with_mode_replaces_stale_sockets_and_refuses_live_ones() {
        let dir = std::env::temp_dir().join(format!("upsd-unix-bind-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("s");
        let (first, _) = bind(&path, 0o640, None).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(
            bind(&path, 0o600, None).unwrap_err().kind(),
            io::ErrorKind::AddrInUse
        );
        drop(first); // the file stays: a stale socket
        assert!(bind(&path, 0o600, None).is_ok());
        let plain = dir.join("plain");
        std::fs::write(&plain, "keep me").unwrap();
        assert!(bind(&plain, 0o600, None).is_err());
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "keep me");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
