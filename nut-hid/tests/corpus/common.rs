//! Finding the shared corpus, listing its descriptors, and printing counts.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use nut_hid::{ParserConfig, Quirks, UsageNames, VendorTable};

/// Print a line to the real stderr, bypassing the test harness's output
/// capture (which only intercepts `print!`/`eprint!`), so the counts show
/// in a plain `cargo test` run.
pub(crate) fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `<workspace root>/../shared/corpus/hid`, or `None` after a loud SKIPPED
/// line. With env `CI` set a missing corpus fails the test instead.
pub(crate) fn hid_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/hid");
    if dir.join("INDEX.tsv").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus missing at {} (CI is set, so this is a failure)",
        dir.display()
    );
    report(&format!(
        "SKIPPED {test}: HID corpus not found at {} (it lives beside the repository, see shared/corpus/MANIFEST.md)",
        dir.display()
    ));
    None
}

/// One descriptor file of the corpus with its INDEX.tsv row.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Path relative to the corpus `hid/` directory.
    pub(crate) relative: String,
    /// `vvvv:pppp` (lower-case hex).
    pub(crate) vid_pid: String,
    /// Model text from the index.
    pub(crate) model: String,
    /// Byte length the index states.
    pub(crate) bytes: usize,
    /// The index says it is a Power Device descriptor.
    pub(crate) power_device: bool,
    /// The descriptor bytes.
    pub(crate) data: Vec<u8>,
}

impl Entry {
    /// A golden-file name: the file stem, or the capture directory's name
    /// for the two first-hand `report-descriptor.hex` files.
    pub(crate) fn golden_name(&self) -> String {
        let path = Path::new(&self.relative);
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("descriptor");
        if stem == "report-descriptor" {
            let parent = path
                .parent()
                .and_then(Path::file_name)
                .and_then(|s| s.to_str())
                .unwrap_or("capture");
            format!("{parent}.txt")
        } else {
            format!("{stem}.txt")
        }
    }

    /// The usage names NUT's claiming subdriver would use for this VID:PID
    /// (the probe order and claim rules of hid-maps.md §1.2–1.3, reduced to
    /// what the corpus needs; 06da:ffff goes to `liebert` and 09d6:0001 to
    /// no subdriver without their vendor strings, so standard names).
    pub(crate) fn names(&self) -> UsageNames {
        let vid = self.vid_pid.split(':').next().unwrap_or_default();
        let table = match (vid, self.vid_pid.as_str()) {
            (_, "05dd:a0a0") => Some(VendorTable::TrippLite),
            (_, "05dd:041b") => Some(VendorTable::Delta),
            ("0463" | "047c" | "0592" | "03f0" | "2b2d" | "04b3", _) => Some(VendorTable::Mge),
            ("051d", _) => Some(VendorTable::Apc),
            ("0764", _) => Some(VendorTable::Cps),
            ("09ae", _) => Some(VendorTable::TrippLite),
            ("0d9f", _) => Some(VendorTable::Powercom),
            ("10af" | "050d", _) => Some(VendorTable::Belkin),
            ("2e51", _) => Some(VendorTable::Ever),
            ("04d8", _) => Some(VendorTable::OpenUps),
            ("4234", _) => Some(VendorTable::Powervar),
            _ => None,
        };
        table.map_or(UsageNames::STANDARD, UsageNames::with_vendor)
    }

    /// NUT's parser behaviour plus the corrections its subdriver applies
    /// for this VID:PID (hid-maps.md §1.9).
    pub(crate) fn nut_config(&self) -> ParserConfig {
        let mut config = ParserConfig::nut();
        let quirks: &mut Quirks = &mut config.quirks;
        match self.vid_pid.as_str() {
            "051d:0002" => quirks.apc_voltage_limits = true,
            "0764:0501" | "0764:0601" => {
                quirks.cps_voltage_limits = true;
                quirks.cps_config_active_power = true;
            }
            "075d:0300" => quirks.idowell_limits = true,
            _ => {}
        }
        config
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "hex") {
            out.push(path);
        }
    }
}

/// Every `.hex` descriptor under `hid/`, joined with its INDEX.tsv row.
/// Fails when a file has no row or a row has no file.
pub(crate) fn entries(hid: &Path) -> Vec<Entry> {
    let index = std::fs::read_to_string(hid.join("INDEX.tsv")).expect("INDEX.tsv readable");
    let mut rows: Vec<Vec<String>> = index
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect();
    let mut files = Vec::new();
    walk(hid, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(hid)
            .expect("under hid/")
            .to_string_lossy()
            .replace('\\', "/");
        let position = rows
            .iter()
            .position(|row| row.first().is_some_and(|p| *p == relative))
            .unwrap_or_else(|| panic!("{relative} has no INDEX.tsv row"));
        let row = rows.remove(position);
        let field = |i: usize| row.get(i).cloned().unwrap_or_default();
        let content = std::fs::read(&file).expect("descriptor readable");
        let data =
            nut_hid::descriptor_bytes(&content).unwrap_or_else(|e| panic!("{relative}: {e}"));
        out.push(Entry {
            relative,
            vid_pid: field(1).to_ascii_lowercase(),
            model: field(2),
            bytes: field(3).parse().unwrap_or(0),
            power_device: field(5) == "yes",
            data,
        });
    }
    assert!(
        rows.is_empty(),
        "INDEX.tsv rows without a file: {:?}",
        rows.iter().filter_map(|r| r.first()).collect::<Vec<_>>()
    );
    out
}
