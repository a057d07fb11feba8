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
from tui.sources.files import read_chunks

MILLISECONDS_ABOVE = 10**11  # as tui.flowlog.values: epoch values above this are milliseconds


@dataclass
class Converted:
    parts: list[str]
    records: int
    malformed: int


def _typed(field: str, raw: str) -> str:
    """SQL typing one raw token column the way ``tui.flowlog.values`` types the field."""
    kind = FIELDS[field].kind if field in FIELDS else "str"
    if kind == "str" or kind == "ip":
        return f"NULLIF({raw}, '-')"
    number = f"CASE WHEN regexp_full_match({raw}, '[0-9]{{1,18}}') THEN CAST({raw} AS BIGINT) END"
    if kind == "epoch":
        return f"CASE WHEN {number} > {MILLISECONDS_ABOVE} THEN {number} // 1000 ELSE {number} END"
    return number


def _split_layouts(path: str, fmt: FlowFormat, staging: Path) -> tuple[dict[FlowFormat, Path], int, int]:
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


def convert_file(path: str, fmt: FlowFormat, staging: Path, connection: Any | None = None) -> Converted:
    """Convert ``path`` (read with ``fmt`` unless a header says otherwise) into Parquet parts in ``staging``."""
    layouts, records, malformed = _split_layouts(path, fmt, staging)
    if connection is None:
        from tui.history.duck import connect

        connection = connect()
    parts = []
    for index, (layout, text_path) in enumerate(layouts.items()):
        raw = {name: f"c{i}" for i, name in enumerate(layout.names)}
        columns = "{" + ", ".join(f"{literal(raw[name])}: 'VARCHAR'" for name in layout.names) + "}"
        select = ", ".join(
            [f"concat_ws(' ', {', '.join(raw.values())}) AS message", f"{literal(' '.join(layout.names))} AS layout"]
            + [f"{_typed(name, raw[name])} AS {quoted(column(name))}" for name in layout.names]
        )
        part = staging / f"part-{index}.parquet"
        connection.execute(
            f"COPY (SELECT {select} FROM read_csv({literal(str(text_path))}, delim=' ', header=false, quote='', "
            f"escape='', auto_detect=false, strict_mode=true, columns={columns})) "
            f"TO {literal(str(part))} (FORMAT parquet, COMPRESSION zstd)"
        )
        os.unlink(text_path)
        parts.append(str(part))
    return Converted(parts, records, malformed)

