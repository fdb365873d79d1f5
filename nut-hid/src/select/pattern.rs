//! A small POSIX extended regular expression matcher, case-insensitive and
//! anchored at both ends, for the options `usbhid-ups` compiles as regexes
//! (`subdriver=`, and the USB matching options `vendor`, `product`, …).
//!
//! Supported: literals, `.`, bracket expressions (ranges, negation,
//! `[:alpha:]`-style classes), `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`,
//! alternation `|`, groups `( )`, anchors `^` `$` and `\` escapes. Matching
//! runs a Thompson NFA (time linear in the text); the pattern and the
//! compiled program are bounded by named limits.

use crate::Error;

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 256;
/// Largest `{m,n}` bound accepted.
pub const MAX_REPEAT: u32 = 64;
/// Most instructions a compiled pattern may have.
pub const MAX_PROGRAM_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Char(char),
    Any,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Start,
    End,
    Group(Box<Self>),
    Concat(Vec<Self>),
    Alternate(Vec<Self>),
    Repeat {
        node: Box<Self>,
        min: u32,
        max: Option<u32>,
    },
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Inst {
    Char(char),
    Any,
    Class(usize),
    Start,
    End,
    Split(usize, usize),
    Jump(usize),
    Match,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    program: Vec<Inst>,
    classes: Vec<(bool, Vec<(char, char)>)>,
}

fn invalid(pattern: &str, reason: &str) -> Error {
    Error::InvalidPattern {
        pattern: pattern.chars().take(64).collect(),
        reason: reason.to_owned(),
    }
}

struct Parser<'a> {
    pattern: &'a str,
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

/// Deepest group nesting accepted (bounds parser recursion).
const MAX_GROUP_DEPTH: usize = 32;

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alternation(&mut self) -> Result<Node, Error> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alternate(branches)
        })
    }

    fn concat(&mut self) -> Result<Node, Error> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.repeat(atom)?);
        }
        Ok(Node::Concat(items))
    }

    fn atom(&mut self) -> Result<Node, Error> {
        let c = self
            .peek()
            .ok_or_else(|| invalid(self.pattern, "unexpected end"))?;
        self.pos += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '(' => {
                self.depth += 1;
                if self.depth > MAX_GROUP_DEPTH {
                    return Err(invalid(self.pattern, "groups nest too deep"));
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    return Err(invalid(self.pattern, "unclosed group"));
                }
                self.pos += 1;
                self.depth -= 1;
                Node::Group(Box::new(inner))
            }
            '[' => self.bracket()?,
            '\\' => {
                let escaped = self
                    .peek()
                    .ok_or_else(|| invalid(self.pattern, "trailing backslash"))?;
                self.pos += 1;
                Node::Char(escaped)
            }
            '*' | '+' | '?' | '{' => {
                return Err(invalid(self.pattern, "repetition without an operand"));
            }
            other => Node::Char(other),
        })
    }

    fn bracket(&mut self) -> Result<Node, Error> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.pos += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self
                .peek()
                .ok_or_else(|| invalid(self.pattern, "unclosed bracket"))?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' && self.peek() == Some(':') {
                // `[:name:]`: find the closing `:]` after the opening `:`.
                let start = self.pos + 1;
                let close = (start..self.chars.len().saturating_sub(1))
                    .find(|&i| {
                        self.chars.get(i) == Some(&':') && self.chars.get(i + 1) == Some(&']')
                    })
                    .ok_or_else(|| invalid(self.pattern, "unclosed character class"))?;
                let name: String = self
                    .chars
                    .get(start..close)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                ranges.extend(
                    named_class(&name)
                        .ok_or_else(|| invalid(self.pattern, "unknown character class"))?,
                );
                self.pos = close + 2;
                continue;
            }
            if let (Some('-'), Some(&high)) = (self.peek(), self.chars.get(self.pos + 1))
                && high != ']'
            {
                self.pos += 2;
                if high < c {
                    return Err(invalid(self.pattern, "inverted range"));
                }
                ranges.push((c, high));
            } else {
                ranges.push((c, c));
            }
        }
        Ok(Node::Class { negated, ranges })
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars
            .get(start..self.pos)
            .unwrap_or_default()
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn repeat(&mut self, mut node: Node) -> Result<Node, Error> {
        loop {
            let (min, max) = match self.peek() {
                Some('*') => (0, None),
                Some('+') => (1, None),
                Some('?') => (0, Some(1)),
                Some('{') => {
                    self.pos += 1;
                    let min = self
                        .number()
                        .ok_or_else(|| invalid(self.pattern, "bad bound"))?;
                    let max = if self.peek() == Some(',') {
                        self.pos += 1;
                        if self.peek() == Some('}') {
                            None
                        } else {
                            Some(
                                self.number()
                                    .ok_or_else(|| invalid(self.pattern, "bad bound"))?,
                            )
                        }
                    } else {
                        Some(min)
                    };
                    if self.peek() != Some('}') {
                        return Err(invalid(self.pattern, "unclosed bound"));
                    }
                    if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT || m < min) {
                        return Err(invalid(self.pattern, "bound out of range"));
                    }
                    (min, max)
                }
                _ => return Ok(node),
            };
            self.pos += 1;
            node = Node::Repeat {
                node: Box::new(node),
                min,
                max,
            };
        }
    }
}

fn named_class(name: &str) -> Option<Vec<(char, char)>> {
    Some(match name {
        "alpha" => vec![('a', 'z'), ('A', 'Z')],
        "digit" => vec![('0', '9')],
        "alnum" => vec![('a', 'z'), ('A', 'Z'), ('0', '9')],
        "upper" => vec![('A', 'Z')],
        "lower" => vec![('a', 'z')],
        "space" => vec![(' ', ' '), ('\t', '\r')],
        "xdigit" => vec![('0', '9'), ('a', 'f'), ('A', 'F')],
        "punct" => vec![('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        _ => return None,
    })
}

struct Compiler<'a> {
    pattern: &'a str,
    program: Vec<Inst>,
    classes: Vec<(bool, Vec<(char, char)>)>,
}

impl Compiler<'_> {
    fn emit(&mut self, inst: Inst) -> Result<usize, Error> {
        if self.program.len() >= MAX_PROGRAM_LEN {
            return Err(invalid(self.pattern, "pattern too complex"));
        }
        self.program.push(inst);
        Ok(self.program.len() - 1)
    }

    fn patch(&mut self, at: usize, inst: Inst) {
        if let Some(slot) = self.program.get_mut(at) {
            *slot = inst;
        }
    }

    fn compile(&mut self, node: &Node) -> Result<(), Error> {
        match node {
            Node::Char(c) => self.emit(Inst::Char(c.to_ascii_lowercase())).map(drop),
            Node::Any => self.emit(Inst::Any).map(drop),
            Node::Start => self.emit(Inst::Start).map(drop),
            Node::End => self.emit(Inst::End).map(drop),
            Node::Empty => Ok(()),
            Node::Class { negated, ranges } => {
                self.classes.push((*negated, ranges.clone()));
                self.emit(Inst::Class(self.classes.len() - 1)).map(drop)
            }
            Node::Group(inner) => self.compile(inner),
            Node::Concat(items) => items.iter().try_for_each(|item| self.compile(item)),
            Node::Alternate(branches) => {
                let mut jumps = Vec::new();
                for (i, branch) in branches.iter().enumerate() {
                    if i + 1 < branches.len() {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(branch)?;
                        jumps.push(self.emit(Inst::Jump(0))?);
                        let next = self.program.len();
                        self.patch(split, Inst::Split(split + 1, next));
                    } else {
                        self.compile(branch)?;
                    }
                }
                let end = self.program.len();
                for jump in jumps {
                    self.patch(jump, Inst::Jump(end));
                }
                Ok(())
            }
            Node::Repeat { node, min, max } => {
                for _ in 0..*min {
                    self.compile(node)?;
                }
                match max {
                    None => {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(node)?;
                        self.emit(Inst::Jump(split))?;
                        let end = self.program.len();
                        self.patch(split, Inst::Split(split + 1, end));
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.emit(Inst::Split(0, 0))?);
                            self.compile(node)?;
                        }
                        let end = self.program.len();
                        for split in splits {
                            self.patch(split, Inst::Split(split + 1, end));
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

impl Pattern {
    /// Compile an extended regular expression.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPattern`] for a malformed pattern or one over the
    /// limits ([`MAX_PATTERN_LEN`], [`MAX_REPEAT`], [`MAX_PROGRAM_LEN`]).
    pub fn new(pattern: &str) -> Result<Self, Error> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(invalid(pattern, "pattern too long"));
        }
        let mut parser = Parser {
            pattern,
            chars: pattern.chars().collect(),
            pos: 0,
            depth: 0,
        };
        let node = parser.alternation()?;
        if parser.pos != parser.chars.len() {
            return Err(invalid(pattern, "unbalanced parenthesis"));
        }
        let mut compiler = Compiler {
            pattern,
            program: Vec::new(),
            classes: Vec::new(),
        };
        compiler.compile(&node)?;
        compiler.emit(Inst::Match)?;
        Ok(Self {
            program: compiler.program,
            classes: compiler.classes,
        })
    }

    fn class_matches(&self, index: usize, c: char) -> bool {
        let Some((negated, ranges)) = self.classes.get(index) else {
            return false;
        };
        let lower = c.to_ascii_lowercase();
        let upper = c.to_ascii_uppercase();
        let hit = ranges
            .iter()
            .any(|(lo, hi)| [c, lower, upper].iter().any(|x| (lo..=hi).contains(&x)));
        hit != *negated
    }

    fn add(&self, list: &mut Vec<usize>, seen: &mut [bool], pc: usize, at: usize, len: usize) {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            if seen.get(pc).copied().unwrap_or(true) {
                continue;
            }
            seen[pc] = true;
            match self.program.get(pc) {
                Some(Inst::Jump(target)) => stack.push(*target),
                Some(Inst::Split(a, b)) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Some(Inst::Start) if at == 0 => stack.push(pc + 1),
                Some(Inst::End) if at == len => stack.push(pc + 1),
                Some(Inst::Start | Inst::End) => {}
                Some(_) => list.push(pc),
                None => {}
            }
        }
    }

    /// True when the whole of `text` matches, ignoring ASCII case.
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let len = chars.len();
        let mut current = Vec::new();
        let mut seen = vec![false; self.program.len()];
        self.add(&mut current, &mut seen, 0, 0, len);
        for (at, c) in chars.iter().enumerate() {
            let mut next = Vec::new();
            let mut seen = vec![false; self.program.len()];
            for &pc in &current {
                let advance = match self.program.get(pc) {
                    Some(Inst::Char(expected)) => c.to_ascii_lowercase() == *expected,
                    Some(Inst::Any) => true,
                    Some(Inst::Class(index)) => self.class_matches(*index, *c),
                    _ => false,
                };
                if advance {
                    self.add(&mut next, &mut seen, pc + 1, at + 1, len);
                }
            }
            if next.is_empty() {
                return false;
            }
            current = next;
        }
        current
            .iter()
            .any(|pc| self.program.get(*pc) == Some(&Inst::Match))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern).unwrap().matches(text)
    }

    #[test]
    fn whole_string_case_insensitive() {
        assert!(m("apc.*", "APC HID 0.101"));
        assert!(!m("apc", "APC HID 0.101"));
        assert!(m("MGE HID 1\\.59", "mge hid 1.59"));
        assert!(m("(mge|apc) HID.*", "APC HID 0.101"));
        assert!(m("[a-c]+x?", "ABCA"));
        assert!(m("[^0-9]*", "abc"));
        assert!(!m("[^0-9]*", "ab1"));
        assert!(m("0764", "0764"));
        assert!(!m("07(64|63){1,2}", "07646463"));
        assert!(m("07(64|63){1,3}", "07646463"));
        assert!(m("^a$", "a"));
        assert!(m("[[:digit:]]{4}", "0501"));
        assert!(m("", ""));
        assert!(!m("", "x"));
    }

    #[test]
    fn malformed_and_limits() {
        for bad in [
            "(",
            "a)",
            "[a",
            "*a",
            "a{2,1}",
            "a{99}",
            "\\",
            "[z-a]",
            "[[:]]",
            "[[:x",
            "[[:bogus:]]",
        ] {
            assert!(Pattern::new(bad).is_err(), "{bad}");
        }
        assert!(Pattern::new(&"a".repeat(MAX_PATTERN_LEN)).is_ok());
        assert!(Pattern::new(&"a".repeat(MAX_PATTERN_LEN + 1)).is_err());
        assert!(Pattern::new("a{64}").is_ok());
        assert!(Pattern::new("a{65}").is_err());
        assert!(Pattern::new("(a{64}){64}").is_err(), "program limit");
    }

    #[test]
    fn linear_on_pathological_input() {
        let p = Pattern::new("(a*)*b").unwrap();
        assert!(!p.matches(&"a".repeat(200)));
    }
}
