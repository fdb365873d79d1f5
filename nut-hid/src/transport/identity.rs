//! Which unit the driver is bound to, so that after an unplug or a USB
//! reset it re-finds the same UPS and not its twin.
//!
//! NUT's reconnect rule ("exact matcher") compares vendor and product IDs
//! and the vendor, product and serial strings, and ignores where the
//! device is plugged in. Two identical UPSes without serial numbers then
//! look the same, and after both re-enumerate each driver may take the
//! other's unit. Here, beyond NUT:
//!
//! * a unit **with** a serial number is re-found by the NUT rule (it may
//!   come back on any port);
//! * a unit **without** one (missing or blank) must also come back on the
//!   same bus and port path; if it is nowhere on that socket, a device on
//!   another socket is taken only when it is the *only* device with the
//!   same IDs and strings, so a lone UPS moved to another socket still
//!   reconnects while twins never swap.

use std::fmt;

use super::device::{UsbDevice, UsbLocation};

/// The identity of the unit a driver is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitIdentity {
    vendor_id: u16,
    product_id: u16,
    vendor: Option<String>,
    product: Option<String>,
    serial: Option<String>,
    location: UsbLocation,
}

impl UnitIdentity {
    /// The identity of `device` as it was found.
    #[must_use]
    pub fn of(device: &UsbDevice) -> Self {
        Self {
            vendor_id: device.info.vendor_id,
            product_id: device.info.product_id,
            vendor: device.info.vendor.clone(),
            product: device.info.product.clone(),
            serial: device.info.serial.clone(),
            location: device.location.clone(),
        }
    }

    /// The serial number, when it is one (not missing, not blank).
    #[must_use]
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref().filter(|s| !s.trim().is_empty())
    }

    /// Where the unit was last seen.
    #[must_use]
    pub fn location(&self) -> &UsbLocation {
        &self.location
    }

    /// NUT's exact matcher: same IDs and byte-identical vendor, product
    /// and serial strings (a missing string equals only a missing one).
    #[must_use]
    pub fn same_strings(&self, device: &UsbDevice) -> bool {
        let info = &device.info;
        info.vendor_id == self.vendor_id
            && info.product_id == self.product_id
            && info.vendor == self.vendor
            && info.product == self.product
            && info.serial == self.serial
    }

    /// The devices of `devices` that are this unit, best first (module
    /// docs): indexes into `devices`.
    #[must_use]
    pub fn find(&self, devices: &[UsbDevice]) -> Vec<usize> {
        let same: Vec<usize> = devices
            .iter()
            .enumerate()
            .filter(|(_, device)| self.same_strings(device))
            .map(|(index, _)| index)
            .collect();
        if self.serial().is_some() {
            return same;
        }
        let on_socket: Vec<usize> = same
            .iter()
            .copied()
            .filter(|index| {
                devices
                    .get(*index)
                    .is_some_and(|d| d.location.same_socket(&self.location))
            })
            .collect();
        if !on_socket.is_empty() {
            return on_socket;
        }
        if same.len() == 1 { same } else { Vec::new() }
    }

    /// Remember a new location (after the unit was re-found elsewhere).
    pub fn moved_to(&mut self, location: &UsbLocation) {
        self.location = location.clone();
    }
}

impl fmt::Display for UnitIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vendor_id, self.product_id)?;
        match self.serial() {
            Some(serial) => write!(f, " serial {serial:?}"),
            None => write!(f, " without serial, at port {}", self.location.port_path()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::DeviceInfo;

    fn unit(serial: Option<&str>, address: u8, ports: &[u8]) -> UsbDevice {
        UsbDevice::new(
            DeviceInfo::new(0x0764, 0x0501).with_strings(Some("CPS"), Some("CP1500PFCLCD"), serial),
            UsbLocation::new(1, address, ports),
        )
    }

    #[test]
    fn serial_units_are_found_on_any_port() {
        let id = UnitIdentity::of(&unit(Some("CXXNV2000001"), 4, &[1]));
        let bus = [
            unit(Some("OTHER"), 9, &[1]),
            unit(Some("CXXNV2000001"), 12, &[3, 2]),
        ];
        assert_eq!(id.find(&bus), [1]);
        assert_eq!(id.serial(), Some("CXXNV2000001"));
    }

    #[test]
    fn twins_without_serial_keep_their_socket() {
        let a = UnitIdentity::of(&unit(None, 4, &[1]));
        let b = UnitIdentity::of(&unit(None, 5, &[2]));
        // Both re-enumerated with new addresses, B listed first.
        let bus = [unit(None, 11, &[2]), unit(None, 10, &[1])];
        assert_eq!(a.find(&bus), [1]);
        assert_eq!(b.find(&bus), [0]);
        // NUT's rule alone would accept both for each.
        assert!(a.same_strings(&bus[0]) && a.same_strings(&bus[1]));
    }

    #[test]
    fn a_lone_unit_may_move_but_twins_may_not_swap() {
        let a = UnitIdentity::of(&unit(None, 4, &[1]));
        assert_eq!(a.find(&[unit(None, 8, &[3])]), [0]);
        // A's socket is empty and two candidates elsewhere: take neither.
        assert!(
            a.find(&[unit(None, 8, &[3]), unit(None, 9, &[2])])
                .is_empty()
        );
    }

    #[test]
    fn blank_serial_counts_as_none() {
        let a = UnitIdentity::of(&unit(Some("   "), 4, &[1]));
        assert_eq!(a.serial(), None);
        let bus = [unit(Some("   "), 11, &[2]), unit(Some("   "), 10, &[1])];
        assert_eq!(a.find(&bus), [1]);
    }

    #[test]
    fn different_strings_never_match() {
        let a = UnitIdentity::of(&unit(Some("S1"), 4, &[1]));
        assert!(a.find(&[unit(Some("S2"), 4, &[1])]).is_empty());
        assert!(a.find(&[unit(None, 4, &[1])]).is_empty());
        let mut moved = a.clone();
        moved.moved_to(&UsbLocation::new(2, 3, &[5]));
        assert_eq!(moved.location().port_path(), "2-5");
        assert!(a.to_string().contains("serial \"S1\""));
    }
}
