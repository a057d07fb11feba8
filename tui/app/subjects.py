"""Which History subject (tui.history.model.Subject) a row stands for: a flow, a top-N key, a rule's
group. Addresses first: "what else did this source do" is the first question after an alarm."""

from __future__ import annotations

from typing import Any, Mapping

from tui.flowlog import parse_record
from tui.history.model import HistoryError, Subject

# flow-log field -> the kind of subject its value is
SUBJECT_FIELDS = {
    "srcaddr": "address",
    "dstaddr": "address",
    "pkt-srcaddr": "address",
    "pkt-dstaddr": "address",
    "interface-id": "eni",
    "dstport": "port",
    "srcport": "port",
}


def subject_for(field: str, value: object) -> Subject | None:
    """The subject ``value`` of ``field`` names, or None (another field, ``-``, not parseable)."""
    kind = SUBJECT_FIELDS.get(field)
    if kind is None or value is None or str(value) in ("", "-"):
        return None
    try:
        return Subject.parse(f"port:{value}" if kind == "port" else str(value))
    except HistoryError:
        return None


def subject_of_group(group: Mapping[str, Any]) -> Subject | None:
    """A rule group's subject: its first field that names one, addresses before ENIs and ports."""
    for kinds in (("address",), ("eni", "port")):
        for field, value in group.items():
            if SUBJECT_FIELDS.get(field) in kinds and (subject := subject_for(field, value)) is not None:
                return subject
    return None


def subject_of_line(fmt: Any, line: str) -> Subject | None:
    """A flow's subject: its source address, else its destination, else its interface."""
    record = parse_record(fmt, line)
    if record is None:
        return None
    for field in ("srcaddr", "dstaddr", "interface-id"):
        if (subject := subject_for(field, record.get(field))) is not None:
            return subject
    return None
