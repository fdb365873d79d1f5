//! `snmp-ups` on the driver runtime: NUT's generic SNMP driver, with the
//! mapping engine of [`nut_snmp`] and its UDP client.
//!
//! This module is the glue only: the options NUT's `snmp-ups` takes
//! ([`vartab`], [`SnmpOptions`]), the start-up ([`SnmpUpsProgram`]: open
//! the session, `mibs=auto` detection, the init walk, `ondelay`/`offdelay`)
//! and the [`driver::SnmpDriver`] that polls every `pollfreq`, answers
//! INSTCMD/SET with SNMP SETs and runs the shutdown sequence (`-k`).
//!
//! SNMPv3 options are checked as NUT checks them (same order, same fatal
//! messages) and become the transport's USM user ([`options::V3Options`]).

pub mod driver;
pub mod options;

use std::collections::VecDeque;

use nut_server::driver::{Identity, NUT_VERSION, VarKind, VarTable};
use nut_server::error::Error;
use nut_server::runtime::log::{Level, LogRecord};
use nut_server::runtime::program::{InitContext, Program, Started};
use nut_server::state::DriverState;
use nut_snmp::udp::Client;
use nut_snmp::{Engine, mib};

pub use driver::SnmpDriver;
pub use options::SnmpOptions;

/// The program name.
pub const PROGRAM: &str = "snmp-ups";
/// `driver.version.internal`: the snmp-ups core whose tables we follow
/// (snmp-maps.md 1.1; NUT 2.8.0 itself reports 1.21).
pub const INTERNAL_VERSION: &str = "1.40";

/// The `snmp-ups` program.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnmpUpsProgram;

/// The options `snmp-ups` accepts, with NUT 2.8.0's help texts.
pub fn vartab() -> VarTable {
    let mut table = VarTable::new();
    table
        .add(
            "mibs",
            VarKind::Value,
            "NOTE: You can run the driver binary with '-x mibs=--list' for an up to date listing)\n\
             Set MIB compliance (default=ietf, allowed: mge,apcc,netvision,pw,cpqpower,...)",
        )
        .add_sensitive("community", "Set community name (default=public)")
        .add(
            "snmp_version",
            VarKind::Value,
            "Set SNMP version (default=v1, allowed: v2c,v3)",
        )
        .add(
            "pollfreq",
            VarKind::Value,
            "Set polling frequency in seconds, to reduce network flow (default=30)",
        )
        .add(
            "semistaticfreq",
            VarKind::Value,
            "Set semistatic value update frequency in update cycles, to reduce network flow (default=10)",
        )
        .add(
            "snmp_retries",
            VarKind::Value,
            "Specifies the number of Net-SNMP retries to be used in the requests (default=5)",
        )
        .add(
            "snmp_timeout",
            VarKind::Value,
            "Specifies the Net-SNMP timeout in seconds between retries (default=1)",
        )
        .add(
            "notransferoids",
            VarKind::Flag,
            "Disable transfer OIDs (use on APCC Symmetras)",
        )
        .add(
            "symmetrathreephase",
            VarKind::Flag,
            "Enable APCC three phase Symmetra quirks (use on APCC three phase Symmetras)",
        )
        .add(
            "secLevel",
            VarKind::Value,
            "Set the securityLevel used for SNMPv3 messages (default=noAuthNoPriv, allowed: authNoPriv,authPriv)",
        )
        .add_sensitive(
            "secName",
            "Set the securityName used for authenticated SNMPv3 messages (no default)",
        )
        .add_sensitive(
            "authPassword",
            "Set the authentication pass phrase used for authenticated SNMPv3 messages (no default)",
        )
        .add_sensitive(
            "privPassword",
            "Set the privacy pass phrase used for encrypted SNMPv3 messages (no default)",
        )
        .add(
            "authProtocol",
            VarKind::Value,
            "Set the authentication protocol (MD5, SHA, SHA256, SHA384, SHA512) used for authenticated SNMPv3 messages (default=MD5 if available)",
        )
        .add(
            "privProtocol",
            VarKind::Value,
            "Set the privacy protocol (DES, AES, AES192, AES256) used for encrypted SNMPv3 messages (default=DES if available)",
        )
        .add(
            "ondelay",
            VarKind::Value,
            "Set start delay time after shutdown",
        )
        .add("offdelay", VarKind::Value, "Set delay time before shutdown ");
    table
}

/// The identity snmp-ups publishes.
pub fn identity() -> Identity {
    Identity {
        program: PROGRAM.to_owned(),
        version: NUT_VERSION.to_owned(),
        internal_version: INTERNAL_VERSION.to_owned(),
    }
}

impl Program for SnmpUpsProgram {
    type Driver = SnmpDriver;

    fn name(&self) -> &'static str {
        PROGRAM
    }

    fn description(&self) -> &'static str {
        "Generic SNMP UPS driver"
    }

    fn identity(&self) -> Identity {
        identity()
    }

    fn vartab(&self) -> VarTable {
        vartab()
    }

    fn help(&self) -> String {
        "\nThe network is polled every 'pollfreq' seconds; an agent that stops answering\n\
         makes the data stale (logged with the agent and the error) until it answers again.\n"
            .to_owned()
    }

    async fn init(
        &self,
        ctx: InitContext<'_>,
        state: &mut DriverState,
    ) -> Result<Started<SnmpDriver>, Error> {
        let options = SnmpOptions::from_settings(ctx.settings).map_err(Error::Usage)?;
        if options.mibs == "--list" {
            // snmp-ups prints the list and exits without contacting any
            // device, from the middle of its start-up.
            print!("{}", mib::list_text());
            std::process::exit(0);
        }
        let transport = options.transport().map_err(Error::Usage)?;
        let mut client = Client::connect(&options.peer, &transport)
            .map_err(|e| Error::Usage(format!("[{}] {e}", ctx.ups)))?;
        let engine = Engine::detect(&mut client, &options.engine_config()).map_err(|e| {
            let cause = client
                .last_error()
                .map(|c| format!(" (last error: {c})"))
                .unwrap_or_default();
            Error::Usage(match e {
                nut_snmp::Error::NoSupportedDevice => format!(
                    "No supported device detected at [{}] (host {}){cause}",
                    ctx.ups, options.peer
                ),
                nut_snmp::Error::MibNotFound(name) => {
                    format!("{name} MIB wasn't found on {}{cause}", options.peer)
                }
                other => other.to_string(),
            })
        })?;
        let mut logs = VecDeque::new();
        logs.push_back(LogRecord::new(
            Level::Info,
            format!(
                "Detected {} on host {} (mib: {} {})",
                engine.model(),
                options.peer,
                engine.mib().name,
                engine.mib().version
            ),
        ));
        let mut driver = SnmpDriver::new(engine, client, options, ctx.ups, logs);
        driver.start(ctx.now, state);
        Ok(Started {
            driver,
            events: None,
        })
    }
}
