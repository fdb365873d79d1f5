//! `upsdrvctl status`: one TAB-separated line per UPS under the header of
//! newer NUT, `UPSNAME UPSDRV RUNNING PF_PID S_RESPONSIVE S_PID S_STATUS`.
//!
//! * `RUNNING`: `RUNNING` when the PID file names a live process, `STOPPED`
//!   when it names a dead one, `N/A` without a PID file (a driver in debug
//!   mode writes none);
//! * `PF_PID`: the PID in the PID file;
//! * `S_RESPONSIVE`: whether the driver socket answers `PING` with `PONG`;
//! * `S_PID`: the socket's answer to `GETPID` (NUT 2.8.0 drivers have none);
//! * `S_STATUS`: `ups.status` from `DUMPSTATUS` (from `DUMPALL` for a
//!   2.8.0 driver, which has no `DUMPSTATUS`), quoted.
//!
//! A driver that answers `PING` but is not done within the time limit is
//! still `RESPONSIVE`.
//!
//! Unknown values are `N/A`. The socket dialog is read by [`Probe`], a
//! sans-IO collector of the driver's messages.

use nut_proto::sock::DriverMessage;

/// The header line.
pub const HEADER: &str = "UPSNAME\tUPSDRV\tRUNNING\tPF_PID\tS_RESPONSIVE\tS_PID\tS_STATUS";

/// What an unknown cell shows.
pub const UNKNOWN: &str = "N/A";

/// The whole request, sent at once: no broadcasts, `PING`, `GETPID`,
/// `DUMPSTATUS`, and `DUMPALL` for drivers without `DUMPSTATUS` (NUT 2.8.0,
/// which ignores the commands it does not know). The answer is read up to
/// the first `DUMPDONE`.
pub const REQUEST: &[u8] = b"NOBROADCAST\nPING\nGETPID\nDUMPSTATUS\nDUMPALL\n";

/// What the socket said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    pong: bool,
    pid: Option<String>,
    status: Option<String>,
    done: bool,
}

impl Probe {
    /// An empty probe.
    pub fn new() -> Self {
        Self::default()
    }

    /// One message from the driver. Only the first `ups.status` counts:
    /// what follows the first `DUMPDONE` is ignored.
    pub fn handle_message(&mut self, message: &DriverMessage) {
        if self.done {
            return;
        }
        match message {
            DriverMessage::Pong => self.pong = true,
            DriverMessage::Pid { pid } => self.pid = Some(pid.clone()),
            DriverMessage::SetInfo { var, value } if var == "ups.status" => {
                self.status.get_or_insert_with(|| value.clone());
            }
            DriverMessage::DumpDone => self.done = true,
            _ => {}
        }
    }

    /// Whether `PONG` came.
    pub fn answered_ping(&self) -> bool {
        self.pong
    }

    /// Whether the status dump is complete (`DUMPDONE`).
    pub fn is_complete(&self) -> bool {
        self.done
    }

    /// The `GETPID` answer.
    pub fn pid(&self) -> Option<&str> {
        self.pid.as_deref()
    }

    /// `ups.status`.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
}

/// What is known of one UPS's driver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Row {
    /// The UPS name.
    pub ups: String,
    /// The driver name.
    pub driver: String,
    /// The PID in the PID file, and whether that process is alive.
    pub pid_file: Option<(i32, bool)>,
    /// The socket dialog (`None`: nothing listens).
    pub probe: Option<Probe>,
}

impl Row {
    /// A row.
    pub fn new(
        ups: &str,
        driver: &str,
        pid_file: Option<(i32, bool)>,
        probe: Option<Probe>,
    ) -> Self {
        Self {
            ups: ups.to_owned(),
            driver: driver.to_owned(),
            pid_file,
            probe,
        }
    }

    /// Whether the driver answered on its socket.
    pub fn is_responsive(&self) -> bool {
        self.probe.as_ref().is_some_and(Probe::answered_ping)
    }

    /// The line, without its line feed.
    pub fn line(&self) -> String {
        let running = match self.pid_file {
            Some((_, true)) => "RUNNING",
            Some((_, false)) => "STOPPED",
            None => UNKNOWN,
        };
        let pf_pid = self
            .pid_file
            .map_or_else(|| UNKNOWN.to_owned(), |(pid, _)| pid.to_string());
        let responsive = if self.is_responsive() {
            "RESPONSIVE"
        } else {
            "NOT_RESPONSIVE"
        };
        let probe = self.probe.as_ref();
        let s_pid = probe.and_then(Probe::pid).unwrap_or(UNKNOWN);
        let s_status = probe
            .and_then(Probe::status)
            .map_or_else(|| UNKNOWN.to_owned(), |s| format!("\"{s}\""));
        format!(
            "{}\t{}\t{running}\t{pf_pid}\t{responsive}\t{s_pid}\t{s_status}",
            self.ups, self.driver
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(messages: &[&[&str]]) -> Probe {
        let mut probe = Probe::new();
        for words in messages {
            probe.handle_message(&DriverMessage::decode(words).expect("message"));
        }
        probe
    }

    #[test]
    fn a_running_newer_driver_fills_every_cell() {
        let p = probe(&[
            &["PONG"],
            &["PID", "4242"],
            &["SETINFO", "ups.status", "OL CHRG"],
            &["DATAOK"],
            &["DUMPDONE"],
        ]);
        assert!(p.is_complete());
        let row = Row::new("ups1", "dummy-ups", Some((4242, true)), Some(p));
        assert_eq!(
            row.line(),
            "ups1\tdummy-ups\tRUNNING\t4242\tRESPONSIVE\t4242\t\"OL CHRG\""
        );
        assert!(row.is_responsive());
    }

    #[test]
    fn a_2_8_0_driver_answers_ping_only() {
        let p = probe(&[&["PONG"], &["SETINFO", "battery.charge", "90"]]);
        assert!(!p.is_complete());
        let row = Row::new("u", "dummy-ups", Some((7, true)), Some(p));
        assert_eq!(row.line(), "u\tdummy-ups\tRUNNING\t7\tRESPONSIVE\tN/A\tN/A");
    }

    #[test]
    fn a_2_8_0_driver_gives_its_status_through_the_whole_dump() {
        let p = probe(&[
            &["PONG"],
            &["SETINFO", "battery.charge", "100"],
            &["SETINFO", "ups.status", "OB LB"],
            &["DATAOK"],
            &["DUMPDONE"],
        ]);
        let row = Row::new("u", "dummy-ups", None, Some(p));
        assert_eq!(
            row.line(),
            "u\tdummy-ups\tN/A\tN/A\tRESPONSIVE\tN/A\t\"OB LB\""
        );
    }

    #[test]
    fn only_the_first_dump_counts() {
        // A newer driver answers DUMPSTATUS, then the DUMPALL meant for
        // older ones; a broadcast may come in between.
        let p = probe(&[
            &["PONG"],
            &["PID", "12"],
            &["SETINFO", "ups.status", "OL"],
            &["DUMPDONE"],
            &["SETINFO", "ups.status", "OB"],
            &["PID", "13"],
        ]);
        assert_eq!((p.status(), p.pid()), (Some("OL"), Some("12")));
    }

    #[test]
    fn stopped_and_unknown_drivers() {
        let dead = Row::new("u", "d", Some((99999, false)), None);
        assert_eq!(
            dead.line(),
            "u\td\tSTOPPED\t99999\tNOT_RESPONSIVE\tN/A\tN/A"
        );
        assert!(!dead.is_responsive());
        let silent = Row::new("u", "d", None, Some(Probe::new()));
        assert_eq!(silent.line(), "u\td\tN/A\tN/A\tNOT_RESPONSIVE\tN/A\tN/A");
        assert_eq!(
            HEADER.split('\t').count(),
            silent.line().split('\t').count()
        );
    }
}
