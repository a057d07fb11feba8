"""Delivers journaled alerts to notifiers (SNS) on a background thread.

The caller's side (:meth:`Delivery.submit`) only writes the journal and appends to a bounded
in-memory queue, so the engine and the UI never wait on the network. The worker publishes with
retries and backoff, writes a receipt to the journal for each outcome, and when the queue overflowed
or a previous run left alerts owed, picks them up from :meth:`Journal.pending`.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from tui.rules.alerts import Alert
from tui.sinks.journal import Journal, JournalEntry

Backoff = Callable[[int], float]  # retry number (0 for the first retry) -> seconds to wait before it


class Notifier(Protocol):
    states: tuple[str, ...]  # the alert states it wants: "ALARM" and/or "OK"
    cooldown_s: float

    def publish(self, alert: Alert) -> str:
        """Sends one alert; returns the message id; raises on any failure."""

    def describe_error(self, exc: BaseException) -> str:
        """One line for the status bar about a failed publish."""


def exponential_backoff(base_s: float = 1.0, cap_s: float = 300.0) -> Backoff:
    """``base_s * 2**retry`` up to ``cap_s``, the upper half of it jittered: clients that failed
    together do not retry in step, and no retry comes almost at once against an endpoint that is down."""

    def delay(retry: int) -> float:
        ceiling = min(cap_s, base_s * 2 ** min(retry, 32))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    return delay


@dataclass(frozen=True)
class DeliveryStatus:
    sent: int
    pending: int  # owed and not yet sent, including alerts waiting in the journal only
    suppressed: int  # not sent because of a notifier's cooldown
    failed_attempts: int
    last_error: str | None  # cleared by the next successful publish


@dataclass(frozen=True)
class _Job:
    entry: JournalEntry
    sink: str

    @property
    def key(self) -> tuple[str, str]:
        return self.entry.id, self.sink


class _Cooldown:
    """When each (rule, group, state) was last published, as journal times (``JournalEntry.at``),
    so a backlog sent after an outage is judged by when the alerts happened, not when they went out.
    Forgets what is older than the cooldown, so memory follows the publish rate, not the group count."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: OrderedDict[tuple[str, str, str], float] = OrderedDict()

    def blocks(self, entry: JournalEntry) -> bool:
        last = self._last.get(self._key(entry.alert))
        return last is not None and abs(entry.at - last) < self.seconds

    def record(self, entry: JournalEntry) -> None:
        key = self._key(entry.alert)
        self._last[key] = entry.at
        self._last.move_to_end(key)
        while self._last and next(iter(self._last.values())) <= entry.at - self.seconds:
            self._last.popitem(last=False)

    @staticmethod
    def _key(alert: Alert) -> tuple[str, str, str]:
        return alert.rule, json.dumps(alert.group, sort_keys=True, default=str), alert.state


class Delivery:
    """Journal first, then deliver in the background. No method raises into the caller."""

    def __init__(
        self,
        journal: Journal,
        notifiers: Mapping[str, Notifier],
        *,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
        max_queue: int = 1000,
    ) -> None:
        self.journal = journal
        self.notifiers = dict(notifiers)
        self._clock = clock
        self._backoff = backoff or exponential_backoff()
        self._max_queue = max_queue
        self._cooldowns = {name: _Cooldown(notifier.cooldown_s) for name, notifier in self.notifiers.items()}
        self._cond = threading.Condition()  # guards everything below; notified on every change
        self._queue: deque[_Job] = deque()
        self._busy: _Job | None = None
        self._backlog = 0  # owed in the journal, not queued (the queue was full)
        self._overflows = 0  # submits that found the queue full, ever
        self._stopping = False
        self._deadline = float("inf")  # monotonic; when stopping, give up on the queue after it
        self._thread: threading.Thread | None = None
        self._sent = self._suppressed = self._failed = 0
        self._last_error: str | None = None

    def submit(self, alert: Alert, sinks: Iterable[str] | None = None) -> str:
        """Journals ``alert`` for ``sinks`` (default: every notifier), keeping only the notifiers
        whose ``states`` include the alert's state, and queues it. Returns the journal id."""
        names = self.notifiers if sinks is None else sinks
        targets = [name for name in names if name in self.notifiers and alert.state in self.notifiers[name].states]
        entry = JournalEntry.new(alert, targets, self._clock())
        try:
            self.journal.append(entry)
        except (OSError, TypeError, ValueError) as exc:
            self._set_error(f"alert journal write failed ({exc}); the alert is only in memory")
        with self._cond:
            for sink in targets:
                if len(self._queue) < self._max_queue:
                    self._queue.append(_Job(entry, sink))
                else:
                    self._backlog += 1
                    self._overflows += 1
            self._cond.notify_all()
        return entry.id

    def start(self) -> None:
        """Queues what the journal says is still owed (a previous run's unsent alerts), then starts
        the worker thread."""
        if self._thread is not None:
            return
        self._refill()
        self._thread = threading.Thread(target=self._run, name="flowtail-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Sends what is queued, one attempt each, for up to ``timeout`` seconds, and stops. Whatever
        is left stays owed in the journal for the next start."""
        with self._cond:
            self._stopping = True
            self._deadline = time.monotonic() + timeout
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def drain(self, timeout: float) -> bool:
        """Waits until nothing is queued, in flight or owed from the journal; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and self._busy is None and not self._backlog, timeout)

    def status(self) -> DeliveryStatus:
        with self._cond:
            pending = len(self._queue) + (self._busy is not None) + self._backlog
            return DeliveryStatus(self._sent, pending, self._suppressed, self._failed, self._last_error)

    # -- worker ---------------------------------------------------------------------------------

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._deliver(job)
            except Exception as exc:  # noqa: BLE001 - a dead worker would silently stop all alerting
                self._set_error(f"alert delivery failed unexpectedly ({exc!r}); the alert stays in the journal")
            finally:
                with self._cond:
                    self._busy = None
                    self._cond.notify_all()

    def _next_job(self) -> _Job | None:
        while True:
            with self._cond:
                if self._queue and not (self._stopping and time.monotonic() > self._deadline):
                    self._busy = self._queue.popleft()
                    return self._busy
                if self._stopping:
                    return None
                if not self._backlog:
                    self._cond.wait()
                    continue
            self._refill()

    def _refill(self) -> None:
        """Queues the alerts the journal has owed that are not queued yet, as many as fit. The
        journal is read without holding the lock, so submit() never waits for the disk read."""
        with self._cond:
            overflows_before = self._overflows
        owed: list[_Job] = []
        for sink in self.notifiers:
            try:
                owed.extend(_Job(entry, sink) for entry in self.journal.pending(sink))
            except OSError as exc:
                self._set_error(f"cannot read the alert journal {self.journal.path}: {exc}")
        with self._cond:
            queued = {job.key for job in self._queue}
            fresh = [job for job in owed if job.key not in queued]
            room = max(self._max_queue - len(self._queue), 0)
            self._queue.extend(fresh[:room])
            # Submits that overflowed during the read may or may not be in it: count them again
            # rather than lose them; a rescan that finds nothing new costs only a read.
            self._backlog = len(fresh[room:]) + self._overflows - overflows_before
            self._cond.notify_all()

    def _deliver(self, job: _Job) -> None:
        notifier, cooldown = self.notifiers[job.sink], self._cooldowns[job.sink]
        if cooldown.blocks(job.entry):
            self._receipt(self.journal.mark_suppressed, job, "cooldown")
            with self._cond:
                self._suppressed += 1
            return
        retry = 0
        while True:
            try:
                message_id = notifier.publish(job.entry.alert)
                break
            except Exception as exc:  # noqa: BLE001 - every failure is retried; the journal keeps the alert
                with self._cond:
                    self._failed += 1
                    self._last_error = notifier.describe_error(exc)
                if self._stop_requested_within(self._backoff(retry)):
                    return
                retry += 1
        cooldown.record(job.entry)
        with self._cond:
            self._sent += 1
            self._last_error = None
        self._receipt(self.journal.mark_delivered, job, message_id)  # after: its failure stays reported

    def _stop_requested_within(self, seconds: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._stopping, seconds)

    def _receipt(self, mark: Callable[[str, str, str], None], job: _Job, detail: str) -> None:
        try:
            mark(job.entry.id, job.sink, detail)
        except (OSError, ValueError) as exc:  # ValueError: the journal was closed
            self._set_error(f"alert journal write failed ({exc}); a restart may send this alert again")

    def _set_error(self, message: str) -> None:
        with self._cond:
            self._last_error = message
