"""The Insights engine's answers equal the brute-force reference (tests/history/reference.py) on
generated records: every subject kind, NODATA records, IPv6, the default format and a version-5 one
(parsed, with ``flow-direction``), any time range, bin and limits.

Nothing executes Logs Insights here (moto ignores ``filter``, ``parse`` and ``stats``), so a stand-in
computes the rows Insights returns for flowtail's queries: the subject filter as Insights evaluates
it on the record's tokens (text equality, subnet membership, numeric ports), and each ``stats``
grouped by the keys named in the query text's own ``by`` clause. The rows go through the Insights
double and real boto3, so what is checked is everything the engine does with them: folding the
grouped rows into in/out peers (the port subject's source flag, an ENI's flow direction), ordering,
limits, the timeline and the record decoding. Insights orders records by start only, so among records
with the same start the stand-in returns them in a random order: the check there is on their starts.
"""

from __future__ import annotations

import ipaddress
import random
from collections import defaultdict
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.history.insights import InsightsEngine, PollPolicy
from tui.history.insights_query import insights_name
from tui.history.model import Question, Subject, TimeRange, from_epoch
from tui.sources.clients import make_client

from tests.history.insights_double import InsightsDouble
from tests.history.reference import BASE, V5, expected, line, observed

SUBJECTS = {
    "address": ["10.0.0.1", "192.0.2.7", "2001:db8::1"],
    "cidr": ["10.0.0.0/24", "0.0.0.0/0", "2001:db8::/32"],
    "eni": ["eni-00000000000000001", "eni-00000000000000002"],
    "port": ["port:22", "port:50000"],
}
FAST = PollPolicy(first_s=0.005, factor=1.5, max_s=0.02, timeout_s=30)


@pytest.fixture(scope="module")
def double():
    """One double and its client for every example (reset before each), with throwaway credentials."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        server = InsightsDouble().start()
        try:
            yield server, make_client("logs", region="us-east-1", endpoint_url=server.url)
        finally:
            server.stop()


def tokens(fmt: FlowFormat, text: str) -> dict[str, str]:
    """The record's fields under their Insights names, as text (Insights returns every value as text)."""
    split = fmt.split(text)
    assert split is not None
    return {insights_name(name): token for name, token in zip(fmt.names, split)}


def _number(token: str) -> int | None:
    return int(token) if token.isdigit() else None


def selected(question: Question, record: dict[str, str]) -> bool:
    """The query's filter, as Insights evaluates it on the record's tokens."""
    start = int(record["startTime"])
    if not question.time_range.start_s <= start < question.time_range.end_s:
        return False
    subject = question.subject
    if subject.kind == "address":
        return subject.value in (record["srcAddr"], record["dstAddr"])
    if subject.kind == "cidr":
        network = subject.network

        def inside(token: str) -> bool:
            try:
                address = ipaddress.ip_address(token)
            except ValueError:
                return False
            return address.version == network.version and address in network

        return inside(record["srcAddr"]) or inside(record["dstAddr"])
    if subject.kind == "eni":
        return record["interfaceId"] == subject.value
    return subject.port in (_number(record["srcPort"]), _number(record["dstPort"]))


def stats(rows: list[dict[str, str]], keys: list[str], first_last: bool) -> list[dict[str, object]]:
    groups: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[key] for key in keys)].append(row)
    out = []
    for key, members in groups.items():
        result: dict[str, object] = dict(zip(keys, key))
        result["flows"] = len(members)
        result["flowBytes"] = sum(_number(m["bytes"]) or 0 for m in members)
        result["flowPackets"] = sum(_number(m["packets"]) or 0 for m in members)
        if first_last:
            result["firstStart"] = min(int(m["startTime"]) for m in members)
            result["lastStart"] = max(int(m["startTime"]) for m in members)
        out.append(result)
    return out


def by_keys(query: str) -> list[str]:
    """The ``by`` clause of the query's ``stats`` command, read from its text."""
    stats_line = next(part for part in query.split("\n| ") if part.startswith("stats "))
    return [key.strip() for key in stats_line.rsplit(" by ", 1)[1].split(",")]


def script(double: InsightsDouble, engine: InsightsEngine, question: Question, fmt: FlowFormat, lines, rng) -> None:
    texts = engine.queries(question)
    matched = [(text, tokens(fmt, text)) for text in lines if selected(question, tokens(fmt, text))]
    rows = [record for _, record in matched]
    bin_s = question.bin_seconds
    for row in rows:
        row["binStart"] = str(int(row["startTime"]) // bin_s * bin_s)
        if question.subject.kind == "port":
            row["srcIsSubject"] = "1" if _number(row["srcPort"]) == question.subject.port else "0"
    double.answer("as binStart", stats(rows, by_keys(texts["timeline"]), first_last=False))
    double.answer("lastStart by", stats(rows, by_keys(texts["peers"]), first_last=True))
    newest = sorted(matched, key=lambda item: (-int(item[1]["startTime"]), rng.random()))
    double.answer(
        "sort startTime desc",
        [{"@message": text, "startTime": record["startTime"]} for text, record in newest[: question.records_limit]],
    )


@pytest.mark.parametrize("kind", SUBJECTS)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], report_multiple_bugs=False)
@given(
    st.sampled_from([DEFAULT_FORMAT, V5]),
    st.integers(0, 80),
    st.integers(0, 2**32),
    st.data(),
    st.integers(0, 3600),
    st.one_of(st.just(3600), st.integers(1, 3600)),
    st.sampled_from([60, 300, 7]),
    st.sampled_from([0, 3, 50]),
    st.sampled_from([2, 100]),
)
def test_insights_engine_matches_the_reference(double, kind, fmt, count, seed, data, offset, length, bin_s, records,
                                               peers):
    subject = data.draw(st.sampled_from(SUBJECTS[kind]))
    rng = random.Random(seed)
    lines = [line(fmt, rng) for _ in range(count)]
    start = from_epoch(BASE + offset)
    question = Question(Subject.parse(subject), TimeRange(start, start + timedelta(seconds=length)), bin_s, records,
                        peers)
    server, client = double
    server.reset()
    engine = InsightsEngine(client, ["/vpc/flow-logs"], fmt, poll=FAST)
    script(server, engine, question, fmt, lines, rng)
    answer = engine.run(question)
    want = expected(question, [(fmt, text) for text in lines])
    got = observed(answer)
    assert got["timeline"] == want["timeline"]
    assert got["peers"] == want["peers"]
    assert got["matched"] == want["matched"]
    starts = [int(row.timestamp.timestamp()) for row in answer.records]
    assert starts == [fields["start"] for _, fields in want["records"]]
    matching = {text for text in lines if selected(question, tokens(fmt, text))}
    assert {row.message for row in answer.records} <= matching
