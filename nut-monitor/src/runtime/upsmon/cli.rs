//! upsmon's command line (NUT's `getopt` string `+46c:DFBf:hKpP:u:VW:`)
//! plus `--simulate`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::Error;

/// A running upsmon's action for `-c` (sent as a signal through the PID file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `-c fsd`: SIGUSR1, forced shutdown now.
    Fsd,
    /// `-c stop`: SIGTERM.
    Stop,
    /// `-c reload`: SIGHUP.
    Reload,
}

/// `-4` / `-6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// Whatever the name resolves to.
    #[default]
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Options {
    /// `-D` count.
    pub debug: u8,
    /// `-F` (`Some(true)`) / `-B` (`Some(false)`); default: background
    /// unless `-D`.
    pub foreground: Option<bool>,
    /// `-p`: one privileged process, no split.
    pub single_process: bool,
    /// `-u <user>`.
    pub user: Option<String>,
    /// `-K`: check POWERDOWNFLAG.
    pub check_flag: bool,
    /// `-c <cmd>`.
    pub signal: Option<Signal>,
    /// `-P <pid>`: whom `-c` signals instead of the PID file's process.
    pub pid: Option<i32>,
    /// `-4` / `-6`.
    pub family: Family,
    /// `-W <secs>`: connect timeout.
    pub connect_timeout: Option<Duration>,
    /// `-f <file>`: upsmon.conf.
    pub config: Option<PathBuf>,
    /// `--simulate <scenario>`.
    pub simulate: Option<PathBuf>,
    /// `-h`.
    pub help: bool,
    /// `-V`.
    pub version: bool,
}

impl Options {
    /// Whether upsmon stays in the foreground.
    pub fn is_foreground(&self) -> bool {
        self.foreground.unwrap_or(self.debug > 0)
    }

    /// Reads the arguments after the program name.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] for an unknown option, a missing argument or a bad
    /// value.
    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Self, Error> {
        let mut args = args.into_iter().map(|a| a.to_string_lossy().into_owned());
        let mut o = Self::default();
        while let Some(arg) = args.next() {
            if arg == "--simulate" {
                let file = args
                    .next()
                    .ok_or_else(|| usage("option --simulate requires an argument"))?;
                o.simulate = Some(PathBuf::from(file));
                continue;
            }
            if let Some(file) = arg.strip_prefix("--simulate=") {
                o.simulate = Some(PathBuf::from(file));
                continue;
            }
            let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
                // NUT's "+" getopt stops at the first non-option.
                break;
            };
            if flags == "-" {
                break;
            }
            for (i, c) in flags.char_indices() {
                if "cfuPW".contains(c) {
                    let rest = &flags[i + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        args.next().ok_or_else(|| {
                            usage(&format!("option requires an argument -- '{c}'"))
                        })?
                    } else {
                        rest.to_owned()
                    };
                    o.take_value(c, value)?;
                    break;
                }
                match c {
                    'D' => o.debug = o.debug.saturating_add(1),
                    'F' => o.foreground = Some(true),
                    'B' => o.foreground = Some(false),
                    'p' => o.single_process = true,
                    'K' => o.check_flag = true,
                    '4' => o.family = Family::V4,
                    '6' => o.family = Family::V6,
                    'h' => o.help = true,
                    'V' => o.version = true,
                    other => return Err(usage(&format!("invalid option -- '{other}'"))),
                }
            }
        }
        Ok(o)
    }

    fn take_value(&mut self, option: char, value: String) -> Result<(), Error> {
        match option {
            'c' => {
                // NUT compares with strncmp(optarg, name, strlen(optarg)):
                // any prefix of a command name selects it.
                let pick = |name: &str| !value.is_empty() && name.starts_with(value.as_str());
                self.signal = Some(if pick("fsd") {
                    Signal::Fsd
                } else if pick("stop") {
                    Signal::Stop
                } else if pick("reload") {
                    Signal::Reload
                } else {
                    return Err(usage(&format!("Invalid command: {value}")));
                });
            }
            'f' => self.config = Some(PathBuf::from(value)),
            'u' => self.user = Some(value),
            'P' => {
                self.pid = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| usage(&format!("Invalid PID: {value}")))?,
                );
            }
            _ => {
                let secs: f64 = value
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 1e9)
                    .ok_or_else(|| usage(&format!("Invalid connect timeout: {value}")))?;
                self.connect_timeout = Some(Duration::from_secs_f64(secs));
            }
        }
        Ok(())
    }
}

fn usage(message: &str) -> Error {
    Error::Usage(message.to_owned())
}

/// The `-h` text.
pub const HELP: &str = "\
Monitors UPS servers and may initiate shutdown if necessary.

usage: upsmon [OPTIONS]

  -c <cmd>	send command to running process
		commands:
		 - fsd: shutdown all primary-mode UPSes (use with caution)
		 - reload: reread configuration
		 - stop: stop monitoring and exit
  -P <pid>	send the signal above to specified PID (bypassing PID file)
  -D		raise debugging level (and stay in foreground by default)
  -F		stay in foreground (regardless of debugging settings)
  -B		stay in background (regardless of debugging settings)
  -f <file>	read this upsmon.conf (default: $NUT_CONFPATH/upsmon.conf)
  -h		display this help
  -K		checks POWERDOWNFLAG (if set), sets exit code to 0 if set
  -p		always run privileged (disable privileged parent)
  -u <user>	run child as user <user> (ignored when using -p)
  -W <secs>	network connect timeout (also env NUT_DEFAULT_CONNECT_TIMEOUT)
  -4		IPv4 only
  -6		IPv6 only
  -V		display the version

  --simulate <scenario>
		dry run (nut-rs): replay <scenario> against upsmon.conf on a
		virtual clock, print the timeline in milliseconds and the
		shutdown decision, and exit (0; 2 when the scenario is bad).
		Nothing is contacted, run or written.

Scenario format: one event per line, `#` starts a comment, times are
seconds since start (up to 3 decimals). Every UPS is `OL` until told
otherwise; names are written as in MONITOR.

  # time  event
  0       status    ups@localhost OL
  10.4    status    ups@localhost \"OB DISCHRG\"    # what upsd reports
  12      alarm     ups@localhost \"Replace battery!\"  # ups.alarm text
  20      down      ups@localhost       # polls fail (driver or upsd gone)
  25      numlogins ups@localhost 2     # logins upsd counts (1 = us)
  30      fsd                           # as `upsmon -c fsd`
  40      sleep     600                 # the host sleeps 600 s
  latency 2                             # reply latency in ms (default 0)
  end     700                           # stop the clock (default 3600)

After the engine sets FSD, the scripted upsd reports FSD in front of the
status, as upsd does. Output: `<seconds.millis>  <action>` per line, then
`shutdown decided at <ms> ms` and `SHUTDOWNCMD at <ms> ms` (or `no shutdown`).
";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, Error> {
        Options::parse(args.iter().map(OsString::from))
    }

    #[test]
    fn options_cluster_and_take_values_like_getopt() {
        let o = parse(&["-DDF", "-uroot", "-f", "/x/upsmon.conf", "-W", "2.5", "-4"]).unwrap();
        assert_eq!(o.debug, 2);
        assert_eq!(o.foreground, Some(true));
        assert_eq!(o.user.as_deref(), Some("root"));
        assert_eq!(o.config, Some(PathBuf::from("/x/upsmon.conf")));
        assert_eq!(o.connect_timeout, Some(Duration::from_millis(2500)));
        assert_eq!(o.family, Family::V4);
        assert!(o.is_foreground());
        let o = parse(&["-D", "-B"]).unwrap();
        assert!(!o.is_foreground(), "-B wins over -D");
        assert!(parse(&["-D"]).unwrap().is_foreground());
        assert!(!parse(&[]).unwrap().is_foreground());
    }

    #[test]
    fn commands_accept_prefixes_as_nut_does() {
        assert_eq!(parse(&["-c", "fsd"]).unwrap().signal, Some(Signal::Fsd));
        assert_eq!(parse(&["-cst"]).unwrap().signal, Some(Signal::Stop));
        assert_eq!(parse(&["-c", "reload", "-P", "42"]).unwrap().pid, Some(42));
        assert!(parse(&["-c", "halt"]).is_err());
        assert!(parse(&["-c", ""]).is_err());
        assert!(parse(&["-P", "0"]).is_err());
        assert!(parse(&["-W", "-1"]).is_err());
        assert!(parse(&["-u"]).is_err());
        assert!(parse(&["-x"]).is_err());
    }

    #[test]
    fn simulate_and_operands() {
        let o = parse(&["--simulate", "s.seq", "-f", "c"]).unwrap();
        assert_eq!(o.simulate, Some(PathBuf::from("s.seq")));
        assert_eq!(
            parse(&["--simulate=t"]).unwrap().simulate,
            Some(PathBuf::from("t"))
        );
        assert!(parse(&["--simulate"]).is_err());
        // Parsing stops at the first operand.
        assert!(parse(&["-p", "extra", "-Z"]).unwrap().single_process);
    }
}
