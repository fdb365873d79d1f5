//! A blocking line client that frames any answer, even none: every request
//! is followed by a probe (`GET VAR probe.end server.version`, which upsd
//! answers for any UPS name), and the reply is whatever comes before the
//! probe's answer.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

/// The probe line.
pub(crate) const PROBE: &str = "GET VAR probe.end server.version";
/// How the probe's answer starts.
const PROBE_REPLY: &str = "VAR probe.end server.version ";
/// Read/write timeout.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Longest line accepted.
const MAX_LINE: u64 = 1 << 20;

/// Either end of a connection (TCP or Unix socket).
trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// One connection.
pub(crate) struct Wire {
    reader: BufReader<Box<dyn Stream>>,
    writer: Box<dyn Stream>,
}

impl Wire {
    /// Connects to 127.0.0.1:`port`, retrying for up to 5 s.
    pub(crate) fn connect(port: u16) -> io::Result<Self> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match TcpStream::connect_timeout(&addr, TIMEOUT) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(TIMEOUT))?;
                    stream.set_write_timeout(Some(TIMEOUT))?;
                    stream.set_nodelay(true)?;
                    let writer = Box::new(stream.try_clone()?);
                    return Ok(Self {
                        reader: BufReader::new(Box::new(stream)),
                        writer,
                    });
                }
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Connects to the Unix socket at `path` (no retry: it is bound
    /// before the server runs).
    pub(crate) fn connect_unix(path: &Path) -> io::Result<Self> {
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let writer = Box::new(stream.try_clone()?);
        Ok(Self {
            reader: BufReader::new(Box::new(stream)),
            writer,
        })
    }

    /// Writes raw bytes.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
    }

    /// One line without its LF; `None` at end of stream. A last line
    /// without LF is returned as read.
    pub(crate) fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut bytes = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut bytes)?;
        if n == 0 {
            return Ok(None);
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Sends `bytes` then the probe; returns the reply lines before the
    /// probe's answer. With `pause`, waits before the probe so that it
    /// cannot share a read with `bytes` on the server.
    pub(crate) fn exchange(&mut self, bytes: &[u8], pause: bool) -> io::Result<Vec<String>> {
        self.send(bytes)?;
        if pause {
            thread::sleep(Duration::from_millis(150));
        }
        self.send(format!("{PROBE}\n").as_bytes())?;
        let mut lines = Vec::new();
        loop {
            let Some(line) = self.read_line()? else {
                lines.push("<EOF>".to_owned());
                return Ok(lines);
            };
            if line.starts_with(PROBE_REPLY) {
                return Ok(lines);
            }
            // A reply without LF joined with the probe's answer.
            if let Some(cut) = line.find(PROBE_REPLY) {
                lines.push(format!("{}<no LF>", &line[..cut]));
                return Ok(lines);
            }
            lines.push(line);
        }
    }

    /// [`Self::exchange`] of one line.
    pub(crate) fn request(&mut self, line: &str) -> io::Result<Vec<String>> {
        self.exchange(format!("{line}\n").as_bytes(), false)
    }

    /// Sends `bytes` and reads every line until the server closes.
    pub(crate) fn until_close(&mut self, bytes: &[u8]) -> io::Result<Vec<String>> {
        self.send(bytes)?;
        let mut lines = Vec::new();
        while let Some(line) = self.read_line()? {
            lines.push(line);
        }
        lines.push("<EOF>".to_owned());
        Ok(lines)
    }
}
