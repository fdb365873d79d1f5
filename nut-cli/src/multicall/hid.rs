//! `nut hid describe FILE [--json] [--strict] [--vid-pid VVVV:PPPP]`:
//! prints a HID report descriptor (binary, or hex text as in NUT's debug
//! logs) as a tree with every field's HID path, or as JSON. Paths use the
//! usage names of the subdriver NUT would choose for `--vid-pid` (and its
//! descriptor fix-ups); without it, the standard names. A malformed
//! descriptor exits 1 with the byte offset of the offending item.

use nut_hid::{DeviceInfo, ParserConfig, ReportDescriptor, SelectOptions, UsageNames};

/// `nut hid describe …`: the rendering, or the message for stderr.
pub(crate) fn describe(args: &[String]) -> Result<String, String> {
    let (mut file, mut json, mut strict, mut ids) = (None, false, false, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--strict" => strict = true,
            "--vid-pid" => ids = Some(rest.next().ok_or("--vid-pid needs VVVV:PPPP")?.clone()),
            other if other.starts_with('-') && other != "-" => {
                return Err(format!("unknown option {other}"));
            }
            other if file.is_none() => file = Some(other.to_owned()),
            _ => return Err("more than one FILE".to_owned()),
        }
    }
    let file = file.ok_or("missing FILE")?;
    let content = if file == "-" {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer).map(|_| buffer)
    } else {
        std::fs::read(&file)
    }
    .map_err(|e| format!("{file}: {e}"))?;
    let (mut config, mut names) = (ParserConfig::nut(), UsageNames::STANDARD);
    if let Some(ids) = ids {
        let parsed = ids.split_once(':').and_then(|(v, p)| {
            Some((
                u16::from_str_radix(v, 16).ok()?,
                u16::from_str_radix(p, 16).ok()?,
            ))
        });
        let (vid, pid) = parsed.ok_or_else(|| format!("--vid-pid {ids}: expected VVVV:PPPP"))?;
        let mut options = SelectOptions::default();
        options.product_id = Some(ids);
        let selection =
            nut_hid::select(&DeviceInfo::new(vid, pid), &options).map_err(|e| e.to_string())?;
        config = selection.subdriver.parser_config(vid, pid, false);
        names = selection.subdriver.names();
    }
    if strict {
        config = ParserConfig::strict();
    }
    let bytes = nut_hid::descriptor_bytes(&content).map_err(|e| format!("{file}: {e}"))?;
    let descriptor = ReportDescriptor::decode(&bytes, &config).map_err(|e| match e.offset() {
        Some(offset) => format!("{file}: invalid report descriptor at byte offset {offset}: {e}"),
        None => format!("{file}: invalid report descriptor: {e}"),
    })?;
    Ok(if json {
        format!("{}\n", descriptor.to_json(names))
    } else {
        format!(
            "{}\nHID paths:\n{}",
            descriptor.display_with(names),
            descriptor.path_listing(names)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::describe as hid_describe;

    fn describe(bytes: &[u8], extra: &[&str]) -> Result<String, String> {
        let path = std::env::temp_dir().join(format!(
            "nut-hid-describe-{}-{}.bin",
            std::process::id(),
            bytes.len()
        ));
        std::fs::write(&path, bytes).expect("temp file");
        let mut args = vec![path.to_string_lossy().into_owned()];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let result = hid_describe(&args);
        let _ = std::fs::remove_file(&path);
        result
    }

    /// UPS { PowerSummary { Feature 0x0c RemainingCapacity } }.
    const DESCRIPTOR: [u8; 28] = [
        0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0x09, 0x24, 0xa1, 0x00, 0x85, 0x0c, 0x05, 0x85, 0x09,
        0x66, 0x15, 0x00, 0x25, 0x64, 0x75, 0x08, 0x95, 0x01, 0xb1, 0x02, 0xc0, 0xc0,
    ];

    #[test]
    fn describes_binary_and_hex_with_paths() {
        let text = describe(&DESCRIPTOR, &[]).unwrap();
        assert!(
            text.contains("Feature 0x0c    0+8 UPS.PowerSummary.RemainingCapacity"),
            "{text}"
        );
        let hex: String = DESCRIPTOR.iter().map(|b| format!("{b:02x} ")).collect();
        assert_eq!(describe(hex.as_bytes(), &[]).unwrap(), text);
        let json = describe(&DESCRIPTOR, &["--json"]).unwrap();
        assert!(json.starts_with("{\"length\":28,"), "{json}");
    }

    #[test]
    fn errors_carry_the_offset() {
        let error = describe(&DESCRIPTOR[..25], &[]).unwrap_err();
        assert!(error.contains("at byte offset 24"), "{error}");
        assert!(describe(&DESCRIPTOR, &["--bogus"]).is_err());
        assert!(describe(&DESCRIPTOR, &["--vid-pid", "xyz"]).is_err());
        assert!(hid_describe(&[]).is_err());
    }
}
