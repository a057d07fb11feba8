"""Reading flow-log files for replay: plain text, gzip (S3 deliveries), and standard input.

Files are read in chunks of whole lines, so a replay's memory does not grow with the file. The first
line of a file may be an S3 header naming the fields; it gives that file's format and is not a record.
"""

from __future__ import annotations

import gzip
import os
import stat
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


@dataclass
class FileSpan:
    """Whole lines of a plain (uncompressed, seekable) file as a byte range: whoever needs the text
    reads it (a kernel worker, or the engine looking for an alarm's sample lines), so a parallel
    replay does not read every byte in the parent and then pickle it over to a worker.

    The text is exactly that of the :class:`Chunk` :func:`read_chunks` would yield for the range.
    """

    path: str
    start: int
    end: int
    add_newline: bool = False  # the file's last line, which has no newline of its own
    fmt: FlowFormat | None = None

    @property
    def text(self) -> str:
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self.start)
                data = stream.read(self.end - self.start)
        except OSError as error:
            raise FlowtailError(f"{self.path}: cannot read: {error.strerror or error}") from None
        if len(data) != self.end - self.start:
            raise FlowtailError(f"{self.path}: cannot read: the file shrank during the replay")
        return _decode(self.path, data + b"\n" if self.add_newline else data, False).text


def is_plain_file(path: str) -> bool:
    """A regular file that is not gzip: it can be read in byte ranges (see :func:`read_spans`)."""
    try:
        if path == "-" or not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as stream:
            return stream.read(2) != b"\x1f\x8b"
    except OSError:
        return False


def read_spans(path: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[FileSpan]:
    """The chunks :func:`read_chunks` would yield for a plain file, as byte ranges: the same
    boundaries (the last newline before each multiple of ``chunk_bytes``) and the same S3 header
    handling, found by reading a few kilobytes around each boundary. Like read_chunks, it goes on
    while the file grows."""
    stream = _open_file(path)
    try:
        with stream:
            size = os.fstat(stream.fileno()).st_size
            start = block_end = 0
            first = True
            while start < size or start < (size := os.fstat(stream.fileno()).st_size):
                cut = None
                while cut is None and block_end < size:
                    block_end = min(block_end + chunk_bytes, size)
                    cut = _last_newline(stream, start, block_end)
                span = FileSpan(path, start, size, add_newline=True) if cut is None else FileSpan(path, start, cut)
                if first:
                    first = False
                    head_end = _first_newline(stream, span.start, span.end)
                    stream.seek(span.start)
                    head = stream.read((span.end if head_end is None else head_end) - span.start)
                    if b"\x00" not in head:  # else the worker reports binary data
                        span.fmt = detect_header(head.decode("utf-8", errors="replace").strip())
                    if span.fmt is not None:
                        span.start = span.end if head_end is None else head_end + 1
                        span.add_newline = span.add_newline and head_end is not None
                yield span
                start = span.end
    except OSError as error:
        raise FlowtailError(f"{path}: cannot read: {error.strerror or error}") from None


_PROBE = 64 << 10


def _last_newline(stream: BinaryIO, lo: int, hi: int) -> int | None:
    """The offset just after the last newline in bytes [lo, hi) of the file, or None."""
    position = hi
    while position > lo:
        begin = max(lo, position - _PROBE)
        stream.seek(begin)
        found = stream.read(position - begin).rfind(b"\n")
        if found >= 0:
            return begin + found + 1
        position = begin
    return None


def _first_newline(stream: BinaryIO, lo: int, hi: int) -> int | None:
    """The offset of the first newline in bytes [lo, hi) of the file, or None."""
    position = lo
    while position < hi:
        stream.seek(position)
        block = stream.read(min(_PROBE, hi - position))
        found = block.find(b"\n")
        if found >= 0:
            return position + found
        position += len(block)
    return None


def _open_file(path: str) -> BinaryIO:
    """The file opened for reading bytes; FlowtailError (one line) when it cannot be."""
    try:
        return open(path, "rb")
    except IsADirectoryError:
        raise FlowtailError(f"{path}: is a directory, not a flow-log file") from None
    except OSError as error:
        raise FlowtailError(f"{path}: cannot read: {error.strerror or error}") from None


def _open(path: str) -> BinaryIO:
    """Standard input, or the file, unzipped on the fly when it is gzip."""
    if path == "-":
        return sys.stdin.buffer
    raw = _open_file(path)
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

