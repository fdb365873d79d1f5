//! Examples for the nut-rs crates live in `examples/examples/`.
