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
    for name in ("resource-type", "tgw-id", "tgw-attachment-id", "tgw-src-vpc-id", "tgw-dst-eni", "tgw-src-vpc-account-id"):
        assert FIELDS[name].kind == "str" and FIELDS[name].version is None


LOST = ("packets-lost-no-route", "packets-lost-blackhole", "packets-lost-mtu-exceeded", "packets-lost-ttl-expired")
# The transit-gateway flow log's default (version 6) layout, as its LogFormat.
TGW_V6 = FlowFormat.parse(
    "${version} ${resource-type} ${account-id} ${tgw-id} ${tgw-attachment-id} ${tgw-src-vpc-account-id} "
    "${tgw-dst-vpc-account-id} ${tgw-src-vpc-id} ${tgw-dst-vpc-id} ${tgw-src-subnet-id} ${tgw-dst-subnet-id} "
    "${tgw-src-eni} ${tgw-dst-eni} ${tgw-src-az-id} ${tgw-dst-az-id} ${tgw-pair-attachment-id} ${srcaddr} "
    "${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${log-status} ${type} "
    "${packets-lost-no-route} ${packets-lost-blackhole} ${packets-lost-mtu-exceeded} ${packets-lost-ttl-expired} "
    "${tcp-flags} ${region} ${flow-direction} ${pkt-src-aws-service} ${pkt-dst-aws-service}"
)


def tgw_record(lost: tuple[str, str, str, str] = ("0", "3", "-", "12")) -> str:
    return (
        "6 TransitGateway 123456789010 tgw-0123456789abcdef0 tgw-attach-0123456789abcdef0 123456789010 "
        "210987654321 vpc-0aaaaaaaaaaaaaaa1 vpc-0bbbbbbbbbbbbbbb2 subnet-0aaaaaaaaaaaaaaa1 subnet-0bbbbbbbbbbbbbbb2 "
        "eni-0aaaaaaaaaaaaaaa1 eni-0bbbbbbbbbbbbbbb2 use1-az1 use1-az2 tgw-attach-0fedcba9876543210 10.1.0.5 "
        f"10.2.0.9 49152 443 6 20 4249 1700000000 1700000060 OK IPv4 {' '.join(lost)} 18 us-east-1 egress - -"
    )


def test_transit_gateway_packet_counters_are_numbers():
    """Counters count packets: typed as int like packets and bytes, so sum: and > work on them."""
    for name in LOST:
        assert FIELDS[name].kind == "int", name
    record = parse_record(TGW_V6, tgw_record())
    assert record is not None
    assert [record[name] for name in LOST] == [0, 3, None, 12]
    assert record["account-id"] == "123456789010" and record["tgw-dst-vpc-account-id"] == "210987654321"
    unreadable = parse_record(TGW_V6, tgw_record(("0", "x", "0", "0")))
    assert unreadable is not None and unreadable["packets-lost-blackhole"] is None  # no number: absent


def test_every_count_port_and_number_in_the_catalogue_is_numeric():
    """The review of the catalogue: a field that holds a quantity is a number; identifiers are text."""
    numbers = {
        "version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "tcp-flags",
        "traffic-path", "encryption-status", *LOST,
    }
    assert {name for name, spec in FIELDS.items() if spec.kind in ("int", "epoch")} == numbers


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
    """'-' is absent (None) in every field of every kind, never 0; but ``start``, the event time,
    needs a value: a record without one is malformed."""
    names = list(FIELDS)
    fmt = FlowFormat.from_names(names)
    record = parse_record(fmt, " ".join("1700000000" if name == "start" else "-" for name in names))
    assert record is not None
    assert record.to_dict() == {**dict.fromkeys(names), "start": 1700000000}
    assert parse_record(fmt, " ".join("-" for _ in names)) is None
