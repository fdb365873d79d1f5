//! The socket-level proxy drivers: `clone`, `clone-outlet` and `failover`
//! (NUT's `clone.c`, `clone-outlet.c`, `failover.c`).
//!
//! Each is a client of other drivers' state sockets
//! (`<statepath>/<driver>-<ups>`, named by the `port` option) and serves
//! its own socket like any driver, through the [driver
//! runtime](crate::runtime). No upsd is needed in between.
//!
//! Layers:
//!
//! * [`link`]: one upstream socket connection, sans-IO: `DUMPALL` on
//!   connect, decoding, `PING` after a third of `maxage` of silence, death
//!   after `maxage`;
//! * [`clone_ups`], [`outlet`], [`failover`]: each driver's logic, sans-IO,
//!   with `now: Instant` passed in (`handle_*` in, `poll_*` out);
//! * [`io`]: the tokio task that performs a link's actions on a Unix
//!   socket;
//! * [`program`]: the three [`Program`](crate::runtime::program::Program)s
//!   that tie them to the runtime.
//!
//! The drain loop every adapter runs after feeding a core:
//!
//! ```no_run
//! use std::time::Instant;
//! use nut_server::clone::clone_ups::{CloneOptions, CloneUps};
//! use nut_server::clone::link::{LinkAction, LinkEvent};
//! use nut_server::state::DriverState;
//!
//! let mut state = DriverState::new();
//! let mut clone = CloneUps::new("dummy-ups-ups1", CloneOptions::default());
//! clone.init(Instant::now(), &mut state);
//! loop {
//!     while let Some(action) = clone.poll_action() {
//!         match action {
//!             LinkAction::Connect => { /* connect, then report: */ }
//!             LinkAction::Send(bytes) => { /* write them */ }
//!             LinkAction::Close | _ => { /* close */ }
//!         }
//!     }
//!     // Wait for I/O or `clone.poll_timeout()`, then feed the core:
//!     clone.handle_link_event(Instant::now(), &mut state, LinkEvent::Connected);
//!     clone.handle_update(Instant::now(), &mut state);
//!     # break;
//! }
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;

pub mod cfloat;
pub mod clone_ups;
pub mod failover;
pub mod io;
pub mod link;
pub mod outlet;
pub mod program;

/// How long `clone` and `clone-outlet` wait for a silent upstream before
/// declaring it dead (fixed at 15 s in NUT: `sstate_dead(15)`).
pub const UPSTREAM_DEAD_AFTER: Duration = Duration::from_secs(15);

/// How often a failing connection attempt is logged at most (NUT's clone
/// rate-limits "Can't connect to UPS" to once a minute).
pub const CONNECT_FAILURE_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// The size of a Unix socket address's `sun_path` on Linux, NUL included.
pub const SUN_PATH_LEN: usize = 108;

/// The upstream socket named by a `port` entry: `<statepath>/<name>`, as
/// NUT builds it, or `name` itself when it is an absolute path (beyond
/// NUT).
///
/// # Errors
///
/// [`Error::SocketPathTooLong`] when the path does not fit `sun_path`.
pub fn upstream_socket(statepath: &Path, name: &str) -> Result<PathBuf, Error> {
    let path = if name.starts_with('/') {
        PathBuf::from(name)
    } else {
        statepath.join(name)
    };
    let len = path.as_os_str().len();
    if len >= SUN_PATH_LEN {
        return Err(Error::SocketPathTooLong {
            path,
            len,
            max: SUN_PATH_LEN,
        });
    }
    Ok(path)
}

/// Whether `text` starts with `prefix`, ignoring ASCII case (`strncasecmp`).
pub(crate) fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_paths_are_relative_to_the_state_directory() {
        let path = upstream_socket(Path::new("/run/nut"), "dummy-ups-ups1").expect("fits");
        assert_eq!(path, Path::new("/run/nut/dummy-ups-ups1"));
        let path = upstream_socket(Path::new("/run/nut"), "/tmp/x").expect("fits");
        assert_eq!(path, Path::new("/tmp/x"));
    }

    #[test]
    fn socket_paths_stop_at_sun_path() {
        let dir = Path::new("/s");
        // "/s/" is 3 bytes: 104 more make 107, the longest that fits.
        let fits = "x".repeat(SUN_PATH_LEN - 4);
        assert!(upstream_socket(dir, &fits).is_ok());
        let over = "x".repeat(SUN_PATH_LEN - 3);
        let err = upstream_socket(dir, &over).expect_err("too long");
        assert_eq!(
            err.to_string(),
            format!(
                "Can't create a unix domain socket: pathname '/s/{over}' is too long (108) for \
                 'struct sockaddr_un->sun_path' on this system (108)"
            )
        );
    }

    #[test]
    fn prefixes_ignore_case() {
        assert!(starts_with_ignore_case("Driver.name", "driver."));
        assert!(!starts_with_ignore_case("drive", "driver."));
        assert!(!starts_with_ignore_case("é", "e"));
    }
}
