//! `explore` — "EXPLORE HID 0.2": claims any device when option `explore`
//! is set (and `vendorid` narrows it down); no USB table, standard usage
//! names only and an empty mapping table. Used for debug dumps.

use super::{Subdriver, SubdriverId};

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Explore,
    short_name: "explore",
    name: "EXPLORE HID 0.2",
    usb_ids: &[],
    vendor_table: None,
    rows: &[],
    mfr_fallback: None,
    hint: "explore",
};
