//! The network protocol (upsd <-> clients), protocol 1.3 / RFC 9271.
