//! The driver runtime and dummy-ups, end to end: our dummy-ups as a
//! process (signals, PID files, takeover, `-c`, `-k`, `-d`), and real NUT
//! 2.8.0 as the oracle (the real upsd and clients over our driver socket,
//! every corpus dump, byte-exact `DUMPALL`). Real-NUT tests print a
//! SKIPPED line when `/lib/nut/upsd` is missing, and fail when `CI` is set.

mod child;
mod oracle;
mod process;
mod support;
