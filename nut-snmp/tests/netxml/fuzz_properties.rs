// The netxml_parser fuzz target's properties, shared by the target
// (fuzz/fuzz_targets/netxml_parser.rs, through include!) and the replay of
// its seed corpus in this test crate (netxml/main.rs).
//
// For any bytes: the reader and the document parser return a value or a
// typed error without panicking; a session fed them (as a product page and
// as a poll page) keeps a well-formed status; a SUMMARY or GET_OBJECT page
// that parses, written out again, parses to the same objects.

/// The status tokens netxml-ups can produce.
const NETXML_STATUS_TOKENS: &[&str] = &[
    "OL", "OB", "DISCHRG", "CHRG", "LB", "OVER", "RB", "TRIM", "BOOST", "BYPASS", "OFF", "FSD",
    "CAL",
];

#[allow(dead_code)]
fn check_netxml_parser(data: &[u8]) {
    use nut_snmp::netxml::document::{Document, MAX_VALUE_CHARS};
    use nut_snmp::netxml::options::Options;
    use nut_snmp::netxml::request::escape;
    use nut_snmp::netxml::session::Session;

    let parsed = Document::parse(data);
    let mut session = Session::new(Options::with_url("http://fuzz"));
    let _ = session.handle_product("/product.xml", data);
    let _ = session.handle_document(data);
    let _ = session.finish_update(0);
    let status = session.status();
    assert!(matches!(status.first(), Some(&"OL" | &"OB")), "{status:?}");
    assert!(
        status.iter().all(|t| NETXML_STATUS_TOKENS.contains(t)),
        "{status:?}"
    );
    assert!(session.alarms().len() <= 13);

    if let Ok(Document::Summary(objects) | Document::GetObject(objects)) = parsed {
        let mut page = String::from("<GET_OBJECT>");
        for object in &objects {
            assert!(!object.value.is_empty());
            assert!(object.value.chars().count() <= MAX_VALUE_CHARS);
            page.push_str(&format!(
                "<OBJECT name=\"{}\">{}</OBJECT>",
                escape(&object.name),
                escape(&object.value)
            ));
        }
        page.push_str("</GET_OBJECT>");
        // Control characters other than the newline survive a round trip;
        // carriage returns too, since we neither normalise nor strip them.
        match Document::parse(page.as_bytes()) {
            Ok(Document::GetObject(again)) => assert_eq!(again, objects),
            other => panic!("written-out page did not parse back: {other:?}"),
        }
    }
}
