//! The driver state-socket protocol (driver <-> upsd).
