//! NUT's VID:PID → bridge table for USB autodetection (qx-protocols
//! §3.2), in match order: the first entry whose ids and strings match
//! and whose bridge is defined wins.

use super::Bridge;

/// One row of the autodetection table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableEntry {
    /// USB vendor id.
    pub vendor: u16,
    /// USB product id.
    pub product: u16,
    /// Required iManufacturer (exact, case-insensitive).
    pub manufacturer: Option<&'static str>,
    /// Required iProduct (exact, case-insensitive).
    pub product_string: Option<&'static str>,
    /// The bridge; `None` = only with an explicit `subdriver=`.
    pub bridge: Option<Bridge>,
    /// The device family the entry is for.
    pub family: &'static str,
}

const fn entry(
    vendor: u16,
    product: u16,
    manufacturer: Option<&'static str>,
    product_string: Option<&'static str>,
    bridge: Option<Bridge>,
    family: &'static str,
) -> TableEntry {
    TableEntry {
        vendor,
        product,
        manufacturer,
        product_string,
        bridge,
        family,
    }
}

/// The table, in NUT's match order.
pub const BRIDGE_TABLE: [TableEntry; 22] = [
    entry(
        0x05b8,
        0x0000,
        None,
        None,
        Some(Bridge::Cypress),
        "Agiler UPS",
    ),
    entry(
        0xffff,
        0x0000,
        None,
        None,
        Some(Bridge::Ablerex),
        "Ablerex 625L USB",
    ),
    entry(
        0x1cb0,
        0x0035,
        None,
        None,
        Some(Bridge::Krauler),
        "Legrand Daker DK / DK Plus",
    ),
    entry(
        0x0665,
        0x5161,
        None,
        None,
        Some(Bridge::Cypress),
        "Belkin F6C1200-UNV / Voltronic Power UPSes",
    ),
    entry(
        0x06da,
        0x0002,
        Some("Phoenixtec Power"),
        Some("USB Cable (V2.00)"),
        Some(Bridge::Phoenixtec),
        "Masterguard A series",
    ),
    entry(
        0x06da,
        0x0002,
        None,
        None,
        Some(Bridge::Cypress),
        "Online Yunto YQ450",
    ),
    entry(
        0x06da,
        0x0003,
        None,
        None,
        Some(Bridge::Ippon),
        "Mustek Powermust",
    ),
    entry(
        0x06da,
        0x0004,
        None,
        None,
        Some(Bridge::Cypress),
        "Phoenixtec Innova 3/1 T",
    ),
    entry(
        0x06da,
        0x0005,
        None,
        None,
        Some(Bridge::Cypress),
        "Phoenixtec Innova RT",
    ),
    entry(
        0x06da,
        0x0201,
        None,
        None,
        Some(Bridge::Cypress),
        "Phoenixtec Innova T",
    ),
    entry(
        0x06da,
        0x0601,
        None,
        None,
        Some(Bridge::Phoenix),
        "Online Zinto A",
    ),
    entry(
        0x0f03,
        0x0001,
        None,
        None,
        Some(Bridge::Cypress),
        "Unitek Alpha 1200Sx",
    ),
    entry(
        0x14f0,
        0x00c9,
        None,
        None,
        Some(Bridge::Phoenix),
        "GE EP series",
    ),
    entry(
        0x1a86,
        0x7523,
        None,
        None,
        None,
        "QinHeng CH340 (Ippon Innova TAE; also non-UPS devices)",
    ),
    entry(0x0483, 0x0035, None, None, Some(Bridge::Sgs), "TS Shara"),
    entry(
        0x0590,
        0x00b7,
        None,
        None,
        Some(Bridge::Omron),
        "OMRON BN150T",
    ),
    entry(
        0x0001,
        0x0000,
        Some("MEC"),
        Some("MEC0003"),
        Some(Bridge::Fabula),
        "Fideltronik/MEC LUPUS 500 USB",
    ),
    entry(
        0x0001,
        0x0000,
        None,
        Some("MEC0003"),
        Some(Bridge::Hunnox),
        "Hunnox HNX 850 (Powercool and others)",
    ),
    entry(
        0x0001,
        0x0000,
        Some("ATCL FOR UPS"),
        Some("ATCL FOR UPS"),
        Some(Bridge::Fuji),
        "Fuji UPSes",
    ),
    entry(
        0x0001,
        0x0000,
        None,
        None,
        Some(Bridge::Krauler),
        "Krauler UP-M500VA",
    ),
    // Never reached: the hunnox and krauler rows match first.
    entry(
        0x0001,
        0x0000,
        None,
        Some("MEC0003"),
        Some(Bridge::Snr),
        "SNR-UPS-LID-XXXX",
    ),
    entry(
        0x0925,
        0x1234,
        None,
        None,
        Some(Bridge::Armac),
        "Armac and other Richcomm \"PowerManagerII\" units",
    ),
];

/// The bridge NUT autodetects for a device: the first entry matching the
/// ids and (when the entry names them) the iManufacturer / iProduct
/// strings, case-insensitively and exactly; a missing string fails an
/// entry that names one. `None` when no entry with a bridge matches.
pub fn select(
    vendor: u16,
    product: u16,
    manufacturer: Option<&str>,
    product_string: Option<&str>,
) -> Option<Bridge> {
    let same = |want: Option<&str>, got: Option<&str>| match want {
        None => true,
        Some(w) => got.is_some_and(|g| g.eq_ignore_ascii_case(w)),
    };
    BRIDGE_TABLE
        .iter()
        .filter(|e| e.bridge.is_some())
        .find(|e| {
            e.vendor == vendor
                && e.product == product
                && same(e.manufacturer, manufacturer)
                && same(e.product_string, product_string)
        })
        .and_then(|e| e.bridge)
}
