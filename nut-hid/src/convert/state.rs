//! State kept between conversions: what NUT's subdrivers hold in static
//! variables (MGE model family, ABM state, CyberPower scale decisions,
//! Liebert multipliers, Ever's rotating readers, Powercom's cached battery
//! voltage, the claim-time scale factors) and the cycle's mode buzzwords.

/// MGE/Eaton model families (NUT compares them masked with 0xFF00).
pub(crate) mod family {
    /// Offline models (Ellipse, Protection Center, 3S 450/550).
    pub(crate) const DEFAULT_OFFLINE: u16 = 0x000;
    /// Pegasus (Protection Station, Ellipse ECO).
    pub(crate) const PEGASUS: u16 = 0x100;
    /// 3S 700/750 (masked, it reads as Pegasus).
    pub(crate) const THREE_S: u16 = 0x110;
    /// Line-interactive / online default.
    pub(crate) const DEFAULT: u16 = 0x200;
    /// Evolution (per-model codes follow).
    pub(crate) const EVOLUTION: u16 = 0x300;
    /// Evolution 650 (its nominal battery voltage reads 12).
    pub(crate) const EVOLUTION_650: u16 = 0x301;
    /// Pulsar M.
    pub(crate) const PULSAR_M: u16 = 0x400;
    /// Eaton 5P.
    pub(crate) const EATON_5P: u16 = 0x500;
    /// Eaton 9E (and 9SX, 9PX).
    pub(crate) const EATON_9E: u16 = 0x900;

    /// The family class NUT's tests see.
    pub(crate) const fn class(family: u16) -> u16 {
        family & 0xFF00
    }
}

/// Which Eaton charger usage told the ABM (Advanced Battery Monitoring) state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum AbmPath {
    /// Not known yet (or ABM not enabled).
    #[default]
    Unknown,
    /// `UPS.BatterySystem.Charger.Mode`.
    Mode,
    /// `UPS.BatterySystem.Charger.Status`.
    Status,
}

/// Scale factors a subdriver's claim handler selects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scales {
    /// Battery voltage (TrippLite).
    pub(crate) battery: f64,
    /// Input/output voltage (TrippLite; openUPS input).
    pub(crate) io_voltage: f64,
    /// Input/output frequency (TrippLite).
    pub(crate) io_frequency: f64,
    /// Input/output current (TrippLite).
    pub(crate) io_current: f64,
    /// openUPS output voltage.
    pub(crate) output_voltage: f64,
    /// openUPS charge current.
    pub(crate) charge_current: f64,
    /// openUPS discharge current.
    pub(crate) discharge_current: f64,
}

impl Default for Scales {
    fn default() -> Self {
        Self {
            battery: 1.0,
            io_voltage: 1.0,
            io_frequency: 1.0,
            io_current: 1.0,
            output_voltage: 1.0,
            charge_current: 1.0,
            discharge_current: 1.0,
        }
    }
}

/// Conversion state of one device.
#[derive(Debug, Clone)]
pub(crate) struct ConvState {
    /// MGE model family ([`family`]).
    pub(crate) mge_family: u16,
    /// MGE country code (−1 unknown).
    pub(crate) mge_country: i64,
    /// ABM enabled: `Some(true)` enabled, `Some(false)` disabled, `None` unknown.
    pub(crate) abm_enabled: Option<bool>,
    /// The ABM path.
    pub(crate) abm_path: AbmPath,
    /// The first nominal output voltage seen (MGE).
    pub(crate) nominal_voltage: Option<i64>,
    /// CyberPower scale auto-detection enabled (0764:0501 claim).
    pub(crate) cps_detect: bool,
    /// CyberPower battery-voltage scale, once decided.
    pub(crate) cps_battery_scale: Option<f64>,
    /// CyberPower input-frequency scale, once decided.
    pub(crate) cps_input_frequency_scale: Option<f64>,
    /// CyberPower output-frequency scale, once decided.
    pub(crate) cps_output_frequency_scale: Option<f64>,
    /// Liebert configured-voltage multiplier (sticky).
    pub(crate) liebert_config_multiplier: f64,
    /// Liebert line-voltage multiplier (sticky).
    pub(crate) liebert_line_multiplier: f64,
    /// Ever: next report of the IP-address rotation.
    pub(crate) ever_ip_turn: usize,
    /// Ever: next report of the packet-counter rotation.
    pub(crate) ever_packets_turn: usize,
    /// Powercom: last battery voltage text read from report 0xA4.
    pub(crate) powercom_voltage: String,
    /// Powercom option `powercom_sdcmd_byte_order_fallback`.
    pub(crate) powercom_byte_order_fallback: bool,
    /// Powercom option `powercom_sdcmd_discrete_delay`.
    pub(crate) powercom_discrete_delay: bool,
    /// Option `ondelay`, as given.
    pub(crate) ondelay: Option<String>,
    /// Option `offdelay`, as given.
    pub(crate) offdelay: Option<String>,
    /// Claim-time scale factors.
    pub(crate) scales: Scales,
    /// Seconds east of UTC for the MGE date/time conversions.
    pub(crate) utc_offset: i64,
    /// Buzzwords raised by conversions this cycle.
    pub(crate) buzzwords: Vec<String>,
    /// Variables a reverse conversion wants written first (the Eaton
    /// bypass/ECO sequencing), as (name, value).
    pub(crate) pending_setvars: Vec<(String, String)>,
}

impl Default for ConvState {
    fn default() -> Self {
        Self {
            mge_family: family::DEFAULT,
            mge_country: -1,
            abm_enabled: None,
            abm_path: AbmPath::Unknown,
            nominal_voltage: None,
            cps_detect: false,
            cps_battery_scale: None,
            cps_input_frequency_scale: None,
            cps_output_frequency_scale: None,
            liebert_config_multiplier: 1.0,
            liebert_line_multiplier: 1.0,
            ever_ip_turn: 0,
            ever_packets_turn: 0,
            powercom_voltage: "0.0".to_owned(),
            powercom_byte_order_fallback: false,
            powercom_discrete_delay: false,
            ondelay: None,
            offdelay: None,
            scales: Scales::default(),
            utc_offset: 0,
            buzzwords: Vec::new(),
            pending_setvars: Vec::new(),
        }
    }
}

impl ConvState {
    /// Add a buzzword once.
    pub(crate) fn buzzword(&mut self, word: &str) {
        if !self.buzzwords.iter().any(|w| w == word) {
            self.buzzwords.push(word.to_owned());
        }
    }
}
