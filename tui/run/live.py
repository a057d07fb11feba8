"""Following CloudWatch live: followers, engine and alert delivery wired into a Session, and the
headless loop that prints JSON lines. `flowtail watch` and `flowtail demo` both run through here."""

from __future__ import annotations

import dataclasses
import functools
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from tui.errors import FlowtailError
from tui.flowlog import parse_record
from tui.rules.alerts import Alert, iso_utc
from tui.run.session import Feeder, Session
from tui.sinks.jsonl import JsonLines

STATUS_EVERY_S = 10.0
PROBLEMS_EVERY_S = 1.0  # how soon a follower's new error reaches stderr


@dataclass
class Live:
    """A watch session and the alert delivery that goes with it."""

    session: Session
    delivery: Any = None  # tui.sinks.delivery.Delivery, when notifiers are configured
    sources: tuple[Any, ...] = ()  # what the session reads (tui/sources/source.py)

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
    events to the session, event time first; their statuses go to the status bar."""
    from tui.sources.source import run_all

    def feed(session: Session, stop: threading.Event) -> None:
        def deliver(events: list) -> None:
            if on_events is not None:
                on_events(events)
            session.ingest([e.message for e in events], [e.timestamp for e in events], int(time.time() * 1000))

        def on_status() -> None:
            session.set_sources([status for source in sources for status in source.statuses()])

        run_all(sources, deliver, stop, on_status)

    return feed


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
    sources = [
        *_polling_sources(config, since_s),
        *_live_tail_sources(config, since_s),
        *_kinesis_sources(config, since_s, state_dir),
    ]
    engine = engine_from_config(config, event_times=True)
    session = Session(engine, watch_feeder(sources, on_events), mode)
    delivery = _delivery(config, journal)
    if delivery is not None:
        notify = {rule.name: rule.notify for rule in config.rules}
        session.on_alert(lambda alert: delivery.submit(alert, notify.get(alert.rule, ())))
        session.set_delivery_status(delivery.status)
    return Live(session, delivery, tuple(sources))


def _polling_sources(config: Any, since_s: float | None) -> list[Any]:
    """The polled log groups, as one source sharing one request budget (none when there are none)."""
    from tui.sources.cloudwatch import Follower, PollingSource, RequestBudget, make_logs_client

    polled = [source for source in config.sources if getattr(source, "via", None) == "poll"]
    if not polled:
        return []
    aws = config.aws
    client = _aws_client(make_logs_client, aws)
    budget = RequestBudget(config.follow.requests_per_second)
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


def _live_tail_sources(config: Any, since_s: float | None) -> list[Any]:
    """The log groups read with StartLiveTail (``via: live-tail``)."""
    if any(getattr(source, "via", None) == "live-tail" for source in config.sources):
        raise FlowtailError("via: live-tail is not available in this version of flowtail; use via: poll")
    return []


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
        raise FlowtailError("no AWS region: set aws.region in the config, --region, or AWS_REGION") from None
    except CredentialRetrievalError as error:  # resolved at creation: a credential_process failed
        from tui.sources.aws_errors import CallContext, classify

        fault = classify(error, CallContext("", aws.region, aws.profile))  # redacts the process's output
        raise FlowtailError(fault.message if fault is not None else "no usable AWS credentials") from None
    except BotoCoreError as error:
        raise FlowtailError(f"cannot create the AWS client: {error}") from None


def _delivery(config: Any, journal: Any) -> Any:
    """Journal + SNS delivery when the config has notifiers; None otherwise."""
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
        )
    return Delivery(journal, notifiers)


def status_line(status: Any) -> dict[str, Any]:
    """A source's status as a headless ``{"type": "status"}`` object: a polled log group's here,
    other kinds' from their own ``to_json()`` (see tui/sources/source.py)."""
    if getattr(status, "kind", "poll") != "poll":
        return {"type": "status", **status.to_json()}
    return {
        "type": "status",
        "logGroup": status.log_group,
        "state": status.state,
        "lastPoll": iso_utc(None if status.last_poll is None else int(status.last_poll * 1000)),
        "eventsPerSecond": round(status.events_per_s, 2),
        "lagP50Ms": status.lag_p50_ms,
        "lagP95Ms": status.lag_p95_ms,
        "throttled": status.throttled,
        "errors": status.errors,
        "rereadRatio": round(status.reread_ratio, 2),
        "calls": status.calls,
        "events": status.events,
        "lastError": status.last_error,
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


class Headless:
    """Prints alert transitions (and records, with ``records``) as JSON lines, and the followers'
    status at most every ``STATUS_EVERY_S`` seconds, until the duration ends or Ctrl-C."""

    def __init__(self, out: JsonLines, *, records: bool = False) -> None:
        self.out = out
        self.records = records
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

    def report_problems(self, sources: Sequence[Any]) -> None:
        """A follower's new error (not throttling, which backs off on its own) on stderr at once, and
        its recovery; each only when it changes, so a persisting problem is said once."""
        for status in sources:
            error = status.last_error if status.state == "error" else None
            before = self._problems.get(status.log_group)
            if error == before:
                continue
            self._problems[status.log_group] = error
            if error is not None:
                print(f"flowtail: {status.log_group}: {error} (retrying)", file=sys.stderr, flush=True)
            elif before is not None:
                print(f"flowtail: {status.log_group}: recovered", file=sys.stderr, flush=True)

    def on_events(self, events: list) -> None:
        if self.records:
            for event in events:
                line = record_line(self.fmt, event)
                if line is not None:
                    self.write(line)

    def run(self, live: Live, duration_s: float | None = None) -> int:
        session = live.session
        self.fmt = session.engine.fmt
        session.on_alert(self.on_alert)
        live.start()
        deadline = None if duration_s is None else time.monotonic() + duration_s
        next_status = time.monotonic() + STATUS_EVERY_S
        try:
            while True:
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    break
                wait = min(next_status, now + PROBLEMS_EVERY_S, deadline if deadline is not None else next_status) - now
                if session.wait(max(0.0, wait)):
                    break
                self.report_problems(session.sources)
                if time.monotonic() >= next_status:
                    for status in session.snapshot(minutes=1, top_n=1).sources:
                        self.write(status_line(status))
                    next_status += STATUS_EVERY_S
        except KeyboardInterrupt:
            pass
        finally:
            live.stop()
        if session.error:
            raise FlowtailError(f"following stopped: {session.error}")
        return 0
