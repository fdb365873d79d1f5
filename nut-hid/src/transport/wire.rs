//! The USB and HID class requests `usbhid-ups` makes, as plain values and
//! pure functions (hid-maps.md §1.3 and §1.7): the USB backend sends these,
//! and they are tested here without a bus.

use std::time::Duration;

use crate::MAX_DESCRIPTOR_LEN;

/// bmRequestType of GET_REPORT: device-to-host, class, interface.
pub const GET_REPORT_REQUEST_TYPE: u8 = 0xA1;
/// bmRequestType of SET_REPORT: host-to-device, class, interface.
pub const SET_REPORT_REQUEST_TYPE: u8 = 0x21;
/// bmRequestType of a standard GET_DESCRIPTOR addressed to the device.
pub const GET_DEVICE_DESCRIPTOR_REQUEST_TYPE: u8 = 0x80;
/// bmRequestType of a standard GET_DESCRIPTOR addressed to an interface.
pub const GET_INTERFACE_DESCRIPTOR_REQUEST_TYPE: u8 = 0x81;
/// bRequest GET_REPORT (HID class).
pub const GET_REPORT: u8 = 0x01;
/// bRequest SET_REPORT (HID class).
pub const SET_REPORT: u8 = 0x09;
/// bRequest GET_DESCRIPTOR (standard).
pub const GET_DESCRIPTOR: u8 = 0x06;
/// Descriptor type: device.
pub const DEVICE_DESCRIPTOR: u8 = 0x01;
/// Descriptor type: string.
pub const STRING_DESCRIPTOR: u8 = 0x03;
/// Descriptor type: HID class descriptor.
pub const HID_DESCRIPTOR: u8 = 0x21;
/// Descriptor type: HID report descriptor.
pub const REPORT_DESCRIPTOR: u8 = 0x22;
/// Report type code of a Feature report in GET/SET_REPORT's wValue.
pub const FEATURE_REPORT_TYPE: u16 = 0x03;
/// The language NUT assumes when string descriptor 0 is malformed.
pub const DEFAULT_LANGUAGE: u16 = 0x0409;
/// Timeout of control transfers (GET/SET_REPORT, descriptors), as NUT.
pub const CONTROL_TIMEOUT: Duration = Duration::from_millis(5000);
/// Size of the HID class descriptor up to its first descriptor length.
pub const HID_DESCRIPTOR_LEN: usize = 9;
/// Longest USB string descriptor (bLength is one byte).
pub const MAX_STRING_DESCRIPTOR_LEN: usize = 255;
/// Tries for each string descriptor read, and the pause between them.
pub const STRING_TRIES: u32 = 3;
/// Pause between string descriptor tries.
pub const STRING_RETRY_PAUSE: Duration = Duration::from_millis(50);
/// Tries to detach a kernel driver and claim the interface.
pub const CLAIM_TRIES: u32 = 4;
/// Most descriptors walked in an interface's extra bytes.
const MAX_EXTRA_DESCRIPTORS: usize = 64;

/// wValue of GET/SET_REPORT for feature report `report_id`.
#[must_use]
pub const fn feature_report_value(report_id: u8) -> u16 {
    (FEATURE_REPORT_TYPE << 8) | report_id as u16
}

/// wValue of GET_DESCRIPTOR for descriptor `kind`, index `index`.
#[must_use]
pub const fn descriptor_value(kind: u8, index: u8) -> u16 {
    ((kind as u16) << 8) | index as u16
}

/// The interrupt IN endpoint address for endpoint number `number`.
#[must_use]
pub const fn interrupt_in_endpoint(number: u8) -> u8 {
    0x80 | (number & 0x0F)
}

/// The HID class descriptor among an interface descriptor's extra bytes
/// (a chain of `bLength, bDescriptorType, …` descriptors), if any.
#[must_use]
pub fn find_hid_descriptor(extra: &[u8]) -> Option<&[u8]> {
    let mut rest = extra;
    for _ in 0..MAX_EXTRA_DESCRIPTORS {
        let len = usize::from(*rest.first()?);
        if len < 2 {
            return None;
        }
        let descriptor = rest.get(..len)?;
        if descriptor.get(1) == Some(&HID_DESCRIPTOR) && len >= HID_DESCRIPTOR_LEN {
            return Some(descriptor);
        }
        rest = rest.get(len..)?;
    }
    None
}

/// The report descriptor length a HID class descriptor announces (bytes
/// 7..8, little-endian), if the descriptor is one.
#[must_use]
pub fn report_descriptor_len(hid_descriptor: &[u8]) -> Option<u16> {
    if hid_descriptor.len() < HID_DESCRIPTOR_LEN || hid_descriptor.get(1) != Some(&HID_DESCRIPTOR) {
        return None;
    }
    let low = *hid_descriptor.get(7)?;
    let high = *hid_descriptor.get(8)?;
    Some(u16::from_le_bytes([low, high]))
}

/// True for the Eaton units (0463, bcdDevice 0x0202) whose HID descriptor
/// is at index 1 and whose descriptor length is tried the other way round.
#[must_use]
pub const fn is_eaton_0202(vendor_id: u16, bcd_device: u16) -> bool {
    vendor_id == 0x0463 && bcd_device == 0x0202
}

/// The HID descriptor index to ask for: the configured one, else 1 for
/// the Eaton 0202 units, else 0.
#[must_use]
pub fn descriptor_index(configured: Option<u8>, vendor_id: u16, bcd_device: u16) -> u8 {
    configured.unwrap_or_else(|| u8::from(is_eaton_0202(vendor_id, bcd_device)))
}

/// The report descriptor lengths to try, in order: the one from the
/// interface's extra bytes first, then the one from GET_DESCRIPTOR if it
/// differs (the reverse for the Eaton 0202 units). Lengths of 0 or above
/// [`MAX_DESCRIPTOR_LEN`] are dropped, as NUT rejects them.
#[must_use]
pub fn descriptor_lengths(
    from_extra: Option<u16>,
    from_request: Option<u16>,
    eaton_0202: bool,
) -> Vec<u16> {
    let (first, second) = if eaton_0202 {
        (from_request, from_extra)
    } else {
        (from_extra, from_request)
    };
    let mut lengths = Vec::with_capacity(2);
    for len in [first, second].into_iter().flatten() {
        if len > 0 && usize::from(len) <= MAX_DESCRIPTOR_LEN && !lengths.contains(&len) {
            lengths.push(len);
        }
    }
    lengths
}

/// The first language ID of string descriptor 0, or [`DEFAULT_LANGUAGE`]
/// when the reply is malformed (NUT's rule).
#[must_use]
pub fn language_id(descriptor_zero: &[u8]) -> u16 {
    match descriptor_zero {
        [len, STRING_DESCRIPTOR, low, high, ..] if *len >= 4 => u16::from_le_bytes([*low, *high]),
        _ => DEFAULT_LANGUAGE,
    }
}

/// A string descriptor's text reduced to 8-bit characters as NUT does: a
/// UTF-16 code unit whose high byte is not zero becomes `?`. `None` when
/// the bytes are not a string descriptor.
#[must_use]
pub fn decode_string(descriptor: &[u8]) -> Option<String> {
    let [len, STRING_DESCRIPTOR, ..] = descriptor else {
        return None;
    };
    let end = usize::from(*len).min(descriptor.len());
    let units = descriptor.get(2..end)?;
    Some(
        units
            .chunks_exact(2)
            .map(|pair| match pair {
                [low, 0] => char::from(*low),
                _ => '?',
            })
            .collect(),
    )
}

/// `bcdDevice` from a device descriptor (bytes 12..13).
#[must_use]
pub fn bcd_device(device_descriptor: &[u8]) -> Option<u16> {
    if device_descriptor.get(1) != Some(&DEVICE_DESCRIPTOR) {
        return None;
    }
    Some(u16::from_le_bytes([
        *device_descriptor.get(12)?,
        *device_descriptor.get(13)?,
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A HID class descriptor announcing a 1049-byte report descriptor.
    const HID: [u8; 9] = [0x09, 0x21, 0x10, 0x01, 0x21, 0x01, 0x22, 0x19, 0x04];

    #[test]
    fn request_values() {
        assert_eq!(feature_report_value(0x0c), 0x030c);
        assert_eq!(descriptor_value(REPORT_DESCRIPTOR, 0), 0x2200);
        assert_eq!(descriptor_value(STRING_DESCRIPTOR, 2), 0x0302);
        assert_eq!(interrupt_in_endpoint(1), 0x81);
        assert_eq!(interrupt_in_endpoint(4), 0x84);
    }

    #[test]
    fn hid_descriptor_in_extra_bytes() {
        assert_eq!(report_descriptor_len(&HID), Some(1049));
        let mut extra = vec![0x05, 0x24, 0x00, 0x10, 0x01];
        extra.extend_from_slice(&HID);
        assert_eq!(find_hid_descriptor(&extra), Some(&HID[..]));
        // Truncated, zero-length and absent descriptors.
        assert_eq!(find_hid_descriptor(&HID[..8]), None);
        assert_eq!(find_hid_descriptor(&[0x00, 0x21]), None);
        assert_eq!(find_hid_descriptor(&[]), None);
        assert_eq!(report_descriptor_len(&HID[..8]), None);
        assert_eq!(
            report_descriptor_len(&[0x09, 0x22, 0, 0, 0, 0, 0, 1, 0]),
            None
        );
    }

    #[test]
    fn extra_walk_is_bounded() {
        let chain = [0x02u8, 0x24].repeat(MAX_EXTRA_DESCRIPTORS + 1);
        assert_eq!(find_hid_descriptor(&chain), None);
    }

    #[test]
    fn eaton_quirk() {
        assert_eq!(descriptor_index(None, 0x0463, 0x0202), 1);
        assert_eq!(descriptor_index(None, 0x0463, 0x0100), 0);
        assert_eq!(descriptor_index(Some(0), 0x0463, 0x0202), 0);
        assert_eq!(descriptor_lengths(Some(100), Some(200), false), [100, 200]);
        assert_eq!(descriptor_lengths(Some(100), Some(200), true), [200, 100]);
        assert_eq!(descriptor_lengths(Some(100), Some(100), false), [100]);
        assert_eq!(descriptor_lengths(None, Some(0), false), Vec::<u16>::new());
    }

    #[test]
    fn descriptor_length_limit() {
        let limit = MAX_DESCRIPTOR_LEN as u16;
        assert_eq!(descriptor_lengths(Some(limit), None, false), [limit]);
        assert!(descriptor_lengths(Some(limit + 1), None, false).is_empty());
    }

    #[test]
    fn languages() {
        assert_eq!(language_id(&[4, 3, 0x07, 0x04]), 0x0407);
        assert_eq!(language_id(&[4, 3, 0x09]), DEFAULT_LANGUAGE);
        assert_eq!(language_id(&[2, 3]), DEFAULT_LANGUAGE);
        assert_eq!(language_id(&[4, 2, 0x07, 0x04]), DEFAULT_LANGUAGE);
    }

    #[test]
    fn strings_reduce_to_latin1() {
        // "Aé€" as UTF-16LE: € (U+20AC) has a non-zero high byte.
        let d = [8, 3, b'A', 0, 0xE9, 0, 0xAC, 0x20];
        assert_eq!(decode_string(&d).as_deref(), Some("Aé?"));
        // bLength shorter than the reply: the rest is ignored.
        assert_eq!(
            decode_string(&[4, 3, b'A', 0, b'B', 0]).as_deref(),
            Some("A")
        );
        // bLength longer than the reply: what came is used; odd byte dropped.
        assert_eq!(decode_string(&[10, 3, b'A', 0, b'B']).as_deref(), Some("A"));
        assert_eq!(decode_string(&[2, 3]).as_deref(), Some(""));
        assert_eq!(decode_string(&[2, 1]), None);
        assert_eq!(decode_string(&[]), None);
        let longest = [[255u8, 3].as_slice(), &[b'x', 0].repeat(200)].concat();
        assert_eq!(decode_string(&longest).map(|s| s.len()), Some(126));
    }

    #[test]
    fn bcd_from_device_descriptor() {
        let mut d = [0u8; 18];
        d[0] = 18;
        d[1] = DEVICE_DESCRIPTOR;
        d[12] = 0x02;
        d[13] = 0x02;
        assert_eq!(bcd_device(&d), Some(0x0202));
        assert_eq!(bcd_device(&d[..13]), None);
        d[1] = 2;
        assert_eq!(bcd_device(&d), None);
    }
}
