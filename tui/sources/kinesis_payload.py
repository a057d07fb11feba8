"""The payload a CloudWatch Logs subscription filter writes to Kinesis: one gzip'd JSON object per
record, ``{"messageType": "DATA_MESSAGE", "owner", "logGroup", "logStream", "subscriptionFilters",
"logEvents": [{"id", "timestamp", "message"}, ...]}``. CloudWatch Logs also sends a
``CONTROL_MESSAGE`` when the filter is created, to check the destination: it carries no log events."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Collection, NamedTuple

from tui.sources.source import LogEvent


class Decoded(NamedTuple):
    events: list[LogEvent]  # the data message's events (of the wanted groups)
    control: bool = False  # a CONTROL_MESSAGE (no events)
    malformed: bool = False  # not gzip'd JSON of the documented shape: counted and skipped
    other_group: bool = False  # a data message of a group that is not wanted


def decode(data: bytes, arrival_ms: int = 0, groups: Collection[str] = ()) -> Decoded:
    """The log events in one Kinesis record's ``Data``, when its group is one of ``groups`` (or
    ``groups`` is empty). Ids are kept as text (moto sends numbers). ``arrival_ms`` (the record's
    arrival in the stream) becomes the events' ``ingestion_time``. Never raises for bad data."""
    try:
        message = json.loads(gzip.decompress(data))
        kind = message["messageType"]
        if kind == "CONTROL_MESSAGE":
            return Decoded([], control=True)
        if kind != "DATA_MESSAGE":
            return Decoded([], malformed=True)
        group, stream = message["logGroup"], message["logStream"]
        if groups and group not in groups:
            return Decoded([], other_group=True)
        events = [
            LogEvent(str(event["id"]), str(group), str(stream), int(event["timestamp"]), arrival_ms, event["message"])
            for event in message["logEvents"]
        ]
        if not all(isinstance(event.message, str) for event in events):
            return Decoded([], malformed=True)
        return Decoded(events)
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, RecursionError):
        return Decoded([], malformed=True)
