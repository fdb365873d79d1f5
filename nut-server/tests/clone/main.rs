//! clone, clone-outlet and failover end to end: our drivers as processes
//! over our dummy-ups (and a scripted fake driver), and real NUT 2.8.0 as
//! the oracle (the real clone and clone-outlet beside ours, through the
//! real upsd, compared with real clients). Real-NUT tests print a SKIPPED
//! line when NUT is missing, and fail when `CI` is set.

mod child;
mod oracle;
mod process;
mod support;
