//! The link to one driver socket: connect (retrying every second, with
//! NUT's throttled complaint), send what the server queues (DUMPALL, SET,
//! INSTCMD, PING), feed what the driver says back into the server.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::Notify;

use super::{READ_BUFFER_BYTES, RECONNECT_INTERVAL, Shared, os_error_text};
use crate::upsd::ups::UpsId;

/// Driver timers (PING, staleness) fire on this grid, counted from one
/// instant shared by the process: the links of several drivers, which go
/// quiet at about the same time, then wake upsd together instead of one
/// after the other (each timer costs an idle upsd several wake-ups as
/// tokio's timer wheel cascades). upsd itself only checks its drivers
/// every second or two, so waking up to one grid step late is within what
/// NUT does.
pub(super) const TIMER_GRID: Duration = Duration::from_secs(1);

/// `at`, rounded up to the next step of [`TIMER_GRID`].
fn on_grid(at: Instant) -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let Some(since) = at.checked_duration_since(epoch) else {
        return at;
    };
    let grid = TIMER_GRID.as_nanos();
    let steps = since.as_nanos().div_ceil(grid);
    let rounded = u64::try_from(steps.saturating_mul(grid)).unwrap_or(u64::MAX);
    epoch
        .checked_add(Duration::from_nanos(rounded))
        .unwrap_or(at)
}

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
                Some(at) => tokio::time::sleep_until(on_grid(at).into()).await,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_onto_one_shared_grid() {
        let a = Instant::now() + Duration::from_millis(5_003);
        let b = a + Duration::from_millis(400);
        let (ga, gb) = (on_grid(a), on_grid(b));
        assert!(ga >= a && ga - a < TIMER_GRID);
        assert!(gb >= b && gb - b < TIMER_GRID);
        // Two deadlines within one step share a wake-up, or are one step apart.
        assert!(gb == ga || gb - ga == TIMER_GRID);
        assert_eq!(on_grid(ga), ga, "a point on the grid stays");
    }
}
