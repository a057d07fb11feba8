"""An answer as the command line prints it: JSON lines (a contract) or plain-text tables."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from tui.flowlog import protocol_name
from tui.history.model import Answer, iso
from tui.text import strip_controls

UNSAFE = "\ufffd"  # what a control character in log data shows as (tui.text)


def json_lines(answer: Answer) -> Iterator[dict[str, Any]]:
    """The ``--json`` objects: every timeline bin, every peer, every record, then the summary."""
    for row in answer.timeline:
        yield {
            "type": "timeline", "start": iso(row.start), "action": row.action,
            "flows": row.flows, "bytes": row.bytes, "packets": row.packets,
        }
    for peer in answer.peers:
        yield {
            "type": "peer", "address": peer.address, "port": peer.port, "protocol": peer.protocol,
            "action": peer.action, "direction": peer.direction, "flows": peer.flows, "bytes": peer.bytes,
            "packets": peer.packets, "first": iso(peer.first), "last": iso(peer.last),
        }
    for record in answer.records:
        yield {
            "type": "record", "timestamp": int(record.timestamp.timestamp()) * 1000,
            "message": record.message, "fields": dict(record.fields),
        }
    question = answer.question
    yield {
        "type": "summary", "engine": answer.engine, "subject": str(question.subject),
        "since": iso(question.time_range.start), "until": iso(question.time_range.end),
        "records": answer.records_matched, "bytesScanned": answer.bytes_scanned,
        "cost": None if answer.cost_usd is None else round(answer.cost_usd, 6), "elapsedMs": answer.elapsed_ms,
    }


def _cell(value: object) -> str:
    return "-" if value is None else strip_controls(str(value), UNSAFE)


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[object, ...]], numeric: set[int]) -> list[str]:
    cells = [tuple(_cell(value) for value in row) for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(header)]

    def line(values: tuple[str, ...]) -> str:
        parts = [value.rjust(widths[i]) if i in numeric else value.ljust(widths[i]) for i, value in enumerate(values)]
        return "  ".join(parts).rstrip()

    body = [line(row) for row in cells] or ["(none)"]
    return [title, line(header), *body, ""]


def text_tables(answer: Answer) -> str:
    """The timeline, the peers (ACCEPTed ones counted first) and the records, then one summary line."""
    question = answer.question
    timeline = [(iso(row.start), row.action, row.flows, row.bytes, row.packets) for row in answer.timeline]
    accepted = len(answer.accepted_peers)
    peers = [
        (peer.direction, peer.address, peer.port, protocol_name(peer.protocol) or peer.protocol, peer.action,
         peer.flows, peer.bytes, peer.packets, iso(peer.first), iso(peer.last))
        for peer in answer.peers
    ]
    records = [(iso(row.timestamp), row.message) for row in answer.records]
    lines = [
        *_table(f"Timeline of {question.subject} ({question.bin_seconds} s bins)",
                ("start", "action", "flows", "bytes", "packets"), timeline, {2, 3, 4}),
        *_table(f"Peers: {accepted} ACCEPTed (ACCEPT first, then by flows)",
                ("dir", "peer", "port", "proto", "action", "flows", "bytes", "packets", "first", "last"),
                peers, {2, 5, 6, 7}),
        *_table(f"Newest {len(records)} of {answer.records_matched} records", ("start", "message"), records, set()),
    ]
    scanned = "-" if answer.bytes_scanned is None else f"{answer.bytes_scanned} bytes"
    cost = "" if answer.cost_usd is None else f", ${answer.cost_usd:.4f}"
    lines.append(
        f"{answer.engine}: {iso(question.time_range.start)} to {iso(question.time_range.end)}, "
        f"{answer.records_matched} records, scanned {scanned}{cost}, {answer.elapsed_ms} ms"
    )
    lines.extend(f"note: {strip_controls(note, UNSAFE)}" for note in answer.notes)
    return "\n".join(lines) + "\n"
