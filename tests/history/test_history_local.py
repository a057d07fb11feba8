"""The local engine on real file shapes: the examples replay reads (plain, S3 with a header, gz),
JSON-wrapped and corrupt lines, AWS Parquet deliveries, S3 objects (moto), the Parquet cache
(reused, refreshed, bounded), cancellation and a missing DuckDB."""

from __future__ import annotations

import gzip
import json
import random
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.history.cache import ParquetCache
from tui.history.local import LocalEngine
from tui.history.model import HistoryCancelled, HistoryError, Question, Subject, TimeRange
from tui.sources.clients import make_client

from tests.history.reference import BASE, V5, expected, line, observed, write_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ALWAYS = TimeRange(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2030, 1, 1, tzinfo=timezone.utc))


def engine(locations, tmp_path, **options) -> LocalEngine:
    cache = ParquetCache(tmp_path / "cache", options.pop("cache_bytes", 10**9))
    return LocalEngine([str(location) for location in locations], DEFAULT_FORMAT, cache, workers=1, **options)


def records_of(path: Path) -> list[tuple[FlowFormat, str]]:
    """The records of an example file, read as replay reads them (header line: that layout)."""
    raw = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    fmt, result = DEFAULT_FORMAT, []
    for index, text in enumerate(raw.splitlines()):
        if index == 0 and text.startswith("version"):
            fmt = FlowFormat.from_header(text)
        elif text.strip():
            result.append((fmt, text))
    return result


@pytest.mark.parametrize("subject", ["10.0.3.10", "10.0.0.0/16", "192.0.2.44", "port:3389", "eni-0a1b2c3d4e5f60718"])
def test_the_example_files_answer_as_the_reference(tmp_path, subject):
    files = [EXAMPLES / "flows.log", EXAMPLES / "s3-flows.log", EXAMPLES / "traffic.log.gz"]
    question = Question(Subject.parse(subject), ALWAYS, records_limit=20)
    answer = engine(files, tmp_path).run(question)
    reference = expected(question, [record for path in files for record in records_of(path)])
    assert answer.records_matched > 0
    assert observed(answer) == reference


def test_json_wrapped_and_corrupt_lines(tmp_path):
    """Firehose-style JSON lines are read as their message; a torn line is skipped and counted."""
    rng = random.Random(3)
    records = [line(DEFAULT_FORMAT, rng) for _ in range(30)]
    body = [json.dumps({"message": text}) if i % 2 else text for i, text in enumerate(records)]
    body.insert(10, "2 123 eni-x 10.0.0.1 \x00\x00 torn")
    write_file(tmp_path / "mixed.log", body)
    question = Question(Subject.parse("10.0.0.0/8"), ALWAYS, records_limit=100)
    answer = engine([tmp_path / "mixed.log"], tmp_path).run(question)
    assert observed(answer) == expected(question, [(DEFAULT_FORMAT, text) for text in records])
    assert any("1 lines were no record" in note for note in answer.notes)


def test_a_parquet_delivery_is_read_as_it_is(tmp_path):
    """AWS's Parquet flow logs (columns named as Athena's, no message) answer like the text records."""
    import duckdb

    rng = random.Random(5)
    records = [line(V5, rng) for _ in range(60)]
    text = write_file(tmp_path / "v5.log", records, header=V5)
    casts = ", ".join(
        f"NULLIF(\"{name}\", '-')" + ("" if V5.kind(name) in ("str", "ip") else "::BIGINT")
        + f" AS \"{name.replace('-', '_')}\"" for name in V5.names
    )
    duckdb.sql(
        f"COPY (SELECT {casts} FROM read_csv('{text}', delim=' ', header=true, all_varchar=true)) "
        f"TO '{tmp_path / 'delivery.parquet'}' (FORMAT parquet)"
    )
    question = Question(Subject.parse("eni-00000000000000001"), ALWAYS, records_limit=100)
    answer = engine([tmp_path / "delivery.parquet"], tmp_path).run(question)
    assert observed(answer) == expected(question, [(V5, item) for item in records])


def test_a_repeated_question_reads_only_the_cache_and_a_changed_file_is_read_again(tmp_path):
    rng = random.Random(7)
    path = write_file(tmp_path / "a.log", [line(DEFAULT_FORMAT, rng) for _ in range(20)])
    local = engine([path], tmp_path)
    question = Question(Subject.parse("10.0.0.0/8"), ALWAYS)
    first = local.run(question)
    assert "1 converted to Parquet, 0 from the cache" in first.notes[0]
    again = local.run(question)
    assert "0 converted to Parquet, 1 from the cache" in again.notes[0]
    assert observed(again) == observed(first)
    more = [line(DEFAULT_FORMAT, rng) for _ in range(5)]
    with open(path, "a") as stream:
        stream.write("".join(f"{text}\n" for text in more))
    changed = local.run(question)
    assert "1 converted to Parquet" in changed.notes[0]
    lines = [(DEFAULT_FORMAT, text) for text in path.read_text().splitlines()]
    assert observed(changed) == expected(question, lines)


def test_the_cache_stays_under_its_cap(tmp_path):
    rng = random.Random(9)
    paths = [write_file(tmp_path / f"f{i}.log", [line(DEFAULT_FORMAT, rng) for _ in range(200)]) for i in range(4)]
    question = Question(Subject.parse("10.0.0.1"), ALWAYS)
    one = engine([paths[0]], tmp_path)
    one.run(question)
    entry_size = sum(p.stat().st_size for p in (tmp_path / "cache").rglob("*") if p.is_file())
    cap = int(entry_size * 2.5)
    for path in paths:
        engine([path], tmp_path, cache_bytes=cap).run(question)
        held = sum(p.stat().st_size for p in (tmp_path / "cache").rglob("*") if p.is_file())
        assert held <= cap
    entries = [p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 2
    over = engine(paths, tmp_path, cache_bytes=1).run(question)  # one question bigger than the cap: kept, said
    assert any("over history.cache_size" in note for note in over.notes)
    assert over.records_matched == expected(question, [
        (DEFAULT_FORMAT, text) for path in paths for text in path.read_text().splitlines()
    ])["matched"]


def test_s3_objects_are_fetched_once(aws_endpoint, tmp_path):
    s3 = make_client("s3", "us-east-1", endpoint_url=aws_endpoint)
    s3.create_bucket(Bucket="logs")
    rng = random.Random(11)
    lines = [line(DEFAULT_FORMAT, rng) for _ in range(50)]
    prefix = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2023/11/14/"
    header = " ".join(DEFAULT_FORMAT.names) + "\n"
    for index in range(2):
        part = lines[index * 25:(index + 1) * 25]
        body = gzip.compress((header + "".join(f"{text}\n" for text in part)).encode())
        s3.put_object(Bucket="logs", Key=f"{prefix}flows-{index}.log.gz", Body=body)
    calls = []

    def client():
        calls.append(1)
        return s3

    local = engine(["s3://logs/AWSLogs/"], tmp_path, s3_client=client)
    question = Question(Subject.parse("port:22"), ALWAYS, records_limit=100)
    first = local.run(question)
    assert observed(first) == expected(question, [(DEFAULT_FORMAT, text) for text in lines])
    assert "2 converted" in first.notes[0]
    assert "2 from the cache" in local.run(question).notes[0]
    with pytest.raises(HistoryError, match=r"s3://logs/nothing/: no objects under this prefix"):
        engine(["s3://logs/nothing/"], tmp_path, s3_client=client).run(question)
    with pytest.raises(HistoryError, match="NoSuchBucket"):
        engine(["s3://missing-bucket/"], tmp_path, s3_client=client).run(question)


def test_cancel_before_and_during_conversion(tmp_path):
    rng = random.Random(13)
    paths = [write_file(tmp_path / f"c{i}.log", [line(DEFAULT_FORMAT, rng) for _ in range(10)]) for i in range(3)]
    cancel = threading.Event()
    seen = []

    def progress(answer):
        seen.append(answer.notes)
        if len(seen) == 1:
            cancel.set()  # after the first file is converted

    local = engine(paths, tmp_path)
    with pytest.raises(HistoryCancelled):
        local.run(Question(Subject.parse("10.0.0.1"), ALWAYS), progress, cancel)
    assert len(seen) == 1
    assert not list((tmp_path / "cache").glob(".staging-*"))  # nothing half-built is left


def test_without_duckdb_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    path = write_file(tmp_path / "a.log", [line(DEFAULT_FORMAT, random.Random(1))])
    with pytest.raises(HistoryError, match=r"pip install 'flowtail\[history\]'"):
        engine([path], tmp_path).run(Question(Subject.parse("10.0.0.1"), ALWAYS))


def test_no_files_and_missing_files_are_one_line_errors(tmp_path):
    question = Question(Subject.parse("10.0.0.1"), ALWAYS)
    with pytest.raises(HistoryError, match="no flow-log files to ask: give FILES, or history.files"):
        engine([], tmp_path).run(question)
    with pytest.raises(HistoryError, match="nope.log: no such file or directory"):
        engine([tmp_path / "nope.log"], tmp_path).run(question)


def test_a_format_without_the_subject_fields_says_so(tmp_path):
    fmt = FlowFormat.parse("${version} ${interface-id} ${start} ${action}")
    path = write_file(tmp_path / "narrow.log", [f"2 eni-00000001 {BASE} ACCEPT"], header=fmt)
    with pytest.raises(HistoryError, match="the flow logs have no 'srcaddr' field: cannot answer about an address"):
        engine([path], tmp_path).run(Question(Subject.parse("10.0.0.1"), ALWAYS))
