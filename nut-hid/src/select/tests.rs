use super::*;

fn with_productid() -> SelectOptions {
    SelectOptions {
        vendor_id: Some("x".into()),
        product_id: Some("x".into()),
        ..SelectOptions::default()
    }
}

fn chosen(device: &DeviceInfo, options: &SelectOptions) -> Result<&'static str, Error> {
    select(device, options).map(|s| s.subdriver.short_name)
}

#[test]
fn supported_ids_pick_their_subdriver() {
    let none = SelectOptions::default();
    for (vid, pid, name) in [
        (0x0463, 0xffff, "mge"),
        (0x051d, 0x0002, "apc"),
        (0x0764, 0x0501, "cps"),
        (0x09ae, 0x3016, "tripplite"),
        (0x10af, 0x0000, "belkin"),
        (0x0d9f, 0x0004, "powercom"),
        (0x1cb0, 0x0032, "legrand"),
        (0x2e66, 0x0201, "salicru"),
        (0x075d, 0x0300, "idowell"),
        (0x05dd, 0xa0a0, "tripplite"),
        (0x05dd, 0x041b, "delta_ups"),
        (0x0483, 0xa430, "cps"),
        (0x0483, 0xa113, "ever"),
    ] {
        assert_eq!(
            chosen(&DeviceInfo::new(vid, pid), &none).unwrap(),
            name,
            "{vid:04x}:{pid:04x}"
        );
    }
}

#[test]
fn possibly_supported_needs_productid_and_earliest_wins() {
    let none = SelectOptions::default();
    assert!(matches!(
        chosen(&DeviceInfo::new(0x0764, 0x1234), &none),
        Err(Error::NoSubdriver {
            vendor_id: 0x0764,
            product_id: 0x1234
        })
    ));
    let opts = with_productid();
    assert_eq!(
        chosen(&DeviceInfo::new(0x0764, 0x1234), &opts).unwrap(),
        "cps"
    );
    // Shared VIDs: the earliest subdriver knowing the vendor takes it.
    assert_eq!(
        chosen(&DeviceInfo::new(0x03f0, 0x1fe0), &none).unwrap(),
        "tripplite"
    );
    assert_eq!(
        chosen(&DeviceInfo::new(0x03f0, 0x1fe0), &opts).unwrap(),
        "mge"
    );
    assert_eq!(
        chosen(&DeviceInfo::new(0x0483, 0xa113), &opts).unwrap(),
        "cps"
    );
    assert_eq!(
        chosen(&DeviceInfo::new(0x05dd, 0xa0a0), &opts).unwrap(),
        "delta_ups"
    );
    assert_eq!(
        chosen(&DeviceInfo::new(0x06da, 0x1234), &opts).unwrap(),
        "idowell"
    );
    // Rejections regardless of productid.
    assert!(chosen(&DeviceInfo::new(0x0d9f, 0x0002), &opts).is_err());
    assert!(chosen(&DeviceInfo::new(0x050d, 0x0218), &opts).is_err());
    assert_eq!(
        chosen(&DeviceInfo::new(0x09ae, 0x0001), &opts).ok(),
        None,
        "tripplite refuses 09ae:0001"
    );
}

#[test]
fn string_gates_on_phoenixtec_and_kstar() {
    let none = SelectOptions::default();
    let plain = DeviceInfo::new(0x06da, 0xffff);
    assert_eq!(chosen(&plain, &none).unwrap(), "liebert");
    let aeg = plain.clone().with_strings(Some("AEG Power"), None, None);
    assert_eq!(chosen(&aeg, &none).unwrap(), "mge");
    let bms = plain.with_strings(None, Some("Smart-Battery"), None);
    assert_eq!(chosen(&bms, &none).unwrap(), "idowell");
    assert!(chosen(&DeviceInfo::new(0x09d6, 0x0001), &none).is_err());
    let kstar = DeviceInfo::new(0x09d6, 0x0001).with_strings(Some("KSTAR"), None, None);
    assert_eq!(chosen(&kstar, &none).unwrap(), "mge");
}

#[test]
fn claim_side_effects() {
    let none = SelectOptions::default();
    let apc = select(&DeviceInfo::new(0x051d, 0x0003), &none).unwrap();
    assert!(apc.effects.disable_interrupt_pipe);
    let apc_cs = DeviceInfo::new(0x051d, 0x0002).with_strings(None, Some("Back-UPS CS 500"), None);
    assert!(select(&apc_cs, &none).unwrap().effects.max_report);
    let cps = select(&DeviceInfo::new(0x0764, 0x0501), &none).unwrap();
    assert!(cps.effects.cps_scale_detection);
    let pc = select(&DeviceInfo::new(0x0d9f, 0x0001), &none).unwrap();
    assert!(pc.effects.interrupt_only);
    assert_eq!(pc.effects.interrupt_size, Some(8));
    let psi = select(&DeviceInfo::new(0x10af, 0x0002), &none).unwrap();
    assert_eq!(psi.effects.interface, Some(1));
    let configured = SelectOptions {
        interface_configured: true,
        ..SelectOptions::default()
    };
    assert_eq!(
        select(&DeviceInfo::new(0x10af, 0x0002), &configured)
            .unwrap()
            .effects
            .interface,
        None
    );
    let arduino = select(&DeviceInfo::new(0x2341, 0x8036), &none).unwrap();
    assert_eq!(
        (
            arduino.effects.interface,
            arduino.effects.endpoint_in,
            arduino.effects.endpoint_out
        ),
        (Some(2), Some(4), Some(5))
    );
    let tl = select(&DeviceInfo::new(0x09ae, 0x3016), &none).unwrap();
    assert_eq!(tl.effects.scales.map(|s| s.io_voltage), Some(100_000.0));
    let ou = select(&DeviceInfo::new(0x04d8, 0xd004), &none).unwrap();
    assert_eq!(ou.effects.scales.map(|s| s.io_voltage), Some(3.545));
}

#[test]
fn forced_subdriver() {
    let mut opts = with_productid();
    opts.subdriver = Some("MGE HID 1.59".into());
    let s = select(&DeviceInfo::new(0x1234, 0x5678), &opts).unwrap();
    assert!(s.forced);
    assert_eq!(s.subdriver.short_name, "mge");
    assert_eq!(s.effects, ClaimEffects::default(), "claims are skipped");
    opts.product_id = None;
    assert_eq!(
        select(&DeviceInfo::new(0, 0), &opts),
        Err(Error::SubdriverNeedsIds)
    );
}

#[test]
fn subdriver_option_resolution() {
    let name = |o: &str| resolve_subdriver(o).map(|s| s.short_name);
    assert_eq!(name("APC HID 0.101").unwrap(), "apc");
    assert_eq!(name("apc").unwrap(), "apc");
    assert_eq!(name("cyberpower").unwrap(), "cps");
    assert_eq!(name("mge").unwrap(), "mge");
    assert_eq!(name("belkin").unwrap(), "belkin");
    assert_eq!(name("phoenixtec").unwrap(), "liebert");
    assert_eq!(
        name(".*liebert.*").unwrap(),
        "belkin",
        "first in probe order"
    );
    // `liebert` alone matches no name from its start.
    assert!(matches!(
        name("liebert"),
        Err(Error::UnknownSubdriver { .. })
    ));
    // Ending in `*` (or `.` + one character): no `.*` appended.
    assert!(name("mg*").is_err());
    assert!(matches!(name("("), Err(Error::InvalidPattern { .. })));
}

#[test]
fn explore_needs_vendorid() {
    let explore = SelectOptions {
        explore: true,
        ..SelectOptions::default()
    };
    assert_eq!(
        select(&DeviceInfo::new(1, 2), &explore),
        Err(Error::ExploreNeedsVendorId)
    );
    let explore = SelectOptions {
        explore: true,
        vendor_id: Some("0001".into()),
        ..SelectOptions::default()
    };
    assert_eq!(chosen(&DeviceInfo::new(1, 2), &explore).unwrap(), "explore");
}
