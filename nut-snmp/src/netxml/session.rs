//! The sans-IO netxml-ups session: what the driver knows about one card
//! and what it publishes.
//!
//! The transport fetches the pages [`Session`] asks for and hands their
//! bodies back; the session applies them (the variable table, status bits,
//! STATIC rows, phase counts) and records every change of a NUT variable,
//! which the driver moves to its published state with
//! [`Session::take_changes`]. No clock, no socket.

use std::collections::BTreeMap;

use super::convert::{self, atoi};
use super::document::{Document, Object, Product};
use super::map::{self, Bit, Conv, Flags};
use super::options::Options;
use super::request::{self, HttpRequest};
use crate::error::Error;

/// The product pages tried at start-up, in order.
pub const PRODUCT_PATHS: [&str; 3] = ["/mgeups/product.xml", "/product.xml", "/ws/product.xml"];

/// The subdriver name and version (`driver.version.data`, and the HTTP
/// `User-Agent`).
pub const SUBDRIVER: &str = "MGEXML/0.36";

/// Errors in one update from which the data is stale (netxml-ups: 2).
pub const STALE_AFTER_ERRORS: usize = 2;

/// netxml-ups's deprecation notice, logged once when a `convert_deci` row
/// passes through unconverted.
pub const DECI_NOTICE: &str = "convert_deci() is now deprecated, so values from XML are not decimated. If you happen to have an old MGE NetXML-capable device that now shows measurements 10x too big, and a firmware update does not solve this, please inform NUT devs via the issue tracker at https://github.com/networkupstools/nut/issues with details about your hardware and firmware versions. Also try to enable do_convert_deci in your ups.conf";

/// A change of a published NUT variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Set (or create) the variable.
    Set(String, String),
    /// Set the variable to an empty value, writable (the RW rows at start).
    Writable(String),
    /// Delete the variable.
    Delete(String),
}

/// The URLs learned from the product page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Urls {
    /// The product page that parsed.
    pub product: Option<String>,
    /// The summary page.
    pub summary: Option<String>,
    /// The object page.
    pub get_object: Option<String>,
    /// The SET_OBJECT page (learned, never used, as in netxml-ups).
    pub set_object: Option<String>,
    /// The configure (XML-CLIENT) page.
    pub configure: Option<String>,
    /// The alarm subscription page.
    pub subscribe: Option<String>,
}

/// Whether an update left the data fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Status and alarms were rebuilt; the data is good.
    Ok,
    /// Too many pages failed: mark the data stale.
    Stale,
}

/// One card's session.
#[derive(Debug, Clone)]
pub struct Session {
    options: Options,
    urls: Urls,
    transverse: bool,
    vars: BTreeMap<String, String>,
    changes: Vec<Change>,
    bits: Bit,
    shutdown_pending: bool,
    deci_notice_due: bool,
    notices: Vec<String>,
    phases_known: [bool; 3],
}

/// The prefixes whose phase count is estimated after a GET_OBJECT page.
const PHASE_PREFIXES: [&str; 3] = ["input.", "input.bypass.", "output."];

impl Session {
    /// A session with `options`, nothing learned yet.
    pub fn new(options: Options) -> Self {
        Self {
            options,
            urls: Urls::default(),
            transverse: false,
            vars: BTreeMap::new(),
            changes: Vec::new(),
            bits: Bit::empty(),
            shutdown_pending: false,
            deci_notice_due: true,
            notices: Vec::new(),
            phases_known: [false; 3],
        }
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The URLs learned so far.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// A published variable's value, as this session last set it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Every variable this session publishes, by name.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The changes since the last call, in order.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    /// Messages for the log since the last call (netxml-ups's notices).
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    fn set(&mut self, name: &str, value: &str) {
        if self.vars.get(name).map(String::as_str) != Some(value) {
            self.vars.insert(name.to_owned(), value.to_owned());
            self.changes
                .push(Change::Set(name.to_owned(), value.to_owned()));
        }
    }

    fn delete(&mut self, name: &str) {
        if self.vars.remove(name).is_some() {
            self.changes.push(Change::Delete(name.to_owned()));
        }
    }

    /// Publishes `driver.hostname` (the local host name, sent with an
    /// alarm subscription).
    pub fn set_host_name(&mut self, name: &str) {
        self.set("driver.hostname", name);
    }

    /// Start-up after the product page: `driver.version.data` and the
    /// writable variables, published empty with the RW flag.
    pub fn register_writable(&mut self) {
        self.set("driver.version.data", SUBDRIVER);
        for name in map::writable() {
            if !self.vars.contains_key(name) {
                self.vars.insert(name.to_owned(), String::new());
                self.changes.push(Change::Writable(name.to_owned()));
            }
        }
    }

    /// Applies a product page fetched from `path` (start-up: the first of
    /// [`PRODUCT_PATHS`] that parses).
    ///
    /// # Errors
    ///
    /// The page's parse error, or [`Error::Netxml`] when it is another
    /// kind of document.
    pub fn handle_product(&mut self, path: &str, body: &[u8]) -> Result<(), Error> {
        match Document::parse(body)? {
            Document::Product(product) => {
                self.urls.product = Some(path.to_owned());
                self.apply_product(&product);
                Ok(())
            }
            _ => Err(Error::Netxml(format!("{path} is not a product page"))),
        }
    }

    /// Applies any NetXML page (a poll result, an alarm, the configure
    /// document).
    ///
    /// # Errors
    ///
    /// The page's parse error. Nothing of a page that fails to parse is
    /// applied (netxml-ups, a stream parser, keeps what came before the
    /// error; we read the whole page first).
    pub fn handle_document(&mut self, body: &[u8]) -> Result<(), Error> {
        match Document::parse(body)? {
            Document::Product(product) => self.apply_product(&product),
            Document::Summary(objects) => {
                for object in &objects {
                    self.apply_object(object);
                }
            }
            Document::GetObject(objects) => {
                for object in &objects {
                    self.apply_object(object);
                }
                self.estimate_phases();
            }
            Document::Alarm { object, date } => {
                if let Some(date) = date {
                    let (day, time) = convert::split_date(&date);
                    let (day, time) = (day.to_owned(), time.map(str::to_owned));
                    self.set("ups.date", &day);
                    if let Some(time) = time {
                        self.set("ups.time", &time);
                    }
                }
                if !object.value.is_empty() {
                    self.apply_object(&object);
                }
            }
            Document::ClientConfig {
                shutdown_timer,
                shutdown_duration,
            } => {
                if let Some(timer) = shutdown_timer {
                    self.set("driver.timer.shutdown", &timer);
                }
                if let Some(duration) = shutdown_duration {
                    self.set("driver.delay.shutdown", &duration);
                }
            }
            Document::SetObject(_) => {}
        }
        Ok(())
    }

    fn apply_product(&mut self, product: &Product) {
        let kind = product.kind.as_deref().unwrap_or_default();
        self.transverse = kind == "Transverse";
        if kind.contains("ePDU") {
            self.set("device.type", "pdu");
        }
        let mut text = format!("{}/{}", product.name.as_deref().unwrap_or_default(), kind);
        if let Some(version) = &product.version {
            text.push('/');
            text.push_str(version);
        }
        if let Some(at) = text.find(" (SN ") {
            let serial = text.get(at + 5..).unwrap_or_default();
            let serial = serial.strip_suffix(')').unwrap_or(serial).to_owned();
            self.set("ups.serial", &serial);
            text.truncate(at);
        }
        self.set("ups.firmware.aux", &text);
        let learn = |slot: &mut Option<String>, url: &Option<String>| {
            if url.is_some() {
                slot.clone_from(url);
            }
        };
        learn(&mut self.urls.summary, &product.summary);
        learn(&mut self.urls.configure, &product.configure);
        learn(&mut self.urls.subscribe, &product.subscribe);
        learn(&mut self.urls.get_object, &product.get_object);
        learn(&mut self.urls.set_object, &product.set_object);
    }

    /// One object through the first table row with its name.
    fn apply_object(&mut self, object: &Object) {
        let Some(row) = map::by_xml(&object.name) else {
            return;
        };
        if let Some(nut) = row.nut
            && row.flags.contains(Flags::STATIC)
            && self.vars.contains_key(nut)
        {
            return;
        }
        let value = object.value.as_str();
        let published: Option<String> = match row.conv {
            Conv::Raw => Some(value.to_owned()),
            Conv::Bit(bit, test) => {
                let on = test.holds(value);
                self.bits.set(bit, on);
                if bit == Bit::DISCHRG && on {
                    self.bits.set(Bit::CHRG, false);
                }
                None
            }
            Conv::Capacity => Some(convert::capacity(value)),
            Conv::YesNo => Some(convert::yes_no(value).to_owned()),
            Conv::OnOff => Some(convert::on_off(value).to_owned()),
            Conv::Time => {
                let (day, time) = convert::split_date(value);
                let (day, time) = (day.to_owned(), time.map(str::to_owned));
                self.set("ups.date", &day);
                time
            }
            Conv::DelayBeforeShutdown => {
                let delay = atoi(value);
                let imminent = delay > -1 && delay <= i64::from(self.options.shutdown_duration);
                self.bits.set(Bit::SHUTDOWNIMM, imminent);
                self.shutdown_pending = imminent;
                Some(value.to_owned())
            }
            Conv::RunTimeToShutdown => {
                if !self.shutdown_pending {
                    let zero = value.starts_with('0') && atoi(value) == 0;
                    self.bits.set(Bit::SHUTDOWNIMM, zero);
                }
                None
            }
            Conv::TestResult => {
                self.bits.set(Bit::CALIB, false);
                let text = convert::test_result(value);
                if atoi(value) == 5 {
                    self.bits.set(Bit::CALIB, true);
                }
                text.map(str::to_owned)
            }
            Conv::Beeper => convert::beeper(value).map(str::to_owned),
            Conv::ConverterType => convert::converter_type(value).map(str::to_owned),
            Conv::Sensitivity => convert::sensitivity(value).map(str::to_owned),
            Conv::Contact => convert::contact(value).map(str::to_owned),
            Conv::PowerFactor => Some(convert::power_factor(value)),
            Conv::Deci => Some(self.deci(value)),
            Conv::DeciNonZero => (atoi(value) != 0).then(|| self.deci(value)),
            Conv::Transverse => self.transverse.then(|| value.to_owned()),
        };
        if let (Some(nut), Some(text)) = (row.nut, published) {
            self.set(nut, &text);
        }
    }

    fn deci(&mut self, value: &str) -> String {
        if self.options.do_convert_deci {
            return convert::deci(value);
        }
        if self.deci_notice_due {
            self.deci_notice_due = false;
            self.notices.push(DECI_NOTICE.to_owned());
        }
        value.to_owned()
    }

    /// `*.phases` for input, bypass and output, once known: 3 when a
    /// second or third phase (or a line-to-line value) is published, 1
    /// when only the single-phase values are.
    fn estimate_phases(&mut self) {
        for (known, prefix) in self.phases_known.iter_mut().zip(PHASE_PREFIXES) {
            if *known {
                continue;
            }
            let has = |suffix: &str| self.vars.contains_key(&format!("{prefix}{suffix}"));
            let three = [
                "L2-N.voltage",
                "L3-N.voltage",
                "L1-L2.voltage",
                "L2-L3.voltage",
                "L3-L1.voltage",
                "L2.current",
                "L3.current",
            ]
            .iter()
            .any(|s| has(s));
            let one = ["voltage", "current", "L1-N.voltage", "L1.current"]
                .iter()
                .any(|s| has(s));
            let count = if three {
                "3"
            } else if one {
                "1"
            } else {
                continue;
            };
            *known = true;
            let name = format!("{prefix}phases");
            if self.vars.get(&name).map(String::as_str) != Some(count) {
                self.vars.insert(name.clone(), count.to_owned());
                self.changes.push(Change::Set(name, count.to_owned()));
            }
        }
    }

    /// The pages of one update, in netxml-ups's order: the object page,
    /// the summary, the product page. `None` where no URL was learned
    /// (which counts as one error).
    pub fn poll_paths(&self) -> [Option<String>; 3] {
        [
            self.urls.get_object.clone(),
            self.urls.summary.clone(),
            self.urls.product.clone(),
        ]
    }

    /// Ends an update in which `errors` pages failed (or had no URL): with
    /// fewer than [`STALE_AFTER_ERRORS`], `input.transfer.reason` is
    /// rebuilt and the status and alarms are to be published
    /// ([`Session::status`], [`Session::alarms`]).
    pub fn finish_update(&mut self, errors: usize) -> Freshness {
        if errors >= STALE_AFTER_ERRORS {
            return Freshness::Stale;
        }
        if self.bits.contains(Bit::VRANGE) {
            self.set("input.transfer.reason", "input voltage out of range");
        } else if self.bits.contains(Bit::FRANGE) {
            self.set("input.transfer.reason", "input frequency out of range");
        } else {
            self.delete("input.transfer.reason");
        }
        Freshness::Ok
    }

    /// The `ups.status` tokens of the current status bits, in order.
    pub fn status(&self) -> Vec<&'static str> {
        let b = self.bits;
        let mut out = vec![if b.contains(Bit::ONLINE) { "OL" } else { "OB" }];
        let rules: [(bool, &'static str); 11] = [
            (b.contains(Bit::DISCHRG), "DISCHRG"),
            (b.contains(Bit::CHRG), "CHRG"),
            (b.contains(Bit::LOWBATT), "LB"),
            (b.contains(Bit::OVERLOAD), "OVER"),
            // NUT 2.8.0 (our oracle) raises RB for REPLACEBATT only; newer
            // NUT also for NOBATTERY. "No battery installed!" is an alarm.
            (b.contains(Bit::REPLACEBATT), "RB"),
            (b.contains(Bit::TRIM), "TRIM"),
            (b.contains(Bit::BOOST), "BOOST"),
            (
                b.contains(Bit::BYPASSAUTO) || b.contains(Bit::BYPASSMAN),
                "BYPASS",
            ),
            (b.contains(Bit::OFF), "OFF"),
            (b.contains(Bit::SHUTDOWNIMM), "FSD"),
            (b.contains(Bit::CALIB), "CAL"),
        ];
        out.extend(rules.iter().filter(|(on, _)| *on).map(|(_, t)| *t));
        out
    }

    /// The `ups.alarm` sentences of the current status bits, in order.
    pub fn alarms(&self) -> Vec<&'static str> {
        [
            (Bit::REPLACEBATT, "Replace battery!"),
            (Bit::SHUTDOWNIMM, "Shutdown imminent!"),
            (Bit::FANFAIL, "Fan failure!"),
            (Bit::NOBATTERY, "No battery installed!"),
            (Bit::BATTVOLTLO, "Battery voltage too low!"),
            (Bit::BATTVOLTHI, "Battery voltage too high!"),
            (Bit::CHARGERFAIL, "Battery charger fail!"),
            (Bit::OVERHEAT, "Temperature too high!"),
            (Bit::COMMFAULT, "Communication fault!"),
            (Bit::INTERNALFAULT, "Internal UPS fault!"),
            (Bit::FUSEFAULT, "Fuse fault!"),
            (Bit::BYPASSAUTO, "Automatic bypass mode!"),
            (Bit::BYPASSMAN, "Manual bypass mode!"),
        ]
        .into_iter()
        .filter(|(bit, _)| self.bits.contains(*bit))
        .map(|(_, text)| text)
        .collect()
    }

    /// The request that sets NUT variable `var` to `value`, or `None` when
    /// no table row publishes `var`.
    pub fn set_request(&self, var: &str, value: &str) -> Option<HttpRequest> {
        let row = map::by_nut(var)?;
        Some(request::set_object(row.xml, value))
    }

    /// The shutdown request (`-k`): `battery.runtime.low` = 999999999,
    /// which makes the card start its own shutdown sequence.
    pub fn shutdown_request(&self) -> Option<HttpRequest> {
        self.set_request("battery.runtime.low", "999999999")
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
