//! `GET` and `LIST`: reading a UPS's cached state, with upsd's checks in
//! upsd's order and its exact reply bytes.
//!
//! Names the client typed (UPS, variable, command) are echoed as typed, raw,
//! as upsd's `%s` does; values and descriptions from `ups.conf` are quoted
//! and escaped; `cmdvartab` descriptions are sent as stored.

use std::time::Instant;

use nut_proto::net::{ErrorCode, GetQuery, ListQuery};
use nut_proto::sock::{VarFlag, VarState};
use nut_proto::tokenizer::encode_into;

use super::server::{Server, VERSION, version_text};
use super::session::{Session, err, line};
use crate::desc::UNAVAILABLE;

/// upsd 2.8.0 looks descriptions up by the exact name; later versions strip
/// this prefix first. We answer as 2.8.0.
const UPSTREAM_PREFIX: &str = "upstream.";

impl Session {
    pub(crate) fn get(
        &mut self,
        server: &mut Server,
        now: Instant,
        query: &GetQuery,
        out: &mut Vec<u8>,
    ) {
        match query {
            GetQuery::Tracking { id: None } => line(out, if self.tracking { "ON" } else { "OFF" }),
            GetQuery::Tracking { id: Some(id) } => {
                if self.tracking {
                    line(out, server.tracking.status(id, now));
                } else {
                    err(out, &ErrorCode::FeatureNotConfigured);
                }
            }
            GetQuery::NumLogins { ups } => {
                let Some(index) = available(server, now, ups, out) else {
                    return;
                };
                let count = server.upses.get(index).map_or(0, |u| u.numlogins);
                line(out, &format!("NUMLOGINS {ups} {count}"));
            }
            GetQuery::UpsDesc { ups } => {
                let Some(index) = server.find_ups(ups) else {
                    return err(out, &ErrorCode::UnknownUps);
                };
                let desc = server.upses.get(index).and_then(|u| u.desc.as_deref());
                start(out, &["UPSDESC", ups]);
                quoted(out, desc.unwrap_or("Unavailable"));
                out.push(b'\n');
            }
            GetQuery::Var { ups, var } => get_var(server, now, ups, var, out),
            GetQuery::Type { ups, var } => {
                let Some(state) = available_var(server, now, ups, var, out) else {
                    return;
                };
                let mut text = format!("TYPE {ups} {var}");
                type_words(&mut text, state);
                line(out, &text);
            }
            GetQuery::Desc { ups, var } => {
                if available(server, now, ups, out).is_none() {
                    return;
                }
                let desc = description(server.descriptions.var(var), var);
                line(out, &format!("DESC {ups} {var} \"{desc}\""));
            }
            GetQuery::CmdDesc { ups, cmd } => {
                if available(server, now, ups, out).is_none() {
                    return;
                }
                let desc = description(server.descriptions.cmd(cmd), cmd);
                line(out, &format!("CMDDESC {ups} {cmd} \"{desc}\""));
            }
            // A newer nut-proto may know more queries than this server.
            _ => err(out, &ErrorCode::InvalidArgument),
        }
    }

    pub(crate) fn list(
        &mut self,
        server: &mut Server,
        now: Instant,
        query: &ListQuery,
        out: &mut Vec<u8>,
    ) {
        match query {
            ListQuery::Ups => {
                line(out, "BEGIN LIST UPS");
                for ups in &server.upses {
                    start(out, &["UPS", &ups.name]);
                    quoted(out, ups.desc.as_deref().unwrap_or(UNAVAILABLE));
                    out.push(b'\n');
                }
                line(out, "END LIST UPS");
            }
            ListQuery::Var { ups } | ListQuery::Rw { ups } => {
                let rw_only = matches!(query, ListQuery::Rw { .. });
                let Some(index) = available(server, now, ups, out) else {
                    return;
                };
                let Some(entry) = server.upses.get(index) else {
                    return;
                };
                let (keyword, frame) = if rw_only {
                    ("RW", "RW")
                } else {
                    ("VAR", "VAR")
                };
                line(out, &format!("BEGIN LIST {frame} {ups}"));
                for (name, state) in entry.snapshot.vars() {
                    if rw_only && !state.has_flag(&VarFlag::Rw) {
                        continue;
                    }
                    start(out, &[keyword, ups, name]);
                    // LIST RW shows the raw value; LIST VAR the FSD-prefixed status.
                    let fsd = !rw_only && entry.fsd && name.eq_ignore_ascii_case("ups.status");
                    status_value(out, &state.value, fsd);
                    out.push(b'\n');
                }
                line(out, &format!("END LIST {frame} {ups}"));
            }
            ListQuery::Cmd { ups } => {
                let Some(index) = available(server, now, ups, out) else {
                    return;
                };
                let Some(entry) = server.upses.get(index) else {
                    return;
                };
                line(out, &format!("BEGIN LIST CMD {ups}"));
                for cmd in entry.snapshot.commands() {
                    line(out, &format!("CMD {ups} {cmd}"));
                }
                line(out, &format!("END LIST CMD {ups}"));
            }
            ListQuery::Enum { ups, var } => {
                let Some(state) = available_var(server, now, ups, var, out) else {
                    return;
                };
                line(out, &format!("BEGIN LIST ENUM {ups} {var}"));
                for value in &state.enums {
                    start(out, &["ENUM", ups, var]);
                    quoted(out, value);
                    out.push(b'\n');
                }
                line(out, &format!("END LIST ENUM {ups} {var}"));
            }
            ListQuery::Range { ups, var } => {
                let Some(state) = available_var(server, now, ups, var, out) else {
                    return;
                };
                line(out, &format!("BEGIN LIST RANGE {ups} {var}"));
                for range in &state.ranges {
                    let (min, max) = (range.min, range.max);
                    line(out, &format!("RANGE {ups} {var} \"{min}\" \"{max}\""));
                }
                line(out, &format!("END LIST RANGE {ups} {var}"));
            }
            ListQuery::Client { ups } => {
                let Some(index) = server.find_ups(ups) else {
                    return err(out, &ErrorCode::UnknownUps);
                };
                let Some(entry) = server.upses.get(index) else {
                    return;
                };
                line(out, &format!("BEGIN LIST CLIENT {ups}"));
                // upsd keeps its newest client first.
                for client in server.clients.values().rev() {
                    if client.login == Some(entry.id) {
                        line(out, &format!("CLIENT {} {}", entry.name, client.addr));
                    }
                }
                line(out, &format!("END LIST CLIENT {ups}"));
            }
            // A newer nut-proto may know more queries than this server.
            _ => err(out, &ErrorCode::InvalidArgument),
        }
    }
}

/// `GET VAR`: `server.*` answered by upsd itself for any UPS name, then the
/// usual checks, then the value (with `FSD ` before a latched status).
fn get_var(server: &mut Server, now: Instant, ups: &str, var: &str, out: &mut Vec<u8>) {
    if var
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("server."))
    {
        if var.eq_ignore_ascii_case("server.info") {
            start(out, &["VAR", ups, "server.info"]);
            quoted(out, &version_text());
            out.push(b'\n');
        } else if var.eq_ignore_ascii_case("server.version") {
            start(out, &["VAR", ups, "server.version"]);
            quoted(out, VERSION);
            out.push(b'\n');
        } else {
            err(out, &ErrorCode::VarNotSupported);
        }
        return;
    }
    let Some(index) = available(server, now, ups, out) else {
        return;
    };
    let Some(entry) = server.upses.get(index) else {
        return;
    };
    let Some(state) = entry.snapshot.get(var) else {
        return err(out, &ErrorCode::VarNotSupported);
    };
    let fsd = entry.fsd && var.eq_ignore_ascii_case("ups.status");
    start(out, &["VAR", ups, var]);
    status_value(out, &state.value, fsd);
    out.push(b'\n');
}

/// Finds a UPS and checks it can be read (upsd's `get_ups_ptr` then
/// `ups_available`); answers the error itself.
pub(crate) fn available(
    server: &mut Server,
    now: Instant,
    ups: &str,
    out: &mut Vec<u8>,
) -> Option<usize> {
    let Some(index) = server.find_ups(ups) else {
        err(out, &ErrorCode::UnknownUps);
        return None;
    };
    if let Some(code) = server.availability_error(index, now) {
        err(out, &code);
        return None;
    }
    Some(index)
}

/// [`available`], then the variable (`VAR-NOT-SUPPORTED` when missing).
fn available_var<'s>(
    server: &'s mut Server,
    now: Instant,
    ups: &str,
    var: &str,
    out: &mut Vec<u8>,
) -> Option<&'s VarState> {
    let index = available(server, now, ups, out)?;
    let state = server.upses.get(index).and_then(|u| u.snapshot.get(var));
    if state.is_none() {
        err(out, &ErrorCode::VarNotSupported);
    }
    state
}

/// `[ RW][ ENUM][ RANGE] STRING:<aux>|NUMBER`, as upsd builds it.
fn type_words(text: &mut String, state: &VarState) {
    if state.has_flag(&VarFlag::Rw) {
        text.push_str(" RW");
    }
    if !state.enums.is_empty() {
        text.push_str(" ENUM");
    }
    if !state.ranges.is_empty() {
        text.push_str(" RANGE");
    }
    if state.has_flag(&VarFlag::String) {
        text.push_str(&format!(" STRING:{}", state.aux));
    } else {
        text.push_str(" NUMBER");
    }
}

/// A description from `cmdvartab`, looked up as upsd 2.8.0 does.
fn description<'d>(found: Option<&'d str>, name: &str) -> &'d str {
    let upstream = name
        .get(..UPSTREAM_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(UPSTREAM_PREFIX));
    if upstream {
        return UNAVAILABLE;
    }
    found.unwrap_or(UNAVAILABLE)
}

/// Appends the words separated by spaces, then a space.
fn start(out: &mut Vec<u8>, words: &[&str]) {
    for word in words {
        out.extend_from_slice(word.as_bytes());
        out.push(b' ');
    }
}

/// Appends `"value"`, escaped as upsd stores values.
pub(crate) fn quoted(out: &mut Vec<u8>, value: &str) {
    let mut text = String::with_capacity(value.len() + 2);
    text.push('"');
    encode_into(value, &mut text);
    text.push('"');
    out.extend_from_slice(text.as_bytes());
}

/// A value, with `FSD ` in front when the latch applies.
fn status_value(out: &mut Vec<u8>, value: &str, fsd: bool) {
    if fsd {
        quoted(out, &format!("FSD {value}"));
    } else {
        quoted(out, value);
    }
}
