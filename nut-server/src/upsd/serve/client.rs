//! Accepting clients (TCP, and Unix sockets with their peer checks) and
//! serving one connection to its end: the conversation itself is in
//! [`conn`](super::conn) (bytes in, replies out, the 60 s idle cut); a
//! reload that kicks a client, or a stop, aborts its task; after `OK STARTTLS`, the handshake and the rest of the
//! session over TLS.

use std::io::ErrorKind;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

#[cfg(feature = "tls")]
use super::conn::Buffered;
use super::conn::{End, converse};
use super::unix::{self, PeerAccess};
use super::{ACCEPT_BACKOFF, ClientSlot, Shared, os_error_text};
use crate::runtime::log::Level;
use crate::upsd::session::Session;

/// How often a refusal (MAXCONN, out of descriptors) is logged at most.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// Logs refusals at most once per [`REFUSAL_LOG_INTERVAL`].
struct RefusalLog(Option<Instant>);

impl RefusalLog {
    fn should_log(&mut self, now: Instant) -> bool {
        let quiet = self
            .0
            .is_some_and(|t| now.duration_since(t) < REFUSAL_LOG_INTERVAL);
        if !quiet {
            self.0 = Some(now);
        }
        !quiet
    }
}

/// Counts a new client in, or refuses it past MAXCONN (the caller drops
/// the stream: the peer sees the connection close).
fn admit(
    shared: &Arc<Shared>,
    peer: &dyn std::fmt::Display,
    log: &mut RefusalLog,
) -> Option<ClientSlot> {
    let count = shared.clients.fetch_add(1, Ordering::Relaxed);
    let slot = ClientSlot::new(Arc::clone(shared));
    if count < shared.options.max_clients {
        return Some(slot);
    }
    drop(slot);
    if log.should_log(Instant::now()) {
        shared.log(
            Level::Warning,
            format!(
                "Refusing connection from {peer}: MAXCONN reached ({} clients)",
                shared.options.max_clients
            ),
        );
    }
    None
}

/// After a failed `accept`: out of descriptors backs off (logged, rarely);
/// anything else (a peer that gave up before accept) is harmless.
async fn accept_failed(shared: &Shared, error: &std::io::Error, log: &mut RefusalLog) {
    let out_of_fds =
        matches!(error.raw_os_error(), Some(23 | 24)) || error.kind() == ErrorKind::OutOfMemory;
    if out_of_fds {
        if log.should_log(Instant::now()) {
            shared.log(Level::Error, format!("accept: {}", os_error_text(error)));
        }
        tokio::time::sleep(ACCEPT_BACKOFF).await;
    }
}

/// Accepts clients until the task is aborted.
pub(super) async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut refusals = RefusalLog(None);
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let Some(slot) = admit(&shared, &peer.ip().to_canonical(), &mut refusals) else {
                    continue;
                };
                let session =
                    shared.with_server(|server| server.open_session(peer.ip(), Instant::now()));
                start(&shared, slot, session, |slot, session| {
                    serve(Arc::clone(&shared), stream, session, slot)
                });
            }
            Err(error) => accept_failed(&shared, &error, &mut refusals).await,
        }
    }
}

/// Accepts Unix-socket clients until the task is aborted: each peer's
/// credentials are checked against `access` before anything is read.
pub(super) async fn accept_unix_loop(
    shared: Arc<Shared>,
    listener: UnixListener,
    path: Arc<str>,
    access: PeerAccess,
) {
    let mut refusals = RefusalLog(None);
    loop {
        let mut stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                accept_failed(&shared, &error, &mut refusals).await;
                continue;
            }
        };
        let Ok(cred) = stream.peer_cred() else {
            continue;
        };
        let (uid, gid) = (cred.uid(), cred.gid());
        let name = unix::peer_name(uid);
        if !access.allows(uid, gid) {
            shared.log(
                Level::Warning,
                format!(
                    "Refusing connection on {path} from uid {uid} gid {gid} (pid {}): \
                     not allowed by LISTEN_UNIX",
                    cred.pid().map_or_else(|| "?".to_owned(), |p| p.to_string())
                ),
            );
            // Best effort, never waiting on a peer that does not read.
            let _ = stream.try_write(b"ERR ACCESS-DENIED\n");
            let _ = stream.shutdown().await;
            continue;
        }
        let Some(slot) = admit(&shared, &name, &mut refusals) else {
            continue;
        };
        let session = shared.with_server(|server| server.open_named_session(name, Instant::now()));
        start(&shared, slot, session, |slot, session| {
            serve_local(Arc::clone(&shared), stream, session, slot)
        });
    }
}

/// Spawns a connection's task and files its abort handle under the
/// session's id: a reload that kicks the client, or a stop, aborts it, so
/// that no connection waits on a reload signal of its own.
fn start<F>(
    shared: &Arc<Shared>,
    mut slot: ClientSlot,
    session: Session,
    task: impl FnOnce(ClientSlot, Session) -> F,
) where
    F: Future<Output = ()> + Send + 'static,
{
    let id = session.id();
    slot.session = Some(id);
    // No lock is held across the spawn (a runtime shutting down drops the
    // task inside it, and its slot takes the lock). The slot closes the
    // session before it removes the entry, so an entry filed after the
    // task ended is seen here by its closed session and removed.
    let handle = tokio::spawn(task(slot, session));
    shared
        .tasks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, handle.abort_handle());
    if !shared.lock_server().has_client(id) {
        shared
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }
}

/// Serves one Unix-socket connection to its end (never TLS); the slot
/// closes the session.
async fn serve_local(
    shared: Arc<Shared>,
    mut stream: UnixStream,
    mut session: Session,
    _slot: ClientSlot,
) {
    session.set_local();
    // The session never answers OK STARTTLS here, so this only ends closed.
    let _ = converse(&shared, &mut session, &mut stream).await;
    let _ = stream.shutdown().await;
}

/// Serves one client connection to its end; the slot closes the session.
async fn serve(shared: Arc<Shared>, stream: TcpStream, mut session: Session, _slot: ClientSlot) {
    // Replies go out in one write each; do not let Nagle hold the next one.
    let _ = stream.set_nodelay(true);
    let mut stream = stream;
    if let End::StartTls = converse(&shared, &mut session, &mut stream).await {
        // Boxed: the TLS state is large, and unboxed it would sit in every
        // connection's task, TLS or not.
        Box::pin(over_tls(&shared, &mut session, stream)).await;
    } else {
        let _ = stream.shutdown().await;
    }
}

/// The handshake after `OK STARTTLS`, then the rest of the session over
/// TLS. A failed handshake closes this connection only.
#[cfg(feature = "tls")]
async fn over_tls(shared: &Shared, session: &mut Session, stream: TcpStream) {
    let Some(tls) = shared.options.tls.clone() else {
        return;
    };
    let early = session.take_early_tls_bytes();
    let handshake = tls.accept(super::tls::Prefixed::new(early, stream));
    let stream = match tokio::time::timeout(crate::upsd::IDLE_TIMEOUT, handshake).await {
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
    let mut stream = Buffered::new(stream);
    let _ = converse(shared, session, &mut stream).await;
    let _ = stream.get_mut().shutdown().await;
}

/// Without TLS support the session never offers STARTTLS.
#[cfg(not(feature = "tls"))]
async fn over_tls(_shared: &Shared, _session: &mut Session, mut stream: TcpStream) {
    let _ = stream.shutdown().await;
}
