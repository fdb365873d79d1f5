use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use super::*;
use crate::runtime::CallId;
use crate::runtime::hub::HubOptions;

/// A driver counting its updates and accepting every SET.
struct Counter {
    updates: u32,
}

impl Driver for Counter {
    type Event = ();

    fn update(&mut self, _now: std::time::Instant, state: &mut DriverState) {
        self.updates += 1;
        state.set_info("test.updates", &self.updates.to_string());
    }

    fn set_var(
        &mut self,
        _now: std::time::Instant,
        state: &mut DriverState,
        _call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        state.set_info(var, value);
        Answer::Done(TrackingResult::Handled)
    }
}

#[derive(Default)]
struct TestHost {
    logs: Vec<String>,
}

impl Host for TestHost {
    fn log(&mut self, record: &LogRecord) {
        self.logs.push(record.message.clone());
    }
    fn set_debug_level(&mut self, requested: Option<u8>) -> u8 {
        requested.unwrap_or(0)
    }
    fn reload(&mut self) -> Option<ReloadPlan> {
        Some(ReloadPlan::default())
    }
    fn dump(&mut self, _state: &DriverState) {}
}

fn socket_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nut-serve-{tag}-{}", std::process::id()))
}

fn start_state() -> DriverState {
    let mut state = DriverState::new();
    state.set_info("ups.status", "OL");
    state.set_info("test.updates", "0");
    state.data_ok();
    state
}

struct Line(BufReader<UnixStream>);

impl Line {
    async fn connect(path: &std::path::Path) -> Self {
        Self(BufReader::new(
            UnixStream::connect(path).await.expect("connect"),
        ))
    }
    async fn send(&mut self, text: &str) {
        self.0
            .get_mut()
            .write_all(text.as_bytes())
            .await
            .expect("write");
    }
    async fn line(&mut self) -> String {
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(5), self.0.read_line(&mut line))
            .await
            .expect("a line in time")
            .expect("read");
        line
    }
    /// Lines until (and including) `last`.
    async fn until(&mut self, last: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            assert!(!line.is_empty(), "EOF before {last:?}: {lines:?}");
            let done = line == last;
            lines.push(line);
            if done {
                return lines;
            }
        }
    }
}

/// Runs `serve` with a [`Counter`] on a fresh socket while `client` runs.
async fn with_server<F, Fut>(tag: &str, interval: Duration, client: F) -> (Exit, TestHost)
where
    F: FnOnce(PathBuf, mpsc::UnboundedSender<Control>) -> Fut,
    Fut: Future<Output = ()>,
{
    let path = socket_path(tag);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).expect("bind");
    let hub = Hub::new(start_state(), HubOptions::new(7));
    let (tx, rx) = mpsc::unbounded_channel();
    let mut host = TestHost::default();
    let server = serve(
        listener,
        hub,
        Counter { updates: 0 },
        &mut host,
        None,
        Some(rx),
        ServeConfig::new(interval),
    );
    let client = client(path.clone(), tx);
    let (exit, ()) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(server, client)
    })
    .await
    .expect("test finished in time");
    let _ = std::fs::remove_file(&path);
    (exit, host)
}

#[tokio::test(flavor = "current_thread")]
async fn clients_get_broadcasts_and_their_own_tracking() {
    let (exit, _) = with_server("bcast", Duration::from_secs(3600), |path, _| async move {
        let mut upsd = Line::connect(&path).await;
        let mut tool = Line::connect(&path).await;
        upsd.send("DUMPALL\n").await;
        let dump = upsd.until("DUMPDONE\n").await;
        assert_eq!(
            dump.first().map(String::as_str),
            Some("SETINFO test.updates \"0\"\n")
        );
        tool.send("SET ups.load \"55\" TRACKING 1234-abcd\n").await;
        assert_eq!(upsd.line().await, "SETINFO ups.load \"55\"\n");
        assert_eq!(tool.line().await, "SETINFO ups.load \"55\"\n");
        assert_eq!(tool.line().await, "TRACKING 1234-abcd 0\n");
        tool.send("INSTCMD driver.exit TRACKING bye\n").await;
        assert_eq!(tool.line().await, "TRACKING bye 0\n");
        // The exit closes every connection.
        assert_eq!(upsd.line().await, "");
    })
    .await;
    assert_eq!(exit, Exit::Requested);
}

#[tokio::test(flavor = "current_thread")]
async fn a_vanished_client_does_not_hurt_the_next_broadcast() {
    let (exit, _) = with_server(
        "vanish",
        Duration::from_millis(50),
        |path, controls| async move {
            for _ in 0..3 {
                let mut gone = Line::connect(&path).await;
                gone.send("PING\n").await;
                assert_eq!(gone.line().await, "PONG\n");
                drop(gone);
            }
            // Half-written line, then gone.
            let mut rude = UnixStream::connect(&path).await.expect("connect");
            rude.write_all(b"DUMPA").await.expect("write");
            drop(rude);
            // Updates keep being broadcast; a new client is served.
            let mut watcher = Line::connect(&path).await;
            let first = watcher.line().await;
            assert!(first.starts_with("SETINFO test.updates"), "{first}");
            let second = watcher.line().await;
            assert!(second.starts_with("SETINFO test.updates"), "{second}");
            watcher.send("LOGOUT\n").await;
            let mut rest = watcher.until("OK Goodbye\n").await;
            assert_eq!(rest.pop().as_deref(), Some("OK Goodbye\n"));
            assert_eq!(watcher.line().await, "");
            controls.send(Control::Exit(Some(15))).expect("send");
        },
    )
    .await;
    assert_eq!(exit, Exit::Signal(Some(15)));
}

#[tokio::test(flavor = "current_thread")]
async fn reload_or_error_answers_and_unknown_lines_are_logged() {
    let (exit, host) = with_server(
        "reload",
        Duration::from_secs(3600),
        |path, controls| async move {
            let mut c = Line::connect(&path).await;
            c.send("BOGUS line\nINSTCMD driver.reload-or-error TRACKING r1\n")
                .await;
            assert_eq!(c.line().await, "TRACKING r1 0\n");
            controls.send(Control::Exit(None)).expect("send");
        },
    )
    .await;
    assert_eq!(exit, Exit::Signal(None));
    assert!(
        host.logs.iter().any(|l| l == "arg 0: BOGUS"),
        "{:?}",
        host.logs
    );
}

#[test]
fn exit_codes_are_nuts() {
    assert_eq!(Exit::Signal(Some(15)).code(), 0);
    assert_eq!(Exit::Requested.code(), 0);
    assert_eq!(Exit::KillPower(TrackingResult::Handled).code(), 0);
    assert_eq!(Exit::KillPower(TrackingResult::Unknown).code(), 1);
    assert_eq!(Exit::ReloadNeedsRestart.code(), 138);
}
