//! Tables of the dialects NUT probes around the Megatec core: omron
//! (§2.1), voltronic-axpert (§2.3), ablerex (§2.14), innovart31/33
//! (§2.15, §2.16) and gtec (§2.20).

use super::{CmdKind, CmdRow, F0, F1, I_I, LOOSE, MEGATEC_CMDS, N, Q, Q1_Q1, S, ST, cmd};
use crate::qx::rows::{
    AblerexConv, AxpertConv, Conv, END, Flags, Fmt, Hook, OmronConv, Row, hooked, row,
};

// ----- omron -----

const fn omron(var: &'static str, query: &'static [u8], min: usize, conv: OmronConv) -> Row {
    row(var, query, min, 0, 0, END, Conv::Omron(conv), N)
}
const fn omron_static(
    var: &'static str,
    query: &'static [u8],
    min: usize,
    from: usize,
    to: usize,
    conv: OmronConv,
    flags: Flags,
) -> Row {
    row(var, query, min, 0, from, to, Conv::Omron(conv), flags)
}

/// OMRON reads the Q1 block without the bypass and beeper bytes.
pub(super) const OMRON_ROWS: [Row; 21] = [
    Q1_Q1[0],
    Q1_Q1[1],
    Q1_Q1[2],
    Q1_Q1[3],
    Q1_Q1[4],
    Q1_Q1[5],
    Q1_Q1[6],
    Q1_Q1[7],
    Q1_Q1[8],
    Q1_Q1[10],
    Q1_Q1[11],
    Q1_Q1[12],
    Q1_Q1[13],
    omron("battery.charge", b"Bl ?\r", 4, OmronConv::Charge),
    omron("battery.runtime", b"RTS\r", 4, OmronConv::Runtime),
    omron("battery.temperature", b"TPb\r", 5, OmronConv::Temperature),
    omron("output.frequency", b"Lf ?\r", 4, OmronConv::Frequency),
    omron_static("ups.serial", b"PSNR\r", 17, 0, END, OmronConv::Serial, ST),
    omron_static("ups.firmware", b"FWV\r", 15, 0, END, OmronConv::Firmware, S),
    omron_static(
        "battery.date",
        b"BRR\r",
        9,
        0,
        END,
        OmronConv::BatteryDate,
        S,
    ),
    omron_static(
        "ups.realpower.nominal",
        b"UN\r",
        27,
        0,
        3,
        OmronConv::Nominal,
        S,
    ),
];
/// The other two `UN` fields (one exchange with the row above).
pub(super) const OMRON_UN: [Row; 2] = [
    omron_static(
        "ups.power.nominal",
        b"UN\r",
        27,
        6,
        9,
        OmronConv::Nominal,
        S,
    ),
    omron_static(
        "battery.voltage.nominal",
        b"UN\r",
        27,
        13,
        15,
        OmronConv::Nominal,
        S,
    ),
];
pub(super) const OMRON_CMDS: [CmdRow; 3] = [
    cmd("shutdown.return", CmdKind::OmronShutdown(false), LOOSE),
    cmd("shutdown.stayoff", CmdKind::OmronShutdown(true), LOOSE),
    cmd("shutdown.stop", CmdKind::Fixed(b"C\r"), LOOSE),
];

// ----- voltronic-axpert -----

const fn ax(
    var: &'static str,
    query: &'static [u8],
    min: usize,
    from: usize,
    to: usize,
    conv: Conv,
    flags: Flags,
) -> Row {
    hooked(
        var,
        query,
        min,
        b'(',
        from,
        to,
        conv,
        Hook::VoltronicCrc,
        flags,
    )
}
const fn qpiri(var: &'static str, from: usize, to: usize, conv: Conv) -> Row {
    ax(var, b"QPIRI\r", 99, from, to, conv, S)
}
const fn qdi(var: &'static str, from: usize, to: usize, conv: Conv) -> Row {
    ax(var, b"QDI\r", 80, from, to, conv, S)
}
const fn qpigs(var: &'static str, from: usize, to: usize, conv: Conv, flags: Flags) -> Row {
    ax(var, b"QPIGS\r", 108, from, to, conv, flags)
}
const fn qpigs2(var: &'static str, from: usize, to: usize, conv: Conv) -> Row {
    ax(var, b"QPIGS2\r", 69, from, to, conv, N)
}
const AXF: Conv = Conv::Axpert(AxpertConv::Firmware);

/// voltronic-axpert rows of NUT's default build (the `QFLAG` rows, which
/// always fail there, are left out).
pub(super) const AXPERT_ROWS: [Row; 63] = [
    row("device.type", b"", 0, 0, 0, 0, Conv::Const("scd"), S),
    ax(
        "device.firmware.aux",
        b"QPI\r",
        6,
        1,
        4,
        Conv::Axpert(AxpertConv::Qpi),
        S,
    ),
    ax("device.firmware", b"QVFW\r", 16, 7, 14, AXF, S),
    ax("device.firmware.main", b"QVFW\r", 16, 7, 14, AXF, S),
    ax("device.firmware.scc1", b"QVFW2\r", 17, 8, 15, AXF, S),
    ax("device.firmware.scc2", b"QVFW3\r", 17, 8, 15, AXF, S),
    ax("device.firmware.scc3", b"QVFW4\r", 17, 8, 15, AXF, S),
    ax("device.serial", b"QID\r", 2, 1, END, Conv::NonZeroSerial, S),
    qpiri("input.voltage.nominal", 1, 5, F1),
    qpiri("input.current.nominal", 7, 10, F1),
    qpiri("output.voltage.nominal", 12, 16, F1),
    qpiri("output.frequency.nominal", 18, 21, F1),
    qpiri("output.current.nominal", 23, 26, F1),
    qpiri("output.power.nominal", 28, 31, F1),
    qpiri("output.realpower.nominal", 33, 36, F1),
    qpiri("battery.voltage.nominal", 38, 41, F1),
    qpiri("battery.voltage.recharge", 43, 46, F1),
    qpiri("battery.voltage.under", 48, 51, F1),
    qpiri("battery.voltage.bulk", 53, 56, F1),
    qpiri("battery.voltage.float", 58, 61, F1),
    qpiri(
        "battery.type",
        63,
        63,
        Conv::Axpert(AxpertConv::BatteryType),
    ),
    qpiri("battery.charging.current.ac.high", 65, 66, F1),
    qpiri("battery.charging.current.high", 68, 70, F1),
    qpiri(
        "device.model.type",
        80,
        81,
        Conv::Axpert(AxpertConv::ModelType),
    ),
    qpiri(
        "device.description",
        83,
        83,
        Conv::Axpert(AxpertConv::Description),
    ),
    ax("device.model", b"QMD\r", 48, 1, 15, Conv::Text, ST),
    ax("output.powerfactor.nominal", b"QMD\r", 48, 25, 26, F0, S),
    ax("input.phases", b"QMD\r", 48, 28, 28, F0, S),
    ax("output.phases", b"QMD\r", 48, 30, 30, F0, S),
    ax("battery.number", b"QMD\r", 48, 40, 41, F0, S),
    qdi("output.voltage.default", 1, 5, F1),
    qdi("output.frequency.default", 7, 10, F1),
    qdi(
        "experimental.battery.charging.current.ac.high.default",
        12,
        15,
        F1,
    ),
    qdi("experimental.battery.voltage.under.default", 17, 20, F1),
    qdi("experimental.battery.voltage.float.default", 22, 25, F1),
    qdi("experimental.battery.voltage.bulk.default", 27, 30, F1),
    qdi("experimental.battery.voltage.recharge.default", 32, 35, F1),
    qdi(
        "experimental.battery.charging.current.high.default",
        37,
        38,
        F1,
    ),
    qdi(
        "experimental.battery.type.default",
        46,
        46,
        Conv::Axpert(AxpertConv::BatteryType),
    ),
    qpigs("input.voltage", 1, 5, F1, N),
    qpigs("input.frequency", 7, 10, F1, N),
    qpigs("output.voltage", 12, 16, F1, S),
    qpigs("output.frequency", 18, 21, F1, S),
    qpigs("output.power", 23, 26, F1, S),
    qpigs("output.realpower", 28, 31, F1, S),
    qpigs("ups.load", 33, 35, F0, N),
    qpigs("battery.voltage", 41, 45, F1, N),
    qpigs("battery.charge", 51, 53, F1, N),
    qpigs("ups.temperature", 55, 58, F1, N),
    qpigs("experimental.input.pv1.current", 60, 63, F0, N),
    qpigs("experimental.input.pv1.voltage", 65, 69, F0, N),
    qpigs("experimental.battery.voltage.scc1", 71, 75, F1, N),
    qpigs("battery.current", 77, 81, F1, N),
    qpigs("ups.status", 86, 86, Conv::Axpert(AxpertConv::LoadOn), Q),
    qpigs("ups.status", 88, 88, Conv::Axpert(AxpertConv::Charging), Q),
    qpigs2("experimental.input.pv2.current", 1, 4, F0),
    qpigs2("experimental.input.pv2.voltage", 6, 10, F0),
    qpigs2("experimental.battery.voltage.scc2", 12, 16, F1),
    qpigs2("experimental.input.pv3.current", 42, 45, F0),
    qpigs2("experimental.input.pv3.voltage", 47, 51, F0),
    qpigs2("experimental.battery.voltage.scc3", 53, 57, F1),
    ax(
        "ups.alarm",
        b"QPIWS\r",
        27,
        1,
        END,
        Conv::Axpert(AxpertConv::Warnings),
        Q,
    ),
    ax(
        "ups.alarm",
        b"QMOD\r",
        3,
        1,
        1,
        Conv::Axpert(AxpertConv::ModeAlarm),
        N,
    ),
];
/// The `QMOD` status row (kept apart so the array above stays readable).
pub(super) const AXPERT_MODE: [Row; 1] = [ax(
    "ups.status",
    b"QMOD\r",
    3,
    1,
    1,
    Conv::Axpert(AxpertConv::ModeStatus),
    Q,
)];

// ----- ablerex -----

const fn ab(var: &'static str, from: usize, to: usize, conv: AblerexConv, flags: Flags) -> Row {
    row(var, b"Q1\r", 47, b'(', from, to, Conv::Ablerex(conv), flags)
}
const fn ab_f(var: &'static str, from: usize, to: usize, conv: Conv) -> Row {
    row(var, b"F\r", 22, b'#', from, to, conv, Q)
}
pub(super) const ABLEREX_ROWS: [Row; 29] = [
    Q1_Q1[0],
    Q1_Q1[1],
    Q1_Q1[2],
    Q1_Q1[3],
    Q1_Q1[4],
    ab("battery.voltage", 28, 31, AblerexConv::BatteryVoltage, N),
    ab("battery.charge", 28, 31, AblerexConv::Charge, N),
    Q1_Q1[6],
    Q1_Q1[7],
    Q1_Q1[8],
    ab("ups.status", 40, 42, AblerexConv::Bypass, Q).packed(38, 45),
    ab("ups.status", 41, 41, AblerexConv::Failed, Q).packed(38, 45),
    Q1_Q1[10],
    Q1_Q1[11],
    Q1_Q1[12],
    Q1_Q1[13],
    Q1_Q1[14],
    ab_f("output.voltage.nominal", 1, 5, Conv::Num(Fmt::F1)),
    ab_f("output.current.nominal", 7, 9, Conv::Num(Fmt::F1)),
    ab_f("battery.voltage.nominal", 11, 15, Conv::Num(Fmt::F1)),
    ab_f("output.frequency.nominal", 17, 20, Conv::Num(Fmt::F1)),
    ab_f(
        "battery.voltage.low",
        1,
        2,
        Conv::Ablerex(AblerexConv::VoltageLow),
    ),
    ab_f(
        "battery.voltage.high",
        2,
        3,
        Conv::Ablerex(AblerexConv::VoltageHigh),
    ),
    hooked(
        "output.frequency",
        b"Q5\r",
        22,
        b'(',
        1,
        18,
        Conv::Ablerex(AblerexConv::Q5),
        Hook::Binary,
        N,
    ),
    hooked(
        "battery.runtime",
        b"At\r",
        0,
        b'(',
        0,
        END,
        Conv::Ablerex(AblerexConv::Runtime),
        Hook::Binary,
        N,
    ),
    row(
        "ups.test.result",
        b"TR\r",
        0,
        b'#',
        0,
        END,
        Conv::Ablerex(AblerexConv::TestResult),
        N,
    ),
    I_I[0],
    I_I[1],
    I_I[2],
];
pub(super) const ABLEREX_CMDS: [CmdRow; 10] = {
    let mut cmds = MEGATEC_CMDS;
    cmds[1] = cmd("load.off", CmdKind::Fixed(b"S.2\r"), LOOSE);
    cmds
};

// ----- innovart31 / innovart33 -----

const fn q6(var: &'static str, from: usize, to: usize, conv: Conv) -> Row {
    row(var, b"Q6\r", 110, b'(', from, to, conv, N)
}
const fn bps(var: &'static str, from: usize, to: usize) -> Row {
    row(var, b"BPS\r", 24, b'(', from, to, F1, N)
}
const fn phases(var: &'static str, n: &'static str) -> Row {
    row(var, b"", 0, 0, 0, 0, Conv::Const(n), S)
}
/// innovart31/33 firmware and serial.
pub(super) const INNOVART_TAIL: [Row; 2] = [
    row("ups.firmware", b"FW?\r", 0, 0, 0, END, Conv::Text, S),
    row("ups.serial", b"SASV07?\r", 28, 0, 7, END, Conv::Text, ST),
];
pub(super) const INNOVART31_ROWS: [Row; 19] = [
    phases("input.phases", "3"),
    phases("input.bypass.phases", "1"),
    phases("output.phases", "1"),
    q6("input.L1-N.voltage", 1, 5, F1),
    q6("input.L2-N.voltage", 7, 11, F1),
    q6("input.L3-N.voltage", 13, 17, F1),
    q6("input.frequency", 19, 22, F1),
    q6("output.voltage", 24, 28, F1),
    q6("output.frequency", 42, 45, F1),
    q6("ups.load", 47, 49, F0),
    q6("ups.temperature", 71, 74, F1),
    q6("battery.voltage", 59, 63, Conv::BattVolt(Fmt::F1)),
    q6("battery.runtime", 76, 80, F0),
    q6("battery.charge", 82, 84, F0),
    row("output.current", b"WA\r", 80, b'(', 49, 53, F1, N),
    row("ups.realpower", b"WA\r", 80, b'(', 37, 41, Conv::Kilo, N),
    row("ups.power", b"WA\r", 80, b'(', 43, 47, Conv::Kilo, N),
    bps("input.bypass.voltage", 1, 5),
    bps("input.bypass.frequency", 19, 22),
];
pub(super) const INNOVART33_ROWS: [Row; 22] = [
    phases("input.phases", "3"),
    phases("input.bypass.phases", "3"),
    phases("output.phases", "3"),
    q6("input.L1-N.voltage", 1, 5, F1),
    q6("input.L2-N.voltage", 7, 11, F1),
    q6("input.L3-N.voltage", 13, 17, F1),
    q6("input.frequency", 19, 22, F1),
    q6("output.L1-N.voltage", 24, 28, F1),
    q6("output.L2-N.voltage", 30, 34, F1),
    q6("output.L3-N.voltage", 36, 40, F1),
    q6("output.frequency", 42, 45, F1),
    q6("output.L1.load", 47, 49, F0),
    q6("output.L2.load", 51, 53, F0),
    q6("output.L3.load", 55, 57, F0),
    q6("ups.temperature", 71, 74, F1),
    q6("battery.voltage", 59, 63, Conv::BattVolt(Fmt::F1)),
    q6("battery.runtime", 76, 80, F0),
    q6("battery.charge", 82, 84, F0),
    bps("input.bypass.L1-N.voltage", 1, 5),
    bps("input.bypass.L2-N.voltage", 7, 11),
    bps("input.bypass.L3-N.voltage", 13, 17),
    bps("input.bypass.frequency", 19, 22),
];
/// innovart31/33 offer no `beeper.toggle`.
pub(super) const INNOVART_CMDS: [CmdRow; 9] = {
    let m = MEGATEC_CMDS;
    [m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]]
};

// ----- gtec -----

const fn q4(var: &'static str, from: usize, to: usize, conv: Conv) -> Row {
    row(var, b"Q4\r", 64, b'(', from, to, conv, N)
}
pub(super) const GTEC_Q4: [Row; 8] = [
    q4("input.voltage", 1, 5, F1),
    q4("input.voltage.fault", 19, 23, F1),
    q4("output.voltage", 25, 29, F1),
    q4("ups.load", 35, 37, F0),
    q4("input.frequency", 39, 42, F1),
    q4("battery.voltage", 52, 56, F1),
    q4("ups.temperature", 58, 61, F1),
    q4("ups.status", 63, END, Conv::GtecStatus),
];
