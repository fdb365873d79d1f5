//! Integration tests of nut-serial: real replies from the shared corpus,
//! the device dump corpus through the simulator, codec/simulator
//! properties and a pseudo-terminal run.

mod apc_pty;
mod corpus;
mod ddl_corpus;
mod dialects;
mod fuzz_seeds;
mod oracle;
mod pty;
mod roundtrip;
mod serial_corpus;
