//! Integration tests of the driver-socket codec (`nut_proto::sock`):
//! property round trips, the real NUT 2.8.0 `dummy-ups` as an oracle, and
//! the replay of the fuzz corpora.

mod fuzz_replay;
mod oracle;
mod roundtrip;
