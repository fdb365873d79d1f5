//! Corpus tests for nut-snmp: every LibreNMS agent recording of
//! `../shared/corpus/snmp` parsed, the mapping engine run over each with
//! `mibs=auto`, and the published variables compared with the nut-ddl
//! dumps of the same device families.
//!
//! The corpus lives beside the repository (it is GPL data, see
//! shared/corpus/MANIFEST.md). Without it each test prints a SKIPPED line,
//! or fails when env `CI` is set.

mod common;
mod ddl;
mod engine;
mod fuzz;
mod fuzz_seeds;
#[cfg(feature = "udp")]
mod oracle;
mod recordings;
