//! [`Tree`]: variables and instant commands with NUT's `state.c` semantics.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use nut_proto::model::{ValueKind, VarType};
use nut_proto::tokenizer::MAX_WORD_LEN;

use super::{Flags, fold, truncate};

/// Bounds on what a [`Tree`] holds, so that a misbehaving driver (or a
/// malicious socket peer feeding upsd) cannot grow it without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most variables.
    pub max_vars: usize,
    /// Longest variable or command name, in bytes (longer names are refused).
    pub max_name_len: usize,
    /// Longest value or enum value, in bytes (longer ones are truncated).
    pub max_value_len: usize,
    /// Most enum values per variable.
    pub max_enums: usize,
    /// Most ranges per variable.
    pub max_ranges: usize,
    /// Most instant commands.
    pub max_commands: usize,
}

impl Default for Limits {
    /// Generous bounds: any word the tokenizer can produce fits.
    fn default() -> Self {
        Self {
            max_vars: 65_536,
            max_name_len: MAX_WORD_LEN,
            max_value_len: MAX_WORD_LEN,
            max_enums: 1024,
            max_ranges: 256,
            max_commands: 4096,
        }
    }
}

/// What a [`Tree`] mutation did, as NUT's return codes tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Something changed (NUT returns 1 and a driver broadcasts it).
    Changed,
    /// Nothing to do: same value, duplicate enum or command...
    Unchanged,
    /// The variable (or enum value, range, command) does not exist.
    NotFound,
    /// The variable is immutable (`override.*`).
    Immutable,
    /// A [`Limits`] bound was reached; nothing was added.
    LimitReached,
    /// Invalid input: empty or over-long name, or a range with min > max.
    Invalid,
}

impl Outcome {
    /// Whether the tree changed.
    pub fn changed(self) -> bool {
        self == Self::Changed
    }
}

/// One allowed integer range of a variable (`ADDRANGE <var> <min> <max>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    /// Lowest allowed value.
    pub min: i32,
    /// Highest allowed value.
    pub max: i32,
}

impl Range {
    /// NUT's duplicate test, kept for identical behaviour: two ranges match
    /// when **either** bound is equal (`state.c` only continues the search
    /// while both differ).
    fn matches(self, min: i32, max: i32) -> bool {
        self.min == min || self.max == max
    }
}

/// One variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    name: String,
    value: String,
    flags: Flags,
    aux: i64,
    enums: Vec<String>,
    ranges: Vec<Range>,
}

impl Var {
    /// The name, in the case it was first created with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The flags.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// The aux value: a STRING's maximum length (0 when unset).
    pub fn aux(&self) -> i64 {
        self.aux
    }

    /// Allowed values, in insertion order.
    pub fn enums(&self) -> &[String] {
        &self.enums
    }

    /// Allowed ranges, in insertion order.
    pub fn ranges(&self) -> &[Range] {
        &self.ranges
    }

    /// The type upsd reports for `GET TYPE`: `RW` if writable, `ENUM` and
    /// `RANGE` when such lists exist, then `STRING:<aux>` or `NUMBER`.
    pub fn var_type(&self) -> VarType {
        let kind = if self.flags.contains(Flags::STRING) {
            ValueKind::String {
                max_len: u32::try_from(self.aux).unwrap_or(0),
            }
        } else {
            ValueKind::Number
        };
        VarType::new(
            self.flags.contains(Flags::RW),
            !self.enums.is_empty(),
            !self.ranges.is_empty(),
            kind,
        )
    }
}

/// Variables and instant commands of one UPS.
///
/// Names are matched ignoring ASCII case; a variable keeps the case it was
/// created with. Iteration is in case-insensitive order (NUT's binary tree
/// compared with `strcasecmp`), commands likewise (NUT keeps them sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    vars: BTreeMap<String, Var>,
    commands: BTreeMap<String, String>,
    limits: Limits,
}

impl Tree {
    /// An empty tree with default [`Limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tree with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            vars: BTreeMap::new(),
            commands: BTreeMap::new(),
            limits,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The variable `name` (any case).
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.vars.get(&fold(name))
    }

    /// The value of `name` (any case).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(Var::value)
    }

    /// Variables in case-insensitive name order.
    pub fn vars(&self) -> impl ExactSizeIterator<Item = &Var> {
        self.vars.values()
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// Instant commands in case-insensitive order.
    pub fn commands(&self) -> impl ExactSizeIterator<Item = &str> {
        self.commands.values().map(String::as_str)
    }

    /// Whether instant command `name` exists (any case).
    pub fn has_command(&self, name: &str) -> bool {
        self.commands.contains_key(&fold(name))
    }

    /// Removes every variable and command.
    pub fn clear(&mut self) {
        self.vars.clear();
        self.commands.clear();
    }

    fn valid_name(&self, name: &str) -> bool {
        !name.is_empty() && name.len() <= self.limits.max_name_len
    }

    /// Creates or updates a variable (`SETINFO`). The value is cut to
    /// [`Limits::max_value_len`].
    ///
    /// As in NUT, a value that differs only in ASCII case from the current
    /// one is **not** a change (`state_setinfo` compares with `strcasecmp`).
    pub fn set_info(&mut self, name: &str, value: &str) -> Outcome {
        if !self.valid_name(name) {
            return Outcome::Invalid;
        }
        let value = truncate(value, self.limits.max_value_len);
        let full = self.vars.len() >= self.limits.max_vars;
        match self.vars.entry(fold(name)) {
            Entry::Occupied(mut slot) => {
                let var = slot.get_mut();
                if var.value.eq_ignore_ascii_case(value) {
                    Outcome::Unchanged
                } else if var.flags.contains(Flags::IMMUTABLE) {
                    Outcome::Immutable
                } else {
                    value.clone_into(&mut var.value);
                    Outcome::Changed
                }
            }
            Entry::Vacant(_) if full => Outcome::LimitReached,
            Entry::Vacant(slot) => {
                slot.insert(Var {
                    name: name.to_owned(),
                    value: value.to_owned(),
                    flags: Flags::NONE,
                    aux: 0,
                    enums: Vec::new(),
                    ranges: Vec::new(),
                });
                Outcome::Changed
            }
        }
    }

    /// Deletes a variable (`DELINFO`); immutable ones stay.
    pub fn del_info(&mut self, name: &str) -> Outcome {
        let key = fold(name);
        match self.vars.get(&key) {
            None => Outcome::NotFound,
            Some(var) if var.flags.contains(Flags::IMMUTABLE) => Outcome::Immutable,
            Some(_) => {
                self.vars.remove(&key);
                Outcome::Changed
            }
        }
    }

    /// Appends an allowed value (`ADDENUM`) unless already listed (exact match).
    pub fn add_enum(&mut self, name: &str, value: &str) -> Outcome {
        let limits = self.limits;
        let Some(var) = self.vars.get_mut(&fold(name)) else {
            return Outcome::NotFound;
        };
        let value = truncate(value, limits.max_value_len);
        if var.enums.iter().any(|v| v == value) {
            Outcome::Unchanged
        } else if var.enums.len() >= limits.max_enums {
            Outcome::LimitReached
        } else {
            var.enums.push(value.to_owned());
            Outcome::Changed
        }
    }

    /// Removes the first allowed value equal to `value` ignoring case (`DELENUM`).
    pub fn del_enum(&mut self, name: &str, value: &str) -> Outcome {
        let Some(var) = self.vars.get_mut(&fold(name)) else {
            return Outcome::NotFound;
        };
        match var.enums.iter().position(|v| v.eq_ignore_ascii_case(value)) {
            Some(index) => {
                var.enums.remove(index);
                Outcome::Changed
            }
            None => Outcome::NotFound,
        }
    }

    /// Appends a range (`ADDRANGE`); `min > max` is refused and a range
    /// sharing either bound with an existing one counts as a duplicate
    /// (NUT's test).
    pub fn add_range(&mut self, name: &str, min: i32, max: i32) -> Outcome {
        if min > max {
            return Outcome::Invalid;
        }
        let max_ranges = self.limits.max_ranges;
        let Some(var) = self.vars.get_mut(&fold(name)) else {
            return Outcome::NotFound;
        };
        if var.ranges.iter().any(|r| r.matches(min, max)) {
            Outcome::Unchanged
        } else if var.ranges.len() >= max_ranges {
            Outcome::LimitReached
        } else {
            var.ranges.push(Range { min, max });
            Outcome::Changed
        }
    }

    /// Removes the first range sharing either bound (`DELRANGE`, NUT's test).
    pub fn del_range(&mut self, name: &str, min: i32, max: i32) -> Outcome {
        let Some(var) = self.vars.get_mut(&fold(name)) else {
            return Outcome::NotFound;
        };
        match var.ranges.iter().position(|r| r.matches(min, max)) {
            Some(index) => {
                var.ranges.remove(index);
                Outcome::Changed
            }
            None => Outcome::NotFound,
        }
    }

    /// Sets the aux value (`SETAUX`); allowed on immutable variables, as in NUT.
    pub fn set_aux(&mut self, name: &str, aux: i64) -> Outcome {
        let Some(var) = self.vars.get_mut(&fold(name)) else {
            return Outcome::NotFound;
        };
        if var.aux == aux {
            Outcome::Unchanged
        } else {
            var.aux = aux;
            Outcome::Changed
        }
    }

    /// Replaces the flags (`SETFLAGS`); an immutable variable keeps its own.
    pub fn set_flags(&mut self, name: &str, flags: Flags) -> Outcome {
        let Some(var) = self.vars.get_mut(&fold(name)) else {
            return Outcome::NotFound;
        };
        if var.flags.contains(Flags::IMMUTABLE) {
            Outcome::Immutable
        } else if var.flags == flags {
            Outcome::Unchanged
        } else {
            var.flags = flags;
            Outcome::Changed
        }
    }

    /// Adds an instant command (`ADDCMD`); duplicates in any case are ignored.
    pub fn add_cmd(&mut self, name: &str) -> Outcome {
        if !self.valid_name(name) {
            return Outcome::Invalid;
        }
        let full = self.commands.len() >= self.limits.max_commands;
        match self.commands.entry(fold(name)) {
            Entry::Occupied(_) => Outcome::Unchanged,
            Entry::Vacant(_) if full => Outcome::LimitReached,
            Entry::Vacant(slot) => {
                slot.insert(name.to_owned());
                Outcome::Changed
            }
        }
    }

    /// Removes an instant command (`DELCMD`, any case).
    pub fn del_cmd(&mut self, name: &str) -> Outcome {
        match self.commands.remove(&fold(name)) {
            Some(_) => Outcome::Changed,
            None => Outcome::NotFound,
        }
    }
}

#[cfg(test)]
mod tests;
