//! Choosing the mapping (snmp-maps.md 1.3): the sysObjectID pass, the
//! classic probe pass, and the model read that follows.

use super::Agent;
use super::read::{self, ConversionState};
use crate::error::Error;
use crate::mib::Mib;
use crate::oid::{Oid, fill_template};
use crate::value::Value;

/// `sysObjectID.0`.
const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";

/// The chosen descriptor and the model text read after choosing it.
pub(super) fn choose(agent: &mut dyn Agent, mibs: &str) -> Result<(&'static Mib, String), Error> {
    let mib = if mibs == "auto" {
        by_sys_object_id(agent)
            .or_else(|| Mib::all().iter().find(|m| probe(agent, m)))
            .ok_or(Error::NoSupportedDevice)?
    } else {
        if Mib::named(mibs).next().is_none() {
            return Err(Error::UnknownMibs(mibs.to_owned()));
        }
        Mib::named(mibs)
            .find(|m| probe(agent, m))
            .ok_or_else(|| Error::MibNotFound(mibs.to_owned()))?
    };
    // upsdrv_initups reads ups.model (else device.model) once more for its
    // log line; a failure there is fatal in snmp-ups.
    let model_row = ["ups.model", "device.model"].iter().find_map(|n| {
        mib.rows
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(n) && r.oid.is_some())
    });
    let model = model_row
        .and_then(|row| row.oid)
        .and_then(|text| read::table_oid(&fill_template(text, &[0])))
        .and_then(|oid| read::read_str(agent, &oid, None, &mut ConversionState::default()))
        .ok_or_else(|| Error::MibNotFound(mib.name.to_owned()))?;
    Ok((mib, model))
}

/// The agent's sysObjectID: an OID value, or a text holding one.
pub(super) fn sys_object_id(agent: &mut dyn Agent) -> Option<Oid> {
    let oid = read::table_oid(SYS_OBJECT_ID)?;
    match read::get(agent, &oid)? {
        Value::ObjectId(value) => Some(value),
        Value::OctetString(text) => Oid::parse(&String::from_utf8_lossy(&text)).ok(),
        _ => None,
    }
}

/// First pass: descriptors whose sysOID equals the agent's sysObjectID
/// exactly, in list order, confirmed by their probe.
fn by_sys_object_id(agent: &mut dyn Agent) -> Option<&'static Mib> {
    let sys_oid = sys_object_id(agent)?;
    Mib::all().iter().find(|mib| {
        mib.sys_oid.and_then(read::table_oid).as_ref() == Some(&sys_oid) && probe(agent, mib)
    })
}

/// The probe: read the descriptor's `device.model` (else `ups.model`) OID,
/// `%i` filled with 0, as a string.
pub(super) fn probe(agent: &mut dyn Agent, mib: &Mib) -> bool {
    mib.probe_row()
        .and_then(|row| row.oid)
        .and_then(|text| read::table_oid(&fill_template(text, &[0])))
        .and_then(|oid| read::read_str(agent, &oid, None, &mut ConversionState::default()))
        .is_some()
}
