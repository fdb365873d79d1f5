//! Every dump of the nut-ddl corpus (and NUT's sample `.seq`) through the
//! definition parser and dummy-ups's start-up.
//!
//! The corpus lives outside the repository (`../shared/corpus` from the repo
//! root, or `$NUT_CORPUS_DIR`). Missing corpus: the tests fail when `CI` is
//! set and are skipped loudly otherwise.
//!
//! `compare_with_real_dummy_ups` also compares our `DUMPALL` with the real
//! dummy-ups 2.8.0's, when `$NUT_DUMMY_REAL_DUMPS` names a directory recorded
//! by `tests/record_real_dummy_dumps.sh`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nut_proto::tokenizer::encode;
use nut_server::config::UpsConf;
use nut_server::dummy::{self, Definition};
use nut_server::state::{DriverState, Update};

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NUT_CORPUS_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    );
    let ddl = dir.join("ddl");
    if ddl.is_dir() {
        return Some(ddl);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus missing at {} (required when CI is set)",
        ddl.display()
    );
    eprintln!(
        "SKIPPED: nut-ddl corpus not found at {} (set NUT_CORPUS_DIR)",
        ddl.display()
    );
    None
}

fn definition_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("dev" | "seq")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Starts dummy-ups on `text` with `port = x.<ext>`, as the recording did.
fn start(path: &Path, text: &[u8], synchronous: Option<&str>) -> DriverState {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("dev");
    let mut conf = format!("[d]\ndriver = dummy-ups\nport = x.{ext}\n");
    if let Some(mode) = synchronous {
        conf.push_str(&format!("synchronous = {mode}\n"));
    }
    let conf = UpsConf::parse(Path::new("ups.conf"), conf.as_bytes()).expect("valid ups.conf");
    let def = Definition::parse(path, text).expect("within limits");
    let mut state = DriverState::new();
    dummy::start(
        Instant::now(),
        &mut state,
        &conf.globals,
        &conf.sections[0],
        &[],
        def,
        dummy::Options::default(),
    )
    .expect("dummy-ups starts");
    state
}

#[test]
fn every_corpus_file_parses_and_loads() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let files = definition_files(&dir);
    assert!(
        files.len() >= 719,
        "expected 718 dumps and a .seq, found {}",
        files.len()
    );
    let (mut seq, mut vars, mut annotations, mut skipped_lines) = (0, 0, 0, 0);
    for path in &files {
        let text = read(path);
        let def = Definition::parse(path, &text).expect("within limits");
        assert!(
            def.variable_count() > 0,
            "{}: no variables read",
            path.display()
        );
        skipped_lines += def.diagnostics.len();
        vars += def.variable_count();
        annotations += def.annotations.rw.len() + def.annotations.commands.len();
        if path.extension().is_some_and(|e| e == "seq") {
            seq += 1;
        }
        let state = start(path, &text, None);
        let dump = state.dump();
        assert_eq!(dump.last(), Some(&Update::DumpDone), "{}", path.display());
        assert!(state.get("ups.status").is_some(), "{}", path.display());
        assert!(state.tree().has_command("load.off"));
        assert_eq!(state.get("driver.name"), Some("dummy-ups"));
    }
    eprintln!(
        "nut-ddl corpus: {} definition files parsed and loaded ({} .seq), {vars} variable lines, \
         {annotations} #RW/#CMD annotations, {skipped_lines} lines skipped by the tokenizer",
        files.len(),
        seq
    );
}

/// Driver socket lines as the real driver writes them.
fn render(updates: &[Update]) -> String {
    let mut out = String::new();
    for u in updates {
        let line = match u {
            Update::SetInfo { name, value } => format!("SETINFO {name} \"{}\"", encode(value)),
            Update::AddEnum { name, value } => format!("ADDENUM {name} \"{}\"", encode(value)),
            Update::AddRange { name, min, max } => format!("ADDRANGE {name} {min} {max}"),
            Update::SetAux { name, aux } => format!("SETAUX {name} {aux}"),
            Update::SetFlags { name, flags } => {
                let words: Vec<_> = flags.words().collect();
                if words.is_empty() {
                    format!("SETFLAGS {name}")
                } else {
                    format!("SETFLAGS {name} {}", words.join(" "))
                }
            }
            Update::AddCmd { name } => format!("ADDCMD {name}"),
            Update::DataOk => "DATAOK".into(),
            Update::DataStale => "DATASTALE".into(),
            Update::DumpDone => "DUMPDONE".into(),
            other => format!("<unexpected {other:?}>"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn compare_with_real_dummy_ups() {
    let Some(real_dir) = std::env::var_os("NUT_DUMMY_REAL_DUMPS").map(PathBuf::from) else {
        eprintln!(
            "SKIPPED: set NUT_DUMMY_REAL_DUMPS to a directory recorded by tests/record_real_dummy_dumps.sh"
        );
        return;
    };
    let Some(dir) = corpus_dir() else {
        return;
    };
    let (mut compared, mut missing) = (0, 0);
    let mut mismatches = Vec::new();
    for path in definition_files(&dir) {
        let relative = path.strip_prefix(&dir).unwrap_or(&path);
        let name = relative.to_string_lossy().replace('/', "__");
        let Ok(expected) = std::fs::read(real_dir.join(format!("{name}.dump"))) else {
            missing += 1;
            continue;
        };
        let expected = String::from_utf8_lossy(&expected).into_owned();
        let sync = expected
            .contains("SETINFO driver.parameter.synchronous \"yes\"")
            .then_some("yes");
        let ours = render(&start(&path, &read(&path), sync).dump());
        compared += 1;
        if ours != expected {
            let first = ours
                .lines()
                .zip(expected.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("ours: {a}\nreal: {b}"))
                .unwrap_or_else(|| "length differs".into());
            mismatches.push(format!("{}\n{first}", relative.display()));
        }
    }
    eprintln!(
        "compared {compared} corpus files with real dummy-ups 2.8.0 DUMPALLs: {} identical, {} different, {missing} not recorded",
        compared - mismatches.len(),
        mismatches.len()
    );
    assert!(compared > 0, "no recorded dumps in {}", real_dir.display());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}
