"""The local engine's Parquet cache: one entry per converted source, bounded in bytes.

An entry is ``<key>/`` holding ``meta.json`` (what the conversion counted) and either its own
``part-N.parquet`` files (one per record layout found in the source) or, once packed, a reference to
a pack. Its key hashes what makes the source what it is (a file's path, size and modification time;
an S3 object's bucket, key and ETag) with the format it was read with, so a changed source is
converted again and an unchanged one never is. Entries are built under a temporary name and renamed
into place, so a reader never sees half an entry; beyond the cap, the least recently used entries go.

A pack (``pack-<id>/data.parquet``) holds the rows of many entries, each row tagged with its entry's
index in :data:`ENTRY_COLUMN`. A question over 300 files then opens one file instead of 300: DuckDB's
cost per Parquet file (its footer, its schema, a scan of its own) was about half of a repeated
question's scan. A pack goes when its last entry does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

CONVERSION_VERSION = "5"  # bump when the Parquet layout changes: old entries are then never matched
PACK_PREFIX = "pack-"
PACK_FILE = "data.parquet"
ENTRY_COLUMN = "flowtail_entry"  # a pack's column: the index of the row's entry in the pack
PACK_BYTES = 512 << 20  # the entries' Parquet packed into one file at most
ORPHAN_AGE_S = 600  # a pack no entry refers to is removed once this old (younger: being written)


@dataclass(frozen=True)
class Entry:
    """A converted source: its Parquet and what the conversion counted. ``pack``: the pack file
    holding its rows (``parts`` is then that one file), with ``index`` its rows' :data:`ENTRY_COLUMN`
    and ``members`` the pack's entry count; None for an entry with parts of its own."""

    key: str
    parts: tuple[str, ...]
    records: int
    malformed: int
    pack: str | None = None
    index: int = 0
    members: int = 0


def entry_key(*identity: object) -> str:
    """The key of a source, from what identifies its content."""
    text = json.dumps([CONVERSION_VERSION, *[str(part) for part in identity]])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _write_json(path: Path, document: dict[str, Any]) -> None:
    """Replace ``path`` whole (a reader sees the old document or the new one, never half)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(document))
    os.replace(temporary, path)


def _size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.iterdir())


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
        records, malformed = int(meta["records"]), int(meta["malformed"])
        if "pack" not in meta:
            return Entry(key, tuple(str(directory / name) for name in meta["parts"]), records, malformed)
        data = self.root / str(meta["pack"]) / PACK_FILE
        if not data.is_file():  # its pack was removed under it: converted again
            return None
        return Entry(key, (str(data),), records, malformed, str(data), int(meta["index"]), int(meta["members"]))

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

    def pack(self, entries: Sequence[Entry], connection: Any) -> int:
        """Move the rows of ``entries`` (those with parts of their own) into packs of at most
        :data:`PACK_BYTES` of Parquet each, with ``connection`` (DuckDB); the number packed."""
        from tui.history.sql import literal

        # Once each (an entry packed twice would count its rows twice); no parts: no rows.
        loose = list({entry.key: entry for entry in entries if entry.pack is None and entry.parts}.values())
        groups: list[list[Entry]] = [[]]
        held = 0
        for entry in loose:
            size = sum(os.path.getsize(part) for part in entry.parts)
            if groups[-1] and held + size > PACK_BYTES:
                groups.append([])
                held = 0
            groups[-1].append(entry)
            held += size
        packed = 0
        for group in (group for group in groups if len(group) >= 2):
            staging = self.staging()
            files = [(part, index) for index, entry in enumerate(group) for part in entry.parts]
            indexes = ", ".join(f"({literal(part)}, {index})" for part, index in files)
            rows = (
                f"SELECT rows.* EXCLUDE (filename), entries.number AS {ENTRY_COLUMN} "
                f"FROM read_parquet([{', '.join(literal(part) for part, _ in files)}], union_by_name=true, "
                f"filename=true) AS rows JOIN (VALUES {indexes}) AS entries(part, number) "
                "ON rows.filename = entries.part"
            )
            try:
                # One scan of every part, in any order (an order to keep made DuckDB write on one
                # thread: three times the time): a row's entry is its column, not its place.
                connection.execute("SET preserve_insertion_order = false")
                connection.execute(
                    f"COPY ({rows}) TO {literal(str(staging / PACK_FILE))} (FORMAT parquet, COMPRESSION snappy)"
                )
                name = f"{PACK_PREFIX}{staging.name.removeprefix('.staging-')}"
                os.rename(staging, self.root / name)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            for index, entry in enumerate(group):
                meta = {"pack": name, "index": index, "members": len(group), "records": entry.records,
                        "malformed": entry.malformed}
                _write_json(self.root / entry.key / "meta.json", meta)
                for part in entry.parts:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(part)
            packed += len(group)
        return packed

    def trim(self, keep: frozenset[str] = frozenset()) -> int:
        """Remove the least recently used entries, except ``keep`` (a question's own), until the cache
        holds at most ``max_bytes`` (a pack counts whole while any entry refers to it, and goes with
        its last one); the bytes it still holds."""
        entries: list[tuple[float, str, int, str | None]] = []  # (used, key, own bytes, pack)
        packs: dict[str, tuple[int, float]] = {}  # name -> (bytes, modified)
        for directory in self.root.iterdir() if self.root.is_dir() else ():
            if directory.name.startswith(".") or not directory.is_dir():
                continue
            try:
                if directory.name.startswith(PACK_PREFIX):
                    packs[directory.name] = (_size(directory), directory.stat().st_mtime)
                    continue
                meta_path = directory / "meta.json"
                used = meta_path.stat().st_mtime
                pack = json.loads(meta_path.read_text()).get("pack")
                entries.append((used, directory.name, _size(directory), pack))
            except (OSError, ValueError):
                continue
        refers = Counter(pack for *_, pack in entries if pack in packs)
        for name, (_, modified) in list(packs.items()):
            if not refers[name] and time.time() - modified > ORPHAN_AGE_S:
                shutil.rmtree(self.root / name, ignore_errors=True)
                del packs[name]
        total = sum(size for _, _, size, _ in entries) + sum(size for size, _ in packs.values())
        for _, key, size, pack in sorted(entries):
            if total <= self.max_bytes:
                break
            if key in keep:
                continue
            shutil.rmtree(self.root / key, ignore_errors=True)
            total -= size
            self.evicted += 1
            if pack in packs:
                refers[pack] -= 1
                if not refers[pack]:
                    shutil.rmtree(self.root / pack, ignore_errors=True)
                    total -= packs.pop(pack)[0]
        return total
