//! snmp-ups's options (snmp-maps.md 1.1), read from the runtime's
//! [`Settings`] and checked as NUT checks them, with NUT's fatal messages.

use std::time::Duration;

use nut_server::driver::Settings;
use nut_snmp::Config;
use nut_snmp::udp::v3::MIN_PASSWORD_LEN;
use nut_snmp::udp::{
    AuthProtocol, PrivProtocol, SecurityLevel, SnmpVersion, TransportConfig, V3Config,
};

/// Security levels `secLevel` accepts.
const SEC_LEVELS: &[&str] = &["noAuthNoPriv", "authNoPriv", "authPriv"];
/// Authentication protocols `authProtocol` accepts.
const AUTH_PROTOCOLS: &[&str] = &["MD5", "SHA", "SHA256", "SHA384", "SHA512"];
/// Privacy protocols `privProtocol` accepts.
const PRIV_PROTOCOLS: &[&str] = &["DES", "AES", "AES192", "AES256"];

/// The SNMPv3 options, checked as snmp-ups checks them (names valid, the
/// passwords the level needs present); [`SnmpOptions::transport`] turns
/// them into the transport's [`V3Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Options {
    /// `secLevel`.
    pub level: String,
    /// `secName`.
    pub name: String,
    /// `authPassword`.
    pub auth_password: Option<String>,
    /// `privPassword`.
    pub priv_password: Option<String>,
    /// `authProtocol`.
    pub auth_protocol: String,
    /// `privProtocol`.
    pub priv_protocol: String,
}

/// Everything snmp-ups takes from `ups.conf` / `-x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnmpOptions {
    /// `port`: the agent, `host[:port]`.
    pub peer: String,
    /// `mibs` (`auto` by default; `--list` lists and exits).
    pub mibs: String,
    /// `community`.
    pub community: String,
    /// `snmp_version` as given (`v1`, `v2c`, `v3`).
    pub version: String,
    /// The v3 options when `snmp_version=v3`.
    pub v3: Option<V3Options>,
    /// `pollfreq`: at most one walk per this interval.
    pub pollfreq: Duration,
    /// `semistaticfreq`.
    pub semistatic_freq: i64,
    /// `snmp_retries`.
    pub retries: u32,
    /// `snmp_timeout`.
    pub timeout: Duration,
    /// `notransferoids`.
    pub no_transfer_oids: bool,
    /// `symmetrathreephase`.
    pub symmetra_three_phase: bool,
    /// `ondelay` (seconds), when ≥ 0.
    pub ondelay: Option<i64>,
    /// `offdelay` (seconds), when ≥ 0.
    pub offdelay: Option<i64>,
}

/// C `atoi` as snmp-ups reads its numeric options (64-bit, saturating).
pub use nut_proto::cnum::atol as atoi;

impl SnmpOptions {
    /// Reads and checks the options.
    ///
    /// # Errors
    ///
    /// NUT's fatal message for a bad `snmp_version`, `secLevel`,
    /// `authProtocol` or `privProtocol`, or a v3 set-up missing `secName`
    /// or a password.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let value = |name: &str| settings.value(name).map(str::to_owned);
        let number = |name: &str, default: i64| settings.value(name).map_or(default, atoi);
        let version = value("snmp_version").unwrap_or_else(|| "v1".to_owned());
        let v3 = match version.as_str() {
            "v1" | "v2c" => None,
            "v3" => Some(v3_options(settings)?),
            other => return Err(format!("Bad SNMP version: {other}")),
        };
        let delay = |name: &str| Some(number(name, -1)).filter(|d| *d >= 0);
        Ok(Self {
            peer: settings.port.clone().unwrap_or_default(),
            mibs: value("mibs").unwrap_or_else(|| "auto".to_owned()),
            community: value("community").unwrap_or_else(|| "public".to_owned()),
            version,
            v3,
            pollfreq: Duration::from_secs(u64::try_from(number("pollfreq", 30)).unwrap_or(0)),
            semistatic_freq: number("semistaticfreq", 10),
            retries: u32::try_from(number("snmp_retries", 5)).unwrap_or(0),
            timeout: Duration::from_secs(u64::try_from(number("snmp_timeout", 1)).unwrap_or(0)),
            no_transfer_oids: settings.flag("notransferoids"),
            symmetra_three_phase: settings.flag("symmetrathreephase"),
            ondelay: delay("ondelay"),
            offdelay: delay("offdelay"),
        })
    }

    /// The mapping engine's part.
    pub fn engine_config(&self) -> Config {
        let mut config = Config::with_mibs(&self.mibs);
        config.semistatic_freq = self.semistatic_freq;
        config.no_transfer_oids = self.no_transfer_oids;
        config.symmetra_three_phase = self.symmetra_three_phase;
        config
    }

    /// The transport's part (with the SNMPv3 user for `snmp_version=v3`).
    ///
    /// # Errors
    ///
    /// NUT's fatal message for a pass phrase the level needs that is
    /// shorter than net-snmp accepts ([`V3Options::user`]).
    pub fn transport(&self) -> Result<TransportConfig, String> {
        let mut config = TransportConfig::default();
        config.version = match self.version.as_str() {
            "v2c" => SnmpVersion::V2c,
            "v3" => SnmpVersion::V3,
            _ => SnmpVersion::V1,
        };
        config.v3 = match (&self.v3, config.version) {
            (Some(v3), SnmpVersion::V3) => Some(v3.user()?),
            _ => None,
        };
        config.community.clone_from(&self.community);
        // net-snmp treats a zero time-out as "use the default" (1 s).
        config.timeout = if self.timeout.is_zero() {
            Duration::from_secs(1)
        } else {
            self.timeout
        };
        config.retries = self.retries;
        Ok(config)
    }
}

impl V3Options {
    /// The transport's SNMPv3 user: the level, both protocols (NUT's
    /// defaults MD5 and DES when not given) and the passwords the level
    /// uses.
    ///
    /// # Errors
    ///
    /// NUT's two-line fatal message (net-snmp's, then snmp-ups's) for an
    /// `authPassword` (from `authNoPriv`) or `privPassword` (`authPriv`)
    /// shorter than [`MIN_PASSWORD_LEN`]; a name `from_settings` did not
    /// check.
    pub fn user(&self) -> Result<V3Config, String> {
        let level: SecurityLevel = self.level.parse().map_err(|e| format!("{e}"))?;
        let auth_protocol: AuthProtocol = self.auth_protocol.parse().map_err(|e| format!("{e}"))?;
        let priv_protocol: PrivProtocol = self.priv_protocol.parse().map_err(|e| format!("{e}"))?;
        let mut user = V3Config::new(&self.name);
        user.level = level;
        user.auth_protocol = auth_protocol;
        user.priv_protocol = priv_protocol;
        let passwords = [
            (
                SecurityLevel::AuthNoPriv,
                &self.auth_password,
                &mut user.auth_password,
                "authentication",
            ),
            (
                SecurityLevel::AuthPriv,
                &self.priv_password,
                &mut user.priv_password,
                "privacy",
            ),
        ];
        for (needed_from, given, slot, what) in passwords {
            if level < needed_from {
                continue;
            }
            let password = given.as_deref().unwrap_or_default();
            // net-snmp refuses to make a key from a short pass phrase;
            // snmp-ups then stops before contacting the agent.
            if password.len() < MIN_PASSWORD_LEN {
                return Err(format!(
                    "Error: passphrase chosen is below the length requirements of the USM \
                     (min={MIN_PASSWORD_LEN}).\nError generating Ku from {what} pass phrase"
                ));
            }
            password.clone_into(slot);
        }
        Ok(user)
    }
}

/// The v3 options in snmp-ups's order of checks: the level, the name, the
/// passwords the level needs, then both protocol names (checked whatever
/// the level).
fn v3_options(settings: &Settings) -> Result<V3Options, String> {
    let level = settings.value("secLevel").unwrap_or("noAuthNoPriv");
    if !SEC_LEVELS.contains(&level) {
        return Err(format!("Bad SNMPv3 securityLevel: {level}"));
    }
    let name = settings
        .value("secName")
        .ok_or("securityName is required for SNMPv3")?;
    let auth_password = settings.value("authPassword").map(str::to_owned);
    let priv_password = settings.value("privPassword").map(str::to_owned);
    match level {
        "authNoPriv" if auth_password.is_none() => {
            return Err(format!(
                "authPassword is required for SNMPv3 in {level} mode"
            ));
        }
        "authPriv" if auth_password.is_none() || priv_password.is_none() => {
            return Err(format!(
                "authPassword and privPassword are required for SNMPv3 in {level} mode"
            ));
        }
        _ => {}
    }
    let auth_protocol = settings.value("authProtocol").unwrap_or("MD5");
    if !AUTH_PROTOCOLS.contains(&auth_protocol) {
        return Err(format!("Bad SNMPv3 authProtocol: {auth_protocol}"));
    }
    let priv_protocol = settings.value("privProtocol").unwrap_or("DES");
    if !PRIV_PROTOCOLS.contains(&priv_protocol) {
        return Err(format!("Bad SNMPv3 privProtocol: {priv_protocol}"));
    }
    Ok(V3Options {
        level: level.to_owned(),
        name: name.to_owned(),
        auth_password,
        priv_password,
        auth_protocol: auth_protocol.to_owned(),
        priv_protocol: priv_protocol.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(level: &str, auth: Option<&str>, privacy: Option<&str>) -> V3Options {
        V3Options {
            level: level.to_owned(),
            name: "nutmon".to_owned(),
            auth_password: auth.map(str::to_owned),
            priv_password: privacy.map(str::to_owned),
            auth_protocol: "MD5".to_owned(),
            priv_protocol: "DES".to_owned(),
        }
    }

    fn options(version: &str, v3: Option<V3Options>) -> SnmpOptions {
        SnmpOptions {
            peer: "127.0.0.1:161".to_owned(),
            mibs: "auto".to_owned(),
            community: "public".to_owned(),
            version: version.to_owned(),
            v3,
            pollfreq: Duration::from_secs(30),
            semistatic_freq: 10,
            retries: 5,
            timeout: Duration::from_secs(1),
            no_transfer_oids: false,
            symmetra_three_phase: false,
            ondelay: None,
            offdelay: None,
        }
    }

    #[test]
    fn v3_users_carry_the_level_protocols_and_only_the_passwords_it_uses() {
        let plain = v3("noAuthNoPriv", Some("ignored"), None).user().unwrap();
        assert_eq!(plain.level, SecurityLevel::NoAuthNoPriv);
        assert_eq!(plain.user, "nutmon");
        assert_eq!(plain.auth_protocol, AuthProtocol::Md5);
        assert_eq!(plain.priv_protocol, PrivProtocol::Des);
        assert!(plain.auth_password.is_empty() && plain.priv_password.is_empty());

        let mut signed = v3("authNoPriv", Some("authpass1"), Some("unused"));
        signed.auth_protocol = "SHA512".to_owned();
        let signed = signed.user().unwrap();
        assert_eq!(signed.level, SecurityLevel::AuthNoPriv);
        assert_eq!(signed.auth_protocol, AuthProtocol::Sha512);
        assert_eq!(signed.auth_password, "authpass1");
        assert!(signed.priv_password.is_empty());

        let mut sealed = v3("authPriv", Some("authpass1"), Some("privpass1"));
        sealed.auth_protocol = "SHA".to_owned();
        sealed.priv_protocol = "AES256".to_owned();
        let sealed = sealed.user().unwrap();
        assert_eq!(sealed.level, SecurityLevel::AuthPriv);
        assert_eq!(
            (sealed.auth_protocol, sealed.priv_protocol),
            (AuthProtocol::Sha1, PrivProtocol::Aes256)
        );
        assert_eq!(sealed.priv_password, "privpass1");
    }

    #[test]
    fn pass_phrases_shorter_than_net_snmp_takes_stop_with_its_message() {
        let at_limit = "x".repeat(MIN_PASSWORD_LEN);
        let below = "x".repeat(MIN_PASSWORD_LEN - 1);
        assert!(v3("authNoPriv", Some(&at_limit), None).user().is_ok());
        let short_auth = v3("authNoPriv", Some(&below), None).user().unwrap_err();
        assert!(
            short_auth.starts_with(
                "Error: passphrase chosen is below the length requirements of the USM (min=8)."
            ) && short_auth.ends_with("Error generating Ku from authentication pass phrase"),
            "{short_auth}"
        );
        assert!(
            v3("authPriv", Some(&at_limit), Some(&at_limit))
                .user()
                .is_ok()
        );
        let short_priv = v3("authPriv", Some(&at_limit), Some(&below))
            .user()
            .unwrap_err();
        assert!(
            short_priv.ends_with("Ku from privacy pass phrase"),
            "{short_priv}"
        );
        // Levels that do not use a password do not check it.
        assert!(
            v3("noAuthNoPriv", Some(&below), Some(&below))
                .user()
                .is_ok()
        );
        assert!(
            v3("authNoPriv", Some(&at_limit), Some(&below))
                .user()
                .is_ok()
        );
    }

    #[test]
    fn the_transport_gets_the_v3_user_only_for_snmp_version_v3() {
        let user = v3("authNoPriv", Some("authpass1"), None);
        let transport = options("v3", Some(user.clone())).transport().unwrap();
        assert_eq!(transport.version, SnmpVersion::V3);
        assert_eq!(transport.v3, Some(user.user().unwrap()));
        let transport = options("v2c", None).transport().unwrap();
        assert_eq!((transport.version, transport.v3), (SnmpVersion::V2c, None));
        assert_eq!(
            options("v1", None).transport().unwrap().version,
            SnmpVersion::V1
        );
    }

    #[test]
    fn atoi_reads_like_c() {
        assert_eq!(atoi("30"), 30);
        assert_eq!(atoi(" 7s"), 7);
        assert_eq!(atoi("-1"), -1);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("99999999999999999999999"), i64::MAX);
    }
}
