//! upsmon inside another program (`nut demo`): [`run_embedded`] runs the
//! very monitoring loop of `upsmon -p` on the caller's tokio runtime and
//! hands everything that would leave the process to the caller.
//!
//! The embedder stands where the root parent stands in the privilege split:
//! upsmon decides, the embedder acts. It receives, in the engine's order,
//! every [`Output::Notify`] (instead of syslog, `wall` and NOTIFYCMD),
//! [`Output::Log`], [`Output::Wall`], [`Output::WritePowerdownFlag`] and
//! [`Output::RunShutdownCmd`] (nothing is written and no shell is started
//! here); connection problems are still written to the given [`Logger`].
//! A channel keeps the order exact, which NOTIFYCMD processes (started
//! asynchronously, as NUT forks them) do not.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::Family;
use super::monitor::{self, Privileged, Setup};
use crate::config::Config;
use crate::runtime::Logger;
use crate::{Error, Output};

/// Runs upsmon with `config` until the engine exits (after SHUTDOWNCMD,
/// i.e. after [`Output::RunShutdownCmd`] was sent) or SIGTERM, SIGINT or
/// SIGQUIT stops it; returns its exit code. SIGHUP reloads `config_path`
/// and SIGUSR1 forces a shutdown, as for the program. The outputs that
/// leave the process go to `outputs` (see the module docs); `family` is
/// `-4`/`-6`.
///
/// # Errors
///
/// What stops upsmon at start: not enough power for MINSUPPLIES, or the
/// signal handlers cannot be installed.
pub async fn run_embedded(
    config: Config,
    config_path: PathBuf,
    family: Family,
    logger: Arc<Logger>,
    outputs: mpsc::UnboundedSender<Output>,
) -> Result<u8, Error> {
    let setup = Setup {
        config,
        config_path,
        family,
        connect_timeout: None,
        logger,
        privileged: Privileged::Embedder(outputs),
    };
    monitor::run(setup).await
}
