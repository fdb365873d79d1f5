//! upsdrvctl end to end: the same command lines through our upsdrvctl and
//! real NUT 2.8.0's (`-t` output, messages, exit statuses), our upsdrvctl
//! starting and stopping real `dummy-ups` drivers that a real upsd then
//! serves, and fake drivers (shell scripts) for retries, time limits,
//! `nowait`, `shutdown` order, the stop escalation and `-c`. Real-NUT
//! tests print a SKIPPED line when `/sbin/upsdrvctl` is missing, and fail
//! when `CI` is set.

mod local;
mod oracle;
mod real;
mod support;
