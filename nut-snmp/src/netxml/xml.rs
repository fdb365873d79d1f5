//! A small, bounded XML reader for NetXML documents.
//!
//! NetXML cards send short, flat documents (a few kB, depth ≤ 4), so a
//! hand-written pull parser is enough and keeps the attack surface small:
//!
//! * the input is limited to [`MAX_DOCUMENT_BYTES`], the nesting to
//!   [`MAX_DEPTH`], names to [`MAX_NAME_BYTES`] and attributes per element
//!   to [`MAX_ATTRIBUTES`];
//! * only the five predefined entities and character references are
//!   expanded; a `<!DOCTYPE` is refused, so there are no user-defined,
//!   recursive or external entities at all;
//! * input that is not UTF-8 is read as ISO-8859-1 (what older cards
//!   declare), so every byte string decodes to some text.
//!
//! The reader calls a handler for every start tag, end tag and text piece;
//! names are given as written (NetXML compares them ignoring ASCII case).

use crate::error::{Error, shown};

/// Largest document accepted, in bytes (a full GET_OBJECT page of a
/// three-phase card is about 30 kB).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 16;
/// Longest element or attribute name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Most attributes accepted on one element.
pub const MAX_ATTRIBUTES: usize = 32;

/// One thing the reader found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// `<name a="v" ...>` (or the start half of `<name/>`).
    Start {
        /// The element name.
        name: &'a str,
        /// Its attributes, names as written, values unescaped.
        attributes: Vec<(&'a str, String)>,
    },
    /// `</name>` (or the end half of `<name/>`).
    End {
        /// The element name.
        name: &'a str,
    },
    /// Character data between tags (entities expanded, CDATA as is).
    Text(String),
}

/// Reads `document`, calling `handler` for each [`Event`] in order.
///
/// # Errors
///
/// [`Error::Xml`] for a document that is not well-formed or exceeds a
/// limit; the handler may have seen events before the error.
pub fn read(document: &[u8], mut handler: impl FnMut(Event<'_>)) -> Result<(), Error> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(xml_error(format!(
            "document larger than {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    let text = decode(document);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Reader {
        text,
        pos: 0,
        open: Vec::new(),
        root_seen: false,
    }
    .run(&mut handler)
}

/// UTF-8 as is; anything else as ISO-8859-1.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn xml_error(reason: impl Into<String>) -> Error {
    Error::Xml {
        reason: reason.into(),
    }
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
    open: Vec<&'a str>,
    root_seen: bool,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn run(&mut self, handler: &mut impl FnMut(Event<'_>)) -> Result<(), Error> {
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                break;
            }
            if let Some(after) = rest.strip_prefix("<?") {
                self.pos += 2 + skip_past(after, "?>", "processing instruction")?;
            } else if let Some(after) = rest.strip_prefix("<!--") {
                self.pos += 4 + skip_past(after, "-->", "comment")?;
            } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
                let end = after
                    .find("]]>")
                    .ok_or_else(|| xml_error("unterminated CDATA section"))?;
                self.require_open("CDATA section")?;
                handler(Event::Text(after.get(..end).unwrap_or_default().to_owned()));
                self.pos += 9 + end + 3;
            } else if rest.starts_with("<!") {
                return Err(xml_error(format!(
                    "declarations (DOCTYPE, entities) are not accepted: '{}'",
                    shown(rest)
                )));
            } else if let Some(after) = rest.strip_prefix("</") {
                self.end_tag(after, handler)?;
            } else if let Some(after) = rest.strip_prefix('<') {
                self.start_tag(after, handler)?;
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let piece = rest.get(..end).unwrap_or_default();
                if self.open.is_empty() {
                    if !piece.trim().is_empty() {
                        return Err(xml_error(format!(
                            "text outside the root element: '{}'",
                            shown(piece)
                        )));
                    }
                } else {
                    handler(Event::Text(unescape(piece)?));
                }
                self.pos += end;
            }
        }
        if let Some(name) = self.open.last() {
            return Err(xml_error(format!(
                "document ends inside element '{}'",
                shown(name)
            )));
        }
        if !self.root_seen {
            return Err(xml_error("no root element"));
        }
        Ok(())
    }

    fn require_open(&self, what: &str) -> Result<(), Error> {
        if self.open.is_empty() {
            Err(xml_error(format!("{what} outside the root element")))
        } else {
            Ok(())
        }
    }

    fn end_tag(
        &mut self,
        after: &'a str,
        handler: &mut impl FnMut(Event<'_>),
    ) -> Result<(), Error> {
        let close = after
            .find('>')
            .ok_or_else(|| xml_error("unterminated end tag"))?;
        let name = after.get(..close).unwrap_or_default().trim_end();
        check_name(name)?;
        match self.open.pop() {
            Some(open) if open == name => {}
            Some(open) => {
                return Err(xml_error(format!(
                    "end tag '{}' does not match '{}'",
                    shown(name),
                    shown(open)
                )));
            }
            None => {
                return Err(xml_error(format!(
                    "end tag '{}' without a start tag",
                    shown(name)
                )));
            }
        }
        handler(Event::End { name });
        self.pos += 2 + close + 1;
        Ok(())
    }

    fn start_tag(
        &mut self,
        after: &'a str,
        handler: &mut impl FnMut(Event<'_>),
    ) -> Result<(), Error> {
        if self.open.is_empty() && self.root_seen {
            return Err(xml_error("more than one root element"));
        }
        let name_len = after
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .ok_or_else(|| xml_error("unterminated start tag"))?;
        let name = after.get(..name_len).unwrap_or_default();
        check_name(name)?;
        if self.open.len() >= MAX_DEPTH {
            return Err(xml_error(format!(
                "elements nested deeper than {MAX_DEPTH}"
            )));
        }
        let mut rest = after.get(name_len..).unwrap_or_default();
        let mut attributes = Vec::new();
        let empty = loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if let Some(r) = rest.strip_prefix("/>") {
                rest = r;
                break true;
            }
            if let Some(r) = rest.strip_prefix('>') {
                rest = r;
                break false;
            }
            if rest.is_empty() {
                return Err(xml_error(format!(
                    "unterminated start tag '{}'",
                    shown(name)
                )));
            }
            let (attribute, value, r) = attribute(rest)?;
            if attributes.len() >= MAX_ATTRIBUTES {
                return Err(xml_error(format!(
                    "more than {MAX_ATTRIBUTES} attributes on '{}'",
                    shown(name)
                )));
            }
            attributes.push((attribute, value));
            rest = r;
        };
        self.root_seen = true;
        self.pos = self.text.len() - rest.len();
        handler(Event::Start { name, attributes });
        if empty {
            handler(Event::End { name });
        } else {
            self.open.push(name);
        }
        Ok(())
    }
}

/// `name = "value"` at the start of `text`: the name, the unescaped value
/// and what follows.
fn attribute(text: &str) -> Result<(&str, String, &str), Error> {
    let name_len = text
        .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>' || c == '/')
        .unwrap_or(text.len());
    let name = text.get(..name_len).unwrap_or_default();
    check_name(name)?;
    let rest = text
        .get(name_len..)
        .unwrap_or_default()
        .trim_start_matches(|c: char| c.is_ascii_whitespace());
    let rest = rest
        .strip_prefix('=')
        .ok_or_else(|| xml_error(format!("attribute '{}' has no value", shown(name))))?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let quote = rest
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
        .ok_or_else(|| xml_error(format!("attribute '{}' value is not quoted", shown(name))))?;
    let body = rest.get(1..).unwrap_or_default();
    let end = body
        .find(quote)
        .ok_or_else(|| xml_error(format!("attribute '{}' value is not closed", shown(name))))?;
    let raw = body.get(..end).unwrap_or_default();
    if raw.contains('<') {
        return Err(xml_error(format!(
            "'<' in the value of attribute '{}'",
            shown(name)
        )));
    }
    Ok((
        name,
        unescape(raw)?,
        body.get(end + 1..).unwrap_or_default(),
    ))
}

/// Bytes up to and including `end` in `text`, for skipped constructs.
fn skip_past(text: &str, end: &str, what: &str) -> Result<usize, Error> {
    text.find(end)
        .map(|at| at + end.len())
        .ok_or_else(|| xml_error(format!("unterminated {what}")))
}

fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(xml_error("empty element or attribute name"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(xml_error(format!(
            "name longer than {MAX_NAME_BYTES} bytes: '{}'",
            shown(name)
        )));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>&\"'=/".contains(c))
    {
        return Err(xml_error(format!("invalid name '{}'", shown(name))));
    }
    Ok(())
}

/// Expands the predefined entities and character references of `text`.
fn unescape(text: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let semi = after
            .find(';')
            .filter(|&at| at <= 10)
            .ok_or_else(|| xml_error(format!("unterminated entity: '{}'", shown(after))))?;
        let entity = after.get(..semi).unwrap_or_default();
        out.push(expand(entity)?);
        rest = after.get(semi + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

fn expand(entity: &str) -> Result<char, Error> {
    let code = match entity {
        "lt" => return Ok('<'),
        "gt" => return Ok('>'),
        "amp" => return Ok('&'),
        "quot" => return Ok('"'),
        "apos" => return Ok('\''),
        _ => {
            if let Some(hex) = entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
            {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = entity.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            }
        }
    };
    code.and_then(char::from_u32)
        .filter(|&c| c != '\0')
        .ok_or_else(|| xml_error(format!("unknown entity '&{};'", shown(entity))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(doc: &str) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        read(doc.as_bytes(), |event| {
            out.push(match event {
                Event::Start { name, attributes } => {
                    let attrs: Vec<String> =
                        attributes.iter().map(|(n, v)| format!("{n}={v}")).collect();
                    format!("<{name} {}>", attrs.join(","))
                }
                Event::End { name } => format!("</{name}>"),
                Event::Text(text) => format!("'{text}'"),
            });
        })?;
        Ok(out)
    }

    #[test]
    fn reads_elements_attributes_text_and_entities() {
        let got = events(
            "<?xml version=\"1.0\"?>\n<!-- c --><A x='1' y = \"a&amp;b\"><B/>t&lt;&#65;&#x42;<![CDATA[<raw>]]></A>\n",
        )
        .expect("well-formed");
        assert_eq!(
            got,
            ["<A x=1,y=a&b>", "<B >", "</B>", "'t<AB'", "'<raw>'", "</A>"]
        );
    }

    #[test]
    fn latin1_input_is_decoded() {
        let mut texts = Vec::new();
        read(b"<A>\xe9</A>", |e| {
            if let Event::Text(t) = e {
                texts.push(t);
            }
        })
        .expect("latin-1 accepted");
        assert_eq!(texts, ["é"]);
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let xxe = "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>";
        assert!(matches!(events(xxe), Err(Error::Xml { .. })));
        assert!(matches!(events("<a>&e;</a>"), Err(Error::Xml { .. })));
        assert!(matches!(events("<a>&#0;</a>"), Err(Error::Xml { .. })));
    }

    #[test]
    fn refuses_malformed_documents() {
        for doc in [
            "",
            "text",
            "<a>",
            "<a></b>",
            "</a>",
            "<a x=1></a>",
            "<a x></a>",
            "<a x='1></a>",
            "<a></a><b></b>",
            "<a></a>trailing",
            "<a",
            "<a><!-- open</a>",
            "<a x='<'></a>",
        ] {
            assert!(matches!(events(doc), Err(Error::Xml { .. })), "{doc:?}");
        }
    }

    #[test]
    fn depth_limit_and_limit_plus_one() {
        let nest = |n: usize| "<a>".repeat(n) + &"</a>".repeat(n);
        assert!(events(&nest(MAX_DEPTH)).is_ok());
        assert!(events(&nest(MAX_DEPTH + 1)).is_err());
    }

    #[test]
    fn name_and_attribute_limits() {
        let name = |n: usize| "n".repeat(n);
        assert!(events(&format!("<{0}></{0}>", name(MAX_NAME_BYTES))).is_ok());
        assert!(events(&format!("<{0}></{0}>", name(MAX_NAME_BYTES + 1))).is_err());
        let attrs = |n: usize| {
            let list: String = (0..n).map(|i| format!(" a{i}='x'")).collect();
            format!("<e{list}/>")
        };
        assert!(events(&attrs(MAX_ATTRIBUTES)).is_ok());
        assert!(events(&attrs(MAX_ATTRIBUTES + 1)).is_err());
    }

    #[test]
    fn size_limit_and_limit_plus_one() {
        let doc = |n: usize| {
            let mut d = String::from("<a>");
            d.push_str(&"x".repeat(n - 7));
            d.push_str("</a>");
            d
        };
        assert!(events(&doc(MAX_DOCUMENT_BYTES)).is_ok());
        assert!(events(&doc(MAX_DOCUMENT_BYTES + 1)).is_err());
    }
}
