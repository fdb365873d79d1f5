//! Coverage against real `upsc` dumps (issue 6 part 6): for every corpus
//! descriptor whose model (or family) has a dump in `../shared/corpus/ddl`,
//! run the mapping engine and compare the variable names it promises and
//! publishes with the dump's, and the value formats where both have one.
//! Prints the coverage per model and in total.
//!
//! The dumps come from many NUT versions (2.0 to 2.8) and often from a
//! sibling model, so full coverage is not expected; the test fails when
//! coverage drops below the floor recorded here, or when a value format
//! we publish disagrees with the dump's in a way NUT's maps cannot explain.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use nut_hid::Target;

use crate::common::{self, Entry, report};
use crate::mapping;

/// Lowest total name coverage (promised names ∩ dump names / dump names)
/// accepted; set a little under the value measured when this was written.
const MIN_TOTAL_COVERAGE: f64 = 0.90;
/// Lowest share of value formats (integer, n decimals, text) that agree.
const MIN_FORMAT_AGREEMENT: f64 = 0.95;

/// Variables a dump carries that are not the HID mapping's business: the
/// driver core's (`driver.*`) and the `device.*` aliases it derives.
fn compared(name: &str) -> bool {
    !name.starts_with("driver.") && !name.starts_with("device.")
}

/// A dump's `name: value` lines (comments skipped).
fn parse_dump(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| {
            line.split_once(": ")
                .or_else(|| line.strip_suffix(':').map(|n| (n, "")))
        })
        .filter(|(name, _)| !name.is_empty() && !name.contains(' '))
        .map(|(name, value)| {
            // Dumps annotate some values inline: `137.0\t#BAD: …`.
            let value = value.split("\t#").next().unwrap_or_default();
            (name.trim().to_owned(), value.trim().to_owned())
        })
        .collect()
}

/// The dump files an INDEX.tsv note names, and what kind of match it is.
fn dumps_for(ddl: &Path, note: &str, vid_pid: &str) -> (Vec<PathBuf>, &'static str) {
    let kind = if note.starts_with("family") {
        "family"
    } else if note.starts_with("PID only") {
        "same PID"
    } else {
        "same model"
    };
    let mut files = Vec::new();
    for word in note.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')') {
        let Some(file) = word.strip_suffix(".dev").map(|_| word) else {
            continue;
        };
        let name = file.rsplit('/').next().unwrap_or(file);
        let folder = name.split("__").next().unwrap_or_default();
        let path = ddl.join(folder).join(name);
        if path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() && kind == "same PID" {
        // "PID only: <manufacturer>__<models> usbhid-ups dumps (productid NNNN)".
        let pid = vid_pid.split(':').nth(1).unwrap_or_default();
        if let Ok(index) = std::fs::read_to_string(ddl.join("INDEX.tsv")) {
            for line in index.lines().skip(1) {
                let cols: Vec<&str> = line.split('\t').collect();
                if cols.get(3) == Some(&"usbhid-ups") && cols.get(8) == Some(&pid) {
                    if let Some(path) = cols.first() {
                        files.push(ddl.join(path));
                    }
                    break;
                }
            }
        }
    }
    files.truncate(1);
    (files, kind)
}

/// `int`, `fixed(n)` or `text`: what NUT's printf formats decide.
fn value_class(value: &str) -> String {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    match unsigned.split_once('.') {
        None if digits(unsigned) => "int".to_owned(),
        Some((whole, fraction)) if digits(whole) && digits(fraction) => {
            format!("fixed({})", fraction.len())
        }
        _ => "text".to_owned(),
    }
}

struct ModelCoverage {
    dump_names: usize,
    promised_hits: usize,
    published_hits: usize,
    formats_compared: usize,
    formats_matched: usize,
}

fn cover(
    hid: &Path,
    entry: &Entry,
    dump: &BTreeMap<String, String>,
) -> Option<(ModelCoverage, String)> {
    let strings = ["ups.mfr", "ups.model", "ups.serial"].map(|n| dump.get(n).map(String::as_str));
    let run = mapping::run(hid, entry, strings);
    let mapper = run.mapper?;
    let mut promised: BTreeSet<String> = mapper
        .bindings()
        .filter(|(_, field)| field.is_some())
        .filter_map(|(row, _)| match row.target {
            Target::Variable(name) => Some(name.to_owned()),
            _ => None,
        })
        .collect();
    promised.extend(mapper.variables().iter().map(|(name, _)| name.to_owned()));
    promised.insert("ups.status".to_owned());
    let dump_names: BTreeSet<&String> = dump.keys().filter(|n| compared(n)).collect();
    let promised_hits = dump_names
        .iter()
        .filter(|n| promised.contains(n.as_str()))
        .count();
    let published_hits = dump_names
        .iter()
        .filter(|n| mapper.variables().contains(n.as_str()))
        .count();
    let (mut formats_compared, mut formats_matched) = (0, 0);
    let mut format_notes = Vec::new();
    for name in &dump_names {
        let (Some(ours), Some(theirs)) = (
            mapper.variables().get(name.as_str()),
            dump.get(name.as_str()),
        ) else {
            continue;
        };
        if ours.is_empty() || theirs.is_empty() || name.as_str() == "ups.status" {
            continue;
        }
        formats_compared += 1;
        if value_class(ours) == value_class(theirs) {
            formats_matched += 1;
        } else {
            format_notes.push(format!("{name} ours `{ours}` dump `{theirs}`"));
        }
    }
    let missing: Vec<&str> = dump_names
        .iter()
        .filter(|n| !promised.contains(n.as_str()))
        .map(|n| n.as_str())
        .collect();
    let detail = format!(
        "{}; missing: {}{}",
        mapper.subdriver().short_name,
        if missing.is_empty() {
            "-".to_owned()
        } else {
            missing.join(" ")
        },
        if format_notes.is_empty() {
            String::new()
        } else {
            format!("; format differences: {}", format_notes.join(", "))
        }
    );
    Some((
        ModelCoverage {
            dump_names: dump_names.len(),
            promised_hits,
            published_hits,
            formats_compared,
            formats_matched,
        },
        detail,
    ))
}

#[test]
fn variable_coverage_against_device_dumps() {
    let Some(hid) = common::hid_dir("variable_coverage_against_device_dumps") else {
        return;
    };
    let ddl = hid.join("../ddl");
    let index = std::fs::read_to_string(hid.join("INDEX.tsv")).expect("INDEX.tsv");
    let notes: BTreeMap<String, String> = index
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(((*cols.first()?).to_owned(), (*cols.get(7)?).to_owned()))
        })
        .collect();
    let (mut models, mut dump_total, mut promised_total, mut published_total) = (0, 0, 0, 0);
    let (mut formats_total, mut formats_ok) = (0, 0);
    for entry in common::entries(&hid) {
        let Some(note) = notes
            .get(&entry.relative)
            .filter(|n| !n.is_empty() && !n.starts_with("none"))
        else {
            continue;
        };
        let (files, kind) = dumps_for(&ddl, note, &entry.vid_pid);
        let Some(file) = files.first() else {
            report(&format!(
                "coverage: {}: dump named in INDEX.tsv not found",
                entry.relative
            ));
            continue;
        };
        let dump = parse_dump(&std::fs::read_to_string(file).expect("dump readable"));
        let Some((coverage, detail)) = cover(&hid, &entry, &dump) else {
            report(&format!(
                "coverage: {} ({}): no subdriver",
                entry.model, entry.vid_pid
            ));
            continue;
        };
        assert!(
            coverage.promised_hits > 0,
            "{}: nothing in common with its dump",
            entry.model
        );
        models += 1;
        dump_total += coverage.dump_names;
        promised_total += coverage.promised_hits;
        published_total += coverage.published_hits;
        formats_total += coverage.formats_compared;
        formats_ok += coverage.formats_matched;
        report(&format!(
            "coverage: {} [{}] vs {} ({kind}): names {}/{} ({:.0}%) promised, {} published; formats {}/{}; {detail}",
            entry.model,
            entry.vid_pid,
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default(),
            coverage.promised_hits,
            coverage.dump_names,
            100.0 * coverage.promised_hits as f64 / coverage.dump_names.max(1) as f64,
            coverage.published_hits,
            coverage.formats_matched,
            coverage.formats_compared,
        ));
    }
    let ratio = promised_total as f64 / dump_total.max(1) as f64;
    report(&format!(
        "coverage total: {models} models, names {promised_total}/{dump_total} ({:.1}%) promised, {published_total} published with vector/zeroed values; value formats {formats_ok}/{formats_total}",
        100.0 * ratio
    ));
    assert!(models >= 20, "only {models} models compared");
    assert!(
        ratio >= MIN_TOTAL_COVERAGE,
        "name coverage {ratio:.3} below {MIN_TOTAL_COVERAGE}"
    );
    let agreement = formats_ok as f64 / formats_total.max(1) as f64;
    assert!(
        agreement >= MIN_FORMAT_AGREEMENT,
        "value formats agree {agreement:.3}, below {MIN_FORMAT_AGREEMENT}"
    );
}

#[test]
fn dump_parsing_and_value_classes() {
    let dump = parse_dump(
        "# comment\nbattery.charge: 100\nups.status: OL\nempty:\n#RW: x\nv: 1.0\t#BAD: x\n",
    );
    assert_eq!(dump.get("v").map(String::as_str), Some("1.0"));
    assert_eq!(dump.get("battery.charge").map(String::as_str), Some("100"));
    assert_eq!(dump.get("empty").map(String::as_str), Some(""));
    assert_eq!(dump.len(), 4);
    assert_eq!(value_class("24.0"), "fixed(1)");
    assert_eq!(value_class("-60"), "int");
    assert_eq!(value_class("enabled"), "text");
    assert_eq!(value_class("1.2.3"), "text");
}
