//! Typed calls shared by both adapters: each pairs a [`Request`] with the
//! function that turns its [`Response`] into a typed value, so that the
//! blocking and tokio clients differ only in how bytes move.

use std::time::Duration;

use super::{Range, Response, UpsEntry, Var};
use crate::Error;
use crate::model::VarType;
use crate::net::{
    ErrorCode, GetQuery, ListItem, ListQuery, Reply, Request, ServerError, TrackingStatus, excerpt,
};

/// Turns a response into a typed value.
pub(crate) type Finish<T> = Box<dyn FnOnce(Response) -> Result<T, Error> + Send>;

/// A request and how to read its answer.
pub(crate) struct Call<T> {
    pub(crate) request: Request,
    pub(crate) finish: Finish<T>,
}

impl<T> Call<T> {
    fn new(
        request: Request,
        finish: impl FnOnce(Response) -> Result<T, Error> + Send + 'static,
    ) -> Self {
        Self {
            request,
            finish: Box::new(finish),
        }
    }
}

fn server_error(e: ServerError) -> Error {
    Error::Server {
        code: e.code,
        extra: e.extra,
    }
}

fn unexpected(expected: &str, got: &Response) -> Error {
    let line = match got {
        Response::Reply(reply) => reply.to_string(),
        Response::List { query, .. } => format!("BEGIN LIST {query}"),
        Response::Raw(line) => line.clone(),
    };
    Error::Protocol {
        expected: expected.to_owned(),
        line: excerpt(&line),
    }
}

/// The single-line reply, with `ERR` turned into [`Error::Server`].
fn reply(response: Response, expected: &str) -> Result<Reply, Error> {
    match response {
        Response::Reply(Reply::Err(e)) => Err(server_error(e)),
        Response::Reply(reply) => Ok(reply),
        other => Err(unexpected(expected, &other)),
    }
}

/// The LIST items, with `ERR` turned into [`Error::Server`].
fn items(response: Response) -> Result<Vec<ListItem>, Error> {
    match response {
        Response::List { items, .. } => Ok(items),
        Response::Reply(Reply::Err(e)) => Err(server_error(e)),
        other => Err(unexpected("a LIST answer", &other)),
    }
}

/// Whether upsd's echo of a name matches what was asked (upsd echoes the
/// client's spelling; names are case-insensitive on its side).
fn same(asked: &str, echoed: &str) -> bool {
    asked.eq_ignore_ascii_case(echoed)
}

fn text(request: Request) -> Call<String> {
    Call::new(request, |r| match reply(r, "a text line")? {
        Reply::Text(text) => Ok(text),
        other => Err(unexpected("a text line", &Response::Reply(other))),
    })
}

/// Expects plain `OK` (any `OK ...` is accepted).
fn ok(request: Request) -> Call<()> {
    let expected = format!("OK to {}", request.command());
    Call::new(request, move |r| match reply(r, &expected)? {
        Reply::Ok | Reply::OkOther(_) => Ok(()),
        other => Err(unexpected(&expected, &Response::Reply(other))),
    })
}

fn list<T: Send + 'static>(query: ListQuery, map: fn(ListItem) -> Option<T>) -> Call<Vec<T>> {
    Call::new(Request::List(query), move |r| {
        Ok(items(r)?.into_iter().filter_map(map).collect())
    })
}

pub(crate) fn ver() -> Call<String> {
    text(Request::Ver)
}

pub(crate) fn netver() -> Call<String> {
    text(Request::Netver)
}

pub(crate) fn help() -> Call<String> {
    text(Request::Help)
}

pub(crate) fn list_ups() -> Call<Vec<UpsEntry>> {
    list(ListQuery::Ups, |item| match item {
        ListItem::Ups { name, desc } => Some(UpsEntry {
            name,
            description: desc,
        }),
        _ => None,
    })
}

pub(crate) fn list_var(ups: &str) -> Call<Vec<Var>> {
    list(
        ListQuery::Var {
            ups: ups.to_owned(),
        },
        |item| match item {
            ListItem::Var { var, value, .. } => Some(Var { name: var, value }),
            _ => None,
        },
    )
}

pub(crate) fn list_rw(ups: &str) -> Call<Vec<Var>> {
    list(
        ListQuery::Rw {
            ups: ups.to_owned(),
        },
        |item| match item {
            ListItem::Rw { var, value, .. } => Some(Var { name: var, value }),
            _ => None,
        },
    )
}

pub(crate) fn list_cmd(ups: &str) -> Call<Vec<String>> {
    list(
        ListQuery::Cmd {
            ups: ups.to_owned(),
        },
        |item| match item {
            ListItem::Cmd { cmd, .. } => Some(cmd),
            _ => None,
        },
    )
}

pub(crate) fn list_enum(ups: &str, var: &str) -> Call<Vec<String>> {
    let query = ListQuery::Enum {
        ups: ups.to_owned(),
        var: var.to_owned(),
    };
    list(query, |item| match item {
        ListItem::Enum { value, .. } => Some(value),
        _ => None,
    })
}

pub(crate) fn list_range(ups: &str, var: &str) -> Call<Vec<Range>> {
    let query = ListQuery::Range {
        ups: ups.to_owned(),
        var: var.to_owned(),
    };
    list(query, |item| match item {
        ListItem::Range { min, max, .. } => Some(Range { min, max }),
        _ => None,
    })
}

pub(crate) fn list_client(ups: &str) -> Call<Vec<String>> {
    list(
        ListQuery::Client {
            ups: ups.to_owned(),
        },
        |item| match item {
            ListItem::Client { addr, .. } => Some(addr),
            _ => None,
        },
    )
}

/// Takes the names a reply echoes and its value out of the reply expected.
type Answer<T> = fn(&Reply) -> Option<(Vec<&str>, T)>;

/// A `GET` answered by one line that echoes the names asked: `answer`
/// takes the echoed names and the value out of the reply it expects, and
/// the names must match what was asked (upsd echoes the client's
/// spelling; names are case-insensitive on its side).
fn get<T: Send + 'static>(
    query: GetQuery,
    keyword: &'static str,
    asked: &[&str],
    answer: Answer<T>,
) -> Call<T> {
    let expected = format!("{keyword} {}", asked.join(" "));
    let asked: Vec<String> = asked.iter().map(|name| (*name).to_owned()).collect();
    Call::new(Request::Get(query), move |r| {
        let reply = reply(r, keyword)?;
        match answer(&reply) {
            Some((echoed, value))
                if echoed.len() == asked.len()
                    && asked.iter().zip(&echoed).all(|(a, e)| same(a, e)) =>
            {
                Ok(value)
            }
            _ => Err(unexpected(&expected, &Response::Reply(reply))),
        }
    })
}

pub(crate) fn get_var(ups: &str, var: &str) -> Call<String> {
    let query = GetQuery::Var {
        ups: ups.to_owned(),
        var: var.to_owned(),
    };
    get(query, "VAR", &[ups, var], |reply| match reply {
        Reply::Var { ups, var, value } => Some((vec![ups, var], value.clone())),
        _ => None,
    })
}

pub(crate) fn get_type(ups: &str, var: &str) -> Call<VarType> {
    let query = GetQuery::Type {
        ups: ups.to_owned(),
        var: var.to_owned(),
    };
    get(query, "TYPE", &[ups, var], |reply| match reply {
        Reply::Type { ups, var, var_type } => Some((vec![ups, var], var_type.clone())),
        _ => None,
    })
}

pub(crate) fn get_desc(ups: &str, var: &str) -> Call<String> {
    let query = GetQuery::Desc {
        ups: ups.to_owned(),
        var: var.to_owned(),
    };
    get(query, "DESC", &[ups, var], |reply| match reply {
        Reply::Desc { ups, var, desc } => Some((vec![ups, var], desc.clone())),
        _ => None,
    })
}

pub(crate) fn get_cmddesc(ups: &str, cmd: &str) -> Call<String> {
    let query = GetQuery::CmdDesc {
        ups: ups.to_owned(),
        cmd: cmd.to_owned(),
    };
    get(query, "CMDDESC", &[ups, cmd], |reply| match reply {
        Reply::CmdDesc { ups, cmd, desc } => Some((vec![ups, cmd], desc.clone())),
        _ => None,
    })
}

pub(crate) fn get_upsdesc(ups: &str) -> Call<String> {
    let query = GetQuery::UpsDesc {
        ups: ups.to_owned(),
    };
    get(query, "UPSDESC", &[ups], |reply| match reply {
        Reply::UpsDesc { ups, desc } => Some((vec![ups], desc.clone())),
        _ => None,
    })
}

pub(crate) fn get_numlogins(ups: &str) -> Call<u32> {
    let query = GetQuery::NumLogins {
        ups: ups.to_owned(),
    };
    get(query, "NUMLOGINS", &[ups], |reply| match reply {
        Reply::NumLogins { ups, count } => Some((vec![ups], *count)),
        _ => None,
    })
}

pub(crate) fn username(name: &str) -> Call<()> {
    ok(Request::Username(name.to_owned()))
}

pub(crate) fn password(password: &str) -> Call<()> {
    ok(Request::Password(password.to_owned()))
}

pub(crate) fn login(ups: &str) -> Call<()> {
    ok(Request::Login {
        ups: ups.to_owned(),
    })
}

pub(crate) fn logout() -> Call<()> {
    Call::new(Request::Logout, |r| match reply(r, "OK Goodbye")? {
        // Servers before 2.8 answer a bare `Goodbye...`.
        Reply::OkGoodbye | Reply::Ok | Reply::OkOther(_) => Ok(()),
        Reply::Text(text) if text.starts_with("Goodbye") => Ok(()),
        other => Err(unexpected("OK Goodbye", &Response::Reply(other))),
    })
}

pub(crate) fn primary(ups: &str) -> Call<()> {
    Call::new(
        Request::Primary {
            ups: ups.to_owned(),
        },
        |r| match reply(r, "OK PRIMARY-GRANTED")? {
            Reply::OkPrimaryGranted | Reply::OkMasterGranted | Reply::Ok | Reply::OkOther(_) => {
                Ok(())
            }
            other => Err(unexpected("OK PRIMARY-GRANTED", &Response::Reply(other))),
        },
    )
}

pub(crate) fn master(ups: &str) -> Call<()> {
    Call::new(
        Request::Master {
            ups: ups.to_owned(),
        },
        |r| match reply(r, "OK MASTER-GRANTED")? {
            Reply::OkMasterGranted | Reply::OkPrimaryGranted | Reply::Ok | Reply::OkOther(_) => {
                Ok(())
            }
            other => Err(unexpected("OK MASTER-GRANTED", &Response::Reply(other))),
        },
    )
}

/// Whether a PRIMARY failure means "old server, try MASTER".
pub(crate) fn primary_unsupported(error: &Error) -> bool {
    matches!(
        error.server_code(),
        Some(ErrorCode::UnknownCommand | ErrorCode::InvalidArgument)
    )
}

pub(crate) fn fsd(ups: &str) -> Call<()> {
    Call::new(
        Request::Fsd {
            ups: ups.to_owned(),
        },
        |r| match reply(r, "OK FSD-SET")? {
            Reply::OkFsdSet | Reply::Ok | Reply::OkOther(_) => Ok(()),
            other => Err(unexpected("OK FSD-SET", &Response::Reply(other))),
        },
    )
}

/// `OK` → `None`, `OK TRACKING <id>` → `Some(id)`.
fn tracked(request: Request) -> Call<Option<String>> {
    Call::new(request, |r| match reply(r, "OK")? {
        Reply::Ok | Reply::OkOther(_) => Ok(None),
        Reply::OkTracking(id) => Ok(Some(id)),
        other => Err(unexpected("OK", &Response::Reply(other))),
    })
}

pub(crate) fn set_var(ups: &str, var: &str, value: &str) -> Call<Option<String>> {
    tracked(Request::SetVar {
        ups: ups.to_owned(),
        var: var.to_owned(),
        value: value.to_owned(),
    })
}

pub(crate) fn instcmd(ups: &str, cmd: &str, param: Option<&str>) -> Call<Option<String>> {
    tracked(Request::Instcmd {
        ups: ups.to_owned(),
        cmd: cmd.to_owned(),
        param: param.map(str::to_owned),
    })
}

pub(crate) fn set_tracking(on: bool) -> Call<()> {
    ok(Request::SetTracking(on))
}

pub(crate) fn tracking_enabled() -> Call<bool> {
    let request = Request::Get(GetQuery::Tracking { id: None });
    Call::new(request, |r| match reply(r, "ON or OFF")? {
        Reply::TrackingMode(on) => Ok(on),
        other => Err(unexpected("ON or OFF", &Response::Reply(other))),
    })
}

/// Every `ERR` is a final result here (as upscmd/upsrw print it), including
/// `ERR FEATURE-NOT-CONFIGURED` when tracking is off on this connection.
pub(crate) fn get_tracking(id: &str) -> Call<TrackingStatus> {
    let request = Request::Get(GetQuery::Tracking {
        id: Some(id.to_owned()),
    });
    Call::new(request, |r| match r {
        Response::Reply(Reply::Pending) => Ok(TrackingStatus::Pending),
        Response::Reply(Reply::Success) => Ok(TrackingStatus::Success),
        Response::Reply(Reply::Err(e)) => Ok(TrackingStatus::Failed(e.code)),
        other => Err(unexpected("PENDING, SUCCESS or ERR", &other)),
    })
}

/// What to do after one `GET TRACKING` answer while waiting for a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TrackingStep {
    /// The request is settled (any status but PENDING).
    Settled(TrackingStatus),
    /// Still PENDING: poll again after this pause.
    Wait(Duration),
}

/// The next step of waiting for tracked request `id`, `elapsed` after the
/// first poll: settled unless PENDING, else a pause of `poll` that never
/// goes past `timeout`.
///
/// # Errors
///
/// [`Error::TrackingTimeout`] when still PENDING once `timeout` has passed.
pub(crate) fn tracking_step(
    id: &str,
    status: TrackingStatus,
    elapsed: Duration,
    timeout: Duration,
    poll: Duration,
) -> Result<TrackingStep, Error> {
    if status != TrackingStatus::Pending {
        return Ok(TrackingStep::Settled(status));
    }
    if elapsed >= timeout {
        return Err(Error::TrackingTimeout {
            id: id.to_owned(),
            after: timeout,
        });
    }
    Ok(TrackingStep::Wait(poll.min(timeout - elapsed)))
}

/// `OK STARTTLS`, or [`Error::StartTlsRefused`].
#[cfg_attr(
    not(any(all(feature = "blocking", feature = "tls"), feature = "tokio-tls")),
    allow(dead_code)
)]
pub(crate) fn starttls() -> Call<()> {
    Call::new(Request::StartTls, |r| match r {
        Response::Reply(Reply::OkStartTls) => Ok(()),
        Response::Reply(Reply::Err(e)) => Err(Error::StartTlsRefused { code: e.code }),
        other => Err(unexpected("OK STARTTLS", &other)),
    })
}

/// The first line of a raw answer.
pub(crate) fn raw_line(response: Response) -> Result<String, Error> {
    match response {
        Response::Raw(line) => Ok(line),
        other => Err(unexpected("a raw line", &other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn tracking_waits_until_settled_or_timed_out() {
        let step = |status, elapsed| tracking_step("id", status, elapsed, 10 * SECOND, SECOND);
        assert_eq!(
            step(TrackingStatus::Success, 99 * SECOND).unwrap(),
            TrackingStep::Settled(TrackingStatus::Success)
        );
        assert_eq!(
            step(TrackingStatus::Pending, Duration::ZERO).unwrap(),
            TrackingStep::Wait(SECOND)
        );
        // The last pause ends at the timeout, not after it.
        assert_eq!(
            step(TrackingStatus::Pending, 9_500 * Duration::from_millis(1)).unwrap(),
            TrackingStep::Wait(Duration::from_millis(500))
        );
        assert!(matches!(
            step(TrackingStatus::Pending, 10 * SECOND),
            Err(Error::TrackingTimeout { after, .. }) if after == 10 * SECOND
        ));
    }
}
