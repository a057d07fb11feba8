"""What every live source (polling, Live Tail, Kinesis) gives a watch session.

A source reads in its own thread(s) and hands over batches of ``LogEvent``s; the session feeds them to
the engine. The contract, for every implementation:

``run(deliver, stop, on_status)``
    Reads until ``stop`` is set, in the calling thread (a source that needs more threads starts them
    and joins them before returning). Calls ``deliver(events)`` with each batch of new events, never
    an event twice. ``deliver`` returns once the batch is in the engine (and its record lines are
    written), so a source may checkpoint its position after it returns. A source that resumes from a
    checkpoint may first call ``deliver(events, warmup=True)`` with events an earlier run already
    delivered (Kinesis: the lookback up to the checkpoint): they rebuild the engine's windows and
    statistics, are not written as records, and never move the checkpoint. Calls ``on_status()`` (no
    arguments) whenever its status changed enough to be worth showing. Never raises for AWS or
    network failures: it retries and shows them in its status. An exception is a programming error;
    it stops the session with an error banner.
``statuses()``
    The current status objects (one per log group, stream, ...), immutable and safe to call from any
    thread. Each has ``kind`` (``"poll"``, ``"live-tail"``, ``"kinesis"``), ``state`` and
    ``last_error``; the status bar and the headless ``{"type": "status"}`` lines dispatch on ``kind``
    (see ``tui/run/live.py`` ``status_line`` and ``tui/app/widgets/status_bar.py``); a kind other
    than ``"poll"`` also has ``to_json()``, the headless line's keys after ``"type"``.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, NamedTuple, Protocol, Sequence


class LogEvent(NamedTuple):
    event_id: str  # opaque text: AWS's are 56-digit strings, moto's small integers
    log_group: str  # the group's name (also when it was configured by ARN)
    log_stream: str
    timestamp: int  # ms since the epoch: for flow logs, the record's start time
    ingestion_time: int  # ms since the epoch: when CloudWatch Logs stored it (Kinesis: arrival in the stream), or 0
    message: str


class Deliver(Protocol):
    """Hands a batch to the session; ``warmup``: already delivered before a restart (see above)."""

    def __call__(self, events: list[LogEvent], *, warmup: bool = False) -> None: ...


StatusChanged = Callable[[], None]


class Source(Protocol):
    label: str  # how status lines name it: the log group or stream as configured

    def run(self, deliver: Deliver, stop: threading.Event, on_status: StatusChanged) -> None: ...

    def statuses(self) -> Sequence[Any]: ...


def run_all(sources: Sequence[Source], deliver: Deliver, stop: threading.Event, on_status: StatusChanged) -> None:
    """Run every source until ``stop`` is set: one source in the calling thread, several in a thread
    each (``deliver`` and ``on_status`` must then be thread-safe). A source that raises sets ``stop``
    for the others, and its error is raised here once they have all returned."""
    if len(sources) == 1:
        sources[0].run(deliver, stop, on_status)
        return
    errors: list[BaseException] = []

    def run(source: Source) -> None:
        try:
            source.run(deliver, stop, on_status)
        except BaseException as error:  # noqa: BLE001 - re-raised in the session's thread below
            errors.append(error)
            stop.set()

    threads = [threading.Thread(target=run, args=(source,), name=f"flowtail-source-{i}", daemon=True)
               for i, source in enumerate(sources)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
