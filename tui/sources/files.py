"""Reading flow-log files for replay: plain text, gzip (S3 deliveries), and standard input.

Files are read in chunks of whole lines, so a replay's memory does not grow with the file. The first
line of a file may be an S3 header naming the fields; it gives that file's format and is not a record
(header lines further on, as in S3 objects concatenated, are the kernel's: see Kernel.process_text).
A file binary from its start is refused; a corrupt line inside text is malformed, the rest is read.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import stat
import sys
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Sequence

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
                    _refuse_binary(path, head)
                    span.fmt = detect_header(_decode_lines(head).strip())
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


def open_input(path: str) -> BinaryIO:
    """Standard input, or the file, unzipped on the fly when it is gzip (read errors of a corrupt
    gzip file raise EOFError, zlib.error or gzip.BadGzipFile: see :data:`GZIP_ERRORS`)."""
    if path == "-":
        return sys.stdin.buffer
    raw = _open_file(path)
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def ensure_readable(paths: Sequence[str]) -> None:
    """Raise the one-line FlowtailError a replay would, for the first file that cannot be read (missing,
    a directory, binary, a broken gzip start), before a dashboard opens over them. Standard input is
    not looked at."""
    for path in paths:
        if path != "-":
            for _ in read_chunks(path, 64 * 1024):
                break  # the first chunk read is enough; the generator closes the file


def read_chunks(path: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """Yield the file's lines in chunks; raises FlowtailError (one line) for unreadable input."""
    stream = open_input(path)
    try:
        first = True
        pending = b""
        while True:
            try:
                block = stream.read(chunk_bytes)
            except GZIP_ERRORS as error:
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
    if first:
        _refuse_binary(path, data)
    text = _decode_lines(data)
    fmt = None
    if first:
        head, _, rest = text.partition("\n")
        fmt = detect_header(head.strip())
        if fmt is not None:
            text = rest
    return Chunk(path, text, fmt)


_CORRUPT = "\ufffd".encode()
_BINARY_PROBE = 4096


def _decode_lines(data: bytes) -> str:
    """Whole lines of a text file as text. A byte that is no text (a NUL, invalid UTF-8: a torn
    write) becomes U+FFFD, which makes its line malformed (``FlowFormat.split``) while the lines
    around it are read. A line that is a JSON object with a ``message`` string (Kinesis Data
    Firehose deliveries, subscription exports) is read as that message."""
    if b"\x00" in data:
        data = data.replace(b"\x00", _CORRUPT)
    text = data.decode("utf-8", errors="replace")
    return unwrap_messages(text) if "{" in text else text


def unwrap_messages(text: str) -> str:
    """``text`` with each line that is a JSON object holding a one-line ``message`` string replaced
    by that message; other lines as they are (a JSON line without one stays, and is malformed)."""
    lines = text.split("\n")
    changed = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith("{"):
            message = _wrapped_message(line)
            if message is not None:
                lines[index] = message
                changed = True
    return "\n".join(lines) if changed else text


def _wrapped_message(line: str) -> str | None:
    try:
        document = json.loads(line)
    except (ValueError, RecursionError):
        return None
    message = document.get("message") if isinstance(document, dict) else None
    if not isinstance(message, str) or "\n" in message or "\r" in message:
        return None
    return message


def _refuse_binary(path: str, data: bytes) -> None:
    """FlowtailError when the file is binary from its start (its first line holds a NUL or bytes
    that are not UTF-8): not a flow-log text file. Corrupt lines further on are only malformed."""
    end = data.find(b"\n", 0, _BINARY_PROBE)
    head = data[: _BINARY_PROBE if end < 0 else end]
    try:
        # A character cut at the probe's end is no error (final=False).
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        head = b"\x00"
    if b"\x00" in head:
        raise FlowtailError(f"{path}: binary data, not a flow-log text file")
