//! `nut hid <subcommand>`:
//!
//! * `describe FILE [--json] [--strict] [--vid-pid VVVV:PPPP]` prints a HID
//!   report descriptor (binary, or hex text as in NUT's debug logs) as a
//!   tree with every field's HID path, or as JSON. Paths use the usage
//!   names of the subdriver NUT would choose for `--vid-pid` (and its
//!   descriptor fix-ups); without it, the standard names. A malformed
//!   descriptor exits 1 with the byte offset of the offending item.
//! * `explore [--json] [--simulate SPEC] [-x name=value]...` (beyond NUT)
//!   prints, for bug reports, the JSON dump of the first HID device the
//!   `usbhid-ups` matching options accept: identity, subdriver, descriptor,
//!   every report read, every path with its value, and the variables our
//!   maps publish (see [`crate::drivers::usbhid::explore`]).

use std::io::Write as _;
use std::process::ExitCode;

use nut_hid::transport::DriverConfig;
use nut_hid::{DeviceInfo, ParserConfig, ReportDescriptor, SelectOptions, UsageNames};

use crate::drivers::usbhid::{HidBus, explore as hid_explore, sim};

/// `nut hid` usage.
pub(crate) const USAGE: &str =
    "usage: nut hid describe FILE [--json] [--strict] [--vid-pid VVVV:PPPP]
       nut hid explore [--json] [--simulate builtin|FILE] [-x name=value]...

describe  print a report descriptor (binary or hex text) with every HID path
explore   JSON dump of the first matching USB HID device for bug reports:
          descriptor, reports read, every path with its value, and the
          variables usbhid-ups would publish. -x takes usbhid-ups options
          (vendorid=, productid=, vendor=, product=, serial=, bus=, busport=,
          subdriver=, ...); --simulate reads a simulated device instead
";

fn print(text: &str) -> ExitCode {
    match std::io::stdout().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

/// Runs `nut hid` with the words after `hid`.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let rest = args.get(1..).unwrap_or_default();
    let (name, result) = match args.first().map(String::as_str) {
        Some("describe") => ("describe", describe(rest)),
        Some("explore") => ("explore", explore(rest)),
        Some("-h" | "--help" | "help") => return print(USAGE),
        Some(other) => {
            eprint!("nut hid: unknown subcommand `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(text) => print(&text),
        Err(message) => {
            eprintln!("nut hid {name}: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `nut hid explore …`: the JSON dump (one line), or the message for
/// stderr.
pub(crate) fn explore(args: &[String]) -> Result<String, String> {
    let mut config = DriverConfig::default();
    let mut simulate = None;
    let (mut vendorid, mut productid) = (None, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--json" => {}
            "--simulate" => simulate = Some(rest.next().ok_or("--simulate needs builtin or FILE")?),
            "-x" => {
                let option = rest.next().ok_or("-x needs name=value")?;
                let (name, value) = match option.split_once('=') {
                    Some((name, value)) => (name, Some(value)),
                    None => (option.as_str(), None),
                };
                match name {
                    "vendorid" => vendorid = value,
                    "productid" => productid = value,
                    _ => {}
                }
                match config.set_option(name, value) {
                    Ok(true) => {}
                    Ok(false) => return Err(format!("-x {name}: not a usbhid-ups option")),
                    Err(e) => return Err(e.to_string()),
                }
            }
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    let mut bus = match simulate {
        Some(spec) => {
            let spec = sim::load(spec, vendorid, productid)?;
            HidBus::Sim(sim::bus(&spec)?.0)
        }
        None => HidBus::usb()?,
    };
    hid_explore::explore(&mut bus, &config).map(|json| json + "\n")
}

/// `nut hid describe …`: the rendering, or the message for stderr.
pub(crate) fn describe(args: &[String]) -> Result<String, String> {
    let (mut file, mut json, mut strict, mut ids) = (None, false, false, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--strict" => strict = true,
            "--vid-pid" => ids = Some(rest.next().ok_or("--vid-pid needs VVVV:PPPP")?.clone()),
            other if other.starts_with('-') && other != "-" => {
                return Err(format!("unknown option {other}"));
            }
            other if file.is_none() => file = Some(other.to_owned()),
            _ => return Err("more than one FILE".to_owned()),
        }
    }
    let file = file.ok_or("missing FILE")?;
    let content = if file == "-" {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer).map(|_| buffer)
    } else {
        std::fs::read(&file)
    }
    .map_err(|e| format!("{file}: {e}"))?;
    let (mut config, mut names) = (ParserConfig::nut(), UsageNames::STANDARD);
    if let Some(ids) = ids {
        let parsed = ids.split_once(':').and_then(|(v, p)| {
            Some((
                u16::from_str_radix(v, 16).ok()?,
                u16::from_str_radix(p, 16).ok()?,
            ))
        });
        let (vid, pid) = parsed.ok_or_else(|| format!("--vid-pid {ids}: expected VVVV:PPPP"))?;
        let mut options = SelectOptions::default();
        options.product_id = Some(ids);
        let selection =
            nut_hid::select(&DeviceInfo::new(vid, pid), &options).map_err(|e| e.to_string())?;
        config = selection.subdriver.parser_config(vid, pid, false);
        names = selection.subdriver.names();
    }
    if strict {
        config = ParserConfig::strict();
    }
    let bytes = nut_hid::descriptor_bytes(&content).map_err(|e| format!("{file}: {e}"))?;
    let descriptor = ReportDescriptor::decode(&bytes, &config).map_err(|e| match e.offset() {
        Some(offset) => format!("{file}: invalid report descriptor at byte offset {offset}: {e}"),
        None => format!("{file}: invalid report descriptor: {e}"),
    })?;
    Ok(if json {
        format!("{}\n", descriptor.to_json(names))
    } else {
        format!(
            "{}\nHID paths:\n{}",
            descriptor.display_with(names),
            descriptor.path_listing(names)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::describe as hid_describe;

    fn describe(bytes: &[u8], extra: &[&str]) -> Result<String, String> {
        let path = std::env::temp_dir().join(format!(
            "nut-hid-describe-{}-{}.bin",
            std::process::id(),
            bytes.len()
        ));
        std::fs::write(&path, bytes).expect("temp file");
        let mut args = vec![path.to_string_lossy().into_owned()];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let result = hid_describe(&args);
        let _ = std::fs::remove_file(&path);
        result
    }

    /// UPS { PowerSummary { Feature 0x0c RemainingCapacity } }.
    const DESCRIPTOR: [u8; 28] = [
        0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0x09, 0x24, 0xa1, 0x00, 0x85, 0x0c, 0x05, 0x85, 0x09,
        0x66, 0x15, 0x00, 0x25, 0x64, 0x75, 0x08, 0x95, 0x01, 0xb1, 0x02, 0xc0, 0xc0,
    ];

    #[test]
    fn describes_binary_and_hex_with_paths() {
        let text = describe(&DESCRIPTOR, &[]).unwrap();
        assert!(
            text.contains("Feature 0x0c    0+8 UPS.PowerSummary.RemainingCapacity"),
            "{text}"
        );
        let hex: String = DESCRIPTOR.iter().map(|b| format!("{b:02x} ")).collect();
        assert_eq!(describe(hex.as_bytes(), &[]).unwrap(), text);
        let json = describe(&DESCRIPTOR, &["--json"]).unwrap();
        assert!(json.starts_with("{\"length\":28,"), "{json}");
    }

    #[test]
    fn explore_dumps_a_simulated_ups_as_json() {
        let args: Vec<String> = ["--json", "--simulate", "builtin"]
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        let json = super::explore(&args).expect("the built-in UPS is found");
        let dump: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(dump["device"]["vendorid"], "051d");
        assert_eq!(dump["subdriver"], "APC HID 0.101");
        assert_eq!(dump["variables"]["battery.charge"], "100");
        assert_eq!(dump["variables"]["ups.status"], "OL");
        let values = dump["values"].as_array().expect("values");
        let charge = values
            .iter()
            .find(|v| v["path"] == "UPS.PowerSummary.RemainingCapacity" && v["kind"] == "feature")
            .expect("charge field");
        assert_eq!(charge["value"], 100.0);
        let descriptor_len = dump["descriptor"]["length"].as_u64().expect("length");
        let hex_len = dump["descriptor_hex"]
            .as_str()
            .expect("hex")
            .split(' ')
            .count();
        assert_eq!(descriptor_len, hex_len as u64);
        assert!(dump["reports"].as_array().is_some_and(|r| !r.is_empty()));
    }

    #[test]
    fn explore_refuses_bad_options_and_finds_no_other_device() {
        let run = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            super::explore(&args)
        };
        assert!(run(&["--simulate", "builtin", "-x", "bogus=1"]).is_err());
        assert!(run(&["--simulate", "builtin", "-x", "interruptsize=0"]).is_err());
        assert!(run(&["--simulate"]).is_err());
        let error = run(&["--simulate", "builtin", "-x", "vendorid=0764"]).unwrap_err();
        assert!(error.contains("no matching HID device"), "{error}");
    }

    #[test]
    fn errors_carry_the_offset() {
        let error = describe(&DESCRIPTOR[..25], &[]).unwrap_err();
        assert!(error.contains("at byte offset 24"), "{error}");
        assert!(describe(&DESCRIPTOR, &["--bogus"]).is_err());
        assert!(describe(&DESCRIPTOR, &["--vid-pid", "xyz"]).is_err());
        assert!(hid_describe(&[]).is_err());
    }
}
