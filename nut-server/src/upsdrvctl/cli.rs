//! upsdrvctl's command line, read the way NUT's `getopt("+htu:r:DdFBVc:l")`
//! reads it: options (grouped `-tD`, attached `-uroot` or separate
//! `-u root`) up to the first word that is not one, then the command
//! (`start`, `stop`, `shutdown`, `status`, `list`; none after `-l` or `-c`)
//! and an optional UPS name.
//!
//! Parsing is pure: the result says what to run, or that help is due (NUT
//! prints it with exit status 0, even after an invalid option), or which
//! fatal message to print.

use std::fmt;

/// How drivers are asked to run with respect to the background (`-F`,
/// `-FF`, `-B`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Foreground {
    /// No option: the driver decides (it backgrounds unless debugging).
    #[default]
    Default,
    /// `-B`: drivers go to the background even when debugging.
    Background,
    /// `-F`: drivers stay in the foreground.
    Foreground,
    /// `-FF`: drivers stay in the foreground and still write PID files.
    ForegroundWithPidFile,
}

impl Foreground {
    /// The option passed on to drivers (`-B`, `-F`, `-FF`), if any.
    pub fn driver_flag(self) -> Option<&'static str> {
        match self {
            Self::Default => None,
            Self::Background => Some("-B"),
            Self::Foreground => Some("-F"),
            Self::ForegroundWithPidFile => Some("-FF"),
        }
    }

    /// Whether `-F` or `-FF` was given.
    pub fn is_foreground(self) -> bool {
        matches!(self, Self::Foreground | Self::ForegroundWithPidFile)
    }
}

/// What `-c <command>` asks of a running driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverCommand {
    /// `dump`/`data-dump`: print the state on the driver's stdout (SIGURG).
    DataDump,
    /// `reload`: re-read the configuration (SIGHUP).
    Reload,
    /// `reload-or-error`: reload and report, through the socket.
    ReloadOrError,
    /// `reload-or-exit`: reload, or exit when a restart is needed (SIGUSR1).
    ReloadOrExit,
    /// `exit`: stop, through the socket.
    Exit,
}

impl DriverCommand {
    /// Every command with the names `-c` accepts, in the order NUT tries
    /// them when only a prefix is given.
    const BY_NAME: [(&'static str, Self); 6] = [
        ("reload-or-error", Self::ReloadOrError),
        ("exit", Self::Exit),
        ("dump", Self::DataDump),
        ("data-dump", Self::DataDump),
        ("reload", Self::Reload),
        ("reload-or-exit", Self::ReloadOrExit),
    ];

    /// Reads a `-c` argument: a full name, else (as NUT's `strncmp` does)
    /// the first name in NUT's order that starts with it.
    ///
    /// Unlike NUT, a full name always means itself: NUT reads `-c reload`
    /// as a prefix of `reload-or-error`.
    pub fn parse(word: &str) -> Option<Self> {
        if word.is_empty() {
            return None;
        }
        Self::BY_NAME
            .iter()
            .find(|(name, _)| *name == word)
            .or_else(|| {
                Self::BY_NAME
                    .iter()
                    .find(|(name, _)| name.starts_with(word))
            })
            .map(|(_, command)| *command)
    }

    /// The command's name (the `driver.<name>` instant command for the
    /// socket ones).
    pub fn name(self) -> &'static str {
        match self {
            Self::DataDump => "dump",
            Self::Reload => "reload",
            Self::ReloadOrError => "reload-or-error",
            Self::ReloadOrExit => "reload-or-exit",
            Self::Exit => "exit",
        }
    }

    /// Whether NUT sends this one over the driver socket (the others are
    /// signals to the PID in the PID file).
    pub fn uses_socket(self) -> bool {
        matches!(self, Self::ReloadOrError | Self::Exit)
    }
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `start`: launch drivers.
    Start,
    /// `stop`: stop running drivers.
    Stop,
    /// `shutdown`: run `<driver> -a <ups> -k`, by `sdorder` group.
    Shutdown,
    /// `list`/`-l`: print the section names.
    List,
    /// `status`: the table of running drivers.
    Status,
    /// `-c <command>`: a command to running drivers.
    Command(DriverCommand),
}

impl Action {
    /// The command word (for debug messages).
    pub fn name(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Shutdown => "shutdown",
            Self::List => "list",
            Self::Status => "status",
            Self::Command(command) => command.name(),
        }
    }
}

/// The options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// `-t`: print what would be done, do nothing.
    pub testing: bool,
    /// `-r <dir>`: passed on to drivers.
    pub chroot: Option<String>,
    /// `-u <user>`: passed on to drivers.
    pub user: Option<String>,
    /// Number of `-D`.
    pub debug: u32,
    /// `-d`: pass the debug level on to drivers.
    pub pass_debug: bool,
    /// `-F`, `-FF`, `-B`.
    pub foreground: Foreground,
}

/// A complete request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invocation {
    /// The options.
    pub options: Options,
    /// What to do.
    pub action: Action,
    /// The one UPS to act on (`None`: all of them).
    pub ups: Option<String>,
}

/// The outcome of reading the options.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Parsed {
    /// Options read; the command words are checked by
    /// [`CommandLine::invocation`] (NUT checks them later than the options,
    /// after announcing testing mode).
    Run(CommandLine),
    /// Print the help and exit 0; `complaint` is getopt's message about an
    /// invalid option, for standard error first.
    Help {
        /// getopt's message, if an option was wrong.
        complaint: Option<String>,
    },
    /// `-V`: the banner alone, exit 0.
    Version,
}

/// The options and the words after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The options.
    pub options: Options,
    /// The command set by `-l` or `-c`, if any.
    pub preset: Option<Action>,
    /// The words after the options (at least one when `preset` is unset).
    pub words: Vec<String>,
}

impl CommandLine {
    /// The command and UPS name.
    ///
    /// # Errors
    ///
    /// An unknown command word, or words left over.
    pub fn invocation(&self) -> Result<Invocation, UsageError> {
        let mut rest = self.words.iter();
        let action = match self.preset {
            Some(action) => action,
            None => match rest.next().map(String::as_str) {
                Some("start") => Action::Start,
                Some("stop") => Action::Stop,
                Some("shutdown") => Action::Shutdown,
                Some("status") => Action::Status,
                Some("list") => Action::List,
                Some(word) => return Err(UsageError::UnrecognizedCommand(word.to_owned())),
                None => return Err(UsageError::UnrecognizedCommand(String::new())),
            },
        };
        let ups = rest.next().cloned();
        if rest.next().is_some() {
            return Err(UsageError::ExtraArguments);
        }
        Ok(Invocation {
            options: self.options.clone(),
            action,
            ups,
        })
    }
}

/// A command line NUT refuses with a fatal message (exit status 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// `-c` twice, or after `-l`.
    #[error("Error: only one command per run can be sent with option -c. Try -h for help.")]
    OneCommandOnly,
    /// `-c` with a word that names no command.
    #[error("Error: unknown argument to option -c. Try -h for help.")]
    UnknownCommandArgument,
    /// A command word upsdrvctl does not know.
    #[error("Error: unrecognized command [{0}]")]
    UnrecognizedCommand(String),
    /// More words than a command and a UPS name.
    #[error(
        "Error: extra arguments left on command line\n(common options should be before a command and UPS name)"
    )]
    ExtraArguments,
}

/// Reads the arguments after the program name; `argv0` names the program
/// in getopt's complaints.
///
/// # Errors
///
/// [`UsageError`] for a bad `-c` (NUT refuses it with a fatal message
/// while reading the options).
pub fn parse(argv0: &str, args: &[String]) -> Result<Parsed, UsageError> {
    let mut options = Options::default();
    let mut action: Option<Action> = None;
    let mut index = 0;
    while let Some(arg) = args.get(index) {
        if arg == "--" {
            index += 1;
            break;
        }
        let Some(letters) = arg.strip_prefix('-').filter(|l| !l.is_empty()) else {
            break;
        };
        index += 1;
        let mut chars = letters.char_indices();
        while let Some((at, letter)) = chars.next() {
            let takes_value = matches!(letter, 'u' | 'r' | 'c');
            let value = if takes_value {
                let attached = &letters[at + letter.len_utf8()..];
                let value = if attached.is_empty() {
                    let Some(next) = args.get(index) else {
                        return Ok(Parsed::Help {
                            complaint: Some(format!(
                                "{argv0}: option requires an argument -- '{letter}'"
                            )),
                        });
                    };
                    index += 1;
                    next.clone()
                } else {
                    attached.to_owned()
                };
                // The rest of the word was the value.
                chars = "".char_indices();
                Some(value)
            } else {
                None
            };
            match (letter, value) {
                ('t', _) => options.testing = true,
                ('u', Some(user)) => options.user = Some(user),
                ('r', Some(root)) => options.chroot = Some(root),
                ('D', _) => options.debug = options.debug.saturating_add(1),
                ('d', _) => options.pass_debug = true,
                ('F', _) => {
                    options.foreground = if options.foreground.is_foreground() {
                        Foreground::ForegroundWithPidFile
                    } else {
                        Foreground::Foreground
                    };
                }
                ('B', _) => options.foreground = Foreground::Background,
                ('V', _) => return Ok(Parsed::Version),
                ('c', Some(word)) => {
                    if action.is_some() {
                        return Err(UsageError::OneCommandOnly);
                    }
                    let command =
                        DriverCommand::parse(&word).ok_or(UsageError::UnknownCommandArgument)?;
                    action = Some(Action::Command(command));
                }
                ('l', _) => action = Some(Action::List),
                ('h', _) => return Ok(Parsed::Help { complaint: None }),
                (other, _) => {
                    return Ok(Parsed::Help {
                        complaint: Some(format!("{argv0}: invalid option -- '{other}'")),
                    });
                }
            }
        }
    }
    let words: Vec<String> = args.get(index..).unwrap_or_default().to_vec();
    if action.is_none() && words.is_empty() {
        return Ok(Parsed::Help { complaint: None });
    }
    Ok(Parsed::Run(CommandLine {
        options,
        preset: action,
        words,
    }))
}

/// The help text (after the banner), with `argv0` in the usage lines.
pub fn help(argv0: &str) -> String {
    HelpText(argv0).to_string()
}

struct HelpText<'a>(&'a str);

impl fmt::Display for HelpText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prog = self.0;
        write!(
            f,
            "Starts and stops UPS drivers via ups.conf.\n\n\
             usage: {prog} [OPTIONS] (start | stop | shutdown | status) [<ups>]\n\n\
             usage: {prog} [OPTIONS] (list | -l) [<ups>]\n\n\
             usage: {prog} [OPTIONS] -c <command> [<ups>]\n\n\
             Common options:\n\
             \x20 -h\t\t\tdisplay this help\n\
             \x20 -r <path>\t\tdrivers will chroot to <path>\n\
             \x20 -t\t\t\ttesting mode - prints actions without doing them\n\
             \x20 -u <user>\t\tdrivers started will switch from root to <user>\n\
             \x20 -D\t\t\traise debugging level\n\
             \x20 -d\t\t\tpass debugging level from upsdrvctl to driver\n\
             \x20 -F\t\t\tdriver stays foregrounded even if no debugging is enabled\n\
             \x20 -FF\t\t\tdriver stays foregrounded and still saves the PID file\n\
             \x20 -B\t\t\tdriver(s) stay backgrounded even if debugging is bumped\n\
             \nListing known driver(s):\n\
             \x20 -l | list\t\tlist all device driver configurations that can be managed\n\
             \x20 -l | list <ups>\tonly try to list the specified device driver configurations (error if unresolved)\n\
             \nSignalling a running driver:\n\
             \x20 -c <command>\t\tsend <command> via signal to running driver(s)\n\
             \x20             \t\tsupported commands:\n\
             \x20             \t\t- data-dump: if the driver still has STDOUT attached (maybe\n\
             \x20             \t\t  to log), dump its currently collected information there\n\
             \x20             \t\t- reload: re-read configuration files, ignoring changed\n\
             \x20             \t\t  values which require a driver restart (can not be changed\n\
             \x20             \t\t  on the fly)\n\
             \x20             \t\t- reload-or-error: re-read configuration files, ignoring but\n\
             \x20             \t\t  counting changed values which require a driver restart (can\n\
             \x20             \t\t  not be changed on the fly), and return a success/fail code\n\
             \x20             \t\t  based on that count, so the caller can decide the fate of\n\
             \x20             \t\t  the currently running driver instance\n\
             \x20             \t\t- reload-or-exit: re-read configuration files (exit the old\n\
             \x20             \t\t  driver instance if needed, so an external caller like the\n\
             \x20             \t\t  systemd or SMF frameworks would start another copy)\n\
             \x20             \t\t- exit: tell the currently running driver instance to just exit\n\
             \x20             \t\t  (so an external caller like the new driver instance, or the\n\
             \x20             \t\t  systemd or SMF frameworks would start another copy)\n\
             \nDriver life cycle options:\n\
             \x20 start\t\t\tstart all UPS drivers in ups.conf\n\
             \x20 start\t<ups>\t\tonly start driver for UPS <ups>\n\
             \x20 stop\t\t\tstop all UPS drivers in ups.conf\n\
             \x20 stop <ups>\t\tonly stop driver for UPS <ups>\n\
             \x20 shutdown\t\tshutdown all UPS drivers in ups.conf\n\
             \x20 shutdown <ups>\tonly shutdown UPS <ups>\n\
             \x20 status\t\tquery run-time status of all UPS drivers in ups.conf\n\
             \x20 status <ups>\t\tonly query run-time status of driver for UPS <ups>\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn run(words: &[&str]) -> Invocation {
        match parse("upsdrvctl", &args(words)) {
            Ok(Parsed::Run(line)) => line.invocation().expect("invocation"),
            other => panic!("{words:?}: {other:?}"),
        }
    }

    #[test]
    fn grouped_attached_and_separate_options() {
        let inv = run(&["-tDD", "-uroot", "-r", "/chroot", "-d", "start", "ups1"]);
        assert!(inv.options.testing);
        assert_eq!(inv.options.debug, 2);
        assert!(inv.options.pass_debug);
        assert_eq!(inv.options.user.as_deref(), Some("root"));
        assert_eq!(inv.options.chroot.as_deref(), Some("/chroot"));
        assert_eq!(inv.action, Action::Start);
        assert_eq!(inv.ups.as_deref(), Some("ups1"));
        // An attached value swallows the rest of the word.
        let inv = run(&["-utD", "stop"]);
        assert_eq!(inv.options.user.as_deref(), Some("tD"));
        assert_eq!(inv.options.debug, 0);
    }

    #[test]
    fn options_stop_at_the_first_word_as_with_a_plus_getopt() {
        let inv = run(&["stop", "-t"]);
        assert_eq!(inv.action, Action::Stop);
        assert_eq!(inv.ups.as_deref(), Some("-t"));
        assert!(!inv.options.testing);
        let inv = run(&["-t", "--", "shutdown"]);
        assert_eq!(inv.action, Action::Shutdown);
    }

    #[test]
    fn foreground_flags() {
        assert_eq!(
            run(&["-F", "start"]).options.foreground,
            Foreground::Foreground
        );
        assert_eq!(
            run(&["-FF", "start"]).options.foreground,
            Foreground::ForegroundWithPidFile
        );
        assert_eq!(
            run(&["-F", "-F", "-F", "start"]).options.foreground,
            Foreground::ForegroundWithPidFile
        );
        assert_eq!(
            run(&["-FB", "start"]).options.foreground,
            Foreground::Background
        );
        assert_eq!(Foreground::Default.driver_flag(), None);
        assert_eq!(Foreground::ForegroundWithPidFile.driver_flag(), Some("-FF"));
    }

    #[test]
    fn commands_and_the_list_option() {
        assert_eq!(run(&["status"]).action, Action::Status);
        assert_eq!(run(&["list", "x"]).ups.as_deref(), Some("x"));
        let inv = run(&["-l", "x"]);
        assert_eq!((inv.action, inv.ups.as_deref()), (Action::List, Some("x")));
        let inv = run(&["-c", "reload", "ups1"]);
        assert_eq!(inv.action, Action::Command(DriverCommand::Reload));
        assert_eq!(inv.ups.as_deref(), Some("ups1"));
        // -l after -c replaces the command, as in NUT.
        assert_eq!(run(&["-c", "exit", "-l"]).action, Action::List);
    }

    #[test]
    fn command_names_full_then_prefix_in_nuts_order() {
        assert_eq!(DriverCommand::parse("reload"), Some(DriverCommand::Reload));
        assert_eq!(DriverCommand::parse("dump"), Some(DriverCommand::DataDump));
        assert_eq!(
            DriverCommand::parse("data-dump"),
            Some(DriverCommand::DataDump)
        );
        assert_eq!(
            DriverCommand::parse("reload-or-exit"),
            Some(DriverCommand::ReloadOrExit)
        );
        assert_eq!(DriverCommand::parse("e"), Some(DriverCommand::Exit));
        assert_eq!(
            DriverCommand::parse("rel"),
            Some(DriverCommand::ReloadOrError)
        );
        assert_eq!(DriverCommand::parse("da"), Some(DriverCommand::DataDump));
        assert_eq!(DriverCommand::parse(""), None);
        assert_eq!(DriverCommand::parse("reboot"), None);
        assert!(DriverCommand::Exit.uses_socket());
        assert!(!DriverCommand::Reload.uses_socket());
    }

    #[test]
    fn help_version_and_getopt_complaints() {
        let parsed = |w: &[&str]| parse("/sbin/upsdrvctl", &args(w));
        assert_eq!(parsed(&[]), Ok(Parsed::Help { complaint: None }));
        assert_eq!(parsed(&["-t"]), Ok(Parsed::Help { complaint: None }));
        assert_eq!(
            parsed(&["-h", "start"]),
            Ok(Parsed::Help { complaint: None })
        );
        assert_eq!(parsed(&["-V", "start"]), Ok(Parsed::Version));
        assert_eq!(
            parsed(&["-x", "start"]),
            Ok(Parsed::Help {
                complaint: Some("/sbin/upsdrvctl: invalid option -- 'x'".into())
            })
        );
        assert_eq!(
            parsed(&["-u"]),
            Ok(Parsed::Help {
                complaint: Some("/sbin/upsdrvctl: option requires an argument -- 'u'".into())
            })
        );
        assert!(help("/sbin/upsdrvctl").contains("usage: /sbin/upsdrvctl [OPTIONS] (list | -l)"));
    }

    #[test]
    fn fatal_usage_errors_carry_nuts_messages() {
        let err = |w: &[&str]| match parse("upsdrvctl", &args(w)) {
            Err(e) => e.to_string(),
            Ok(Parsed::Run(line)) => line.invocation().unwrap_err().to_string(),
            Ok(other) => panic!("{other:?}"),
        };
        assert_eq!(err(&["bogus"]), "Error: unrecognized command [bogus]");
        assert_eq!(
            err(&["-c", "exit", "-c", "exit"]),
            "Error: only one command per run can be sent with option -c. Try -h for help."
        );
        assert_eq!(
            err(&["-l", "-c", "exit"]),
            "Error: only one command per run can be sent with option -c. Try -h for help."
        );
        assert_eq!(
            err(&["-c", "bogus"]),
            "Error: unknown argument to option -c. Try -h for help."
        );
        assert!(err(&["start", "a", "b"]).starts_with("Error: extra arguments left"));
        // Exactly a command and a name is fine.
        assert_eq!(run(&["start", "a"]).ups.as_deref(), Some("a"));
    }
}
