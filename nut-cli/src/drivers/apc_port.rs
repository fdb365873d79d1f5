//! The serial port of the `apcsmart` and `genericups` drivers: opened as
//! NUT's `ser_open` opens it (2400 8N1, raw, exclusive), with NUT's
//! message when it cannot be, and the hang-up-on-close flag cleared.

use std::os::fd::AsRawFd;
use std::time::Duration;

use nix::sys::termios::{self, ControlFlags, SetArg};
use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits, TTYPort};

/// The line speed both drivers use (NUT: `B2400`).
pub(crate) const BAUD: u32 = 2400;

/// How long one read waits before the caller gets control back.
pub(crate) const READ_SLICE: Duration = Duration::from_millis(50);

/// Opens `path` at 2400 8N1, raw, no flow control, without touching the
/// modem-control lines (`genericups` sets them itself, to the cable power
/// of its type).
pub(crate) fn open(path: &str) -> Result<TTYPort, serialport::Error> {
    serialport::new(path, BAUD)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .flow_control(FlowControl::None)
        .timeout(READ_SLICE)
        .open_native()
}

/// What NUT prints (on stdout) when the port cannot be opened, before its
/// fatal `unusable configuration`.
pub(crate) fn open_failure_text(path: &str, error: &serialport::Error) -> String {
    format!(
        "\nUnable to open {path}: {}\n\nThings to try:\n\n - Check 'port=' in ups.conf\n\n \
         - Check owner/permissions of all parts of path\n",
        error.description
    )
}

/// NUT's fatal line after [`open_failure_text`].
pub(crate) const UNUSABLE: &str = "Fatal error: unusable configuration";

/// Clears `HUPCL` on the port.
///
/// Why: with `HUPCL` set (the kernel's default) the last close of the port
/// drops DTR and RTS. A contact-closure UPS takes its cable power and its
/// shutdown signal from those lines, so a driver that exits after `-k`
/// (or is restarted) would cut the cable power or take the shutdown signal
/// back the moment it closes the port. With the flag cleared the lines stay
/// as the driver left them. termios goes through `nix` (feature `term`)
/// because the workspace forbids `unsafe`.
pub(crate) fn keep_lines_at_close(port: &TTYPort) -> nix::Result<()> {
    let fd = port.as_raw_fd();
    let mut tio = termios::tcgetattr(fd)?;
    tio.control_flags.remove(ControlFlags::HUPCL);
    termios::tcsetattr(fd, SetArg::TCSANOW, &tio)
}

#[cfg(test)]
/// Whether `HUPCL` is set (for the tests of [`keep_lines_at_close`]).
pub(crate) fn hangs_up_at_close(port: &TTYPort) -> nix::Result<bool> {
    Ok(termios::tcgetattr(port.as_raw_fd())?
        .control_flags
        .contains(ControlFlags::HUPCL))
}

/// Sets how long reads on `port` wait (a failure keeps the old timeout,
/// which only makes the loop slower or faster).
pub(crate) fn set_read_timeout(port: &mut TTYPort, timeout: Duration) {
    let _ = port.set_timeout(timeout.max(Duration::from_millis(1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hupcl_is_cleared_on_a_pty() {
        let (_master, slave) = TTYPort::pair().expect("pty pair");
        let mut tio = termios::tcgetattr(slave.as_raw_fd()).expect("tcgetattr");
        tio.control_flags.insert(ControlFlags::HUPCL);
        termios::tcsetattr(slave.as_raw_fd(), SetArg::TCSANOW, &tio).expect("tcsetattr");
        assert!(hangs_up_at_close(&slave).expect("read flags"));
        keep_lines_at_close(&slave).expect("clear");
        assert!(!hangs_up_at_close(&slave).expect("read flags"));
    }

    #[test]
    fn a_missing_port_gives_nuts_message() {
        let error = open("/dev/nut-rs-no-such-port").expect_err("no such port");
        let text = open_failure_text("/dev/nut-rs-no-such-port", &error);
        assert!(
            text.starts_with("\nUnable to open /dev/nut-rs-no-such-port: "),
            "{text}"
        );
        assert!(text.contains("Check 'port=' in ups.conf"), "{text}");
    }
}
