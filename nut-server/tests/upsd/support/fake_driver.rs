//! A scripted driver on a Unix socket, for what dummy-ups never publishes:
//! ENUM and RANGE lists, a STRING with a length, escaped values, commands
//! that fail. Any number of clients; answers at once (unlike a 2.8.0
//! driver) and never crashes when a client leaves.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// The dump: variables with every kind of metadata, then the commands.
pub(crate) const RICH_DUMP: &str = concat!(
    "SETINFO device.model \"a \\\"quoted\\\" \\\\ value \\# hash\"\n",
    "SETINFO input.transfer.high \"253\"\n",
    "ADDENUM input.transfer.high \"253\"\nADDENUM input.transfer.high \"264\"\n",
    "ADDENUM input.transfer.high \"271\"\nADDENUM input.transfer.high \"280\"\n",
    "SETFLAGS input.transfer.high RW\n",
    "SETINFO ups.bad \"x\"\nSETFLAGS ups.bad RW STRING\n",
    "SETINFO ups.delay.shutdown \"30\"\nADDRANGE ups.delay.shutdown 12 600\n",
    "SETFLAGS ups.delay.shutdown RW NUMBER\n",
    "SETINFO ups.delay.start \"180\"\nADDRANGE ups.delay.start 0 599940\n",
    "ADDRANGE ups.delay.start 600000 700000\nSETFLAGS ups.delay.start RW NUMBER\n",
    "SETINFO ups.id \"UPS_IDEN\"\nSETAUX ups.id 8\nSETFLAGS ups.id RW STRING\n",
    "SETINFO Ups.Mixed \"Case\"\n",
    "SETINFO ups.flagless \"1\"\n",
    "SETINFO ups.status \"OL LB\"\n",
    "ADDCMD test.battery.start\nADDCMD test.fail\nADDCMD test.invalid\nADDCMD beeper.toggle\n",
    "DATAOK\nDUMPDONE\n",
);

/// A running fake driver; stops when dropped.
#[derive(Debug)]
pub(crate) struct FakeDriver {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl FakeDriver {
    /// Serves `dump` at `path`.
    pub(crate) fn start(path: &Path, dump: &'static str) -> std::io::Result<Self> {
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let clients: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
        let thread = thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let clients = Arc::clone(&clients);
                        let flag = Arc::clone(&flag);
                        thread::spawn(move || serve(stream, dump, &clients, &flag));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(Self {
            path: path.to_owned(),
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for FakeDriver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One client: PING, DUMPALL, SET and INSTCMD (with TRACKING answers).
fn serve(stream: UnixStream, dump: &str, clients: &Mutex<Vec<UnixStream>>, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    if let Ok(copy) = stream.try_clone() {
        clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(copy);
    }
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while !stop.load(Ordering::Relaxed) {
        match reader.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) if line.ends_with('\n') => {}
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return,
        }
        let words = nut_proto::tokenizer::split_line(line.trim_end()).unwrap_or_default();
        line.clear();
        let reply = match words.first().map(String::as_str) {
            Some("PING") => "PONG\n".to_owned(),
            Some("DUMPALL") => dump.to_owned(),
            Some("SET") => {
                if let (Some(var), Some(value)) = (words.get(1), words.get(2)) {
                    let update = format!("SETINFO {var} {}\n", nut_proto::tokenizer::quote(value));
                    broadcast(clients, &update);
                }
                tracking_reply(&words, 3, 0)
            }
            Some("INSTCMD") => {
                let code = match words.get(1).map(String::as_str) {
                    Some("test.fail") => 3,
                    Some("test.invalid") => 2,
                    Some("test.battery.start" | "beeper.toggle") => 0,
                    _ => 1,
                };
                let at = if words.get(2).is_some_and(|w| w != "TRACKING") {
                    3
                } else {
                    2
                };
                tracking_reply(&words, at, code)
            }
            _ => String::new(),
        };
        if !reply.is_empty() && writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// `TRACKING <id> <code>` when `words[at]` is `TRACKING`.
fn tracking_reply(words: &[String], at: usize, code: i32) -> String {
    match (words.get(at).map(String::as_str), words.get(at + 1)) {
        (Some("TRACKING"), Some(id)) => format!("TRACKING {id} {code}\n"),
        _ => String::new(),
    }
}

fn broadcast(clients: &Mutex<Vec<UnixStream>>, line: &str) {
    let mut clients = clients.lock().unwrap_or_else(PoisonError::into_inner);
    clients.retain_mut(|c| c.write_all(line.as_bytes()).is_ok());
}
