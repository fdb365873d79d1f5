//! Variable and command descriptions for `GET DESC` / `GET CMDDESC`: NUT's
//! `cmdvartab` format.
//!
//! Each line is `VARDESC <var> "<text>"` or `CMDDESC <cmd> "<text>"`; other
//! lines are ignored. Names are looked up case-insensitively and a later
//! duplicate replaces an earlier one, as upsd does. The file is NUT's data
//! (GPL): upsd reads it at run time from `DATAPATH`, like NUT; it is not
//! shipped here.
//!
//! Like upsd, loading is lenient: a line the tokenizer rejects is skipped and
//! reported as a [`Warning`].

use std::collections::HashMap;
use std::path::Path;

use nut_proto::tokenizer;

use crate::config::{Warning, read_bounded};
use crate::error::Error;

/// upsd's answer when there is no description.
pub const UNAVAILABLE: &str = "Description unavailable";

/// The file name upsd reads in `DATAPATH`.
pub const FILE_NAME: &str = "cmdvartab";

/// Largest `cmdvartab` accepted, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 1024 * 1024;

/// Prefix of variables a clone/failover driver republishes from upstream;
/// their description is the upstream variable's.
const UPSTREAM_PREFIX: &str = "upstream.";

/// Descriptions of variables and instant commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Descriptions {
    vars: HashMap<String, String>,
    cmds: HashMap<String, String>,
}

impl Descriptions {
    /// No descriptions (upsd without a `cmdvartab`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `path`; a missing file gives no descriptions, like upsd
    /// ("... not found - disabling descriptions").
    ///
    /// # Errors
    ///
    /// The file exists but cannot be read, or is too large.
    pub fn load(path: &Path) -> Result<(Self, Vec<Warning>), Error> {
        match read_bounded(path, MAX_DESCRIPTION_BYTES) {
            Ok(text) => Ok(Self::parse(path, &text)),
            Err(Error::Open { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                let warning = Warning::new(
                    path,
                    0,
                    format!("{} not found - disabling descriptions", path.display()),
                );
                Ok((Self::new(), vec![warning]))
            }
            Err(e) => Err(e),
        }
    }

    /// Parses `text`; lines the tokenizer rejects become warnings with
    /// NUT's `Parse error: <file>:<line>: <reason>` message.
    ///
    /// ```
    /// use nut_server::desc::Descriptions;
    ///
    /// let (d, warnings) = Descriptions::parse("cmdvartab".as_ref(),
    ///     b"VARDESC ups.status \"UPS status\"\nCMDDESC load.off \"Turn off the load immediately\"\n");
    /// assert!(warnings.is_empty());
    /// assert_eq!(d.var("UPS.STATUS"), Some("UPS status"));
    /// assert_eq!(d.var("upstream.ups.status"), Some("UPS status"));
    /// assert_eq!(d.cmd_or_unavailable("nosuch.cmd"), "Description unavailable");
    /// ```
    pub fn parse(path: &Path, text: &[u8]) -> (Self, Vec<Warning>) {
        let mut descriptions = Self::new();
        let mut warnings = Vec::new();
        for item in tokenizer::split_text(text) {
            let line = match item {
                Ok(line) => line,
                Err(e) => {
                    let message = format!("Parse error: {}:{}: {}", path.display(), e.line, e.kind);
                    warnings.push(Warning::new(path, e.line, message));
                    continue;
                }
            };
            let [kind, name, desc, ..] = line.words.as_slice() else {
                continue;
            };
            let table = match kind.as_str() {
                "VARDESC" => &mut descriptions.vars,
                "CMDDESC" => &mut descriptions.cmds,
                _ => continue,
            };
            table.insert(name.to_ascii_lowercase(), desc.clone());
        }
        (descriptions, warnings)
    }

    /// The description of variable `name`; an `upstream.` variable without
    /// its own falls back to the upstream name's.
    pub fn var(&self, name: &str) -> Option<&str> {
        lookup(&self.vars, name)
    }

    /// The description of instant command `name` (same rule as [`Self::var`]).
    pub fn cmd(&self, name: &str) -> Option<&str> {
        lookup(&self.cmds, name)
    }

    /// [`Self::var`], or upsd's "Description unavailable".
    pub fn var_or_unavailable(&self, name: &str) -> &str {
        self.var(name).unwrap_or(UNAVAILABLE)
    }

    /// [`Self::cmd`], or upsd's "Description unavailable".
    pub fn cmd_or_unavailable(&self, name: &str) -> &str {
        self.cmd(name).unwrap_or(UNAVAILABLE)
    }

    /// Number of variable descriptions.
    pub fn var_count(&self) -> usize {
        self.vars.len()
    }

    /// Number of command descriptions.
    pub fn cmd_count(&self) -> usize {
        self.cmds.len()
    }
}

fn lookup<'a>(table: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    let key = name.to_ascii_lowercase();
    if let Some(desc) = table.get(&key) {
        return Some(desc);
    }
    key.strip_prefix(UPSTREAM_PREFIX)
        .and_then(|rest| table.get(rest))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Descriptions, Vec<Warning>) {
        Descriptions::parse(Path::new("/usr/share/nut/cmdvartab"), text.as_bytes())
    }

    #[test]
    fn later_duplicates_replace_and_unknown_lines_are_ignored() {
        let (d, warnings) = parse(concat!(
            "# comment\nVARDESC a \"first\"\nVARDESC A \"second\"\n",
            "vardesc b \"lower-case keyword\"\nVARDESC c\nOTHER d \"x\"\nCMDDESC x.y \"cmd\"\n",
        ));
        assert!(warnings.is_empty());
        assert_eq!(d.var("a"), Some("second"));
        assert_eq!(d.var("b"), None);
        assert_eq!(d.var("c"), None);
        assert_eq!(d.cmd("X.Y"), Some("cmd"));
        assert_eq!(d.var("x.y"), None);
        assert_eq!((d.var_count(), d.cmd_count()), (1, 1));
    }

    #[test]
    fn upstream_prefix_falls_back_only_when_needed() {
        let (d, _) =
            parse("VARDESC x \"plain\"\nVARDESC upstream.y \"own\"\nVARDESC y \"plain y\"\n");
        assert_eq!(d.var("upstream.x"), Some("plain"));
        assert_eq!(d.var("upstream.y"), Some("own"));
        assert_eq!(d.var("upstream.z"), None);
        assert_eq!(d.var_or_unavailable("upstream.z"), UNAVAILABLE);
    }

    #[test]
    fn bad_lines_are_skipped_with_nuts_message() {
        let (d, warnings) = parse("VARDESC a \"x # y\"\nVARDESC b \"ok\"\n");
        assert_eq!(d.var("b"), Some("ok"));
        assert_eq!(d.var("a"), None);
        assert_eq!(
            warnings[0].to_string(),
            "Parse error: /usr/share/nut/cmdvartab:1: Unbalanced word due to unescaped # in quotes"
        );
    }

    #[test]
    fn missing_file_disables_descriptions_like_upsd() {
        let (d, warnings) =
            Descriptions::load(Path::new("/nonexistent/cmdvartab")).expect("not an error");
        assert_eq!(d.var_count(), 0);
        assert_eq!(
            warnings[0].to_string(),
            "/nonexistent/cmdvartab not found - disabling descriptions"
        );
    }

    /// Loads the real NUT file when the system has one (GPL data: read, not copied).
    #[test]
    fn loads_the_installed_cmdvartab_when_present() {
        let path = Path::new("/usr/share/nut/cmdvartab");
        if !path.exists() {
            eprintln!("SKIPPED: {} not installed", path.display());
            return;
        }
        let (d, warnings) = Descriptions::load(path).expect("readable");
        assert!(warnings.is_empty(), "{warnings:?}");
        // Values seen from the real upsd in the lab transcripts.
        assert_eq!(d.var("ups.status"), Some("UPS status"));
        assert_eq!(
            d.var("battery.charge"),
            Some("Battery charge (percent of full)")
        );
        assert_eq!(d.cmd("load.off"), Some("Turn off the load immediately"));
        assert_eq!(d.var("device.mfr"), None);
        assert!(d.var_count() > 100 && d.cmd_count() > 20);
    }
}
