"""The history questions in CloudWatch Logs Insights' query language (text only: no AWS, no I/O).

For the default format the queries use the fields Insights discovers in VPC flow logs by itself
(``srcAddr``, ``dstAddr``, ``srcPort``, ``dstPort``, ``protocol``, ``packets``, ``bytes``,
``startTime``, ``endTime``, ``action``, ``logStatus``, ``interfaceId``, ``accountId``, ``version``:
"Supported logs and discovered fields", CloudWatch Logs user guide). A custom format is not
discovered: the query starts with ``parse @message "* * ..." as ...`` built from the configured
LogFormat and gives each parsed field the name Insights would discover for it, so every later command
is the same text for both.

Semantics (shared with the other engines): a record concerns an address when it is its source or its
destination, a CIDR when either side is inside it, an ENI when it was recorded on it, a port when it
is its source or destination port. The time range applies to the record's ``start`` (half-open:
``since <= start < until``), and so do the timeline's bins.
"""

from __future__ import annotations

import json

from tui.flowlog.logformat import DEFAULT_FORMAT, FlowFormat
from tui.history.model import HistoryError, Question, Subject

# The flow-log field -> the name Insights discovers for it in the default format.
DISCOVERED: dict[str, str] = {
    "version": "version",
    "account-id": "accountId",
    "interface-id": "interfaceId",
    "srcaddr": "srcAddr",
    "dstaddr": "dstAddr",
    "srcport": "srcPort",
    "dstport": "dstPort",
    "protocol": "protocol",
    "packets": "packets",
    "bytes": "bytes",
    "start": "startTime",
    "end": "endTime",
    "action": "action",
    "log-status": "logStatus",
}

MAX_LOG_GROUPS = 50  # StartQuery's limit
MAX_QUERY_CHARS = 10_000  # a query string's limit
MAX_ROWS = 10_000  # the ``limit`` Insights accepts in one query


class QueryTextError(HistoryError):
    """A question or format that cannot be put into a query (the message is one line)."""


def insights_name(field: str) -> str:
    """The Insights field name for a flow-log field: the discovered name, else the hyphens made
    underscores (``flow-direction`` -> ``flow_direction``), a name ``parse`` accepts."""
    return DISCOVERED.get(field) or field.replace("-", "_")


def parse_command(fmt: FlowFormat) -> str:
    """``""`` for the default format (its fields are discovered), else the ``parse`` that names the
    fields of the LogFormat, one ``*`` per space-separated field."""
    if fmt == DEFAULT_FORMAT:
        return ""
    globs = " ".join("*" for _ in fmt.names)
    names = ", ".join(insights_name(name) for name in fmt.names)
    return f'parse @message "{globs}" as {names}'


def require_fields(fmt: FlowFormat, fields: tuple[str, ...]) -> None:
    """QueryTextError naming the first of ``fields`` the format lacks."""
    for name in fields:
        if not fmt.has(name):
            raise QueryTextError(f"the flow log's format has no {name!r} field, which this history question needs")


def _string(value: str) -> str:
    return json.dumps(value)  # a double-quoted literal with its quotes and backslashes escaped


def subject_condition(subject: Subject) -> str:
    """The boolean expression that selects the subject's records (``Subject.parse`` has checked and
    canonicalised the value; literals are still quoted and escaped)."""
    kind, value = subject.kind, subject.value
    if kind == "address":
        return f"(srcAddr = {_string(value)} or dstAddr = {_string(value)})"
    if kind == "cidr":
        function = "isIpv4InSubnet" if subject.network.version == 4 else "isIpv6InSubnet"
        return f"({function}(srcAddr, {_string(value)}) or {function}(dstAddr, {_string(value)}))"
    if kind == "eni":
        return f"interfaceId = {_string(value)}"
    if kind == "port":
        return f"(srcPort = {subject.port} or dstPort = {subject.port})"
    raise QueryTextError(f"unknown subject kind {kind!r}")


_SUBJECT_FIELDS = {
    "address": ("srcaddr", "dstaddr"),
    "cidr": ("srcaddr", "dstaddr"),
    "eni": ("interface-id",),
    "port": ("srcport", "dstport"),
}


def _head(question: Question, fmt: FlowFormat, needs: tuple[str, ...]) -> list[str]:
    """The parse (custom formats) and the filter every question starts with: the subject, and the
    range on the record's start."""
    subject, since, until = question.subject, question.time_range.start_s, question.time_range.end_s
    require_fields(fmt, ("start", *_SUBJECT_FIELDS[subject.kind], *needs))
    commands = [parse_command(fmt)] if fmt != DEFAULT_FORMAT else []
    commands.append(f"filter {subject_condition(subject)} and startTime >= {since} and startTime < {until}")
    return commands


def _joined(commands: list[str]) -> str:
    text = "\n| ".join(commands)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTextError(f"the query is {len(text)} characters, more than Insights' {MAX_QUERY_CHARS}")
    return text


def timeline_query(question: Question, fmt: FlowFormat) -> str:
    """Flows, bytes and packets per bin of the record's start, per action; bins start at multiples of
    ``bin_seconds`` since the epoch (``model.bin_start``)."""
    bin_s = question.bin_seconds
    commands = _head(question, fmt, ("bytes", "packets", "action"))
    commands += [
        f"fields floor(startTime / {bin_s}) * {bin_s} as binStart",
        "stats count(*) as flows, sum(bytes) as flowBytes, sum(packets) as flowPackets by binStart, action",
        "sort binStart asc",
        f"limit {MAX_ROWS}",
    ]
    return _joined(commands)


PEER_KEYS = ("srcAddr", "dstAddr", "dstPort", "protocol", "action")
FROM_SUBJECT = "srcIsSubject"  # a port subject's flag: the record's source port is the subject


def peer_keys(subject: Subject, fmt: FlowFormat) -> tuple[str, ...]:
    """What the peers are grouped by: the source, the destination and its port, the protocol, the
    action; for an ENI the flow direction when the format records it (``model.record_sides``); for a
    port whether the source port is the subject. The source port itself is no key: ephemeral ports
    would make a row per connection."""
    if subject.kind == "eni" and fmt.has("flow-direction"):
        return (*PEER_KEYS, insights_name("flow-direction"))
    if subject.kind == "port":
        return (*PEER_KEYS, FROM_SUBJECT)
    return PEER_KEYS


def peers_query(question: Question, fmt: FlowFormat) -> str:
    """Flows, bytes, packets, first and last start per :func:`peer_keys`: the caller folds each row into
    the ``in`` and ``out`` peers with ``model.record_sides``, so one scan answers both directions. Most
    flows first, so a cut at the row limit drops the smallest."""
    needs = ("srcaddr", "dstaddr", "dstport", "protocol", "action", "bytes", "packets")
    commands = _head(question, fmt, needs)
    if question.subject.kind == "port":
        commands.append(f"fields srcPort = {question.subject.port} as {FROM_SUBJECT}")
    commands += [
        "stats count(*) as flows, sum(bytes) as flowBytes, sum(packets) as flowPackets,"
        f" min(startTime) as firstStart, max(startTime) as lastStart by {', '.join(peer_keys(question.subject, fmt))}",
        "sort flows desc",
        f"limit {MAX_ROWS}",
    ]
    return _joined(commands)


def records_query(question: Question, fmt: FlowFormat) -> str:
    """The newest ``records_limit`` records (by start), raw."""
    limit = question.records_limit
    if not 1 <= limit <= MAX_ROWS:
        raise QueryTextError(f"--records {limit}: Logs Insights lists between 1 and {MAX_ROWS}")
    commands = _head(question, fmt, ())
    commands += ["fields @timestamp, @message, startTime", "sort startTime desc", f"limit {limit}"]
    return _joined(commands)


def estimate_query(query: str) -> str:
    """The same query with ``estimate`` as its last command: Insights returns the bytes it would scan
    instead of running it, free of charge."""
    return f"{query}\n| estimate"
