//! The NetXML documents a card serves, read into typed values.
//!
//! [`Document::parse`] recognises the root element (names compared
//! ignoring ASCII case, as netxml-ups does) and keeps what netxml-ups
//! uses from each kind of page; everything else in a document is skipped.

use super::xml::{self, Event};
use crate::error::{Error, shown};

/// An object value is cut to this many characters (netxml-ups's buffer).
pub const MAX_VALUE_CHARS: usize = 127;

/// A parsed NetXML document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Document {
    /// `PRODUCT_INFO` (product.xml).
    Product(Product),
    /// `SUMMARY` (the summary page): objects in document order.
    Summary(Vec<Object>),
    /// `GET_OBJECT` (the object page): objects in document order.
    GetObject(Vec<Object>),
    /// `ALARM` (a subscription message).
    Alarm {
        /// The object and value the alarm carries.
        object: Object,
        /// The `date` attribute, when present.
        date: Option<String>,
    },
    /// `XML-CLIENT` (the configure document): the `SHUTDOWN` element's
    /// `shutdownTimer` and `shutdownDuration`.
    ClientConfig {
        /// `shutdownTimer`.
        shutdown_timer: Option<String>,
        /// `shutdownDuration`.
        shutdown_duration: Option<String>,
    },
    /// `SET_OBJECT` (a set request or reply): netxml-ups uses nothing of
    /// it; the simulator applies its objects.
    SetObject(Vec<Object>),
}

/// One `OBJECT name="...">value<` of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The XML object name.
    pub name: String,
    /// Its text (newlines dropped, cut to [`MAX_VALUE_CHARS`]).
    pub value: String,
}

/// What product.xml says about the card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Product {
    /// `name` attribute.
    pub name: Option<String>,
    /// `type` attribute.
    pub kind: Option<String>,
    /// `version` attribute.
    pub version: Option<String>,
    /// `SUMMARY/XML_SUMMARY_PAGE@url`, normalised.
    pub summary: Option<String>,
    /// `SUMMARY/CENTRAL_CFG@url`, normalised.
    pub configure: Option<String>,
    /// `ALARMS/SUBSCRIPTION@url`, normalised.
    pub subscribe: Option<String>,
    /// `UPS_DATA|DEV_DATA/GET_OBJECT@url`, normalised.
    pub get_object: Option<String>,
    /// `UPS_DATA|DEV_DATA/SET_OBJECT@url`, normalised.
    pub set_object: Option<String>,
}

/// The kinds of root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    Product,
    Summary,
    GetObject,
    Alarm,
    ClientConfig,
    SetObject,
}

impl Root {
    fn of(name: &str) -> Option<Self> {
        [
            ("PRODUCT_INFO", Self::Product),
            ("SUMMARY", Self::Summary),
            ("GET_OBJECT", Self::GetObject),
            ("ALARM", Self::Alarm),
            ("XML-CLIENT", Self::ClientConfig),
            ("SET_OBJECT", Self::SetObject),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, root)| root)
    }
}

/// A URL learned from product.xml: a leading `/` added, cut at the first
/// white space (`ws/summary.xml` → `/ws/summary.xml`).
pub fn normalise_url(url: &str) -> String {
    let cut = url
        .split(|c: char| c.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    if cut.starts_with('/') {
        cut.to_owned()
    } else {
        format!("/{cut}")
    }
}

fn attr<'a>(attributes: &'a [(&str, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn is(name: &str, expected: &str) -> bool {
    name.eq_ignore_ascii_case(expected)
}

/// Builds a [`Document`] from reader events.
#[derive(Default)]
struct Builder {
    root: Option<Root>,
    path: Vec<String>,
    product: Product,
    objects: Vec<Object>,
    current: Option<(String, String)>,
    alarm: Option<(Object, Option<String>)>,
    shutdown_timer: Option<String>,
    shutdown_duration: Option<String>,
    error: Option<Error>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        if self.error.is_some() {
            return;
        }
        match event {
            Event::Start { name, attributes } => {
                self.start(name, &attributes);
                self.path.push(name.to_owned());
            }
            Event::End { .. } => {
                self.path.pop();
                if self.path.len() == 1
                    && let Some((name, value)) = self.current.take()
                {
                    self.objects.push(Object { name, value });
                }
            }
            Event::Text(text) => {
                if let Some((_, value)) = self.current.as_mut() {
                    for c in text.chars().filter(|&c| c != '\n') {
                        if value.chars().count() >= MAX_VALUE_CHARS {
                            break;
                        }
                        value.push(c);
                    }
                }
            }
        }
    }

    fn start(&mut self, name: &str, attributes: &[(&str, String)]) {
        let depth = self.path.len();
        if depth == 0 {
            let Some(root) = Root::of(name) else {
                self.error = Some(Error::Netxml(format!("unknown document '{}'", shown(name))));
                return;
            };
            self.root = Some(root);
            match root {
                Root::Product => self.product_root(attributes),
                Root::Alarm => {
                    let object = Object {
                        name: attr(attributes, "object").unwrap_or_default().to_owned(),
                        value: attr(attributes, "value")
                            .unwrap_or_default()
                            .chars()
                            .take(MAX_VALUE_CHARS)
                            .collect(),
                    };
                    let date = attr(attributes, "date").map(str::to_owned);
                    self.alarm = Some((object, date));
                }
                _ => {}
            }
            return;
        }
        let url = || attr(attributes, "url").map(normalise_url);
        let parent = self.path.last().map(String::as_str).unwrap_or_default();
        match self.root {
            Some(Root::Product) if depth == 2 => {
                if is(parent, "SUMMARY") && is(name, "XML_SUMMARY_PAGE") {
                    self.product.summary = url();
                } else if is(parent, "SUMMARY") && is(name, "CENTRAL_CFG") {
                    self.product.configure = url();
                } else if is(parent, "ALARMS") && is(name, "SUBSCRIPTION") {
                    self.product.subscribe = url();
                } else if (is(parent, "UPS_DATA") || is(parent, "DEV_DATA"))
                    && is(name, "GET_OBJECT")
                {
                    self.product.get_object = url();
                } else if (is(parent, "UPS_DATA") || is(parent, "DEV_DATA"))
                    && is(name, "SET_OBJECT")
                {
                    self.product.set_object = url();
                }
            }
            Some(Root::Summary | Root::GetObject | Root::SetObject)
                if depth == 1 && is(name, "OBJECT") =>
            {
                let object = attr(attributes, "name").unwrap_or_default().to_owned();
                self.current = Some((object, String::new()));
            }
            Some(Root::ClientConfig) if (1..=2).contains(&depth) && is(name, "SHUTDOWN") => {
                self.shutdown_timer = attr(attributes, "shutdownTimer").map(str::to_owned);
                self.shutdown_duration = attr(attributes, "shutdownDuration").map(str::to_owned);
            }
            _ => {}
        }
    }

    fn product_root(&mut self, attributes: &[(&str, String)]) {
        if attr(attributes, "protocol").is_some_and(|p| p.eq_ignore_ascii_case("XML.V4")) {
            self.error = Some(Error::Netxml("XML v4 protocol is not supported!".into()));
            return;
        }
        self.product.name = attr(attributes, "name").map(str::to_owned);
        self.product.kind = attr(attributes, "type").map(str::to_owned);
        self.product.version = attr(attributes, "version").map(str::to_owned);
    }

    fn finish(self) -> Result<Document, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let objects = || {
            self.objects
                .into_iter()
                .filter(|o| !o.value.is_empty())
                .collect()
        };
        Ok(match self.root {
            Some(Root::Product) => Document::Product(self.product),
            Some(Root::Summary) => Document::Summary(objects()),
            Some(Root::GetObject) => Document::GetObject(objects()),
            Some(Root::Alarm) => {
                let (object, date) = self.alarm.unwrap_or_else(|| {
                    (
                        Object {
                            name: String::new(),
                            value: String::new(),
                        },
                        None,
                    )
                });
                Document::Alarm { object, date }
            }
            Some(Root::ClientConfig) => Document::ClientConfig {
                shutdown_timer: self.shutdown_timer,
                shutdown_duration: self.shutdown_duration,
            },
            Some(Root::SetObject) => Document::SetObject(objects()),
            None => {
                return Err(Error::Xml {
                    reason: "no root element".into(),
                });
            }
        })
    }
}

impl Document {
    /// Reads a NetXML page (whatever the HTTP Content-Type said).
    ///
    /// # Errors
    ///
    /// [`Error::Xml`] for malformed XML or a reader limit,
    /// [`Error::Netxml`] for an unknown root element or the unsupported
    /// `XML.V4` product protocol.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut builder = Builder::default();
        xml::read(body, |event| builder.event(event))?;
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_page() {
        let doc = br#"<?xml version="1.0" encoding="ISO-8859-1"?>
<product_info name="NMC" type="Mosaic 4M" version="BA (SN 12)" protocol="XML.V3">
<SUMMARY><XML_SUMMARY_PAGE url="upsprop.xml"/><CENTRAL_CFG url="/config.xml x"/></SUMMARY>
<ALARMS><SUBSCRIPTION url="ECV.cgi"/></ALARMS>
<DEV_DATA><GET_OBJECT url="getvalue.cgi"/><SET_OBJECT url="setvalue.cgi"/></DEV_DATA>
<GET_OBJECT url="ignored-at-depth-1"/>
</product_info>"#;
        let Document::Product(p) = Document::parse(doc).expect("parses") else {
            panic!("not a product page");
        };
        assert_eq!(p.name.as_deref(), Some("NMC"));
        assert_eq!(p.kind.as_deref(), Some("Mosaic 4M"));
        assert_eq!(p.version.as_deref(), Some("BA (SN 12)"));
        assert_eq!(p.summary.as_deref(), Some("/upsprop.xml"));
        assert_eq!(p.configure.as_deref(), Some("/config.xml"));
        assert_eq!(p.subscribe.as_deref(), Some("/ECV.cgi"));
        assert_eq!(p.get_object.as_deref(), Some("/getvalue.cgi"));
        assert_eq!(p.set_object.as_deref(), Some("/setvalue.cgi"));
    }

    #[test]
    fn xml_v4_is_refused() {
        let doc = br#"<PRODUCT_INFO protocol="XML.V4"/>"#;
        assert_eq!(
            Document::parse(doc),
            Err(Error::Netxml("XML v4 protocol is not supported!".into()))
        );
    }

    #[test]
    fn objects_keep_order_drop_empty_and_newlines_and_are_cut() {
        let long = "x".repeat(MAX_VALUE_CHARS + 1);
        let doc = format!(
            "<GET_OBJECT><OBJECT name=\"A\">1\n2</OBJECT><OBJECT name=\"B\"></OBJECT>\
             <OBJECT name=\"C\" unit=\"V\">{long}</OBJECT></GET_OBJECT>"
        );
        let Ok(Document::GetObject(objects)) = Document::parse(doc.as_bytes()) else {
            panic!("not a GET_OBJECT page");
        };
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].value, "12");
        assert_eq!(objects[1].name, "C");
        assert_eq!(objects[1].value.chars().count(), MAX_VALUE_CHARS);
    }

    #[test]
    fn alarm_and_client_config() {
        let doc = br#"<ALARM object="UPS.PowerSummary.PresentStatus.ACPresent" value="0" date="2026/01/02 03:04:05"/>"#;
        assert_eq!(
            Document::parse(doc),
            Ok(Document::Alarm {
                object: Object {
                    name: "UPS.PowerSummary.PresentStatus.ACPresent".into(),
                    value: "0".into()
                },
                date: Some("2026/01/02 03:04:05".into()),
            })
        );
        let doc = br#"<XML-CLIENT><GENERAL/><SHUTDOWN shutdownTimer="NONE" shutdownDuration="120"/></XML-CLIENT>"#;
        assert_eq!(
            Document::parse(doc),
            Ok(Document::ClientConfig {
                shutdown_timer: Some("NONE".into()),
                shutdown_duration: Some("120".into()),
            })
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Document::parse(&bytes);
        }

        #[test]
        fn objects_round_trip(
            objects in proptest::collection::vec(("[A-Za-z][A-Za-z0-9.\\[\\]]{0,40}", "[ -~]{1,60}"), 0..20)
        ) {
            let mut doc = String::from("<?xml version=\"1.0\"?>\n<SUMMARY>\n");
            for (name, value) in &objects {
                doc.push_str(&format!(
                    "<OBJECT name=\"{}\">{}</OBJECT>\n",
                    super::super::request::escape(name),
                    super::super::request::escape(value)
                ));
            }
            doc.push_str("</SUMMARY>\n");
            let expected: Vec<Object> = objects
                .iter()
                .map(|(name, value)| Object { name: name.clone(), value: value.clone() })
                .collect();
            proptest::prop_assert_eq!(Document::parse(doc.as_bytes()), Ok(Document::Summary(expected)));
        }
    }

    #[test]
    fn unknown_root_is_an_error() {
        assert!(matches!(
            Document::parse(b"<html><body/></html>"),
            Err(Error::Netxml(_))
        ));
    }
}
