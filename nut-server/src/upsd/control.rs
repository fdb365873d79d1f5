//! `SET VAR` and `INSTCMD`: validated as upsd does, in its order, then
//! forwarded to the driver (with `TRACKING <id>` when the connection asked
//! for tracking).

use std::time::Instant;

use nut_proto::net::ErrorCode;
use nut_proto::sock::{ClientMessage, VarFlag};

use super::query::available;
use super::server::Server;
use super::session::{Session, err, line};
use crate::config::users::Access;
use crate::runtime::log::Level;

/// Why a new value is refused, in upsd's order of checks.
fn check_value(server: &Server, index: usize, var: &str, value: &str) -> Result<(), ErrorCode> {
    let state = server
        .upses
        .get(index)
        .and_then(|u| u.snapshot.get(var))
        .ok_or(ErrorCode::VarNotSupported)?;
    if !state.has_flag(&VarFlag::Rw) {
        return Err(ErrorCode::Readonly);
    }
    if state.has_flag(&VarFlag::String) {
        if state.aux < 1 {
            return Err(ErrorCode::SetFailed);
        }
        if i64::try_from(value.len()).unwrap_or(i64::MAX) > state.aux {
            return Err(ErrorCode::TooLong);
        }
    }
    if !state.enums.is_empty() && !state.enums.iter().any(|e| e == value) {
        return Err(ErrorCode::InvalidValue);
    }
    if !state.ranges.is_empty() {
        let number = nut_proto::cnum::atoi(value);
        if !state.ranges.iter().any(|r| r.contains(number)) {
            return Err(ErrorCode::InvalidValue);
        }
    }
    Ok(())
}

impl Session {
    pub(crate) fn set_var(
        &mut self,
        server: &mut Server,
        now: Instant,
        ups: &str,
        var: &str,
        value: &str,
        out: &mut Vec<u8>,
    ) {
        let Some(index) = available(server, now, ups, out) else {
            return;
        };
        if !self.allowed(server, Access::Set) {
            return err(out, &ErrorCode::AccessDenied);
        }
        let name = server
            .upses
            .get(index)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        if let Err(code) = check_value(server, index, var, value) {
            if code == ErrorCode::SetFailed {
                let message = format!("UPS [{name}]: auxdata for {var} is invalid");
                server.log_line(Level::Warning, message);
            }
            return err(out, &code);
        }
        let tracking = self.tracking.then(|| server.new_tracking_id());
        let message = ClientMessage::Set {
            var: var.to_owned(),
            value: value.to_owned(),
            tracking: tracking.clone(),
        };
        let log = format!(
            "Set variable: {} set {var} on {name} to {value} (tracking ID: {})",
            self.who(),
            tracking.as_deref().unwrap_or("disabled")
        );
        server.log_line(Level::Info, log);
        self.forward(
            server,
            now,
            index,
            &message,
            tracking,
            ErrorCode::SetFailed,
            out,
        );
    }

    pub(crate) fn instcmd(
        &mut self,
        server: &mut Server,
        now: Instant,
        ups: &str,
        cmd: &str,
        param: Option<&str>,
        out: &mut Vec<u8>,
    ) {
        let Some(index) = available(server, now, ups, out) else {
            return;
        };
        let Some(entry) = server.upses.get(index) else {
            return;
        };
        // upsd checks the command exists before the user's rights.
        if !entry.snapshot.has_command(cmd) {
            return err(out, &ErrorCode::CmdNotSupported);
        }
        let name = entry.name.clone();
        if !self.allowed(server, Access::InstCmd(cmd)) {
            return err(out, &ErrorCode::AccessDenied);
        }
        let tracking = self.tracking.then(|| server.new_tracking_id());
        let with_value = param.map_or_else(String::new, |p| format!(" with value {p}"));
        let log = format!(
            "Instant command: {} did {cmd}{with_value} on {name} (tracking ID: {})",
            self.who(),
            tracking.as_deref().unwrap_or("disabled")
        );
        server.log_line(Level::Info, log);
        let message = ClientMessage::InstCmd {
            cmd: cmd.to_owned(),
            param: param.map(str::to_owned),
            tracking: tracking.clone(),
        };
        self.forward(
            server,
            now,
            index,
            &message,
            tracking,
            ErrorCode::InstcmdFailed,
            out,
        );
    }

    /// Queues `message` for the driver and answers `OK [TRACKING <id>]`, or
    /// `failure` when there is no driver link to write to.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        server: &mut Server,
        now: Instant,
        index: usize,
        message: &ClientMessage,
        tracking: Option<String>,
        failure: ErrorCode,
        out: &mut Vec<u8>,
    ) {
        let mut bytes = Vec::new();
        message.encode(&mut bytes);
        if !server.send_to_driver(index, &bytes) {
            server.log_line(Level::Info, "Set command send failed");
            return err(out, &failure);
        }
        match tracking {
            Some(id) => {
                server.tracking.insert(&id, now);
                line(out, &format!("OK TRACKING {id}"));
            }
            None => line(out, "OK"),
        }
    }
}

#[cfg(test)]
mod tests {
    // The reading `set_var` checks ranges with, pinned here.
    use nut_proto::cnum::atoi as c_atoi;

    #[test]
    fn atoi_reads_like_glibc() {
        for (text, want) in [
            ("120", 120),
            ("  42", 42),
            ("-7", -7),
            ("+5", 5),
            ("12abc", 12),
            ("abc", 0),
            ("", 0),
            ("2147483647", i32::MAX),
            ("2147483648", i32::MIN),
            ("99999999999999999999999", -1),
        ] {
            assert_eq!(c_atoi(text), want, "{text:?}");
        }
    }
}
