"""Kernel work spread over worker processes, results kept in input order.

A replay is CPU-bound in the kernel (tokenising and evaluating every line), and Python runs one
thread at a time, so file chunks go to forked worker processes. Each worker inherits the compiled
rules and returns only the compact per-batch aggregates; the parent merges them in file order, so the
outcome is identical to a single-process run. At most ``2 * workers + 1`` chunks are in flight, which
bounds memory whatever the input size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from typing import Iterable, Iterator

from tui.engine.batch import BatchResult
from tui.engine.kernel import Kernel, split_after, split_lines
from tui.flowlog import FlowFormat
from tui.sources.files import Chunk, FileSpan

# Set in the parent just before forking; workers inherit them.
_TEMPLATE: Kernel | None = None  # the rules and options of every kernel, compiled for one format
_KERNELS: dict[str, Kernel] = {}


def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse rather than give it back to the system.

    Every chunk allocates a few MB-sized blocks (the bytes read, the decoded text) and frees them:
    by default glibc maps such blocks afresh or trims the heap behind them, and touching the new
    pages costs ~2,000 page faults a chunk (a tenth of a replay's CPU time in the kernel). Forked
    workers inherit the setting. A no-op where there is no mallopt (not glibc).
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD: blocks under 64 MB come from the heap
        mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD: keep up to 128 MB of free heap
    except (OSError, AttributeError, ImportError):
        pass


def default_workers() -> int:
    """One worker per available core, at most 8 (the parent merges while they work)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _kernel_for(fmt: FlowFormat) -> Kernel:
    key = str(fmt)
    kernel = _KERNELS.get(key)
    if kernel is None:
        assert _TEMPLATE is not None
        kernel = _KERNELS[key] = Kernel(fmt, _TEMPLATE.rules, top_tables=_TEMPLATE.top_tables)
    return kernel


Part = tuple[FlowFormat, int, BatchResult]  # a layout, the line where its part starts, the part's result


def _work(fmt: FlowFormat, source: str | FileSpan, now_ms: int) -> list[Part]:
    """The kernel over a chunk's text, or over a file span the worker reads itself, starting with
    layout ``fmt``: one part, or one more for each header line of another layout in the chunk."""
    text = source if isinstance(source, str) else source.text
    parts: list[Part] = []
    first_line = 0
    while True:
        batch = _kernel_for(fmt).process_text(text, now_ms)
        parts.append((fmt, first_line, batch))
        if batch.next_format is None:
            return parts
        text = split_after(text, batch.lines)[1]
        first_line += batch.lines
        fmt = batch.next_format


def _payload(chunk: Chunk | FileSpan) -> str | FileSpan:
    return chunk if isinstance(chunk, FileSpan) else chunk.text


def _yield_parts(
    chunk: Chunk | FileSpan, parts: list[Part],
) -> Iterator[tuple[FlowFormat, Chunk | FileSpan, BatchResult]]:
    """(layout, chunk, result) for each part: the chunk itself when it is one part, else a Chunk of
    the part's lines (rare: read here, in the parent)."""
    if len(parts) == 1:
        fmt, _, batch = parts[0]
        yield fmt, chunk, batch
        return
    lines = split_lines(chunk.text)
    for fmt, first_line, batch in parts:
        part = lines[first_line:first_line + batch.lines]
        yield fmt, Chunk(chunk.path, "\n".join(part) + "\n" if part else ""), batch


def process_chunks(
    chunks: Iterable[tuple[FlowFormat | None, Chunk | FileSpan]],
    kernel: Kernel,
    workers: int,
    now_ms: int = 0,
) -> Iterator[tuple[FlowFormat, Chunk | FileSpan, BatchResult]]:
    """Run ``kernel`` (or, for chunks of another format, a kernel with the same rules and options)
    over ``(format, chunk)`` pairs, yielding ``(format, chunk, result)`` in input order.

    The format is a file's first layout (the configured one, or its header's) for its first chunk,
    None for the chunks that continue a file: they start in the layout the chunk before them ended
    in, which a header line inside it may have changed. Workers start such a chunk in the layout
    known when it is sent; when an earlier chunk turns out to have changed it, the chunk is run again
    here, in the right one. A chunk with header lines of other layouts yields one result per layout.
    """
    global _TEMPLATE
    if kernel.event_times:
        raise ValueError("file chunks take their event times from the records: a kernel without event_times")
    _TEMPLATE = kernel
    _KERNELS.clear()
    _KERNELS[str(kernel.fmt)] = kernel
    keep_freed_memory()
    in_force = kernel.fmt  # the layout at the end of the chunks yielded so far
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for fmt, chunk in chunks:
            parts = _work(fmt or in_force, _payload(chunk), now_ms)
            in_force = parts[-1][0]
            yield from _yield_parts(chunk, parts)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque = deque()
        guess = in_force  # the layout a continuing chunk is sent in

        def finished() -> tuple[Chunk | FileSpan, list[Part]]:
            nonlocal in_force, guess
            given, sent_in, chunk, result = pending.popleft()
            parts = result.get()
            start = given or in_force
            if start != sent_in:
                parts = _work(start, _payload(chunk), now_ms)
            if parts[-1][0] != sent_in:
                guess = parts[-1][0]
            in_force = parts[-1][0]
            return chunk, parts

        for fmt, chunk in chunks:
            if fmt is not None:
                guess = fmt
            pending.append((fmt, guess, chunk, pool.apply_async(_work, (guess, _payload(chunk), now_ms))))
            if len(pending) > 2 * workers:
                yield from _yield_parts(*finished())
        while pending:
            yield from _yield_parts(*finished())
