//! `nut sim snmp`'s SNMPv3 options: `--v3-user NAME` adds a USM user at
//! `noAuthNoPriv`; `--auth PROTO:PASSWORD` after it raises it to
//! `authNoPriv`, then `--priv PROTO:PASSWORD` to `authPriv` (the order
//! snmp-ups's `secLevel` implies). Protocols go by NUT's names.

use std::str::FromStr;

use nut_snmp::udp::v3::MIN_PASSWORD_LEN;
use nut_snmp::udp::{AuthProtocol, PrivProtocol, SecurityLevel, V3Config};

/// Applies `option` (`--v3-user`, `--auth` or `--priv`) with its `value`
/// to the users given so far (`--auth`/`--priv` to the last one).
///
/// # Errors
///
/// Why the option cannot apply: no user before it, a level given twice
/// or out of order, an unknown protocol, a pass phrase net-snmp refuses.
pub(super) fn take_option(
    users: &mut Vec<V3Config>,
    option: &str,
    value: &str,
) -> Result<(), String> {
    if option == "--v3-user" {
        if value.is_empty() {
            return Err("--v3-user needs a name".to_owned());
        }
        users.push(V3Config::new(value));
        return Ok(());
    }
    let user = users
        .last_mut()
        .ok_or_else(|| format!("{option} applies to the --v3-user before it"))?;
    match (option, user.level) {
        ("--auth", SecurityLevel::NoAuthNoPriv) => {
            let (protocol, password) = protocol_and_password::<AuthProtocol>(option, value)?;
            *user = user.clone().with_auth(protocol, &password);
        }
        ("--auth", _) => return Err(format!("--auth given twice for --v3-user {}", user.user)),
        ("--priv", SecurityLevel::AuthNoPriv) => {
            let (protocol, password) = protocol_and_password::<PrivProtocol>(option, value)?;
            *user = user.clone().with_privacy(protocol, &password);
        }
        ("--priv", _) => {
            return Err(format!(
                "--priv for --v3-user {} needs one --auth before it (authPriv), and only once",
                user.user
            ));
        }
        _ => return Err(format!("unknown option {option}")),
    }
    Ok(())
}

/// `PROTO:PASSWORD` → (protocol, password); the password may hold `:`.
fn protocol_and_password<P: FromStr>(option: &str, text: &str) -> Result<(P, String), String> {
    let (name, password) = text
        .split_once(':')
        .ok_or_else(|| format!("{option} {name}: expected PROTO:PASSWORD", name = text))?;
    let protocol = name
        .parse()
        .map_err(|_| format!("{option}: unknown protocol '{name}' (see -h)"))?;
    if password.len() < MIN_PASSWORD_LEN {
        return Err(format!(
            "{option}: the pass phrase needs at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    Ok((protocol, password.to_owned()))
}

/// A user for the start-up line: `name (level PROTO[/PROTO])`.
pub(super) fn describe_user(user: &V3Config) -> String {
    let protocols = match user.level {
        SecurityLevel::AuthPriv => format!(" {}/{}", user.auth_protocol, user.priv_protocol),
        SecurityLevel::AuthNoPriv => format!(" {}", user.auth_protocol),
        _ => String::new(),
    };
    format!("{} ({}{protocols})", user.user, user.level)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies `line`'s option/value pairs in order.
    fn users(line: &str) -> Result<Vec<V3Config>, String> {
        let words: Vec<&str> = line.split(' ').collect();
        let mut users = Vec::new();
        for pair in words.chunks(2) {
            let [option, value] = pair else {
                return Err("odd word count".to_owned());
            };
            take_option(&mut users, option, value)?;
        }
        Ok(users)
    }

    #[test]
    fn users_take_their_level_from_auth_and_priv() {
        let all = users(
            "--v3-user open --v3-user signer --auth MD5:authpass1 \
             --v3-user sealer --auth SHA:auth:pass --priv AES256:privpass1",
        )
        .unwrap();
        let [open, signer, sealer] = all.as_slice() else {
            panic!("three users: {all:?}");
        };
        assert_eq!(*open, V3Config::new("open"));
        assert_eq!(
            *signer,
            V3Config::new("signer").with_auth(AuthProtocol::Md5, "authpass1")
        );
        // The password is everything after the first ':'.
        assert_eq!(
            *sealer,
            V3Config::new("sealer")
                .with_auth(AuthProtocol::Sha1, "auth:pass")
                .with_privacy(PrivProtocol::Aes256, "privpass1")
        );
        assert_eq!(describe_user(sealer), "sealer (authPriv SHA/AES256)");
        assert_eq!(describe_user(signer), "signer (authNoPriv MD5)");
        assert_eq!(describe_user(open), "open (noAuthNoPriv)");
    }

    #[test]
    fn bad_options_are_refused_with_the_reason() {
        let error = |line: &str| users(line).unwrap_err();
        assert!(error("--auth SHA:authpass1").contains("--v3-user before it"));
        assert!(error("--v3-user u --priv AES:privpass1").contains("needs one --auth"));
        assert!(error("--v3-user u --auth MD4:authpass1").contains("unknown protocol 'MD4'"));
        assert!(error("--v3-user u --auth SHA").contains("PROTO:PASSWORD"));
        assert!(error("--v3-user u --auth SHA:authpass1 --auth SHA:authpass1").contains("twice"));
        let at_limit = "x".repeat(MIN_PASSWORD_LEN);
        let below = "x".repeat(MIN_PASSWORD_LEN - 1);
        assert!(users(&format!("--v3-user u --auth SHA:{at_limit}")).is_ok());
        assert!(error(&format!("--v3-user u --auth SHA:{below}")).contains("at least 8"));
        assert!(
            users(&format!(
                "--v3-user u --auth SHA:{at_limit} --priv DES:{at_limit}"
            ))
            .is_ok()
        );
        assert!(
            error(&format!(
                "--v3-user u --auth SHA:{at_limit} --priv DES:{below}"
            ))
            .contains("at least 8")
        );
        assert!(
            error(&format!(
                "--v3-user u --auth SHA:{at_limit} --priv DES:{at_limit} --priv DES:{at_limit}"
            ))
            .contains("only once")
        );
    }
}
