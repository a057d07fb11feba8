"""One flow-log record: the raw tokens of a line, typed on access through its format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from tui.flowlog.logformat import FlowFormat
from tui.flowlog.protocols import protocol_name
from tui.flowlog.tcpflags import tcp_flags_label, tcp_flags_names
from tui.flowlog.values import Value

STATUSES = frozenset({"OK", "NODATA", "SKIPDATA"})
NO_TRAFFIC = frozenset({"NODATA", "SKIPDATA"})


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """An immutable record. Construction only keeps the tokens; each field is typed when read.

    Reading a field the format lacks: ``get`` returns the default, ``rec[name]`` raises FormatError
    with close matches. A ``-`` value reads as None.
    """

    fmt: FlowFormat
    raw: str
    fields: tuple[str, ...]

    def get(self, name: str, default: Value = None) -> Value:
        """The typed value of ``name``; ``default`` only when the format has no such field."""
        position = self.fmt.position(name)
        if position is None:
            return default
        return self.fmt.converters[position](self.fields[position])

    def __getitem__(self, name: str) -> Value:
        position = self.fmt.index(name)
        return self.fmt.converters[position](self.fields[position])

    def __contains__(self, name: object) -> bool:
        """Whether the format has the field (its value may still be ``-``, read as None)."""
        return isinstance(name, str) and self.fmt.has(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.fmt.names)

    def __len__(self) -> int:
        return len(self.fields)

    def to_dict(self) -> dict[str, Value]:
        """``{name: typed value}`` in format order; JSON-safe (int, str, None)."""
        return {name: convert(token) for name, convert, token in zip(self.fmt.names, self.fmt.converters, self.fields)}

    @property
    def status(self) -> str | None:
        """``log-status`` when it is OK, NODATA or SKIPDATA; None when the format lacks it or it is odd."""
        value = self.get("log-status")
        return value if value in STATUSES else None

    @property
    def is_traffic(self) -> bool:
        """False for NODATA and SKIPDATA records: they are counted and matched, but carry no flow."""
        return self.status not in NO_TRAFFIC

    @property
    def event_time(self) -> int | None:
        """``start`` in Unix seconds (the CloudWatch event timestamp of a flow-log record)."""
        start = self.get("start")
        return start if isinstance(start, int) else None

    @property
    def protocol_name(self) -> str | None:
        protocol = self.get("protocol")
        return protocol_name(protocol if isinstance(protocol, int) else None)

    @property
    def tcp_flags(self) -> tuple[str, ...]:
        """Flag names of ``tcp-flags`` in a stable order, e.g. ``("SYN", "ACK")``; empty when absent."""
        return tcp_flags_names(self._tcp_flags_bits())

    @property
    def tcp_flags_label(self) -> str:
        """``tcp-flags`` as the UI shows it: ``SYN``, ``SYN-ACK``, ``SYN+FIN``; empty when absent."""
        return tcp_flags_label(self._tcp_flags_bits())

    def _tcp_flags_bits(self) -> int | None:
        bits = self.get("tcp-flags")
        return bits if isinstance(bits, int) else None


def parse_record(fmt: FlowFormat, line: str) -> FlowRecord | None:
    """The record in ``line``, or None when the line does not fit ``fmt`` (token count, non-numeric number, empty)."""
    tokens = fmt.split(line)
    return None if tokens is None else FlowRecord(fmt, line.rstrip("\r\n"), tokens)
