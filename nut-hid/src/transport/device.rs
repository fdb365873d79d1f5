//! A USB device as enumeration sees it: the IDs and strings the subdriver
//! claim and the matching options look at, and where it is plugged in.

use std::fmt;

use crate::select::DeviceInfo;

/// Deepest hub chain USB allows (root port plus six tiers of hubs); longer
/// port paths are cut here.
pub const MAX_PORT_DEPTH: usize = 7;

/// Where a device is plugged in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct UsbLocation {
    /// Bus number.
    pub bus: u8,
    /// Device address on the bus: changes every time the device
    /// re-enumerates, so never part of a unit's identity.
    pub address: u8,
    /// Port numbers from the root hub down to the device (at most
    /// [`MAX_PORT_DEPTH`]); stable while the cable stays in the same socket.
    pub ports: Vec<u8>,
}

impl UsbLocation {
    /// A location; `ports` is cut to [`MAX_PORT_DEPTH`].
    #[must_use]
    pub fn new(bus: u8, address: u8, ports: &[u8]) -> Self {
        Self {
            bus,
            address,
            ports: ports.iter().copied().take(MAX_PORT_DEPTH).collect(),
        }
    }

    /// NUT's `busport`: the port number on the parent hub (0 when unknown).
    #[must_use]
    pub fn port(&self) -> u8 {
        self.ports.last().copied().unwrap_or(0)
    }

    /// The port path as Linux names it in sysfs: `<bus>-<port>.<port>…`
    /// (`1-4.2`), or `<bus>-0` when the ports are unknown.
    #[must_use]
    pub fn port_path(&self) -> String {
        let mut text = format!("{}-", self.bus);
        if self.ports.is_empty() {
            text.push('0');
        }
        for (index, port) in self.ports.iter().enumerate() {
            if index > 0 {
                text.push('.');
            }
            text.push_str(&port.to_string());
        }
        text
    }

    /// True when `other` is the same socket (bus and port chain; the
    /// address is ignored).
    #[must_use]
    pub fn same_socket(&self, other: &Self) -> bool {
        self.bus == other.bus && !self.ports.is_empty() && self.ports == other.ports
    }
}

impl fmt::Display for UsbLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (address {})", self.port_path(), self.address)
    }
}

/// One enumerated USB device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsbDevice {
    /// IDs, `bcdDevice` and the three standard strings.
    pub info: DeviceInfo,
    /// Bus, address and port path.
    pub location: UsbLocation,
}

impl UsbDevice {
    /// A device with this identity at this location.
    #[must_use]
    pub fn new(info: DeviceInfo, location: UsbLocation) -> Self {
        Self { info, location }
    }
}

impl fmt::Display for UsbDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:04x} at {}",
            self.info.vendor_id, self.info.product_id, self.location
        )?;
        if let Some(serial) = &self.info.serial {
            write!(f, " serial {serial:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_paths() {
        assert_eq!(UsbLocation::new(1, 7, &[4, 2]).port_path(), "1-4.2");
        assert_eq!(UsbLocation::new(3, 2, &[]).port_path(), "3-0");
        assert_eq!(UsbLocation::new(1, 7, &[4, 2]).port(), 2);
        assert_eq!(UsbLocation::new(1, 7, &[]).port(), 0);
    }

    #[test]
    fn port_depth_is_bounded() {
        let deep = [1u8; MAX_PORT_DEPTH + 1];
        assert_eq!(UsbLocation::new(1, 1, &deep).ports.len(), MAX_PORT_DEPTH);
        assert_eq!(
            UsbLocation::new(1, 1, &deep[..MAX_PORT_DEPTH]).ports.len(),
            MAX_PORT_DEPTH
        );
    }

    #[test]
    fn same_socket_ignores_address_only() {
        let a = UsbLocation::new(1, 5, &[3]);
        assert!(a.same_socket(&UsbLocation::new(1, 9, &[3])));
        assert!(!a.same_socket(&UsbLocation::new(2, 5, &[3])));
        assert!(!a.same_socket(&UsbLocation::new(1, 5, &[4])));
        // Unknown ports never identify a socket.
        assert!(!UsbLocation::new(1, 5, &[]).same_socket(&UsbLocation::new(1, 5, &[])));
    }
}
