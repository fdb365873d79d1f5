//! The `upsmon.conf` parser.
//!
//! It follows NUT's `parse_conf_arg`: keywords are case-sensitive (except
//! `DEBUG_MIN`), a directive with too few words is an "invalid directive",
//! and most bad values are logged and ignored rather than fatal. Where NUT
//! accepts a value silently although it cannot work (`POLLFREQ 0` makes
//! NUT spin, `DEADTIME -1` makes every battery event fatal, `POLLFREQ abc`
//! is read as 0 by `atoi`), this parser reports the line and keeps the
//! default instead. Each such departure is marked "(nut-rs)" below.

use std::time::Duration;

use nut_proto::tokenizer::split_text;

use super::{
    CertHost, CertIdent, Config, Diagnostic, MonitorEntry, Parsed, Role, Severity, ShutdownExit,
    UpsAddress,
};
use crate::Error;
use crate::notify::{NotifyFlags, NotifyKind};

/// Largest config file accepted (1 MiB); real files are a few KiB.
pub const MAX_CONFIG_LEN: usize = 1 << 20;

/// Parses `upsmon.conf` text. `file` names the file in messages.
///
/// # Errors
///
/// [`Error::TooLarge`] past [`MAX_CONFIG_LEN`], and
/// [`Error::OldStyleMonitor`] for a `MONITOR` line without a user name
/// (NUT exits on both). Everything else is a [`Diagnostic`].
pub fn parse(text: &[u8], file: &str) -> Result<Parsed, Error> {
    if text.len() > MAX_CONFIG_LEN {
        return Err(Error::TooLarge {
            file: file.to_owned(),
            len: text.len(),
            limit: MAX_CONFIG_LEN,
        });
    }
    let mut parser = Parser {
        file,
        config: Config::default(),
        diagnostics: Vec::new(),
        errors: 0,
        line: 0,
    };
    for item in split_text(text) {
        match item {
            Err(e) => {
                parser.line = e.line;
                parser.errors += 1;
                parser.push(
                    Severity::Error,
                    format!("Parse error: {file}:{}: {}", e.line, e.kind),
                );
            }
            Ok(line) => {
                parser.line = line.number;
                parser.directive(&line.words)?;
            }
        }
    }
    if parser.errors > 0 {
        let count = parser.errors;
        parser.line = 0;
        parser.push(
            Severity::Error,
            format!("Encountered {count} config errors, those entries were ignored"),
        );
    }
    Ok(Parsed {
        config: parser.config,
        diagnostics: parser.diagnostics,
    })
}

struct Parser<'a> {
    file: &'a str,
    config: Config,
    diagnostics: Vec<Diagnostic>,
    /// Parse errors and invalid directives (NUT counts these two).
    errors: usize,
    line: u32,
}

/// What a numeric directive accepts.
#[derive(Clone, Copy)]
enum Range {
    /// 0 and up.
    NonNegative,
    /// 1 and up (nut-rs: NUT takes 0 and busy-loops).
    Positive,
}

impl Parser<'_> {
    fn push(&mut self, severity: Severity, message: String) {
        self.diagnostics.push(Diagnostic {
            line: self.line,
            severity,
            message,
        });
    }

    fn warn(&mut self, message: String) {
        self.push(Severity::Warning, message);
    }

    fn invalid(&mut self, words: &[String]) {
        self.errors += 1;
        let mut message = format!("{} line {}: invalid directive", self.file, self.line);
        for w in words {
            message.push(' ');
            message.push_str(w);
        }
        self.warn(message);
    }

    /// One line; mirrors NUT's argument-count thresholds.
    fn directive(&mut self, words: &[String]) -> Result<(), Error> {
        let Some(keyword) = words.first() else {
            return Ok(());
        };
        let handled = match words.len() {
            0 | 1 => false,
            n => {
                self.two_words(keyword, words)
                    || (n >= 3 && self.three_words(keyword, words))
                    || (n >= 5 && self.five_words(keyword, words)?)
            }
        };
        if !handled {
            self.invalid(words);
        }
        Ok(())
    }

    fn two_words(&mut self, keyword: &str, words: &[String]) -> bool {
        let value = words.get(1).map_or("", String::as_str);
        let c = &mut self.config;
        match keyword {
            "SHUTDOWNCMD" => c.shutdown_cmd = Some(words[1..].join(" ")),
            "NOTIFYCMD" => c.notify_cmd = Some(words[1..].to_vec()),
            "POWERDOWNFLAG" => c.powerdown_flag = Some(value.to_owned()),
            "RUN_AS_USER" => c.run_as_user = Some(value.to_owned()),
            "CERTPATH" => c.cert_path = Some(value.to_owned()),
            "CERTFILE" => c.cert_file = Some(value.to_owned()),
            "SHUTDOWNEXIT" => self.shutdown_exit(value),
            "POLLFREQ" => {
                if let Some(d) = self.seconds(keyword, value, Range::Positive) {
                    self.config.poll_freq = d;
                }
            }
            "POLLFREQALERT" => {
                if let Some(d) = self.seconds(keyword, value, Range::Positive) {
                    self.config.poll_freq_alert = d;
                }
            }
            "DEADTIME" => {
                if let Some(d) = self.seconds(keyword, value, Range::NonNegative) {
                    self.config.dead_time = d;
                }
            }
            "HOSTSYNC" => {
                if let Some(d) = self.seconds(keyword, value, Range::NonNegative) {
                    self.config.host_sync = d;
                }
            }
            "FINALDELAY" => {
                if let Some(d) = self.seconds(keyword, value, Range::NonNegative) {
                    self.config.final_delay = d;
                }
            }
            "NOCOMMWARNTIME" => {
                if let Some(d) = self.seconds(keyword, value, Range::NonNegative) {
                    self.config.nocomm_warn_time = d;
                }
            }
            "RBWARNTIME" => {
                if let Some(d) = self.seconds(keyword, value, Range::NonNegative) {
                    self.config.rb_warn_time = d;
                }
            }
            "MINSUPPLIES" => {
                if let Some(n) = self.integer(keyword, value) {
                    match u32::try_from(n) {
                        Ok(n) => self.config.min_supplies = n,
                        Err(_) => self.warn(format!("Ignoring invalid MINSUPPLIES value: {n}")),
                    }
                }
            }
            "OFFDURATION" => {
                if let Some(n) = self.integer(keyword, value) {
                    self.config.off_duration = signed_duration(n);
                }
            }
            "OVERDURATION" => {
                if let Some(n) = self.integer(keyword, value) {
                    self.config.over_duration = signed_duration(n);
                }
            }
            "OBLBDURATION" => {
                if let Some(n) = self.integer(keyword, value) {
                    self.config.oblb_duration = signed_duration(n).unwrap_or(Duration::ZERO);
                }
            }
            "ALARMCRITICAL" => {
                if let Some(b) = self.boolean(keyword, value) {
                    self.config.alarm_critical = b;
                }
            }
            "CERTVERIFY" => {
                if let Some(b) = self.boolean(keyword, value) {
                    self.config.cert_verify = b;
                }
            }
            "FORCESSL" => {
                if let Some(b) = self.boolean(keyword, value) {
                    self.config.force_ssl = b;
                }
            }
            "POLLFAIL_LOG_THROTTLE_MAX" => {
                if let Some(n) = self.integer(keyword, value) {
                    match u32::try_from(n) {
                        Ok(n) if i64::from(n) < i64::from(i32::MAX) => {
                            self.config.pollfail_log_throttle_max = Some(n);
                        }
                        _ => self.warn(format!(
                            "Ignoring invalid POLLFAIL_LOG_THROTTLE_MAX value: {n}"
                        )),
                    }
                }
            }
            k if k.eq_ignore_ascii_case("DEBUG_MIN") => match parse_int(value) {
                Some(n) if n >= 0 => self.config.debug_min = u32::try_from(n).ok(),
                _ => self.warn(
                    "WARNING : Invalid DEBUG_MIN value found in upsmon.conf global settings"
                        .to_owned(),
                ),
            },
            _ => return false,
        }
        true
    }

    fn three_words(&mut self, keyword: &str, words: &[String]) -> bool {
        let (a, b) = (words[1].as_str(), words[2].as_str());
        match keyword {
            "NOTIFYMSG" => match NotifyKind::from_name(a) {
                Some(kind) => self.config.notify.set_message(kind, b),
                None => self.warn(format!("'{a}' is not a valid notify event name")),
            },
            "NOTIFYFLAG" => self.notify_flag(a, b),
            "CERTIDENT" => {
                self.config.cert_ident = Some(CertIdent {
                    name: a.to_owned(),
                    password: b.to_owned(),
                });
            }
            _ => return false,
        }
        true
    }

    fn five_words(&mut self, keyword: &str, words: &[String]) -> Result<bool, Error> {
        match keyword {
            "CERTHOST" => {
                let verify = self.boolean(keyword, &words[3]).unwrap_or(false);
                let force_ssl = self.boolean(keyword, &words[4]).unwrap_or(false);
                self.config.cert_hosts.push(CertHost {
                    host: words[1].clone(),
                    cert_name: words[2].clone(),
                    verify,
                    force_ssl,
                });
            }
            "MONITOR" if words.len() == 5 => {
                return Err(Error::OldStyleMonitor {
                    file: self.file.to_owned(),
                    line: self.line,
                });
            }
            "MONITOR" => self.monitor(words),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `MONITOR <system> <powervalue> <user> <password> <role>`.
    fn monitor(&mut self, words: &[String]) {
        let [_, system, pvs, user, password, role, extra @ ..] = words else {
            return;
        };
        if !extra.is_empty() {
            // (nut-rs) NUT drops extra words silently.
            self.warn(format!(
                "{} line {}: MONITOR {system}: ignoring extra arguments: {}",
                self.file,
                self.line,
                extra.join(" ")
            ));
        }
        let power_value = match parse_int(pvs) {
            Some(n) if n < 0 || n > i64::from(u32::MAX) => {
                self.warn(format!(
                    "UPS [{system}]: ignoring invalid power value [{pvs}]"
                ));
                return;
            }
            Some(n) => u32::try_from(n).unwrap_or(0),
            None => {
                // NUT's strtol reads leading digits and takes 0 for none.
                let n = leading_int(pvs);
                if n < 0 || n > i64::from(u32::MAX) {
                    self.warn(format!(
                        "UPS [{system}]: ignoring invalid power value [{pvs}]"
                    ));
                    return;
                }
                // (nut-rs) NUT uses the number silently.
                self.warn(format!(
                    "{} line {}: UPS [{system}]: power value [{pvs}] is not a number, using {n}",
                    self.file, self.line
                ));
                u32::try_from(n).unwrap_or(0)
            }
        };
        if self.config.monitors.iter().any(|m| m.system == *system) {
            self.warn(format!("Warning: ignoring duplicate UPS [{system}]"));
            return;
        }
        let role = if role.eq_ignore_ascii_case("primary") || role.eq_ignore_ascii_case("master") {
            Role::Primary
        } else {
            if !(role.eq_ignore_ascii_case("secondary") || role.eq_ignore_ascii_case("slave")) {
                // (nut-rs) NUT takes anything else as secondary, silently.
                self.warn(format!(
                    "{} line {}: UPS [{system}]: unknown mode [{role}], assuming secondary",
                    self.file, self.line
                ));
            }
            Role::Secondary
        };
        let address = match UpsAddress::parse(system) {
            Ok(a) => a,
            Err(e) => {
                // NUT keeps such an entry although it can never poll it, so
                // its power value silently counts as "OK" forever. (nut-rs)
                // Drop it, loudly, and let MINSUPPLIES catch the hole.
                self.push(
                    Severity::Error,
                    format!("Error: unable to split UPS name [{system}]: {e}"),
                );
                return;
            }
        };
        self.config.monitors.push(MonitorEntry {
            system: system.clone(),
            address,
            power_value,
            username: user.clone(),
            password: password.clone(),
            role,
        });
    }

    fn notify_flag(&mut self, name: &str, flags: &str) {
        let Some(kind) = NotifyKind::from_name(name) else {
            self.warn(format!("Warning: invalid notify type [{name}]"));
            return;
        };
        let mut set = NotifyFlags::NONE;
        for part in flags.split('+') {
            match NotifyFlags::from_name(part) {
                Some(f) => set = set.union(f),
                None => self.warn(format!("Invalid notify flag: [{part}]")),
            }
        }
        self.config.notify.set_flags(kind, set);
    }

    fn shutdown_exit(&mut self, value: &str) {
        let lower = value.to_ascii_lowercase();
        self.config.shutdown_exit = match lower.as_str() {
            "on" | "yes" | "true" => ShutdownExit::Immediately,
            "off" | "no" | "false" => ShutdownExit::Never,
            _ => match parse_int(value) {
                Some(0) => ShutdownExit::Immediately,
                Some(n) if n < 0 => ShutdownExit::Never,
                Some(n) => ShutdownExit::After(Duration::from_secs(n.unsigned_abs())),
                None => {
                    self.warn("SHUTDOWNEXIT value not recognized, defaulting to 'yes'".to_owned());
                    ShutdownExit::Immediately
                }
            },
        };
    }

    /// A whole-number value; reports and returns `None` for anything else.
    fn integer(&mut self, keyword: &str, value: &str) -> Option<i64> {
        let n = parse_int(value);
        if n.is_none() {
            // (nut-rs) NUT's atoi reads junk as 0.
            self.warn(format!(
                "{} line {}: {keyword} value [{value}] is not a number, ignored",
                self.file, self.line
            ));
        }
        n
    }

    fn seconds(&mut self, keyword: &str, value: &str, range: Range) -> Option<Duration> {
        let n = self.integer(keyword, value)?;
        let min = match range {
            Range::NonNegative => 0,
            Range::Positive => 1,
        };
        if n < min {
            self.warn(format!("Ignoring invalid {keyword} value: {n}"));
            return None;
        }
        Some(Duration::from_secs(n.unsigned_abs()))
    }

    fn boolean(&mut self, keyword: &str, value: &str) -> Option<bool> {
        match value.to_ascii_lowercase().as_str() {
            "1" | "yes" | "on" | "true" => Some(true),
            "0" | "no" | "off" | "false" => Some(false),
            _ => {
                self.warn(format!(
                    "{} line {}: {keyword} value [{value}] is not 0 or 1, ignored",
                    self.file, self.line
                ));
                None
            }
        }
    }
}

/// Negative = never (`None`); otherwise that many seconds.
fn signed_duration(n: i64) -> Option<Duration> {
    (n >= 0).then(|| Duration::from_secs(n.unsigned_abs()))
}

/// Most digits read from a numeric setting (more cannot fit an `i32`).
const MAX_DIGITS: usize = 10;

/// A strict decimal integer in `i32` range (NUT stores these as `int`).
fn parse_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n: i64 = text.parse().ok()?;
    (i64::from(i32::MIN)..=i64::from(u32::MAX))
        .contains(&n)
        .then_some(n)
}

/// C `strtol` on a prefix: optional sign then digits; 0 when there are none.
fn leading_int(text: &str) -> i64 {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits: String = rest
        .chars()
        .take_while(char::is_ascii_digit)
        .take(MAX_DIGITS)
        .collect();
    digits.parse::<i64>().map_or(0, |n| sign * n)
}

#[cfg(test)]
mod tests;
