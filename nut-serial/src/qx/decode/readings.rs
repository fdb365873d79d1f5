//! The stateless [`decode_reply`]: one reply decoded with every row of a
//! protocol's table that reads it.

use std::collections::BTreeMap;

use super::{Context, ProtoState, accept, convert, window};
use crate::error::Error;
use crate::qx::protocol::Protocol;
use crate::qx::rows::Flags;
use crate::qx::status::{StatusSet, Token};
use crate::qx::tables::table;

/// What [`decode_reply`] read from one reply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readings {
    /// Variables and their values, in table order.
    pub values: Vec<(&'static str, String)>,
    /// Status tokens, in table order.
    pub tokens: Vec<Token>,
    /// Alarm texts.
    pub alarms: Vec<String>,
}

impl Readings {
    /// The value of `name`, if read.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The status set the tokens produce from an empty set.
    pub fn status(&self) -> StatusSet {
        let mut s = StatusSet::default();
        for t in &self.tokens {
            s.apply(*t);
        }
        s
    }
}

/// Decodes one reply to `query` with every row of `protocol`'s table that
/// reads it, without driver state (fresh protocol state, no packs).
///
/// Like NUT's poll: a failing status (`Q`) row fails the whole reply (so a
/// broken reply never yields a status); other rows that fail are left out.
///
/// ```
/// use nut_serial::qx::{Protocol, decode_reply};
///
/// let r = decode_reply(Protocol::Megatec, b"Q1\r",
///     b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r").unwrap();
/// assert_eq!(r.get("input.voltage"), Some("215.0"));
/// assert_eq!(r.status().render().to_string(), "OL");
/// assert!(decode_reply(Protocol::Megatec, b"Q1\r", b"Q1\r").is_err());
/// ```
pub fn decode_reply(protocol: Protocol, query: &[u8], reply: &[u8]) -> Result<Readings, Error> {
    let table = table(protocol).ok_or_else(|| Error::UnimplementedProtocol(protocol.name()))?;
    let mut vars = BTreeMap::new();
    let mut state = ProtoState {
        qs_hex_t: true,
        ..ProtoState::default()
    };
    let mut out = Readings::default();
    let mut first_error = None;
    let mut any = false;
    for row in table.rows().iter().filter(|r| r.query == query) {
        let result = accept(protocol, row, reply).and_then(|accepted| {
            let field = window(row, &accepted)?;
            let mut ctx = Context {
                protocol,
                vars: &vars,
                status: out.status(),
                state: &mut state,
                one_pack: false,
                packs: 1.0,
            };
            convert(row, field, &accepted, &mut ctx)
        });
        match result {
            Ok(o) => {
                any = true;
                if let Some(v) = o.value
                    && !row.flags.has(Flags::NOT_VAR)
                {
                    vars.insert(row.var.to_owned(), v.clone());
                    out.values.push((row.var, v));
                }
                for (name, v) in o.extra {
                    vars.insert(name.to_owned(), v.clone());
                    out.values.push((name, v));
                }
                out.tokens.extend(o.tokens);
                out.alarms.extend(o.alarm);
            }
            Err(e) if row.flags.has(Flags::QUICK) => return Err(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match (any, first_error) {
        (false, Some(e)) => Err(e),
        (false, None) => Err(Error::UnknownCommand(
            String::from_utf8_lossy(query).into_owned(),
        )),
        (true, _) => Ok(out),
    }
}
