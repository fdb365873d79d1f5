//! Oracle: NUT's own serial drivers (Debian's nut-server 2.8.0:
//! `/lib/nut/nutdrv_qx` with protocols megatec, q1, voltronic and ablerex,
//! `/lib/nut/blazer_ser`, `/lib/nut/apcsmart`) read OUR simulators over a
//! pseudo-terminal; their state socket (`DUMPALL`) must show what the
//! simulator state implies and, where our codec decodes the same replies,
//! what our codec reads; and the same status sequence when the simulated
//! line fails and the battery drains.
//!
//! Skipped loudly without `/lib/nut/nutdrv_qx`, unless env `CI` is set
//! (then it fails). Every driver runs in the foreground as our child with
//! its own state directory, and is killed by PID when its case ends (a
//! 2.8.0 driver crashes when a socket client leaves before it stops, see
//! real-nut-lab §8.4, so the socket stays open until the kill).

mod apc;
mod lab;
mod qx;
mod report;

use std::path::Path;
use std::sync::{Arc, Mutex};

use nut_serial::qx::Protocol;

use report::Report;

/// Where Debian installs the drivers.
const DRIVER_DIR: &str = "/lib/nut";

/// Whether the real drivers are here; panics when they must be (CI).
fn drivers_available() -> bool {
    let path = Path::new(DRIVER_DIR).join("nutdrv_qx");
    if path.exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing and CI is set: install nut-server",
        path.display()
    );
    eprintln!(
        "SKIPPED: oracle tests need NUT's drivers ({} not found; apt-get install nut-server)",
        path.display()
    );
    false
}

#[test]
fn real_nut_drivers_read_our_simulators() {
    if !drivers_available() {
        return;
    }
    type Case = Box<dyn FnOnce() -> Report + Send>;
    let cases: Vec<Case> = vec![
        Box::new(|| qx::case("nutdrv_qx", Protocol::Megatec, Some("megatec"))),
        Box::new(|| qx::case("nutdrv_qx", Protocol::Q1, Some("q1"))),
        Box::new(|| qx::case("nutdrv_qx", Protocol::Voltronic, Some("voltronic"))),
        // 2.8.0 has ablerex (0.01) but not omron, voltronic-axpert,
        // innovart31/33 or gtec.
        Box::new(|| qx::case("nutdrv_qx", Protocol::Ablerex, Some("ablerex"))),
        Box::new(|| qx::case("blazer_ser", Protocol::Megatec, None)),
        Box::new(apc::case),
    ];
    let reports = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = cases
        .into_iter()
        .enumerate()
        .map(|(i, case)| {
            let reports = Arc::clone(&reports);
            std::thread::spawn(move || {
                let r = case();
                if let Ok(mut all) = reports.lock() {
                    all.push((i, r));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("case thread");
    }
    let mut reports = Arc::try_unwrap(reports)
        .ok()
        .and_then(|m| m.into_inner().ok())
        .unwrap_or_default();
    reports.sort_by_key(|(i, _)| *i);
    let mut failures = 0;
    let mut compared = 0;
    for (_, r) in &reports {
        eprintln!("{}", r.render());
        failures += r.failures.len();
        compared += r.rows.len();
    }
    eprintln!(
        "oracle: {} driver/protocol cases, {compared} variables compared, {failures} failures",
        reports.len()
    );
    assert_eq!(reports.len(), 6, "a case thread died");
    assert_eq!(failures, 0, "see the FAIL lines above");
}
