"""The first answer about an address or an ENI over files not yet in the cache: only the lines that
can be its records are parsed.

A record concerns an address or an ENI only when the subject's text stands in it (the engines
compare the fields' text with the subject's canonical text), so DuckDB reads each line of a file
as one text column and keeps the candidates: the lines holding that text, plus every line that
could change how the next ones read (a header line holds no ``.``) or hide the text (a JSON-wrapped
line with a ``\\`` escape), plus the file's first line as it is. Those few lines are then read
exactly as :func:`tui.history.ingest.convert_exact` reads a whole file (layouts, headers, torn and
wrapped lines), so the answer is the one the converted file gives; only the counts of records and
malformed lines of the whole file are not known.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tui.flowlog import FlowFormat
from tui.history.ingest import copy_records, split_layouts
from tui.history.sql import literal
from tui.sources.files import ensure_readable, open_input

FETCH_ROWS = 10_000  # candidate lines fetched from DuckDB at a time (bounded memory)
FIRST_LINE_MAX = 1 << 20


def prefilterable(kind: str) -> bool:
    """Subjects whose text is a necessary condition of a record concerning them."""
    return kind in ("address", "eni")


def _first_line(path: str) -> bytes | None:
    """The file's first line (decompressed), with its newline; None when it is longer than
    :data:`FIRST_LINE_MAX` or the file has no newline (the caller converts such a file whole)."""
    with open_input(path) as stream:
        line = stream.readline(FIRST_LINE_MAX)
    return line if line.endswith(b"\n") else None


def _gzip(path: str) -> bool:
    with open(path, "rb") as raw:
        return raw.read(2) == b"\x1f\x8b"


def candidates(path: str, needle: str, target: Path, connection: Any) -> bool:
    """Write the candidate lines of ``path`` (see the module) to ``target``, in the file's order.
    False when DuckDB did not read the file as its lines (not UTF-8, a carriage return, a corrupt
    gzip...): the caller converts that file whole, which says what is wrong.

    A line is one column whose delimiter is the carriage return, so a CR further on is an error
    instead of a line dropped without one; a file whose first line ends in CRLF, which DuckDB's reader
    reads as nothing at all, is not scanned. NUL and other control bytes, blank lines and gzip files
    of several members read as they are."""
    import duckdb

    ensure_readable([path])  # a binary file: the one-line error a conversion gives
    first = _first_line(path)
    if first is None or first.endswith(b"\r\n"):  # a CRLF first line: DuckDB drops every CRLF line
        return False
    kept = (
        f"contains(line, {literal(needle)}) OR contains(line, '\\') "
        "OR NOT (contains(line, '.') OR contains(line, ':'))"
    )
    lines = (
        f"read_csv({literal(path)}, columns={{'line': 'VARCHAR'}}, delim='\\r', header=false, quote='', "
        "escape='', auto_detect=false, strict_mode=true, skip=1, new_line='\\n', "
        f"compression='{'gzip' if _gzip(path) else 'none'}')"
    )
    try:
        # A filtered scan keeps the insertion order (DuckDB's default): the kept lines come in the file's order.
        result = connection.execute(f"SELECT line FROM {lines} WHERE {kept}")
        with open(target, "wb") as out:
            out.write(first)
            while rows := result.fetchmany(FETCH_ROWS):
                out.write("".join(f"{line or ''}\n" for (line,) in rows).encode())
    except duckdb.Error:
        return False
    return True


def prefiltered(
    path: str, needle: str, fmt: FlowFormat, staging: Path, connection: Any
) -> dict[FlowFormat, Path] | None:
    """The records among ``path``'s candidate lines as text, one file per layout in ``staging``
    (:func:`tui.history.ingest.split_layouts`; then :func:`to_parquet`); None when the file cannot
    be prefiltered (convert it whole)."""
    text = staging / "candidates.txt"
    try:
        if not candidates(path, needle, text, connection):
            return None
        return split_layouts(str(text), fmt, staging)[0]
    finally:
        text.unlink(missing_ok=True)


def gather(found: dict[FlowFormat, Path], into: dict[FlowFormat, Path], staging: Path) -> None:
    """Append one file's candidate records (:func:`prefiltered`) to the text of their layout in
    ``into`` (one text per layout for every file: DuckDB reads one file much faster than hundreds)."""
    for layout, text in found.items():
        target = into.get(layout)
        if target is None:
            target = into[layout] = staging / f"candidates-{len(into)}.txt"
        with open(target, "ab") as out, open(text, "rb") as part:
            shutil.copyfileobj(part, out)
        text.unlink()


def to_parquet(layouts: dict[FlowFormat, Path], staging: Path, connection: Any) -> list[str]:
    """The gathered candidate records, one Parquet part per layout."""
    parts = []
    for index, (layout, text) in enumerate(layouts.items()):
        part = staging / f"candidates-{index}.parquet"
        copy_records(connection, str(text), layout, part)
        parts.append(str(part))
    return parts
