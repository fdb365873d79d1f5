//! The driver's published variables (NUT's dstate for one driver), with
//! `override.*` values that the device cannot change and a change log the
//! engine turns into events.

use std::collections::BTreeMap;

/// Published variables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    map: BTreeMap<String, String>,
    overrides: BTreeMap<String, String>,
    changes: Vec<(String, Option<String>)>,
}

impl Vars {
    /// Starts with `override.*` and `default.*` values published.
    pub fn new(overrides: &BTreeMap<String, String>, defaults: &BTreeMap<String, String>) -> Self {
        let mut vars = Self {
            overrides: overrides.clone(),
            ..Self::default()
        };
        for (k, v) in defaults.iter().chain(overrides) {
            vars.map.insert(k.clone(), v.clone());
            vars.changes.push((k.clone(), Some(v.clone())));
        }
        vars
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// The value of `name` as a number, if it is one.
    pub fn num(&self, name: &str) -> Option<f64> {
        self.get(name)?
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
    }

    /// Whether `name` is published.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Publishes `value` unless `name` is overridden.
    pub fn set(&mut self, name: &str, value: String) {
        if self.overrides.contains_key(name) {
            return;
        }
        if self.map.get(name) != Some(&value) {
            self.map.insert(name.to_owned(), value.clone());
            self.changes.push((name.to_owned(), Some(value)));
        }
    }

    /// Deletes `name` (unless overridden).
    pub fn remove(&mut self, name: &str) {
        if !self.overrides.contains_key(name) && self.map.remove(name).is_some() {
            self.changes.push((name.to_owned(), None));
        }
    }

    /// All published variables.
    pub fn map(&self) -> &BTreeMap<String, String> {
        &self.map
    }

    /// Takes the changes recorded since the last call (`None` = deleted).
    pub fn take_changes(&mut self) -> Vec<(String, Option<String>)> {
        std::mem::take(&mut self.changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_and_changes_are_logged() {
        let mut o = BTreeMap::new();
        o.insert("battery.voltage.nominal".to_owned(), "24".to_owned());
        let mut v = Vars::new(&o, &BTreeMap::new());
        assert_eq!(v.take_changes().len(), 1);
        v.set("battery.voltage.nominal", "12".into());
        v.set("ups.load", "10".into());
        v.set("ups.load", "10".into());
        assert_eq!(v.get("battery.voltage.nominal"), Some("24"));
        assert_eq!(
            v.take_changes(),
            vec![("ups.load".to_owned(), Some("10".to_owned()))]
        );
        v.remove("ups.load");
        assert_eq!(v.take_changes(), vec![("ups.load".to_owned(), None)]);
        assert_eq!(v.num("battery.voltage.nominal"), Some(24.0));
    }
}
