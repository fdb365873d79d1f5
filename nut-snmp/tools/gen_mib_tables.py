#!/usr/bin/env python3
"""Generate nut-snmp's MIB tables (src/mib/tables/*.rs) from the fact sheet.

usage: gen_mib_tables.py SNMP_MAPS_MD OUT_DIR

The fact sheet (`snmp-maps.md`, part 2) restates every snmp-ups mapping table
as Markdown: the descriptor list (2.1), one "Mapping table" per MIB with its
"Lookup tables used by" list, and the "Alarm OID table"s (2.33). This script
turns those tables into Rust data, one file per mapping table, plus `mod.rs`
with the descriptor list in `mibs=auto` trial order. OIDs, names, defaults
and lookup texts are copied exactly, mistakes included (they are data).

Lookup lists are cut at the first `"NULL"` text: snmp-ups stops its lookup
there, so the pairs after it (and the sentinel itself) never match.
"""
import re
import sys

FLAG_NAMES = [
    "STATIC", "SEMI_STATIC", "ABSENT", "NEGINVALID", "ZEROINVALID", "NAINVALID",
    "UNIQUE", "OUTLET", "OUTLET_GROUP", "AMBIENT", "INPUT_1", "INPUT_3",
    "OUTPUT_1", "OUTPUT_3", "BYPASS_1", "BYPASS_3", "TYPE_TIME", "TYPE_INT",
    "CMD_OFFSET", "DAISY_1", "DAISY_MASTER_ONLY", "STATUS_PWR", "STATUS_BATT",
    "STATUS_CAL", "STATUS_RB", "STALE",
]
FUNCTIONS = {
    "su_usdate_to_isodate_info_fun": "UsDateToIsoDate",
    "eaton_sensor_temperature_unit_fun": "SensorTemperatureUnit",
    "su_temperature_read_fun": "TemperatureRead",
    "marlin_device_count_fun": "DeviceCount",
}


def cells(line):
    """Split a Markdown table line on unescaped pipes; unescape `\\|`."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [p.strip().replace("\\|", "|") for p in parts[1:-1]]


def code(cell):
    """The text inside the first backtick pair, or None for '—'."""
    m = re.match(r"^`(.*?)`", cell)
    return m.group(1) if m else None


def quoted(cell):
    """A `"text"` cell as the text, or None for '—'."""
    m = re.match(r'^`"(.*)"`$', cell)
    return m.group(1) if m else None


def rust_str(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def opt_str(text):
    return "None" if text is None else f"Some({rust_str(text)})"


def const_name(name):
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def parse(md):
    lines = md.splitlines()
    descriptors, tables, alarms = [], {}, {}
    order = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("| # | mibs name |"):
            i += 2
            while lines[i].startswith("|"):
                c = cells(lines[i])
                descriptors.append({
                    "mibs": code(c[1]), "descriptor": code(c[2]).split(" ")[0],
                    "file": re.search(r"\((.*)\)", c[2]).group(1), "version": c[3],
                    "sys_oid": code(c[4]), "probe": code(c[5]), "auto_check": code(c[6]),
                    "power_status": code(c[7]), "table": code(c[8]),
                    "alarms": code(c[11]) if c[11] != "—" else None,
                })
                i += 1
            continue
        m = re.match(r"^#### Mapping table `(\w+)` \((\d+) rows, file (\S+)\)", line)
        if m:
            name, count, source = m.group(1), int(m.group(2)), m.group(3)
            while not lines[i].startswith("| # | NUT name |"):
                i += 1
            i += 2
            rows = []
            while lines[i].startswith("|"):
                c = cells(lines[i])
                oid_cell = c[2]
                oid = None if oid_cell.startswith("—") else oid_cell[1:-1]
                kind = c[3].split()
                flags = [f.strip() for f in c[5].split(",") if f.strip()]
                for f in flags:
                    assert f in FLAG_NAMES, (name, f)
                rows.append({
                    "name": code(c[1]), "oid": oid, "kind": kind[0],
                    "rw": "RW" in kind[1:], "len": c[4], "flags": flags,
                    "default": quoted(c[6]) if c[6] != "—" else None,
                    "lookup": code(c[7]) if c[7] else None,
                })
                i += 1
            assert len(rows) == count, (name, len(rows), count)
            tables[name] = {"rows": rows, "source": source, "lookups": {}}
            order.append(name)
            continue
        m = re.match(r"^Lookup tables used by `(\w+)`", line)
        if m:
            table = tables[m.group(1)]
            i += 1
            while not lines[i].startswith("- `"):
                i += 1
            while lines[i].startswith("- `"):
                lm = re.match(r"^- `(\w+)`: (.*)$", lines[i])
                lname, body = lm.group(1), lm.group(2)
                fm = re.match(r"conversion function `(\w+)`", body)
                if fm:
                    table["lookups"][lname] = ("fun", FUNCTIONS[fm.group(1)])
                else:
                    pairs = []
                    for pm in re.finditer(r'(-?(?:0x[0-9A-Fa-f]+|\d+)) → `"((?:[^"]|"(?!`))*)"`', body):
                        text = pm.group(2)
                        if text == "NULL":
                            break
                        pairs.append((int(pm.group(1), 0), text))
                    table["lookups"][lname] = ("pairs", pairs)
                i += 1
            continue
        m = re.match(r"^#### Alarm OID table `(\w+)`", line)
        if m:
            name = m.group(1)
            while not lines[i].startswith("| OID |"):
                i += 1
            i += 2
            entries = []
            while lines[i].startswith("|"):
                c = cells(lines[i])
                entries.append((code(c[0]), quoted(c[1]) if c[1] != "—" else None,
                                quoted(c[2]) if c[2] != "—" else None))
                i += 1
            alarms[name] = entries
            continue
        i += 1
    return descriptors, tables, order, alarms


def number(text):
    value = float(text)
    return repr(value)


def write_table(out_dir, name, table, alarm_tables):
    used = {r["lookup"] for r in table["rows"] if r["lookup"]}
    missing = used - set(table["lookups"])
    assert not missing, (name, missing)
    out = []
    out.append(f"//! Mapping table `{name}` ({len(table['rows'])} rows, NUT `drivers/{table['source']}`),")
    out.append("//! generated by `tools/gen_mib_tables.py` from the snmp-maps fact sheet.")
    out.append("//! Do not edit by hand: fix the generator or the fact sheet and regenerate.")
    out.append("")
    out.append("#[allow(unused_imports)]")
    out.append("use crate::mib::flag::*;")
    out.append("#[allow(unused_imports)]")
    out.append("use crate::mib::{AlarmEntry, Conversion, Kind, Lookup, Row};")
    out.append("")
    for lname in sorted(table["lookups"]):
        if lname not in used:
            continue
        kind, data = table["lookups"][lname]
        cname = const_name(lname)
        if kind == "fun":
            out.append(f"static {cname}: Lookup = Lookup::Function(Conversion::{data});")
        else:
            body = ", ".join(f"({k}, {rust_str(v)})" for k, v in data)
            out.append(f"static {cname}: Lookup = Lookup::Pairs(&[{body}]);")
    out.append("")
    out.append(f"/// The rows of `{name}`, in table order.")
    out.append("pub(crate) static ROWS: &[Row] = &[")
    for r in table["rows"]:
        flags = " | ".join(r["flags"]) if r["flags"] else "0"
        lookup = f"Some(&{const_name(r['lookup'])})" if r["lookup"] else "None"
        kind = {"str": "Kind::Str", "num": "Kind::Num", "CMD": "Kind::Cmd"}[r["kind"]]
        out.append(
            f"    Row::new({rust_str(r['name'])}, {opt_str(r['oid'])}, {kind}, {str(r['rw']).lower()}, "
            f"{number(r['len'])}, {flags}, {opt_str(r['default'])}, {lookup}),"
        )
    out.append("];")
    for aname, entries in alarm_tables:
        out.append("")
        out.append(f"/// Alarm OID table `{aname}` (values met by the `ups.alarms` walk).")
        out.append(f"pub(crate) static {const_name(aname)}: &[AlarmEntry] = &[")
        for oid, token, text in entries:
            out.append(f"    AlarmEntry {{ oid: {rust_str(oid)}, status: {opt_str(token)}, alarm: {opt_str(text)} }},")
        out.append("];")
    with open(f"{out_dir}/{name.lower()}.rs", "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    md = open(sys.argv[1], encoding="utf-8").read()
    out_dir = sys.argv[2]
    descriptors, tables, order, alarms = parse(md)
    assert len(descriptors) == 36, len(descriptors)
    alarm_owner = {}
    for d in descriptors:
        if d["alarms"]:
            aname = d["alarms"].split(" ")[0]
            alarm_owner.setdefault(d["table"], []).append(aname)
    for name in order:
        owned = [(a, alarms[a]) for a in alarm_owner.get(name, [])]
        write_table(out_dir, name, tables[name], owned)
    out = []
    out.append("//! The mapping tables and the descriptor list, generated by")
    out.append("//! `tools/gen_mib_tables.py` from the snmp-maps fact sheet (part 2).")
    out.append("//! Do not edit by hand.")
    out.append("")
    for name in order:
        out.append(f"mod {name.lower()};")
    out.append("")
    out.append("use crate::mib::Mib;")
    out.append("")
    out.append("/// Every mapping snmp-ups knows, in `mibs=auto` trial order (snmp-maps.md 2.1).")
    out.append("pub(crate) static MIBS: &[Mib] = &[")
    for d in descriptors:
        alarms_ref = "None"
        if d["alarms"]:
            aname = d["alarms"].split(" ")[0]
            alarms_ref = f"Some({d['table'].lower()}::{const_name(aname)})"
        out.append("    Mib {")
        out.append(f"        name: {rust_str(d['mibs'])},")
        out.append(f"        descriptor: {rust_str(d['descriptor'])},")
        out.append(f"        version: {rust_str(d['version'])},")
        out.append(f"        sys_oid: {opt_str(d['sys_oid'])},")
        out.append(f"        auto_check_oid: {opt_str(d['auto_check'])},")
        out.append(f"        power_status_oid: {opt_str(d['power_status'])},")
        out.append(f"        table: {rust_str(d['table'])},")
        out.append(f"        rows: {d['table'].lower()}::ROWS,")
        out.append(f"        alarms: {alarms_ref},")
        out.append("    },")
    out.append("];")
    with open(f"{out_dir}/mod.rs", "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"{len(order)} tables, {sum(len(t['rows']) for t in tables.values())} rows, "
          f"{len(descriptors)} descriptors, {len(alarms)} alarm tables")


if __name__ == "__main__":
    main()
