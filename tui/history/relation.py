"""The Parquet one question reads, as one SQL relation: loose files (entries with parts of their
own, candidates of a first answer, Parquet deliveries read in place) and entries' rows in packs
(:mod:`tui.history.cache`), a pack read whole when the question wants all of its entries."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from tui.history.cache import ENTRY_COLUMN, Entry
from tui.history.sql import literal


def _parquet(files: list[str], exclude: str = "") -> str:
    names = ", ".join(literal(name) for name in files)
    return f"SELECT *{exclude} FROM read_parquet([{names}], union_by_name=true)"


@dataclass
class Reads:
    """Loose Parquet files, and per pack file the entry indexes wanted and the pack's entry count."""

    files: list[str] = field(default_factory=list)
    packs: dict[str, tuple[set[int], int]] = field(default_factory=dict)

    def add(self, entry: Entry) -> None:
        if entry.pack is None:
            self.files.extend(entry.parts)
            return
        wanted, _ = self.packs.setdefault(entry.pack, (set(), entry.members))
        wanted.add(entry.index)

    def merge(self, other: Reads) -> None:
        self.files.extend(other.files)
        for pack, (wanted, members) in other.packs.items():
            self.packs.setdefault(pack, (set(), members))[0].update(wanted)

    def __bool__(self) -> bool:
        return bool(self.files or self.packs)

    def bytes(self) -> int:
        """The Parquet bytes read (a pack read in part counts whole: its other rows' pages are skipped
        by their statistics only when its entries' rows are apart)."""
        return sum(os.path.getsize(path) for path in [*self.files, *self.packs])

    def relation(self) -> str:
        """One SELECT over everything (``UNION ALL BY NAME``: layouts differ in their columns)."""
        exclude = f" EXCLUDE ({ENTRY_COLUMN})"
        whole = [pack for pack, (wanted, members) in self.packs.items() if len(wanted) == members]
        selects = [_parquet(self.files)] if self.files else []
        if whole:
            selects.append(_parquet(whole, exclude))
        for pack, (wanted, members) in self.packs.items():
            if len(wanted) < members:
                indexes = ", ".join(str(index) for index in sorted(wanted))
                selects.append(f"{_parquet([pack], exclude)} WHERE {ENTRY_COLUMN} IN ({indexes})")
        return " UNION ALL BY NAME ".join(selects)
