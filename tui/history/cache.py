"""The local engine's Parquet cache: one directory per converted source, bounded in bytes.

An entry is ``<key>/`` holding ``part-N.parquet`` files (one per record layout found in the source)
and ``meta.json`` (what the conversion counted). Its key hashes what makes the source what it is (a
file's path, size and modification time; an S3 object's bucket, key and ETag) with the format it was
read with, so a changed source is converted again and an unchanged one never is. Entries are built
under a temporary name and renamed into place, so a reader never sees half an entry; beyond the cap,
the least recently used entries go.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

CONVERSION_VERSION = "5"  # bump when the Parquet layout changes: old entries are then never matched


@dataclass(frozen=True)
class Entry:
    """A converted source: its Parquet parts and what the conversion counted."""

    key: str
    parts: tuple[str, ...]
    records: int
    malformed: int

    @property
    def size(self) -> int:
        return sum(os.path.getsize(part) for part in self.parts)


def entry_key(*identity: object) -> str:
    """The key of a source, from what identifies its content."""
    text = json.dumps([CONVERSION_VERSION, *[str(part) for part in identity]])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ParquetCache:
    """Entries under ``root``, at most ``max_bytes`` in all once :meth:`trim` ran (a question's own
    entries are kept even when they alone are bigger: the engine then says so)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.evicted = 0  # entries removed to stay under the cap, since this cache was opened

    def get(self, key: str) -> Entry | None:
        """The entry, marked as just used; None when it is not cached."""
        directory = self.root / key
        try:
            meta = json.loads((directory / "meta.json").read_text())
            os.utime(directory / "meta.json")
        except (OSError, ValueError):
            return None
        parts = tuple(str(directory / name) for name in meta["parts"])
        return Entry(key, parts, int(meta["records"]), int(meta["malformed"]))

    def staging(self) -> Path:
        """A fresh directory to build an entry in (then :meth:`commit` it)."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))

    def commit(self, key: str, staging: Path, parts: list[str], records: int, malformed: int) -> Entry:
        """Move a built entry into place (another process may have done so first: theirs is kept)."""
        names = [os.path.basename(part) for part in parts]
        (staging / "meta.json").write_text(json.dumps({"parts": names, "records": records, "malformed": malformed}))
        try:
            os.rename(staging, self.root / key)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        entry = self.get(key)
        if entry is None:
            raise OSError(f"cache entry {key} vanished")
        return entry

    def trim(self, keep: frozenset[str] = frozenset()) -> int:
        """Remove the least recently used entries, except ``keep`` (a question's own), until the cache
        holds at most ``max_bytes``; the bytes it still holds."""
        entries = []
        for directory in self.root.iterdir() if self.root.is_dir() else ():
            if directory.name.startswith(".") or not directory.is_dir():
                continue
            try:
                used = (directory / "meta.json").stat().st_mtime
            except OSError:
                continue
            size = sum(path.stat().st_size for path in directory.iterdir())
            entries.append((used, directory.name, size))
        total = sum(size for _, _, size in entries)
        for _, name, size in sorted(entries):
            if total <= self.max_bytes:
                break
            if name in keep:
                continue
            shutil.rmtree(self.root / name, ignore_errors=True)
            total -= size
            self.evicted += 1
        return total
