"""One flow-log file -> Parquet parts, once: what the local engine queries.

The records are read by flowtail's own definitions (``tui.sources.files.read_chunks`` for plain,
gzip, S3 header lines and JSON-wrapped lines; ``FlowFormat.split`` for what a record is; an S3
header line further on switches the layout, as replay reads it). Python only sorts each record's
tokens into a text file per layout; DuckDB then types them (``-`` and non-numbers as NULL, epoch
milliseconds as seconds, as ``tui.flowlog.values`` does) and writes Parquet. Columns are the
fields with ``_`` for ``-`` (Athena's names) plus ``message``, the record as one line, and
``layout``, its format's field names (files of several layouts make one table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from tui.flowlog import FIELDS, FlowFormat, detect_header
from tui.history.sql import column, literal, quoted
from tui.sources.files import GZIP_ERRORS, read_chunks

MILLISECONDS_ABOVE = 10**11  # as tui.flowlog.values: epoch values above this are milliseconds


@dataclass
class Converted:
    parts: list[str]
    records: int
    malformed: int


def _kind(field: str) -> str:
    return FIELDS[field].kind if field in FIELDS else "str"


def _typed(field: str, raw: str, checked: bool) -> str:
    """SQL typing one raw token column the way ``tui.flowlog.values`` types the field; ``checked``:
    every numeric token is already known to be ``-`` or digits (:func:`_simple_record`)."""
    kind = _kind(field)
    if kind == "str" or kind == "ip":
        return f"NULLIF({raw}, '-')"
    if checked:
        number = f"TRY_CAST(NULLIF({raw}, '-') AS BIGINT)"
    else:
        number = f"CASE WHEN regexp_full_match({raw}, '[0-9]{{1,18}}') THEN CAST({raw} AS BIGINT) END"
    if kind == "epoch":
        return f"CASE WHEN {number} > {MILLISECONDS_ABOVE} THEN {number} // 1000 ELSE {number} END"
    return number


def split_layouts(path: str, fmt: FlowFormat, staging: Path) -> tuple[dict[FlowFormat, Path], int, int]:
    """The file's records as text, one file per layout (tokens joined by one space); (files, records, malformed)."""
    outputs: dict[FlowFormat, tuple[Path, TextIO]] = {}
    records = malformed = 0
    current = fmt
    try:
        for chunk in read_chunks(path):
            if chunk.fmt is not None:
                current = chunk.fmt
            target = None
            for line in chunk.text.split("\n"):
                if not line or line.isspace():
                    continue
                tokens = current.split(line)
                if tokens is None:
                    header = detect_header(line.strip())
                    if header is not None:
                        current, target = header, None
                    else:
                        malformed += 1
                    continue
                if target is None:
                    if current not in outputs:
                        text_path = staging / f"layout-{len(outputs)}.txt"
                        outputs[current] = (text_path, open(text_path, "w", encoding="utf-8"))  # noqa: SIM115
                    target = outputs[current][1]
                target.write(" ".join(tokens))
                target.write("\n")
                records += 1
    finally:
        for _, stream in outputs.values():
            stream.close()
    return {layout: text_path for layout, (text_path, _) in outputs.items()}, records, malformed


# Python's str.split() separators (what FlowFormat.split splits on), NUL and U+FFFD (a line holding
# them is no record), as an RE2 class body.
_NOT_TOKEN = (
    r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
    r"\x00\x{fffd}"
)


def _simple_record(layout: FlowFormat) -> str:
    """An RE2 pattern for a line that is a record of ``layout`` with single spaces between its tokens,
    ``start`` a number, every other numeric field ``-`` or at most 18 digits (a 64-bit integer), and
    not starting with ``{``: for such lines, ``line.split(' ')`` is the record and ``TRY_CAST`` types
    its numbers as flowtail does."""
    token = f"[^{_NOT_TOKEN}]+"
    tokens = []
    for name in layout.names:
        if name == "start":
            tokens.append("[0-9]{1,18}")
        elif _kind(name) in ("int", "epoch"):
            tokens.append("(?:-|[0-9]{1,18})")
        else:
            tokens.append(token)
    if _kind(layout.names[0]) not in ("int", "epoch"):
        tokens[0] = f"[^{{{_NOT_TOKEN}][^{_NOT_TOKEN}]*"
    return " ".join(tokens)


def _first_line(path: str) -> tuple[str, bool]:
    """(the file's first line, whether it is gzip): by content, not by name (S3 objects have any name)."""
    import gzip

    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if gz else raw
        return stream.readline(1 << 16).decode("utf-8", errors="replace"), gz


CHECKED = "flowtail_simple"  # the fast path's column: the line is a simple record (see convert_fast)


def copy_records(
    connection: Any, source: str | list[str], layout: FlowFormat, part: Path, skip: int = 0, gz: bool = False,
    check: bool = False,
) -> None:
    """COPY the single-space-separated records of ``layout`` in ``source`` (a file or several) to
    Parquet ``part``; ``check`` adds the column :data:`CHECKED` (and types numbers as only checked
    lines allow)."""
    files = literal(source) if isinstance(source, str) else f"[{', '.join(literal(name) for name in source)}]"
    raw = {name: f"c{i}" for i, name in enumerate(layout.names)}
    columns = "{" + ", ".join(f"{literal(raw[name])}: 'VARCHAR'" for name in layout.names) + "}"
    message = f"concat_ws(' ', {', '.join(raw.values())})"
    select = [f"{message} AS message", f"{literal(' '.join(layout.names))} AS layout"]
    select += [f"{_typed(name, raw[name], check)} AS {quoted(column(name))}" for name in layout.names]
    if check:
        select.append(f"regexp_full_match({message}, {literal(_simple_record(layout))}) AS {CHECKED}")
    connection.execute(
        f"COPY (SELECT {', '.join(select)} FROM read_csv({files}, delim=' ', header=false, quote='', "
        f"escape='', auto_detect=false, strict_mode=true, skip={skip}, columns={columns}, new_line='\\n', "
        f"compression='{'gzip' if gz else 'none'}')) "
        # Snappy, not zstd: conversion costs a sixth less CPU and a scan a third less, for a cache
        # about 1.7 times the size (measured on the benchmark's 10 million records).
        f"TO {literal(str(part))} (FORMAT parquet, COMPRESSION snappy)"
    )


def convert_fast(path: str, fmt: FlowFormat, staging: Path, connection: Any) -> Converted | None:
    """The whole file in DuckDB, in one pass, when every line after an optional first-line header is
    a simple record (:func:`_simple_record`) of one layout: the common case of S3 deliveries and
    replay files. None when any line is not (another header, a blank, a torn or wrapped line, a
    number that is no 64-bit integer): the exact path reads that file."""
    import duckdb

    try:
        first, gz = _first_line(path)
    except GZIP_ERRORS:  # a corrupt or truncated gzip: the exact path's reader says so in one line
        return None
    header = detect_header(first.strip())
    layout, skip = (header, 1) if header is not None else (fmt, 0)
    part = staging / "part-0.parquet"
    try:
        copy_records(connection, path, layout, part, skip, gz, check=True)
        row = connection.execute(
            f"SELECT count(*), count(*) FILTER (WHERE NOT {CHECKED}) FROM read_parquet({literal(str(part))})"
        ).fetchone()
    except duckdb.Error:  # a line of another width, not UTF-8, ...: the exact path says what it is
        row = None
    if row is None or row[1] != 0 or row[0] == 0:
        part.unlink(missing_ok=True)
        return Converted([], 0, 0) if row is not None and row[0] == 0 else None
    return Converted([str(part)], int(row[0]), 0)


def convert_exact(path: str, fmt: FlowFormat, staging: Path, connection: Any | None = None) -> Converted:
    """Convert ``path`` (read with ``fmt`` unless a header says otherwise) into Parquet parts in
    ``staging``, line by line as replay reads it: any mix of layouts, wrapped and torn lines."""
    if connection is None:
        from tui.history.duck import connect

        connection = connect()
    layouts, records, malformed = split_layouts(path, fmt, staging)
    parts = []
    for index, (layout, text_path) in enumerate(layouts.items()):
        part = staging / f"part-{index}.parquet"
        copy_records(connection, str(text_path), layout, part)
        os.unlink(text_path)
        parts.append(str(part))
    return Converted(parts, records, malformed)
