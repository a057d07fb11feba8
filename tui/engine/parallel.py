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
from tui.engine.kernel import Kernel
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


def _work(fmt: FlowFormat, source: str | FileSpan, now_ms: int) -> BatchResult:
    """The kernel over a chunk's text, or over a file span the worker reads itself."""
    return _kernel_for(fmt).process_text(source if isinstance(source, str) else source.text, now_ms)


def _payload(chunk: Chunk | FileSpan) -> str | FileSpan:
    return chunk if isinstance(chunk, FileSpan) else chunk.text


def process_chunks(
    chunks: Iterable[tuple[FlowFormat, Chunk | FileSpan]],
    kernel: Kernel,
    workers: int,
    now_ms: int = 0,
) -> Iterator[tuple[FlowFormat, Chunk | FileSpan, BatchResult]]:
    """Run ``kernel`` (or, for chunks of another format, a kernel with the same rules and options)
    over ``(format, chunk)`` pairs, yielding results in input order."""
    global _TEMPLATE
    if kernel.event_times:
        raise ValueError("file chunks take their event times from the records: a kernel without event_times")
    _TEMPLATE = kernel
    _KERNELS.clear()
    _KERNELS[str(kernel.fmt)] = kernel
    keep_freed_memory()
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for fmt, chunk in chunks:
            yield fmt, chunk, _work(fmt, _payload(chunk), now_ms)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque = deque()
        for fmt, chunk in chunks:
            pending.append((fmt, chunk, pool.apply_async(_work, (fmt, _payload(chunk), now_ms))))
            if len(pending) > 2 * workers:
                fmt_done, chunk_done, result = pending.popleft()
                yield fmt_done, chunk_done, result.get()
        while pending:
            fmt_done, chunk_done, result = pending.popleft()
            yield fmt_done, chunk_done, result.get()
