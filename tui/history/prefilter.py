"""The first answer about an address or an ENI over files not yet in the cache: only the lines that
can be its records are parsed.

A record concerns an address or an ENI only when the subject's text stands in it (the engines
compare the fields' text with the subject's canonical text), so each file is read as bytes
(decompressed by ISA-L when the ``isal`` package is there, else zlib) and only its candidate lines
are kept: the lines holding that text, plus every line that
could change how the next ones read (a header line holds no ``.``) or hide the text (a JSON-wrapped
line with a ``\\`` escape), plus the file's first line as it is. Those few lines are then read
exactly as :func:`tui.history.ingest.convert_exact` reads a whole file (layouts, headers, torn and
wrapped lines), so the answer is the one the converted file gives; only the counts of records and
malformed lines of the whole file are not known.
"""

from __future__ import annotations

import shutil
from itertools import accumulate
from pathlib import Path
from typing import Any, Iterator

from tui.flowlog import FlowFormat
from tui.history.ingest import copy_records, split_layouts

FIRST_LINE_MAX = 1 << 20


def prefilterable(kind: str) -> bool:
    """Subjects whose text is a necessary condition of a record concerning them."""
    return kind in ("address", "eni")


INFLATE_OUT = 8 << 20  # decompressed bytes at a time (bounded memory)
READ_IN = 1 << 20  # compressed bytes read at a time
LINE_MAX = 16 << 20  # a longer "line" is no flow log: the file is converted whole, which says so
_MARKS = bytes(byte for byte in range(256) if byte not in b"\n.:")  # what a line's marks leave out


def _inflate() -> Any:
    """zlib's module, or ISA-L's (``isal``, in the history extra: the same API, inflating two to three
    times as fast; decompression is most of a first answer's work). Both release the GIL."""
    try:
        from isal import isal_zlib  # type: ignore[import-not-found, unused-ignore]  # not on every machine
    except ImportError:
        import zlib

        return zlib
    return isal_zlib


class Unreadable(Exception):
    """The file cannot be scanned as bytes (a corrupt or truncated gzip, an endless line)."""


def _blocks(path: str) -> Iterator[bytes]:
    """The file's bytes, decompressed when it is gzip (every member, as ``cat a.gz b.gz`` makes
    them), in blocks of at most :data:`INFLATE_OUT`."""
    inflate = _inflate()
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        if not gz:
            while block := raw.read(INFLATE_OUT):
                yield block
            return
        member, fed = inflate.decompressobj(31), False
        try:
            while compressed := raw.read(READ_IN):
                while True:
                    fed = True
                    out = member.decompress(compressed, INFLATE_OUT)
                    if out:
                        yield out
                    compressed = member.unconsumed_tail
                    if member.eof:  # the bytes after it start the next member
                        compressed, member, fed = member.unused_data + compressed, inflate.decompressobj(31), False
                        if not compressed:
                            break
                    elif not compressed and len(out) < INFLATE_OUT:
                        break  # all taken, nothing held back (a full block may hide more: ask again)
        except (inflate.error, ValueError) as error:
            raise Unreadable(str(error)) from None
        if fed and not member.eof:
            raise Unreadable("the gzip data ends before its end-of-stream marker")


def _line_chunks(path: str) -> Iterator[bytes]:
    """The file as chunks of whole lines (each ending in a newline, but maybe the file's last); a
    file that fits in one block is that block, not a copy of it."""
    pending = b""
    for block in _blocks(path):
        data = pending + block if pending else block
        cut = data.rfind(b"\n") + 1
        pending = data[cut:] if cut < len(data) else b""
        if len(pending) > LINE_MAX:
            raise Unreadable(f"a line longer than {LINE_MAX} bytes")
        if cut:
            yield data if cut == len(data) else data[:cut]
    if pending:
        yield pending


def _starts(chunk: bytes, needle: bytes, begin: int = 0) -> list[int]:
    """Where the candidate lines of ``chunk`` (see the module) from offset ``begin`` (a line's start)
    start, in order."""
    starts = set()
    for token in (needle, b"\\"):
        found = chunk.find(token, begin)
        while found >= 0:
            starts.add(chunk.rfind(b"\n", 0, found) + 1)
            end = chunk.find(b"\n", found)
            found = -1 if end < 0 else chunk.find(token, end)
    # Lines with neither "." nor ":": kept of the chunk are its newlines, dots and colons, and such a
    # line is a newline right after another (the first line's is a virtual one). Rare in busy logs
    # (NODATA records, headers), so their offsets are computed only when there are some.
    marks = b"\n" + chunk.translate(None, _MARKS)
    if not marks.endswith(b"\n"):
        marks += b"\n"
    skipped = chunk.count(b"\n", 0, begin)  # the lines before ``begin``
    found = marks.find(b"\n\n")
    lengths: list[int] = []
    line = counted = 0
    while found >= 0:
        line += marks.count(b"\n", counted, found + 1)  # the newlines up to this one: its line is next
        counted = found + 1
        index = line - 1
        if index >= skipped:
            lengths = lengths or list(accumulate(map(len, chunk.split(b"\n"))))  # line i: lengths[i-1] + i
            starts.add(lengths[index - 1] + index if index else 0)
        found = marks.find(b"\n\n", found + 1)
    return sorted(starts)


def candidates(path: str, needle: str, target: Path) -> bool:
    """Write the candidate lines of ``path`` (see the module) to ``target``, in the file's order and
    exactly as its bytes are (a CR, a NUL, invalid UTF-8 or a JSON escape is the exact reader's to
    judge, as it judges the whole file); False when the file cannot be read so (a corrupt or
    truncated gzip, a first line longer than :data:`FIRST_LINE_MAX`): the caller converts that file
    whole, which says what is wrong."""
    text = needle.encode()
    first = True
    try:
        with open(target, "wb") as out:
            for chunk in _line_chunks(path):
                begin = 0
                if first:  # the first line as it is, whatever it holds (a header, a binary start)
                    first = False
                    begin = chunk.find(b"\n") + 1
                    if not begin or begin > FIRST_LINE_MAX:
                        return False
                    out.write(chunk[:begin])
                for start in _starts(chunk, text, begin):
                    end = chunk.find(b"\n", start)
                    out.write(chunk[start:] + b"\n" if end < 0 else chunk[start: end + 1])
    except (OSError, Unreadable):
        return False
    return not first


def prefiltered(path: str, needle: str, fmt: FlowFormat, staging: Path) -> dict[FlowFormat, Path] | None:
    """The records among ``path``'s candidate lines as text, one file per layout in ``staging``
    (:func:`tui.history.ingest.split_layouts`; then :func:`to_parquet`); None when the file cannot
    be prefiltered (convert it whole)."""
    text = staging / "candidates.txt"
    try:
        if not candidates(path, needle, text):
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
