//! The whole stack in one process: upsd hosting its drivers as tasks (for
//! small NAS boxes, where one process is cheaper than upsd plus a driver
//! process per UPS), and `nut demo`, which runs that stack against a
//! simulated UPS with no configuration and no hardware.
//!
//! # How a hosted driver talks to upsd
//!
//! A hosted driver is the very code of the driver program, run as a task
//! by [`start_task`](crate::runtime::program::start_task): it still binds
//! and serves its state socket `<statepath>/<driver>-<ups>` (mode 0660),
//! and upsd links to it through that socket exactly as to a driver
//! process. We chose the socket over a direct in-memory link because
//!
//! * behaviour is the same by construction: the `DUMPALL`, broadcasts,
//!   `TRACKING`, staleness and reconnects upsd sees are the ones a separate
//!   `dummy-ups` produces (the tests compare the two);
//! * NUT's tools keep working: the real upsd can read a hosted driver's
//!   socket, `dummy-ups -a <ups> -c exit` reaches it, and a socket client
//!   can watch it;
//! * upsd needs no second code path; the cost is one local socket hop
//!   (microseconds) per update.
//!
//! What a hosted driver does not do, because it shares upsd's process: it
//! installs no signal handlers (upsd's SIGHUP also reloads hosted drivers,
//! SIGTERM stops them with upsd), writes no PID file (`GETPID` answers
//! upsd's PID), changes no user or group of its own (it runs as the user
//! upsd switched to) and logs through upsd's logger, each line prefixed
//! with `<driver>-<ups>: `.
//!
//! # Turning it on in upsd
//!
//! A global line in `ups.conf` (before the first section) lists the driver
//! programs upsd runs in its own process:
//!
//! ```text
//! nutrs_inprocess = dummy-ups
//!
//! [sim]
//!   driver = dummy-ups
//!   port = sim.seq
//! ```
//!
//! Every complete section whose `driver` is listed is hosted; the others
//! are left to `upsdrvctl` as usual. NUT's programs ignore unknown global
//! keys, so the same file still works with real NUT (and then runs those
//! drivers as processes). Only [`HOSTABLE_DRIVERS`] can be hosted so far;
//! another name is logged and ignored. Do not also start a hosted section
//! with `upsdrvctl`: the new process takes the socket over and the hosted
//! task ends (a duplicate instance, as between two driver processes).
//! Sections added or removed by a reload need a restart of upsd to be
//! hosted or dropped.
//!
//! # `nut demo`
//!
//! [`demo`] writes `ups.conf` (with the line above), `upsd.conf`,
//! `upsd.users` and an embedded device sequence into a private temporary
//! directory, and runs the hosted stack on 127.0.0.1 until Ctrl-C or
//! SIGTERM; see its docs.

pub mod demo;
mod hosted;

pub use hosted::{
    HOSTABLE_DRIVERS, HostPlan, HostedControls, HostedDrivers, INPROCESS_KEY, STOP_TIMEOUT,
};
