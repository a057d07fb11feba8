"""Ask the flow logs about an address, a CIDR, an ENI or a port over a time range: its timeline by
action, its peers (ACCEPTed first) and its newest records, from the local files (DuckDB), Athena or
CloudWatch Logs Insights."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from datetime import timedelta
from typing import Any

from tui.errors import FlowtailError

DEFAULT_BIN_S = 300


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subject", nargs="?", metavar="SUBJECT",
                        help="an address (10.0.0.5, 2001:db8::1), a CIDR (10.0.0.0/16), an ENI id (eni-...) or port:22")
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="flow-log files, directories or s3://bucket/prefix/ for the local engine")
    parser.add_argument("-c", "--config", help="YAML configuration file (history:, aws:, format:)")
    parser.add_argument("--since", default="24h", help="start: a duration back (24h, 90m) or an ISO time (default 24h)")
    parser.add_argument("--until", help="end: a duration back or an ISO time (default: now)")
    parser.add_argument("--via", choices=("local", "insights", "athena"),
                        help="the engine (default: history.engine, else local)")
    parser.add_argument("--bin", help="timeline bin (default 5m; longer when the range holds more than 10,000)")
    parser.add_argument("--records", type=int, default=50, metavar="N", help="newest records listed (default 50)")
    parser.add_argument("--peers", type=int, default=100, metavar="N", help="peers listed (default 100)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line: timeline, peer, record, summary")
    parser.add_argument("--yes", action="store_true", help="run a scan above history.max_scan without asking")
    parser.add_argument("--print-ddl", action="store_true",
                        help="print the Athena CREATE TABLE (partition projection) for the configured format, and exit")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.config import default_config, load_config

    config = load_config(args.config) if args.config else default_config()
    if args.print_ddl:
        from tui.history.athena import ddl

        sys.stdout.write(ddl(config.format, config.history.athena))
        return 0
    if args.subject is None:
        raise FlowtailError("history needs a SUBJECT: an address, a CIDR, an ENI id or port:N (or --print-ddl)")
    question = _question(args)
    from tui.history.engines import build_engine

    engine = build_engine(config, args.via, args.files)
    _approve(engine, question, args.yes)
    answer = _answer(engine, question)
    if args.json:
        from tui.history.render import json_lines

        for line in json_lines(answer):
            sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    else:
        from tui.history.render import text_tables

        sys.stdout.write(text_tables(answer))
    # Once the answer is out, ctrl+c skips the caching and exits 0 (from the final flush on).
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdout.flush()
        if answer.records_matched == 0 and answer.complete:
            span = answer.question.time_range
            sys.stderr.write(
                f"flowtail: no record of {args.subject} from {span.start:%Y-%m-%dT%H:%M:%SZ} to "
                f"{span.end:%Y-%m-%dT%H:%M:%SZ}; --since and --until set the range (default: the last 24 hours)\n"
            )
        _fill_cache(engine)
    return 0


def _fill_cache(engine: Any) -> None:
    """After the answer is out: convert the files a first answer scanned for its subject (the local
    engine), so that the next question reads the Parquet cache. Ctrl-C (KeyboardInterrupt) stops it."""
    count = getattr(engine, "cache_work", 0)
    if not count:
        return
    sys.stderr.write(f"caching {count} file{'s' if count != 1 else ''} for the next question (ctrl+c skips)\n")
    sys.stderr.flush()
    _in_worker(lambda cancel: engine.fill_cache(cancel))


def _question(args: argparse.Namespace) -> Any:
    from datetime import datetime, timezone

    from tui.durations import parse_duration, parse_since
    from tui.history.model import MAX_BINS, Question, Subject, TimeRange

    subject = Subject.parse(args.subject)
    now = datetime.now(timezone.utc)
    try:
        since = parse_since(args.since, now.timestamp())
    except ValueError as error:
        raise FlowtailError(f"--since: {error}") from None
    until = 0.0
    if args.until is not None:
        try:
            until = parse_since(args.until, now.timestamp())
        except ValueError as error:
            raise FlowtailError(f"--until: {error}") from None
    try:
        bin_s = DEFAULT_BIN_S if args.bin is None else parse_duration(args.bin)
    except ValueError as error:
        raise FlowtailError(f"--bin: {error}") from None
    if bin_s < 1 or bin_s != int(bin_s):
        raise FlowtailError(f"--bin {args.bin}: a whole number of seconds, at least 1s")
    if args.bin is None:  # a long range gets longer bins, whole multiples of the default
        bin_s = DEFAULT_BIN_S * max(1, -(-(since - until) // (DEFAULT_BIN_S * MAX_BINS)))
    if args.records < 0:
        raise FlowtailError(f"--records {args.records}: must be 0 or more")
    if args.peers < 1:
        raise FlowtailError(f"--peers {args.peers}: must be 1 or more")
    if until >= since:
        raise FlowtailError(f"--until ({args.until}) is not after --since ({args.since})")
    time_range = TimeRange(now - timedelta(seconds=since), now - timedelta(seconds=until))
    return Question(subject, time_range, int(bin_s), args.records, args.peers)


def _approve(engine: Any, question: Any, yes: bool) -> None:
    """The cost guard: an engine that can estimate (Insights) asks before a scan above history.max_scan."""
    needs = getattr(engine, "needs_approval", None)
    if needs is None or not needs(question):
        return
    estimate = engine.estimate(question)
    if not yes:
        if not sys.stdin.isatty():
            raise FlowtailError(
                f"{engine.name} would scan about {estimate} bytes, above history.max_scan: pass --yes to run it"
            )
        reply = input(f"{engine.name} would scan about {estimate} bytes, above history.max_scan. Run it? [y/N] ")
        if reply.strip().lower() not in ("y", "yes"):
            raise FlowtailError("not run: the scan is above history.max_scan")
    engine.approve(question)


def _answer(engine: Any, question: Any) -> Any:
    """Run the question in a worker thread, so that Ctrl-C cancels it (StopQuery where it runs)."""
    return _in_worker(lambda cancel: engine.run(question, None, cancel))


def _in_worker(job: Any) -> Any:
    """``job(cancel)`` in a worker thread; Ctrl-C sets ``cancel``, waits for the worker and re-raises."""
    cancel = threading.Event()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["value"] = job(cancel)
        except BaseException as error:  # handed to the main thread
            result["error"] = error

    worker = threading.Thread(target=work, name="history", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        worker.join()
        raise
    if "error" in result:
        raise result["error"]
    return result["value"]
