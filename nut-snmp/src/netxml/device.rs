//! A simulated NetXML card's device state and the pages it serves (sans-IO;
//! the HTTP side is [`super::sim`]).
//!
//! The state is the card's XML objects by name. The default device is a
//! single-phase Eaton UPS behind a Network Management Card; commands change
//! it the way a real UPS would (`ob` clears `ACPresent` and starts
//! discharging, and so on).

use super::document::{Document, Object};
use super::map;
use crate::error::Error;

/// Where the simulator serves the product page.
pub const PRODUCT_PATH: &str = "/mgeups/product.xml";
/// Where it serves the summary page (as named in the product page).
pub const SUMMARY_PATH: &str = "/upsprop.xml";
/// Where it serves the object page (as named in the product page).
pub const OBJECT_PATH: &str = "/getvalue.cgi";
/// Where it serves the configure (XML-CLIENT) page.
pub const CONFIG_PATH: &str = "/config.xml";
/// Where it takes alarm subscriptions.
pub const SUBSCRIBE_PATH: &str = "/ECV.cgi";

/// Objects shown on the summary page (the rest go on the object page).
const SUMMARY_OBJECTS: &[&str] = &[
    "UPS.PowerSummary.iProduct",
    "UPS.PowerSummary.iModel",
    "UPS.PowerSummary.iManufacturer",
    "UPS.PowerSummary.iSerialNumber",
    "UPS.PowerSummary.RemainingCapacity",
    "UPS.PowerSummary.RunTimeToEmpty",
    "UPS.PowerSummary.PercentLoad",
    "UPS.PowerSummary.PresentStatus.ACPresent",
    "UPS.PowerSummary.PresentStatus.Charging",
    "UPS.PowerSummary.PresentStatus.Discharging",
    "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
    "System.LastAcquisition",
];

/// The default device's objects, in page order.
const DEFAULT_OBJECTS: &[(&str, &str)] = &[
    ("UPS.PowerSummary.iProduct", "Eaton 5PX"),
    ("UPS.PowerSummary.iModel", "5PX 1500"),
    ("UPS.PowerSummary.iManufacturer", "EATON"),
    ("UPS.PowerSummary.iSerialNumber", "G123A45678"),
    ("UPS.PowerSummary.iVersion", "01.14.0010"),
    ("UPS.PowerSummary.RemainingCapacity", "100"),
    ("UPS.PowerSummary.RunTimeToEmpty", "2400"),
    ("UPS.PowerSummary.PercentLoad", "23"),
    ("UPS.PowerSummary.PresentStatus.ACPresent", "1"),
    ("UPS.PowerSummary.PresentStatus.Charging", "1"),
    ("UPS.PowerSummary.PresentStatus.Discharging", "0"),
    (
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        "0",
    ),
    ("UPS.PowerSummary.PresentStatus.Overload", "0"),
    ("UPS.PowerSummary.PresentStatus.NeedReplacement", "0"),
    ("UPS.PowerSummary.PresentStatus.Good", "1"),
    ("UPS.PowerSummary.PresentStatus.FanFailure", "0"),
    ("UPS.PowerSummary.PresentStatus.InternalFailure", "0"),
    ("UPS.BatterySystem.Battery.PresentStatus.Present", "1"),
    ("UPS.PowerConverter.Input[1].PresentStatus.Buck", "0"),
    ("UPS.PowerConverter.Input[1].PresentStatus.Boost", "0"),
    (
        "UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange",
        "0",
    ),
    (
        "UPS.PowerConverter.Input[1].PresentStatus.FrequencyOutOfRange",
        "0",
    ),
    ("System.LastAcquisition", "2026/01/01 12:00:00"),
    ("UPS.PowerSummary.RemainingCapacityLimitSetting", "20"),
    ("UPS.PowerSummary.RestartLevel", "0"),
    ("System.RunTimeToEmptyLimit", "180"),
    ("UPS.BatterySystem.ConfigVoltage", "48"),
    ("UPS.BatterySystem.Battery.DesignCapacity", "25200"),
    ("UPS.BatterySystem.Battery.Test", "1"),
    ("UPS.BatterySystem.Battery.DeepDischargeProtection", "1"),
    ("UPS.PowerSummary.AudibleAlarmControl", "2"),
    ("UPS.PowerSummary.DelayBeforeShutdown", "-1"),
    ("UPS.PowerSummary.DelayBeforeStartup", "-1"),
    ("UPS.PowerSummary.DelayBeforeReboot", "-1"),
    ("System.ShutdownDuration", "120"),
    ("System.RunTimeToShutdown", "300"),
    ("System.Contact", "Computer Room Manager"),
    ("System.Location", "Computer Room"),
    ("UPS.PowerConverter.ConverterType", "2"),
    ("UPS.PowerConverter.Input[1].Voltage", "230"),
    ("UPS.PowerConverter.Input[1].Frequency", "50"),
    ("UPS.Flow[1].ConfigVoltage", "230"),
    ("UPS.PowerConverter.Output.Voltage", "230"),
    ("UPS.PowerConverter.Output.Frequency", "50"),
    ("UPS.PowerConverter.Output.Current", "1.5"),
    ("UPS.PowerConverter.Output.ApparentPower", "345"),
    ("UPS.PowerConverter.Output.ActivePower", "310"),
    ("UPS.PowerConverter.Output.PowerFactor", "90"),
    ("UPS.PowerConverter.Output.LowVoltageTransfer", "160"),
    ("UPS.PowerConverter.Output.HighVoltageTransfer", "294"),
    ("UPS.PowerConverter.Input[1].AutomaticRestart", "1"),
    ("UPS.PowerConverter.Input[3].StartOnBattery", "1"),
    ("UPS.Flow[4].ConfigApparentPower", "1500"),
    ("UPS.Flow[4].ConfigActivePower", "1350"),
    ("UPS.Flow[4].ConfigVoltage", "230"),
    ("UPS.Flow[4].ConfigFrequency", "50"),
    ("UPS.BatterySystem.Battery.Temperature", "25"),
    ("Environment.Temperature", "22"),
    ("Environment.Humidity", "40"),
];

/// A simulated card: product identity and XML objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The product page's `name` attribute.
    pub product_name: String,
    /// The product page's `type` attribute.
    pub product_type: String,
    /// The product page's `version` attribute.
    pub product_version: String,
    objects: Vec<(String, String)>,
}

impl Default for Device {
    fn default() -> Self {
        Self::ups()
    }
}

/// Escapes text for an attribute or element body.
fn escape(text: &str) -> String {
    super::request::escape(text).replace('\'', "&apos;")
}

impl Device {
    /// The default single-phase UPS.
    pub fn ups() -> Self {
        Self {
            product_name: "Network Management Card".into(),
            product_type: "Mosaic 4M 16M".into(),
            product_version: "GA (SN 7A12345678)".into(),
            objects: DEFAULT_OBJECTS
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// Every object, in page order.
    pub fn objects(&self) -> &[(String, String)] {
        &self.objects
    }

    /// An object's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.objects
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets an object (added at the end of the object page when new).
    pub fn set(&mut self, name: &str, value: &str) {
        match self
            .objects
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some((_, v)) => value.clone_into(v),
            None => self.objects.push((name.to_owned(), value.to_owned())),
        }
    }

    /// The product page.
    pub fn product_page(&self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n\
             <PRODUCT_INFO name=\"{}\" type=\"{}\" version=\"{}\" protocol=\"XML.V3\" langue_id=\"1\">\n\
             <SUMMARY><HTML_SUMMARY_PAGE url=\"pageaccueil.htm\"/><XML_SUMMARY_PAGE url=\"{}\"/><CENTRAL_CFG url=\"{}\"/></SUMMARY>\n\
             <ALARMS><SUBSCRIPTION url=\"{}\" security=\"none\"/></ALARMS>\n\
             <UPS_DATA><GET_OBJECT url=\"{}\" security=\"none\"/><SET_OBJECT url=\"setvalue.cgi\" security=\"basic\"/></UPS_DATA>\n\
             </PRODUCT_INFO>\n",
            escape(&self.product_name),
            escape(&self.product_type),
            escape(&self.product_version),
            SUMMARY_PATH.trim_start_matches('/'),
            CONFIG_PATH.trim_start_matches('/'),
            SUBSCRIBE_PATH.trim_start_matches('/'),
            OBJECT_PATH.trim_start_matches('/'),
        )
    }

    fn page(&self, root: &str, summary: bool) -> String {
        let mut page = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<{root}>\n");
        for (name, value) in &self.objects {
            if SUMMARY_OBJECTS.contains(&name.as_str()) != summary {
                continue;
            }
            let access = match map::by_xml(name) {
                Some(row) if row.flags.contains(map::Flags::RW) => "RW",
                _ => "RO",
            };
            page.push_str(&format!(
                "<OBJECT name=\"{}\" unit=\"\" access=\"{access}\">{}</OBJECT>\n",
                escape(name),
                escape(value)
            ));
        }
        page.push_str(&format!("</{root}>\n"));
        page
    }

    /// The summary page.
    pub fn summary_page(&self) -> String {
        self.page("SUMMARY", true)
    }

    /// The object page.
    pub fn object_page(&self) -> String {
        self.page("GET_OBJECT", false)
    }

    /// The page served at `path`, if any.
    pub fn page_at(&self, path: &str) -> Option<String> {
        match path {
            "/" => Some("<html><body>NetXML card simulator</body></html>\n".into()),
            PRODUCT_PATH => Some(self.product_page()),
            CONFIG_PATH => Some(
                "<?xml version=\"1.0\"?>\n<XML-CLIENT><GENERAL/>\
                 <SHUTDOWN shutdownTimer=\"NONE\" shutdownDuration=\"120\"/></XML-CLIENT>\n"
                    .into(),
            ),
            SUMMARY_PATH => Some(self.summary_page()),
            OBJECT_PATH => Some(self.object_page()),
            _ => None,
        }
    }

    /// Applies a SET_OBJECT form body (the multipart POST netxml-ups
    /// sends): every object that a writable table row names is set.
    /// Returns the objects set.
    ///
    /// # Errors
    ///
    /// [`Error::Xml`] / [`Error::Netxml`] when the XML part is malformed or
    /// not a SET_OBJECT document.
    pub fn apply_set_form(&mut self, body: &[u8]) -> Result<Vec<Object>, Error> {
        let start = find(body, b"<?xml").or_else(|| find(body, b"<SET_OBJECT"));
        let xml = start.and_then(|at| body.get(at..)).unwrap_or(body);
        let end = find(xml, b"</SET_OBJECT>").map_or(xml.len(), |at| at + 13);
        let xml = xml.get(..end).unwrap_or(xml);
        let Document::SetObject(objects) = Document::parse(xml)? else {
            return Err(Error::Netxml("not a SET_OBJECT document".into()));
        };
        let mut set = Vec::new();
        for object in objects {
            let writable =
                map::by_xml(&object.name).is_some_and(|row| row.flags.contains(map::Flags::RW));
            if writable {
                self.set(&object.name, &object.value);
                set.push(object);
            }
        }
        Ok(set)
    }

    /// Runs a console command and describes what changed: `ol`, `ob`,
    /// `lb`, `charge N`, `runtime N`, `load N`, `set OBJECT VALUE`,
    /// `get OBJECT`.
    ///
    /// # Errors
    ///
    /// A usage message for an unknown command or a bad argument.
    pub fn command(&mut self, line: &str) -> Result<String, String> {
        let mut words = line.split_whitespace();
        let word = words.next().unwrap_or_default();
        let arg = words.next();
        let number = |what: &str| {
            arg.and_then(|a| a.parse::<u32>().ok())
                .map(|n| n.to_string())
                .ok_or_else(|| format!("usage: {what} N"))
        };
        const STATUS: &str = "UPS.PowerSummary.PresentStatus.";
        match word {
            "ol" => {
                self.set(&format!("{STATUS}ACPresent"), "1");
                self.set(&format!("{STATUS}Charging"), "1");
                self.set(&format!("{STATUS}Discharging"), "0");
                self.set(&format!("{STATUS}BelowRemainingCapacityLimit"), "0");
                Ok("on line".into())
            }
            "ob" => {
                self.set(&format!("{STATUS}ACPresent"), "0");
                self.set(&format!("{STATUS}Charging"), "0");
                self.set(&format!("{STATUS}Discharging"), "1");
                Ok("on battery".into())
            }
            "lb" => {
                self.set(&format!("{STATUS}BelowRemainingCapacityLimit"), "1");
                Ok("low battery".into())
            }
            "charge" => {
                let n = number("charge")?;
                self.set("UPS.PowerSummary.RemainingCapacity", &n);
                Ok(format!("charge {n}"))
            }
            "runtime" => {
                let n = number("runtime")?;
                self.set("UPS.PowerSummary.RunTimeToEmpty", &n);
                Ok(format!("runtime {n}"))
            }
            "load" => {
                let n = number("load")?;
                self.set("UPS.PowerSummary.PercentLoad", &n);
                Ok(format!("load {n}"))
            }
            "set" => {
                let (Some(name), Some(value)) = (arg, words.next()) else {
                    return Err("usage: set OBJECT VALUE".into());
                };
                self.set(name, value);
                Ok(format!("{name} = {value}"))
            }
            "get" => {
                let name = arg.ok_or("usage: get OBJECT")?;
                Ok(format!("{name} = {}", self.get(name).unwrap_or("(none)")))
            }
            _ => Err(format!(
                "unknown command '{}': ol, ob, lb, charge N, runtime N, load N, set OBJECT VALUE, get OBJECT",
                crate::error::shown(word)
            )),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::super::options::Options;
    use super::super::request;
    use super::super::session::Session;
    use super::*;

    #[test]
    fn pages_read_back_through_the_session() {
        let mut device = Device::ups();
        let mut s = Session::new(Options::with_url("http://sim"));
        s.handle_product(PRODUCT_PATH, device.product_page().as_bytes())
            .expect("product");
        assert_eq!(s.urls().summary.as_deref(), Some(SUMMARY_PATH));
        assert_eq!(s.urls().get_object.as_deref(), Some(OBJECT_PATH));
        for page in [device.object_page(), device.summary_page()] {
            s.handle_document(page.as_bytes()).expect("page");
        }
        assert_eq!(s.status(), ["OL", "CHRG"]);
        assert_eq!(s.get("ups.model"), Some("Eaton 5PX"));
        assert_eq!(s.get("ups.serial"), Some("7A12345678"));
        assert_eq!(s.get("battery.charge"), Some("100"));
        device.command("ob").expect("ob");
        device.command("lb").expect("lb");
        device.command("charge 9").expect("charge");
        s.handle_document(device.summary_page().as_bytes())
            .expect("page");
        assert_eq!(s.status(), ["OB", "DISCHRG", "LB"]);
        assert_eq!(s.get("battery.charge"), Some("9"));
    }

    #[test]
    fn set_form_changes_writable_objects_only() {
        let mut device = Device::ups();
        let form = request::set_object("System.Location", "Rack <4>");
        let set = device.apply_set_form(&form.body).expect("form");
        assert_eq!(set.len(), 1);
        assert_eq!(device.get("System.Location"), Some("Rack <4>"));
        let form = request::set_object("UPS.PowerSummary.RemainingCapacity", "1");
        assert!(device.apply_set_form(&form.body).expect("form").is_empty());
        assert_eq!(
            device.get("UPS.PowerSummary.RemainingCapacity"),
            Some("100")
        );
        assert!(device.apply_set_form(b"garbage").is_err());
    }

    #[test]
    fn console_commands() {
        let mut device = Device::ups();
        assert!(device.command("charge x").is_err());
        assert!(device.command("fly").is_err());
        assert!(device.command("set A").is_err());
        device.command("set A 1").expect("set");
        assert_eq!(device.command("get A"), Ok("A = 1".into()));
    }
}
