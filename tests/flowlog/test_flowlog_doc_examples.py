"""Every documented example record parses to the documented values (read from the shared spec data)."""

from __future__ import annotations

import json

import pytest

from tui.flowlog import FlowFormat, detect_header, parse_record


def test_local_copy_is_byte_identical_to_the_shared_file(example_copies):
    shared, local = example_copies
    assert local.is_file(), "tests/data/spec must hold a verbatim copy of the shared examples"
    if not shared.is_file():
        pytest.skip("the shared spec tree is not available; the local copy is used")
    assert local.read_bytes() == shared.read_bytes()


def test_every_case_is_a_kind_this_test_understands(doc_cases):
    """A new kind of case must not be skipped silently."""
    assert doc_cases
    for case in doc_cases:
        assert ("line" in case and "expect" in case) or ("file_lines" in case and "expect_records" in case), case["name"]


def assert_values(record, expect: dict) -> None:
    for name, value in expect.items():
        got = record[name]
        assert got == value and type(got) is type(value), f"{name}: {got!r} != {value!r}"


def test_documented_case(doc_case):
    if "file_lines" in doc_case:
        header, *rest = doc_case["file_lines"]
        fmt = detect_header(header)
        assert fmt is not None and fmt.names == tuple(header.split())
        records = [parse_record(fmt, line) for line in rest]
        assert all(record is not None for record in records)
        assert parse_record(fmt, header) is None, "the header line must never read as a record"
        assert len(records) == doc_case["expect_records"]
        assert_values(records[0], doc_case["expect_first"])
        return
    record = parse_record(FlowFormat.parse(doc_case["format"]), doc_case["line"])
    assert record is not None
    assert_values(record, doc_case["expect"])
    as_dict = record.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    for name, value in doc_case["expect"].items():
        assert as_dict[name] == value


def doc_records(case: dict) -> list:
    if "file_lines" in case:
        header, *rest = case["file_lines"]
        fmt = detect_header(header)
        return [parse_record(fmt, line) for line in rest]
    return [parse_record(FlowFormat.parse(case["format"]), case["line"])]


def test_status_and_traffic_follow_log_status(doc_case):
    """NODATA and SKIPDATA examples are records without traffic; OK ones, and formats without log-status, carry traffic."""
    for record in doc_records(doc_case):
        status = record.get("log-status")
        assert record.status == status
        assert record.is_traffic == (status not in ("NODATA", "SKIPDATA"))
