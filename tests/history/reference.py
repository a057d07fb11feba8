"""A brute-force Python statement of the history semantics (tui/history/model.py's docstring), kept
independent of the engines' code: the local and Athena SQL are checked against it."""

from __future__ import annotations

import gzip
import ipaddress
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from tui.flowlog import DEFAULT_FORMAT, FlowFormat, parse_record
from tui.history.model import Question

BASE = 1_700_000_000
V5 = FlowFormat.parse(
    "${version} ${vpc-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} "
    "${packets} ${start} ${end} ${action} ${log-status} ${flow-direction} ${tcp-flags}"
)
ADDRESSES = ["10.0.0.1", "10.0.0.2", "10.0.1.9", "192.0.2.7", "2001:db8::1", "2001:db8:1::5"]
ENIS = ["eni-00000000000000001", "eni-00000000000000002"]
PORTS = [22, 443, 3389, 50000]


def line(fmt: FlowFormat, rng: random.Random, start_window: int = 3600) -> str:
    """One record of ``fmt`` drawn from small pools (so subjects match often); NODATA now and then."""
    start = BASE + rng.randrange(start_window)
    values: dict[str, str] = {
        "version": "5" if fmt is V5 else "2", "account-id": "123456789010", "vpc-id": "vpc-0abc",
        "interface-id": rng.choice(ENIS), "srcaddr": rng.choice(ADDRESSES), "dstaddr": rng.choice(ADDRESSES),
        "srcport": str(rng.choice(PORTS)), "dstport": str(rng.choice(PORTS)), "protocol": rng.choice(["6", "17"]),
        "packets": str(rng.randint(1, 50)), "bytes": str(rng.randint(40, 9000)), "start": str(start),
        "end": str(start + 60), "action": rng.choice(["ACCEPT", "REJECT"]), "log-status": "OK",
        "flow-direction": rng.choice(["ingress", "egress"]), "tcp-flags": rng.choice(["2", "18", "-"]),
    }
    if rng.random() < 0.1:
        for name in ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"):
            values[name] = "-"
        values["log-status"] = "NODATA"
    return " ".join(values[name] for name in fmt.names)


def write_file(path: Path, lines: list[str], *, header: FlowFormat | None = None, gz: bool = False) -> Path:
    text = "".join(f"{item}\n" for item in ([" ".join(header.names)] if header else []) + lines)
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def _holds(subject_value: str, kind: str, address: Any) -> bool:
    if not isinstance(address, str):
        return False
    if kind == "address":
        return address == subject_value
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(subject_value)
    except ValueError:
        return False


def expected(question: Question, records: list[tuple[FlowFormat, str]]) -> dict[str, Any]:
    """The answer, from the records' own fields: timeline rows, peers in order, newest messages."""
    subject = question.subject
    timeline: dict[tuple[int, Any], list[int]] = defaultdict(lambda: [0, 0, 0])
    peers: dict[tuple[Any, ...], list[int]] = {}
    matched = []
    for fmt, text in records:
        record = parse_record(fmt, text)
        assert record is not None
        fields = record.to_dict()
        start = fields["start"]
        if not (question.time_range.start.timestamp() <= start < question.time_range.end.timestamp()):
            continue
        sides = []
        if subject.kind == "eni":
            if fields["interface-id"] == subject.value:
                sides.append("out" if fields.get("flow-direction") == "egress" else "in")
        elif subject.kind == "port":
            if fields["dstport"] == int(subject.value):
                sides.append("in")
            if fields["srcport"] == int(subject.value):
                sides.append("out")
        else:
            if _holds(subject.value, subject.kind, fields["dstaddr"]):
                sides.append("in")
            if _holds(subject.value, subject.kind, fields["srcaddr"]):
                sides.append("out")
        if not sides:
            continue
        matched.append((start, " ".join(text.split()), fields))
        size, packets = fields.get("bytes") or 0, fields.get("packets") or 0
        row = timeline[(start - start % question.bin_seconds, fields.get("action"))]
        row[0] += 1
        row[1] += size
        row[2] += packets
        for side in sides:
            peer = fields["srcaddr"] if side == "in" else fields["dstaddr"]
            key = (peer, fields["dstport"], fields.get("protocol"), fields.get("action"), side)
            totals = peers.setdefault(key, [0, 0, 0, start, start])
            totals[0] += 1
            totals[1] += size
            totals[2] += packets
            totals[3] = min(totals[3], start)
            totals[4] = max(totals[4], start)
    order = sorted(
        peers.items(),
        key=lambda item: (
            item[0][3] != "ACCEPT", -item[1][0], -item[1][1], -item[1][2], item[0][0] or "",
            -1 if item[0][1] is None else item[0][1], -1 if item[0][2] is None else item[0][2], item[0][4],
            item[0][3] or "",
        ),
    )
    newest = sorted(matched, key=lambda item: (-item[0], item[1]))[: question.records_limit]
    return {
        "timeline": sorted(
            ((bin_start, action, *totals) for (bin_start, action), totals in timeline.items()),
            key=lambda row: (row[0], {"ACCEPT": 0, "REJECT": 1}.get(row[1] or "", 2)),
        ),
        "peers": [(*key, *totals) for key, totals in order[: question.peers_limit]],
        "records": [(message, fields) for _, message, fields in newest],
        "matched": len(matched),
    }


def observed(answer: Any) -> dict[str, Any]:
    """An engine's answer in the reference's shape."""
    return {
        "timeline": [
            (int(row.start.timestamp()), row.action, row.flows, row.bytes, row.packets) for row in answer.timeline
        ],
        "peers": [
            (peer.address, peer.port, peer.protocol, peer.action, peer.direction, peer.flows, peer.bytes,
             peer.packets, int(peer.first.timestamp()), int(peer.last.timestamp()))
            for peer in answer.peers
        ],
        "records": [(row.message, dict(row.fields)) for row in answer.records],
        "matched": answer.records_matched,
    }


__all__ = ["BASE", "DEFAULT_FORMAT", "V5", "expected", "line", "observed", "write_file"]
