//! Binding upsd's listening sockets from `LISTEN` lines, as upsd does: each
//! line's address is resolved (numeric, host name, or `*` for both
//! wildcards) and the first address that binds wins; IPv6 sockets are
//! IPv6-only; `-4`/`-6` keep one family. Each line logs `listening on …`
//! or `not listening on …`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::Path;

use socket2::{Domain, Protocol, Socket, Type};

use crate::config::upsd_conf::{Listen, ListenPort};
use crate::runtime::log::{Level, LogRecord};

/// Pending connections the kernel queues per listener (upsd: 16; more
/// lets bursts of clients in, and the kernel caps it at `somaxconn`).
pub const LISTEN_BACKLOG: i32 = 1024;

/// Longest `/etc/services` accepted when resolving a service name.
const MAX_SERVICES_BYTES: u64 = 4 * 1024 * 1024;

/// Which address families to listen on (`-4`, `-6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Family {
    /// Both (default).
    #[default]
    Any,
    /// `-4`.
    V4,
    /// `-6`.
    V6,
}

impl Family {
    fn accepts(self, addr: &SocketAddr) -> bool {
        match self {
            Self::Any => true,
            Self::V4 => addr.is_ipv4(),
            Self::V6 => addr.is_ipv6(),
        }
    }
}

/// The sockets bound for the `LISTEN` lines, and what upsd logs about them.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Bound {
    /// Listening sockets, non-blocking, ready for tokio.
    pub listeners: Vec<std::net::TcpListener>,
    /// `listening on …` / `not listening on …`, in order.
    pub log: Vec<LogRecord>,
    /// How many `LISTEN` entries could not be bound.
    pub failed: usize,
}

/// Binds every entry (a `*` entry counts as two: `0.0.0.0` and `::`).
pub fn bind_all(entries: &[Listen], family: Family) -> Bound {
    let mut bound = Bound::default();
    for entry in entries {
        let port_text = match &entry.port {
            ListenPort::Number(n) => n.to_string(),
            ListenPort::Service(name) => name.clone(),
        };
        let targets: Vec<(String, Result<Vec<SocketAddr>, String>)> = if entry.is_any() {
            let port = resolve_port(&entry.port);
            let mut both = Vec::new();
            if family != Family::V6 {
                both.push((
                    "0.0.0.0".to_owned(),
                    port.clone()
                        .map(|p| vec![SocketAddr::from((Ipv4Addr::UNSPECIFIED, p))]),
                ));
            }
            if family != Family::V4 {
                both.push((
                    "::".to_owned(),
                    port.map(|p| vec![SocketAddr::from((Ipv6Addr::UNSPECIFIED, p))]),
                ));
            }
            both
        } else {
            vec![(entry.address.clone(), resolve(&entry.address, &entry.port))]
        };
        for (address, resolved) in targets {
            let addrs = resolved.unwrap_or_default();
            let listener = addrs
                .iter()
                .filter(|a| family.accepts(a))
                .find_map(|addr| bind_one(*addr).ok());
            match listener {
                Some(listener) => {
                    bound.listeners.push(listener);
                    bound.log.push(LogRecord::new(
                        Level::Info,
                        format!("listening on {address} port {port_text}"),
                    ));
                }
                None => {
                    bound.failed += 1;
                    bound.log.push(LogRecord::new(
                        Level::Error,
                        format!("not listening on {address} port {port_text}"),
                    ));
                }
            }
        }
    }
    bound
}

/// Binds one address with upsd's socket options.
///
/// # Errors
///
/// Whatever `socket`, `bind` or `listen` says (address in use, not local...).
pub fn bind_one(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        // As upsd: `::` must not also take IPv4, so that `LISTEN *` can bind
        // both; ignore systems that refuse.
        let _ = socket.set_only_v6(true);
    }
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// The addresses a `LISTEN` address and port stand for.
fn resolve(address: &str, port: &ListenPort) -> Result<Vec<SocketAddr>, String> {
    let port = resolve_port(port)?;
    if let Ok(ip) = address.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    (address, port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .map_err(|e| format!("getaddrinfo('{address}'): {e}"))
}

/// A port number, or a service name looked up in `/etc/services`.
fn resolve_port(port: &ListenPort) -> Result<u16, String> {
    match port {
        ListenPort::Number(n) => Ok(*n),
        ListenPort::Service(name) => service_port(Path::new("/etc/services"), name)
            .ok_or_else(|| format!("unknown service {name}")),
    }
}

/// The TCP port of service `name` (or one of its aliases) in a services file.
pub fn service_port(services: &Path, name: &str) -> Option<u16> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(services)
        .ok()?
        .take(MAX_SERVICES_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    parse_service(&text, name)
}

fn parse_service(text: &str, name: &str) -> Option<u16> {
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let service = words.next()?;
        let (port, proto) = words.next()?.split_once('/')?;
        let named = service == name || words.any(|alias| alias == name);
        (named && proto == "tcp")
            .then(|| port.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listen(address: &str, port: u16) -> Listen {
        Listen {
            address: address.into(),
            port: ListenPort::Number(port),
            line: 1,
        }
    }

    #[test]
    fn binds_loopback_and_reports_failures_like_upsd() {
        let bound = bind_all(
            &[listen("127.0.0.1", 0), listen("192.0.2.1", 0)],
            Family::Any,
        );
        assert_eq!(bound.listeners.len(), 1);
        assert_eq!(bound.failed, 1);
        let messages: Vec<_> = bound.log.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "listening on 127.0.0.1 port 0",
                "not listening on 192.0.2.1 port 0"
            ]
        );
    }

    #[test]
    fn family_filter_skips_the_other_family() {
        let bound = bind_all(&[listen("127.0.0.1", 0)], Family::V6);
        assert!(bound.listeners.is_empty());
        assert_eq!(bound.failed, 1);
    }

    #[test]
    fn a_taken_port_is_not_listened_on() {
        let first = bind_one("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = first.local_addr().unwrap().port();
        let bound = bind_all(&[listen("127.0.0.1", port)], Family::Any);
        assert_eq!(bound.failed, 1);
    }

    #[test]
    fn services_file_lookup() {
        let text =
            "# comment\nnut\t\t3493/tcp\t\t\t# Network UPS Tools\nnut\t3493/udp\nhttp 80/tcp www\n";
        assert_eq!(parse_service(text, "nut"), Some(3493));
        assert_eq!(parse_service(text, "www"), Some(80));
        assert_eq!(parse_service(text, "nope"), None);
    }
}
