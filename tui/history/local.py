"""The local history engine, the embedded default: DuckDB over flow-log files and S3 objects.

Locations are files, directories (every file under them) and ``s3://bucket/prefix`` (every object
under it, fetched with boto3: DuckDB's own S3 reader is an extension downloaded at first use, and a
bastion may have no internet). Each text file or object is converted once into the Parquet cache
(:mod:`tui.history.cache`, :mod:`tui.history.ingest`); Parquet files (AWS's Parquet deliveries) are
read as they are. A repeated question reads only the cache.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import queue
import shutil
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from tui.flowlog import FlowFormat
from tui.history.cache import Entry, ParquetCache, entry_key
from tui.history.model import (
    Answer,
    HistoryCancelled,
    HistoryError,
    Progress,
    Question,
    Subject,
    check_cancel,
)
from tui.history.prefilter import prefilterable
from tui.history.relation import Reads
from tui.history.sql import (
    DUCKDB,
    V6_MATCHES,
    HistorySql,
    column,
    peer_rows,
    quoted,
    record_rows,
    table_fields,
    timeline_rows,
)
from tui.words import counted

PARQUET_SUFFIX = ".parquet"
MATCHED = "flowtail_matched"  # the records concerning the subject in the range (temporary tables)
NEWEST = "flowtail_newest"
# The fields the timeline and the peers read (plus each kind of subject's own): the files are scanned
# for these only; the newest records' other fields and messages are read afterwards.
ANSWER_FIELDS = ("start", "action", "bytes", "packets", "srcaddr", "dstaddr", "dstport", "protocol")
SUBJECT_FIELDS = {"eni": ("interface-id", "flow-direction"), "port": ("srcport",)}
INTERRUPT_POLL_S = 0.05  # how often a running DuckDB statement looks at the cancel event


@dataclass(frozen=True)
class Source:
    """One file or object of a location."""

    label: str  # the path, or s3://bucket/key
    key: str  # its cache key ("" for a local Parquet file, read where it is)
    path: str | None = None  # a local file
    bucket: str | None = None  # an S3 object
    object_key: str | None = None

    @property
    def parquet(self) -> bool:
        return self.label.endswith(PARQUET_SUFFIX)


def _leave_ctrl_c_to_the_parent() -> None:
    """A pool process's start: Ctrl-C reaches every process of the terminal's group, and a worker's
    KeyboardInterrupt would print its traceback; the parent cancels the pool instead."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _scan_worker(path: str, needle: str, fmt_text: str, staging: str) -> list[tuple[str, str]] | None:
    """Process-pool entry: one file's candidate records (:func:`tui.history.prefilter.prefiltered`) as
    (layout, text file) pairs; None when the file is to be converted whole."""
    from tui.history.prefilter import prefiltered

    found = prefiltered(path, needle, FlowFormat.parse(fmt_text), Path(staging))
    return None if found is None else [(str(layout), str(text)) for layout, text in found.items()]


def _convert_worker(path: str, fmt_text: str, staging: str) -> tuple[list[str], int, int]:
    """Process-pool entry: convert one file line by line (its own DuckDB connection)."""
    from tui.history.ingest import convert_exact

    converted = convert_exact(path, FlowFormat.parse(fmt_text), Path(staging))
    return converted.parts, converted.records, converted.malformed


class LocalEngine:
    """DuckDB over ``locations``; records without a header line read in ``fmt``.

    ``s3_client``: makes the boto3 S3 client (only called when a location is ``s3://``).
    ``workers``: processes converting files (1: in this process).
    """

    name = "local"

    def __init__(
        self,
        locations: Sequence[str],
        fmt: FlowFormat,
        cache: ParquetCache,
        s3_client: Callable[[], Any] | None = None,
        workers: int | None = None,
    ) -> None:
        self.locations = tuple(locations)
        self.fmt = fmt
        self.cache = cache
        self._s3_factory = s3_client
        self._s3: Any = None
        self.workers = workers or min(4, os.cpu_count() or 1)
        self.uncached = 0  # files the last answer scanned for its subject instead of reading the cache
        self.unpacked: dict[str, Entry] = {}  # entries the last answer read from parts of their own, by key

    def estimate(self, question: Question) -> int | None:
        """The local engine costs nothing: no estimate."""
        return None

    # -- sources --------------------------------------------------------------------------------

    def _client(self) -> Any:
        if self._s3 is None:
            if self._s3_factory is None:
                raise HistoryError("s3:// locations need AWS access (a configuration with aws: settings)")
            self._s3 = self._s3_factory()
        return self._s3

    def sources(self, cancel: threading.Event | None = None) -> list[Source]:
        """Every file and object of the locations; HistoryError (one line) for a location that is none."""
        if not self.locations:
            raise HistoryError("no flow-log files to ask: give FILES, or history.files in the configuration")
        result: list[Source] = []
        for location in self.locations:
            check_cancel(cancel)
            if location.startswith("s3://"):
                result.extend(self._s3_sources(location))
            elif os.path.isdir(location):
                for root, dirs, files in os.walk(location):  # hidden files and directories are skipped
                    dirs[:] = sorted(name for name in dirs if not name.startswith("."))
                    result.extend(self._file(os.path.join(root, name)) for name in sorted(files) if name[0] != ".")
            elif os.path.isfile(location):
                result.append(self._file(location))
            else:
                raise HistoryError(f"{location}: no such file or directory")
        return result

    def _file(self, path: str) -> Source:
        path = os.path.abspath(path)
        if path.endswith(PARQUET_SUFFIX):
            return Source(path, "", path=path)
        stat = os.stat(path)
        return Source(path, entry_key("file", path, stat.st_size, stat.st_mtime_ns, self.fmt), path=path)

    def _s3_sources(self, location: str) -> list[Source]:
        from tui.history.aws import aws_error

        bucket, _, prefix = location[len("s3://"):].partition("/")
        result = []
        try:
            for page in self._client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if key.endswith("/"):
                        continue
                    identity = entry_key("s3", bucket, key, item.get("ETag", ""), item.get("Size", 0), self.fmt)
                    result.append(Source(f"s3://{bucket}/{key}", identity, bucket=bucket, object_key=key))
        except Exception as error:  # botocore's errors: one line naming what to allow
            raise aws_error(error, f"listing {location}", ("s3:ListBucket",)) from None
        if not result:
            raise HistoryError(f"{location}: no objects under this prefix")
        return result

    def _download(self, source: Source, target: Path, cancel: threading.Event | None) -> None:
        from tui.history.aws import aws_error

        try:
            body = self._client().get_object(Bucket=source.bucket, Key=source.object_key)["Body"]
            with open(target, "wb") as stream:
                while block := body.read(1 << 20):
                    check_cancel(cancel)
                    stream.write(block)
        except HistoryCancelled:
            raise
        except Exception as error:
            raise aws_error(error, f"reading {source.label}", ("s3:GetObject",)) from None

    # -- conversion -----------------------------------------------------------------------------

    def _prepare(
        self, sources: list[Source], progress: Callable[[str], None], cancel: threading.Event | None
    ) -> tuple[Reads, int, int, int]:
        """The Parquet answering over ``sources``: (reads, converted, records, malformed); the
        entries with parts of their own are noted in :attr:`unpacked`."""
        reads = Reads()
        entries: dict[str, Entry] = {}
        todo: list[tuple[Source, Path, str]] = []  # (source, staging directory, local text file)
        try:
            for source in sources:
                check_cancel(cancel)
                if not source.key:
                    reads.files.append(source.path or "")
                    continue
                entry = self.cache.get(source.key)
                if entry is not None:
                    entries[source.key] = entry
                    continue
                staging = self.cache.staging()
                if source.bucket is None:
                    todo.append((source, staging, source.path or ""))
                    continue
                todo.append((source, staging, str(staging / "object")))
                progress(f"fetching {source.label}")
                local = staging / ("object.parquet" if source.parquet else "object")
                self._download(source, local, cancel)
                if source.parquet:
                    todo.pop()
                    entries[source.key] = self.cache.commit(source.key, staging, [str(local)], 0, 0)
            for done, (source, staging, converted) in enumerate(self._convert(todo, cancel), start=1):
                progress(f"converted {done} of {len(todo)} files to Parquet")
                parts_made, records, malformed = converted
                for name in os.listdir(staging):
                    if name.startswith("object"):
                        os.unlink(staging / name)  # the fetched text object: only its Parquet is kept
                entries[source.key] = self.cache.commit(source.key, staging, parts_made, records, malformed)
        finally:
            for _, staging, _ in todo:
                shutil.rmtree(staging, ignore_errors=True)  # what was not committed (a committed one moved)
        for entry in entries.values():
            reads.add(entry)
        self.unpacked.update((key, entry) for key, entry in entries.items() if entry.pack is None)
        records = sum(entry.records for entry in entries.values())
        malformed = sum(entry.malformed for entry in entries.values())
        return reads, len(todo), records, malformed

    def _convert(
        self, todo: list[tuple[Source, Path, str]], cancel: threading.Event | None
    ) -> Any:
        """Yield (source, staging, (parts, records, malformed)) as conversions finish: files of one
        layout by DuckDB in this process (its threads do the work), the others line by line in
        worker processes (Python's share of that work is parallel only in processes)."""
        if not todo:
            return
        from tui.history.ingest import convert_fast

        # Each file is one DuckDB statement, mostly on one thread (gzip is sequential): one connection
        # per worker thread converts several files at once.
        exact = []
        with self._duckdb_threads(len(todo), cancel, "history-convert") as (pool, borrow, _):

            def fast(path: str, staging: Path) -> Any:
                with borrow() as connection:
                    return convert_fast(path, self.fmt, Path(staging), connection)

            futures = {pool.submit(fast, path, staging): (source, staging, path) for source, staging, path in todo}
            for future in concurrent.futures.as_completed(futures):
                converted = future.result()
                check_cancel(cancel)  # an interrupted conversion reads as "not simple": it is cancelled
                source, staging, path = futures[future]
                if converted is None:
                    exact.append((source, staging, path))
                else:
                    yield source, staging, (converted.parts, converted.records, converted.malformed)
        yield from self._convert_exact(exact, cancel)

    def _convert_exact(self, todo: list[tuple[Source, Path, str]], cancel: threading.Event | None) -> Any:
        fmt_text = str(self.fmt)
        jobs = {(source, staging): (path, fmt_text, str(staging)) for source, staging, path in todo}
        for (source, staging), converted in self._in_processes(_convert_worker, jobs, cancel):
            yield source, staging, converted

    def _in_processes(self, work: Callable[..., Any], jobs: dict[Any, tuple[Any, ...]],
                      cancel: threading.Event | None) -> Iterator[tuple[Any, Any]]:
        """(key, ``work(*arguments)``) for each job, as they finish: in up to ``self.workers`` spawned
        processes (Python's share of the work is parallel only there; spawned, not forked, from a
        process holding DuckDB's threads), in this one for a single job or worker. ``cancel`` is
        looked at between jobs; the running ones finish (each is one file)."""
        if self.workers <= 1 or len(jobs) <= 1:
            for key, arguments in jobs.items():
                check_cancel(cancel)
                yield key, work(*arguments)
            return
        context = multiprocessing.get_context("spawn")
        pool = concurrent.futures.ProcessPoolExecutor(
            min(self.workers, len(jobs)), mp_context=context, initializer=_leave_ctrl_c_to_the_parent
        )
        try:
            futures = {pool.submit(work, *arguments): key for key, arguments in jobs.items()}
            pending = set(futures)
            while pending:
                check_cancel(cancel)
                finished, pending = concurrent.futures.wait(
                    pending, timeout=INTERRUPT_POLL_S * 4, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in finished:
                    yield futures[future], future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- the question ---------------------------------------------------------------------------

    def run(
        self,
        question: Question,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        def note(text: str) -> None:
            if progress is not None:
                progress(Answer(self.name, question, elapsed_ms=elapsed(), complete=False, notes=(text,)))

        sources = self.sources(cancel)
        staging: Path | None = None
        self.unpacked = {}
        try:
            scanned_files: list[Source] = []
            if prefilterable(question.subject.kind):
                scanned_files = [s for s in sources if s.key and s.path is not None and self.cache.get(s.key) is None]
            reads, converted, records, malformed = self._prepare(
                [s for s in sources if s not in scanned_files], note, cancel
            )
            cached = len(sources) - converted
            notes = [f"{counted(len(sources), 'file')}: {converted} converted to Parquet, {cached} from the cache"]
            self.uncached = 0
            if scanned_files:
                staging = self.cache.staging()
                whole = self._prefilter(question.subject.value, scanned_files, staging, reads, note, cancel)
                self.uncached = len(scanned_files) - whole
                notes[0] = (f"{counted(len(sources), 'file')}: {converted + whole} converted to Parquet, "
                            f"{cached - len(scanned_files)} from the cache, {self.uncached} "
                            f"scanned for {question.subject.value} (not yet in the cache)")
                malformed = 0  # the scanned files' malformed lines are not known: no partial count
            return self._answer(question, sources, reads, notes, malformed, note, cancel, elapsed)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)

    def fill_cache(self, cancel: threading.Event | None = None) -> int:
        """Make the next question read the cache alone, from one file where it can: convert the
        files the last answer scanned instead (:attr:`uncached`), then pack the entries it read that
        have parts of their own (:meth:`ParquetCache.pack`); the number of files converted."""
        converted = 0
        if self.uncached:
            _, converted, _, _ = self._prepare(self.sources(cancel), lambda _text: None, cancel)
            self.uncached = 0
        if len(self.unpacked) >= 2:
            check_cancel(cancel)
            with self._connections(cancel) as (connection,):
                try:
                    self.cache.pack(list(self.unpacked.values()), connection)
                except Exception as error:  # the entries stay as they were: the answer stands
                    check_cancel(cancel)  # an interrupted COPY: cancelled
                    raise HistoryError(f"packing the cache failed: {str(error).splitlines()[0]}") from None
            self.cache.trim(keep=frozenset(self.unpacked))  # packs counted once
        self.unpacked = {}
        return converted

    @property
    def cache_work(self) -> int:
        """Files to convert and entries to pack after the last answer (:meth:`fill_cache`)."""
        return self.uncached + (len(self.unpacked) if len(self.unpacked) >= 2 else 0)

    def _prefilter(
        self, needle: str, files: list[Source], staging: Path, reads: Reads, note: Callable[[str], None],
        cancel: threading.Event | None,
    ) -> int:
        """Add to ``reads`` the Parquet of each file's candidate records (:mod:`tui.history.prefilter`),
        written in ``staging``; the number of files converted whole into the cache instead (those
        that cannot be scanned as bytes), which ``reads`` gets as cache entries."""
        from tui.history.prefilter import gather, to_parquet

        layouts: dict[FlowFormat, Path] = {}
        whole: list[Source] = []
        jobs = {}
        for index, source in enumerate(files):
            directory = staging / str(index)
            directory.mkdir()
            jobs[source] = (source.path or "", needle, str(self.fmt), str(directory))
        # In processes: the scan's Python (bytes.find, a translate, the exact reading of the candidates)
        # holds the GIL, and two threads of it ran on one core's worth of time.
        for finished, (source, found) in enumerate(self._in_processes(_scan_worker, jobs, cancel), start=1):
            note(f"scanned {finished} of {len(files)} files for {needle}")
            if found is None:
                whole.append(source)
            else:
                gather({FlowFormat.parse(layout): Path(text) for layout, text in found}, layouts, staging)
        with self._connections(cancel) as (connection,):
            try:
                reads.files.extend(to_parquet(layouts, staging, connection))
            except Exception:
                check_cancel(cancel)
                raise
        if whole:
            reads.merge(self._prepare(whole, note, cancel)[0])
        return len(whole)

    def _answer(
        self, question: Question, sources: list[Source], reads: Reads, notes: list[str], malformed: int,
        note: Callable[[str], None], cancel: threading.Event | None, elapsed: Callable[[], int],
    ) -> Answer:
        if malformed:
            notes.append(f"{malformed} lines were no record of their layout (skipped)")
        held = self.cache.trim(keep=frozenset(source.key for source in sources if source.key))
        if held > self.cache.max_bytes:
            notes.append(f"this question's Parquet ({held} bytes) is over history.cache_size: older entries removed")
        note("querying")
        answer = self._query(question, reads, cancel) if reads else Answer(self.name, question)
        scanned = reads.bytes()
        return replace(answer, bytes_scanned=scanned, elapsed_ms=elapsed(), notes=(*answer.notes, *notes))

    def _query(self, question: Question, reads: Reads, cancel: threading.Event | None) -> Answer:
        with self._connections(cancel) as (connection,):
            return self._query_with(connection, question, reads, cancel)

    def _query_with(self, connection: Any, question: Question, reads: Reads, cancel: threading.Event | None) -> Answer:
        try:
            connection.execute(f"CREATE VIEW flows AS {reads.relation()}")
            columns = [row[0] for row in connection.execute("DESCRIBE flows").fetchall()]
            fields = table_fields(columns)
            layout = "layout" if "layout" in columns else None
            scan = HistorySql(question, fields, "flows", DUCKDB, layout=layout)
            if question.subject.kind == "cidr" and question.subject.network.version == 6:
                self._ipv6_matches(connection, scan)
            # The files are read once for the columns the timeline and the peers need (reading every
            # column of every row costs three times as much); the newest records are read afterwards.
            needed = {*ANSWER_FIELDS, *SUBJECT_FIELDS.get(question.subject.kind, ())}
            narrow = tuple(field for field in fields if field in needed)
            selected = ", ".join(quoted(column(field)) for field in narrow)
            connection.execute(f"CREATE TEMP TABLE {MATCHED} AS SELECT {selected} FROM ({scan.matched()})")
            sql = HistorySql(question, narrow, MATCHED, DUCKDB)
            timeline = timeline_rows(connection.execute(sql.timeline()).fetchall())
            peers = peer_rows(connection.execute(sql.peers()).fetchall(), question.peers_limit)
            records = record_rows(self._newest(connection, scan, "message" in columns, layout), fields)
        except Exception as error:
            check_cancel(cancel)
            raise HistoryError(f"the local engine failed: {str(error).splitlines()[0]}") from None
        check_cancel(cancel)
        return Answer(
            self.name, question, timeline, peers, records, records_matched=sum(row.flows for row in timeline)
        )

    @staticmethod
    def _newest(connection: Any, scan: HistorySql, has_message: bool, layout: str | None) -> list[Any]:
        """The newest records' rows (message, layout, fields...): every record at least as new as the
        Nth (ties included: the order among them is by message), read again with all their columns;
        Parquet's statistics on ``start`` skip the files holding only older records."""
        question = scan.question
        if question.records_limit == 0:
            return []
        (oldest,) = connection.execute(
            f"SELECT min(start) FROM (SELECT start FROM {MATCHED} ORDER BY start DESC LIMIT {question.records_limit})"
        ).fetchone()
        if oldest is None:
            return []
        message = "" if has_message else ", NULL AS message"
        newer = scan.where(scan.concerns(), f"{scan.col('start')} >= {int(oldest)}")
        connection.execute(f"CREATE TEMP TABLE {NEWEST} AS SELECT *{message} FROM {scan.table} WHERE {newer}")
        sql = HistorySql(question, scan.fields, NEWEST, DUCKDB, message="message", layout=layout)
        return list(connection.execute(sql.records()).fetchall())

    @staticmethod
    def _ipv6_matches(connection: Any, sql: HistorySql) -> None:
        """Fill :data:`V6_MATCHES` with the table's IPv6 addresses in the subject's network."""
        subject: Subject = sql.question.subject
        addresses = connection.execute(
            f"SELECT DISTINCT address FROM (SELECT {sql.col('srcaddr')} AS address FROM flows WHERE {sql.where()} "
            f"UNION SELECT {sql.col('dstaddr')} FROM flows WHERE {sql.where()}) WHERE contains(address, ':')"
        ).fetchall()
        inside = [(address,) for (address,) in addresses if subject.holds_address(address)]
        connection.execute(f"CREATE TEMP TABLE {V6_MATCHES} (address VARCHAR)")
        if inside:
            connection.executemany(f"INSERT INTO {V6_MATCHES} VALUES (?)", inside)

    @contextmanager
    def _duckdb_threads(self, jobs: int, cancel: threading.Event | None, name: str) -> Iterator[Any]:
        """(a thread pool, ``borrow()`` lending one of its DuckDB connections, the connections): one
        single-threaded connection per thread, up to ``self.workers`` for ``jobs``; every running statement is
        interrupted when ``cancel`` is set, and the pool and connections are closed on exit."""
        count = max(1, min(self.workers, jobs))
        with self._connections(cancel, count, threads=1) as every:
            connections: queue.Queue[Any] = queue.Queue()
            for connection in every:
                connections.put(connection)

            @contextmanager
            def borrow() -> Iterator[Any]:
                connection = connections.get()
                try:
                    yield connection
                finally:
                    connections.put(connection)

            pool = concurrent.futures.ThreadPoolExecutor(count, thread_name_prefix=name)
            try:
                yield pool, borrow, every
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    @contextmanager
    def _connections(self, cancel: threading.Event | None, count: int = 1, threads: int | None = None) -> Iterator[Any]:
        """``count`` DuckDB connections (a list), their running statements interrupted when ``cancel``
        is set, closed on exit; ``threads`` each (default: :data:`tui.history.duck.THREADS`)."""
        from tui.history.duck import THREADS, connect

        every = [connect(temp_directory=str(self.cache.root / ".duckdb-tmp"), threads=threads or THREADS)
                 for _ in range(count)]
        done = threading.Event()
        threading.Thread(target=self._watch, args=(every, cancel, done), daemon=True).start()
        try:
            yield every
        finally:
            done.set()
            for connection in every:
                connection.close()

    @staticmethod
    def _watch(connections: list[Any], cancel: threading.Event | None, done: threading.Event) -> None:
        """Interrupt the connections' running statements when ``cancel`` is set (until ``done``)."""
        if cancel is None:
            return
        while not done.wait(INTERRUPT_POLL_S):
            if cancel.is_set():
                for connection in connections:
                    connection.interrupt()
                return
