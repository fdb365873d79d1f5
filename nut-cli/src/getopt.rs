//! POSIX `getopt(3)` as glibc runs it with a leading `+` in the option string,
//! which is how every NUT client parses its command line.
//!
//! Why not clap or lexopt: NUT's behaviour is glibc's, quirks included, and
//! the tools' output must match byte for byte. Options are single letters that
//! bundle (`-lL`), an option's argument may be attached (`-uadmin`) or the next
//! word, `--` ends the options, a lone `-` is an operand, and the first operand
//! stops option parsing (the `+`), so `upsc ups -l` reads `-l` as a variable
//! name. There are no long options: `--help` is the invalid option `-` followed
//! by `h`, `e`, ... Errors are not fatal here; each program decides (upsc prints
//! its usage and exits 0, upslog carries on). The messages are glibc's:
//! `upsc: invalid option -- 'x'` and `upsc: option requires an argument -- 'u'`,
//! prefixed with `argv[0]` exactly as given.

/// One item returned by [`Getopt::next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt {
    /// A flag without argument, e.g. `-l`.
    Flag(char),
    /// An option with its argument, e.g. `-u admin` or `-uadmin`.
    Arg(char, String),
    /// A letter not in the option string (glibc's `?` return).
    Invalid(char),
    /// An option that takes an argument but was the last word.
    MissingArg(char),
}

impl Opt {
    /// glibc's diagnostic for an invalid or incomplete option, if this is one.
    pub fn diagnostic(&self, argv0: &str) -> Option<String> {
        match self {
            Self::Invalid(c) => Some(format!("{argv0}: invalid option -- '{c}'")),
            Self::MissingArg(c) => Some(format!("{argv0}: option requires an argument -- '{c}'")),
            Self::Flag(_) | Self::Arg(..) => None,
        }
    }
}

/// Iterates over the options of an argument list (without `argv[0]`).
#[derive(Debug, Clone)]
pub struct Getopt<'a> {
    spec: &'a str,
    args: &'a [String],
    /// Index of the word being read.
    index: usize,
    /// Byte offset inside that word when in the middle of a bundle (0 = start).
    offset: usize,
    done: bool,
}

impl<'a> Getopt<'a> {
    /// Starts parsing `args` (the words after the program name) with a
    /// getopt option string such as `"hlLcV"` or `"u:p:t:w"`; a `:` after a
    /// letter means it takes an argument.
    pub fn new(spec: &'a str, args: &'a [String]) -> Self {
        Self {
            spec,
            args,
            index: 0,
            offset: 0,
            done: false,
        }
    }

    /// The words left once parsing stopped: the operands (`optind` onwards).
    ///
    /// Only meaningful after [`Iterator::next`] has returned `None`.
    pub fn operands(&self) -> &'a [String] {
        self.args.get(self.index..).unwrap_or(&[])
    }

    /// Whether `c` takes an argument, or `None` if it is not an option.
    fn takes_arg(&self, c: char) -> Option<bool> {
        if c == ':' {
            return None;
        }
        let pos = self.spec.find(c)?;
        Some(self.spec[pos + c.len_utf8()..].starts_with(':'))
    }
}

impl Iterator for Getopt<'_> {
    type Item = Opt;

    fn next(&mut self) -> Option<Opt> {
        if self.done {
            return None;
        }
        let Some(word) = self.args.get(self.index) else {
            self.done = true;
            return None;
        };
        if self.offset == 0 {
            if word == "--" {
                self.index += 1;
                self.done = true;
                return None;
            }
            if !word.starts_with('-') || word == "-" {
                // `+` mode: the first operand ends option parsing.
                self.done = true;
                return None;
            }
            self.offset = 1;
        }
        let rest = word.get(self.offset..).unwrap_or("");
        let Some(c) = rest.chars().next() else {
            // Unreachable in practice (offset never points past the end), but
            // recover by moving to the next word rather than looping.
            self.index += 1;
            self.offset = 0;
            return self.next();
        };
        self.offset += c.len_utf8();
        let at_end = self.offset >= word.len();
        let finish_word = |this: &mut Self| {
            this.index += 1;
            this.offset = 0;
        };
        match self.takes_arg(c) {
            None => {
                if at_end {
                    finish_word(self);
                }
                Some(Opt::Invalid(c))
            }
            Some(false) => {
                if at_end {
                    finish_word(self);
                }
                Some(Opt::Flag(c))
            }
            Some(true) if !at_end => {
                let value = word.get(self.offset..).unwrap_or("").to_owned();
                finish_word(self);
                Some(Opt::Arg(c, value))
            }
            Some(true) => {
                finish_word(self);
                match self.args.get(self.index) {
                    Some(value) => {
                        self.index += 1;
                        Some(Opt::Arg(c, value.clone()))
                    }
                    None => Some(Opt::MissingArg(c)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    fn parse(spec: &str, line: &str) -> (Vec<Opt>, Vec<String>) {
        let args = words(line);
        let mut g = Getopt::new(spec, &args);
        let opts: Vec<Opt> = g.by_ref().collect();
        (opts, g.operands().to_vec())
    }

    #[test]
    fn bundles_flags_and_attached_arguments() {
        let (opts, rest) = parse("lu:p:w", "-lw -uadmin -p secret ups cmd");
        assert_eq!(
            opts,
            [
                Opt::Flag('l'),
                Opt::Flag('w'),
                Opt::Arg('u', "admin".into()),
                Opt::Arg('p', "secret".into()),
            ]
        );
        assert_eq!(rest, ["ups", "cmd"]);
    }

    #[test]
    fn first_operand_stops_parsing() {
        let (opts, rest) = parse("hlLcV", "ups@host -l");
        assert!(opts.is_empty());
        assert_eq!(rest, ["ups@host", "-l"]);
    }

    #[test]
    fn double_dash_is_consumed_and_single_dash_is_an_operand() {
        let (opts, rest) = parse("l", "-l -- -x");
        assert_eq!(opts, [Opt::Flag('l')]);
        assert_eq!(rest, ["-x"]);
        let (opts, rest) = parse("l", "- -l");
        assert!(opts.is_empty());
        assert_eq!(rest, ["-", "-l"]);
    }

    #[test]
    fn long_options_are_bundles_of_letters() {
        let (opts, _) = parse("hlLcV", "--help");
        assert_eq!(opts[0], Opt::Invalid('-'));
        assert_eq!(opts[1], Opt::Flag('h'));
    }

    #[test]
    fn reports_invalid_and_missing_arguments_like_glibc() {
        let (opts, rest) = parse("u:x", "-q -u");
        assert_eq!(opts, [Opt::Invalid('q'), Opt::MissingArg('u')]);
        assert!(rest.is_empty());
        assert_eq!(
            opts[0].diagnostic("upsc").as_deref(),
            Some("upsc: invalid option -- 'q'")
        );
        assert_eq!(
            opts[1].diagnostic("/bin/upscmd").as_deref(),
            Some("/bin/upscmd: option requires an argument -- 'u'")
        );
        assert_eq!(Opt::Flag('l').diagnostic("upsc"), None);
    }

    #[test]
    fn an_option_argument_may_look_like_an_option() {
        let (opts, rest) = parse("s:u:", "-s -u ups");
        assert_eq!(opts, [Opt::Arg('s', "-u".into())]);
        assert_eq!(rest, ["ups"]);
    }

    #[test]
    fn colon_is_never_an_option() {
        let (opts, _) = parse("u:", "-:");
        assert_eq!(opts, [Opt::Invalid(':')]);
    }

    #[test]
    fn empty_argument_list() {
        let (opts, rest) = parse("l", "");
        assert!(opts.is_empty());
        assert!(rest.is_empty());
    }
}
