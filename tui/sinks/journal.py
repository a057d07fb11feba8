"""The alert journal: every alert is written here, durably, before any delivery is attempted.

The file is JSON lines and append-only. Four kinds of line::

    {"type": "alert", "id", "at", "sinks": [...], "delivered": {}, "suppressed": {}, "deadLetter": {},
     ...Alert.to_json()}
    {"type": "delivered", "id", "sink", "message_id"}
    {"type": "suppressed", "id", "sink", "reason"}
    {"type": "dead-letter", "id", "sink", "reason"}
    {"type": "mute", "rule", "group", "until", "at"}

A ``mute`` line silences one (rule, group label) for every notifier until ``until`` (Unix seconds;
0 ends it early): the latest line of a pair wins, and rotation carries the mutes still running.

An alert's ``id`` is :attr:`Alert.id` (rule, group and episode start, and the state), so the same
transition found again after a restart has the same id and the journal tells that it was delivered.

Outcomes are receipts appended after the alert instead of edits to its line: nothing is ever
rewritten, so a crash at any moment leaves every earlier line intact, and an alert with no receipt
for a sink is still owed to that sink (:meth:`Journal.pending`). The ``delivered``/``suppressed``
objects on an alert line are empty when it is first written; rotation fills them when it carries a
partly delivered alert over into the new file. A ``dead-letter`` receipt means the sink rejected
the alert for good (it is never retried).
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from tui.paths import state_dir
from tui.rules.alerts import DEGRADED, Alert

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_SAMPLES = 5  # samples kept per journaled alert
SAMPLE_MAX_BYTES = 1024  # each, UTF-8; a cut sample ends with CUT_MARK
CUT_MARK = " [cut]"
# Receipt line type -> (the key holding its detail, the alert line's map of them, the entry's field).
_RECEIPTS = {
    "delivered": ("message_id", "delivered", "delivered"),
    "suppressed": ("reason", "suppressed", "suppressed"),
    "dead-letter": ("reason", "deadLetter", "dead_lettered"),
    # On an ALARM's id, sink "*": the episode's OK time, for an OK that no sink wanted (so it is not
    # journaled itself) but that a restart must know of, to tell a new episode from this one.
    "closed": ("time", "closed", "closed"),
}


def default_path() -> Path:
    return state_dir() / "alerts.jsonl"


@dataclass(frozen=True)
class JournalEntry:
    """One journaled alert and what has happened to it per sink so far."""

    id: str
    alert: Alert
    at: float  # wall-clock seconds when it was journaled; cooldowns compare these
    sinks: tuple[str, ...]  # the sinks it is owed to
    delivered: Mapping[str, str] = field(default_factory=dict)  # sink -> message id
    suppressed: Mapping[str, str] = field(default_factory=dict)  # sink -> reason
    dead_lettered: Mapping[str, str] = field(default_factory=dict)  # sink -> why it was rejected for good
    closed: Mapping[str, str] = field(default_factory=dict)  # "*" -> the unjournaled OK's time (ms, as text)

    @classmethod
    def new(cls, alert: Alert, sinks: Iterable[str], at: float) -> JournalEntry:
        """The entry for ``alert``, with its samples capped (:func:`cap_samples`)."""
        return cls(id=alert.id, alert=cap_samples(alert), at=at, sinks=tuple(sinks))

    def pending_for(self, sink: str) -> bool:
        return (sink in self.sinks and sink not in self.delivered and sink not in self.suppressed
                and sink not in self.dead_lettered)

    @property
    def unresolved(self) -> bool:
        return any(self.pending_for(sink) for sink in self.sinks)

    def to_line(self) -> dict[str, Any]:
        outcomes = {line_key: dict(getattr(self, attr)) for _, line_key, attr in _RECEIPTS.values()}
        return {**self.alert.to_json(), "id": self.id, "at": self.at, "sinks": list(self.sinks), **outcomes}

    @classmethod
    def from_line(cls, line: Mapping[str, Any], receipts: Mapping[str, Mapping[str, str]]) -> JournalEntry:
        """The entry on an alert line plus the ``receipts`` (type -> {sink: detail}) read after it.

        Raises KeyError, TypeError or ValueError for a line that is not a complete alert.
        """
        outcomes = {attr: {**line.get(line_key, {}), **receipts.get(kind, {})}
                    for kind, (_, line_key, attr) in _RECEIPTS.items()}
        return cls(id=str(line["id"]), alert=_alert_from_json(line), at=float(line["at"]),
                   sinks=tuple(map(str, line["sinks"])), **outcomes)


class Journal:
    """The journal file at ``path`` (default ``$XDG_STATE_HOME/flowtail/alerts.jsonl``).

    Thread-safe. Every write is flushed and fsynced before the call returns. When the file grows past
    ``max_bytes`` it is renamed to ``<name>.1`` (replacing the previous one) and a new file starts
    with every alert still pending, then, within half of ``max_bytes``, the resolved alerts journaled
    in the last ``retain_s`` seconds (newest first): they are what tells a restart that an episode was
    already delivered. Pending alerts are only left behind if they alone exceed ``max_bytes``: the
    oldest ones then, counted in ``dropped`` (which the delivery status shows).
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
        retain_s: float = 0.0, clock: Any = time.time,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.max_bytes = max_bytes
        self.retain_s = retain_s  # the delivery worker raises it to its dedupe horizon
        self._clock = clock
        self.malformed = 0  # unreadable lines skipped by the latest read
        self.dropped = 0  # pending alerts not carried over by rotation
        self._lock = threading.Lock()
        self._recover_rotation()
        refuse_foreign_file(self.path)  # before _open, which would make it owner-only and append
        self._file = self._open()

    @property
    def rotated_path(self) -> Path:
        return self.path.with_name(self.path.name + ".1")

    @property
    def _tmp_path(self) -> Path:
        return self.path.with_name(self.path.name + ".tmp")

    def append(self, entry: JournalEntry) -> None:
        self.append_many([entry])

    def append_many(self, entries: Iterable[JournalEntry]) -> None:
        """Writes the entries with one fsync for all of them."""
        with self._lock:
            self._write(*(entry.to_line() for entry in entries))

    def mark_delivered(self, entry_id: str, sink: str, message_id: str) -> None:
        self._receipt("delivered", entry_id, sink, message_id)

    def mark_suppressed(self, entry_id: str, sink: str, reason: str) -> None:
        self._receipt("suppressed", entry_id, sink, reason)

    def mark_dead_letter(self, entry_id: str, sink: str, reason: str) -> None:
        self._receipt("dead-letter", entry_id, sink, reason)

    def mark_closed(self, alarm_id: str, ok_time_ms: int) -> None:
        """The episode of the ALARM ``alarm_id`` ended at ``ok_time_ms`` (an OK nobody is sent)."""
        self._receipt("closed", alarm_id, "*", str(ok_time_ms))

    def mute(self, rule: str, group: str, until: float) -> None:
        """Silence (rule, group label) until ``until`` (Unix seconds); ``until=0`` lifts the mute."""
        with self._lock:
            self._write({"type": "mute", "rule": rule, "group": group, "until": until, "at": self._clock()})

    def mutes(self) -> dict[tuple[str, str], float]:
        """(rule, group label) -> the end of its mute, for the mutes still running."""
        with self._lock:
            return self._mutes()

    def _mutes(self) -> dict[tuple[str, str], float]:
        now = self._clock()
        latest: dict[tuple[str, str], float] = {}
        for obj in self._objects(count=False):
            if obj.get("type") == "mute":
                try:
                    latest[(str(obj["rule"]), str(obj["group"]))] = float(obj["until"])
                except (KeyError, TypeError, ValueError):
                    continue
        return {pair: until for pair, until in latest.items() if until > now}

    def pending(self, sink: str) -> list[JournalEntry]:
        """Alerts owed to ``sink`` with no receipt for it, oldest first."""
        with self._lock:
            return [entry for entry in self._entries() if entry.pending_for(sink)]

    def entries(self) -> list[JournalEntry]:
        """Every alert with its receipts, oldest first (what a restart rebuilds its memory from)."""
        with self._lock:
            return list(self._entries())

    def recent(self, n: int) -> list[JournalEntry]:
        """The last ``n`` alerts with their receipts, newest last. Reads the whole file."""
        with self._lock:
            return list(deque(self._entries(), maxlen=max(n, 0)))

    def close(self) -> None:
        with self._lock:
            self._file.close()

    # -- writing --------------------------------------------------------------------------------

    def _receipt(self, kind: str, entry_id: str, sink: str, detail: str) -> None:
        with self._lock:
            self._write({"type": kind, "id": entry_id, "sink": sink, _RECEIPTS[kind][0]: detail})

    def _write(self, *objs: dict[str, Any]) -> None:
        self._file.write(b"".join(map(_encode, objs)))
        self._file.flush()
        os.fsync(self._file.fileno())
        if self._file.tell() > self.max_bytes:
            self._rotate()

    def _open(self) -> BinaryIO:
        """Opens for appending, owner-only, and ends a line left unterminated by a killed writer so
        that the next line does not get glued onto it."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        file = os.fdopen(fd, "ab")
        if file.tell() and not _ends_with_newline(self.path):
            file.write(b"\n")
            file.flush()
        return file

    def _rotate(self) -> None:
        """Old file -> ``.1``; a new file holding the pending alerts. Crash-safe: the new file is
        complete before either rename, and :meth:`_recover_rotation` finishes an interrupted switch."""
        lines, dropped = self._carry_over()
        with open(self._tmp_path, "wb", opener=_private_opener) as tmp:
            tmp.writelines(lines)
            tmp.flush()
            os.fsync(tmp.fileno())
        self._file.close()
        os.replace(self.path, self.rotated_path)
        os.replace(self._tmp_path, self.path)
        _fsync_dir(self.path.parent)
        self._file = self._open()
        self.dropped += dropped

    def _carry_over(self) -> tuple[list[bytes], int]:
        """The lines of the new file, oldest first, and how many pending alerts did not fit."""
        since = self._clock() - self.retain_s
        pending: list[bytes] = []
        recent: list[bytes] = []
        for entry in self._entries():
            if entry.unresolved:
                pending.append(_encode(entry.to_line()))
            elif entry.at >= since:
                recent.append(_encode(entry.to_line()))
        mutes = [_encode({"type": "mute", "rule": rule, "group": group, "until": until, "at": self._clock()})
                 for (rule, group), until in self._mutes().items()]
        kept_pending = _newest_within(pending, self.max_bytes)
        kept_recent = _newest_within(recent, self.max_bytes // 2 - sum(map(len, kept_pending)))
        # Pending and recent are both in file order; merging by position is not needed: the reader
        # only needs each alert once, and receipts are folded into the lines.
        return mutes + kept_recent + kept_pending, len(pending) - len(kept_pending)

    def _recover_rotation(self) -> None:
        if not self._tmp_path.exists():
            return
        if self.path.exists():  # killed before the switch: the journal is still complete
            self._tmp_path.unlink()
        else:  # killed between the two renames: the new file is ready
            os.replace(self._tmp_path, self.path)

    # -- reading --------------------------------------------------------------------------------

    def _entries(self) -> Iterator[JournalEntry]:
        """Every alert with its receipts, in file order. Two passes so that memory holds the
        receipts, not the alerts."""
        self.malformed = 0
        receipts: dict[str, dict[str, dict[str, str]]] = {}  # id -> type -> sink -> detail
        for obj in self._objects():
            kind = obj.get("type")
            if kind in _RECEIPTS:
                try:
                    detail = str(obj[_RECEIPTS[kind][0]])
                    receipts.setdefault(str(obj["id"]), {}).setdefault(kind, {})[str(obj["sink"])] = detail
                except KeyError:
                    self.malformed += 1
        for obj in self._objects(count=False):
            if obj.get("type") == "alert":
                try:
                    yield JournalEntry.from_line(obj, receipts.get(str(obj.get("id")), {}))
                except (KeyError, TypeError, ValueError, AttributeError):
                    self.malformed += 1

    def _objects(self, *, count: bool = True) -> Iterator[dict[str, Any]]:
        """The JSON objects in the file; other lines (such as a truncated last one) are skipped and,
        if ``count``, counted in ``malformed``."""
        with open(self.path, "rb") as file:
            for raw in file:
                if not raw.strip():
                    continue
                obj = _parse_line(raw)
                if isinstance(obj, dict):
                    yield obj
                elif count:
                    self.malformed += 1


class NotAJournal(OSError):
    """An existing file that is not a flowtail alert journal: it is left as it is."""


_SNIFF_LINES = 20  # a journal has a journal line among its first lines (a damaged one may come first)
_SNIFF_BYTES = 256 * 1024  # each read at most this long (an alert line is a few KB)


def refuse_foreign_file(path: Path) -> None:
    """NotAJournal when ``path`` exists and is not a journal: not a regular file, or non-empty with
    none of its first :data:`_SNIFF_LINES` lines a journal line. Nothing is changed in the file."""
    if not path.exists():
        return
    if not path.is_file():
        raise NotAJournal(f"{path} is not a regular file: notifiers.journal.path must name a journal file")
    lines = 0
    with open(path, "rb") as file:
        while lines < _SNIFF_LINES and (raw := file.readline(_SNIFF_BYTES)):  # bounded, whatever the file
            if not raw.strip():
                continue
            obj = _parse_line(raw)
            if isinstance(obj, dict) and (obj.get("type") in ("alert", "mute") or obj.get("type") in _RECEIPTS):
                return
            lines += 1
    if lines:
        raise NotAJournal(
            f"{path} exists and is not a flowtail alert journal: it was left untouched; point "
            "notifiers.journal.path at a new file (or an earlier journal)"
        )


def _parse_line(raw: bytes) -> Any:
    """The JSON value on a journal line, or None when it is none (cut, damaged, nested absurdly deep)."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def cap_samples(alert: Alert) -> Alert:
    """``alert`` with at most :data:`MAX_SAMPLES` samples, each at most :data:`SAMPLE_MAX_BYTES` of
    UTF-8 (a cut one ends with :data:`CUT_MARK`): one alert line stays a few KB whatever the logs hold."""
    samples = tuple(_cut(sample) for sample in alert.samples[:MAX_SAMPLES])
    return alert if samples == alert.samples else dataclasses.replace(alert, samples=samples)


def _cut(text: str) -> str:
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= SAMPLE_MAX_BYTES:
        return text
    keep = data[: SAMPLE_MAX_BYTES - len(CUT_MARK)].decode("utf-8", "ignore")  # never half a character
    return keep + CUT_MARK


def _newest_within(lines: list[bytes], budget: int) -> list[bytes]:
    """The newest of ``lines`` (oldest first) whose total size fits ``budget``, oldest first."""
    kept: list[bytes] = []
    for line in reversed(lines):
        if len(line) > budget:
            break
        budget -= len(line)
        kept.append(line)
    return kept[::-1]


def _alert_from_json(obj: Mapping[str, Any]) -> Alert:
    """The inverse of :meth:`Alert.to_json` (times are ISO text there, milliseconds here)."""
    if obj["state"] not in ("ALARM", "OK", "INSUFFICIENT_DATA", DEGRADED):
        raise ValueError(f"unknown alert state {obj['state']!r}")
    if not isinstance(obj["group"], dict):
        raise TypeError("group is not an object")
    cloudwatch = obj.get("evaluation") == "cloudwatch"
    state = "OK" if obj["state"] == "INSUFFICIENT_DATA" else obj["state"]  # leaving ALARM so ends an episode
    return Alert(
        rule=str(obj["rule"]), state=state, group=dict(obj["group"]),
        value=_number(obj, "value"), threshold=_number(obj, "threshold"), window_s=_number(obj, "window"),
        measure=str(obj["measure"]),
        time_ms=_millis(obj["time"]), first_ms=_optional_millis(obj.get("first")),
        last_ms=_optional_millis(obj.get("last")),
        severity=str(obj.get("severity", "medium")), samples=tuple(map(str, obj.get("samples", ()))),
        episode_start_ms=_optional_millis(obj.get("episodeStart")), late=bool(obj.get("late", False)),
        peak=None if obj.get("peak") is None else _number(obj, "peak"), description=str(obj.get("description", "")),
        evaluation="cloudwatch" if cloudwatch else None, alarm_state=obj["state"] if cloudwatch else None,
    )


def _number(obj: Mapping[str, Any], key: str) -> float:
    """``obj[key]`` when it is a number; ValueError otherwise (``"big"`` would fail every send)."""
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} is not a number")
    return value


def _millis(iso: str) -> int:
    return round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _optional_millis(iso: str | None) -> int | None:
    return None if iso is None else _millis(iso)


def _encode(obj: Mapping[str, Any]) -> bytes:
    """One line; ``json.dumps`` escapes non-ASCII and control characters, so the file is plain ASCII."""
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode("ascii")


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
