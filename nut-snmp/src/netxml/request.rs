//! The requests netxml-ups sends besides plain GETs, built as data: the
//! SET_OBJECT form (sets and shutdown) and the alarm subscription.

use crate::error::Error;

/// The path of the SET_OBJECT form.
pub const SET_PATH: &str = "/Forms/set_obj_2";
/// The multipart boundary netxml-ups uses.
pub const BOUNDARY: &str = "NUT-NETXML-UPS-OBJECTS";
/// The subscription reply is read up to this many bytes.
pub const MAX_SUBSCRIBE_REPLY: usize = 4096;

/// An HTTP request to the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: Method,
    /// The path on the card (starts with `/`).
    pub path: String,
    /// The `Content-Type` of the body, for a POST.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// Escapes text for an XML element body (netxml-ups sends the value raw;
/// a value with `<` or `&` would break the card's document, so we escape).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The multipart POST that sets XML object `object` to `value`.
pub fn set_object(object: &str, value: &str) -> HttpRequest {
    let body = format!(
        "--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"Configuration.xml\"\r\n\
         Content-Type: application/octet-stream\r\n\
         \r\n\
         <?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
         <SET_OBJECT>\r\n\
         \x20 <OBJECT name=\"{}\">{}</OBJECT>\r\n\
         </SET_OBJECT>\r\n\
         --{BOUNDARY}--\r\n",
        escape(object),
        escape(value)
    );
    HttpRequest {
        method: Method::Post,
        path: SET_PATH.to_owned(),
        content_type: Some(format!("multipart/form-data; boundary={BOUNDARY}")),
        body: body.into_bytes(),
    }
}

/// The subscription POST body (`shutdown_timer` 0 is sent as `NONE`).
pub fn subscribe_body(
    class: &str,
    host_name: &str,
    shutdown_duration: u32,
    shutdown_timer: u32,
) -> String {
    // The timer line ends in CRLF when a timer is set, as netxml-ups's does.
    let timer_line = if shutdown_timer == 0 {
        "<ShutdownTimer>NONE</ShutdownTimer>\n".to_owned()
    } else {
        format!("<ShutdownTimer>{shutdown_timer}</ShutdownTimer>\r\n")
    };
    format!(
        "<?xml version=\"1.0\"?>\n<Subscribe>\n<Class>{}</Class>\n<Type>connected socket</Type>\n\
         <HostName>{}</HostName>\n<XMLClientParameters>\n\
         <ShutdownDuration>{shutdown_duration}</ShutdownDuration>\n\
         {timer_line}<AutoConfig>LOCAL</AutoConfig>\n\
         <OutletGroup>1</OutletGroup>\n</XMLClientParameters>\n<Warning></Warning>\n</Subscribe>\n",
        escape(class),
        escape(host_name),
    )
}

/// The port and secret of a subscription reply (raw text, not XML: lines
/// starting `<Port>` and `<Secret>`).
///
/// # Errors
///
/// [`Error::Netxml`] when either is missing or the port is not 1..65535.
pub fn parse_subscribe_reply(reply: &[u8]) -> Result<(u16, i64), Error> {
    let text = String::from_utf8_lossy(reply.get(..MAX_SUBSCRIBE_REPLY).unwrap_or(reply));
    let mut port = None;
    let mut secret = None;
    for line in text.lines().map(str::trim_start) {
        if let Some(rest) = line.strip_prefix("<Port>") {
            port = Some(super::convert::atoi(rest));
        } else if let Some(rest) = line.strip_prefix("<Secret>") {
            secret = Some(super::convert::atoi(rest));
        }
    }
    let port = port
        .and_then(|p| u16::try_from(p).ok())
        .filter(|&p| p >= 1)
        .ok_or_else(|| Error::Netxml("subscription reply has no valid <Port>".into()))?;
    let secret =
        secret.ok_or_else(|| Error::Netxml("subscription reply has no <Secret>".into()))?;
    Ok((port, secret))
}

/// What is sent on the alarm socket to identify (with its final NUL).
pub fn subscription_identification(secret: i64) -> Vec<u8> {
    let mut out = format!("<Subscription Identification=\"{secret}\"></Subscription>").into_bytes();
    out.push(0);
    out
}

/// Whether the alarm socket's answer accepts the subscription.
pub fn subscription_accepted(answer: &[u8]) -> bool {
    let answer = answer.strip_suffix(&[0]).unwrap_or(answer);
    answer.eq_ignore_ascii_case(b"<Subscription Answer=\"ok\"></Subscription>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_object_form() {
        let request = set_object("System.Contact", "a<b");
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.path, "/Forms/set_obj_2");
        assert_eq!(
            request.content_type.as_deref(),
            Some("multipart/form-data; boundary=NUT-NETXML-UPS-OBJECTS")
        );
        let body = String::from_utf8(request.body).expect("utf-8");
        assert!(body.starts_with("--NUT-NETXML-UPS-OBJECTS\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Configuration.xml\"\r\n"));
        assert!(body.contains("\r\n  <OBJECT name=\"System.Contact\">a&lt;b</OBJECT>\r\n"));
        assert!(body.ends_with("</SET_OBJECT>\r\n--NUT-NETXML-UPS-OBJECTS--\r\n"));
    }

    #[test]
    fn subscribe_body_timer() {
        let none = subscribe_body("netxml-ups v0.44", "host", 120, 0);
        assert!(none.contains(
            "<ShutdownDuration>120</ShutdownDuration>\n<ShutdownTimer>NONE</ShutdownTimer>\n"
        ));
        assert!(none.contains("<HostName>host</HostName>"));
        let timer = subscribe_body("netxml-ups v0.44", "host", 120, 30);
        assert!(timer.contains("<ShutdownTimer>30</ShutdownTimer>\r\n<AutoConfig>"));
    }

    #[test]
    fn subscribe_reply() {
        assert_eq!(
            parse_subscribe_reply(b"<?xml?>\n<Port>4679</Port>\n<Secret>12345</Secret>\n"),
            Ok((4679, 12345))
        );
        assert!(parse_subscribe_reply(b"<Port>0</Port>\n<Secret>1</Secret>").is_err());
        assert!(parse_subscribe_reply(b"<Port>70000</Port>\n<Secret>1</Secret>").is_err());
        assert!(parse_subscribe_reply(b"<Port>1</Port>").is_err());
        assert_eq!(
            subscription_identification(7),
            b"<Subscription Identification=\"7\"></Subscription>\0"
        );
        assert!(subscription_accepted(
            b"<subscription answer=\"OK\"></subscription>\0"
        ));
        assert!(!subscription_accepted(
            b"<Subscription Answer=\"no\"></Subscription>"
        ));
    }
}
