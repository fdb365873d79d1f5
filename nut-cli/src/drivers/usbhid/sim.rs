//! The simulated HID UPS behind `usbhid-ups -x simulate=…` and
//! `nut sim hid` (beyond NUT, for tests and demos): which descriptor it
//! serves ([`load`]), a built-in one ([`builtin_descriptor`]), and the
//! line commands that change it while the driver runs ([`SimControl`]).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use nut_hid::DeviceInfo;
use nut_hid::sim::{SimBus, SimDevice, SimStatus, SimUnit, builtin_descriptor};

/// The `simulate=` value that selects [`builtin_descriptor`].
pub const BUILTIN: &str = "builtin";
/// Environment variable: a directory searched for `simulate=<name>` when
/// `<name>` is not a file (e.g. `../shared/corpus/hid`).
pub const CORPUS_ENV: &str = "NUT_RS_HID_CORPUS";
/// Largest descriptor file read (hex text of a 4 KiB descriptor and
/// comments fit many times over).
pub const MAX_DESCRIPTOR_FILE: u64 = 1 << 20;
/// How deep the corpus directory is searched.
const MAX_CORPUS_DEPTH: usize = 4;
/// The bus and port path the simulated UPS is plugged into.
pub const SIM_BUS: u8 = 1;
/// See [`SIM_BUS`].
pub const SIM_PORTS: &[u8] = &[1];
/// Longest command line accepted.
const MAX_COMMAND_LEN: usize = 256;

/// The help text of the commands (for `-h` and the `help` command).
pub const COMMANDS_HELP: &str = "\
simulated UPS commands (one per line on stdin):
  ol | ob           on line / on battery (ACPresent, Discharging)
  lb | nolb         battery low on / off (BelowRemainingCapacityLimit)
  charge N          battery.charge in percent
  runtime N         battery.runtime in seconds
  load N            ups.load in percent
  set VAR N         any NUT variable the subdriver maps, in device units
  path PATH N       any HID path, e.g. UPS.PowerSummary.Voltage
  unplug | replug   pull the USB cable / plug it back in
  writes            the SET_REPORTs received (instant commands, upsrw)
  help              this text
";

/// What the simulated UPS serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSpec {
    /// The report descriptor bytes.
    pub descriptor: Vec<u8>,
    /// IDs and strings.
    pub info: DeviceInfo,
    /// Where the descriptor came from (for logs).
    pub source: String,
}

/// `VVVV-PPPP-…` at the start of a corpus file name.
fn ids_from_name(path: &Path) -> Option<(u16, u16)> {
    let name = path.file_name()?.to_str()?;
    let vid = u16::from_str_radix(name.get(0..4)?, 16).ok()?;
    let pid = u16::from_str_radix(name.get(5..9)?, 16).ok()?;
    (name.get(4..5)? == "-").then_some((vid, pid))
}

/// A plain 4-digit hex ID from a `vendorid`/`productid` option.
fn plain_id(value: Option<&str>) -> Option<u16> {
    let value = value?.trim();
    (value.len() == 4)
        .then(|| u16::from_str_radix(value, 16).ok())
        .flatten()
}

/// Find `name` (or `name.hex`) under `dir`, at most [`MAX_CORPUS_DEPTH`] deep.
fn find_in(dir: &Path, name: &str, depth: usize) -> Option<PathBuf> {
    for candidate in [name.to_owned(), format!("{name}.hex")] {
        let path = dir.join(&candidate);
        if path.is_file() {
            return Some(path);
        }
    }
    if depth == 0 {
        return None;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    entries.iter().find_map(|sub| find_in(sub, name, depth - 1))
}

/// The device `simulate=<spec>` names: [`BUILTIN`], a descriptor file
/// (binary or hex text), or a file name found under [`CORPUS_ENV`]. The
/// USB IDs come from a `VVVV-PPPP-` file name prefix, else from plain
/// `vendorid`/`productid` options (for the built-in one: 051d:0002).
///
/// # Errors
///
/// A message naming the file and what is wrong.
pub fn load(
    spec: &str,
    vendorid: Option<&str>,
    productid: Option<&str>,
) -> Result<SimSpec, String> {
    let serial = Some("SIM0001");
    if spec == BUILTIN {
        let info = DeviceInfo::new(0x051d, 0x0002).with_strings(
            Some("American Power Conversion"),
            Some("Back-UPS SIM 1000 (nut-rs built-in)"),
            serial,
        );
        return Ok(SimSpec {
            descriptor: builtin_descriptor(),
            info,
            source: BUILTIN.to_owned(),
        });
    }
    let mut path = PathBuf::from(spec);
    if !path.is_file()
        && let Some(dir) = std::env::var_os(CORPUS_ENV)
        && let Some(found) = find_in(Path::new(&dir), spec, MAX_CORPUS_DEPTH)
    {
        path = found;
    }
    let meta = std::fs::metadata(&path).map_err(|e| format!("simulate={spec}: {e}"))?;
    if meta.len() > MAX_DESCRIPTOR_FILE {
        return Err(format!(
            "simulate={spec}: {} bytes, more than the {MAX_DESCRIPTOR_FILE} accepted",
            meta.len()
        ));
    }
    let content = std::fs::read(&path).map_err(|e| format!("simulate={spec}: {e}"))?;
    let descriptor = nut_hid::descriptor_bytes(&content)
        .map_err(|e| format!("simulate={}: {e}", path.display()))?;
    let (vid, pid) = match (plain_id(vendorid), plain_id(productid)) {
        (Some(vid), Some(pid)) => (vid, pid),
        _ => ids_from_name(&path).ok_or_else(|| {
            format!(
                "simulate={}: can't tell the USB IDs: name the file VVVV-PPPP-<model>.hex \
                 or set vendorid and productid (4 hex digits)",
                path.display()
            )
        })?,
    };
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("descriptor");
    let product = format!("Simulated {stem}");
    let info =
        DeviceInfo::new(vid, pid).with_strings(Some("nut-rs simulation"), Some(&product), serial);
    Ok(SimSpec {
        descriptor,
        info,
        source: path.display().to_string(),
    })
}

/// The device of `spec` in its start state: on line, battery full
/// (charge 100 %, runtime 30 min, low limit 10 %), 230 V in, 20 % load.
///
/// # Errors
///
/// The descriptor does not parse (the message has the byte offset).
pub fn device(spec: &SimSpec) -> Result<SimDevice, String> {
    let mut device = SimDevice::new(&spec.descriptor, spec.info.clone())
        .map_err(|e| format!("simulate={}: {e}", spec.source))?;
    device.preset_online();
    for (name, value) in [
        ("battery.charge", 100.0),
        ("battery.runtime", 1800.0),
        ("battery.charge.low", 10.0),
        ("input.voltage", 230.0),
        ("ups.load", 20.0),
    ] {
        device.set_variable(name, value);
    }
    device.set_path("UPS.PowerSummary.AudibleAlarmControl", 2.0);
    Ok(device)
}

/// A simulated bus with the device of `spec` plugged in.
///
/// # Errors
///
/// See [`device`].
pub fn bus(spec: &SimSpec) -> Result<(SimBus, SimUnit), String> {
    let bus = SimBus::new();
    let unit = bus.plug_new(device(spec)?, SIM_BUS, SIM_PORTS);
    Ok((bus, unit))
}

/// Changes a simulated UPS by line commands (see [`COMMANDS_HELP`]).
#[derive(Debug, Clone)]
pub struct SimControl {
    bus: SimBus,
    unit: SimUnit,
}

fn number(word: Option<&str>) -> Result<f64, String> {
    let word = word.ok_or("missing number")?;
    word.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("not a number: {word}"))
}

impl SimControl {
    /// Control of `unit` on `bus`.
    #[must_use]
    pub fn new(bus: SimBus, unit: SimUnit) -> Self {
        Self { bus, unit }
    }

    fn with<R>(&self, change: impl FnOnce(&mut SimDevice) -> R) -> Result<R, String> {
        self.bus
            .with_device(self.unit, change)
            .ok_or_else(|| "no such unit".to_owned())
    }

    fn fields(count: usize, what: &str) -> Result<String, String> {
        if count == 0 {
            Err(format!(
                "{what}: the descriptor has no such field (or it already had that value)"
            ))
        } else {
            Ok(format!("{what} ({count} field(s) changed)"))
        }
    }

    /// Applies one command line; the answer says what happened.
    ///
    /// # Errors
    ///
    /// An unknown command or a bad argument.
    pub fn apply(&self, line: &str) -> Result<String, String> {
        if line.len() > MAX_COMMAND_LEN {
            return Err(format!("command longer than {MAX_COMMAND_LEN} bytes"));
        }
        let mut words = line.split_whitespace();
        let Some(command) = words.next() else {
            return Ok(String::new());
        };
        let status = |status: SimStatus, what: &str| {
            let count = self.with(|d| d.set_status(status))?;
            Ok(format!("{what} ({count} field(s) changed)"))
        };
        match command.to_ascii_lowercase().as_str() {
            "ol" | "online" => {
                self.with(|d| d.set_status(SimStatus::Charging(false)))?;
                status(SimStatus::OnLine(true), "on line")
            }
            "ob" | "onbattery" => {
                self.with(|d| d.set_status(SimStatus::Charging(false)))?;
                status(SimStatus::OnLine(false), "on battery")
            }
            "lb" => status(SimStatus::LowBattery(true), "battery low"),
            "nolb" => status(SimStatus::LowBattery(false), "battery not low"),
            "charge" | "runtime" | "load" => {
                let value = number(words.next())?;
                let name = match command {
                    "charge" => "battery.charge",
                    "runtime" => "battery.runtime",
                    _ => "ups.load",
                };
                let count = self.with(|d| d.set_variable(name, value))?;
                Self::fields(count, &format!("{name} = {value}"))
            }
            "set" => {
                let name = words.next().ok_or("usage: set VAR N")?.to_owned();
                let value = number(words.next())?;
                let count = self.with(|d| d.set_variable(&name, value))?;
                Self::fields(count, &format!("{name} = {value}"))
            }
            "path" => {
                let path = words.next().ok_or("usage: path PATH N")?.to_owned();
                let value = number(words.next())?;
                let count = self.with(|d| d.set_path(&path, value))?;
                Self::fields(count, &format!("{path} = {value}"))
            }
            "unplug" => {
                if self.bus.location(self.unit).is_none() {
                    return Ok("unplugged already".to_owned());
                }
                self.bus.unplug(self.unit);
                Ok("unplugged".to_owned())
            }
            "replug" | "plug" => {
                if let Some(location) = self.bus.location(self.unit) {
                    return Ok(format!("plugged in already at {location}"));
                }
                self.bus.plug(self.unit, SIM_BUS, SIM_PORTS);
                let at = self
                    .bus
                    .location(self.unit)
                    .map_or_else(String::new, |l| l.to_string());
                Ok(format!("plugged in at {at}"))
            }
            "writes" => self.with(|d| {
                let lines: Vec<String> = d
                    .writes()
                    .iter()
                    .map(|(id, bytes)| {
                        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
                        format!("SET_REPORT 0x{id:02x}: {}", hex.join(" "))
                    })
                    .collect();
                if lines.is_empty() {
                    "no SET_REPORT received".to_owned()
                } else {
                    lines.join("\n")
                }
            }),
            "help" | "?" => Ok(COMMANDS_HELP.trim_end().to_owned()),
            other => Err(format!("unknown command `{other}` (try help)")),
        }
    }

    /// Reads commands from `input` until its end, answering each on
    /// `output` as `<prefix>ok: …` or `<prefix>error: …`.
    pub fn serve_lines(&self, input: impl BufRead, mut output: impl Write, prefix: &str) {
        for line in input.lines() {
            let Ok(line) = line else { break };
            let answer = match self.apply(line.trim()) {
                Ok(text) if text.is_empty() => continue,
                Ok(text) => format!("{prefix}ok: {text}"),
                Err(text) => format!("{prefix}error: {text}"),
            };
            if writeln!(output, "{answer}")
                .and_then(|()| output.flush())
                .is_err()
            {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control() -> SimControl {
        let spec = load(BUILTIN, None, None).expect("built-in");
        let (bus, unit) = bus(&spec).expect("built-in parses");
        SimControl::new(bus, unit)
    }

    #[test]
    fn builtin_serves_the_start_state() {
        let spec = load(BUILTIN, None, None).expect("built-in");
        let device = device(&spec).expect("parses");
        let value = |path| device.value(path, nut_hid::ReportKind::Feature);
        assert_eq!(value("UPS.PowerSummary.RemainingCapacity"), Some(100.0));
        assert_eq!(value("UPS.PowerSummary.RunTimeToEmpty"), Some(1800.0));
        assert_eq!(value("UPS.Input.Voltage"), Some(230.0));
        assert_eq!(value("UPS.Output.PercentLoad"), Some(20.0));
    }

    #[test]
    fn commands_change_the_device() {
        let c = control();
        assert!(
            c.apply("charge 42")
                .expect("valid")
                .contains("battery.charge = 42")
        );
        let charge = c
            .with(|d| {
                d.value(
                    "UPS.PowerSummary.RemainingCapacity",
                    nut_hid::ReportKind::Feature,
                )
            })
            .expect("unit");
        assert_eq!(charge, Some(42.0));
        assert!(c.apply("ob").is_ok());
        assert!(c.apply("charge lots").is_err());
        assert!(c.apply("charge").is_err());
        assert!(c.apply("set no.such.var 1").is_err());
        assert!(c.apply("fly").unwrap_err().contains("unknown command"));
        assert!(c.apply(&"x".repeat(MAX_COMMAND_LEN + 1)).is_err());
        assert_eq!(c.apply("   "), Ok(String::new()));
    }

    #[test]
    fn unplug_and_replug_are_idempotent() {
        let c = control();
        assert_eq!(c.apply("unplug").as_deref(), Ok("unplugged"));
        assert_eq!(c.apply("unplug").as_deref(), Ok("unplugged already"));
        assert!(c.bus.location(c.unit).is_none());
        assert!(
            c.apply("replug")
                .expect("valid")
                .starts_with("plugged in at")
        );
        assert!(
            c.apply("replug")
                .expect("valid")
                .starts_with("plugged in already")
        );
    }

    #[test]
    fn serve_lines_answers_each_command() {
        let c = control();
        let mut out = Vec::new();
        c.serve_lines(&b"charge 50\n\nbogus\n"[..], &mut out, "sim: ");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("sim: ok: battery.charge = 50"));
        assert!(lines[1].starts_with("sim: error: unknown command"));
    }

    #[test]
    fn ids_come_from_the_file_name_or_the_options() {
        assert_eq!(
            ids_from_name(Path::new("/x/051d-0002-back-ups.hex")),
            Some((0x051d, 0x0002))
        );
        assert_eq!(ids_from_name(Path::new("backups.hex")), None);
        assert_eq!(ids_from_name(Path::new("051d_0002.hex")), None);
        assert_eq!(plain_id(Some("0764")), Some(0x0764));
        assert_eq!(plain_id(Some("07649")), None);
        assert_eq!(plain_id(Some("07.4")), None);
        let dir = std::env::temp_dir().join(format!("nut-sim-ids-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("ups.hex");
        let hex: String = builtin_descriptor()
            .iter()
            .map(|b| format!("{b:02x} "))
            .collect();
        std::fs::write(&file, hex).expect("write");
        let spec = file.to_string_lossy().into_owned();
        assert!(
            load(&spec, None, None)
                .unwrap_err()
                .contains("can't tell the USB IDs")
        );
        let loaded = load(&spec, Some("051d"), Some("0002")).expect("ids from options");
        assert_eq!(loaded.descriptor, builtin_descriptor());
        assert!(load("/no/such/file", None, None).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
