//! The command line every NUT driver shares (`nutupsdrv(8)`), parsed as
//! NUT's `getopt("+a:s:kDFBd:hx:Lqr:u:g:Vi:c:P:")` does: options may be
//! grouped (`-DDD`, `-FF`), arguments attached (`-aups`) or separate, `--`
//! ends the options, the first other word is an error. Pure: nothing is
//! read or printed here; [`help_text`] and [`list_text`] build what `-h` and
//! `-L` print.

use std::fmt;

use nut_proto::cnum::atol;

use crate::driver::{VarKind, VarTable};

/// `-a <id>` or `-s <id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsSelector {
    /// `-a`: the `ups.conf` section.
    Section(String),
    /// `-s`: no `ups.conf`; everything comes from `-x`.
    Standalone(String),
}

impl UpsSelector {
    /// The UPS name either way.
    pub fn name(&self) -> &str {
        match self {
            Self::Section(n) | Self::Standalone(n) => n,
        }
    }
}

/// `-c <command>`: a message for the running instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalCommand {
    /// `reload-or-error`: over the socket, the result is the exit code.
    ReloadOrError,
    /// `exit`: over the socket.
    Exit,
    /// `reload`: SIGHUP.
    Reload,
    /// `reload-or-exit`: SIGUSR1.
    ReloadOrExit,
}

impl SignalCommand {
    /// NUT's matching: the argument may be a prefix, and the names are
    /// tried in this order, so `-c reload` selects `reload-or-error` (as
    /// NUT 2.8.x does) and only the full `reload-or-exit` (or its prefixes
    /// past `reload-or-e`… that are not `reload-or-error`'s) selects SIGUSR1.
    pub fn parse(arg: &str) -> Option<Self> {
        [
            ("reload-or-error", Self::ReloadOrError),
            ("exit", Self::Exit),
            ("reload", Self::Reload),
            ("reload-or-exit", Self::ReloadOrExit),
        ]
        .into_iter()
        .find(|(name, _)| name.starts_with(arg))
        .map(|(_, cmd)| cmd)
    }

    /// The name used in messages and `driver.<name>` commands.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReloadOrError => "reload-or-error",
            Self::Exit => "exit",
            Self::Reload => "reload",
            Self::ReloadOrExit => "reload-or-exit",
        }
    }
}

/// What the invocation asks for besides running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Run the driver (or `-k`, `-c`, `-d`).
    Run,
    /// `-V`.
    Version,
    /// `-h`.
    Help,
    /// `-L`.
    ListVars,
}

/// Foreground choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreground {
    /// `-B`.
    Background,
    /// `-F`.
    Foreground,
    /// `-FF`: foreground, with a PID file anyway.
    ForegroundWithPidFile,
}

/// A `-x name[=value]` option.
pub type DriverOption = (String, Option<String>);

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriverArgs {
    /// What to do.
    pub action: Action,
    /// `-a` / `-s`.
    pub ups: Option<UpsSelector>,
    /// `-x` given before `-a` (`ups.conf` overrides them).
    pub options_before: Vec<DriverOption>,
    /// `-x` given after `-a` (they override `ups.conf`).
    pub options: Vec<DriverOption>,
    /// Number of `-D`.
    pub debug: u8,
    /// `-d <count>`.
    pub dump: Option<u32>,
    /// Number of `-q`.
    pub quiet: u8,
    /// `-F`/`-FF`/`-B`.
    pub foreground: Option<Foreground>,
    /// `-i <s>`, and whether it came after `-a` (then it wins over
    /// `ups.conf`).
    pub pollinterval: Option<(u32, bool)>,
    /// `-k`.
    pub killpower: bool,
    /// `-r <dir>`.
    pub chroot: Option<String>,
    /// `-u <user>`.
    pub user: Option<String>,
    /// `-g <group>`.
    pub group: Option<String>,
    /// `-c <command>`.
    pub command: Option<SignalCommand>,
    /// `-P <pid>`.
    pub pid: Option<i32>,
}

/// A command line NUT would refuse, with NUT's message (printed on stderr,
/// exit status 1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CliError {
    /// An option letter NUT does not know, or a missing argument.
    UnknownOption {
        /// getopt's complaint (`invalid option -- 'Z'`).
        getopt: String,
    },
    /// `-i` with a value that is not a positive number.
    BadPollInterval(i64),
    /// `-c` twice.
    CommandTwice,
    /// `-c` with an unknown command.
    UnknownCommand,
    /// `-d` or `-P` with a bad number.
    BadNumber {
        /// The option letter.
        option: char,
        /// The argument.
        value: String,
    },
    /// Words after the options.
    TooManyArguments,
    /// Neither `-a` nor `-s`.
    NoSelector,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownOption { .. } => f.write_str("Error: unknown option -?. Try -h for help."),
            Self::BadPollInterval(n) => {
                write!(f, "Error: command-line: invalid pollinterval: {n}")
            }
            Self::CommandTwice => f.write_str(
                "Error: only one command per run can be sent with option -c. Try -h for help.",
            ),
            Self::UnknownCommand => {
                f.write_str("Error: unknown argument to option -c. Try -h for help.")
            }
            Self::BadNumber { option, value } => {
                write!(f, "Error: invalid argument to option -{option}: {value}")
            }
            Self::TooManyArguments => {
                f.write_str("Error: too many non-option arguments. Try -h for help.")
            }
            Self::NoSelector => f.write_str(
                "Error: specifying '-a id' or '-s id' is now mandatory. Try -h for help.",
            ),
        }
    }
}

impl std::error::Error for CliError {}

/// Option letters that take an argument.
const WITH_ARGUMENT: &str = "asdxriugcP";
/// Option letters without one.
const FLAGS: &str = "kDFBhLqV";

/// Parses the arguments after the program name.
///
/// # Errors
///
/// [`CliError`] with NUT's message. `-V`, `-h` and `-L` win over later
/// errors: the parse stops at them as NUT's does.
pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<DriverArgs, CliError> {
    let mut out = DriverArgs {
        action: Action::Run,
        ups: None,
        options_before: Vec::new(),
        options: Vec::new(),
        debug: 0,
        dump: None,
        quiet: 0,
        foreground: None,
        pollinterval: None,
        killpower: false,
        chroot: None,
        user: None,
        group: None,
        command: None,
        pid: None,
    };
    let mut index = 0;
    while let Some(word) = args.get(index).map(AsRef::as_ref) {
        index += 1;
        if word == "--" {
            break;
        }
        let Some(letters) = word.strip_prefix('-').filter(|l| !l.is_empty()) else {
            index -= 1;
            break;
        };
        for (at, letter) in letters.char_indices() {
            if FLAGS.contains(letter) {
                apply_flag(&mut out, letter)?;
                if out.action != Action::Run {
                    return Ok(out);
                }
                continue;
            }
            if !WITH_ARGUMENT.contains(letter) {
                return Err(CliError::UnknownOption {
                    getopt: format!("invalid option -- '{letter}'"),
                });
            }
            let attached = letters.get(at + letter.len_utf8()..).unwrap_or_default();
            let value = if attached.is_empty() {
                let Some(next) = args.get(index) else {
                    return Err(CliError::UnknownOption {
                        getopt: format!("option requires an argument -- '{letter}'"),
                    });
                };
                index += 1;
                next.as_ref().to_owned()
            } else {
                attached.to_owned()
            };
            apply_value(&mut out, letter, value)?;
            break;
        }
    }
    if index < args.len() {
        return Err(CliError::TooManyArguments);
    }
    Ok(out)
}

fn apply_flag(out: &mut DriverArgs, letter: char) -> Result<(), CliError> {
    match letter {
        'k' => out.killpower = true,
        'D' => out.debug = out.debug.saturating_add(1),
        'F' => {
            out.foreground = Some(match out.foreground {
                Some(Foreground::Foreground | Foreground::ForegroundWithPidFile) => {
                    Foreground::ForegroundWithPidFile
                }
                _ => Foreground::Foreground,
            });
        }
        'B' => out.foreground = Some(Foreground::Background),
        'q' => out.quiet = out.quiet.saturating_add(1),
        'h' => out.action = Action::Help,
        'L' => out.action = Action::ListVars,
        'V' => out.action = Action::Version,
        _ => {}
    }
    Ok(())
}

fn apply_value(out: &mut DriverArgs, letter: char, value: String) -> Result<(), CliError> {
    match letter {
        // NUT 2.8.0 takes a later `-a`/`-s` over an earlier one (newer
        // releases refuse the second).
        'a' | 's' => {
            out.ups = Some(if letter == 'a' {
                UpsSelector::Section(value)
            } else {
                UpsSelector::Standalone(value)
            });
        }
        'd' => {
            let count = u32::try_from(atol(&value)).map_err(|_| CliError::BadNumber {
                option: 'd',
                value: value.clone(),
            })?;
            out.dump = Some(count);
        }
        'x' => {
            let option = match value.split_once('=') {
                Some((name, val)) => (name.to_owned(), Some(val.to_owned())),
                None => (value, None),
            };
            if out.ups.is_some() {
                out.options.push(option);
            } else {
                out.options_before.push(option);
            }
        }
        'r' => out.chroot = Some(value),
        'i' => {
            let seconds = atol(&value);
            let seconds = u32::try_from(seconds)
                .ok()
                .filter(|s| *s > 0)
                .ok_or(CliError::BadPollInterval(seconds))?;
            out.pollinterval = Some((seconds, out.ups.is_some()));
        }
        'u' => out.user = Some(value),
        'g' => out.group = Some(value),
        'c' => {
            if out.command.is_some() {
                return Err(CliError::CommandTwice);
            }
            out.command = Some(SignalCommand::parse(&value).ok_or(CliError::UnknownCommand)?);
        }
        'P' => {
            let pid = value
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| CliError::BadNumber {
                    option: 'P',
                    value: value.clone(),
                })?;
            out.pid = Some(pid);
        }
        _ => {}
    }
    Ok(())
}

/// What `-h` prints after the banner: NUT's usage text, then the driver's
/// `-x` options.
pub fn help_text(program: &str, vartab: &VarTable) -> String {
    let mut text = format!(
        "\nusage: {program} (-a <id>|-s <id>) [OPTIONS]
  -a <id>        - autoconfig using ups.conf section <id>
                 - note: -x after -a overrides ups.conf settings\n
  -s <id>        - configure directly from cmd line arguments
                 - note: must specify all driver parameters with successive -x
                 - note: at least 'port' variable should be set
                 - note: to explore the current values on a device from an
                   unprivileged user account (with sufficient media access in
                   the OS - e.g. to query networked devices), you can specify
                   '-d 1' argument and `export NUT_STATEPATH=/tmp` beforehand\n
  -V             - print version, then exit
  -L             - print parseable list of driver variables
  -D             - raise debugging level (and stay foreground by default)
  -d <count>     - dump data to stdout after 'count' updates loop and exit
  -F             - stay foregrounded even if no debugging is enabled
  -FF            - stay foregrounded and still save the PID file
  -B             - stay backgrounded even if debugging is bumped
  -q             - raise log level threshold
  -h             - display this help
  -k             - force shutdown
  -c <command>   - send <command> via signal to background process
                   Supported commands:
                   - reload: re-read configuration files, ignoring changed
                     values which require a driver restart (can not be changed
                     on the fly)
                   - reload-or-error: re-read configuration files, ignoring but
                     counting changed values which require a driver restart (can
                     not be changed on the fly), and return a success/fail code
                     based on that count, so the caller can decide the fate of
                     the currently running driver instance
                   - reload-or-exit: re-read configuration files (exit the old
                     driver instance if needed, so an external caller like the
                     systemd or SMF frameworks would start another copy)
                   - exit: tell the currently running driver instance to just exit
                     (so an external caller like the new driver instance, or the
                     systemd or SMF frameworks would start another copy)
  -P <pid>       - send the signal above to specified PID (bypassing PID file)
  -i <int>       - poll interval
  -r <dir>       - chroot to <dir>
  -u <user>      - switch to <user> (if started as root)
  -g <group>     - set pipe access to <group> (if started as root)
  -x <var>=<val> - set driver variable <var> to <val>
                 - example: -x cable=940-0095B\n\n"
    );
    if vartab.iter().next().is_some() {
        text.push_str("Acceptable values for -x or ups.conf in this driver:\n\n");
        for def in vartab.iter() {
            match def.kind {
                VarKind::Value => {
                    text.push_str(&format!("{:>40} : -x {}=<value>\n", def.help, def.name));
                }
                VarKind::Flag => text.push_str(&format!("{:>40} : -x {}\n", def.help, def.name)),
            }
        }
    }
    text
}

/// What `-L` prints: `VALUE|FLAG <name> "<help>"` per option.
pub fn list_text(vartab: &VarTable) -> String {
    vartab
        .iter()
        .map(|def| {
            let kind = match def.kind {
                VarKind::Value => "VALUE",
                VarKind::Flag => "FLAG",
            };
            format!("{kind} {} \"{}\"\n", def.name, def.help)
        })
        .collect()
}

#[cfg(test)]
mod tests;
