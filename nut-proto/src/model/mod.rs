//! NUT's data model: `ups.status` tokens, variable types and flags, and the
//! standard names of variables and instant commands (NUT `docs/nut-names.txt`).

mod names;
mod status;
mod var_type;

pub use names::{STANDARD_COMMANDS, is_valid_name};
pub use status::{Status, StatusToken};
pub use var_type::{TypeWord, ValueKind, VarType};
