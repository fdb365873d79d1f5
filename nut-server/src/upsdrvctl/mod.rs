//! upsdrvctl: starts, stops and shuts down the drivers of `ups.conf`, with
//! NUT's command line, messages and exit statuses (NUT 2.8.0's where 2.8.0
//! has them, newer NUT's for `list`/`-l`, `status`, `-c`, `-F`/`-FF`/`-B`).
//!
//! ```text
//! upsdrvctl [-h] [-t] [-r dir] [-u user] [-D...] [-d] [-F|-FF|-B] {start|stop|shutdown|status} [ups]
//! upsdrvctl [OPTIONS] {list|-l} [ups]
//! upsdrvctl [OPTIONS] -c {dump|reload|reload-or-error|reload-or-exit|exit} [ups]
//! ```
//!
//! * `start` runs `<driver> [-D...] [-B|-F|-FF] -a <ups> [-r dir] [-u user]`
//!   for each UPS in file order and waits up to `maxstartdelay` (75 s) for
//!   it to go to the background, trying `maxretry` times (1) `retrydelay`
//!   (5 s) apart; `nowait` (unless `NUT_IGNORE_NOWAIT=true`) does not wait.
//!   A driver still starting at the limit is looked at again before
//!   upsdrvctl exits. Any failure makes the exit status 1.
//! * `stop` signals the PID in `<ALTPIDPATH>/<driver>-<ups>.pid` (or the
//!   old `<driver>-<port basename>.pid`): SIGTERM, then SIGKILL after 5 s.
//! * `shutdown` runs `<driver> -a <ups> -k` by ascending `sdorder` group;
//!   UPSes with a negative `sdorder` are left out unless named.
//! * `-t` prints what would be run (at debug level 2) and does nothing.
//! * `-c` sends SIGHUP (`reload`), SIGUSR1 (`reload-or-exit`) or SIGURG
//!   (`dump`) through the PID file, and `INSTCMD driver.exit` or
//!   `driver.reload-or-error` through the driver socket.
//!
//! **Driver programs** are looked for first beside the upsdrvctl program
//! itself (where nut-rs installs its own drivers), then in `driverpath`
//! from `ups.conf`, else NUT's built-in `/lib/nut` (Debian's). NUT has no
//! environment variable for this. Files: `NUT_CONFPATH` (`ups.conf`),
//! `NUT_STATEPATH` (sockets), `NUT_ALTPIDPATH` (PID files).
//!
//! Layout: the decisions are sans-IO ([`cli`], [`plan`], [`retry`],
//! [`stop`], [`supervise`], [`status`], [`log`]); [`process`] is the thin
//! operating-system adapter and [`mod@run`] ties them together.

pub mod cli;
pub mod log;
pub mod plan;
pub mod process;
pub mod retry;
pub mod run;
pub mod status;
pub mod stop;
pub mod supervise;

pub use run::{Environment, banner, main, run};
