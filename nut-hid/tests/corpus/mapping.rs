//! Running the mapping engine on a corpus descriptor: the subdriver NUT
//! would choose for its VID:PID, report values from the decoded vector
//! when the corpus has one (zeroed reports otherwise), one start-up walk
//! and one full update. Also the golden rendering of what each
//! descriptor's map publishes (`tests/golden/vars/`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use nut_hid::{
    DeviceInfo, FetchError, Mapper, MapperConfig, ReportDescriptor, ReportKind, ReportSource,
    SelectOptions, select,
};

use crate::common::{self, Entry, report};

/// Report bytes by report ID, with zeroed reports for the rest.
pub(crate) struct CorpusSource {
    reports: BTreeMap<u8, Vec<u8>>,
}

impl ReportSource for CorpusSource {
    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, FetchError> {
        let mut bytes = self.reports.get(&report_id).cloned().unwrap_or_else(|| {
            let mut zeroed = vec![0; len];
            if let Some(first) = zeroed.first_mut() {
                *first = report_id;
            }
            zeroed
        });
        bytes.resize(len.max(bytes.len()), 0);
        Ok(bytes)
    }
}

fn hex_bytes(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .filter_map(|b| u8::from_str_radix(b, 16).ok())
        .collect()
}

/// The report bytes of the corpus vector for `entry`, if there is one
/// (Feature entries preferred: Input and Feature share NUT's buffer).
pub(crate) fn vector_reports(hid: &Path, entry: &Entry) -> Option<BTreeMap<u8, Vec<u8>>> {
    let name = Path::new(&entry.relative).file_name()?.to_str()?.to_owned();
    let dir = hid.join("ups-to-esp32/nut-issues/vectors");
    for file in std::fs::read_dir(dir).ok()?.flatten() {
        let text = std::fs::read_to_string(file.path()).ok()?;
        let vector: serde_json::Value = serde_json::from_str(&text).ok()?;
        if vector["descriptor_file"].as_str() != Some(name.as_str()) {
            continue;
        }
        let mut reports = BTreeMap::new();
        for kind in ["Feature", "Input"] {
            for item in vector["decoded"].as_array()? {
                if item["type"] != kind {
                    continue;
                }
                let bytes = hex_bytes(item["report_bytes"].as_str()?);
                if let Some(id) = bytes.first() {
                    reports.entry(*id).or_insert(bytes);
                }
            }
        }
        return Some(reports);
    }
    None
}

/// The outcome of running the engine on one descriptor.
pub(crate) struct Run {
    pub(crate) mapper: Option<Mapper>,
    pub(crate) with_vector: bool,
    /// Claimed only with option `productid` set (NUT's "possibly supported").
    pub(crate) needed_productid: bool,
}

fn ids(vid_pid: &str) -> (u16, u16) {
    let mut parts = vid_pid
        .split(':')
        .map(|p| u16::from_str_radix(p, 16).unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Run the engine on `entry` with optional USB strings.
pub(crate) fn run(hid: &Path, entry: &Entry, strings: [Option<&str>; 3]) -> Run {
    let (vid, pid) = ids(&entry.vid_pid);
    let device = DeviceInfo::new(vid, pid).with_strings(strings[0], strings[1], strings[2]);
    let vector = vector_reports(hid, entry);
    let with_vector = vector.is_some();
    let mut with_productid = SelectOptions::default();
    with_productid.product_id = Some(entry.vid_pid.clone());
    let (selection, needed_productid) = match select(&device, &SelectOptions::default()) {
        Ok(selection) => (selection, false),
        Err(_) => match select(&device, &with_productid) {
            Ok(selection) => (selection, true),
            Err(_) => {
                return Run {
                    mapper: None,
                    with_vector,
                    needed_productid: false,
                };
            }
        },
    };
    let config = selection.subdriver.parser_config(vid, pid, false);
    let descriptor = ReportDescriptor::decode(&entry.data, &config).expect("corpus parses");
    let mut mapper = Mapper::new(descriptor, &selection, device, MapperConfig::default());
    let mut source = CorpusSource {
        reports: vector.unwrap_or_default(),
    };
    let start = Instant::now();
    mapper.handle_init(start, &mut source).expect("init");
    let later = start + mapper.pollfreq() + Duration::from_secs(1);
    mapper
        .handle_update(later, &mut source)
        .expect("full update");
    Run {
        mapper: Some(mapper),
        with_vector,
        needed_productid,
    }
}

/// Our rendering of what the map publishes for one descriptor.
pub(crate) fn rendering(hid: &Path, entry: &Entry) -> String {
    let run = run(hid, entry, [None, None, None]);
    let mut out = format!(
        "# {} {} ({} bytes)\n",
        entry.vid_pid,
        entry.model,
        entry.data.len()
    );
    let Some(mapper) = run.mapper else {
        out.push_str("no subdriver claims this device without USB strings\n");
        return out;
    };
    let subdriver = mapper.subdriver();
    out.push_str(&format!(
        "subdriver {} ({}){}; report values: {}\n",
        subdriver.short_name,
        subdriver.name,
        if run.needed_productid {
            " with option productid"
        } else {
            ""
        },
        if run.with_vector {
            "corpus vector"
        } else {
            "zeroed reports"
        }
    ));
    let names = subdriver.names();
    let bound: Vec<_> = mapper.bindings().filter(|(_, f)| f.is_some()).collect();
    out.push_str(&format!(
        "rows bound: {} of {}\n",
        bound.len(),
        subdriver.rows.len()
    ));
    for (row, field) in &bound {
        let field = field.and_then(|i| mapper.descriptor().fields().get(i));
        let (kind, id) = field.map_or(("?", 0), |f| {
            (
                if f.kind == ReportKind::Feature {
                    "feature"
                } else {
                    "input"
                },
                f.report_id,
            )
        });
        let flags = row.flags.names();
        out.push_str(&format!(
            "  {:<44} <- {kind} 0x{id:02x} {}{}\n",
            row.name(),
            field.map_or_else(String::new, |f| f.path.display(&names).to_string()),
            if flags.is_empty() {
                String::new()
            } else {
                format!(" [{flags}]")
            }
        ));
    }
    out.push_str(&format!("variables ({}):\n", mapper.variables().len()));
    for (name, variable) in mapper.variables().iter() {
        let mut flags = Vec::new();
        if variable.writable {
            flags.push("RW".to_owned());
        }
        if let Some(len) = variable.string_len {
            flags.push(format!("STRING:{len}"));
        }
        if !variable.enum_values.is_empty() {
            flags.push(format!("ENUM {}", variable.enum_values.join("|")));
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join(" "))
        };
        out.push_str(&format!("  {name}: {}{flags}\n", variable.value));
    }
    let commands: Vec<&str> = mapper.commands().collect();
    out.push_str(&format!(
        "commands ({}): {}\n",
        commands.len(),
        commands.join(" ")
    ));
    out
}

fn golden_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/vars"))
}

#[test]
fn golden_variable_renderings_match() {
    let Some(hid) = common::hid_dir("golden_variable_renderings_match") else {
        return;
    };
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let (mut checked, mut claimed) = (0, 0);
    let mut mismatched = Vec::new();
    for entry in common::entries(&hid).iter().filter(|e| e.power_device) {
        let path = golden_dir().join(entry.golden_name());
        let ours = rendering(&hid, entry);
        claimed += usize::from(!ours.contains("no subdriver claims"));
        if update {
            std::fs::create_dir_all(golden_dir()).expect("golden dir");
            std::fs::write(&path, &ours).expect("golden written");
        }
        match std::fs::read_to_string(&path) {
            Ok(golden) if golden == ours => checked += 1,
            Ok(_) => mismatched.push(entry.golden_name()),
            Err(e) => panic!(
                "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
                path.display()
            ),
        }
    }
    assert!(
        mismatched.is_empty(),
        "variable renderings differ from tests/golden/vars (review, then UPDATE_GOLDEN=1): {mismatched:?}"
    );
    assert!(
        claimed >= 50,
        "only {claimed} descriptors claimed by a subdriver"
    );
    report(&format!(
        "golden variable renderings matched {checked} ({claimed} claimed by a subdriver)"
    ));
}
