//! The variables a [`crate::Mapper`] publishes, with the flags NUT's
//! driver core keeps for each (writable, string length, enum values).

use std::collections::BTreeMap;

/// One published variable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Variable {
    /// The value text.
    pub value: String,
    /// Writable with setvar (`RW`).
    pub writable: bool,
    /// String variable with this maximum length (`STRING:<n>`).
    pub string_len: Option<u16>,
    /// Flagged numeric (`NUMBER`).
    pub number: bool,
    /// Allowed values of a writable `ENUM` variable.
    pub enum_values: Vec<String>,
}

/// Published variables by name, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variables {
    map: BTreeMap<String, Variable>,
}

impl Variables {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A variable's value text.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|v| v.value.as_str())
    }

    /// A variable with its flags.
    #[must_use]
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.map.get(name)
    }

    /// True when `name` is published.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Set a value, creating the variable (without flags) if needed.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.map.get_mut(name) {
            Some(variable) => value.clone_into(&mut variable.value),
            None => {
                self.map.insert(
                    name.to_owned(),
                    Variable {
                        value: value.to_owned(),
                        ..Variable::default()
                    },
                );
            }
        }
    }

    /// The variable, for setting its flags (created empty if needed).
    pub(crate) fn entry(&mut self, name: &str) -> &mut Variable {
        self.map.entry(name.to_owned()).or_default()
    }

    /// Remove a variable.
    pub fn delete(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// Number of variables.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is published.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// All variables, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Variable)> {
        self.map.iter().map(|(name, v)| (name.as_str(), v))
    }
}
