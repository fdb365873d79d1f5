//! Accepting clients and serving one connection: read bytes, hand them to
//! the session, write its replies in one buffer, drop the client after 60 s
//! of silence or when a reload removed its UPS; after `OK STARTTLS`, the
//! handshake and the rest of the session over TLS.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::{ACCEPT_BACKOFF, ClientSlot, Shared, os_error_text};
use crate::runtime::log::Level;
use crate::upsd::session::{Next, Session};

/// How often a refusal (MAXCONN, out of descriptors) is logged at most.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// Bytes read from a client at once (NUT reads 512 too). Small on purpose:
/// the buffer lives as long as the connection and most clients sit idle; a
/// longer burst just takes several reads.
const CLIENT_READ_BYTES: usize = 512;

/// Accepts clients until the task is aborted.
pub(super) async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut last_refusal_log: Option<Instant> = None;
    let mut should_log = move |now: Instant| {
        let quiet = last_refusal_log.is_some_and(|t| now.duration_since(t) < REFUSAL_LOG_INTERVAL);
        if !quiet {
            last_refusal_log = Some(now);
        }
        !quiet
    };
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let count = shared.clients.fetch_add(1, Ordering::Relaxed);
                let slot = ClientSlot(Arc::clone(&shared));
                if count >= shared.options.max_clients {
                    // A clean refusal: the peer sees the connection close.
                    drop(stream);
                    drop(slot);
                    if should_log(Instant::now()) {
                        shared.log(
                            Level::Warning,
                            format!(
                                "Refusing connection from {}: MAXCONN reached ({} clients)",
                                peer.ip().to_canonical(),
                                shared.options.max_clients
                            ),
                        );
                    }
                    continue;
                }
                tokio::spawn(serve(Arc::clone(&shared), stream, peer, slot));
            }
            Err(error) => {
                let out_of_fds = matches!(error.raw_os_error(), Some(23 | 24))
                    || error.kind() == ErrorKind::OutOfMemory;
                if out_of_fds {
                    if should_log(Instant::now()) {
                        shared.log(Level::Error, format!("accept: {}", os_error_text(&error)));
                    }
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
                // Anything else (a peer that gave up before accept) is harmless.
            }
        }
    }
}

/// How a stretch of conversation on one stream ended.
enum End {
    /// The connection is over (LOGOUT, peer gone, idle, kicked).
    Closed,
    /// `OK STARTTLS` went out: the handshake comes next.
    StartTls,
}

/// Serves one client connection to its end.
async fn serve(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr, _slot: ClientSlot) {
    // Replies go out in one write each; do not let Nagle hold the next one.
    let _ = stream.set_nodelay(true);
    let mut session = shared.with_server(|server| server.open_session(peer.ip(), Instant::now()));
    let mut reloads = shared.reloads.subscribe();
    let mut stream = stream;
    if let End::StartTls = converse(&shared, &mut session, &mut stream, &mut reloads).await {
        // Boxed: the TLS state is large, and unboxed it would sit in every
        // connection's task, TLS or not.
        Box::pin(over_tls(&shared, &mut session, stream, &mut reloads)).await;
    } else {
        let _ = stream.shutdown().await;
    }
    shared.with_server(|server| server.close_session(&session));
}

/// The handshake after `OK STARTTLS`, then the rest of the session over
/// TLS. A failed handshake closes this connection only.
#[cfg(feature = "tls")]
async fn over_tls(
    shared: &Shared,
    session: &mut Session,
    stream: TcpStream,
    reloads: &mut watch::Receiver<u64>,
) {
    let Some(tls) = shared.options.tls.clone() else {
        return;
    };
    let early = session.take_early_tls_bytes();
    let handshake = tls.accept(super::tls::Prefixed::new(early, stream));
    let mut stream = match tokio::time::timeout(crate::upsd::IDLE_TIMEOUT, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            shared.log(
                Level::Notice,
                format!("SSL handshake with {} failed: {error}", session.addr()),
            );
            return;
        }
        Err(_) => {
            shared.log(
                Level::Notice,
                format!("SSL handshake with {} timed out", session.addr()),
            );
            return;
        }
    };
    session.set_tls();
    // A second STARTTLS is answered ERR ALREADY-SSL-MODE by the session.
    let _ = converse(shared, session, &mut stream, reloads).await;
    let _ = stream.shutdown().await;
}

/// Without TLS support the session never offers STARTTLS.
#[cfg(not(feature = "tls"))]
async fn over_tls(
    _shared: &Shared,
    _session: &mut Session,
    mut stream: TcpStream,
    _reloads: &mut watch::Receiver<u64>,
) {
    let _ = stream.shutdown().await;
}

/// Moves bytes between `stream` and the session until the connection ends
/// or switches to TLS.
async fn converse<S>(
    shared: &Shared,
    session: &mut Session,
    stream: &mut S,
    reloads: &mut watch::Receiver<u64>,
) -> End
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; CLIENT_READ_BYTES];
    let mut out = Vec::new();
    // The idle timer is re-armed only when it fires, not on every request.
    let idle = tokio::time::sleep_until(session.poll_timeout().into());
    tokio::pin!(idle);
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => {
                let n = match read {
                    Ok(0) | Err(_) => return End::Closed,
                    Ok(n) => n,
                };
                let bytes = buf.get(..n).unwrap_or_default();
                let next = shared.with_server(|server| {
                    session.handle_input(server, Instant::now(), bytes, &mut out)
                });
                if !out.is_empty() {
                    if stream.write_all(&out).await.is_err() {
                        return End::Closed;
                    }
                    out.clear();
                }
                match next {
                    Next::Continue => {}
                    Next::StartTls => return End::StartTls,
                    _ => return End::Closed,
                }
            }
            () = &mut idle => {
                if session.is_idle(Instant::now()) {
                    return End::Closed;
                }
                idle.as_mut().reset(session.poll_timeout().into());
            }
            changed = reloads.changed() => {
                if changed.is_err() || shared.lock_server().is_kicked(session.id()) {
                    return End::Closed;
                }
            }
        }
    }
}
