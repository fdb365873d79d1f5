//! The link to one driver socket: connect (retrying every second, with
//! NUT's throttled complaint), send what the server queues (DUMPALL, SET,
//! INSTCMD, PING), feed what the driver says back into the server.

use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::Notify;

use super::{READ_BUFFER_BYTES, RECONNECT_INTERVAL, Shared, os_error_text};
use crate::upsd::ups::UpsId;

/// Keeps UPS `id` linked to its driver until the task is aborted (reload
/// removed the UPS, or upsd stops).
pub(super) async fn link(shared: Arc<Shared>, id: UpsId, bell: Arc<Notify>) {
    loop {
        let Some(socket_name) = shared.lock_server().socket_name(id).map(str::to_owned) else {
            return;
        };
        let path = shared.options.statepath.join(&socket_name);
        match UnixStream::connect(&path).await {
            Ok(stream) => {
                shared.with_server(|server| server.handle_driver_connected(id, Instant::now()));
                let reason = converse(&shared, id, &bell, stream).await;
                shared.with_server(|server| server.handle_driver_lost(id, reason.as_deref()));
            }
            Err(error) => {
                let text = os_error_text(&error);
                shared.with_server(|server| {
                    server.handle_driver_connect_failed(id, Instant::now(), &text);
                });
                tokio::time::sleep(RECONNECT_INTERVAL).await;
            }
        }
    }
}

/// Runs one connection to the driver; returns what to log when it ends
/// (nothing for a plain close, as upsd).
async fn converse(
    shared: &Shared,
    id: UpsId,
    bell: &Notify,
    mut stream: UnixStream,
) -> Option<String> {
    let mut buf = vec![0u8; READ_BUFFER_BYTES];
    let mut out = Vec::new();
    loop {
        let (pending, deadline, name) = {
            let mut server = shared.lock_server();
            let pending = server.poll_driver_transmit(id, &mut out);
            let name = server.ups_name(id).unwrap_or_default().to_owned();
            (pending, server.poll_driver_timeout(id), name)
        };
        if pending {
            if let Err(error) = stream.write_all(&out).await {
                return Some(format!(
                    "Send to UPS [{name}] failed: {}",
                    os_error_text(&error)
                ));
            }
            out.clear();
        }
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                // A driver that exits with our PING unread resets the link:
                // upsd sees a hang-up, as for a plain close, and says nothing.
                Ok(0) => return None,
                Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Ok(n) => {
                    let bytes = buf.get(..n).unwrap_or_default();
                    shared.with_server(|server| server.handle_driver_input(id, Instant::now(), bytes));
                }
                Err(error) => {
                    return Some(format!(
                        "Read from UPS [{name}] failed: {}",
                        os_error_text(&error)
                    ));
                }
            },
            () = bell.notified() => {}
            () = sleep => {
                shared.with_server(|server| server.handle_driver_timeout(id, Instant::now()));
            }
        }
    }
}
