use super::*;

fn session() -> Session {
    Session::new(Options::with_url("http://card"))
}

fn objects(root: &str, pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut doc = format!("<{root}>");
    for (name, value) in pairs {
        doc.push_str(&format!("<OBJECT name=\"{name}\">{value}</OBJECT>"));
    }
    doc.push_str(&format!("</{root}>"));
    doc.into_bytes()
}

const PRODUCT: &[u8] = br#"<PRODUCT_INFO name="NMC" type="Mosaic 4M" version="BA (SN 0123)">
<SUMMARY><XML_SUMMARY_PAGE url="upsprop.xml"/></SUMMARY>
<UPS_DATA><GET_OBJECT url="getvalue.cgi"/></UPS_DATA></PRODUCT_INFO>"#;

#[test]
fn product_page_publishes_firmware_serial_and_urls() {
    let mut s = session();
    s.handle_product("/mgeups/product.xml", PRODUCT)
        .expect("product page");
    assert_eq!(s.get("ups.firmware.aux"), Some("NMC/Mosaic 4M/BA"));
    assert_eq!(s.get("ups.serial"), Some("0123"));
    assert_eq!(
        s.poll_paths(),
        [
            Some("/getvalue.cgi".to_owned()),
            Some("/upsprop.xml".to_owned()),
            Some("/mgeups/product.xml".to_owned())
        ]
    );
    // STATIC: the serial from the product page wins over iSerialNumber.
    s.handle_document(&objects(
        "SUMMARY",
        &[("UPS.PowerSummary.iSerialNumber", "X")],
    ))
    .expect("summary");
    assert_eq!(s.get("ups.serial"), Some("0123"));
}

#[test]
fn epdu_and_transverse_types() {
    let mut s = session();
    s.handle_product(
        "/product.xml",
        br#"<PRODUCT_INFO name="P" type="ePDU Monitored"/>"#,
    )
    .expect("product");
    assert_eq!(s.get("device.type"), Some("pdu"));
    s.handle_document(&objects(
        "GET_OBJECT",
        &[("Environment.PresentStatus.HighHumidity", "1")],
    ))
    .expect("page");
    assert_eq!(s.get("ambient.humidity.maximum"), None);
    s.handle_product(
        "/product.xml",
        br#"<PRODUCT_INFO name="P" type="Transverse"/>"#,
    )
    .expect("product");
    s.handle_document(&objects(
        "GET_OBJECT",
        &[("Environment.PresentStatus.HighHumidity", "1")],
    ))
    .expect("page");
    assert_eq!(s.get("ambient.humidity.maximum"), Some("1"));
}

#[test]
fn status_bits_and_alarms() {
    let mut s = session();
    s.handle_document(&objects(
        "SUMMARY",
        &[
            ("UPS.PowerSummary.PresentStatus.ACPresent", "0"),
            ("UPS.PowerSummary.PresentStatus.Charging", "1"),
            ("UPS.PowerSummary.PresentStatus.Discharging", "1"),
            (
                "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
                "1",
            ),
            ("UPS.BatterySystem.Battery.PresentStatus.Present", "0"),
            (
                "UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange",
                "Yes",
            ),
            ("UPS.PowerSummary.PresentStatus.Good", "0"),
        ],
    ))
    .expect("summary");
    assert_eq!(s.finish_update(1), Freshness::Ok);
    assert_eq!(s.status(), ["OB", "DISCHRG", "LB", "OFF"]);
    assert_eq!(s.alarms(), ["No battery installed!"]);
    assert_eq!(
        s.get("input.transfer.reason"),
        Some("input voltage out of range")
    );
    s.handle_document(&objects(
        "SUMMARY",
        &[
            ("UPS.PowerSummary.PresentStatus.ACPresent", "1"),
            (
                "UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange",
                "0",
            ),
        ],
    ))
    .expect("summary");
    s.take_changes();
    assert_eq!(s.finish_update(0), Freshness::Ok);
    assert_eq!(
        s.take_changes(),
        [Change::Delete("input.transfer.reason".into())]
    );
    assert_eq!(s.status()[0], "OL");
    assert_eq!(s.finish_update(STALE_AFTER_ERRORS), Freshness::Stale);
}

#[test]
fn shutdown_imminent_logic() {
    let mut s = session();
    let delay = |s: &mut Session, v: &str| {
        s.handle_document(&objects(
            "GET_OBJECT",
            &[("UPS.PowerSummary.DelayBeforeShutdown", v)],
        ))
        .expect("page");
        s.status().contains(&"FSD")
    };
    assert!(delay(&mut s, "30"));
    assert_eq!(s.get("ups.timer.shutdown"), Some("30"));
    // Pending: RunTimeToShutdown is ignored.
    s.handle_document(&objects(
        "GET_OBJECT",
        &[("System.RunTimeToShutdown", "300")],
    ))
    .expect("page");
    assert!(s.status().contains(&"FSD"));
    assert!(!delay(&mut s, "121"), "above shutdown_duration clears");
    assert!(!delay(&mut s, "-1"));
    s.handle_document(&objects("GET_OBJECT", &[("System.RunTimeToShutdown", "0")]))
        .expect("page");
    assert!(s.status().contains(&"FSD"));
    assert!(s.alarms().contains(&"Shutdown imminent!"));
}

#[test]
fn conversions_and_deci_notice() {
    let mut s = session();
    let page = objects(
        "GET_OBJECT",
        &[
            ("UPS.BatterySystem.Battery.DesignCapacity", "25200"),
            ("UPS.PowerConverter.Output.Phase[1].Current", "123"),
            ("UPS.PowerConverter.Output.Phase[11].Voltage", "0"),
            ("UPS.BatterySystem.Battery.Test", "5"),
            ("System.LastAcquisition", "2026/01/02 03:04:05"),
            ("UPS.PowerConverter.Input[1].Voltage", "230"),
        ],
    );
    s.handle_document(&page).expect("page");
    assert_eq!(s.get("battery.capacity"), Some("7.00"));
    assert_eq!(s.get("output.L1.current"), Some("123"));
    assert_eq!(s.get("output.L1-L2.voltage"), None);
    assert_eq!(s.get("ups.test.result"), Some("in progress"));
    assert!(s.status().contains(&"CAL"));
    assert_eq!(s.get("ups.date"), Some("2026/01/02"));
    assert_eq!(s.get("ups.time"), Some("03:04:05"));
    assert_eq!(s.get("input.phases"), Some("1"));
    assert_eq!(s.get("output.phases"), Some("1"));
    assert_eq!(s.get("input.bypass.phases"), None);
    assert_eq!(s.take_notices(), [DECI_NOTICE]);
    s.handle_document(&page).expect("page");
    assert!(s.take_notices().is_empty(), "the notice is logged once");

    let mut options = Options::with_url("http://card");
    options.do_convert_deci = true;
    let mut s = Session::new(options);
    s.handle_document(&page).expect("page");
    assert_eq!(s.get("output.L1.current"), Some("12.3"));
}

#[test]
fn writable_registration_and_set_requests() {
    let mut s = session();
    s.register_writable();
    let changes = s.take_changes();
    assert_eq!(
        changes[0],
        Change::Set("driver.version.data".into(), SUBDRIVER.into())
    );
    assert!(changes.contains(&Change::Writable("device.contact".into())));
    assert_eq!(changes.len(), 13);
    let request = s.set_request("device.location", "rack 4").expect("mapped");
    let body = String::from_utf8(request.body).expect("utf-8");
    assert!(body.contains("<OBJECT name=\"System.Location\">rack 4</OBJECT>"));
    assert!(s.set_request("ups.status", "OL").is_none());
    let shutdown = s.shutdown_request().expect("mapped");
    let body = String::from_utf8(shutdown.body).expect("utf-8");
    assert!(body.contains("<OBJECT name=\"System.RunTimeToEmptyLimit\">999999999</OBJECT>"));
}

#[test]
fn alarm_and_client_config_documents() {
    let mut s = session();
    s.handle_document(br#"<ALARM object="UPS.PowerSummary.PresentStatus.ACPresent" value="1" date="2026/05/06-07:08:09"/>"#)
        .expect("alarm");
    assert_eq!(s.get("ups.date"), Some("2026/05/06"));
    assert_eq!(s.get("ups.time"), Some("07:08:09"));
    assert_eq!(s.status()[0], "OL");
    s.handle_document(
        br#"<XML-CLIENT><SHUTDOWN shutdownTimer="NONE" shutdownDuration="90"/></XML-CLIENT>"#,
    )
    .expect("config");
    assert_eq!(s.get("driver.timer.shutdown"), Some("NONE"));
    assert_eq!(s.get("driver.delay.shutdown"), Some("90"));
}

#[test]
fn bad_documents_are_errors_not_panics() {
    let mut s = session();
    assert!(s.handle_product("/product.xml", b"<SUMMARY/>").is_err());
    assert!(s.handle_document(b"<GET_OBJECT><OBJECT").is_err());
    assert!(s.handle_document(&vec![b'<'; 2 * 1024 * 1024]).is_err());
}
