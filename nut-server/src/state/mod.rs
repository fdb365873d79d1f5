//! The state tree of a UPS: NUT's `state.c` (shared by upsd and the drivers)
//! and the driver-side `dstate.c` on top of it.
//!
//! * [`Tree`] holds variables (value, [`Flags`], aux, enum list, ranges) and
//!   instant commands. Names are case-insensitive and iterate in
//!   case-insensitive order, which is both upsd's `LIST VAR` order and the
//!   order of a driver's `DUMPALL`. upsd keeps one per UPS as its cache.
//! * [`DriverState`] is what a driver publishes: a [`Tree`] plus the
//!   DATAOK/DATASTALE flag, the `ups.status`/`ups.alarm` helpers of NUT's
//!   drivers (`status_init`/`status_set`/`status_commit`, `alarm_*`), and a
//!   log of [`Update`]s for the socket server to broadcast. [`DriverState::dump`]
//!   yields a `DUMPALL` reply in NUT's exact order.
//!
//! Everything here is sans-IO and independent of the socket codec: an
//! [`Update`] maps one-to-one to a driver socket line.
//!
//! ```
//! use nut_server::state::{DriverState, Flags, Update};
//!
//! let mut ups = DriverState::new();
//! ups.set_info("ups.status", "OL");
//! ups.set_flags("ups.status", Flags::RW | Flags::STRING);
//! ups.set_aux("ups.status", 32);
//! ups.add_cmd("load.off");
//! ups.data_ok();
//! let dump = ups.dump();
//! assert_eq!(dump[0], Update::SetInfo { name: "ups.status".into(), value: "OL".into() });
//! assert_eq!(dump.last(), Some(&Update::DumpDone));
//! ```

mod dstate;
mod flags;
mod status;
mod tree;

pub use dstate::{DriverState, MAX_DRIVER_VALUE_LEN, MAX_PENDING_UPDATES, Update};
pub use flags::Flags;
pub use tree::{Limits, Outcome, Range, Tree, Var};

/// Result of a driver's SET or INSTCMD handler, with NUT's numbering (the
/// number a driver sends back in `TRACKING <id> <n>`): the same type the
/// socket codec reads, so a handler's answer goes on the wire unchanged.
pub use nut_proto::sock::TrackingResult;

/// Case-insensitive key, ordered like C's `strcasecmp` (ASCII folded to
/// lower case, then bytes).
pub(crate) fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Cuts `value` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(value: &str, max: usize) -> &str {
    if value.len() <= max {
        return value;
    }
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_orders_underscore_before_letters_like_strcasecmp() {
        // strcasecmp folds to lower case: '_' (0x5F) < 'b' (0x62).
        assert!(fold("a_b") < fold("aB"));
        assert!(fold("B") > fold("a"));
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc");
        assert_eq!(truncate("aé", 2), "a");
    }
}
