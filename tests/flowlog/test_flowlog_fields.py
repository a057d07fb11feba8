"""The field catalogue: complete against the spec, and every field of every version parses to its type."""

from __future__ import annotations

import random
import re

from tui.flowlog import DEFAULT_FORMAT, FIELDS, FieldSpec, FlowFormat, parse_record


def spec_table(text: str) -> dict[str, tuple[int | None, str]]:
    """field -> (version or None when starred, type cell) from the §2 table of flowlog-records.md."""
    rows: dict[str, tuple[int | None, str]] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 4 or not re.fullmatch(r"\d+\*?", cells[1]):
            continue
        version = None if cells[1].endswith("*") else int(cells[1])
        for name in cells[0].split(","):
            rows[name.strip()] = (version, cells[2])
    return rows


def kind_of_spec_type(cell: str) -> str:
    if cell.startswith("int"):
        return "int"
    if cell == "Unix seconds":
        return "epoch"
    if re.fullmatch(r"IP(v4/IPv6)?", cell):
        return "ip"
    return "str"


def test_catalogue_matches_the_spec_table(records_spec):
    table = spec_table(records_spec)
    assert len(table) > 50, "the spec table was not found"
    for name, (version, type_cell) in table.items():
        assert name in FIELDS, name
        assert FIELDS[name].version == version, name
        assert FIELDS[name].kind == kind_of_spec_type(type_cell), name


def test_transit_gateway_names_are_plain_text_fields():
    for name in ("resource-type", "tgw-id", "tgw-attachment-id", "tgw-src-vpc-id", "tgw-dst-eni", "packets-lost-no-route"):
        assert FIELDS[name].kind == "str" and FIELDS[name].version is None


def test_catalogue_entries_are_consistent():
    for name, spec in FIELDS.items():
        assert isinstance(spec, FieldSpec) and spec.name == name
        assert spec.kind in {"int", "str", "ip", "epoch"}
        assert spec.version is None or 2 <= spec.version <= 11
        assert spec.description


def test_default_format_is_the_version_2_fields():
    assert DEFAULT_FORMAT.nfields == 14
    assert set(DEFAULT_FORMAT.names) == {name for name, spec in FIELDS.items() if spec.version == 2}
    assert DEFAULT_FORMAT.names[0] == "version" and DEFAULT_FORMAT.names[-1] == "log-status"


def representative(kind: str, position: int, name: str) -> tuple[str, object]:
    """(token, expected value) for one field of a kind."""
    if kind == "int":
        return str(1000 + position), 1000 + position
    if kind == "epoch":
        return str(1_566_848_875 + position), 1_566_848_875 + position
    if kind == "ip":
        address = f"10.0.0.{position}" if position % 2 else f"2001:db8::{position:x}"
        return address, address
    return f"value-of-{name}", f"value-of-{name}"


def test_every_field_in_one_shuffled_format():
    names = list(FIELDS)
    random.Random(20240601).shuffle(names)
    fmt = FlowFormat.parse(" ".join(f"${{{name}}}" for name in names))
    assert fmt.unknown_names == ()
    assert fmt.version == max(spec.version for spec in FIELDS.values() if spec.version is not None)
    pairs = [representative(FIELDS[name].kind, i, name) for i, name in enumerate(names)]
    record = parse_record(fmt, " ".join(token for token, _ in pairs))
    assert record is not None
    for name, (_, expected) in zip(names, pairs):
        value = record[name]
        assert value == expected and type(value) is type(expected), name


def test_every_field_absent():
    """'-' is absent (None) in every field of every kind, never 0."""
    names = list(FIELDS)
    record = parse_record(FlowFormat.from_names(names), " ".join("-" for _ in names))
    assert record is not None
    assert record.to_dict() == dict.fromkeys(names)
