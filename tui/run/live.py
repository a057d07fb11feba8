"""Following CloudWatch live: followers, engine and alert delivery wired into a Session, and the
headless loop that prints JSON lines. `flowtail watch` and `flowtail demo` both run through here."""

from __future__ import annotations

import dataclasses
import functools
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui import interrupts
from tui.errors import FlowtailError
from tui.flowlog import parse_record
from tui.rules.alerts import DEGRADED, Alert, iso_utc
from tui.run.session import Feeder, Session
from tui.sinks.jsonl import AlertLines, JsonLines

STATUS_EVERY_S = 10.0
PROBLEMS_EVERY_S = 1.0  # how soon a follower's new error reaches stderr
STATUS_TICK_S = 1.0  # how often the sources' statuses are refreshed, independent of their rounds


@dataclass
class Live:
    """A watch session and the alert delivery that goes with it."""

    session: Session
    delivery: Any = None  # tui.sinks.delivery.Delivery, when notifiers are configured
    sources: tuple[Any, ...] = ()  # what the session reads (tui/sources/source.py)
    history: Any = None  # tui.run.history.HistoryAccess: what the app asks History questions through

    def start(self) -> None:
        if self.delivery is not None:
            self.delivery.start()
        self.session.start()

    def stop(self) -> None:
        self.session.stop()
        if self.delivery is not None:
            self.delivery.stop(timeout=5.0)


def watch_feeder(sources: Sequence[Any], on_events: Callable[[list], None] | None = None) -> Feeder:
    """Run the sources (``tui/sources/source.py``), each in its own thread, and feed every batch of
    events to the session, event time first; their statuses go to the status bar. Warm-up batches
    (events delivered before a restart, re-read to refill the rule windows) go to the session only,
    not to ``on_events`` (``--records``)."""
    from tui.sources.source import run_all

    def feed(session: Session, stop: threading.Event) -> None:
        def deliver(events: list, *, warmup: bool = False) -> None:
            if on_events is not None and not warmup:
                on_events(events)
            session.ingest([e.message for e in events], [e.timestamp for e in events], int(time.time() * 1000))

        def on_status() -> None:
            session.set_sources([status for source in sources for status in source.statuses()])

        on_status()
        ticker = threading.Thread(target=_tick, args=(on_status, stop), name="flowtail-status", daemon=True)
        ticker.start()
        try:
            run_all(sources, deliver, stop, on_status)
        finally:
            stop.set()  # the sources returned: the ticker too (a session stops when its feeder does)
            ticker.join()

    return feed


def _tick(on_status: Callable[[], None], stop: threading.Event) -> None:
    """Refresh the sources' statuses every second whatever the sources do: a source stuck in a call
    still shows (``stalled``), and status lines keep coming."""
    while not stop.wait(STATUS_TICK_S):
        on_status()


def open_live(
    config: Any,
    *,
    mode: str = "watch",
    since_s: float | None = None,
    on_events: Callable[[list], None] | None = None,
    journal: Any = None,
    state_dir: Path | None = None,
) -> Live:
    """Build (not start) the session following ``config.sources``; raises FlowtailError for setup
    problems a user must fix (no sources, unknown profile, no region, a damaged checkpoint).
    ``state_dir`` (default: tui.paths.state_dir()) holds the Kinesis checkpoints."""
    from tui.engine.engine import engine_from_config

    if not config.sources:
        raise FlowtailError(f"{config.path or 'the configuration'}: no sources: add a log group under 'sources:'")
    from tui.sources.budget import RequestBudget

    budget = RequestBudget(config.follow.requests_per_second)  # every FilterLogEvents call of the process
    sources = [
        *_polling_sources(config, since_s, budget),
        *_live_tail_sources(config, since_s, budget),
        *_kinesis_sources(config, since_s, state_dir),
    ]
    engine = engine_from_config(config, event_times=True)
    session = Session(engine, watch_feeder(sources, on_events), mode)
    lookback_s = config.follow.lookback_s if since_s is None else since_s
    delivery = _delivery(config, journal, lookback_s)
    if delivery is not None:
        notify = {rule.name: rule.notify for rule in config.rules}
        session.on_alert(lambda alert: delivery.submit(alert, notify.get(alert.rule, ())))
        session.set_delivery_status(delivery.status)
    from tui.run.history import history_access

    return Live(session, delivery, tuple(sources), history_access(config))


def _polling_sources(config: Any, since_s: float | None, budget: Any) -> list[Any]:
    """The polled log groups, as one source sharing the request budget (none when there are none)."""
    from tui.sources.cloudwatch import Follower, PollingSource, make_logs_client

    polled = [source for source in config.sources if getattr(source, "via", None) == "poll"]
    if not polled:
        return []
    aws = config.aws
    client = _aws_client(make_logs_client, aws)
    followers = [
        Follower(
            client,
            source.log_group,
            stream_prefix=source.stream_prefix,
            filter_pattern=source.filter_pattern,
            lookback_s=config.follow.lookback_s if since_s is None else since_s,
            max_delay_s=config.follow.max_delay_s,
            poll_interval_s=config.follow.poll_interval_s,
            budget=budget,
            profile=aws.profile,
            renew_client=lambda: make_logs_client(aws.region, aws.profile, aws.endpoint_url),
        )
        for source in polled
    ]
    return [PollingSource(followers)]


def _live_tail_sources(config: Any, since_s: float | None, budget: Any) -> list[Any]:
    """The log groups read with StartLiveTail (``via: live-tail``); their backfills share the polling
    followers' request budget."""
    from tui.sources.livetail import LiveTailGroup, live_tail_client_factory

    aws = config.aws
    return [
        LiveTailGroup(
            live_tail_client_factory(aws.region, aws.profile, aws.endpoint_url),
            source.log_group,
            budget=budget,
            stream_prefix=source.stream_prefix,
            lookback_s=config.follow.lookback_s if since_s is None else since_s,
            max_delay_s=config.follow.max_delay_s,
            profile=aws.profile,
        )
        for source in config.sources
        if getattr(source, "via", None) == "live-tail"
    ]


def _kinesis_sources(config: Any, since_s: float | None, state_dir: Path | None) -> list[Any]:
    """One source per Kinesis stream (``kinesis_stream:``), each with its own client and region."""
    from tui.config.schema import KinesisSourceConfig
    from tui.sources.kinesis import KinesisSource, make_kinesis_client

    aws = config.aws
    result = []
    for source in config.sources:
        if isinstance(source, KinesisSourceConfig):
            region = source.region or aws.region
            client = _aws_client(make_kinesis_client, dataclasses.replace(aws, region=region))
            try:
                result.append(KinesisSource(
                    client,
                    source.stream,
                    log_groups=source.log_groups,
                    consumer_name=source.consumer_name,
                    lookback_s=config.follow.lookback_s,
                    since_s=since_s,
                    state_dir=state_dir,
                    profile=aws.profile,
                    renew_client=functools.partial(make_kinesis_client, region, aws.profile, aws.endpoint_url),
                ))
            except ValueError as error:  # a checkpoint that cannot be used
                raise FlowtailError(str(error)) from None
    return result


def _aws_client(make: Callable[..., Any], aws: Any) -> Any:
    from botocore.exceptions import BotoCoreError, CredentialRetrievalError, NoRegionError, ProfileNotFound

    try:
        return make(aws.region, aws.profile, aws.endpoint_url)
    except ProfileNotFound:
        raise FlowtailError(f"AWS profile {aws.profile!r} not found: check ~/.aws/config or use --profile") from None
    except NoRegionError:
        from tui.sources.aws_setup import NO_REGION

        raise FlowtailError(NO_REGION) from None
    except CredentialRetrievalError as error:  # resolved at creation: a credential_process failed
        from tui.sources.aws_errors import CallContext, classify

        fault = classify(error, CallContext("", aws.region, aws.profile))  # redacts the process's output
        raise FlowtailError(fault.message if fault is not None else "no usable AWS credentials") from None
    except BotoCoreError as error:
        raise FlowtailError(f"cannot create the AWS client: {error}") from None


def _delivery(config: Any, journal: Any, lookback_s: float) -> Any:
    """Journal + SNS delivery when the config has notifiers; None otherwise. It remembers delivered
    episodes as far back as a restart can find them again: the lookback, plus the records' delay,
    plus the longest window."""
    from tui.config.schema import JournalConfig, SnsConfig

    sns = config.notifiers.get("sns")
    journal_config = config.notifiers.get("journal")
    if not isinstance(sns, SnsConfig) and not isinstance(journal_config, JournalConfig) and journal is None:
        return None
    from tui.sinks.delivery import Delivery
    from tui.sinks.journal import Journal
    from tui.sinks.sns import SnsNotifier

    if journal is None:
        path = journal_config.path if isinstance(journal_config, JournalConfig) else None
        try:
            journal = Journal(path)
        except OSError as error:
            raise FlowtailError(f"cannot open the alert journal: {error}") from None
    notifiers = {}
    if isinstance(sns, SnsConfig):
        notifiers["sns"] = SnsNotifier(
            sns.topic_arn,
            states=sns.states,
            subject_prefix=sns.subject_prefix,
            cooldown_s=sns.cooldown_s,
            region=sns.region,
            profile=sns.profile or config.aws.profile,
            endpoint_url=config.aws.endpoint_url,
            fmt=config.format,
        )
    horizon_s = lookback_s + config.follow.max_delay_s + max((rule.window_s for rule in config.rules), default=0.0)
    return Delivery(journal, notifiers, horizon_s=horizon_s)


def status_line(status: Any, delivery: Any = None, rules: Sequence[Any] = ()) -> dict[str, Any]:
    """A source's status as a headless ``{"type": "status"}`` object (each kind's keys from its own
    ``to_json()``, see tui/sources/source.py), with the alert delivery's (a
    :class:`tui.sinks.delivery.DeliveryStatus`) when there is one, and the rules' groups and
    evictions (their RuleStatus). ``lastError`` is the source's own: a delivery error is in the
    ``delivery`` object only."""
    line = {"type": "status", **status.to_json()}
    if delivery is not None:
        line["delivery"] = delivery_fields(delivery)
    if rules:
        line["rules"] = [rule_fields(rule) for rule in rules]
    return line


def rule_fields(rule: Any) -> dict[str, Any]:
    """A rule's groups and evictions for headless status lines."""
    return {
        "rule": rule.name,
        "groups": rule.groups,
        "evicted": rule.evicted_groups,
        "degradedSince": iso_utc(rule.degraded_since_ms),
        "evictedSinceDegraded": rule.degraded_evicted,
    }


def delivery_fields(delivery: Any) -> dict[str, Any]:
    """The alert delivery's counts and error for headless status lines; ``sent`` per notifier."""
    return {
        "sent": dict(delivery.sent_by),
        "pending": delivery.pending,
        "failed": delivery.failed,
        "deadLettered": delivery.dead_lettered,
        "suppressed": delivery.suppressed,
        "duplicates": delivery.duplicates,
        "lost": delivery.lost,
        "forgotten": delivery.forgotten,
        "failedAttempts": delivery.failed_attempts,
        "damagedJournalLines": delivery.damaged,
        "lastError": delivery.last_error,
    }


def record_line(fmt: Any, event: Any) -> dict[str, Any] | None:
    """A CloudWatch event as a headless ``{"type": "record"}`` object; None when its message is no
    record of ``fmt`` (the engine counts it malformed: ``--records`` prints exactly the records)."""
    record = parse_record(fmt, event.message)
    if record is None:
        return None
    return {
        "type": "record",
        "eventId": event.event_id,
        "logGroup": event.log_group,
        "logStream": event.log_stream,
        "timestamp": event.timestamp,
        "ingestionTime": event.ingestion_time,
        "message": event.message,
        "fields": record.to_dict(),
    }


class _Signalled(Exception):
    """SIGTERM or SIGHUP: stop as at the end of the run."""


@contextmanager
def _stop_signals() -> Iterator[Callable[[], None]]:
    """SIGTERM and SIGHUP raise :class:`_Signalled` in the main thread until the returned function
    is called (when the run is already stopping); from then on they, and Ctrl-C, are ignored so the
    drain is not cut short. The previous handlers come back on exit. A no-op off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    stopping = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            raise _Signalled(signum)

    names = [signal.SIGTERM, signal.SIGHUP]
    previous = {signum: signal.signal(signum, handler) for signum in names}
    previous_int = signal.getsignal(signal.SIGINT)

    def begin_stop() -> None:
        stopping.set()
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    try:
        yield begin_stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        signal.signal(signal.SIGINT, previous_int)


class Headless:
    """Prints alert transitions (and records, with ``records``) as JSON lines, and the followers'
    status at most every ``status_every_s`` seconds (:data:`STATUS_EVERY_S` by default), until the
    duration ends, Ctrl-C, SIGTERM or SIGHUP; each of those stops the same way (followers stopped,
    delivery drained for up to a few seconds, journal flushed) and the run ends with status 0.

    With an alert delivery (a journal), alert lines go through it as the notifier ``stdout``: a
    transition already journaled by an earlier run is not printed again. Delivery problems go to
    stderr, one line per change of state."""

    def __init__(self, out: JsonLines, *, records: bool = False, status_every_s: float | None = None,
                 errors: Any = None) -> None:
        self.out = out
        self.records = records
        self.status_every_s = STATUS_EVERY_S if status_every_s is None else status_every_s
        self.errors = errors if errors is not None else sys.stderr
        self.fmt: Any = None
        self._lock = threading.Lock()  # alerts come from the feeding thread, status from this one
        self.alerts: list[Alert] = []
        self._problems: dict[str, str | None] = {}  # log group -> the error last reported on stderr

    def write(self, obj: dict[str, Any]) -> None:
        with self._lock:
            self.out.write(obj)

    def on_alert(self, alert: Alert) -> None:
        self.alerts.append(alert)
        self.write(alert.to_json())
        if alert.state == DEGRADED:  # said to a person too: the rule may be missing alarms
            print(f"flowtail: {alert.degraded_text}", file=self.errors, flush=True)

    def already_said(self, problems: dict[str, str]) -> None:
        """Problems (source label -> error) said on stderr before following began (``watch --wait``):
        not said again when a source meets them, only their recovery."""
        self._problems.update(problems)

    def report_problems(self, sources: Sequence[Any]) -> None:
        """A follower's new error (not throttling, which backs off on its own) on stderr at once, and
        its recovery; each only when it changes, so a persisting problem is said once."""
        for status in sources:
            if status.state in ("starting", "polling") and status.last_error is not None:
                continue  # a retry under way: the problem is neither over nor new until it answers
            error = status.last_error if status.state in ("error", "stalled") else None
            before = self._problems.get(status.log_group)
            if error == before:
                continue
            self._problems[status.log_group] = error
            if error is not None:
                retrying = "" if "retrying" in error or status.state == "stalled" else " (retrying)"
                print(f"flowtail: {status.log_group}: {error}{retrying}", file=sys.stderr, flush=True)
            elif before is not None:
                print(f"flowtail: {status.log_group}: recovered", file=sys.stderr, flush=True)

    def on_events(self, events: list) -> None:
        if self.records:
            for event in events:
                line = record_line(self.fmt, event)
                if line is not None:
                    self.write(line)

    def report(self, line: str) -> None:
        self.errors.write(f"flowtail: alert delivery: {line}\n")
        self.errors.flush()

    def run(self, live: Live, duration_s: float | None = None) -> int:
        session = live.session
        self.fmt = session.engine.fmt
        if live.delivery is None:
            session.on_alert(self.on_alert)
        else:
            live.delivery.add_notifier("stdout", AlertLines(self.on_alert), every_rule=True)
            live.delivery.on_report(self.report)
        with _stop_signals() as begin_stop:
            try:
                self._loop(live, duration_s)
            except (KeyboardInterrupt, _Signalled):
                pass
            finally:
                begin_stop()
                live.stop()
        if session.error:
            raise FlowtailError(f"following stopped: {session.error}")
        return 0

    def _loop(self, live: Live, duration_s: float | None) -> None:
        session = live.session
        if interrupts.requested():  # a Ctrl-C during the start-up whose KeyboardInterrupt was lost
            return
        live.start()
        deadline = None if duration_s is None else time.monotonic() + duration_s
        next_status = time.monotonic() + self.status_every_s
        while True:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return
            wait = min(next_status, now + PROBLEMS_EVERY_S, deadline if deadline is not None else next_status) - now
            if session.wait(max(0.0, wait)) or interrupts.requested():
                return
            self.report_problems(session.sources)
            if time.monotonic() >= next_status:
                snapshot = session.snapshot(minutes=1, top_n=1)
                for status in snapshot.sources:
                    self.write(status_line(status, snapshot.delivery, snapshot.engine.rules))
                next_status += self.status_every_s
