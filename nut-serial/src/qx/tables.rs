//! One table per protocol: query rows (qx-protocols §2) and instant
//! commands. Rows shared by several dialects are built by `const fn`s.

mod extra;

use super::protocol::Protocol;
use super::rows::{
    BestupsM, Conv, END, Flags, Fmt, Hook, Mg, MgBit, Q1Bit, QgsBit, QsHexField, Row, hooked, row,
};

const N: Flags = Flags::NONE;
const S: Flags = Flags::STATIC;
const SS: Flags = Flags::SEMI_STATIC;
const Q: Flags = Flags::QUICK;
const ST: Flags = Flags::STATIC.with(Flags::TRIM);
const SN: Flags = Flags::STATIC.with(Flags::NOT_VAR);
const K: Flags = Flags::SKIP;
const F0: Conv = Conv::Num(Fmt::F0);
const F1: Conv = Conv::Num(Fmt::F1);
const F2: Conv = Conv::Num(Fmt::F2);

/// The Megatec Q1-shaped status block (bytes per §2.0), as sent with
/// `query`. `freq_var` names bytes 23–26; `values` are the flags of the
/// seven measurement rows (hunnox reads them on quick polls too).
const fn q1_block(query: &'static [u8], freq_var: &'static str, values: Flags) -> [Row; 15] {
    [
        row("input.voltage", query, 47, b'(', 1, 5, F1, values),
        row("input.voltage.fault", query, 47, b'(', 7, 11, F1, values),
        row("output.voltage", query, 47, b'(', 13, 17, F1, values),
        row("ups.load", query, 47, b'(', 19, 21, F0, values),
        row(freq_var, query, 47, b'(', 23, 26, F1, values),
        row(
            "battery.voltage",
            query,
            47,
            b'(',
            28,
            31,
            Conv::BattVolt(Fmt::F2),
            values,
        ),
        row("ups.temperature", query, 47, b'(', 33, 36, F1, values),
        row(
            "ups.status",
            query,
            47,
            b'(',
            38,
            38,
            Conv::Q1Bit(Q1Bit::UtilityFail),
            Q,
        )
        .packed(38, 45),
        row(
            "ups.status",
            query,
            47,
            b'(',
            39,
            39,
            Conv::Q1Bit(Q1Bit::BatteryLow),
            Q,
        )
        .packed(38, 45),
        row(
            "ups.status",
            query,
            47,
            b'(',
            40,
            40,
            Conv::Q1Bit(Q1Bit::BypassBoostBuck),
            Q,
        )
        .packed(38, 45),
        row(
            "ups.alarm",
            query,
            47,
            b'(',
            41,
            41,
            Conv::Q1Bit(Q1Bit::UpsFailed),
            N,
        )
        .packed(38, 45),
        row(
            "ups.type",
            query,
            47,
            b'(',
            42,
            42,
            Conv::Q1Bit(Q1Bit::UpsType),
            S,
        )
        .packed(38, 45),
        row(
            "ups.status",
            query,
            47,
            b'(',
            43,
            43,
            Conv::Q1Bit(Q1Bit::TestInProgress),
            Q,
        )
        .packed(38, 45),
        row(
            "ups.status",
            query,
            47,
            b'(',
            44,
            44,
            Conv::Q1Bit(Q1Bit::ShutdownActive),
            Q,
        )
        .packed(38, 45),
        row(
            "ups.beeper.status",
            query,
            47,
            b'(',
            45,
            45,
            Conv::Q1Bit(Q1Bit::Beeper),
            N,
        )
        .packed(38, 45),
    ]
}

/// The `F` ratings block with the given names and formats.
const fn f_block(side: [&'static str; 4], fmts: [Fmt; 4]) -> [Row; 4] {
    [
        row(side[0], b"F\r", 22, b'#', 1, 5, Conv::Num(fmts[0]), S),
        row(side[1], b"F\r", 22, b'#', 7, 9, Conv::Num(fmts[1]), S),
        row(side[2], b"F\r", 22, b'#', 11, 15, Conv::Num(fmts[2]), S),
        row(side[3], b"F\r", 22, b'#', 17, 20, Conv::Num(fmts[3]), S),
    ]
}

const INPUT_RATINGS: [&str; 4] = [
    "input.voltage.nominal",
    "input.current.nominal",
    "battery.voltage.nominal",
    "input.frequency.nominal",
];
const MEGATEC_F: [Row; 4] = f_block(INPUT_RATINGS, [Fmt::F0, Fmt::F1, Fmt::F1, Fmt::F0]);

/// The classic 39-byte vendor block.
const fn i_block(query: &'static [u8]) -> [Row; 3] {
    [
        row("device.mfr", query, 39, b'#', 1, 15, Conv::Text, ST),
        row("device.model", query, 39, b'#', 17, 26, Conv::Text, ST),
        row("ups.firmware", query, 39, b'#', 28, 37, Conv::Text, ST),
    ]
}

const Q1_Q1: [Row; 15] = q1_block(b"Q1\r", "input.frequency", N);
const I_I: [Row; 3] = i_block(b"I\r");
const I_FW: [Row; 3] = i_block(b"FW?\r");

const MEGATEC_I: [Row; 5] = [
    row("device.mfr", b"I\r", 38, b'#', 1, 7, Conv::Text, ST),
    row("ups.serial", b"I\r", 38, b'#', 8, 15, Conv::Text, N),
    row("device.model", b"I\r", 38, b'#', 17, 21, Conv::Text, ST),
    row(
        "battery.runtime",
        b"I\r",
        38,
        b'#',
        22,
        26,
        Conv::Text,
        Flags::TRIM,
    ),
    row("ups.firmware", b"I\r", 38, b'#', 28, END, Conv::Text, ST),
];

const MUSTEK_Q1: [Row; 15] = q1_block(b"QS\r", "input.frequency", N);
const OLD_Q1: [Row; 15] = q1_block(b"D\r", "input.frequency", N);
const HUNNOX_Q1: [Row; 15] = q1_block(b"Q1\r", "input.frequency", Q);
const HUNNOX_BL: [Row; 1] = [row(
    "battery.charge",
    b"BL\r",
    6,
    b'B',
    0,
    END,
    Conv::HunnoxBl,
    Q,
)];

const MECER_QPI: [Row; 1] = [row(
    "ups.firmware.aux",
    b"QPI\r",
    6,
    b'(',
    1,
    4,
    Conv::MecerQpi,
    S,
)];

const INNOVATAE_EXTRA: [Row; 2] = [
    row("device.mfr", b"", 0, 0, 0, 0, Conv::Const("Ippon"), S),
    row("ups.firmware", b"I\r", 38, b'#', 28, 35, Conv::Text, ST),
];

const VQS_M_V: [Row; 1] = [row(
    "ups.firmware.aux",
    b"M\r",
    2,
    0,
    0,
    END,
    Conv::QsModel(b"VH"),
    S,
)];
const VQS_QS: [Row; 15] = q1_block(b"QS\r", "output.frequency", N);
const VQS_F: [Row; 4] = f_block(
    [
        "output.voltage.nominal",
        "output.current.nominal",
        "battery.voltage.nominal",
        "output.frequency.nominal",
    ],
    [Fmt::F0, Fmt::F1, Fmt::F1, Fmt::F0],
);
const VQS_QI: [Row; 6] = [
    row("battery.charge", b"QI\r", 49, b'(', 1, 3, F0, N),
    row("battery.runtime", b"QI\r", 49, b'(', 5, 9, F0, N),
    row("input.frequency", b"QI\r", 49, b'(', 11, 14, F1, N),
    row("output.current", b"QI\r", 49, b'(', 16, 20, F1, N),
    row("input.transfer.low", b"QI\r", 49, b'(', 22, 24, F0, S),
    row("input.transfer.high", b"QI\r", 49, b'(', 26, 28, F0, S),
];

const fn hex(
    var: &'static str,
    min: usize,
    from: usize,
    to: usize,
    conv: Conv,
    flags: Flags,
) -> Row {
    hooked(var, b"QS\r", min, b'#', from, to, conv, Hook::QsHex, flags)
}
const VQSH_M: [Row; 1] = [row(
    "ups.firmware.aux",
    b"M\r",
    2,
    0,
    0,
    END,
    Conv::QsModel(b"PT"),
    S,
)];
const VQSH_QS: [Row; 16] = [
    hex(
        "input.voltage",
        47,
        1,
        7,
        Conv::QsHex(QsHexField::Voltage),
        N,
    ),
    hex(
        "output.voltage",
        47,
        9,
        15,
        Conv::QsHex(QsHexField::Voltage),
        N,
    ),
    hex("ups.load", 47, 17, 18, Conv::QsHex(QsHexField::Load), N),
    hex(
        "output.frequency",
        47,
        20,
        30,
        Conv::QsHex(QsHexField::Frequency),
        N,
    ),
    hex(
        "battery.voltage",
        47,
        32,
        36,
        Conv::QsHex(QsHexField::Battery),
        N,
    ),
    hex("ups.status", 47, 38, 38, Conv::Q1Bit(Q1Bit::UtilityFail), Q).packed(38, 45),
    hex("ups.status", 47, 39, 39, Conv::Q1Bit(Q1Bit::BatteryLow), Q).packed(38, 45),
    hex(
        "ups.status",
        47,
        40,
        40,
        Conv::Q1Bit(Q1Bit::BypassBoostBuck),
        Q,
    )
    .packed(38, 45),
    hex("ups.alarm", 47, 41, 41, Conv::Q1Bit(Q1Bit::UpsFailed), N).packed(38, 45),
    hex("ups.type", 47, 42, 42, Conv::Q1Bit(Q1Bit::UpsType), S).packed(38, 45),
    hex(
        "ups.status",
        47,
        43,
        43,
        Conv::Q1Bit(Q1Bit::TestInProgress),
        Q,
    )
    .packed(38, 45),
    hex(
        "ups.status",
        47,
        44,
        44,
        Conv::Q1Bit(Q1Bit::ShutdownActive),
        Q,
    )
    .packed(38, 45),
    hex(
        "ups.beeper.status",
        47,
        45,
        45,
        Conv::Q1Bit(Q1Bit::Beeper),
        N,
    )
    .packed(38, 45),
    hex(
        "output.frequency.nominal",
        56,
        47,
        47,
        Conv::QsHex(QsHexField::NominalFrequency),
        K,
    )
    .packed(47, 54),
    hex(
        "battery.voltage.nominal",
        56,
        48,
        49,
        Conv::QsHex(QsHexField::NominalBattery),
        K,
    )
    .packed(47, 54),
    hex(
        "output.voltage.nominal",
        56,
        52,
        54,
        Conv::QsHex(QsHexField::NominalOutput),
        K,
    )
    .packed(47, 54),
];

const BESTUPS_ROWS: [Row; 31] = [
    row("input.voltage", b"Q1\r", 47, b'(', 1, 5, F1, N),
    row("input.voltage.fault", b"Q1\r", 47, b'(', 7, 11, F1, N),
    row("output.voltage", b"Q1\r", 47, b'(', 13, 17, F1, N),
    row("ups.load", b"Q1\r", 47, b'(', 19, 21, F0, N),
    row("input.frequency", b"Q1\r", 47, b'(', 23, 26, F1, N),
    row(
        "battery.voltage",
        b"Q1\r",
        47,
        b'(',
        28,
        31,
        Conv::BattVolt(Fmt::F2),
        N,
    ),
    row("ups.temperature", b"Q1\r", 47, b'(', 33, 36, F1, N),
    row(
        "ups.status",
        b"Q1\r",
        47,
        b'(',
        38,
        38,
        Conv::Q1Bit(Q1Bit::UtilityFail),
        Q,
    )
    .packed(38, 45),
    row(
        "ups.status",
        b"Q1\r",
        47,
        b'(',
        39,
        39,
        Conv::Q1Bit(Q1Bit::BatteryLow),
        Q,
    )
    .packed(38, 45),
    row(
        "ups.alarm",
        b"Q1\r",
        47,
        b'(',
        41,
        41,
        Conv::Q1Bit(Q1Bit::UpsFailed),
        N,
    )
    .packed(38, 45),
    row(
        "ups.type",
        b"Q1\r",
        47,
        b'(',
        42,
        42,
        Conv::Q1Bit(Q1Bit::UpsType),
        S,
    )
    .packed(38, 45),
    row(
        "ups.status",
        b"Q1\r",
        47,
        b'(',
        43,
        43,
        Conv::Q1Bit(Q1Bit::TestInProgress),
        Q,
    )
    .packed(38, 45),
    row(
        "ups.status",
        b"Q1\r",
        47,
        b'(',
        44,
        44,
        Conv::Q1Bit(Q1Bit::ShutdownActive),
        Q,
    )
    .packed(38, 45),
    row(
        "ups.status",
        b"Q1\r",
        47,
        b'(',
        40,
        40,
        Conv::BestupsBit40,
        Q,
    )
    .packed(38, 45),
    hooked(
        "device.mfr",
        b"ID\r",
        28,
        0,
        0,
        2,
        Conv::BestupsMfr,
        Hook::BestupsId,
        S,
    ),
    hooked(
        "device.model",
        b"ID\r",
        28,
        0,
        0,
        2,
        Conv::BestupsModel,
        Hook::BestupsId,
        S,
    ),
    hooked(
        "ups.power.nominal",
        b"ID\r",
        28,
        0,
        4,
        7,
        F0,
        Hook::BestupsId,
        S,
    ),
    hooked(
        "input.voltage.nominal",
        b"ID\r",
        28,
        0,
        9,
        11,
        F0,
        Hook::BestupsId,
        S,
    ),
    hooked(
        "output.voltage.nominal",
        b"ID\r",
        28,
        0,
        13,
        15,
        F0,
        Hook::BestupsId,
        S,
    ),
    hooked(
        "battery.voltage.low",
        b"ID\r",
        28,
        0,
        17,
        20,
        F1,
        Hook::BestupsId,
        SS,
    ),
    hooked(
        "battery.voltage.high",
        b"ID\r",
        28,
        0,
        22,
        26,
        F1,
        Hook::BestupsId,
        SS,
    ),
    row(
        "battery.runtime",
        b"RT\r",
        4,
        0,
        0,
        2,
        Conv::DigitsMinutes,
        K,
    ),
    row(
        "battery.packs",
        b"BP?\r",
        3,
        0,
        0,
        1,
        Conv::Num(Fmt::Int),
        SS.with(K),
    ),
    row(
        "input.transfer.low",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::Low),
        N,
    ),
    row(
        "input.transfer.boost.low",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::Low),
        N,
    ),
    row(
        "input.transfer.boost.high",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::Boost),
        N,
    ),
    row(
        "input.voltage.nominal",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::Nominal),
        N,
    ),
    row(
        "output.voltage.nominal",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::Nominal),
        N,
    ),
    row(
        "input.transfer.trim.low",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::Buck),
        N,
    ),
    row(
        "input.transfer.trim.high",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::High),
        N,
    ),
    row(
        "input.transfer.high",
        b"M\r",
        2,
        0,
        0,
        END,
        Conv::BestupsM(BestupsM::High),
        N,
    ),
];

const fn qgs(var: &'static str, from: usize, to: usize, conv: Conv, flags: Flags) -> Row {
    row(var, b"QGS\r", 76, b'(', from, to, conv, flags)
}
const VOLTRONIC_ROWS: [Row; 50] = [
    row(
        "ups.firmware.aux",
        b"QPI\r",
        6,
        b'(',
        1,
        4,
        Conv::VoltronicQpi,
        S,
    ),
    row("output.voltage.nominal", b"QRI\r", 22, b'(', 1, 5, F1, S),
    row("output.current.nominal", b"QRI\r", 22, b'(', 7, 9, F0, S),
    row(
        "battery.voltage.nominal",
        b"QRI\r",
        22,
        b'(',
        11,
        15,
        F1,
        SS,
    ),
    row(
        "output.frequency.nominal",
        b"QRI\r",
        22,
        b'(',
        17,
        20,
        F1,
        S,
    ),
    row("device.model", b"QMD\r", 48, b'(', 1, 15, Conv::Text, ST),
    row(
        "ups.power.nominal",
        b"QMD\r",
        48,
        b'(',
        17,
        23,
        Conv::Text,
        ST,
    ),
    row(
        "output.powerfactor",
        b"QMD\r",
        48,
        b'(',
        25,
        26,
        Conv::PowerFactor,
        S,
    ),
    row("input.phases", b"QMD\r", 48, b'(', 28, 28, F0, S),
    row("output.phases", b"QMD\r", 48, b'(', 30, 30, F0, S),
    row("input.voltage.nominal", b"QMD\r", 48, b'(', 32, 34, F1, S),
    row("output.voltage.nominal", b"QMD\r", 48, b'(', 36, 38, F1, S),
    row("input.voltage.nominal", b"F\r", 22, b'#', 1, 5, F1, S),
    row("input.current.nominal", b"F\r", 22, b'#', 7, 9, F1, S),
    row("battery.voltage.nominal", b"F\r", 22, b'#', 11, 15, F1, S),
    row("input.frequency.nominal", b"F\r", 22, b'#', 17, 20, F1, S),
    row("device.mfr", b"QMF\r", 2, b'(', 1, END, Conv::Text, ST),
    row("ups.firmware", b"QVFW\r", 16, b'(', 7, 14, Conv::Text, S),
    row(
        "device.serial",
        b"QID\r",
        2,
        b'(',
        1,
        END,
        Conv::NonZeroSerial,
        S,
    ),
    row("device.mfr", b"I\r", 39, b'#', 1, 15, Conv::Text, ST),
    row("device.model", b"I\r", 39, b'#', 17, 26, Conv::Text, ST),
    row("ups.firmware", b"I\r", 39, b'#', 28, 37, Conv::Text, ST),
    qgs("input.voltage", 1, 5, F1, N),
    qgs("input.frequency", 7, 10, F1, N),
    qgs("output.voltage", 12, 16, F1, N),
    qgs("output.frequency", 18, 21, F1, N),
    qgs("output.current", 23, 27, F1, N),
    qgs("ups.load", 29, 31, F0, N),
    qgs("battery.voltage", 45, 49, Conv::BattVolt(Fmt::F2), N),
    qgs("ups.temperature", 57, 61, F1, N),
    qgs("ups.type", 63, 64, Conv::QgsType, SS).packed(63, 74),
    qgs("ups.status", 65, 65, Conv::QgsBit(QgsBit::UtilityFail), Q).packed(63, 74),
    qgs("ups.status", 66, 66, Conv::QgsBit(QgsBit::BatteryLow), Q).packed(63, 74),
    qgs(
        "ups.status",
        67,
        67,
        Conv::QgsBit(QgsBit::BypassBoostBuck),
        Q,
    )
    .packed(63, 74),
    qgs("ups.alarm", 67, 67, Conv::QgsBit(QgsBit::BypassAlarm), N).packed(63, 74),
    qgs(
        "ups.status",
        70,
        70,
        Conv::QgsBit(QgsBit::TestInProgress),
        Q,
    )
    .packed(63, 74),
    qgs(
        "ups.status",
        71,
        71,
        Conv::QgsBit(QgsBit::ShutdownActive),
        Q,
    )
    .packed(63, 74),
    qgs("ups.beeper.status", 72, 72, Conv::QgsBit(QgsBit::Beeper), N).packed(63, 74),
    row("ups.alarm", b"QMOD\r", 3, b'(', 1, 1, Conv::QmodAlarm, N),
    row("ups.status", b"QMOD\r", 3, b'(', 1, 1, Conv::QmodStatus, N),
    row("ups.alarm", b"QWS\r", 66, b'(', 1, 64, Conv::Qws, N),
    row(
        "battery.voltage",
        b"QBV\r",
        21,
        b'(',
        1,
        5,
        Conv::BattVolt(Fmt::F2),
        N,
    ),
    row("battery.packs", b"QBV\r", 21, b'(', 10, 11, F0, SS),
    row("battery.charge", b"QBV\r", 21, b'(', 13, 15, F0, N),
    row(
        "battery.runtime",
        b"QBV\r",
        21,
        b'(',
        17,
        END,
        Conv::Minutes,
        N,
    ),
    row(
        "output.power.minimum.percent",
        b"QLDL\r",
        9,
        b'(',
        1,
        3,
        F0,
        N,
    ),
    row(
        "output.power.maximum.percent",
        b"QLDL\r",
        9,
        b'(',
        5,
        7,
        F0,
        N,
    ),
    row(
        "input.transfer.high",
        b"QHE\r",
        9,
        b'(',
        1,
        3,
        F0,
        SS.with(K),
    ),
    row(
        "input.transfer.low",
        b"QHE\r",
        9,
        b'(',
        5,
        7,
        F0,
        SS.with(K),
    ),
    row("ups.alarm", b"QFS\r", 4, b'(', 1, 2, Conv::Text, K),
];

const fn q2row(
    var: &'static str,
    query: &'static [u8],
    min: usize,
    from: usize,
    to: usize,
    conv: Conv,
) -> Row {
    row(var, query, min, b'(', from, to, conv, N)
}
const WA_ROWS: [Row; 12] = [
    q2row("output.L1.realpower", b"WA\r", 80, 1, 5, Conv::Kilo),
    q2row("output.L2.realpower", b"WA\r", 80, 7, 11, Conv::Kilo),
    q2row("output.L3.realpower", b"WA\r", 80, 13, 17, Conv::Kilo),
    q2row("output.L1.power", b"WA\r", 80, 19, 23, Conv::Kilo),
    q2row("output.L2.power", b"WA\r", 80, 25, 29, Conv::Kilo),
    q2row("output.L3.power", b"WA\r", 80, 31, 35, Conv::Kilo),
    q2row("output.L1.current", b"WA\r", 80, 49, 53, F1),
    q2row("output.L2.current", b"WA\r", 80, 55, 59, F1),
    q2row("output.L3.current", b"WA\r", 80, 61, 65, F1),
    q2row("ups.realpower", b"WA\r", 80, 37, 41, Conv::Kilo),
    q2row("ups.power", b"WA\r", 80, 43, 47, Conv::Kilo),
    q2row("ups.load", b"WA\r", 80, 67, 69, F0),
];
/// q2/q6 read only the status part of Q1.
const Q1_STATUS_ONLY: [Row; 8] = [
    Q1_Q1[7], Q1_Q1[8], Q1_Q1[9], Q1_Q1[10], Q1_Q1[11], Q1_Q1[12], Q1_Q1[13], Q1_Q1[14],
];
const Q2_ROWS: [Row; 17] = [
    q2row("input.L1-N.voltage", b"Q2\r", 118, 1, 5, F1),
    q2row("input.L2-N.voltage", b"Q2\r", 118, 7, 11, F1),
    q2row("input.L3-N.voltage", b"Q2\r", 118, 13, 17, F1),
    q2row("input.voltage.fault", b"Q2\r", 118, 19, 23, F1),
    q2row("input.frequency", b"Q2\r", 118, 55, 58, F1),
    q2row("output.L1-N.voltage", b"Q2\r", 118, 25, 29, F1),
    q2row("output.L2-N.voltage", b"Q2\r", 118, 31, 35, F1),
    q2row("output.L3-N.voltage", b"Q2\r", 118, 37, 41, F1),
    q2row("output.L1.load", b"Q2\r", 118, 43, 45, F0),
    q2row("output.L2.load", b"Q2\r", 118, 47, 49, F0),
    q2row("output.L3.load", b"Q2\r", 118, 51, 53, F0),
    q2row("ups.temperature", b"Q2\r", 118, 66, 69, F1),
    q2row(
        "battery.voltage",
        b"Q2\r",
        118,
        60,
        64,
        Conv::BattVolt(Fmt::F1),
    ),
    q2row("battery.runtime", b"Q2\r", 118, 80, 85, Conv::Minutes),
    q2row("battery.charge", b"Q2\r", 118, 87, 89, F0),
    row(
        "experimental.input.topology",
        b"Q2\r",
        118,
        b'(',
        115,
        115,
        Conv::Topology,
        S,
    )
    .packed(115, 116),
    row(
        "experimental.output.topology",
        b"Q2\r",
        118,
        b'(',
        116,
        116,
        Conv::Topology,
        S,
    )
    .packed(115, 116),
];
const Q6_ROWS: [Row; 18] = [
    q2row("input.L1-N.voltage", b"Q6\r", 110, 1, 5, F1),
    q2row("input.L2-N.voltage", b"Q6\r", 110, 7, 11, F1),
    q2row("input.L3-N.voltage", b"Q6\r", 110, 13, 17, F1),
    q2row("input.frequency", b"Q6\r", 110, 19, 22, F1),
    q2row("output.L1-N.voltage", b"Q6\r", 110, 24, 28, F1),
    q2row("output.L2-N.voltage", b"Q6\r", 110, 30, 34, F1),
    q2row("output.L3-N.voltage", b"Q6\r", 110, 36, 40, F1),
    q2row("output.frequency", b"Q6\r", 110, 42, 45, F1),
    q2row("output.L1.load", b"Q6\r", 110, 47, 49, F0),
    q2row("output.L2.load", b"Q6\r", 110, 51, 53, F0),
    q2row("output.L3.load", b"Q6\r", 110, 55, 57, F0),
    q2row("ups.temperature", b"Q6\r", 110, 71, 74, F1),
    q2row(
        "battery.voltage",
        b"Q6\r",
        110,
        59,
        63,
        Conv::BattVolt(Fmt::F1),
    ),
    q2row("battery.runtime", b"Q6\r", 110, 76, 80, F0),
    q2row("battery.charge", b"Q6\r", 110, 82, 84, F0),
    q2row(
        "experimental.battery.voltage.negative",
        b"Q6\r",
        110,
        65,
        69,
        Conv::BattVolt(Fmt::F1),
    ),
    row(
        "experimental.input.topology",
        b"Q6\r",
        110,
        b'(',
        107,
        107,
        Conv::Topology,
        S,
    )
    .packed(107, 108),
    row(
        "experimental.output.topology",
        b"Q6\r",
        110,
        b'(',
        108,
        108,
        Conv::Topology,
        S,
    )
    .packed(107, 108),
];

const fn wh(var: &'static str, from: usize, to: usize, conv: Conv, flags: Flags) -> Row {
    row(var, b"WH\r", 113, b'(', from, to, conv, flags)
}
const fn q3(
    var: &'static str,
    min: usize,
    from: usize,
    to: usize,
    conv: Conv,
    flags: Flags,
) -> Row {
    row(var, b"Q3\r", min, b'(', from, to, conv, flags)
}
const MASTERGUARD_ROWS: [Row; 45] = [
    row("device.mfr", b"", 0, 0, 0, 0, Conv::Const("Masterguard"), S),
    row("load.high", b"", 0, 0, 0, 0, Conv::Const("140"), S),
    row("battery.type", b"", 0, 0, 0, 0, Conv::Const("PbAc"), S),
    wh("ups.id", 1, 2, Conv::Mg(Mg::SlaveAddress), SS),
    wh("ups.firmware", 4, 8, Conv::Text, S),
    wh("ups.firmware.aux", 10, 14, Conv::Text, S),
    wh("experimental.series", 16, 16, Conv::Mg(Mg::Series), SN),
    wh("device.model", 16, 45, Conv::Mg(Mg::Model), S),
    wh("ups.power.nominal", 16, 45, Conv::Mg(Mg::Power), S),
    wh("input.voltage.nominal", 49, 51, F0, S),
    wh("input.frequency.nominal", 53, 57, F2, S),
    wh(
        "experimental.number_of_battery_cells",
        59,
        61,
        Conv::Mg(Mg::Cells),
        SN,
    ),
    wh(
        "battery.voltage.nominal",
        63,
        67,
        Conv::Mg(Mg::CellsTimes),
        S,
    ),
    wh("ambient.0.temperature.low", 87, 88, F0, S),
    wh("ambient.0.temperature.high", 90, 91, F0, S),
    wh("input.voltage.low.critical", 93, 95, F0, S),
    wh("input.voltage.high.critical", 97, 99, F0, S),
    wh("input.frequency.low", 101, 105, F2, S),
    wh("input.frequency.high", 107, 111, F2, S),
    q3("input.voltage", 71, 4, 8, F1, N),
    q3("output.voltage", 71, 16, 20, F1, N),
    q3("ups.load", 71, 22, 24, F0, N),
    q3("ups.power", 71, 22, 24, Conv::Mg(Mg::UpsPower), N),
    q3("output.current", 71, 22, 24, Conv::Mg(Mg::OutputCurrent), N),
    q3("input.frequency", 71, 26, 29, F1, N),
    q3("battery.voltage", 71, 31, 35, Conv::Mg(Mg::CellsTimes), N),
    q3("ups.temperature", 71, 37, 40, F1, N),
    q3("ambient.0.temperature", 71, 37, 40, F1, N),
    q3("battery.runtime", 71, 42, 47, Conv::Mg(Mg::MinSec), N),
    q3("battery.charge", 71, 49, 51, F0, N),
    q3(
        "ups.status",
        71,
        53,
        53,
        Conv::Mg(Mg::Bit(MgBit::UtilityFail)),
        Q,
    )
    .packed(53, 60),
    q3(
        "ups.status",
        71,
        54,
        54,
        Conv::Mg(Mg::Bit(MgBit::BatteryLow)),
        Q,
    )
    .packed(53, 60),
    q3(
        "ups.status",
        71,
        55,
        55,
        Conv::Mg(Mg::Bit(MgBit::Bypass)),
        Q,
    )
    .packed(53, 60),
    q3(
        "ups.alarm",
        71,
        56,
        56,
        Conv::Mg(Mg::Bit(MgBit::UpsFailed)),
        Q,
    )
    .packed(53, 60),
    q3("ups.type", 71, 57, 57, Conv::Mg(Mg::Bit(MgBit::UpsType)), S).packed(53, 60),
    q3("ups.status", 71, 58, 58, Conv::Mg(Mg::Bit(MgBit::Test)), Q).packed(53, 60),
    q3(
        "ups.status",
        71,
        59,
        59,
        Conv::Mg(Mg::Bit(MgBit::ShutdownActive)),
        Q,
    )
    .packed(53, 60),
    q3(
        "ups.alarm",
        69,
        63,
        63,
        Conv::Mg(Mg::Bit(MgBit::Parallel)),
        Q,
    )
    .packed(62, 69),
    q3(
        "ups.status",
        71,
        65,
        65,
        Conv::Mg(Mg::Bit(MgBit::ReplaceBattery)),
        Q,
    )
    .packed(62, 69),
    q3(
        "ups.alarm",
        71,
        66,
        66,
        Conv::Mg(Mg::Bit(MgBit::NoBattery)),
        Q,
    )
    .packed(62, 69),
    q3("ups.test.result", 71, 67, 69, Conv::Mg(Mg::TestResult), Q).packed(62, 69),
    row("battery.packs", b"GS,XX\r", 0, b'(', 7, 7, F0, SS),
    row(
        "ups.beeper.status",
        b"GS,XX\r",
        11,
        b'(',
        9,
        9,
        Conv::Mg(Mg::Beeper),
        SS,
    )
    .packed(9, 9),
    row("battery.charge", b"GBS,XX\r", 43, b'(', 4, 6, F0, N),
    row(
        "experimental.output_voltages",
        b"MSO\r",
        5,
        b'(',
        1,
        END,
        Conv::Text,
        SN,
    ),
];
const MASTERGUARD_TAIL: [Row; 4] = [
    row("device.part", b"GSN,XX\r", 25, b'(', 8, 18, Conv::Text, ST),
    row(
        "device.serial",
        b"GSN,XX\r",
        25,
        b'(',
        20,
        23,
        Conv::Text,
        S,
    ),
    row("output.voltage.nominal", b"PNV\r", 8, b'(', 5, 7, F0, SS),
    row(
        "output.current.nominal",
        b"PNV\r",
        8,
        b'(',
        5,
        7,
        Conv::Mg(Mg::OutputCurrentNominal),
        SS,
    ),
];

/// How the outgoing bytes of an instant command are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmdKind {
    /// Sent verbatim.
    Fixed(&'static [u8]),
    /// `S<off>[R<on>]` (§1.11).
    ShutdownReturn(Style),
    /// `S<off>R0000` (bestups and masterguard: `S<off>`).
    ShutdownStayoff(Style),
    /// `T<duration>` (§1.11).
    TestBattery(Style),
    /// voltronic `BZON`/`BZOFF` from `ups.beeper.status`.
    BeeperToggle,
    /// OMRON `S<d>` (`true`: stay off, `Sf<d>`), preceded by `An`/`Af`
    /// (qx-protocols §2.1).
    OmronShutdown(bool),
}

/// The dialect of a command builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The shared blazer helpers.
    Megatec,
    /// BestUPS (stay-off without `R0000`).
    Bestups,
    /// Voltronic (up to 99 minutes, `T.<n>`).
    Voltronic,
    /// Mecer (voltronic test rule with a P98-dependent minimum).
    Mecer,
    /// Masterguard (on-delay in seconds, own test rule).
    Masterguard,
}

/// How a command's reply is judged (§1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Minimum reply length (0 = silence is fine).
    pub min_len: usize,
    /// Required lead byte.
    pub lead: Option<u8>,
    /// Compared window start.
    pub from: usize,
    /// Compared window end (inclusive), `None` = up to CR.
    pub to: Option<usize>,
}

/// One instant command of a protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmdRow {
    /// NUT command name.
    pub name: &'static str,
    /// Builder.
    pub kind: CmdKind,
    /// Reply check.
    pub check: Check,
    /// Initially disabled (switched on by a row).
    pub skip: bool,
}

const LOOSE: Check = Check {
    min_len: 0,
    lead: None,
    from: 0,
    to: None,
};
const LOOSE13: Check = Check {
    min_len: 0,
    lead: None,
    from: 1,
    to: Some(3),
};
const ACKED: Check = Check {
    min_len: 5,
    lead: Some(b'('),
    from: 1,
    to: Some(3),
};

const fn cmd(name: &'static str, kind: CmdKind, check: Check) -> CmdRow {
    CmdRow {
        name,
        kind,
        check,
        skip: false,
    }
}

const fn megatec_cmds(check: Check, test: Style) -> [CmdRow; 10] {
    [
        cmd("beeper.toggle", CmdKind::Fixed(b"Q\r"), check),
        cmd("load.off", CmdKind::Fixed(b"S00R0000\r"), check),
        cmd("load.on", CmdKind::Fixed(b"C\r"), check),
        cmd(
            "shutdown.return",
            CmdKind::ShutdownReturn(Style::Megatec),
            check,
        ),
        cmd(
            "shutdown.stayoff",
            CmdKind::ShutdownStayoff(Style::Megatec),
            check,
        ),
        cmd("shutdown.stop", CmdKind::Fixed(b"C\r"), check),
        cmd("test.battery.start", CmdKind::TestBattery(test), check),
        cmd("test.battery.start.deep", CmdKind::Fixed(b"TL\r"), check),
        cmd("test.battery.start.quick", CmdKind::Fixed(b"T\r"), check),
        cmd("test.battery.stop", CmdKind::Fixed(b"CT\r"), check),
    ]
}

const MEGATEC_CMDS: [CmdRow; 10] = megatec_cmds(LOOSE, Style::Megatec);
const MECER_CMDS: [CmdRow; 10] = megatec_cmds(ACKED, Style::Mecer);
const VQS_CMDS: [CmdRow; 7] = [
    cmd("beeper.toggle", CmdKind::Fixed(b"Q\r"), LOOSE13),
    cmd("load.off", CmdKind::Fixed(b"S00R0000\r"), LOOSE13),
    cmd("load.on", CmdKind::Fixed(b"C\r"), LOOSE13),
    cmd(
        "shutdown.return",
        CmdKind::ShutdownReturn(Style::Megatec),
        LOOSE13,
    ),
    cmd(
        "shutdown.stayoff",
        CmdKind::ShutdownStayoff(Style::Megatec),
        LOOSE13,
    ),
    cmd("shutdown.stop", CmdKind::Fixed(b"C\r"), LOOSE13),
    cmd("test.battery.start.quick", CmdKind::Fixed(b"T\r"), LOOSE13),
];
const VQSH_CMDS: [CmdRow; 7] = [
    cmd("beeper.toggle", CmdKind::Fixed(b"Q\r"), LOOSE),
    cmd("load.off", CmdKind::Fixed(b"S00R0000\r"), LOOSE),
    cmd("load.on", CmdKind::Fixed(b"C\r"), LOOSE),
    cmd(
        "shutdown.return",
        CmdKind::ShutdownReturn(Style::Megatec),
        LOOSE,
    ),
    cmd(
        "shutdown.stayoff",
        CmdKind::ShutdownStayoff(Style::Megatec),
        LOOSE,
    ),
    cmd("shutdown.stop", CmdKind::Fixed(b"C\r"), LOOSE),
    CmdRow {
        name: "test.battery.start.quick",
        kind: CmdKind::Fixed(b"T\r"),
        check: LOOSE,
        skip: true,
    },
];
const BESTUPS_CMDS: [CmdRow; 9] = [
    cmd(
        "shutdown.return",
        CmdKind::ShutdownReturn(Style::Megatec),
        LOOSE,
    ),
    cmd(
        "shutdown.stayoff",
        CmdKind::ShutdownStayoff(Style::Bestups),
        LOOSE,
    ),
    cmd("shutdown.stop", CmdKind::Fixed(b"C\r"), LOOSE),
    cmd("load.on", CmdKind::Fixed(b"C\r"), LOOSE),
    cmd("load.off", CmdKind::Fixed(b"S00R0000\r"), LOOSE),
    cmd(
        "test.battery.start",
        CmdKind::TestBattery(Style::Megatec),
        LOOSE,
    ),
    cmd("test.battery.start.deep", CmdKind::Fixed(b"TL\r"), LOOSE),
    cmd("test.battery.start.quick", CmdKind::Fixed(b"T\r"), LOOSE),
    cmd("test.battery.stop", CmdKind::Fixed(b"CT\r"), LOOSE),
];
const VOLTRONIC_CMDS: [CmdRow; 10] = [
    cmd("load.off", CmdKind::Fixed(b"SOFF\r"), ACKED),
    cmd("load.on", CmdKind::Fixed(b"SON\r"), ACKED),
    cmd(
        "shutdown.return",
        CmdKind::ShutdownReturn(Style::Voltronic),
        ACKED,
    ),
    cmd(
        "shutdown.stayoff",
        CmdKind::ShutdownStayoff(Style::Voltronic),
        ACKED,
    ),
    cmd("shutdown.stop", CmdKind::Fixed(b"CS\r"), ACKED),
    cmd(
        "test.battery.start",
        CmdKind::TestBattery(Style::Voltronic),
        ACKED,
    ),
    cmd("test.battery.start.deep", CmdKind::Fixed(b"TL\r"), ACKED),
    cmd("test.battery.start.quick", CmdKind::Fixed(b"T\r"), ACKED),
    cmd("test.battery.stop", CmdKind::Fixed(b"CT\r"), ACKED),
    cmd("beeper.toggle", CmdKind::BeeperToggle, ACKED),
];
const MASTERGUARD_CMDS: [CmdRow; 13] = [
    cmd(
        "shutdown.return",
        CmdKind::ShutdownReturn(Style::Masterguard),
        LOOSE,
    ),
    cmd(
        "shutdown.stayoff",
        CmdKind::ShutdownStayoff(Style::Masterguard),
        LOOSE,
    ),
    cmd("shutdown.stop", CmdKind::Fixed(b"C\r"), LOOSE),
    cmd(
        "test.battery.start",
        CmdKind::TestBattery(Style::Masterguard),
        LOOSE,
    ),
    cmd("test.battery.start.quick", CmdKind::Fixed(b"T\r"), LOOSE),
    cmd("test.battery.start.low", CmdKind::Fixed(b"TL\r"), LOOSE),
    cmd(
        "test.battery.start.deep",
        CmdKind::Fixed(b"TUD,XX\r"),
        LOOSE,
    ),
    cmd("test.battery.stop", CmdKind::Fixed(b"CT\r"), LOOSE),
    cmd("clear.fault.record", CmdKind::Fixed(b"FCLR,XX\r"), LOOSE),
    cmd("bypass.start", CmdKind::Fixed(b"FOFF\r"), LOOSE),
    cmd("bypass.stop", CmdKind::Fixed(b"FON\r"), LOOSE),
    cmd("beeper.enable", CmdKind::Fixed(b"SS---1,XX\r"), LOOSE),
    cmd("beeper.disable", CmdKind::Fixed(b"SS---0,XX\r"), LOOSE),
];

/// A protocol's rows and commands.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The protocol.
    pub protocol: Protocol,
    /// Row groups, in table order.
    pub groups: &'static [&'static [Row]],
    /// Instant commands.
    pub commands: &'static [CmdRow],
}

impl Table {
    /// All rows in order.
    pub fn rows(&self) -> Vec<Row> {
        self.groups.iter().flat_map(|g| g.iter().copied()).collect()
    }
}

/// The table of `protocol` (`None` is kept for protocols a later NUT may
/// add; every protocol of [`PROBE_ORDER`](super::protocol::PROBE_ORDER)
/// has one).
pub fn table(protocol: Protocol) -> Option<Table> {
    let (groups, commands): (&'static [&'static [Row]], &'static [CmdRow]) = match protocol {
        Protocol::Megatec => (&[&Q1_Q1, &MEGATEC_F, &MEGATEC_I], &MEGATEC_CMDS),
        Protocol::Q1 => (&[&Q1_Q1], &MEGATEC_CMDS),
        Protocol::Zinto => (&[&Q1_Q1, &MEGATEC_F, &I_FW], &MEGATEC_CMDS),
        Protocol::Mustek => (&[&MUSTEK_Q1, &MEGATEC_F, &I_I], &MEGATEC_CMDS),
        Protocol::MegatecOld => (&[&OLD_Q1, &MEGATEC_F, &I_I], &MEGATEC_CMDS),
        Protocol::Hunnox => (&[&HUNNOX_Q1, &MEGATEC_F, &I_FW, &HUNNOX_BL], &MEGATEC_CMDS),
        Protocol::Mecer => (&[&MECER_QPI, &Q1_Q1, &MEGATEC_F, &I_I], &MECER_CMDS),
        Protocol::Innovatae => (&[&INNOVATAE_EXTRA, &Q1_Q1, &MEGATEC_F], &MEGATEC_CMDS),
        Protocol::VoltronicQs => (&[&VQS_M_V, &VQS_QS, &VQS_F, &VQS_QI], &VQS_CMDS),
        Protocol::VoltronicQsHex => (&[&VQSH_M, &VQSH_QS], &VQSH_CMDS),
        Protocol::Bestups => (&[&BESTUPS_ROWS], &BESTUPS_CMDS),
        Protocol::Voltronic => (&[&VOLTRONIC_ROWS], &VOLTRONIC_CMDS),
        Protocol::Q2 => (
            &[&Q2_ROWS, &WA_ROWS, &Q1_STATUS_ONLY, &MEGATEC_F],
            &MEGATEC_CMDS,
        ),
        Protocol::Q6 => (
            &[&Q6_ROWS, &WA_ROWS, &Q1_STATUS_ONLY, &MEGATEC_F],
            &MEGATEC_CMDS,
        ),
        Protocol::Masterguard => (&[&MASTERGUARD_ROWS, &MASTERGUARD_TAIL], &MASTERGUARD_CMDS),
        Protocol::Omron => (&[&extra::OMRON_ROWS, &extra::OMRON_UN], &extra::OMRON_CMDS),
        Protocol::VoltronicAxpert => (&[&extra::AXPERT_ROWS, &extra::AXPERT_MODE], &[]),
        Protocol::Ablerex => (&[&extra::ABLEREX_ROWS], &extra::ABLEREX_CMDS),
        Protocol::Innovart31 => (
            &[
                &extra::INNOVART31_ROWS,
                &MEGATEC_F,
                &extra::INNOVART_TAIL,
                &Q1_STATUS_ONLY,
            ],
            &extra::INNOVART_CMDS,
        ),
        Protocol::Innovart33 => (
            &[
                &extra::INNOVART33_ROWS,
                &WA_ROWS,
                &MEGATEC_F,
                &extra::INNOVART_TAIL,
                &Q1_STATUS_ONLY,
            ],
            &extra::INNOVART_CMDS,
        ),
        Protocol::Gtec => (&[&extra::GTEC_Q4, &MEGATEC_F, &I_I], &MEGATEC_CMDS),
    };
    Some(Table {
        protocol,
        groups,
        commands,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::protocol::PROBE_ORDER;

    #[test]
    fn every_implemented_protocol_has_a_table_with_status_rows() {
        for p in PROBE_ORDER.iter().copied().filter(|p| p.is_implemented()) {
            let t = table(p).expect("implemented");
            let rows = t.rows();
            assert!(rows.iter().any(|r| r.is_status()), "{p}");
            for r in &rows {
                if let Some(to) = r.to {
                    assert!(r.from <= to, "{p} {}", r.var);
                    if r.min_len > 0 {
                        // The field lies inside the minimum reply, before its CR.
                        assert!(to < r.min_len.max(to + 1), "{p} {}", r.var);
                    }
                }
                assert!(
                    r.query.is_empty() || r.query.ends_with(b"\r"),
                    "{p} {}",
                    r.var
                );
            }
            // voltronic-axpert's default build has no instant commands.
            assert_eq!(t.commands.is_empty(), p == Protocol::VoltronicAxpert, "{p}");
        }
    }

    #[test]
    fn fields_fit_their_minimum_length() {
        for p in PROBE_ORDER.iter().copied().filter(|p| p.is_implemented()) {
            for r in table(p).expect("implemented").rows() {
                if let (Some(to), true) = (r.to, r.min_len > 0) {
                    assert!(to < r.min_len, "{p} {} {to} vs {}", r.var, r.min_len);
                }
            }
        }
    }
}
