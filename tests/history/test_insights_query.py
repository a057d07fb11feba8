"""The Logs Insights query text, checked against AWS's documented flow-log example queries
(tests/data/insights-vpc-examples.json names each one's source).

Nothing here can run a query (moto ignores ``filter``, ``parse`` and ``stats``), so the text is read
with a small lexer: the same lexer first reads every documented example and finds only discovered
fields, documented commands and functions in them; then flowtail's queries must use nothing else, in
the documented forms (``isIpv4InSubnet(srcAddr, "…")``, ``stats … by``, ``sort … desc``, ``limit``,
``estimate`` last).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tui.flowlog.logformat import DEFAULT_FORMAT, FlowFormat
from tui.history.insights_query import (
    QueryTextError,
    estimate_query,
    parse_command,
    peers_query,
    records_query,
    timeline_query,
)
from tui.history.model import Question, Subject, TimeRange

DATA = json.loads((Path(__file__).parents[1] / "data" / "insights-vpc-examples.json").read_text())
DISCOVERED = set(DATA["discovered_fields"])
EXAMPLES = [example["query"] for example in DATA["examples"]]
KEYWORDS = {"by", "as", "and", "or", "not", "desc", "asc", "like", "in"}
RANGE = TimeRange(datetime(2026, 12, 6, 10, tzinfo=timezone.utc), datetime(2026, 12, 6, 11, tzinfo=timezone.utc))
CUSTOM = FlowFormat.parse(
    "${version} ${vpc-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} "
    "${bytes} ${start} ${end} ${action} ${log-status} ${flow-direction}"
)
_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|/(?:[^/\\]|\\.)+/|\d+(?:\.\d+)?[smhd]?|@?[A-Za-z_][\w.]*|\*|[^\s\w]'
)


def commands(query: str) -> list[list[str]]:
    """The query's commands, each as its tokens (``|`` inside strings and regexes does not split)."""
    result: list[list[str]] = [[]]
    for token in _TOKEN.findall(query):
        if token == "|":
            result.append([])
        else:
            result[-1].append(token)
    return [command for command in result if command]


def vocabulary(query: str) -> tuple[set[str], set[str], set[str]]:
    """(command verbs, functions, fields read) of ``query``; names it defines (``as``, ``parse``) are
    not fields read."""
    verbs: set[str] = set()
    functions: set[str] = set()
    fields: set[str] = set()
    defined: set[str] = set()
    for command in commands(query):
        verb, rest = command[0].lower(), command[1:]
        verbs.add(verb)
        if verb == "parse":
            defined.update(token for token in rest[rest.index("as") + 1 :] if token != ",")
            rest = rest[: rest.index("as")]
        for position, token in enumerate(rest):
            if not re.fullmatch(r"@?[A-Za-z_][\w.]*", token) or token.lower() in KEYWORDS:
                continue
            if position + 1 < len(rest) and rest[position + 1] == "(":
                functions.add(token)
            elif position > 0 and rest[position - 1].lower() == "as":
                defined.add(token)
            elif token not in defined:
                fields.add(token)
    return verbs, functions, fields


EXAMPLE_VERBS = set().union(*(vocabulary(q)[0] for q in EXAMPLES))
EXAMPLE_FUNCTIONS = set().union(*(vocabulary(q)[1] for q in EXAMPLES)) | set(DATA["documented_functions"])


def our_queries(subject: str, fmt: FlowFormat = DEFAULT_FORMAT) -> list[str]:
    question = Question(Subject.parse(subject), RANGE, bin_seconds=300, records_limit=50)
    texts = [timeline_query(question, fmt), peers_query(question, fmt), records_query(question, fmt)]
    return texts + [estimate_query(texts[1])]


@pytest.mark.parametrize("example", DATA["examples"], ids=lambda e: e["title"][:40])
def test_the_lexer_reads_every_documented_example_as_discovered_fields_only(example):
    """The checker itself, on AWS's own examples: every field they read is discovered (or parsed)."""
    _, _, fields = vocabulary(example["query"])
    assert fields <= DISCOVERED, fields - DISCOVERED


@pytest.mark.parametrize("subject", ["10.0.0.5", "2001:db8::1", "10.0.0.0/16", "2001:db8::/32", "eni-0abc1234", "port:22"])
def test_default_format_queries_use_only_discovered_fields_and_documented_commands(subject):
    for query in our_queries(subject):
        verbs, functions, fields = vocabulary(query)
        assert fields <= DISCOVERED, (query, fields - DISCOVERED)
        assert verbs <= EXAMPLE_VERBS, (query, verbs - EXAMPLE_VERBS)
        assert functions <= EXAMPLE_FUNCTIONS, (query, functions - EXAMPLE_FUNCTIONS)


def test_custom_format_queries_read_only_what_their_parse_names():
    parse = parse_command(CUSTOM)
    for query in our_queries("10.0.0.5", CUSTOM):
        assert query.startswith(parse + "\n| filter ")
        _, _, fields = vocabulary(query)
        assert fields <= {"@message", "@timestamp"}, fields


def test_parse_has_one_glob_per_field_and_gives_known_fields_their_discovered_names():
    tokens = commands(parse_command(CUSTOM))[0]
    pattern = tokens[2]
    names = [token for token in tokens[tokens.index("as") + 1 :] if token != ","]
    assert pattern.strip('"').split(" ") == ["*"] * CUSTOM.nfields
    assert names == [
        "version", "vpc_id", "interfaceId", "srcAddr", "dstAddr", "srcPort", "dstPort", "protocol", "packets",
        "bytes", "startTime", "endTime", "action", "logStatus", "flow_direction",
    ]
    assert parse_command(DEFAULT_FORMAT) == ""


def test_a_cidr_is_selected_with_the_documented_subnet_function_on_both_sides():
    """As in "top 15 byte transfers for hosts on a given subnet": isIpv4InSubnet(srcAddr, "…")."""
    documented = re.search(r'(isIpv4InSubnet)\((srcAddr), ("[^"]+")\)', EXAMPLES[1])
    assert documented is not None
    text = timeline_query(Question(Subject.parse("10.1.0.0/16"), RANGE), DEFAULT_FORMAT)
    assert 'isIpv4InSubnet(srcAddr, "10.1.0.0/16") or isIpv4InSubnet(dstAddr, "10.1.0.0/16")' in text
    text6 = timeline_query(Question(Subject.parse("2001:db8::/32"), RANGE), DEFAULT_FORMAT)
    assert 'isIpv6InSubnet(srcAddr, "2001:db8::/32") or isIpv6InSubnet(dstAddr, "2001:db8::/32")' in text6


@pytest.mark.parametrize(
    ("subject", "condition"),
    [
        ("10.0.0.5", '(srcAddr = "10.0.0.5" or dstAddr = "10.0.0.5")'),
        ("eni-0abc1234", 'interfaceId = "eni-0abc1234"'),
        ("port:22", "(srcPort = 22 or dstPort = 22)"),
    ],
)
def test_every_query_filters_the_subject_and_the_range_on_the_records_start(subject, condition):
    for query in our_queries(subject):
        first = commands(query)[0]
        assert first[0] == "filter"
        assert query.splitlines()[0] == (
            f"filter {condition} and startTime >= {RANGE.start_s} and startTime < {RANGE.end_s}"
        )


def test_timeline_bins_the_records_start_on_epoch_multiples_per_action():
    text = timeline_query(Question(Subject.parse("10.0.0.5"), RANGE, bin_seconds=900), DEFAULT_FORMAT)
    assert "fields floor(startTime / 900) * 900 as binStart" in text
    assert "by binStart, action" in text


def test_peers_group_by_both_sides_and_a_port_subjects_source_flag():
    text = peers_query(Question(Subject.parse("port:22"), RANGE), DEFAULT_FORMAT)
    assert "fields srcPort = 22 as srcIsSubject" in text  # the documented boolean-as-field form
    assert text.splitlines()[-3].endswith("by srcAddr, dstAddr, dstPort, protocol, action, srcIsSubject")
    eni = peers_query(Question(Subject.parse("eni-0abc1234"), RANGE), CUSTOM)
    assert eni.splitlines()[-3].endswith("by srcAddr, dstAddr, dstPort, protocol, action, flow_direction")


def test_records_are_the_newest_n_and_estimate_is_the_last_command():
    text = records_query(Question(Subject.parse("10.0.0.5"), RANGE, records_limit=7), DEFAULT_FORMAT)
    assert [c[0] for c in commands(text)] == ["filter", "fields", "sort", "limit"]
    assert text.endswith("| sort startTime desc\n| limit 7")
    assert [c[0] for c in commands(estimate_query(text))][-1] == "estimate"


def test_a_format_without_the_needed_fields_is_refused_in_one_line():
    no_ports = FlowFormat.parse("${srcaddr} ${dstaddr} ${start} ${action} ${bytes} ${packets}")
    with pytest.raises(QueryTextError, match="no 'srcport' field"):
        timeline_query(Question(Subject.parse("port:22"), RANGE), no_ports)
    with pytest.raises(QueryTextError, match="between 1 and 10000"):
        records_query(Question(Subject.parse("10.0.0.5"), RANGE, records_limit=10_001), DEFAULT_FORMAT)
