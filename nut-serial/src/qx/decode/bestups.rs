//! BestUPS helpers: model codes, `M` voltage sets and the `ID` reply
//! normalisation.

/// BestUPS model code → (manufacturer, model).
pub fn bestups_model(code: &str) -> (&'static str, String) {
    let known = match code {
        "AX1" => Some(("Best Power", "Axxium Rackmount")),
        "FOR" => Some(("Best Power", "Fortress")),
        "FTC" => Some(("Best Power", "Fortress Telecom")),
        "PR2" => Some(("Best Power", "Patriot Pro II")),
        "PRO" => Some(("Best Power", "Patriot Pro")),
        "320" => Some(("Unknown", "Sola 320")),
        "325" => Some(("Sola Australia", "Sola 325")),
        "520" => Some(("Sola Australia", "Sola 520")),
        "525" => Some(("Unknown", "Sola 525")),
        "620" => Some(("Sola Australia", "Sola 620")),
        _ => None,
    };
    match known {
        Some((mfr, model)) => (mfr, model.to_owned()),
        None => ("Unknown", format!("Unknown ({code})")),
    }
}

/// BestUPS `M` voltage sets: low, boost, nominal, buck, high.
pub fn bestups_voltage_set(index: u8, e_model: bool) -> [u16; 5] {
    const U: [[u16; 5]; 10] = [
        [96, 109, 120, 130, 146],
        [96, 109, 120, 138, 156],
        [90, 104, 120, 130, 146],
        [90, 104, 120, 138, 156],
        [90, 104, 110, 120, 130],
        [90, 104, 110, 130, 146],
        [90, 96, 110, 120, 130],
        [90, 96, 110, 130, 146],
        [96, 109, 128, 146, 156],
        [90, 104, 128, 146, 156],
    ];
    const E: [[u16; 5]; 10] = [
        [200, 222, 240, 250, 284],
        [200, 222, 240, 264, 290],
        [188, 210, 240, 250, 284],
        [188, 210, 240, 264, 290],
        [188, 210, 230, 244, 270],
        [188, 210, 230, 250, 284],
        [180, 200, 230, 244, 270],
        [180, 200, 230, 250, 284],
        [165, 188, 208, 222, 244],
        [165, 188, 208, 244, 270],
    ];
    let table = if e_model { &E } else { &U };
    table[usize::from(index.min(9))]
}

/// Normalises a BestUPS `ID` reply (25–27 bytes, six comma-separated
/// fields) to the fixed 28-byte layout.
pub fn normalise_bestups_id(raw: &[u8]) -> Result<Vec<u8>, &'static str> {
    if !(25..=27).contains(&raw.len()) {
        return Err("ID reply must be 25 to 27 bytes");
    }
    let text = std::str::from_utf8(raw).map_err(|_| "ID reply is not text")?;
    let fields: Vec<&str> = text.split(',').collect();
    let [code, va, vin, vout, low, high] = fields.as_slice() else {
        return Err("ID reply needs six comma-separated fields");
    };
    let out = format!("{code},{va:>4},{vin},{vout},{low},{high:>6}");
    if out.len() != 28 {
        return Err("ID fields have unexpected widths");
    }
    Ok(out.into_bytes())
}
