"""Where a Kinesis reader stopped: each shard's last processed sequence number, in the state directory.

One JSON file per stream and consumer name, ``{"version": 1, "stream": LABEL, "shards": {SHARD_ID:
{"sequence": SEQ, "finished": bool}}}``, replaced atomically (temporary file, fsync, rename, fsync of
the directory), so a crash at any moment leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

_VERSION = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class ShardPosition:
    sequence: str | None  # the last processed record's sequence number; None: none processed yet
    finished: bool = False  # a closed shard read to its end


_SEQUENCE = re.compile(r"[0-9]{1,128}")


def _position(entry: object) -> ShardPosition:
    """A shard's saved position; ValueError unless it is what ``save`` writes."""
    if not isinstance(entry, dict):
        raise ValueError("a shard's position is not an object")
    sequence, finished = entry.get("sequence"), entry.get("finished", False)
    if sequence is not None and not (isinstance(sequence, str) and _SEQUENCE.fullmatch(sequence)):
        raise ValueError(f"sequence {str(sequence)[:40]!r} is not a Kinesis sequence number (digits, as text)")
    if not isinstance(finished, bool):
        raise ValueError("finished is not true or false")
    return ShardPosition(sequence, finished)


class CheckpointFile:
    """The positions of one stream's shards for one consumer."""

    def __init__(self, path: Path, stream_label: str) -> None:
        self.path = path
        self.stream_label = stream_label
        self.writes = 0

    @classmethod
    def for_stream(cls, directory: Path, stream_label: str, consumer: str | None) -> CheckpointFile:
        """``DIRECTORY/kinesis/<stream>--<consumer>.json``; an ARN keeps its region and account in the name."""
        name = _UNSAFE.sub("_", stream_label.removeprefix("arn:"))
        return cls(directory / "kinesis" / f"{name}--{_UNSAFE.sub('_', consumer or 'default')}.json", stream_label)

    def load(self) -> dict[str, ShardPosition] | None:
        """The saved positions; None when there is no checkpoint yet. ValueError (one line naming the
        file) when it cannot be used: the reader must not silently start over and re-deliver
        everything, nor retry forever on a position Kinesis refuses."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise ValueError(f"cannot read the Kinesis checkpoint {self.path}: {error.strerror or error}") from None
        try:
            document = json.loads(data.decode("utf-8"))
            if not isinstance(document, dict) or document.get("version") != _VERSION:
                raise ValueError(f"version {document.get('version') if isinstance(document, dict) else None!r}")
            return {str(shard): _position(entry) for shard, entry in document["shards"].items()}
        except UnicodeDecodeError as error:
            problem = f"not UTF-8 at byte {error.start}"
        except RecursionError:
            problem = "nested too deeply to be a checkpoint"
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            problem = str(error)
        raise ValueError(
            f"the Kinesis checkpoint {self.path} is damaged ({problem[:200]}): move it away to start from the lookback"
        )

    def save(self, positions: Iterable[tuple[str, ShardPosition]]) -> None:
        """Replace the file with ``positions``, atomically and durably. Raises OSError."""
        document = {
            "version": _VERSION,
            "stream": self.stream_label,
            "shards": {shard: {"sequence": p.sequence, "finished": p.finished} for shard, p in positions},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(prefix=".checkpoint-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(document, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self.writes += 1
