//! Corpus tests: every real descriptor in `../shared/corpus/hid` (outside
//! the repository) parses, non-UPS ones are recognised, golden renderings
//! under `tests/golden/` match, the 5 decoded-report vectors give the value
//! NUT logged, `hidreport` agrees where it parses too, and the HID fuzz
//! seeds are current and replay through the fuzz targets' properties.
//! The mapping engine runs on every descriptor (golden renderings of what
//! each map publishes under `tests/golden/vars/`) and its variables are
//! compared with the `upsc` dumps of the same models in `../shared/corpus/ddl`.
//!
//! The corpus is found at `<workspace root>/../shared/corpus`; without it
//! each test prints a SKIPPED line, or fails when env `CI` is set.
//! `UPDATE_GOLDEN=1 cargo test -p nut-hid --test corpus` rewrites the
//! golden files (review the diff before committing).

mod common;
mod coverage;
mod descriptors;
mod differential;
mod fuzz;
mod mapping;
mod vectors;
