//! nutdrv_qx on USB without a USB bus: simulated units behind their
//! bridges' framing ([`nut_serial::qx::usb::sim`]) driven through the
//! real glue (options, device matching, bridge choice, [`UsbWire`],
//! [`QxDriver`]).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nut_serial::qx::usb::sim::{SharedUnit, SimUsbBus, SimUsbUps};
use nut_serial::qx::usb::{Bridge, UsbDeviceInfo};
use nut_serial::qx::{Protocol, QxConfig};
use nut_serial::sim::{DeviceState, Simulator};
use nut_server::runtime::Driver;
use nut_server::runtime::log::Level;
use nut_server::state::DriverState;

use super::driver::QxDriver;
use super::options::{self, Flavour};
use super::usb::{UsbOptions, UsbWire, choose};

type UsbDriver = QxDriver<UsbWire<SimUsbBus>>;

fn unit(framing: Bridge, protocol: Protocol, info: Option<UsbDeviceInfo>) -> SharedUnit {
    let info = info.unwrap_or_else(|| SimUsbUps::default_info(framing).expect("simulated"));
    let sim = Simulator::new(protocol, DeviceState::default());
    Arc::new(Mutex::new(
        SimUsbUps::new(framing, info, sim).expect("simulated framing"),
    ))
}

fn usb_options(list: &[(&str, Option<&str>)]) -> UsbOptions {
    let o = opts("auto", list).expect("options");
    o.usb.expect("usb selected")
}

fn opts(port: &str, list: &[(&str, Option<&str>)]) -> Result<options::QxOptions, String> {
    let list: Vec<(String, Option<String>)> = list
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect();
    options::from_options(Flavour::NutdrvQx, Some(port), 2, &list)
}

/// Starts the driver on `units` as nutdrv_qx's `init` does (protocol
/// autodetected unless given).
fn start_on(
    units: &[SharedUnit],
    list: &[(&str, Option<&str>)],
) -> Result<(UsbDriver, DriverState), String> {
    let o = opts("auto", list)?;
    let usb = o.usb.ok_or("usb not selected")?;
    let wire = UsbWire::open(SimUsbBus::new(units.to_vec()), &usb, "auto")?;
    let config = QxConfig {
        reply_timeout: Duration::from_millis(40),
        pollinterval: Duration::from_millis(10),
        usb_ids: Some(wire.ids()),
        ..o.config
    };
    let mut state = DriverState::new();
    let driver = QxDriver::start(wire, &config, &o.candidates, Flavour::NutdrvQx, &mut state)
        .map_err(|e| e.0)?;
    Ok((driver, state))
}

fn poll_until(
    driver: &mut UsbDriver,
    state: &mut DriverState,
    mut done: impl FnMut(&DriverState) -> bool,
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        driver.update(Instant::now(), state);
        if done(state) {
            return true;
        }
    }
    false
}

fn logs(driver: &mut UsbDriver) -> Vec<(Level, String)> {
    std::iter::from_fn(|| driver.poll_log())
        .map(|r| (r.level, r.message))
        .collect()
}

#[test]
fn a_cypress_unit_publishes_its_readings_and_ids() {
    let ups = unit(Bridge::Cypress, Protocol::Megatec, None);
    let (driver, state) = start_on(&[ups], &[("protocol", Some("megatec"))]).unwrap();
    assert_eq!(driver.engine().protocol(), Some(Protocol::Megatec));
    assert_eq!(state.get("input.voltage"), Some("230.0"));
    assert_eq!(state.get("ups.status"), Some("OL"));
    assert_eq!(state.get("device.model"), Some("SIMQ1"));
    assert_eq!(state.get("ups.vendorid"), Some("0665"));
    assert_eq!(state.get("ups.productid"), Some("5161"));
}

#[test]
fn line_failure_and_low_battery_reach_the_status_over_usb() {
    let ups = unit(Bridge::Krauler, Protocol::Megatec, None);
    let (mut driver, mut state) = start_on(&[Arc::clone(&ups)], &[]).unwrap();
    assert_eq!(driver.engine().protocol(), Some(Protocol::Megatec));
    ups.lock().unwrap().sim.state.fail_line();
    assert!(poll_until(&mut driver, &mut state, |s| s.get("ups.status")
        == Some("OB")));
    ups.lock().unwrap().sim.state.charge = 10.0;
    assert!(poll_until(&mut driver, &mut state, |s| s.get("ups.status")
        == Some("OB LB")));
    ups.lock().unwrap().sim.state.restore_line();
    assert!(poll_until(&mut driver, &mut state, |s| s
        .get("ups.status")
        .is_some_and(|st| st.starts_with("OL"))));
}

#[test]
fn unplug_goes_stale_with_a_log_line_and_replug_recovers() {
    let ups = unit(Bridge::Cypress, Protocol::Megatec, None);
    let (mut driver, mut state) =
        start_on(&[Arc::clone(&ups)], &[("protocol", Some("megatec"))]).unwrap();
    let _ = logs(&mut driver);
    ups.lock().unwrap().unplug();
    assert!(poll_until(&mut driver, &mut state, DriverState::is_stale));
    let lines = logs(&mut driver);
    let usb_error = lines
        .iter()
        .find(|(level, m)| *level == Level::Warning && m.contains("USB error"))
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    assert!(usb_error.contains("0665:5161"), "{lines:?}");
    assert!(usb_error.contains("cypress bridge"), "{usb_error}");
    assert!(usb_error.contains("disconnected"), "{usb_error}");
    assert!(
        lines
            .iter()
            .any(|(level, m)| *level == Level::Warning && m.contains("lost")),
        "{lines:?}"
    );
    ups.lock().unwrap().sim.state.fail_line();
    ups.lock().unwrap().replug();
    assert!(poll_until(&mut driver, &mut state, |s| !s.is_stale()));
    assert!(poll_until(&mut driver, &mut state, |s| s.get("ups.status")
        == Some("OB")));
    let lines = logs(&mut driver);
    assert!(
        lines.iter().any(|(_, m)| m.contains("re-established")),
        "{lines:?}"
    );
}

#[test]
fn subdriver_overrides_the_table() {
    // A CH340 (no bridge in NUT's table) with a cypress-style chip behind it.
    let info = UsbDeviceInfo {
        vendor_id: 0x1a86,
        product_id: 0x7523,
        bus: 1,
        address: 5,
        ..UsbDeviceInfo::default()
    };
    let ups = unit(Bridge::Cypress, Protocol::Megatec, Some(info));
    let err = start_on(&[Arc::clone(&ups)], &[]).err().unwrap_or_default();
    assert!(err.starts_with("No supported devices found"), "{err}");
    let (driver, state) = start_on(
        &[ups],
        &[
            ("subdriver", Some("Cypress")),
            ("vendorid", Some("1a86")),
            ("productid", Some("7523")),
        ],
    )
    .unwrap();
    assert_eq!(driver.engine().protocol(), Some(Protocol::Megatec));
    assert_eq!(state.get("ups.vendorid"), Some("1a86"));
    assert_eq!(state.get("input.voltage"), Some("230.0"));
}

#[test]
fn the_table_picks_each_bridge_from_the_ids_and_strings() {
    for framing in [
        Bridge::Phoenix,
        Bridge::Ippon,
        Bridge::Krauler,
        Bridge::Fabula,
    ] {
        let ups = unit(framing, Protocol::Megatec, None);
        let (driver, state) = start_on(&[ups], &[("protocol", Some("megatec"))])
            .unwrap_or_else(|e| panic!("{framing}: {e}"));
        assert_eq!(driver.engine().protocol(), Some(Protocol::Megatec));
        assert_eq!(state.get("input.voltage"), Some("230.0"), "{framing}");
        assert!(
            driver.engine().vars().contains_key("ups.vendorid"),
            "{framing}"
        );
    }
}

#[test]
fn a_hunnox_unit_reads_its_charge_on_battery() {
    // As the Powercool dumps configure it (qx-protocols §2.13).
    let ups = unit(Bridge::Hunnox, Protocol::Hunnox, None);
    let (mut driver, mut state) = start_on(
        &[Arc::clone(&ups)],
        &[
            ("protocol", Some("hunnox")),
            ("novendor", None),
            ("langid_fix", Some("0x0409")),
            ("noscanlangid", None),
        ],
    )
    .unwrap();
    assert_eq!(driver.engine().protocol(), Some(Protocol::Hunnox));
    assert_eq!(state.get("battery.charge"), Some("100"));
    {
        let mut u = ups.lock().unwrap();
        u.sim.state.fail_line();
        u.sim.state.charge = 50.0;
    }
    // Below 100 % the unit answers `BL050` (or so, while it drains): the
    // quick polls keep working on battery.
    let half = |s: &DriverState| {
        s.get("battery.charge")
            .and_then(|c| c.parse::<f64>().ok())
            .is_some_and(|c| (45.0..=50.0).contains(&c))
    };
    assert!(poll_until(&mut driver, &mut state, |s| s.get("ups.status")
        == Some("OB")
        && half(s)));
    assert!(!state.is_stale());
}

#[test]
fn matching_options_pick_one_unit_of_several() {
    let first = unit(Bridge::Cypress, Protocol::Megatec, None);
    let mut info = SimUsbUps::default_info(Bridge::Cypress).unwrap();
    info.serial = Some("SECOND-42".to_owned());
    info.address = 9;
    let second = unit(Bridge::Cypress, Protocol::Megatec, Some(info));
    second.lock().unwrap().sim.state.input_voltage = Some(215.0);
    let units = [first, second];
    let (_, state) = start_on(&units, &[("protocol", Some("megatec"))]).unwrap();
    assert_eq!(state.get("input.voltage"), Some("230.0"));
    let (_, state) = start_on(
        &units,
        &[("protocol", Some("megatec")), ("serial", Some("second-.*"))],
    )
    .unwrap();
    assert_eq!(state.get("input.voltage"), Some("215.0"));
    let (_, state) = start_on(
        &units,
        &[("protocol", Some("megatec")), ("device", Some("009"))],
    )
    .unwrap();
    assert_eq!(state.get("input.voltage"), Some("215.0"));
    let err = start_on(&units, &[("vendorid", Some("0666"))])
        .err()
        .unwrap_or_default();
    assert!(err.starts_with("No supported devices found"), "{err}");
}

#[test]
fn choose_follows_the_table_order_and_skips_unknown_ids() {
    let hunnox = SimUsbUps::default_info(Bridge::Hunnox).unwrap();
    let unknown = UsbDeviceInfo {
        vendor_id: 0x1234,
        product_id: 0x5678,
        ..UsbDeviceInfo::default()
    };
    let devices = [unknown, hunnox];
    let o = usb_options(&[]);
    assert_eq!(choose(&devices, &o), Ok(Some((1, Bridge::Hunnox))));
    let o = usb_options(&[("product", Some("(unclosed"))]);
    assert!(choose(&devices, &o).is_err());
}

#[test]
fn usb_options_like_nut() {
    // port=auto, or a USB option with any port, selects USB.
    assert!(opts("auto", &[]).unwrap().usb.is_some());
    assert!(
        opts("/dev/ttyUSB0", &[("vendorid", Some("0665"))])
            .unwrap()
            .usb
            .is_some()
    );
    assert!(opts("/dev/ttyS0", &[]).unwrap().usb.is_none());
    let o = usb_options(&[
        ("langid_fix", Some("0x4095")),
        ("noscanlangid", None),
        ("bus", Some("001")),
    ]);
    assert_eq!(o.bridge.langid_fix, Some(0x4095));
    assert!(o.noscanlangid);
    assert_eq!(o.matching.bus.as_deref(), Some("001"));
    // NUT skips the first two characters of langid_fix.
    assert_eq!(
        usb_options(&[("langid_fix", Some("409"))])
            .bridge
            .langid_fix,
        Some(0x9)
    );
    let novendor = opts("auto", &[("novendor", None)]).unwrap();
    assert!(novendor.usb.is_some_and(|u| u.bridge.novendor));
    // blazer_ser is serial only: port=auto is a (missing) device path.
    let b = options::from_options(Flavour::BlazerSer, Some("auto"), 2, &[]).unwrap();
    assert!(b.usb.is_none());
    for bad in [
        opts("auto", &[("subdriver", Some("cypress"))]),
        opts(
            "auto",
            &[("subdriver", Some("cypress")), ("vendorid", Some("0665"))],
        ),
        opts(
            "auto",
            &[
                ("subdriver", Some("nope")),
                ("vendorid", Some("0665")),
                ("productid", Some("5161")),
            ],
        ),
        opts(
            "auto",
            &[
                ("subdriver", Some("snr")),
                ("vendorid", Some("0001")),
                ("productid", Some("0000")),
            ],
        ),
        opts("auto", &[("langid_fix", Some("0xZZ"))]),
        opts("auto", &[("simulate_usb", Some("sgs"))]),
        opts("auto", &[("simulate_usb", Some("cypress:nope"))]),
    ] {
        assert!(bad.is_err(), "{bad:?}");
    }
    let sim = usb_options(&[("simulate_usb", Some("krauler:q1"))]);
    assert_eq!(sim.simulate, Some((Bridge::Krauler, Protocol::Q1)));
    let sim = usb_options(&[("simulate_usb", Some("hunnox"))]);
    assert_eq!(sim.simulate, Some((Bridge::Hunnox, Protocol::Hunnox)));
}
