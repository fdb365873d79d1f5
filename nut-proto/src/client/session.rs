//! The sans-IO client session: requests in, bytes out; bytes in, typed
//! responses out. Both IO adapters drive one of these.

use std::collections::VecDeque;

use crate::Error;
use crate::net::{ListItem, ListLine, ListQuery, Reply, Request, excerpt};

/// Longest reply line accepted by default, in bytes. upsd's longest lines
/// carry a 512-byte value escaped (up to 1 KiB) plus names; this leaves
/// ample room while bounding what a hostile server can make us buffer.
pub const MAX_REPLY_LINE_LEN: usize = 16 * 1024;

/// Most items accepted in one LIST answer by default. Real devices publish
/// a few hundred variables.
pub const MAX_LIST_ENTRIES: usize = 65_536;

/// Bounds applied by a [`Session`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Bytes allowed in one reply line (without its LF).
    pub max_line_len: usize,
    /// Items allowed in one LIST answer.
    pub max_list_entries: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            max_line_len: MAX_REPLY_LINE_LEN,
            max_list_entries: MAX_LIST_ENTRIES,
        }
    }
}

/// One complete answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// A single-line answer (may be [`Reply::Err`]).
    Reply(Reply),
    /// A whole LIST answer, items checked against the query.
    List {
        /// The query, as echoed in `BEGIN LIST`.
        query: ListQuery,
        /// The items in the order served.
        items: Vec<ListItem>,
    },
    /// The first reply line of a raw request, verbatim (without LF/CR).
    Raw(String),
}

/// What the session waits for, one per request sent.
#[derive(Debug, Clone)]
enum Expect {
    Single,
    List(ListQuery),
    Raw,
}

/// A LIST answer being assembled.
#[derive(Debug)]
struct Assembly {
    query: ListQuery,
    items: Vec<ListItem>,
    /// The first bad item line; reported once `END LIST` arrives so that the
    /// stream stays in step.
    error: Option<Error>,
}

/// A raw request whose answer turned out to be a LIST: its first line is
/// kept, the rest skipped up to `END LIST`.
#[derive(Debug)]
struct RawList {
    first: String,
    lines: usize,
}

/// A sans-IO NUT client connection.
///
/// Drive it with: [`Session::send`] (queues a request), [`Session::poll_transmit`]
/// (bytes to write), [`Session::handle_input`] / [`Session::handle_eof`]
/// (bytes read), [`Session::poll_response`] (answers, in request order).
/// Requests may be pipelined; answers come back in order.
///
/// ```
/// use nut_proto::client::{Response, Session};
/// use nut_proto::net::{ListQuery, Request};
///
/// let mut session = Session::new();
/// session.send(&Request::List(ListQuery::Ups));
/// let mut wire = Vec::new();
/// assert!(session.poll_transmit(&mut wire));
/// assert_eq!(wire, b"LIST UPS\n");
///
/// session.handle_input(b"BEGIN LIST UPS\nUPS ups \"Rack\"\nEND LIST UPS\n");
/// let Some(Ok(Response::List { items, .. })) = session.poll_response() else { panic!() };
/// assert_eq!(items.len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct Session {
    limits: SessionLimits,
    transmit: Vec<u8>,
    input: Vec<u8>,
    expected: VecDeque<Expect>,
    assembly: Option<Assembly>,
    raw_list: Option<RawList>,
    responses: VecDeque<Result<Response, Error>>,
    broken: bool,
}

impl Session {
    /// A session with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A session with the given limits.
    pub fn with_limits(limits: SessionLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Queues `request`; its bytes are available from [`Session::poll_transmit`].
    pub fn send(&mut self, request: &Request) {
        request.encode(&mut self.transmit);
        self.expected.push_back(match request {
            Request::List(query) => Expect::List(query.clone()),
            _ => Expect::Single,
        });
    }

    /// Queues a raw request line (without LF); its answer is
    /// [`Response::Raw`] with the first reply line verbatim. When that line
    /// is `BEGIN LIST`, the rest of the list is read and dropped.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when `line` holds CR or LF (it would be
    /// two requests).
    pub fn send_raw(&mut self, line: &str) -> Result<(), Error> {
        if line.contains(['\n', '\r']) {
            return Err(Error::InvalidRequest {
                reason: "raw line holds a line break",
            });
        }
        self.transmit.extend_from_slice(line.as_bytes());
        self.transmit.push(b'\n');
        self.expected.push_back(Expect::Raw);
        Ok(())
    }

    /// Moves the bytes waiting to be written into `out`; `false` when there
    /// were none.
    #[must_use]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        if self.transmit.is_empty() {
            return false;
        }
        out.append(&mut self.transmit);
        true
    }

    /// Feeds bytes read from the server.
    pub fn handle_input(&mut self, bytes: &[u8]) {
        if self.broken {
            return;
        }
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(pos);
            rest = tail.get(1..).unwrap_or_default();
            if self.input.len() + head.len() > self.limits.max_line_len {
                self.fail(Error::LineTooLong {
                    limit: self.limits.max_line_len,
                });
                return;
            }
            self.input.extend_from_slice(head);
            let raw = std::mem::take(&mut self.input);
            let text = String::from_utf8_lossy(&raw);
            let line = text.strip_suffix('\r').unwrap_or(&text);
            self.handle_line(line);
            if self.broken {
                return;
            }
        }
        if self.input.len() + rest.len() > self.limits.max_line_len {
            self.fail(Error::LineTooLong {
                limit: self.limits.max_line_len,
            });
            return;
        }
        self.input.extend_from_slice(rest);
    }

    /// The server closed the connection: every answer still awaited fails
    /// with [`Error::Closed`] (naming the LIST if one was half received).
    pub fn handle_eof(&mut self) {
        if self.broken {
            return;
        }
        let during = self.assembly.as_ref().map(|a| format!("LIST {}", a.query));
        self.fail(Error::Closed { during });
    }

    /// The next complete answer (or error), in request order.
    #[must_use]
    pub fn poll_response(&mut self) -> Option<Result<Response, Error>> {
        self.responses.pop_front()
    }

    /// Requests sent whose answers have not been returned yet.
    pub fn pending(&self) -> usize {
        self.expected.len()
    }

    /// Whether bytes of an unfinished line or answer are buffered (e.g.
    /// unexpected data before a TLS handshake).
    pub fn has_buffered_input(&self) -> bool {
        !self.input.is_empty() || self.assembly.is_some() || self.raw_list.is_some()
    }

    /// Call once `OK STARTTLS` was read, before the TLS handshake: bytes
    /// already buffered after it would be lost to TLS, so they fail the
    /// session.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] when the server sent data before the handshake; the
    /// session is then unusable.
    pub fn prepare_tls(&mut self) -> Result<(), Error> {
        if self.has_buffered_input() {
            self.mark_broken();
            return Err(Error::Tls(
                "server sent data before the TLS handshake".into(),
            ));
        }
        Ok(())
    }

    /// Whether a fatal error (line or list too long, unexpected line,
    /// server closed) made the session unusable.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Marks the session unusable, e.g. after LOGOUT or a transport error.
    pub fn mark_broken(&mut self) {
        self.broken = true;
    }

    /// Fails the current expectation with `error` and all later ones with
    /// [`Error::Broken`]; the session is unusable afterwards.
    fn fail(&mut self, error: Error) {
        self.broken = true;
        self.assembly = None;
        self.raw_list = None;
        self.input.clear();
        let mut first = Some(error);
        for _ in self.expected.drain(..) {
            self.responses
                .push_back(Err(first.take().unwrap_or(Error::Broken)));
        }
        if let Some(error) = first {
            self.responses.push_back(Err(error));
        }
    }

    fn respond(&mut self, response: Result<Response, Error>) {
        self.expected.pop_front();
        self.responses.push_back(response);
    }

    fn handle_line(&mut self, line: &str) {
        if let Some(raw) = &mut self.raw_list {
            raw.lines += 1;
            let done = line.starts_with("END LIST");
            if raw.lines > self.limits.max_list_entries {
                let query = raw.first.clone();
                self.fail(Error::ListTooLong {
                    query,
                    limit: self.limits.max_list_entries,
                });
            } else if done {
                let first = raw.first.clone();
                self.raw_list = None;
                self.respond(Ok(Response::Raw(first)));
            }
            return;
        }
        if self.assembly.is_some() {
            self.handle_list_line(line);
            return;
        }
        match self.expected.front().cloned() {
            None => self.fail(Error::Protocol {
                expected: "no data (nothing was asked)".to_owned(),
                line: excerpt(line),
            }),
            Some(Expect::Raw) => {
                if line.starts_with("BEGIN LIST ") {
                    self.raw_list = Some(RawList {
                        first: line.to_owned(),
                        lines: 0,
                    });
                } else {
                    self.respond(Ok(Response::Raw(line.to_owned())));
                }
            }
            Some(Expect::Single) => {
                let reply = Reply::decode(line)
                    .map(Response::Reply)
                    .map_err(Error::from);
                self.respond(reply);
            }
            Some(Expect::List(query)) => self.handle_list_start(query, line),
        }
    }

    fn handle_list_start(&mut self, query: ListQuery, line: &str) {
        if line.starts_with("ERR") {
            let reply = Reply::decode(line)
                .map(Response::Reply)
                .map_err(Error::from);
            self.respond(reply);
            return;
        }
        match ListLine::decode(line) {
            Ok(ListLine::Begin(begun)) if begun == query => {
                self.assembly = Some(Assembly {
                    query,
                    items: Vec::new(),
                    error: None,
                });
            }
            // Anything else means we no longer know where the answer ends.
            _ => self.fail(Error::Protocol {
                expected: format!("BEGIN LIST {query}"),
                line: excerpt(line),
            }),
        }
    }

    fn handle_list_line(&mut self, line: &str) {
        let Some(assembly) = &mut self.assembly else {
            return;
        };
        match ListLine::decode(line) {
            Ok(ListLine::End(ended)) if ended == assembly.query => {
                let done = self.assembly.take();
                if let Some(Assembly {
                    query,
                    items,
                    error,
                }) = done
                {
                    self.respond(match error {
                        Some(error) => Err(error),
                        None => Ok(Response::List { query, items }),
                    });
                }
            }
            Ok(ListLine::Item(item)) if assembly.query.admits(&item) => {
                if assembly.items.len() >= self.limits.max_list_entries {
                    let query = format!("LIST {}", assembly.query);
                    self.fail(Error::ListTooLong {
                        query,
                        limit: self.limits.max_list_entries,
                    });
                } else {
                    assembly.items.push(item);
                }
            }
            Ok(ListLine::Begin(_) | ListLine::End(_)) => {
                let expected = format!("END LIST {}", assembly.query);
                self.fail(Error::Protocol {
                    expected,
                    line: excerpt(line),
                });
            }
            Ok(ListLine::Item(_)) => {
                let expected = format!("an item of LIST {}", assembly.query);
                assembly.error.get_or_insert_with(|| Error::Protocol {
                    expected,
                    line: excerpt(line),
                });
            }
            Err(e) => {
                assembly.error.get_or_insert_with(|| e.into());
            }
        }
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
