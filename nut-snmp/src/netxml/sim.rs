//! A NetXML card simulator: a small HTTP/1.1 server (tokio) serving the
//! pages of a [`Device`] and accepting the SET_OBJECT form.
//!
//! One request per connection (`Connection: close`), bounded head and body
//! sizes and I/O time-outs. The state is shared, so a console or a test
//! can change the device (or make the card fail: [`Availability`]) while
//! the server runs. [`serve_connection`] works on any stream, so a test
//! can put TLS in front of it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::device::{Device, SUBSCRIBE_PATH};
use super::request::SET_PATH;

/// Largest request head (request line and headers) read, in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Largest request body accepted, in bytes.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;
/// Time allowed to read a request or write an answer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Request lines remembered in [`SimState::requests`].
pub const REQUEST_LOG_LEN: usize = 256;
/// The secret the simulator hands out with an alarm subscription.
pub const SUBSCRIPTION_SECRET: i64 = 271_828;
/// Time between two ALARM messages on a subscription channel (one per
/// changed object), so that a reader polling every second or two gets one
/// document per read.
pub const ALARM_SPACING: Duration = Duration::from_millis(1500);

/// How the simulated card answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Availability {
    /// Normally.
    #[default]
    Up,
    /// Every request with this HTTP status (3xx with `Location: /moved`).
    Status(u16),
    /// Connections are closed without an answer.
    Drop,
}

/// What the server serves, shared with whoever drives it.
#[derive(Debug, Default)]
pub struct SimState {
    /// The device.
    pub device: Device,
    /// How requests are answered.
    pub availability: Availability,
    /// Basic credentials required, if any.
    pub credentials: Option<(String, String)>,
    /// The last [`REQUEST_LOG_LEN`] request lines (`GET /path`).
    pub requests: Vec<String>,
    /// The alarm channel's TCP port (set by [`Simulator::bind`]).
    pub alarm_port: u16,
    /// Alarm channels accepted so far.
    pub subscribers: u32,
}

/// The shared state of a running simulator.
pub type Shared = Arc<Mutex<SimState>>;

/// Locks `shared`, recovering from a poisoned lock (the state stays
/// usable: every change to it is a plain assignment).
pub fn lock(shared: &Shared) -> MutexGuard<'_, SimState> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running simulator; stops when dropped.
#[derive(Debug)]
pub struct Simulator {
    addr: SocketAddr,
    shared: Shared,
    task: JoinHandle<()>,
}

impl Simulator {
    /// Listens on `addr` (port 0: any free port) and serves `state`.
    ///
    /// # Errors
    ///
    /// The bind error.
    pub async fn bind(addr: SocketAddr, state: SimState) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let alarms = TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
        let mut state = state;
        state.alarm_port = alarms.local_addr()?.port();
        let shared: Shared = Arc::new(Mutex::new(state));
        let alarm_state = shared.clone();
        let alarm_task = tokio::spawn(async move {
            while let Ok((stream, _)) = alarms.accept().await {
                let state = alarm_state.clone();
                tokio::spawn(async move {
                    let _ = serve_alarm_channel(stream, &state).await;
                });
            }
        });
        let task_state = shared.clone();
        let task = tokio::spawn(async move {
            let _guard = AbortOnDrop(alarm_task);
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let state = task_state.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(stream, &state).await;
                });
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// The address served.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `http://` URL of the card.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }
}

/// Aborts a task when dropped (the alarm listener dies with the server).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One alarm channel: the identification, then an ALARM document for each
/// object that changes (one per [`ALARM_SPACING`]).
async fn serve_alarm_channel(
    mut stream: tokio::net::TcpStream,
    shared: &Shared,
) -> std::io::Result<()> {
    let mut hello = Vec::new();
    tokio::time::timeout(IO_TIMEOUT, async {
        let mut byte = [0u8; 1];
        while hello.len() < 256 && stream.read(&mut byte).await? == 1 {
            if byte[0] == 0 {
                break;
            }
            hello.push(byte[0]);
        }
        Ok::<(), std::io::Error>(())
    })
    .await
    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let mut expected = super::request::subscription_identification(SUBSCRIPTION_SECRET);
    expected.pop();
    if hello != expected {
        stream
            .write_all(b"<Subscription Answer=\"ko\"></Subscription>")
            .await?;
        return Ok(());
    }
    stream
        .write_all(b"<Subscription Answer=\"ok\"></Subscription>")
        .await?;
    let mut seen: Vec<(String, String)> = {
        let mut state = lock(shared);
        state.subscribers += 1;
        state.device.objects().to_vec()
    };
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (changed, date) = {
            let state = lock(shared);
            if state.availability == Availability::Drop {
                return Ok(());
            }
            let changed = state
                .device
                .objects()
                .iter()
                .find(|object| !seen.contains(object))
                .cloned();
            let date = state
                .device
                .get("System.LastAcquisition")
                .unwrap_or_default()
                .to_owned();
            (changed, date)
        };
        let Some((name, value)) = changed else {
            continue;
        };
        match seen.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1.clone_from(&value),
            None => seen.push((name.clone(), value.clone())),
        }
        let message = format!(
            "<ALARM object=\"{}\" value=\"{}\" date=\"{}\"/>",
            super::request::escape(&name),
            super::request::escape(&value),
            super::request::escape(&date)
        );
        tokio::time::timeout(IO_TIMEOUT, stream.write_all(message.as_bytes()))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        tokio::time::sleep(ALARM_SPACING).await;
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request on `stream`, answered from `shared`.
///
/// # Errors
///
/// I/O errors and time-outs; a malformed request is answered 400.
pub async fn serve_connection<S>(mut stream: S, shared: &Shared) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = tokio::time::timeout(IO_TIMEOUT, read_request(&mut stream))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let answer = match request {
        Some(request) => answer(&request, shared),
        None => Some(Answer::status(400)),
    };
    let Some(answer) = answer else {
        return Ok(());
    };
    tokio::time::timeout(IO_TIMEOUT, async {
        stream.write_all(&answer.to_bytes()).await?;
        stream.shutdown().await
    })
    .await
    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
}

struct Request {
    method: String,
    path: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<Option<Request>> {
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            if at + 4 > MAX_HEAD_BYTES {
                return Ok(None);
            }
            break at;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Ok(None);
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = String::from_utf8_lossy(buffer.get(..head_end).unwrap_or_default()).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target)) = (first.next(), first.next()) else {
        return Ok(None);
    };
    let mut length = 0usize;
    let mut authorization = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("content-length") {
            match value.trim().parse::<usize>() {
                Ok(n) if n <= MAX_REQUEST_BODY => length = n,
                _ => return Ok(None),
            }
        } else if name.eq_ignore_ascii_case("authorization") {
            authorization = Some(value.trim().to_owned());
        }
    }
    let mut body = buffer.get(head_end + 4..).unwrap_or_default().to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        body.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    body.truncate(length);
    let path = target.split('?').next().unwrap_or_default().to_owned();
    Ok(Some(Request {
        method: method.to_owned(),
        path,
        authorization,
        body,
    }))
}

struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn status(status: u16) -> Self {
        let mut headers = Vec::new();
        if (300..400).contains(&status) {
            headers.push(("Location", "/moved".to_owned()));
        }
        if status == 401 {
            headers.push(("WWW-Authenticate", "Basic realm=\"NetXML\"".to_owned()));
        }
        Self {
            status,
            headers,
            body: Vec::new(),
        }
    }

    fn xml(body: String) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type", "text/xml".to_owned())],
            body: body.into_bytes(),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            _ => "Status",
        };
        let mut out = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// The answer to `request`, `None` to close without one.
fn answer(request: &Request, shared: &Shared) -> Option<Answer> {
    let mut state = lock(shared);
    if state.requests.len() >= REQUEST_LOG_LEN {
        state.requests.remove(0);
    }
    let line = format!("{} {}", request.method, request.path);
    state.requests.push(line);
    match state.availability {
        Availability::Up => {}
        Availability::Status(status) => return Some(Answer::status(status)),
        Availability::Drop => return None,
    }
    if let Some((user, password)) = &state.credentials {
        let expected = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
        if request.authorization.as_deref() != Some(expected.as_str()) {
            return Some(Answer::status(401));
        }
    }
    Some(match request.method.as_str() {
        "GET" => match state.device.page_at(&request.path) {
            Some(page) => Answer::xml(page),
            None => Answer::status(404),
        },
        "POST" if request.path == SUBSCRIBE_PATH => Answer::xml(format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<Subscription>\n<Port>{}</Port>\n<Secret>{SUBSCRIPTION_SECRET}</Secret>\n</Subscription>\n",
            state.alarm_port
        )),
        "POST" if request.path == SET_PATH => match state.device.apply_set_form(&request.body) {
            Ok(_) => Answer::xml(String::new()),
            Err(_) => Answer::status(400),
        },
        _ => Answer::status(404),
    })
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_encodes() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"admin:secret"), "YWRtaW46c2VjcmV0");
    }
}
