//! The tokio side of a [`Link`](super::link::Link): one task per upstream
//! socket that performs [`LinkAction`]s and reports [`LinkEvent`]s, tagged
//! with the link's index, on a channel the driver runtime delivers to the
//! driver ([`Driver::handle_event`](crate::runtime::Driver::handle_event)).
//!
//! The task never decides anything: it connects when told, writes what
//! it is given, reads whatever arrives, and says when the connection
//! ends. It stops when the driver drops its command sender.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::mpsc;

use super::link::{LinkAction, LinkEvent};

/// Bytes read from an upstream at a time.
pub const READ_CHUNK: usize = 4096;

/// How long a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a write may block before the connection counts as broken (an
/// upstream that stops reading).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts the task for socket `path`; its events carry `index`. Returns
/// the sender the driver gives it actions with.
pub fn spawn_link(
    path: PathBuf,
    index: usize,
    events: mpsc::UnboundedSender<(usize, LinkEvent)>,
) -> mpsc::UnboundedSender<LinkAction> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(link_task(path, index, rx, events));
    tx
}

async fn link_task(
    path: PathBuf,
    index: usize,
    mut actions: mpsc::UnboundedReceiver<LinkAction>,
    events: mpsc::UnboundedSender<(usize, LinkEvent)>,
) {
    let report = |event| events.send((index, event)).is_ok();
    let mut stream: Option<UnixStream> = None;
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let event = tokio::select! {
            action = actions.recv() => match action {
                None => return,
                Some(LinkAction::Connect) => {
                    stream = None;
                    match tokio::time::timeout(CONNECT_TIMEOUT, UnixStream::connect(&path)).await {
                        Ok(Ok(connected)) => {
                            stream = Some(connected);
                            LinkEvent::Connected
                        }
                        Ok(Err(e)) => LinkEvent::ConnectFailed(crate::error::strerror(&e)),
                        Err(_) => LinkEvent::ConnectFailed("Connection timed out".to_owned()),
                    }
                }
                Some(LinkAction::Send(bytes)) => {
                    let Some(connection) = stream.as_mut() else {
                        continue;
                    };
                    match tokio::time::timeout(WRITE_TIMEOUT, connection.write_all(&bytes)).await {
                        Ok(Ok(())) => continue,
                        Ok(Err(e)) => {
                            stream = None;
                            LinkEvent::Closed(crate::error::strerror(&e))
                        }
                        Err(_) => {
                            stream = None;
                            LinkEvent::Closed("write timed out".to_owned())
                        }
                    }
                }
                Some(LinkAction::Close) => {
                    stream = None;
                    continue;
                }
            },
            read = read_some(stream.as_mut(), &mut buf) => match read {
                Ok(0) => {
                    stream = None;
                    LinkEvent::Closed("end of file".to_owned())
                }
                Ok(n) => LinkEvent::Input(buf.get(..n).unwrap_or_default().to_vec()),
                Err(e) => {
                    stream = None;
                    LinkEvent::Closed(crate::error::strerror(&e))
                }
            },
        };
        if !report(event) {
            return;
        }
    }
}

/// Reads from the connection, or waits forever without one.
async fn read_some(stream: Option<&mut UnixStream>, buf: &mut [u8]) -> std::io::Result<usize> {
    match stream {
        Some(stream) => stream.read(buf).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::UnixListener;

    fn socket_path(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("nut-clone-io-{tag}-{}", std::process::id()))
    }

    async fn next(rx: &mut mpsc::UnboundedReceiver<(usize, LinkEvent)>) -> LinkEvent {
        let (index, event) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an event in time")
            .expect("task alive");
        assert_eq!(index, 7);
        event
    }

    #[tokio::test]
    async fn connects_writes_reads_and_reports_the_end() {
        let path = socket_path("ok");
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).expect("bind");
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let actions = spawn_link(path.clone(), 7, events_tx);
        actions.send(LinkAction::Connect).expect("send");
        let (mut server, _) = listener.accept().await.expect("accept");
        assert_eq!(next(&mut events).await, LinkEvent::Connected);
        actions
            .send(LinkAction::Send(b"DUMPALL\n".to_vec()))
            .expect("send");
        let mut got = [0u8; 8];
        server.read_exact(&mut got).await.expect("read");
        assert_eq!(&got, b"DUMPALL\n");
        server.write_all(b"DATAOK\n").await.expect("write");
        assert_eq!(
            next(&mut events).await,
            LinkEvent::Input(b"DATAOK\n".to_vec())
        );
        drop(server);
        assert_eq!(
            next(&mut events).await,
            LinkEvent::Closed("end of file".into())
        );
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn a_missing_socket_is_a_failed_connection() {
        let path = socket_path("missing");
        let _ = std::fs::remove_file(&path);
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let actions = spawn_link(path, 7, events_tx);
        actions.send(LinkAction::Connect).expect("send");
        assert_eq!(
            next(&mut events).await,
            LinkEvent::ConnectFailed("No such file or directory".into())
        );
        // Sending without a connection is ignored, not fatal.
        actions
            .send(LinkAction::Send(b"PING\n".to_vec()))
            .expect("send");
        actions.send(LinkAction::Connect).expect("send");
        assert!(matches!(
            next(&mut events).await,
            LinkEvent::ConnectFailed(_)
        ));
    }
}
