"""FlowFormat: parsing LogFormat strings and header lines, errors that say where, lookups."""

from __future__ import annotations

import pytest

from tui.errors import FlowtailError
from tui.flowlog import DEFAULT_FORMAT, FlowFormat, FormatError

V3 = "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr}"


def test_default_keyword_and_its_logformat_are_the_same_format():
    fmt = FlowFormat.parse("default")
    assert fmt is DEFAULT_FORMAT
    assert FlowFormat.parse(str(fmt)) == fmt
    assert FlowFormat.parse("  Default\n") == fmt
    assert str(fmt).startswith("${version} ${account-id} ${interface-id} ${srcaddr}")
    assert fmt.version == 2


def test_logformat_fields_in_any_order_and_separated_by_any_whitespace():
    fmt = FlowFormat.parse("\t${dstport}  ${srcaddr}\n${version} ")
    assert fmt.names == ("dstport", "srcaddr", "version")
    assert fmt.nfields == 3
    assert str(fmt) == "${dstport} ${srcaddr} ${version}"
    assert [fmt.index(name) for name in fmt.names] == [0, 1, 2]


def test_header_line_gives_the_same_format_as_its_logformat():
    header = FlowFormat.from_header("version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr")
    assert header == FlowFormat.parse(V3)
    assert hash(header) == hash(FlowFormat.parse(V3))


def test_equality_and_hash_follow_the_field_order():
    a = FlowFormat.parse("${srcaddr} ${dstaddr}")
    b = FlowFormat.from_names(["srcaddr", "dstaddr"])
    c = FlowFormat.parse("${dstaddr} ${srcaddr}")
    assert a == b and a != c
    assert len({a, b, c}) == 2
    assert a != "${srcaddr} ${dstaddr}"
    assert eval(repr(a), {"FlowFormat": FlowFormat}) == a


def test_version_is_the_highest_confirmed_version():
    assert FlowFormat.parse(V3).version == 3
    assert FlowFormat.parse("${srcaddr} ${flow-direction}").version == 5
    assert FlowFormat.parse("${srcaddr} ${ecs-task-id} ${reject-reason}").version == 7
    assert FlowFormat.parse("${encryption-status} ${next-hop-vpc-id}").version is None
    assert FlowFormat.parse("${some-future-field}").version is None


def test_unknown_fields_are_accepted_as_text():
    fmt = FlowFormat.parse("${version} ${some-future-field} ${srcaddr}")
    assert fmt.unknown_names == ("some-future-field",)
    assert fmt.kind("some-future-field") == "str"
    assert fmt.spec("some-future-field").version is None
    assert fmt.version == 2


def test_kind_and_has():
    fmt = DEFAULT_FORMAT
    assert [fmt.kind(name) for name in ("version", "account-id", "srcaddr", "bytes", "start", "end", "action")] == [
        "int", "str", "ip", "int", "epoch", "epoch", "str",
    ]
    assert fmt.has("srcaddr") and not fmt.has("vpc-id")
    assert fmt.position("vpc-id") is None and fmt.position("srcaddr") == 3


def test_converter_types_one_raw_token_like_parse_record():
    fmt = FlowFormat.parse("${account-id} ${bytes} ${start} ${srcaddr} ${action}")
    assert fmt.converter("account-id")("000123456789") == "000123456789"
    assert fmt.converter("bytes")("4249") == 4249
    assert fmt.converter("bytes")("-") is None
    assert fmt.converter("start")("1418530010") == 1418530010
    assert fmt.converter("start")("1418530010123") == 1418530010
    assert fmt.converter("srcaddr")("2001:db8::1") == "2001:db8::1"
    assert fmt.converter("action")("-") is None
    assert fmt.converter("bytes")("42x") is None  # no number: absent
    assert fmt.converters[fmt.index("bytes")] is fmt.converter("bytes")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${version} ${srcaddr", "format: column 12: '${srcaddr' is not closed"),
        ("${version} ${srcaddr} ${version}", "format: column 23: field 'version' appears twice (first at column 1)"),
        ("${version} srcaddr", "format: column 12: 'srcaddr' is not a ${...} field; write '${srcaddr}'"),
        ("${version} , ${srcaddr}", "format: column 12: ',' is not a ${field} token"),
        ("${version}${srcaddr}", "format: column 1: '${version}${srcaddr}': put whitespace after '${version}'"),
        ("${version} ${}", "format: column 12: empty field name '${}'"),
        ("${SRCADDR}", "format: column 1: '${SRCADDR}' is not a field name (lowercase letters, digits and hyphens, "
                       "a letter first); did you mean '${srcaddr}'?"),
        ("${log_status}", "format: column 1: '${log_status}' is not a field name (lowercase letters, digits and "
                          "hyphens, a letter first); did you mean '${log-status}'?"),
        ("", "format: empty; give 'default' or the flow log's LogFormat, e.g. '${version} ${srcaddr} ...'"),
        ("  \n ", "format: empty; give 'default' or the flow log's LogFormat, e.g. '${version} ${srcaddr} ...'"),
    ],
)
def test_bad_formats_say_what_and_where(text, message):
    with pytest.raises(FormatError) as error:
        FlowFormat.parse(text)
    assert str(error.value) == message
    assert isinstance(error.value, FlowtailError)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("version srcaddr version", "header: column 17: field 'version' appears twice (first at column 1)"),
        ("version ${srcaddr}", "header: column 9: '${srcaddr}' is not a field name (lowercase letters, digits and "
                               "hyphens, a letter first)"),
        ("version Srcaddr", "header: column 9: 'Srcaddr' is not a field name (lowercase letters, digits and "
                            "hyphens, a letter first); did you mean 'srcaddr'?"),
        ("", "header: no field names"),
    ],
)
def test_bad_headers_say_what_and_where(line, message):
    with pytest.raises(FormatError) as error:
        FlowFormat.from_header(line)
    assert str(error.value) == message


def test_missing_field_suggests_close_matches():
    with pytest.raises(FormatError) as error:
        DEFAULT_FORMAT.index("scraddr")
    assert not isinstance(error.value, KeyError)
    assert str(error.value).startswith("format: no field 'scraddr' in this format; did you mean 'srcaddr'")
    with pytest.raises(FormatError, match="did you mean 'log-status'"):
        DEFAULT_FORMAT.kind("logstatus")


def test_missing_field_without_close_match_lists_the_fields():
    with pytest.raises(FormatError) as error:
        DEFAULT_FORMAT.converter("vpc-id")
    message = str(error.value)
    assert message.startswith("format: no field 'vpc-id' in this format; its fields are version, account-id,")
    assert message.endswith("action, log-status")
    assert "\n" not in message
