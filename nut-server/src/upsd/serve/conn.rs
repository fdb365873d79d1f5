//! One client conversation: bytes in, the session's replies out, on any
//! stream (TCP, Unix socket, TLS), without per-connection buffers.
//!
//! Plain sockets are read by readiness: the task waits until the socket is
//! readable, then reads what is there into a buffer shared by every
//! connection of the thread, hands it to the session, and writes the
//! replies of that whole read in one `send` straight from the thread's
//! reply buffer. Only a reply the socket cannot take at once is copied to
//! the connection and awaited. An idle connection thus holds no buffer at
//! all, and a busy one allocates nothing per request. TLS streams, which
//! have no readiness interface, read into a small buffer of their own.
//!
//! No connection waits on a reload signal: a reload that kicks a client,
//! or a stop, aborts its task (see `start` in `client.rs`). Re-arming such
//! a wait on every request used to cost about 8 % of a GET, and the wait
//! itself 176 bytes per connection.

use std::cell::RefCell;
use std::future::Future;
use std::io::{self, ErrorKind, Read};
use std::time::Instant;

use socket2::SockRef;
#[cfg(feature = "tls")]
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::io::{AsyncWrite, AsyncWriteExt, Interest};
use tokio::net::{TcpStream, UnixStream};

use super::{READ_BUFFER_BYTES, Shared};
use crate::upsd::session::{Next, Session};

/// Bytes a TLS connection reads at once (NUT reads 512 too).
#[cfg(feature = "tls")]
const TLS_READ_BYTES: usize = 512;

/// Largest reply buffer kept by a thread between reads; a bigger one (a
/// long LIST) is given back.
const KEPT_REPLY_BYTES: usize = 64 * 1024;

thread_local! {
    /// This thread's read buffer and reply buffer, lent to one connection
    /// at a time, never across an `.await`.
    static SCRATCH: RefCell<(Vec<u8>, Vec<u8>)> = RefCell::new((vec![0; READ_BUFFER_BYTES], Vec::new()));
}

/// A client stream as the conversation uses it.
pub(super) trait Conn: AsyncWrite + Unpin {
    /// Waits until [`Conn::read_now`] may have bytes.
    fn ready(&mut self) -> impl Future<Output = io::Result<()>>;
    /// Reads what is there without waiting (`WouldBlock` when nothing).
    fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    /// Writes what the socket takes without waiting.
    fn write_now(&mut self, bytes: &[u8]) -> io::Result<usize>;
}

impl Conn for TcpStream {
    async fn ready(&mut self) -> io::Result<()> {
        // The stream's own reader slot, not a waiter node in the future:
        // smaller idle connections.
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let this: &Self = self;
        read_draining(
            buf,
            |f| this.try_io(Interest::READABLE, f),
            SockRef::from(this),
        )
    }

    fn write_now(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.try_write(bytes)
    }
}

impl Conn for UnixStream {
    async fn ready(&mut self) -> io::Result<()> {
        // The stream's own reader slot, not a waiter node in the future:
        // smaller idle connections.
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let this: &Self = self;
        read_draining(
            buf,
            |f| this.try_io(Interest::READABLE, f),
            SockRef::from(this),
        )
    }

    fn write_now(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.try_write(bytes)
    }
}

/// One `recv` through tokio's readiness, which also forgets the
/// readiness when the read did not fill `buf` (the socket is then empty):
/// as tokio's own `poll_read` does, and unlike `try_read`, this spares
/// the `recv` that would only say `EAGAIN` before every wait.
fn read_draining(
    buf: &mut [u8],
    try_io: impl FnOnce(&mut dyn FnMut() -> io::Result<usize>) -> io::Result<usize>,
    socket: SockRef<'_>,
) -> io::Result<usize> {
    let capacity = buf.len();
    let mut got = 0;
    let result = try_io(&mut || {
        let n = (&*socket).read(buf)?;
        got = n;
        if n > 0 && n < capacity {
            // Drained: WouldBlock makes tokio clear the readiness; the
            // bytes are kept in `got`.
            return Err(ErrorKind::WouldBlock.into());
        }
        Ok(n)
    });
    match result {
        Err(e) if e.kind() == ErrorKind::WouldBlock && got > 0 => Ok(got),
        other => other,
    }
}

/// A stream without readiness (TLS): reads into its own buffer first.
#[cfg(feature = "tls")]
pub(super) struct Buffered<S> {
    stream: S,
    pending: Vec<u8>,
    ended: bool,
}

#[cfg(feature = "tls")]
impl<S> Buffered<S> {
    /// Wraps `stream`.
    pub(super) fn new(stream: S) -> Self {
        Self {
            stream,
            pending: Vec::new(),
            ended: false,
        }
    }

    /// The wrapped stream.
    pub(super) fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

#[cfg(feature = "tls")]
impl<S: AsyncRead + AsyncWrite + Unpin> Conn for Buffered<S> {
    async fn ready(&mut self) -> io::Result<()> {
        if self.pending.is_empty() && !self.ended {
            let mut chunk = [0u8; TLS_READ_BYTES];
            let n = self.stream.read(&mut chunk).await?;
            self.ended = n == 0;
            self.pending
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
        Ok(())
    }

    fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            return if self.ended {
                Ok(0)
            } else {
                Err(ErrorKind::WouldBlock.into())
            };
        }
        let n = self.pending.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), self.pending.get(..n)) {
            to.copy_from_slice(from);
        }
        self.pending.drain(..n);
        Ok(n)
    }

    fn write_now(&mut self, _bytes: &[u8]) -> io::Result<usize> {
        // Everything goes through the TLS writer, awaited.
        Err(ErrorKind::WouldBlock.into())
    }
}

#[cfg(feature = "tls")]
impl<S: AsyncWrite + Unpin> AsyncWrite for Buffered<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// How a stretch of conversation on one stream ended.
pub(super) enum End {
    /// The connection is over (LOGOUT, peer gone, idle).
    Closed,
    /// `OK STARTTLS` went out: the handshake comes next.
    StartTls,
}

/// What one read came to.
enum Step {
    /// Nothing there after all (a spurious readiness).
    Nothing,
    /// The peer is gone.
    Gone,
    /// Bytes were handled; `rest` is the part of the replies the socket
    /// did not take at once.
    Handled { next: Next, rest: Option<Vec<u8>> },
}

/// Moves bytes between `stream` and the session until the connection ends
/// or switches to TLS.
pub(super) async fn converse<S: Conn>(
    shared: &Shared,
    session: &mut Session,
    stream: &mut S,
) -> End {
    // The idle timer is re-armed only when it fires, not on every request.
    let idle = tokio::time::sleep_until(session.poll_timeout().into());
    tokio::pin!(idle);
    loop {
        tokio::select! {
            ready = stream.ready() => {
                if ready.is_err() {
                    return End::Closed;
                }
                match step(shared, session, stream) {
                    Step::Nothing => {}
                    Step::Gone => return End::Closed,
                    Step::Handled { next, rest } => {
                        if let Some(rest) = rest
                            && stream.write_all(&rest).await.is_err()
                        {
                            return End::Closed;
                        }
                        match next {
                            Next::Continue => {}
                            Next::StartTls => return End::StartTls,
                            _ => return End::Closed,
                        }
                    }
                }
            }
            () = &mut idle => {
                if session.is_idle(Instant::now()) {
                    return End::Closed;
                }
                idle.as_mut().reset(session.poll_timeout().into());
            }
        }
    }
}

/// Reads what is there, answers it and writes what the socket takes, all
/// without waiting, in this thread's buffers.
fn step<S: Conn>(shared: &Shared, session: &mut Session, stream: &mut S) -> Step {
    SCRATCH.with_borrow_mut(|(input, output)| {
        let n = match stream.read_now(input) {
            Ok(0) => return Step::Gone,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Step::Nothing,
            Err(e) if e.kind() == ErrorKind::Interrupted => return Step::Nothing,
            Err(_) => return Step::Gone,
        };
        let bytes = input.get(..n).unwrap_or_default();
        output.clear();
        let next = shared
            .with_server(|server| session.handle_input(server, Instant::now(), bytes, output));
        let mut sent = 0;
        while sent < output.len() {
            match stream.write_now(output.get(sent..).unwrap_or_default()) {
                Ok(0) => return Step::Gone,
                Ok(k) => sent += k,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => return Step::Gone,
            }
        }
        let rest = (sent < output.len()).then(|| output.get(sent..).unwrap_or_default().to_vec());
        if output.capacity() > KEPT_REPLY_BYTES {
            *output = Vec::new();
        }
        Step::Handled { next, rest }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "tls")]
    #[tokio::test]
    async fn buffered_streams_hand_out_what_they_read_then_the_end() {
        let (mut peer, ours) = tokio::io::duplex(64);
        let mut conn = Buffered::new(ours);
        let mut buf = [0u8; 3];
        assert_eq!(
            conn.read_now(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        peer.write_all(b"VER\nHELP\n").await.unwrap();
        conn.ready().await.unwrap();
        let mut got = Vec::new();
        while let Ok(n) = conn.read_now(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"VER\nHELP\n");
        drop(peer);
        conn.ready().await.unwrap();
        assert_eq!(conn.read_now(&mut buf).unwrap(), 0);
    }

    #[tokio::test]
    async fn a_drained_socket_reads_what_is_there_and_waits_again() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"GET VAR ups ups.status\n").await.unwrap();
        Conn::ready(&mut server).await.unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(server.read_now(&mut buf).unwrap(), 23);
        // Drained: nothing more until the peer writes again.
        assert_eq!(
            server.read_now(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        client.write_all(b"VER\n").await.unwrap();
        Conn::ready(&mut server).await.unwrap();
        assert_eq!(server.read_now(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"VER\n");
        drop(client);
        Conn::ready(&mut server).await.unwrap();
        assert_eq!(server.read_now(&mut buf).unwrap(), 0);
    }
}
