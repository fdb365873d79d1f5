//! NUT's regex matcher over enumerated devices (hid-maps.md §1.3 step 3.2):
//! options `vendorid`, `productid`, `vendor`, `product`, `serial`, `bus`,
//! `device`, `busport`, each a case-insensitive extended regex that must
//! match the whole field, and `allow_duplicates`.

use crate::Error;
use crate::select::Pattern;

use super::device::UsbDevice;

/// The USB matching options as given in `ups.conf` (unset = match all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsbMatchOptions {
    /// `vendorid`: regex over the 4-digit lower-case hex vendor ID.
    pub vendor_id: Option<String>,
    /// `productid`: regex over the 4-digit lower-case hex product ID.
    pub product_id: Option<String>,
    /// `vendor`: regex over the iManufacturer string.
    pub vendor: Option<String>,
    /// `product`: regex over the iProduct string.
    pub product: Option<String>,
    /// `serial`: regex over the iSerialNumber string.
    pub serial: Option<String>,
    /// `bus`: regex over the 3-digit bus number.
    pub bus: Option<String>,
    /// `device`: regex over the 3-digit device address.
    pub device: Option<String>,
    /// `busport`: regex over the 3-digit port number on the parent hub.
    pub busport: Option<String>,
    /// `allow_duplicates`: when the first matching device is claimed by
    /// another program, try the next one instead of failing.
    pub allow_duplicates: bool,
}

/// The compiled matching options.
#[derive(Debug, Clone)]
pub struct UsbMatcher {
    vendor_id: Option<Pattern>,
    product_id: Option<Pattern>,
    vendor: Option<Pattern>,
    product: Option<Pattern>,
    serial: Option<Pattern>,
    bus: Option<Pattern>,
    device: Option<Pattern>,
    busport: Option<Pattern>,
    allow_duplicates: bool,
}

fn compile(option: &Option<String>) -> Result<Option<Pattern>, Error> {
    option.as_deref().map(Pattern::new).transpose()
}

/// NUT strips leading and trailing space, tab and newline from a field
/// before matching; a missing string matches as "".
fn field(text: Option<&str>) -> &str {
    text.unwrap_or_default()
        .trim_matches(|c| c == ' ' || c == '\t' || c == '\n' || c == '\r')
}

fn accepts(pattern: &Option<Pattern>, text: &str) -> bool {
    pattern.as_ref().is_none_or(|p| p.matches(text))
}

impl UsbMatcher {
    /// Compile the options.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPattern`] for a regex that does not compile (fatal
    /// in NUT too).
    pub fn new(options: &UsbMatchOptions) -> Result<Self, Error> {
        Ok(Self {
            vendor_id: compile(&options.vendor_id)?,
            product_id: compile(&options.product_id)?,
            vendor: compile(&options.vendor)?,
            product: compile(&options.product)?,
            serial: compile(&options.serial)?,
            bus: compile(&options.bus)?,
            device: compile(&options.device)?,
            busport: compile(&options.busport)?,
            allow_duplicates: options.allow_duplicates,
        })
    }

    /// A matcher that accepts every device.
    #[must_use]
    pub fn any() -> Self {
        Self {
            vendor_id: None,
            product_id: None,
            vendor: None,
            product: None,
            serial: None,
            bus: None,
            device: None,
            busport: None,
            allow_duplicates: false,
        }
    }

    /// True when every set option matches its field of `device`.
    #[must_use]
    pub fn matches(&self, device: &UsbDevice) -> bool {
        let info = &device.info;
        let location = &device.location;
        accepts(&self.vendor_id, &format!("{:04x}", info.vendor_id))
            && accepts(&self.product_id, &format!("{:04x}", info.product_id))
            && accepts(&self.vendor, field(info.vendor.as_deref()))
            && accepts(&self.product, field(info.product.as_deref()))
            && accepts(&self.serial, field(info.serial.as_deref()))
            && accepts(&self.bus, &format!("{:03}", location.bus))
            && accepts(&self.device, &format!("{:03}", location.address))
            && accepts(&self.busport, &format!("{:03}", location.port()))
    }

    /// `allow_duplicates`: whether a busy device is skipped (true) or ends
    /// the search with an error (false).
    #[must_use]
    pub fn allow_duplicates(&self) -> bool {
        self.allow_duplicates
    }

    /// Which device to take from `candidates`, given in enumeration order
    /// with whether each is busy (claimed by another program): the first
    /// matching one that is not busy, as long as no busy one comes first
    /// without `allow_duplicates`. `Err(index)` names the busy device that
    /// stops the search.
    ///
    /// # Errors
    ///
    /// `Err(index)` of the first matching, busy device when
    /// `allow_duplicates` is off.
    pub fn choose(&self, candidates: &[(&UsbDevice, bool)]) -> Result<Option<usize>, usize> {
        for (index, (device, busy)) in candidates.iter().enumerate() {
            if !self.matches(device) {
                continue;
            }
            if !busy {
                return Ok(Some(index));
            }
            if !self.allow_duplicates {
                return Err(index);
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::DeviceInfo;
    use crate::transport::UsbLocation;

    fn device(serial: Option<&str>, bus: u8, address: u8, ports: &[u8]) -> UsbDevice {
        UsbDevice::new(
            DeviceInfo::new(0x051d, 0x0002).with_strings(
                Some("American Power Conversion"),
                Some(" Back-UPS ES 850G2 FW:938.a2 .I \n"),
                serial,
            ),
            UsbLocation::new(bus, address, ports),
        )
    }

    fn matcher(edit: impl FnOnce(&mut UsbMatchOptions)) -> UsbMatcher {
        let mut options = UsbMatchOptions::default();
        edit(&mut options);
        UsbMatcher::new(&options).expect("valid patterns")
    }

    #[test]
    fn unset_options_match_everything() {
        assert!(UsbMatcher::any().matches(&device(None, 1, 2, &[])));
        assert!(matcher(|_| {}).matches(&device(Some("X"), 9, 99, &[3])));
    }

    #[test]
    fn ids_match_as_lower_case_hex_whole_field() {
        assert!(matcher(|o| o.vendor_id = Some("051D".into())).matches(&device(None, 1, 2, &[])));
        assert!(matcher(|o| o.product_id = Some("0002".into())).matches(&device(None, 1, 2, &[])));
        // Whole field: "051" is not "051d".
        assert!(!matcher(|o| o.vendor_id = Some("051".into())).matches(&device(None, 1, 2, &[])));
        assert!(matcher(|o| o.vendor_id = Some("05.*".into())).matches(&device(None, 1, 2, &[])));
    }

    #[test]
    fn strings_are_trimmed_and_case_insensitive() {
        let d = device(Some("3B1234X56789"), 1, 2, &[]);
        assert!(matcher(|o| o.product = Some("back-ups es 850g2 fw:938.a2 .i".into())).matches(&d));
        assert!(matcher(|o| o.vendor = Some("american.*".into())).matches(&d));
        assert!(matcher(|o| o.serial = Some("3b1234x56789".into())).matches(&d));
        assert!(!matcher(|o| o.serial = Some("3B1234".into())).matches(&d));
    }

    #[test]
    fn missing_string_matches_as_empty() {
        let d = device(None, 1, 2, &[]);
        assert!(matcher(|o| o.serial = Some("".into())).matches(&d));
        assert!(matcher(|o| o.serial = Some(".*".into())).matches(&d));
        assert!(!matcher(|o| o.serial = Some(".+".into())).matches(&d));
    }

    #[test]
    fn bus_device_and_busport_are_three_digits() {
        let d = device(None, 1, 7, &[4, 2]);
        assert!(matcher(|o| o.bus = Some("001".into())).matches(&d));
        assert!(!matcher(|o| o.bus = Some("1".into())).matches(&d));
        assert!(matcher(|o| o.device = Some("007".into())).matches(&d));
        assert!(matcher(|o| o.busport = Some("002".into())).matches(&d));
        assert!(!matcher(|o| o.busport = Some("004".into())).matches(&d));
    }

    #[test]
    fn bad_regex_is_an_error() {
        let options = UsbMatchOptions {
            product: Some("(unclosed".into()),
            ..UsbMatchOptions::default()
        };
        assert!(matches!(
            UsbMatcher::new(&options),
            Err(Error::InvalidPattern { .. })
        ));
    }

    #[test]
    fn allow_duplicates_skips_busy_devices() {
        let (a, b) = (device(None, 1, 2, &[1]), device(None, 1, 3, &[2]));
        let strict = matcher(|_| {});
        let lenient = matcher(|o| o.allow_duplicates = true);
        assert_eq!(strict.choose(&[(&a, false), (&b, false)]), Ok(Some(0)));
        assert_eq!(strict.choose(&[(&a, true), (&b, false)]), Err(0));
        assert_eq!(lenient.choose(&[(&a, true), (&b, false)]), Ok(Some(1)));
        assert_eq!(lenient.choose(&[(&a, true), (&b, true)]), Ok(None));
        // A busy device that does not match does not stop the search.
        let only_b = matcher(|o| o.device = Some("003".into()));
        assert_eq!(only_b.choose(&[(&a, true), (&b, false)]), Ok(Some(1)));
        assert_eq!(strict.choose(&[]), Ok(None));
    }
}
