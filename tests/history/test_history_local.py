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
BIN = 7 * 86400  # thirty years in weeks: under the timeline's 10,000 bins


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
    question = Question(Subject.parse(subject), ALWAYS, bin_seconds=BIN, records_limit=20)
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
    question = Question(Subject.parse("10.0.0.0/8"), ALWAYS, bin_seconds=BIN, records_limit=100)
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
    question = Question(Subject.parse("eni-00000000000000001"), ALWAYS, bin_seconds=BIN, records_limit=100)
    answer = engine([tmp_path / "delivery.parquet"], tmp_path).run(question)
    assert observed(answer) == expected(question, [(V5, item) for item in records])


def test_a_repeated_question_reads_only_the_cache_and_a_changed_file_is_read_again(tmp_path):
    rng = random.Random(7)
    path = write_file(tmp_path / "a.log", [line(DEFAULT_FORMAT, rng) for _ in range(20)])
    local = engine([path], tmp_path)
    question = Question(Subject.parse("10.0.0.0/8"), ALWAYS, bin_seconds=BIN)
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
    # A CIDR: its first answer converts the files (an address's scans them; tests/history/test_history_prefilter.py).
    question = Question(Subject.parse("10.0.0.1/32"), ALWAYS, bin_seconds=BIN)
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
    question = Question(Subject.parse("port:22"), ALWAYS, bin_seconds=BIN, records_limit=100)
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
        local.run(Question(Subject.parse("10.0.0.1"), ALWAYS, bin_seconds=BIN), progress, cancel)
    assert len(seen) == 1
    assert not list((tmp_path / "cache").glob(".staging-*"))  # nothing half-built is left


def test_without_duckdb_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    path = write_file(tmp_path / "a.log", [line(DEFAULT_FORMAT, random.Random(1))])
    with pytest.raises(HistoryError, match=r"pip install 'flowtail\[history\]'"):
        engine([path], tmp_path).run(Question(Subject.parse("10.0.0.1"), ALWAYS, bin_seconds=BIN))


def test_no_files_and_missing_files_are_one_line_errors(tmp_path):
    question = Question(Subject.parse("10.0.0.1"), ALWAYS, bin_seconds=BIN)
    with pytest.raises(HistoryError, match="no flow-log files to ask: give FILES, or history.files"):
        engine([], tmp_path).run(question)
    with pytest.raises(HistoryError, match="nope.log: no such file or directory"):
        engine([tmp_path / "nope.log"], tmp_path).run(question)


def test_a_format_without_the_subject_fields_says_so(tmp_path):
    fmt = FlowFormat.parse("${version} ${interface-id} ${start} ${action}")
    path = write_file(tmp_path / "narrow.log", [f"2 eni-00000001 {BASE} ACCEPT"], header=fmt)
    with pytest.raises(HistoryError, match="the flow logs have no 'srcaddr' field: cannot answer about an address"):
        engine([path], tmp_path).run(Question(Subject.parse("10.0.0.1"), ALWAYS, bin_seconds=BIN))


@pytest.mark.parametrize(("odd", "takes_fast_path"), [
    (None, True),
    ("2 123456789010 eni-00000000000000001 10.0.0.1 10.0.0.2 22 443 6 5 500 1700000100123 1700000160123 ACCEPT OK",
     True),  # epoch milliseconds: typed as seconds on both paths
    ("2 123456789010 eni-00000000000000001 10.0.0.1 10.0.0.2 +22 443 6 5 500 1700000100 1700000160 ACCEPT OK", False),
    ("2 123456789010 eni-00000000000000001 10.0.0.1 10.0.0.2 22 443 6 5 1234567890123456789012 1700000100 1700000160 "
     "ACCEPT OK", False),
    ("2 123456789010 eni-00000000000000001 10.0.0.1  10.0.0.2 22 443 6 5 500 1700000100 1700000160 ACCEPT OK", False),
    ("2 123456789010 eni-00000000000000001 10.0.0.1 10.0.0.2 22 443 6 5 500 1700000100 1700000160 ACCEPT\tOK", False),
])
def test_the_fast_and_the_exact_conversion_agree(tmp_path, odd, takes_fast_path):
    """DuckDB alone (one clean layout) and the line-by-line path give the same rows; a line the fast
    check refuses (a sign, a number too big for 64 bits, two spaces, milliseconds, a tab) sends the
    file down the exact path, where it reads as flowtail reads it, except that a number of more than
    18 digits is absent (NULL), as in Athena's bigint columns."""
    import duckdb

    from tui.history.duck import connect
    from tui.history.ingest import CHECKED, convert_exact, convert_fast

    rng = random.Random(23)
    lines = [line(DEFAULT_FORMAT, rng) for _ in range(40)] + ([odd] if odd else [])
    path = write_file(tmp_path / "f.log", lines, header=DEFAULT_FORMAT)
    connection = connect()
    (tmp_path / "fast").mkdir()
    (tmp_path / "exact").mkdir()
    fast = convert_fast(str(path), DEFAULT_FORMAT, tmp_path / "fast", connection)
    exact = convert_exact(str(path), DEFAULT_FORMAT, tmp_path / "exact", connection)
    assert (fast is not None) == takes_fast_path
    exact_rows = duckdb.sql(f"SELECT * FROM read_parquet('{exact.parts[0]}') ORDER BY message").fetchall()
    if fast is not None:
        fast_rows = duckdb.sql(
            f"SELECT * EXCLUDE ({CHECKED}) FROM read_parquet('{fast.parts[0]}') ORDER BY message").fetchall()
        assert fast_rows == exact_rows and fast.records == exact.records == len(lines)
    assert exact.records == len(lines) and exact.malformed == 0
    typed = {row[0]: row for row in exact_rows}
    from tui.flowlog import parse_record

    for text in lines:
        record = parse_record(DEFAULT_FORMAT, text)
        row = typed[" ".join(text.split())]
        fields = {name: None if isinstance(value, int) and len(str(value)) > 18 else value
                  for name, value in record.to_dict().items()}
        assert dict(zip(DEFAULT_FORMAT.names, row[2:])) == fields


def test_a_directory_is_read_whole_but_hidden_files(tmp_path):
    rng = random.Random(29)
    (tmp_path / "logs" / "2023" / ".snapshots").mkdir(parents=True)
    kept = [line(DEFAULT_FORMAT, rng) for _ in range(20)]
    write_file(tmp_path / "logs" / "a.log", kept[:10])
    write_file(tmp_path / "logs" / "2023" / "b.log.gz", kept[10:], gz=True)
    write_file(tmp_path / "logs" / ".partial.log", [line(DEFAULT_FORMAT, rng)])
    write_file(tmp_path / "logs" / "2023" / ".snapshots" / "c.log", [line(DEFAULT_FORMAT, rng)])
    question = Question(Subject.parse("0.0.0.0/0"), ALWAYS, bin_seconds=BIN, records_limit=100)
    answer = engine([tmp_path / "logs"], tmp_path).run(question)
    assert observed(answer) == expected(question, [(DEFAULT_FORMAT, text) for text in kept])
    assert answer.notes[0].startswith("2 files:")


def test_files_that_need_the_exact_path_are_read_by_worker_processes(tmp_path):
    """Wrapped lines keep two files off DuckDB's one-pass path: two spawned workers read them."""
    rng = random.Random(31)
    records = [line(DEFAULT_FORMAT, rng) for _ in range(40)]
    for index in range(2):
        part = records[index * 20:(index + 1) * 20]
        write_file(tmp_path / f"w{index}.log", [json.dumps({"message": text}) for text in part])
    question = Question(Subject.parse("port:443"), ALWAYS, bin_seconds=BIN, records_limit=100)
    local = engine([tmp_path / "w0.log", tmp_path / "w1.log"], tmp_path)
    local.workers = 2
    answer = local.run(question)
    assert observed(answer) == expected(question, [(DEFAULT_FORMAT, text) for text in records])
    assert "2 converted to Parquet" in answer.notes[0]


def test_the_files_note_counts_in_words(tmp_path):
    path = write_file(tmp_path / "one.log", [line(DEFAULT_FORMAT, random.Random(2)) for _ in range(5)])
    answer = engine([path], tmp_path).run(Question(Subject.parse("10.0.0.0/8"), ALWAYS, bin_seconds=BIN))
    assert answer.notes[0].startswith("1 file: ")  # not "1 files"
