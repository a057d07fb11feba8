"""detect_header: S3 header lines are found; records, documented or not, never are."""

from __future__ import annotations

import pytest

from tui.flowlog import DEFAULT_FORMAT, FlowFormat, detect_header


def test_documented_file_header_is_detected(doc_cases):
    (file_case,) = [case for case in doc_cases if "file_lines" in case]
    header = file_case["file_lines"][0]
    assert detect_header(header) == FlowFormat.from_header(header)


def test_documented_record_is_not_a_header(doc_record_line):
    assert detect_header(doc_record_line) is None


def test_default_header_and_unknown_fields():
    assert detect_header(" ".join(DEFAULT_FORMAT.names) + "\n") == DEFAULT_FORMAT
    assert detect_header("version some-future-field").names == ("version", "some-future-field")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "some-future-field another-one",  # no known field
        "Version srcaddr",  # not field spelling
        "${version} ${srcaddr}",  # a LogFormat, not a header
        "version srcaddr version",  # repeated name
        "eni-0a1b2c3d4e5f67890 vpc-0a1b2c3d4e5f67890 ingress",  # a record of text fields
        "egress eni-0a1b2c3d srcaddr",  # resource ID next to a field-like value
        "ingress - 10.0.133.8",
    ],
)
def test_not_a_header(line):
    assert detect_header(line) is None
