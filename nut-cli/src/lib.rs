//! Shared plumbing for the nut-rs command-line programs.
#![deny(missing_docs)]
