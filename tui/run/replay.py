"""Replaying flow-log files through the engine, headless: alert transitions (and optionally every
record) as JSON lines, then a summary."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator, Sequence, TextIO

from tui.engine.engine import engine_from_config
from tui.engine.kernel import split_lines
from tui.engine.parallel import default_workers, process_chunks
from tui.flowlog import FlowFormat, parse_record
from tui.sinks.jsonl import JsonLines
from tui.sources.files import CHUNK_BYTES, Chunk, FileSpan, is_plain_file, read_chunks, read_spans
from tui.words import counted


class Replay:
    """One replay run over a list of files, in order, with one engine."""

    def __init__(
        self, config: Any, *, workers: int | None = None, records: bool = False, top: int = 0, out: TextIO,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        """``top``: how many of the heaviest keys of each top-N table the summary lists; with 0 the
        tables are not even counted (a quarter of the kernel's work per record). ``chunk_bytes``:
        how much of a file one chunk (one kernel call) holds, at most."""
        self.config = config
        self.top = top
        self.engine = engine_from_config(config, recent_rows=0, top_tables=top > 0)
        self.workers = default_workers() if workers is None else max(1, workers)
        self.records = records
        self.chunk_bytes = chunk_bytes
        self.sink = JsonLines(out)
        self.files = 0
        self.alert_count = 0
        self.alarms_per_rule: Counter[str] = Counter()

    def run(self, paths: Sequence[str]) -> None:
        engine = self.engine
        workers = 1 if self.records else self.workers
        chunks = process_chunks(self._chunks(paths), engine.kernel, workers)
        for fmt, chunk, batch in chunks:
            engine.use_format(fmt)
            if self.records:
                self._print_records(fmt, chunk)
            # Lazily: a FileSpan reads its file only if apply() needs the text.
            lines, text = (lambda c=chunk: split_lines(c.text)), (lambda c=chunk: c.text)
            for alert in engine.apply(batch, lines, None, text):
                self.alert_count += 1
                if alert.state == "ALARM":
                    self.alarms_per_rule[alert.rule] += 1
                self.sink.write(alert.to_json())

    def _chunks(self, paths: Sequence[str]) -> Iterator[tuple[FlowFormat | None, Chunk | FileSpan]]:
        """Each file's chunks: the first with the file's layout (its header's, else the configured
        one), the others with None (they go on in the layout the chunk before them ended in)."""
        for path in paths:
            self.files += 1
            first = True
            # A plain file goes as byte ranges: the workers read them, the parent reads only the
            # chunks where an alarm needs sample lines.
            size = self.chunk_bytes
            for chunk in read_spans(path, size) if is_plain_file(path) else read_chunks(path, size):
                yield (chunk.fmt or self.config.format) if first else None, chunk
                first = False

    def _print_records(self, fmt: FlowFormat, chunk: Chunk | FileSpan) -> None:
        write = self.sink.write
        for line in split_lines(chunk.text):
            record = parse_record(fmt, line)
            if record is None:
                continue
            start = record.event_time
            write({
                "type": "record", "eventId": None, "logGroup": None, "logStream": None,
                "timestamp": None if start is None else start * 1000, "ingestionTime": None,
                "message": line, "fields": record.to_dict(),
            })

    def print_summary(self, stream: TextIO, seconds: float) -> None:
        snapshot = self.engine.snapshot(minutes=1, top_n=self.top)
        totals = snapshot.stats.totals
        stream.write(
            f"flowtail: {counted(snapshot.records, 'record')} from {counted(self.files, 'file')}, "
            f"{snapshot.malformed:,} malformed, {counted(self.alert_count, 'alert transition')}, {seconds:.2f} s\n"
        )
        if not self.engine.rule_defs:
            stream.write("  no rules loaded (no -c CONFIG, or a config without rules): records were counted only\n")
        for sample in snapshot.malformed_samples[:3]:
            stream.write(f"  malformed: {sample[:120]!r}\n")
        first_rule_column = len(totals) - len(self.engine.rule_defs)
        for index, rule in enumerate(self.engine.rule_defs):
            status = snapshot.rules[index]
            dropped = "".join(
                f", {count:,} {what}" for count, what in (
                    (status.late_buckets, "too late (older than max_delay), dropped"),
                    (status.evicted_groups, f"groups evicted ({status.evicted_by})"),
                ) if count
            )
            stream.write(
                f"  {rule.name}: {counted(totals[first_rule_column + index], 'match', 'matches')}, "
                f"{counted(self.alarms_per_rule[rule.name], 'alarm')}, {status.alarming} alarming now{dropped}\n"
            )
        if self.top:
            for heading, tables in (("records", snapshot.stats.top_records), ("bytes", snapshot.stats.top_bytes)):
                for dimension, ranked in tables.items():
                    keys = ", ".join(f"{_printable(key)} ({weight:,})" for key, weight in ranked) or "none"
                    stream.write(f"  top {dimension} by {heading}: {keys}\n")
        stream.flush()


def _printable(text: str) -> str:
    """Log text as is when printable, else quoted with its control characters escaped."""
    return text if text.isprintable() else repr(text)
