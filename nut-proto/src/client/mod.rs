//! The NUT client: target parsing, a sans-IO session, and blocking and tokio adapters.
