//! [`DriverState`]: what a driver publishes (NUT's `dstate.c`), with the
//! change log its socket server broadcasts.

use std::collections::VecDeque;

use super::status::Indicators;
use super::{Flags, Limits, Outcome, Tree, Var};

/// Longest value a driver publishes, in bytes: NUT formats values into a
/// 256-byte buffer (`ST_MAX_VALUE_LEN`), so at most 255 survive.
pub const MAX_DRIVER_VALUE_LEN: usize = 255;

/// Most updates kept for the socket server before it drains them; past this
/// the log is dropped and an [`Update::Overflow`] is queued instead.
pub const MAX_PENDING_UPDATES: usize = 65_536;

/// One change to broadcast (or one line of a dump), independent of the
/// socket codec: each variant is one driver socket line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Update {
    /// `SETINFO <name> "<value>"`.
    SetInfo {
        /// Variable name, as the driver wrote it.
        name: String,
        /// Value, unescaped.
        value: String,
    },
    /// `DELINFO <name>`.
    DelInfo {
        /// Variable name.
        name: String,
    },
    /// `ADDENUM <name> "<value>"`.
    AddEnum {
        /// Variable name.
        name: String,
        /// Allowed value, unescaped.
        value: String,
    },
    /// `DELENUM <name> "<value>"`.
    DelEnum {
        /// Variable name.
        name: String,
        /// Removed value, unescaped.
        value: String,
    },
    /// `ADDRANGE <name> <min> <max>`.
    AddRange {
        /// Variable name.
        name: String,
        /// Lowest allowed value.
        min: i32,
        /// Highest allowed value.
        max: i32,
    },
    /// `DELRANGE <name> <min> <max>`.
    DelRange {
        /// Variable name.
        name: String,
        /// Lowest value of the removed range.
        min: i32,
        /// Highest value of the removed range.
        max: i32,
    },
    /// `SETAUX <name> <aux>`.
    SetAux {
        /// Variable name.
        name: String,
        /// The aux value.
        aux: i64,
    },
    /// `SETFLAGS <name> [RW] [STRING] [NUMBER]` (see [`Flags::words`]).
    SetFlags {
        /// Variable name.
        name: String,
        /// The full new flag set.
        flags: Flags,
    },
    /// `ADDCMD <name>`.
    AddCmd {
        /// Command name.
        name: String,
    },
    /// `DELCMD <name>`.
    DelCmd {
        /// Command name.
        name: String,
    },
    /// `DATAOK`.
    DataOk,
    /// `DATASTALE`.
    DataStale,
    /// `DUMPDONE`: the end of a dump (only in [`DriverState::dump`] output).
    DumpDone,
    /// Not a socket line: updates were dropped because nobody drained them
    /// in time; listeners must be sent a full dump again.
    Overflow,
}

/// A driver's published state.
///
/// Every mutator mirrors a `dstate_*` function: it changes the [`Tree`] and,
/// when something changed, queues the [`Update`] NUT would broadcast, with
/// the name as the caller wrote it. Values are cut to
/// [`MAX_DRIVER_VALUE_LEN`] bytes. A new state is stale until
/// [`DriverState::data_ok`], as in NUT.
#[derive(Debug, Clone)]
pub struct DriverState {
    tree: Tree,
    stale: bool,
    updates: VecDeque<Update>,
    max_pending: usize,
    overflowed: bool,
    pub(super) indicators: Indicators,
}

impl Default for DriverState {
    fn default() -> Self {
        Self::new()
    }
}

impl DriverState {
    /// An empty, stale state with default limits (values cut at
    /// [`MAX_DRIVER_VALUE_LEN`]).
    pub fn new() -> Self {
        Self::with_limits(Limits {
            max_value_len: MAX_DRIVER_VALUE_LEN,
            ..Limits::default()
        })
    }

    /// An empty, stale state with the given tree limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            tree: Tree::with_limits(limits),
            stale: true,
            updates: VecDeque::new(),
            max_pending: MAX_PENDING_UPDATES,
            overflowed: false,
            indicators: Indicators::default(),
        }
    }

    /// Sets how many updates may wait for [`DriverState::poll_update`].
    pub fn set_max_pending_updates(&mut self, max: usize) {
        self.max_pending = max;
    }

    /// The published tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The value of `name` (`dstate_getinfo`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.tree.value(name)
    }

    fn record(&mut self, outcome: Outcome, update: impl FnOnce() -> Update) -> Outcome {
        if outcome.changed() {
            self.push(update());
        }
        outcome
    }

    fn push(&mut self, update: Update) {
        if self.overflowed {
            return;
        }
        if self.updates.len() >= self.max_pending {
            self.updates.clear();
            self.updates.push_back(Update::Overflow);
            self.overflowed = true;
            return;
        }
        self.updates.push_back(update);
    }

    /// The next update to broadcast, oldest first.
    #[must_use]
    pub fn poll_update(&mut self) -> Option<Update> {
        let update = self.updates.pop_front();
        if self.updates.is_empty() {
            self.overflowed = false;
        }
        update
    }

    /// Whether updates are waiting.
    pub fn has_updates(&self) -> bool {
        !self.updates.is_empty()
    }

    /// `dstate_setinfo`.
    pub fn set_info(&mut self, name: &str, value: &str) -> Outcome {
        let outcome = self.tree.set_info(name, value);
        let value = self.tree.value(name).unwrap_or(value).to_owned();
        self.record(outcome, || Update::SetInfo {
            name: name.to_owned(),
            value,
        })
    }

    /// `dstate_delinfo`.
    pub fn del_info(&mut self, name: &str) -> Outcome {
        let outcome = self.tree.del_info(name);
        self.record(outcome, || Update::DelInfo {
            name: name.to_owned(),
        })
    }

    /// `dstate_addenum`.
    pub fn add_enum(&mut self, name: &str, value: &str) -> Outcome {
        let outcome = self.tree.add_enum(name, value);
        let value = super::truncate(value, self.tree.limits().max_value_len).to_owned();
        self.record(outcome, || Update::AddEnum {
            name: name.to_owned(),
            value,
        })
    }

    /// `dstate_delenum`.
    pub fn del_enum(&mut self, name: &str, value: &str) -> Outcome {
        let outcome = self.tree.del_enum(name, value);
        self.record(outcome, || Update::DelEnum {
            name: name.to_owned(),
            value: value.to_owned(),
        })
    }

    /// `dstate_addrange`: also adds the `NUMBER` flag when the range is new.
    pub fn add_range(&mut self, name: &str, min: i32, max: i32) -> Outcome {
        let outcome = self.tree.add_range(name, min, max);
        let outcome = self.record(outcome, || Update::AddRange {
            name: name.to_owned(),
            min,
            max,
        });
        if outcome.changed() {
            self.add_flags(name, Flags::NUMBER);
        }
        outcome
    }

    /// `dstate_delrange`.
    pub fn del_range(&mut self, name: &str, min: i32, max: i32) -> Outcome {
        let outcome = self.tree.del_range(name, min, max);
        self.record(outcome, || Update::DelRange {
            name: name.to_owned(),
            min,
            max,
        })
    }

    /// `dstate_setaux`.
    pub fn set_aux(&mut self, name: &str, aux: i64) -> Outcome {
        let outcome = self.tree.set_aux(name, aux);
        self.record(outcome, || Update::SetAux {
            name: name.to_owned(),
            aux,
        })
    }

    /// `dstate_setflags`: replaces the flags.
    pub fn set_flags(&mut self, name: &str, flags: Flags) -> Outcome {
        let outcome = self.tree.set_flags(name, flags);
        self.record(outcome, || Update::SetFlags {
            name: name.to_owned(),
            flags,
        })
    }

    /// `dstate_addflags`.
    pub fn add_flags(&mut self, name: &str, add: Flags) -> Outcome {
        match self.tree.get(name).map(Var::flags) {
            None => Outcome::NotFound,
            Some(flags) if flags.contains(add) => Outcome::Unchanged,
            Some(flags) => self.set_flags(name, flags | add),
        }
    }

    /// `dstate_delflags`.
    pub fn del_flags(&mut self, name: &str, remove: Flags) -> Outcome {
        match self.tree.get(name).map(Var::flags) {
            None => Outcome::NotFound,
            Some(flags) if flags.without(remove) == flags => Outcome::Unchanged,
            Some(flags) => self.set_flags(name, flags.without(remove)),
        }
    }

    /// `dstate_addcmd`.
    pub fn add_cmd(&mut self, name: &str) -> Outcome {
        let outcome = self.tree.add_cmd(name);
        self.record(outcome, || Update::AddCmd {
            name: name.to_owned(),
        })
    }

    /// `dstate_delcmd`.
    pub fn del_cmd(&mut self, name: &str) -> Outcome {
        let outcome = self.tree.del_cmd(name);
        self.record(outcome, || Update::DelCmd {
            name: name.to_owned(),
        })
    }

    /// `dstate_dataok`: announces fresh data (only on change).
    pub fn data_ok(&mut self) {
        if self.stale {
            self.stale = false;
            self.push(Update::DataOk);
        }
    }

    /// `dstate_datastale`: announces stale data (only on change).
    pub fn data_stale(&mut self) {
        if !self.stale {
            self.stale = true;
            self.push(Update::DataStale);
        }
    }

    /// Whether the data is stale.
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// The reply to `DUMPALL`, in NUT's order: `DATASTALE` if stale; for each
    /// variable in tree order `SETINFO`, its `ADDENUM`s, its `ADDRANGE`s,
    /// `SETAUX` (if non-zero), `SETFLAGS` (if any flag, even only
    /// `IMMUTABLE`, which prints no word); then every `ADDCMD`; `DATAOK` if
    /// not stale; `DUMPDONE`.
    pub fn dump(&self) -> Vec<Update> {
        let mut out = Vec::new();
        self.dump_head(&mut out);
        for var in self.tree.vars() {
            dump_var(var, &mut out);
        }
        out.extend(self.tree.commands().map(|name| Update::AddCmd {
            name: name.to_owned(),
        }));
        self.dump_tail(&mut out);
        out
    }

    /// The reply to `DUMPVALUE <name>` (and `DUMPSTATUS` for `ups.status`):
    /// like [`DriverState::dump`] for that one variable (none if unknown).
    pub fn dump_value(&self, name: &str) -> Vec<Update> {
        let mut out = Vec::new();
        self.dump_head(&mut out);
        if let Some(var) = self.tree.get(name) {
            dump_var(var, &mut out);
        }
        self.dump_tail(&mut out);
        out
    }

    fn dump_head(&self, out: &mut Vec<Update>) {
        if self.stale {
            out.push(Update::DataStale);
        }
    }

    fn dump_tail(&self, out: &mut Vec<Update>) {
        if !self.stale {
            out.push(Update::DataOk);
        }
        out.push(Update::DumpDone);
    }
}

fn dump_var(var: &Var, out: &mut Vec<Update>) {
    let name = var.name();
    out.push(Update::SetInfo {
        name: name.to_owned(),
        value: var.value().to_owned(),
    });
    out.extend(var.enums().iter().map(|value| Update::AddEnum {
        name: name.to_owned(),
        value: value.clone(),
    }));
    out.extend(var.ranges().iter().map(|r| Update::AddRange {
        name: name.to_owned(),
        min: r.min,
        max: r.max,
    }));
    if var.aux() != 0 {
        out.push(Update::SetAux {
            name: name.to_owned(),
            aux: var.aux(),
        });
    }
    if !var.flags().is_empty() {
        out.push(Update::SetFlags {
            name: name.to_owned(),
            flags: var.flags(),
        });
    }
}

#[cfg(test)]
mod tests;
