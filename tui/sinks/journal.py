"""The alert journal: every alert is written here, durably, before any delivery is attempted.

The file is JSON lines and append-only. Three kinds of line::

    {"type": "alert", "id", "at", "sinks": [...], "delivered": {}, "suppressed": {}, ...Alert.to_json()}
    {"type": "delivered", "id", "sink", "message_id"}
    {"type": "suppressed", "id", "sink", "reason"}

Outcomes are receipts appended after the alert instead of edits to its line: nothing is ever
rewritten, so a crash at any moment leaves every earlier line intact, and an alert with no receipt
for a sink is still owed to that sink (:meth:`Journal.pending`). The ``delivered``/``suppressed``
objects on an alert line are empty when it is first written; rotation fills them when it carries a
partly delivered alert over into the new file.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from tui.paths import state_dir
from tui.rules.alerts import Alert

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Receipt line type -> the key holding its detail. The type is also the alert line's map of them.
_RECEIPTS = {"delivered": "message_id", "suppressed": "reason"}


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

    @classmethod
    def new(cls, alert: Alert, sinks: Iterable[str], at: float) -> JournalEntry:
        return cls(id=uuid.uuid4().hex, alert=alert, at=at, sinks=tuple(sinks))

    def pending_for(self, sink: str) -> bool:
        return sink in self.sinks and sink not in self.delivered and sink not in self.suppressed

    @property
    def unresolved(self) -> bool:
        return any(self.pending_for(sink) for sink in self.sinks)

    def to_line(self) -> dict[str, Any]:
        return {**self.alert.to_json(), "id": self.id, "at": self.at, "sinks": list(self.sinks),
                "delivered": dict(self.delivered), "suppressed": dict(self.suppressed)}

    @classmethod
    def from_line(cls, line: Mapping[str, Any], receipts: Mapping[str, Mapping[str, str]]) -> JournalEntry:
        """The entry on an alert line plus the ``receipts`` (type -> {sink: detail}) read after it.

        Raises KeyError, TypeError or ValueError for a line that is not a complete alert.
        """
        outcomes = {kind: {**line.get(kind, {}), **receipts.get(kind, {})} for kind in _RECEIPTS}
        return cls(id=str(line["id"]), alert=_alert_from_json(line), at=float(line["at"]),
                   sinks=tuple(map(str, line["sinks"])), **outcomes)


class Journal:
    """The journal file at ``path`` (default ``$XDG_STATE_HOME/flowtail/alerts.jsonl``).

    Thread-safe. Every write is flushed and fsynced before the call returns. When the file grows past
    ``max_bytes`` it is renamed to ``<name>.1`` (replacing the previous one) and a new file starts
    with the alerts still pending, newest first within half of ``max_bytes``; any older pending ones
    that do not fit are counted in ``dropped`` and are only in ``<name>.1`` from then on.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.max_bytes = max_bytes
        self.malformed = 0  # unreadable lines skipped by the latest read
        self.dropped = 0  # pending alerts not carried over by rotation
        self._lock = threading.Lock()
        self._recover_rotation()
        self._file = self._open()

    @property
    def rotated_path(self) -> Path:
        return self.path.with_name(self.path.name + ".1")

    @property
    def _tmp_path(self) -> Path:
        return self.path.with_name(self.path.name + ".tmp")

    def append(self, entry: JournalEntry) -> None:
        with self._lock:
            self._write(entry.to_line())

    def mark_delivered(self, entry_id: str, sink: str, message_id: str) -> None:
        self._receipt("delivered", entry_id, sink, message_id)

    def mark_suppressed(self, entry_id: str, sink: str, reason: str) -> None:
        self._receipt("suppressed", entry_id, sink, reason)

    def pending(self, sink: str) -> list[JournalEntry]:
        """Alerts owed to ``sink`` with no receipt for it, oldest first."""
        with self._lock:
            return [entry for entry in self._entries() if entry.pending_for(sink)]

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
            self._write({"type": kind, "id": entry_id, "sink": sink, _RECEIPTS[kind]: detail})

    def _write(self, obj: dict[str, Any]) -> None:
        self._file.write(_encode(obj))
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
        pending = [_encode(entry.to_line()) for entry in self._entries() if entry.unresolved]
        kept: list[bytes] = []
        budget = self.max_bytes // 2
        for line in reversed(pending):
            if len(line) > budget:
                break
            budget -= len(line)
            kept.append(line)
        return kept[::-1], len(pending) - len(kept)

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
                    receipts.setdefault(str(obj["id"]), {}).setdefault(kind, {})[str(obj["sink"])] = str(
                        obj[_RECEIPTS[kind]]
                    )
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
                try:
                    obj = json.loads(raw)
                except ValueError:
                    obj = None
                if isinstance(obj, dict):
                    yield obj
                elif count:
                    self.malformed += 1


def _alert_from_json(obj: Mapping[str, Any]) -> Alert:
    """The inverse of :meth:`Alert.to_json` (times are ISO text there, milliseconds here)."""
    if obj["state"] not in ("ALARM", "OK"):
        raise ValueError(f"unknown alert state {obj['state']!r}")
    return Alert(
        rule=str(obj["rule"]), state=obj["state"], group=dict(obj["group"]),
        value=obj["value"], threshold=obj["threshold"], window_s=obj["window"], measure=str(obj["measure"]),
        time_ms=_millis(obj["time"]), first_ms=_optional_millis(obj.get("first")),
        last_ms=_optional_millis(obj.get("last")),
        severity=str(obj.get("severity", "medium")), samples=tuple(map(str, obj.get("samples", ()))),
    )


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
