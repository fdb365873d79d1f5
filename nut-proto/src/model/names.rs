//! Standard variable and instant command names (NUT `docs/nut-names.txt`).

/// The standard instant commands of NUT (`docs/nut-names.txt`), for
/// validation and completion. Drivers may offer others.
pub const STANDARD_COMMANDS: &[&str] = &[
    "load.off",
    "load.on",
    "load.off.delay",
    "load.on.delay",
    "shutdown.default",
    "shutdown.return",
    "shutdown.stayoff",
    "shutdown.stop",
    "shutdown.reboot",
    "shutdown.reboot.graceful",
    "test.panel.start",
    "test.panel.stop",
    "test.failure.start",
    "test.failure.stop",
    "test.battery.start",
    "test.battery.start.quick",
    "test.battery.start.low",
    "test.battery.start.deep",
    "test.battery.stop",
    "test.system.start",
    "calibrate.start",
    "calibrate.stop",
    "bypass.start",
    "bypass.stop",
    "reset.input.minmax",
    "reset.watchdog",
    "beeper.enable",
    "beeper.disable",
    "beeper.mute",
    "beeper.toggle",
    "driver.killpower",
    "driver.reload",
    "driver.reload-or-exit",
    "driver.reload-or-error",
];

/// Whether `name` is a well-formed variable or command name: dot-separated,
/// non-empty parts of ASCII letters, digits, `-` and `_`.
///
/// ```
/// assert!(nut_proto::model::is_valid_name("battery.charge"));
/// assert!(!nut_proto::model::is_valid_name("battery..charge"));
/// ```
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}
