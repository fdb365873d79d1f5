//! Accepting clients and serving one connection: read bytes, hand them to
//! the session, write its replies in one buffer, drop the client after 60 s
//! of silence or when a reload removed its UPS.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{ACCEPT_BACKOFF, ClientSlot, READ_BUFFER_BYTES, Shared, os_error_text};
use crate::runtime::log::Level;
use crate::upsd::session::Next;

/// How often a refusal (MAXCONN, out of descriptors) is logged at most.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(60);

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

/// Serves one client connection to its end.
async fn serve(shared: Arc<Shared>, mut stream: TcpStream, peer: SocketAddr, _slot: ClientSlot) {
    // Replies go out in one write each; do not let Nagle hold the next one.
    let _ = stream.set_nodelay(true);
    let mut session = shared.with_server(|server| server.open_session(peer.ip(), Instant::now()));
    let mut reloads = shared.reloads.subscribe();
    let mut buf = vec![0u8; READ_BUFFER_BYTES];
    let mut out = Vec::new();
    // The idle timer is re-armed only when it fires, not on every request.
    let idle = tokio::time::sleep_until(session.poll_timeout().into());
    tokio::pin!(idle);
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => {
                let n = match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let bytes = buf.get(..n).unwrap_or_default();
                let next = shared.with_server(|server| {
                    session.handle_input(server, Instant::now(), bytes, &mut out)
                });
                if !out.is_empty() {
                    if stream.write_all(&out).await.is_err() {
                        break;
                    }
                    out.clear();
                }
                match next {
                    Next::Continue => {}
                    // TLS serving is not built yet: STARTTLS is only offered
                    // when configured, which the loader refuses for now.
                    _ => break,
                }
            }
            () = &mut idle => {
                if session.is_idle(Instant::now()) {
                    break;
                }
                idle.as_mut().reset(session.poll_timeout().into());
            }
            changed = reloads.changed() => {
                if changed.is_err() || shared.lock_server().is_kicked(session.id()) {
                    break;
                }
            }
        }
    }
    let _ = stream.shutdown().await;
    shared.with_server(|server| server.close_session(&session));
}
