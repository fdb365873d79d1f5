//! Drivers hosted as tasks: which `ups.conf` sections upsd runs itself
//! ([`HostPlan`]), starting them up to a bound socket, reloading and
//! stopping them ([`HostedDrivers`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::UpsConf;
use crate::dummy::program::DummyUpsProgram;
use crate::error::Error;
use crate::runtime::ReloadKind;
use crate::runtime::log::{Level, LogRecord, Logger};
use crate::runtime::program::{DriverConfig, Environment, Program, start_task};
use crate::runtime::serve::{Control, Exit};

/// The global `ups.conf` key listing the driver programs upsd hosts.
pub const INPROCESS_KEY: &str = "nutrs_inprocess";

/// The driver programs that can run inside upsd.
pub const HOSTABLE_DRIVERS: &[&str] = &[crate::dummy::PROGRAM];

/// How long [`HostedDrivers::stop`] waits for each driver to finish (it
/// gives its socket clients up to a second to take their last bytes).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The sections of one reading of `ups.conf` that are to be hosted.
#[derive(Debug, Clone)]
pub struct HostPlan {
    conf: UpsConf,
    file: PathBuf,
    sections: Vec<String>,
    log: Vec<LogRecord>,
}

impl HostPlan {
    /// Selects, from `conf` read from `file`, every complete section whose
    /// driver is listed under [`INPROCESS_KEY`] and can be hosted.
    pub fn new(conf: UpsConf, file: &Path) -> Self {
        let mut log = Vec::new();
        let mut wanted = Vec::new();
        let listed = conf.globals.value(INPROCESS_KEY).unwrap_or_default();
        for name in listed
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|n| !n.is_empty())
        {
            if HOSTABLE_DRIVERS.contains(&name) {
                wanted.push(name.to_owned());
            } else {
                log.push(LogRecord::new(
                    Level::Warning,
                    format!(
                        "{}: {INPROCESS_KEY}: driver {name} cannot run inside upsd (only {}); \
                         start it with upsdrvctl",
                        file.display(),
                        HOSTABLE_DRIVERS.join(", ")
                    ),
                ));
            }
        }
        let sections = conf
            .sections
            .iter()
            .filter(|s| s.is_complete())
            .filter(|s| s.driver().is_some_and(|d| wanted.iter().any(|w| w == d)))
            .map(|s| s.name.clone())
            .collect();
        Self {
            conf,
            file: file.to_owned(),
            sections,
            log,
        }
    }

    /// Reads `file` and selects (see [`HostPlan::new`]).
    ///
    /// # Errors
    ///
    /// The file cannot be read or parsed.
    pub fn load(file: &Path) -> Result<Self, Error> {
        Ok(Self::new(UpsConf::load(file)?, file))
    }

    /// The names of the hosted sections, in file order.
    pub fn sections(&self) -> &[String] {
        &self.sections
    }

    /// Whether nothing is to be hosted.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// What the selection has to say (unknown driver names).
    pub fn log(&self) -> &[LogRecord] {
        &self.log
    }
}

/// One running hosted driver.
#[derive(Debug)]
struct Hosted {
    ups: String,
    controls: mpsc::UnboundedSender<Control>,
    task: JoinHandle<Exit>,
}

/// The hosted drivers of a process.
#[derive(Debug, Default)]
pub struct HostedDrivers {
    drivers: Vec<Hosted>,
}

/// A handle that reloads every hosted driver (for upsd's SIGHUP task).
#[derive(Debug, Clone, Default)]
pub struct HostedControls(Vec<mpsc::UnboundedSender<Control>>);

impl HostedControls {
    /// Asks every hosted driver to read its `ups.conf` section again (a
    /// driver's SIGHUP).
    pub fn reload(&self) {
        for controls in &self.0 {
            let _ = controls.send(Control::Reload(ReloadKind::Reload));
        }
    }
}

impl HostedDrivers {
    /// Starts the drivers of `plan` in the current tokio runtime, one after
    /// the other, each up to a bound socket (so that upsd, started next,
    /// finds them at once), then serving in a task of its own. `env` gives
    /// the directories (its `statepath` must be upsd's); `logger` makes
    /// each driver's logger from its program name and UPS.
    ///
    /// A driver that cannot start is left out and listed with its UPS and
    /// error in the returned failures (see [`HostedDrivers::failure_record`]);
    /// its UPS stays without a driver, as when a driver process fails.
    pub async fn start(
        plan: &HostPlan,
        env: &Environment,
        logger: &dyn Fn(&str, &str) -> Logger,
    ) -> (Self, Vec<(String, Error)>) {
        let mut hosted = Self::default();
        let mut failures = Vec::new();
        for ups in &plan.sections {
            let started = match DriverConfig::from_conf(&plan.conf, &plan.file, ups) {
                Ok(config) => {
                    let program = DummyUpsProgram::default();
                    hosted
                        .start_one(&program, config, env, logger(program.name(), ups))
                        .await
                }
                Err(error) => Err(error),
            };
            if let Err(error) = started {
                failures.push((ups.clone(), error));
            }
        }
        (hosted, failures)
    }

    /// What upsd logs for a driver that could not start.
    pub fn failure_record(ups: &str, error: &Error) -> LogRecord {
        LogRecord::new(
            Level::Error,
            format!("can't start the driver of UPS [{ups}] inside upsd: {error}"),
        )
    }

    async fn start_one<P: Program>(
        &mut self,
        program: &P,
        config: DriverConfig,
        env: &Environment,
        logger: Logger,
    ) -> Result<(), Error>
    where
        P::Driver: Send,
        <P::Driver as crate::runtime::Driver>::Event: Send,
    {
        let ups = config.ups.clone();
        let started = start_task(program, config, env, logger).await?;
        let (controls, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(started.serve(receiver));
        self.drivers.push(Hosted {
            ups,
            controls,
            task,
        });
        Ok(())
    }

    /// The names of the UPSes whose driver runs here.
    pub fn upses(&self) -> Vec<&str> {
        self.drivers.iter().map(|d| d.ups.as_str()).collect()
    }

    /// A handle for reloading them from another task.
    pub fn controls(&self) -> HostedControls {
        HostedControls(self.drivers.iter().map(|d| d.controls.clone()).collect())
    }

    /// Stops every driver (removing its socket) and waits for each up to
    /// [`STOP_TIMEOUT`]; one that does not finish in time is aborted.
    /// Returns the UPSes whose driver had ended before (e.g. after
    /// `INSTCMD driver.exit` on its socket) or had to be aborted.
    pub async fn stop(self) -> Vec<String> {
        let ended_before: Vec<bool> = self.drivers.iter().map(|d| d.task.is_finished()).collect();
        for driver in &self.drivers {
            let _ = driver.controls.send(Control::Exit(None));
        }
        let mut odd = Vec::new();
        for (driver, ended_before) in self.drivers.into_iter().zip(ended_before) {
            let abort = driver.task.abort_handle();
            match tokio::time::timeout(STOP_TIMEOUT, driver.task).await {
                Ok(Ok(_)) if !ended_before => {}
                Ok(_) => odd.push(driver.ups),
                Err(_) => {
                    abort.abort();
                    odd.push(driver.ups);
                }
            }
        }
        odd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> HostPlan {
        let file = Path::new("/etc/nut/ups.conf");
        HostPlan::new(UpsConf::parse(file, text.as_bytes()).expect("parses"), file)
    }

    #[test]
    fn only_listed_hostable_drivers_of_complete_sections_are_hosted() {
        let plan = plan(
            "nutrs_inprocess = \"dummy-ups, usbhid-ups\"\n\
             [a]\n driver = dummy-ups\n port = a.dev\n\
             [b]\n driver = usbhid-ups\n port = auto\n\
             [c]\n driver = dummy-ups\n\
             [d]\n driver = dummy-ups\n port = d.seq\n",
        );
        assert_eq!(plan.sections(), ["a", "d"]);
        let messages: Vec<_> = plan.log().iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "/etc/nut/ups.conf: nutrs_inprocess: driver usbhid-ups cannot run inside upsd \
                 (only dummy-ups); start it with upsdrvctl"
            ]
        );
    }

    #[test]
    fn nothing_is_hosted_without_the_key() {
        let plan = plan("[a]\n driver = dummy-ups\n port = a.dev\n");
        assert!(plan.is_empty());
        assert!(plan.log().is_empty());
        let plan = plan_with_value("");
        assert!(plan.is_empty());
    }

    fn plan_with_value(value: &str) -> HostPlan {
        plan(&format!(
            "nutrs_inprocess = \"{value}\"\n[a]\n driver = dummy-ups\n port = a.dev\n"
        ))
    }

    #[test]
    fn names_may_be_separated_by_commas_or_spaces() {
        assert_eq!(plan_with_value("dummy-ups").sections(), ["a"]);
        assert_eq!(plan_with_value(" ,dummy-ups ,").sections(), ["a"]);
        assert_eq!(plan_with_value("clone dummy-ups").sections(), ["a"]);
        assert!(plan_with_value("Dummy-UPS").is_empty());
    }
}
