"""One record as a line a person reads: ``22:13:20 UTC REJECT 203.0.113.7:50001 → 10.0.3.10:22 ssh tcp
2 pkts 120 B``. The alert samples (rule view, alert history, SNS) are shown this way, decoded as the
detail view decodes a record, instead of raw tokens with epoch times."""

from __future__ import annotations

import time

from tui.flowlog.logformat import FlowFormat
from tui.flowlog.ports import port_service
from tui.flowlog.protocols import protocol_name
from tui.flowlog.record import parse_record


def port_label(port: object, protocol: object) -> str:
    """``80 http``, ``51234``, or ``-``."""
    if port is None:
        return "-"
    service = port_service(port, protocol if isinstance(protocol, int) else None) if isinstance(port, int) else None
    return f"{port} {service}" if service else str(port)


def protocol_label(number: object) -> str:
    """``tcp``, ``udp``, ``47`` for a protocol without a name, ``-`` when absent."""
    name = protocol_name(number) if isinstance(number, int) else None
    return name or ("-" if number is None else str(number))


def record_summary(fmt: FlowFormat, line: str, utc: bool = True, with_date: bool = True) -> str | None:
    """The record's time, action, endpoints with ports (and their service names), protocol, packets
    and bytes, with only the parts its format has; None when the line is not a record of ``fmt``.
    The text is log data: the caller sanitises it for its medium."""
    record = parse_record(fmt, line)
    if record is None:
        return None
    parts: list[str] = []
    start = record.event_time
    if start is not None:
        stamp = time.gmtime(start) if utc else time.localtime(start)
        parts.append(time.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S", stamp) + (" UTC" if utc else ""))
    action = record.get("action")
    if action is not None:
        parts.append(str(action))
    elif record.get("log-status") is not None:
        parts.append(str(record.get("log-status")))
    protocol = record.get("protocol")
    source, destination = record.get("srcaddr"), record.get("dstaddr")
    if source is not None or destination is not None:
        parts.append(f"{_endpoint(source, record.get('srcport'))} → {_endpoint(destination, record.get('dstport'))}")
    dstport = record.get("dstport")
    transport = protocol if isinstance(protocol, int) else None
    service = port_service(dstport, transport) if isinstance(dstport, int) else None
    if service:
        parts.append(service)
    if protocol is not None:
        parts.append(protocol_label(protocol))
    packets, size = record.get("packets"), record.get("bytes")
    if isinstance(packets, int):
        parts.append(f"{packets:,} pkt{'s' if packets != 1 else ''}")
    if isinstance(size, int):
        parts.append(f"{size:,} B")
    return " ".join(parts) if parts else None


def _endpoint(address: object, port: object) -> str:
    text = "-" if address is None else str(address)
    if port is None:
        return text
    return f"[{text}]:{port}" if ":" in text else f"{text}:{port}"
