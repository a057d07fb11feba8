"""Delivers alerts to notifiers (SNS, headless stdout) on background threads, each transition once.

The caller's side (:meth:`Delivery.submit`) only checks the episode memory and appends to an inbox,
so the engine's feeding thread and the UI never wait on the disk or the network. A journal thread
writes the inbox to the journal (one fsync per batch) and only then queues the alerts; the delivery
thread publishes them in order. A transient failure (throttling, 5xx, no connection, and a missing
topic or denied access, which are shown loudly) is retried with backoff while the alerts behind it
go ahead after its one attempt; a permanent rejection (the message itself is refused) is
dead-lettered: a journal receipt with the reason, shown in the status, never retried.

At start the journal tells which transitions were already journaled (and so delivered, dead-lettered
or still owed) and when each (rule, group, state) was last published, so a restart that re-reads its
lookback window pages nothing twice and keeps the cooldowns (see :mod:`tui.sinks.episodes`).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from tui.rules.alerts import DEGRADED, Alert
from tui.sinks.episodes import EpisodeMemory
from tui.sinks.journal import Journal, JournalEntry

ALARM = "ALARM"
Backoff = Callable[[int], float]  # retry number (0 for the first retry) -> seconds to wait before it
Report = Callable[[str], None]  # one line about a change of the delivery's state
DEFAULT_HORIZON_S = 3 * 3600.0
MAX_INBOX = 10_000


class Notifier(Protocol):
    states: tuple[str, ...]  # the alert states it wants: "ALARM" and/or "OK"
    cooldown_s: float

    def publish(self, alert: Alert) -> str:
        """Sends one alert; returns the message id; raises on any failure."""

    def describe_error(self, exc: BaseException) -> str:
        """One line for the status bar about a failed publish."""

    def is_permanent(self, exc: BaseException) -> bool:
        """Whether ``exc`` rejects this message for good (retrying it would fail the same way)."""


def wants(notifier: Notifier, state: str) -> bool:
    """Whether ``notifier`` takes alerts in ``state``: a rule's DEGRADED goes wherever its ALARMs go
    (an eviction may have hidden one)."""
    return (ALARM if state == DEGRADED else state) in notifier.states


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
    last_error: str | None  # cleared when nothing is failing any more
    failed: int = 0  # owed alerts whose latest attempt failed (retried with backoff)
    dead_lettered: int = 0  # rejected for good this run (journal receipts "dead-letter")
    lost: int = 0  # alerts dropped by a cap (journal rotation, inbox): never silent
    duplicates: int = 0  # transitions not sent again because the journal already had them
    forgotten: int = 0  # delivered episodes dropped from memory by its cap: they could page again
    # Per configured notifier (not the headless stdout lines, which take every alert): alerts sent.
    sent_by: Mapping[str, int] = field(default_factory=dict)
    damaged: int = 0  # journal lines skipped as unreadable at the latest read (see Journal.malformed)
    journal: str | None = None  # the journal's path, for messages about its damaged lines


@dataclass(eq=False)
class _Job:
    entry: JournalEntry
    sink: str
    retries: int = 0
    due: float = 0.0  # monotonic time of the next attempt
    tried_while_stopping: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.entry.id, self.sink


@dataclass
class _Counts:
    sent: int = 0
    sent_by: dict[str, int] = field(default_factory=dict)
    suppressed: int = 0
    failed_attempts: int = 0
    dead_lettered: int = 0
    lost: int = 0
    duplicates: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # what is wrong now: source -> line


def damaged_journal_line(path: str, count: int) -> str:
    """What to say about the journal's unreadable lines (skipped; the rest of the file is used)."""
    lines = "line" if count == 1 else "lines"
    return (f"the alert journal {path} has {count} damaged {lines}, skipped (the rest is used): an alert "
            "whose receipts were on them may be sent again; move the file away to start a new journal")


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
        horizon_s: float = DEFAULT_HORIZON_S,
    ) -> None:
        """``horizon_s``: how far back in event time a restart can find an episode again (lookback
        + max_delay + the longest window); the journal keeps resolved alerts that long too."""
        self.journal = journal
        journal.retain_s = max(journal.retain_s, horizon_s)
        self.notifiers = dict(notifiers)
        self._every_rule: set[str] = set()  # notifiers that take every rule's alerts (stdout)
        self._clock = clock
        self._backoff = backoff or exponential_backoff()
        self._max_queue = max_queue
        self._cooldowns: dict[str, _Cooldown] = {}
        self._memory = EpisodeMemory(horizon_s)
        self._cond = threading.Condition()  # guards everything below; notified on every change
        self._inbox: deque[JournalEntry | tuple[str, int]] = deque()  # alerts, or (alarm id, OK time) closures
        self._writing = 0  # inbox items taken by the journal thread and not queued yet
        self._queue: list[_Job] = []  # in order; a job stays in it during its attempt
        self._backlog = 0  # owed in the journal, not queued (the queue was full)
        self._overflows = 0  # alerts that found the queue full, ever
        self._loaded = False
        self._stopping = False
        self._deadline = float("inf")  # monotonic; when stopping, give up on the queue after it
        self._threads: list[threading.Thread] = []
        self._counts = _Counts()
        self._reported: str | None = None  # the last state line given to the reporters
        self._reporters: list[Report] = []
        self._mutes: dict[tuple[str, str], float] = {}  # (rule, group label) -> end (clock time)

    # -- wiring ----------------------------------------------------------------------------------

    def add_notifier(self, name: str, notifier: Notifier, *, every_rule: bool = False) -> None:
        """Adds a notifier before :meth:`start` (``every_rule``: whatever the rules' ``notify``)."""
        if self._loaded:
            raise RuntimeError("add notifiers before the delivery starts")
        self.notifiers[name] = notifier
        if every_rule:
            self._every_rule.add(name)

    def on_report(self, report: Report) -> None:
        """Call ``report`` (from a worker thread) with one line each time the delivery's state
        changes: a new error, a dead-lettered alert, recovery. Not once per retry."""
        self._reporters.append(report)

    # -- caller's side ---------------------------------------------------------------------------

    def submit(self, alert: Alert, sinks: Iterable[str] | None = None) -> str | None:
        """Queues ``alert`` for ``sinks`` (default: every notifier) that want its state, unless the
        journal already has this transition for them. Returns the journal id, or None when nothing
        is owed. Never waits on the disk: the journal thread writes it."""
        names = set(self.notifiers if sinks is None else sinks) | self._every_rule
        targets = [name for name in self.notifiers if name in names and wants(self.notifiers[name], alert.state)]
        with self._cond:
            self._load()
            alert = self._memory.resolve(alert)
            if not targets:
                if alert.state == "OK" and self._memory.known(alert):
                    self._memory.close(alert.episode_id, alert.time_ms)
                    self._inbox.append((f"{alert.episode_id}-alarm", alert.time_ms))
                    self._cond.notify_all()
                return None
            owed = self._memory.unsent(alert, targets)
            if not owed:
                self._counts.duplicates += 1
                return None
            self._memory.remember(alert, owed)
            if len(self._inbox) >= MAX_INBOX:
                self._counts.lost += 1
                self._counts.errors["inbox"] = "alerts are coming faster than the journal takes them: some were lost"
                return None
            entry = JournalEntry.new(alert, owed, self._clock())
            self._inbox.append(entry)
            self._cond.notify_all()
        return entry.id

    def mute(self, rule: str, group: str, until: float) -> None:
        """Publish nothing for (rule, group label) until ``until`` (clock time; 0 lifts the mute);
        journaled, so a restart keeps it. Alerts met meanwhile get a ``suppressed: muted`` receipt."""
        with self._cond:
            self._load()
            if until > self._clock():
                self._mutes[(rule, group)] = until
            else:
                self._mutes.pop((rule, group), None)
        try:
            self.journal.mute(rule, group, until)
        except (OSError, ValueError) as exc:
            self._set_error("journal", f"alert journal write failed ({exc}); a restart forgets this mute")

    def mutes(self) -> dict[tuple[str, str], float]:
        """The mutes still running: (rule, group label) -> end."""
        with self._cond:
            self._load()
            now = self._clock()
            return {pair: until for pair, until in self._mutes.items() if until > now}

    def start(self) -> None:
        """Reads the journal (what was delivered, what is still owed, the cooldowns), then starts
        the journal and delivery threads."""
        if self._threads:
            return
        with self._cond:
            self._load()
        for target, name in ((self._write_journal, "flowtail-journal"), (self._deliver_all, "flowtail-delivery")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Journals what is in the inbox, sends what is queued, one attempt each, for up to
        ``timeout`` seconds, and stops. Whatever is left stays owed in the journal for the next start."""
        with self._cond:
            self._stopping = True
            self._deadline = time.monotonic() + timeout
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(max(0.0, self._deadline - time.monotonic()) + 1.0)

    def drain(self, timeout: float) -> bool:
        """Waits until nothing is in the inbox, queued, in flight or owed from the journal; False on
        timeout."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def status(self) -> DeliveryStatus:
        with self._cond:
            counts = self._counts
            pending = len(self._inbox) + self._writing + len(self._queue) + self._backlog
            failed = sum(1 for job in self._queue if job.retries)
            lost = counts.lost + self.journal.dropped
            sent_by = {name: counts.sent_by.get(name, 0) for name in self.notifiers if name not in self._every_rule}
            return DeliveryStatus(counts.sent, pending, counts.suppressed, counts.failed_attempts, self._error_line(),
                                  failed, counts.dead_lettered, lost, counts.duplicates, self._memory.forgotten,
                                  sent_by, self.journal.malformed, str(self.journal.path))

    # -- start-up --------------------------------------------------------------------------------

    def _load(self) -> None:
        """Rebuilds the episode memory, the cooldowns and the owed jobs from the journal, once.
        Called with the lock held."""
        if self._loaded:
            return
        self._loaded = True
        self._cooldowns = {name: _Cooldown(notifier.cooldown_s) for name, notifier in self.notifiers.items()}
        try:
            entries = self.journal.entries()
            self._mutes = self.journal.mutes()
        except OSError as exc:
            self._counts.errors["journal"] = f"cannot read the alert journal {self.journal.path}: {exc}"
            return
        if self.journal.malformed:
            self._tell(damaged_journal_line(str(self.journal.path), self.journal.malformed))
        for entry in entries:
            self._memory.remember(entry.alert, entry.sinks)
            if "*" in entry.closed:
                self._memory.close(entry.alert.episode_id, int(entry.closed["*"]))
            for sink in entry.sinks:
                if sink in entry.delivered and sink in self._cooldowns:
                    self._cooldowns[sink].record(entry)
                elif entry.pending_for(sink) and sink in self.notifiers:
                    self._enqueue(_Job(entry, sink))

    # -- the journal thread ----------------------------------------------------------------------

    def _write_journal(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._inbox or self._stopping)
                if not self._inbox:
                    return
                batch = list(self._inbox)
                self._inbox.clear()
                self._writing = len(batch)
            entries = [item for item in batch if isinstance(item, JournalEntry)]
            try:
                self.journal.append_many(entries)
                for item in batch:
                    if isinstance(item, tuple):
                        self.journal.mark_closed(*item)
                journaled = True
            except (OSError, TypeError, ValueError) as exc:
                journaled = False
                self._set_error("journal", f"alert journal write failed ({exc}); alerts are only in memory")
            with self._cond:
                for entry in entries:
                    for sink in entry.sinks:
                        # not journaled: keep it queued whatever the cap, the journal cannot hold it
                        self._enqueue(_Job(entry, sink), force=not journaled)
                self._writing = 0
                self._cond.notify_all()

    def _enqueue(self, job: _Job, *, force: bool = False) -> None:
        if force or len(self._queue) < self._max_queue:
            self._queue.append(job)
        else:
            self._backlog += 1
            self._overflows += 1

    # -- the delivery thread ---------------------------------------------------------------------

    def _deliver_all(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._deliver(job)
            except Exception as exc:  # noqa: BLE001 - a dead worker would silently stop all alerting
                self._set_error("worker", f"alert delivery failed unexpectedly ({exc!r}); the alert stays owed")
                self._finish(job)
            finally:
                with self._cond:
                    self._cond.notify_all()

    def _next_job(self) -> _Job | None:
        """The first job in order that is due (when stopping: not yet tried since); None to stop."""
        while True:
            with self._cond:
                now = time.monotonic()
                if self._stopping:
                    if now > self._deadline or (not self._inbox and not self._writing and self._all_tried()):
                        return None
                    job = next((job for job in self._queue if not job.tried_while_stopping), None)
                    if job is not None:
                        job.tried_while_stopping = True
                        return job
                    self._cond.wait(max(0.0, self._deadline - now))
                    continue
                job = next((job for job in self._queue if job.due <= now), None)
                if job is not None:
                    return job
                if not self._backlog or len(self._queue) >= self._max_queue:
                    due = min((job.due for job in self._queue), default=None)
                    self._cond.wait(None if due is None else max(0.0, due - now))
                    continue
            self._refill()

    def _all_tried(self) -> bool:
        return all(job.tried_while_stopping for job in self._queue)

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
                self._set_error("journal", f"cannot read the alert journal {self.journal.path}: {exc}")
        with self._cond:
            queued = {job.key for job in self._queue}
            fresh = [job for job in owed if job.key not in queued]
            room = max(self._max_queue - len(self._queue), 0)
            self._queue.extend(fresh[:room])
            # Alerts that overflowed during the read may or may not be in it: count them again
            # rather than lose them; a rescan that finds nothing new costs only a read.
            self._backlog = len(fresh[room:]) + self._overflows - overflows_before
            self._cond.notify_all()

    def _deliver(self, job: _Job) -> None:
        notifier, cooldown = self.notifiers[job.sink], self._cooldowns[job.sink]
        alert = job.entry.alert
        with self._cond:
            muted = self._mutes.get((alert.rule, alert.group_label), 0.0) > self._clock()
        if muted:
            self._receipt(self.journal.mark_suppressed, job, "muted")
            with self._cond:
                self._counts.suppressed += 1
            self._finish(job)
            return
        if cooldown.blocks(job.entry):
            self._receipt(self.journal.mark_suppressed, job, "cooldown")
            with self._cond:
                self._counts.suppressed += 1
            self._finish(job)
            return
        try:
            message_id = notifier.publish(job.entry.alert)
        except Exception as exc:  # noqa: BLE001 - every failure is either retried or dead-lettered
            self._failed(job, notifier, exc)
            return
        cooldown.record(job.entry)
        with self._cond:
            self._counts.sent += 1
            self._counts.sent_by[job.sink] = self._counts.sent_by.get(job.sink, 0) + 1
        self._receipt(self.journal.mark_delivered, job, message_id)  # after: its failure stays reported
        self._finish(job)

    def _failed(self, job: _Job, notifier: Notifier, exc: Exception) -> None:
        reason = notifier.describe_error(exc)
        if notifier.is_permanent(exc):
            self._receipt(self.journal.mark_dead_letter, job, reason)
            with self._cond:
                self._counts.dead_lettered += 1
            self._finish(job)
            self._tell(f"alert {job.entry.id} ({job.entry.alert.rule} {job.entry.alert.group_label}) "
                       f"dead-lettered for {job.sink}, not retried: {reason}")
            return
        with self._cond:
            self._counts.failed_attempts += 1
            job.due = time.monotonic() + self._backoff(job.retries)
            job.retries += 1
        self._set_error(job.sink, reason)

    def _finish(self, job: _Job) -> None:
        """``job`` has an outcome: out of the queue; the sink's error is over when none of its jobs
        is still failing."""
        with self._cond:
            if job in self._queue:
                self._queue.remove(job)
            failing = any(queued.sink == job.sink and queued.retries for queued in self._queue)
            cleared = not failing and self._counts.errors.pop(job.sink, None) is not None
            self._cond.notify_all()
        if cleared:
            self._report_change()

    def _receipt(self, mark: Callable[[str, str, str], None], job: _Job, detail: str) -> None:
        try:
            mark(job.entry.id, job.sink, detail)
        except (OSError, ValueError) as exc:  # ValueError: the journal was closed
            self._set_error("journal", f"alert journal write failed ({exc}); a restart may send this alert again")

    # -- state and its reports -------------------------------------------------------------------

    def _idle(self) -> bool:
        return not self._inbox and not self._writing and not self._backlog and not self._queue

    def _error_line(self) -> str | None:
        """The current errors, newest last, as one line; None when all is well. Lock held."""
        return "; ".join(self._counts.errors.values()) or None

    def _set_error(self, source: str, message: str) -> None:
        with self._cond:
            self._counts.errors.pop(source, None)
            self._counts.errors[source] = message
        self._report_change()

    def _report_change(self) -> None:
        with self._cond:
            line = self._error_line()
            if line == self._reported:
                return
            self._reported = line
        self._tell(line or "alert delivery recovered")

    def _tell(self, line: str) -> None:
        for report in self._reporters:
            with contextlib.suppress(Exception):  # a failing reporter must not stop delivery
                report(line)
