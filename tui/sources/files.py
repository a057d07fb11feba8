"""Reading flow-log files for replay: plain text, gzip (S3 deliveries), and standard input.

Files are read in chunks of whole lines, so a replay's memory does not grow with the file. The first
line of a file may be an S3 header naming the fields; it gives that file's format and is not a record.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from tui.errors import FlowtailError
from tui.flowlog import FlowFormat, detect_header

CHUNK_BYTES = 4 << 20


@dataclass
class Chunk:
    """Whole lines of one file, decoded; ``fmt`` is set when the file's header named its fields."""

    path: str
    text: str
    fmt: FlowFormat | None = None


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        raw = open(path, "rb")
    except IsADirectoryError:
        raise FlowtailError(f"{path}: is a directory, not a flow-log file") from None
    except OSError as error:
        raise FlowtailError(f"{path}: cannot read: {error.strerror or error}") from None
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def read_chunks(path: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """Yield the file's lines in chunks; raises FlowtailError (one line) for unreadable input."""
    stream = _open(path)
    try:
        first = True
        pending = b""
        while True:
            try:
                block = stream.read(chunk_bytes)
            except (EOFError, zlib.error, gzip.BadGzipFile) as error:
                raise FlowtailError(f"{path}: truncated or corrupt gzip data ({error})") from None
            except OSError as error:
                raise FlowtailError(f"{path}: cannot read: {error.strerror or error}") from None
            if not block:
                break
            data = pending + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                pending = data
                continue
            pending = data[cut:]
            chunk = _decode(path, data[:cut], first)
            first = False
            if chunk.text or chunk.fmt:
                yield chunk
        if pending:
            chunk = _decode(path, pending + b"\n", first)
            if chunk.text or chunk.fmt:
                yield chunk
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _decode(path: str, data: bytes, first: bool) -> Chunk:
    if b"\x00" in data:
        raise FlowtailError(f"{path}: binary data, not a flow-log text file")
    text = data.decode("utf-8", errors="replace")
    fmt = None
    if first:
        head, _, rest = text.partition("\n")
        fmt = detect_header(head.strip())
        if fmt is not None:
            text = rest
    return Chunk(path, text, fmt)

