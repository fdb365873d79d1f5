//! `upsd.users`: who may do what on upsd.
//!
//! `[name]` opens a user (names and passwords are case-sensitive); inside,
//! `password`, `actions`, `instcmds`, `upsmon` and the obsolete `allowfrom`
//! are read case-insensitively, as are action and command names. The rules
//! and messages follow upsd 2.8.0, checked against the real daemon:
//!
//! * `upsmon primary` (or `master`) grants LOGIN, PRIMARY and FSD;
//!   `upsmon secondary` (or `slave`) grants LOGIN; `upsmon = primary` is
//!   accepted too (as newer NUT does);
//! * `actions` and `instcmds` take several words and may repeat;
//!   `instcmds = ALL` grants every command;
//! * a second `password` is ignored ("Ignoring duplicate password for x"), a
//!   second `[x]` continues the first ("Ignoring duplicate user x").

use std::path::{Path, PathBuf};

use crate::config::{Warning, read_file, section_header, tokenize};
use crate::error::{Error, quoted};

/// What a user's `actions` (and `upsmon` role) allow.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Actions {
    /// `SET`: change variables.
    pub set: bool,
    /// `FSD`: raise the forced-shutdown flag.
    pub fsd: bool,
    /// `LOGIN`: attach as an upsmon client (granted by `upsmon`).
    pub login: bool,
    /// `PRIMARY` (alias `MASTER`): the primary upsmon role.
    pub primary: bool,
    /// Action words upsd does not know, kept as written (upsd ignores them too).
    pub other: Vec<String>,
}

impl Actions {
    fn add(&mut self, word: &str) {
        match word.to_ascii_uppercase().as_str() {
            "SET" => self.set = true,
            "FSD" => self.fsd = true,
            "LOGIN" => self.login = true,
            "PRIMARY" | "MASTER" => self.primary = true,
            _ => self.other.push(word.to_owned()),
        }
    }
}

/// The `upsmon` line of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsmonRole {
    /// `upsmon primary` / `upsmon master`.
    Primary,
    /// `upsmon secondary` / `upsmon slave`.
    Secondary,
}

/// One `[name]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// The name between the brackets (case-sensitive).
    pub name: String,
    /// The first `password` (case-sensitive); without one the user can never
    /// authenticate.
    pub password: Option<String>,
    /// The granted actions.
    pub actions: Actions,
    /// `instcmds` entries as written.
    pub instcmds: Vec<String>,
    /// The last valid `upsmon` role given.
    pub upsmon: Option<UpsmonRole>,
    /// Line of the (first) header.
    pub line: u32,
}

impl User {
    fn new(name: &str, line: u32) -> Self {
        Self {
            name: name.to_owned(),
            password: None,
            actions: Actions::default(),
            instcmds: Vec::new(),
            upsmon: None,
            line,
        }
    }

    /// `SET VAR` is allowed.
    pub fn may_set(&self) -> bool {
        self.actions.set
    }

    /// `FSD` is allowed (`actions = FSD`, or `upsmon primary`).
    pub fn may_fsd(&self) -> bool {
        self.actions.fsd
    }

    /// `LOGIN` is allowed (any `upsmon` role, or `actions = LOGIN`).
    pub fn may_login(&self) -> bool {
        self.actions.login
    }

    /// `PRIMARY` / `MASTER` is allowed.
    pub fn may_primary(&self) -> bool {
        self.actions.primary
    }

    /// `INSTCMD <cmd>` is allowed: `instcmds` lists it or `ALL` (any case).
    pub fn may_instcmd(&self, cmd: &str) -> bool {
        self.instcmds
            .iter()
            .any(|c| c.eq_ignore_ascii_case("all") || c.eq_ignore_ascii_case(cmd))
    }

    /// Whether `action` is allowed.
    pub fn may(&self, action: Access<'_>) -> bool {
        match action {
            Access::Set => self.may_set(),
            Access::Fsd => self.may_fsd(),
            Access::Login => self.may_login(),
            Access::Primary => self.may_primary(),
            Access::InstCmd(cmd) => self.may_instcmd(cmd),
        }
    }

    fn set_upsmon(&mut self, role: &str) -> bool {
        let role = if role.eq_ignore_ascii_case("primary") || role.eq_ignore_ascii_case("master") {
            self.actions.primary = true;
            self.actions.fsd = true;
            UpsmonRole::Primary
        } else if role.eq_ignore_ascii_case("secondary") || role.eq_ignore_ascii_case("slave") {
            UpsmonRole::Secondary
        } else {
            return false;
        };
        self.actions.login = true;
        self.upsmon = Some(role);
        true
    }
}

/// Something a client asks upsd to do on behalf of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access<'a> {
    /// `SET VAR`.
    Set,
    /// `FSD`.
    Fsd,
    /// `LOGIN`.
    Login,
    /// `PRIMARY` / `MASTER`.
    Primary,
    /// `INSTCMD <cmd>`.
    InstCmd(&'a str),
}

/// A parsed `upsd.users`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Users {
    /// The file, for messages.
    pub path: PathBuf,
    /// Users in file order.
    pub users: Vec<User>,
    /// What NUT would log and ignore, with NUT's messages.
    pub warnings: Vec<Warning>,
}

impl Users {
    /// No users: nobody can authenticate (upsd's state when the file is missing).
    pub fn empty(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            users: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Reads and parses the file at `path`.
    ///
    /// # Errors
    ///
    /// See [`Users::parse`]; also [`Error::Open`].
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = read_file(path)?;
        Self::parse(path, &text)
    }

    /// Parses `text`, naming `path` in messages.
    ///
    /// # Errors
    ///
    /// Only a line the tokenizer rejects.
    ///
    /// ```
    /// use nut_server::config::{Users, users::Access};
    ///
    /// let users = Users::parse(
    ///     "upsd.users".as_ref(),
    ///     b"[admin]\n password = s3cret\n actions = SET\n instcmds = ALL\n[mon]\n password = p\n upsmon primary\n",
    /// )?;
    /// let admin = users.authenticate("admin", "s3cret").expect("right password");
    /// assert!(admin.may_set() && admin.may_instcmd("load.off") && !admin.may_fsd());
    /// assert!(users.allows("mon", "p", Access::Fsd));
    /// assert!(!users.allows("mon", "wrong", Access::Login));
    /// # Ok::<(), nut_server::Error>(())
    /// ```
    pub fn parse(path: &Path, text: &[u8]) -> Result<Self, Error> {
        let mut users = Self::empty(path);
        let mut current: Option<usize> = None;
        for line in tokenize(path, text)? {
            let words = &line.words;
            let Some(first) = words.first() else {
                continue;
            };
            if let Some(name) = section_header(first) {
                current = Some(match users.users.iter().position(|u| u.name == name) {
                    Some(index) => {
                        users.warn(line.number, format!("Ignoring duplicate user {name}"));
                        index
                    }
                    None => {
                        users.users.push(User::new(name, line.number));
                        users.users.len() - 1
                    }
                });
                continue;
            }
            let Some(index) = current else {
                users.warn(
                    line.number,
                    format!(
                        "upsd.users: ignoring \"{}\" outside a [user] section",
                        quoted(&words.join(" "))
                    ),
                );
                continue;
            };
            users.setting(index, line.number, words);
        }
        Ok(users)
    }

    /// The user called `name` (exact case).
    pub fn get(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The user, if `name` exists, has a password and `password` matches it
    /// exactly; upsd checks this at each privileged command, not at PASSWORD.
    pub fn authenticate(&self, name: &str, password: &str) -> Option<&User> {
        self.get(name)
            .filter(|u| u.password.as_deref() == Some(password))
    }

    /// Whether `name`/`password` authenticate and may do `action`.
    pub fn allows(&self, name: &str, password: &str, action: Access<'_>) -> bool {
        self.authenticate(name, password)
            .is_some_and(|u| u.may(action))
    }

    fn warn(&mut self, line: u32, message: String) {
        self.warnings.push(Warning::new(&self.path, line, message));
    }

    fn setting(&mut self, index: usize, line: u32, words: &[String]) {
        let Some(user) = self.users.get_mut(index) else {
            return;
        };
        let (key, values): (&str, &[String]) = match words {
            [key, eq, rest @ ..] if eq == "=" && !rest.is_empty() => (key, rest),
            [key, rest @ ..] if key.eq_ignore_ascii_case("upsmon") && !rest.is_empty() => {
                (key, rest)
            }
            _ => {
                let message = format!(
                    "upsd.users: ignoring \"{}\" (expected key = value)",
                    quoted(&words.join(" "))
                );
                self.warn(line, message);
                return;
            }
        };
        let Some(first) = values.first() else {
            return;
        };
        let message = match key.to_ascii_lowercase().as_str() {
            "password" => {
                if user.password.is_some() {
                    Some(format!("Ignoring duplicate password for {}", user.name))
                } else {
                    user.password = Some(first.clone());
                    None
                }
            }
            "actions" => {
                values.iter().for_each(|v| user.actions.add(v));
                None
            }
            "instcmds" => {
                user.instcmds.extend(values.iter().cloned());
                None
            }
            "upsmon" => (!user.set_upsmon(first)).then(|| format!("Unknown upsmon type {first}")),
            "allowfrom" => Some("allowfrom in upsd.users is no longer used".to_owned()),
            _ => Some(format!("Unrecognized user setting {key}")),
        };
        if let Some(message) = message {
            self.warn(line, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Users {
        Users::parse(Path::new("/etc/nut/upsd.users"), text.as_bytes()).expect("tokenizes")
    }

    /// The lab's upsd.users (real-nut-lab.md §2.1).
    const LAB: &str = "[admin]\n  password = adminpass\n  actions = SET\n  actions = FSD\n  instcmds = ALL\n\n[monuser]\n  password = monpass\n  upsmon primary\n\n[secuser]\n  password = secpass\n  upsmon secondary\n";

    #[test]
    fn lab_users_have_the_rights_real_upsd_gave_them() {
        let users = parse(LAB);
        assert!(users.warnings.is_empty(), "{:?}", users.warnings);
        // admin: SET and FSD without LOGIN; every command.
        assert!(users.allows("admin", "adminpass", Access::Set));
        assert!(users.allows("admin", "adminpass", Access::Fsd));
        assert!(users.allows("admin", "adminpass", Access::InstCmd("load.off")));
        assert!(!users.allows("admin", "adminpass", Access::Login));
        // monuser: LOGIN, PRIMARY and (implied) FSD; no SET, no commands.
        assert!(users.allows("monuser", "monpass", Access::Login));
        assert!(users.allows("monuser", "monpass", Access::Primary));
        assert!(users.allows("monuser", "monpass", Access::Fsd));
        assert!(!users.allows("monuser", "monpass", Access::Set));
        assert!(!users.allows("monuser", "monpass", Access::InstCmd("load.off")));
        // secuser: LOGIN only.
        assert!(users.allows("secuser", "secpass", Access::Login));
        assert!(!users.allows("secuser", "secpass", Access::Fsd));
        assert!(!users.allows("secuser", "secpass", Access::Primary));
        assert_eq!(
            users.get("secuser").and_then(|u| u.upsmon),
            Some(UpsmonRole::Secondary)
        );
    }

    #[test]
    fn names_and_passwords_are_case_sensitive_keys_and_actions_are_not() {
        let users = parse("[Admin]\nPASSWORD = Secret\nActions = set fsd\nInstCmds = Load.Off\n");
        assert!(users.authenticate("admin", "Secret").is_none());
        assert!(users.authenticate("Admin", "secret").is_none());
        let admin = users.authenticate("Admin", "Secret").expect("exact match");
        assert!(admin.may_set() && admin.may_fsd());
        assert!(admin.may_instcmd("load.off"));
        assert!(admin.may_instcmd("LOAD.OFF"));
        assert!(!admin.may_instcmd("load.on"));
    }

    #[test]
    fn several_words_and_repeated_lines_accumulate() {
        let users = parse(
            "[u]\npassword = p\nactions = SET\nactions = FSD MASTER bogus\ninstcmds = a b\ninstcmds = c\n",
        );
        let u = users.get("u").expect("user");
        assert!(u.may_set() && u.may_fsd() && u.may_primary() && !u.may_login());
        assert_eq!(u.actions.other, ["bogus"]);
        assert_eq!(u.instcmds, ["a", "b", "c"]);
    }

    #[test]
    fn user_without_password_never_authenticates() {
        let users = parse("[u]\nactions = SET\n");
        assert!(users.authenticate("u", "").is_none());
        assert!(!users.allows("u", "", Access::Set));
    }

    #[test]
    fn messages_match_real_upsd_2_8_0() {
        let users = parse(concat!(
            "[admin]\n  password = a\n  PASSWORD = b\n  allowfrom = localhost\n",
            "  upsmon bogus\n  frobnicate = 1\n",
            "[admin]\n  password = c\n",
        ));
        let messages: Vec<_> = users.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "Ignoring duplicate password for admin",
                "allowfrom in upsd.users is no longer used",
                "Unknown upsmon type bogus",
                "Unrecognized user setting frobnicate",
                "Ignoring duplicate user admin",
                "Ignoring duplicate password for admin",
            ]
        );
        assert_eq!(users.users.len(), 1);
        assert_eq!(
            users.get("admin").and_then(|u| u.password.as_deref()),
            Some("a")
        );
    }

    #[test]
    fn upsmon_accepts_both_spellings_and_old_role_names() {
        let users = parse("[a]\nupsmon = master\n[b]\nUPSMON slave\n[c]\nupsmon primary\n");
        assert_eq!(
            users.get("a").and_then(|u| u.upsmon),
            Some(UpsmonRole::Primary)
        );
        assert!(users.get("a").is_some_and(|u| u.may_fsd() && u.may_login()));
        assert_eq!(
            users.get("b").and_then(|u| u.upsmon),
            Some(UpsmonRole::Secondary)
        );
        assert!(users.warnings.is_empty(), "{:?}", users.warnings);
    }

    #[test]
    fn lines_outside_a_section_are_ignored_with_a_warning() {
        let users = parse("password = orphan\n[u]\npassword = x\n");
        assert_eq!(users.warnings.len(), 1);
        assert_eq!(users.warnings[0].line, 1);
        assert_eq!(
            users.get("u").and_then(|u| u.password.as_deref()),
            Some("x")
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Users::parse(Path::new("x"), &bytes);
        }

        #[test]
        fn any_printable_password_authenticates_only_itself(pw in "[!-~]{1,40}", other in "[!-~]{1,40}") {
            let text = format!("[u]\npassword = {}\n", nut_proto::tokenizer::quote(&pw));
            let users = parse(&text);
            prop_assert!(users.authenticate("u", &pw).is_some());
            prop_assert_eq!(users.authenticate("u", &other).is_some(), other == pw);
        }
    }
}
