"""The history question and its answer, shared by every engine (no AWS, no UI, no I/O).

One question: a subject (an address, a CIDR, an ENI or a port) over a time range. Three answers:

- *timeline*: flows, bytes and packets per bin of the record's ``start``, per action (ACCEPT,
  REJECT, or None for NODATA/SKIPDATA records); bins with no record are omitted;
- *peers*: the other side of the subject's records, ACCEPT first, then by flows;
- *records*: the newest N records.

The semantics below are the contract every engine (local DuckDB, Athena, Logs Insights) renders
in its own language; :func:`record_sides` is its executable statement.

A record *concerns* the subject when:

- address: it is the record's ``srcaddr`` or ``dstaddr`` (compared as text, in the canonical form
  :meth:`Subject.parse` gives it: AWS writes addresses that way);
- CIDR: ``srcaddr`` or ``dstaddr`` lies in the network;
- ENI: the record's ``interface-id`` is it;
- port: ``srcport`` or ``dstport`` is it;

and its ``start`` lies in ``[time_range.start, time_range.end)``.

Each side of a record on which the subject stands gives one peer observation:

- the subject is the destination (``dstaddr`` / ``dstport``): direction ``in``, the peer is the
  ``srcaddr`` and the port is the ``dstport`` (the subject's port that was reached);
- the subject is the source (``srcaddr`` / ``srcport``): direction ``out``, the peer is the
  ``dstaddr`` and the port is the ``dstport`` (the port the subject reached);
- an ENI stands on the side its record's ``flow-direction`` names (``ingress``: in, ``egress``:
  out); when the format has no ``flow-direction`` (the default format) the ENI's side is unknown,
  and its records read as ``in``: the peer is the source.

A record where the subject is on both sides (a CIDR holding both addresses) gives two observations.
Peers group observations by (address, port, protocol, action, direction); ``first``/``last`` are
the earliest and latest ``start``. They are ordered ACCEPT first, then by flows, bytes, packets
(descending), then address, port, protocol, direction (ascending), and cut at ``peers_limit``.
Records are ordered newest ``start`` first, ties by message, and cut at ``records_limit``.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Literal, Mapping, Protocol, Sequence

from tui.errors import FlowtailError

SubjectKind = Literal["address", "cidr", "eni", "port"]
SUBJECT_KINDS: tuple[str, ...] = ("address", "cidr", "eni", "port")
DIRECTIONS = ("in", "out")
ACTIONS = ("ACCEPT", "REJECT")
MAX_BINS = 10_000  # a timeline has at most this many bins per action (memory, and a chart's width)

_ENI = re.compile(r"eni-[0-9a-f]{8,17}\Z")
_SUBJECT_HELP = "give an address (10.0.0.5, 2001:db8::1), a CIDR (10.0.0.0/16), an ENI id (eni-0abc1234) or port:22"


class HistoryError(FlowtailError):
    """A history question that cannot be answered: the message is one line and says why."""


class HistoryCancelled(HistoryError):
    """The question was cancelled (``cancel`` was set) before its answer was complete."""


def _utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime from Unix seconds."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a ``Z``, to the second: ``2026-12-06T11:05:00Z`` (the JSON lines' spelling)."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Subject:
    """What the question is about. ``value`` is canonical text: ``10.0.0.5``, ``2001:db8::1``,
    ``10.0.0.0/16`` (the network address), ``eni-0abc1234``, ``22`` (for a port)."""

    kind: SubjectKind
    value: str

    @classmethod
    def parse(cls, text: str) -> Subject:
        """The subject written as on the command line; HistoryError (one line) when it is none."""
        raw = text.strip()
        if not raw:
            raise HistoryError(f"empty subject; {_SUBJECT_HELP}")
        if raw.lower().startswith("port:"):
            number = raw[5:].strip()
            if not (number.isascii() and number.isdigit()) or not 0 <= int(number) <= 65535:
                raise HistoryError(f"{text!r}: a port is a number from 0 to 65535 (e.g. port:22)")
            return cls("port", str(int(number)))
        if raw.lower().startswith("eni-"):
            if not _ENI.match(raw.lower()):
                raise HistoryError(f"{text!r} is not an ENI id (eni- and 8 or 17 hex digits, e.g. eni-0abc1234)")
            return cls("eni", raw.lower())
        if "/" in raw:
            try:
                network = ipaddress.ip_network(raw, strict=False)
            except ValueError:
                raise HistoryError(f"{text!r} is not a CIDR (e.g. 10.0.0.0/16 or 2001:db8::/32)") from None
            return cls("cidr", network.compressed)
        try:
            return cls("address", ipaddress.ip_address(raw).compressed)
        except ValueError:
            raise HistoryError(f"{text!r} is not a subject; {_SUBJECT_HELP}") from None

    def __str__(self) -> str:
        """The text :meth:`parse` reads back (``port:22`` for a port)."""
        return f"port:{self.value}" if self.kind == "port" else self.value

    @property
    def port(self) -> int:
        """The port of a ``port`` subject."""
        if self.kind != "port":
            raise ValueError(f"{self} is not a port")
        return int(self.value)

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        """The network of a ``cidr`` subject (an address is its own /32 or /128)."""
        if self.kind not in ("address", "cidr"):
            raise ValueError(f"{self} is not an address or a CIDR")
        return ipaddress.ip_network(self.value, strict=False)

    def holds_address(self, address: object) -> bool:
        """Whether a record's address field (text, ``-`` or None) is the subject's, or in its network."""
        if not isinstance(address, str) or address in ("", "-"):
            return False
        if self.kind == "address":
            return address == self.value
        try:
            return ipaddress.ip_address(address) in self.network
        except ValueError:
            return False


@dataclass(frozen=True)
class TimeRange:
    """``[start, end)`` in UTC; a record is in range by its ``start`` field."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _utc(self.start))
        object.__setattr__(self, "end", _utc(self.end))
        if self.end <= self.start:
            raise HistoryError(f"the time range ends ({iso(self.end)}) before it starts ({iso(self.start)})")

    @classmethod
    def last(cls, seconds: float, now: datetime | None = None) -> TimeRange:
        """The ``seconds`` up to ``now`` (default: the current time)."""
        end = _utc(now) if now is not None else datetime.now(timezone.utc)
        return cls(end - timedelta(seconds=seconds), end)

    @property
    def start_s(self) -> int:
        """The start as whole Unix seconds (records' ``start`` is whole seconds)."""
        return int(self.start.timestamp() // 1)

    @property
    def end_s(self) -> int:
        """The end as whole Unix seconds, rounded up, so ``start < end_s`` says "before the end"."""
        seconds = self.end.timestamp()
        return int(-(-seconds // 1))

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Question:
    """A subject over a time range; ``bin_seconds`` sizes the timeline's bins (aligned on the epoch)."""

    subject: Subject
    time_range: TimeRange
    bin_seconds: int = 300
    records_limit: int = 50
    peers_limit: int = 100

    def __post_init__(self) -> None:
        if self.bin_seconds < 1:
            raise HistoryError(f"a bin of {self.bin_seconds} s: bins are at least 1 s")
        if self.time_range.seconds / self.bin_seconds > MAX_BINS:
            shortest = int(-(-self.time_range.seconds // MAX_BINS))
            raise HistoryError(
                f"{self.time_range.seconds:.0f} s in bins of {self.bin_seconds} s is more than {MAX_BINS} bins: "
                f"use bins of at least {shortest} s"
            )
        if self.records_limit < 0:
            raise HistoryError(f"--records {self.records_limit}: must be 0 or more")
        if self.peers_limit < 1:
            raise HistoryError(f"a peers limit of {self.peers_limit}: must be 1 or more")


@dataclass(frozen=True)
class TimelineBin:
    start: datetime  # the bin's start (UTC), a multiple of bin_seconds since the epoch
    action: str | None  # ACCEPT, REJECT, or None (NODATA/SKIPDATA records have no action)
    flows: int  # records
    bytes: int
    packets: int


@dataclass(frozen=True)
class Peer:
    address: str | None  # the other side's address (None when the record has none: ``-``)
    port: int | None  # see the module docstring: the destination port, for both directions
    protocol: int | None
    action: str | None
    direction: str  # "in" or "out": which way the subject was reached
    flows: int
    bytes: int
    packets: int
    first: datetime  # earliest ``start`` of these flows
    last: datetime  # latest ``start`` of these flows


@dataclass(frozen=True)
class RecordRow:
    timestamp: datetime  # the record's ``start``
    message: str  # the raw record as the source holds it (untrusted: sanitise before showing)
    fields: Mapping[str, int | str | None]  # field name (flow-log spelling: ``interface-id``) -> typed value


@dataclass(frozen=True)
class Answer:
    """One engine's answer; ``complete`` is False for a progress snapshot (partial rows)."""

    engine: str  # "local", "athena", "insights"
    question: Question
    timeline: tuple[TimelineBin, ...] = ()
    peers: tuple[Peer, ...] = ()
    records: tuple[RecordRow, ...] = ()
    records_matched: int = 0  # records concerning the subject in the range (all of them, not only those listed)
    bytes_scanned: int | None = None  # None when the engine does not say
    cost_usd: float | None = None  # None when the engine does not charge by the scan (local)
    elapsed_ms: int = 0
    complete: bool = True
    notes: tuple[str, ...] = field(default=())  # one line each: caps hit, estimates, engine remarks

    @property
    def accepted_peers(self) -> tuple[Peer, ...]:
        """The peers whose flows were ACCEPTed: "did anything get in"."""
        return tuple(peer for peer in self.peers if peer.action == "ACCEPT")


Progress = Callable[[Answer], None]


class HistoryEngine(Protocol):
    """Answers history questions. ``run`` may block (call it from a worker thread); it calls
    ``progress`` with partial answers (``complete=False``) when it has any, checks ``cancel``
    between steps and then raises :class:`HistoryCancelled` (after cancelling the query where the
    engine runs it), and raises :class:`HistoryError` (one line) when it cannot answer."""

    name: str

    def estimate(self, question: Question) -> int | None:
        """The bytes answering would scan, when the engine can tell before running (else None)."""
        ...

    def run(
        self,
        question: Question,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer: ...


def check_cancel(cancel: threading.Event | None) -> None:
    """Raise HistoryCancelled when ``cancel`` is set: engines call it between steps."""
    if cancel is not None and cancel.is_set():
        raise HistoryCancelled("the history query was cancelled")


# -- the semantics, executable (engines' SQL renders the same; tests compare against it) ---------


def record_sides(subject: Subject, fields: Mapping[str, Any]) -> tuple[str, ...]:
    """The directions (``in``/``out``) in which the record with these typed fields concerns the
    subject; empty when it does not. The time range is not checked here."""
    kind = subject.kind
    if kind == "eni":
        if fields.get("interface-id") != subject.value:
            return ()
        return ("out",) if fields.get("flow-direction") == "egress" else ("in",)
    if kind == "port":
        sides: tuple[str, ...] = ()
        if fields.get("dstport") == subject.port:
            sides += ("in",)
        if fields.get("srcport") == subject.port:
            sides += ("out",)
        return sides
    sides = ()
    if subject.holds_address(fields.get("dstaddr")):
        sides += ("in",)
    if subject.holds_address(fields.get("srcaddr")):
        sides += ("out",)
    return sides


def peer_key(peer: Peer) -> tuple[Any, ...]:
    """The order peers are listed in: ACCEPT first, then by flows, bytes, packets, then identity."""
    return (
        peer.action != "ACCEPT",
        -peer.flows,
        -peer.bytes,
        -peer.packets,
        peer.address or "",
        -1 if peer.port is None else peer.port,
        -1 if peer.protocol is None else peer.protocol,
        peer.direction,
        peer.action or "",
    )


def order_peers(peers: Sequence[Peer], limit: int) -> tuple[Peer, ...]:
    """``peers`` in :func:`peer_key` order, the first ``limit``."""
    return tuple(sorted(peers, key=peer_key)[:limit])


def timeline_key(row: TimelineBin) -> tuple[datetime, str]:
    """Bins in time order, per bin ACCEPT, REJECT, then no action."""
    return (row.start, {"ACCEPT": "0", "REJECT": "1"}.get(row.action or "", "2"))


def bin_start(start_s: int, bin_seconds: int) -> int:
    """The start (Unix seconds) of the bin that a record starting at ``start_s`` falls in."""
    return start_s - start_s % bin_seconds


def record_key(row: RecordRow) -> tuple[float, str]:
    """The order records are listed in: newest ``start`` first, ties by message."""
    return (-row.timestamp.timestamp(), row.message)
