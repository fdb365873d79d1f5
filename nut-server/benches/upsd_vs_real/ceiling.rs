//! The loopback ceiling: a do-nothing line server on tokio's current-thread
//! runtime (as our upsd), run as a child process of the benchmark. For
//! every `\n` it receives it answers one fixed `GET VAR` reply, all the
//! replies to one read in one write. Whatever a NUT server does on top of
//! moving these bytes, it cannot beat this on the same machine.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What every line is answered with (the size of upsd's reply to
/// `GET VAR dummy ups.status`).
pub(crate) const REPLY: &[u8] = b"VAR dummy ups.status \"OL\"\n";

/// Bytes read at once.
const BUFFER: usize = 16 * 1024;

/// Serves on 127.0.0.1:`port` until killed.
pub(crate) fn main(port: u16) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .map_err(|e| format!("ceiling: bind 127.0.0.1:{port}: {e}"))?;
        loop {
            if let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream));
            }
        }
    })
}

async fn serve(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buffer = vec![0u8; BUFFER];
    let mut out = Vec::new();
    loop {
        let n = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let lines = buffer
            .get(..n)
            .unwrap_or_default()
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        out.clear();
        for _ in 0..lines {
            out.extend_from_slice(REPLY);
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
    }
}
