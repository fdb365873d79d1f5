//! The `explore` dump for bug reports (beyond NUT): one JSON object with
//! the device's identity, the subdriver that claims it, its report
//! descriptor (hex and decoded tree), every Feature/Input report as read,
//! every field's HID path with its decoded value, and the variables our
//! maps publish for it. NUT's nearest is `usbhid-ups -x explore -DDD`,
//! whose log lines have to be read by a person.
//!
//! Reports are read once; the variables are computed from those bytes
//! (no second pass on the device), so the dump is self-consistent.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use nut_hid::transport::{DriverConfig, Transport, UsbBus, UsbMatcher};
use nut_hid::{FetchError, Mapper, ReportDescriptor, ReportKind, SelectOptions, Selection};

/// Version of the dump's shape (bumped when a member changes meaning).
pub const FORMAT_VERSION: u32 = 1;

fn json_string(text: &str) -> String {
    crate::json::string(text)
}

fn hex(bytes: &[u8]) -> String {
    let words: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    words.join(" ")
}

/// A finite number as JSON (NaN and infinities, which JSON lacks, as null).
fn json_number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        "null".to_owned()
    }
}

/// The subdriver for `info`, falling back to the explore subdriver as
/// `-x explore` does, so any HID device can be dumped.
fn selection(info: &nut_hid::DeviceInfo, config: &DriverConfig) -> Option<Selection> {
    let options = config.select_options();
    nut_hid::select(info, &options).ok().or_else(|| {
        let mut explore = SelectOptions::default();
        explore.explore = true;
        explore.vendor_id = Some(format!("{:04x}", info.vendor_id));
        explore.product_id = Some(format!("{:04x}", info.product_id));
        nut_hid::select(info, &explore).ok()
    })
}

/// Finds the first device on `bus` that the matching options of `config`
/// accept, reads it and returns the JSON dump (one line).
///
/// # Errors
///
/// No matching device, or it could not be opened or its descriptor read
/// (the message says which); a bad descriptor is an error with its offset.
pub fn explore<B: UsbBus>(bus: &mut B, config: &DriverConfig) -> Result<String, String> {
    let matcher = UsbMatcher::new(&config.matching).map_err(|e| e.to_string())?;
    let devices = bus
        .devices()
        .map_err(|e| format!("can't list USB devices: {e}"))?;
    let (device, selection) = devices
        .iter()
        .filter(|d| matcher.matches(d))
        .find_map(|d| Some((d.clone(), selection(&d.info, config)?)))
        .ok_or_else(|| format!("no matching HID device among {} USB devices", devices.len()))?;
    let open = config.open_options(&selection.effects);
    let mut transport = bus
        .open(&device, &open)
        .map_err(|e| format!("can't open {device}: {e}"))?;
    let bytes = transport
        .report_descriptor()
        .map_err(|e| format!("can't read the report descriptor of {device}: {e}"))?;
    let (vid, pid) = (device.info.vendor_id, device.info.product_id);
    let parser = selection
        .subdriver
        .parser_config(vid, pid, config.disable_fix_report_desc);
    let descriptor = ReportDescriptor::decode(&bytes, &parser).map_err(|e| match e.offset() {
        Some(offset) => format!("invalid report descriptor at byte offset {offset}: {e}"),
        None => format!("invalid report descriptor: {e}"),
    })?;
    let reports = read_reports(&mut transport, &descriptor);
    let names = selection.subdriver.names();

    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"format\":\"nut-rs-hid-explore\",\"version\":{FORMAT_VERSION},\"device\":{{\"vendorid\":\"{vid:04x}\",\"productid\":\"{pid:04x}\",\"bcd_device\":\"{:04x}\",\"vendor\":{},\"product\":{},\"serial\":{},\"bus\":\"{:03}\",\"port_path\":{}}},\"subdriver\":{},",
        device.info.bcd_device,
        device
            .info
            .vendor
            .as_deref()
            .map_or_else(|| "null".to_owned(), json_string),
        device
            .info
            .product
            .as_deref()
            .map_or_else(|| "null".to_owned(), json_string),
        device
            .info
            .serial
            .as_deref()
            .map_or_else(|| "null".to_owned(), json_string),
        device.location.bus,
        json_string(&device.location.port_path()),
        json_string(selection.subdriver.name),
    );
    let _ = write!(
        out,
        "\"descriptor_hex\":{},\"descriptor\":{},\"reports\":[",
        json_string(&hex(&bytes)),
        descriptor.to_json(names)
    );
    for (i, ((kind, id), read)) in reports.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"kind\":\"{kind}\",\"report_id\":{id},");
        match read {
            Ok(bytes) => {
                let _ = write!(out, "\"bytes\":{}}}", json_string(&hex(bytes)));
            }
            Err(error) => {
                let _ = write!(out, "\"error\":{}}}", json_string(error));
            }
        }
    }
    out.push_str("],\"values\":[");
    let mut first = true;
    for field in descriptor.fields() {
        if field.usage.is_none() || matches!(field.kind, ReportKind::Output) {
            continue;
        }
        let Some(Ok(report)) = reports.get(&(field.kind, field.report_id)) else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        let _ = write!(
            out,
            "{{\"path\":{},\"kind\":\"{}\",\"report_id\":{},\"bit_offset\":{},\"bit_size\":{},",
            json_string(&field.path.display(&names).to_string()),
            field.kind,
            field.report_id,
            field.bit_offset,
            field.bit_size
        );
        match field.decode(report) {
            Ok(value) => {
                let _ = write!(out, "\"value\":{}}}", json_number(value));
            }
            Err(error) => {
                let _ = write!(out, "\"error\":{}}}", json_string(&error.to_string()));
            }
        }
    }
    out.push_str("],\"variables\":{");
    let variables = map_variables(descriptor, &selection, &device.info, config, &reports);
    for (i, (name, value)) in variables.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:{}", json_string(name), json_string(value));
    }
    out.push_str("}}");
    Ok(out)
}

/// Each report of the descriptor that GET_REPORT can read, read once
/// (Input reports too: NUT reads them through the Feature request).
type Reports = BTreeMap<(ReportKind, u8), Result<Vec<u8>, String>>;

fn read_reports<T: Transport>(transport: &mut T, descriptor: &ReportDescriptor) -> Reports {
    let mut reports = BTreeMap::new();
    for layout in descriptor.reports() {
        if matches!(layout.kind, ReportKind::Output) {
            continue;
        }
        let Some(buffer) = descriptor.new_report(layout.kind, layout.report_id) else {
            continue;
        };
        let read = transport
            .get_feature_report(layout.report_id, buffer.len())
            .map_err(|e| e.to_string());
        reports.insert((layout.kind, layout.report_id), read);
    }
    reports
}

/// What the mapper publishes from the reports read.
fn map_variables(
    descriptor: ReportDescriptor,
    selection: &Selection,
    info: &nut_hid::DeviceInfo,
    config: &DriverConfig,
    reports: &Reports,
) -> Vec<(String, String)> {
    let mut mapper = Mapper::new(descriptor, selection, info.clone(), config.mapper.clone());
    let mut source = |id: u8, _len: usize| {
        [ReportKind::Feature, ReportKind::Input]
            .iter()
            .find_map(|kind| reports.get(&(*kind, id))?.as_ref().ok().cloned())
            .ok_or(FetchError::NoData)
    };
    let now = Instant::now();
    if mapper.handle_init(now, &mut source).is_err() {
        return Vec::new();
    }
    let _ = mapper.handle_update(now, &mut source);
    mapper
        .variables()
        .iter()
        .map(|(name, var)| (name.to_owned(), var.value.clone()))
        .collect()
}
