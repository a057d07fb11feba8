"""The local engine's first answer about an address or an ENI scans the files not yet in the cache
for the subject's text and parses only those lines (tui.history.prefilter): its answer must be the
one the converted files give, whatever the files hold."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from tui.errors import FlowtailError
from tui.flowlog import DEFAULT_FORMAT
from tui.history.cache import ParquetCache
from tui.history.local import LocalEngine
from tui.history.model import Question, Subject

from tests.history.reference import ENIS, V5, line, observed, write_file
from tests.history.test_history_local import ALWAYS, BIN


def _prefixed(text: str) -> str:
    """A record with 10.0.0.2 made 10.0.0.15: 10.0.0.1 is a prefix of it (a false candidate)."""
    return text.replace("10.0.0.2 ", "10.0.0.15 ")


def _files(directory: Path) -> list[Path]:
    rng = random.Random(23)
    default = [_prefixed(line(DEFAULT_FORMAT, rng)) for _ in range(150)]
    v5 = [_prefixed(line(V5, rng)) for _ in range(150)]
    # gz, a header line, then another layout's header line further on (the layout switches there)
    mixed = write_file(directory / "mixed.log.gz", [*v5[:80], " ".join(DEFAULT_FORMAT.names), *default[:70]],
                       header=V5, gz=True)
    torn = [*default[70:]]
    torn.insert(5, "2 123 eni-x 10.0.0.1 \x00\x00 torn")  # a torn line holding the subject's text
    torn.insert(9, "10.0.0.1 is no record")
    torn.insert(12, json.dumps({"message": default[75]}))  # JSON-wrapped
    torn.insert(15, '{"message": "' + default[76].replace("10.0.0.1 ", "10.0.0.\\u0031 ") + '"}')  # escaped text
    torn.insert(20, "")
    plain = write_file(directory / "torn.log", torn)
    first = write_file(directory / "first.log", v5[80:120])  # no header: the default layout, records malformed
    crlf = directory / "crlf.log"  # scanned as bytes: the exact reader judges the CRs, as in a conversion
    crlf.write_bytes("".join(f"{text}\r\n" for text in default[:40]).encode())
    bad = directory / "bad-utf8.log"
    bad.write_bytes("".join(f"{text}\n" for text in default[40:60]).encode() + b"10.0.0.1 \xff\xfe torn\n")
    headed = write_file(directory / "headed.log", v5[120:], header=V5)
    return [mixed, plain, first, crlf, bad, headed]


@pytest.mark.parametrize("subject", ["10.0.0.1", "10.0.0.15", "2001:db8::1", "eni-0a1b2c3d4e5f60718"])
def test_the_scanned_answer_is_the_converted_one(tmp_path, subject):
    files = _files(tmp_path)
    if subject.startswith("eni-"):
        subject = ENIS[0]
    local = LocalEngine([str(path) for path in files], DEFAULT_FORMAT, ParquetCache(tmp_path / "cache", 10**9),
                        workers=2)
    question = Question(Subject.parse(subject), ALWAYS, bin_seconds=BIN, records_limit=1000)
    scanned = local.run(question)
    assert local.uncached == len(files)  # every one scanned, the CRLF and the non-UTF-8 files too
    assert any("not yet in the cache" in note for note in scanned.notes)
    assert not any("were no record" in note for note in scanned.notes)  # not known for the scanned files
    assert local.fill_cache() == len(files) and local.uncached == 0
    cached = local.run(question)
    assert f"0 converted to Parquet, {len(files)} from the cache" in cached.notes[0]
    assert cached.records_matched > 0
    assert observed(scanned) == observed(cached)
    # the cache's answer is the converted files' own: a CIDR of one address converts them in a new cache
    converted = LocalEngine([str(path) for path in files], DEFAULT_FORMAT, ParquetCache(tmp_path / "other", 10**9),
                            workers=1).run(Question(Subject.parse(f"{subject}/{128 if ':' in subject else 32}"),
                                                    ALWAYS, bin_seconds=BIN, records_limit=1000)) \
        if not subject.startswith("eni-") else cached
    assert observed(converted) == observed(cached)


def test_prefix_records_are_in_the_data(tmp_path):
    """The false candidates above exist: 10.0.0.15 records, which the exact parse must reject for 10.0.0.1."""
    text = gzip.decompress((_files(tmp_path)[0]).read_bytes()).decode()
    assert " 10.0.0.15 " in text and " 10.0.0.1 " in text


def test_a_cidr_and_a_port_convert_the_files_first(tmp_path):
    path = write_file(tmp_path / "a.log", [line(DEFAULT_FORMAT, random.Random(2)) for _ in range(30)])
    local = LocalEngine([str(path)], DEFAULT_FORMAT, ParquetCache(tmp_path / "cache", 10**9), workers=1)
    for subject in ("10.0.0.0/8", "port:22"):
        answer = local.run(Question(Subject.parse(subject), ALWAYS, bin_seconds=BIN))
        assert local.uncached == 0 and not any("not yet in the cache" in note for note in answer.notes)


def test_the_app_caches_through_history_access_after_the_answer(tmp_path):
    """tui.run.history.HistoryAccess.fill_cache: what the History screen's worker calls after the
    answer; a cancelled one leaves the files uncached, a failure is kept as a note."""
    import threading

    from tui.history.model import HistoryError
    from tui.run.history import HistoryAccess

    path = write_file(tmp_path / "a.log", [line(DEFAULT_FORMAT, random.Random(4)) for _ in range(30)])
    local = LocalEngine([str(path)], DEFAULT_FORMAT, ParquetCache(tmp_path / "cache", 10**9), workers=1)
    access = HistoryAccess({"local": lambda: local})
    question = Question(Subject.parse("10.0.0.1"), ALWAYS, bin_seconds=BIN)
    first = access.run("local", question)
    cancelled = threading.Event()
    cancelled.set()
    access.fill_cache("local", cancelled)
    assert local.uncached == 1 and not list((tmp_path / "cache").rglob("meta.json"))
    access.fill_cache("local")
    assert local.uncached == 0
    again = access.run("local", question)
    assert "1 from the cache" in again.notes[0] and observed(again) == observed(first)

    class Failing:
        name = "local"

        def fill_cache(self, cancel=None):
            raise HistoryError("disk full")

    failing = HistoryAccess({"local": Failing})  # type: ignore[dict-item]
    failing.fill_cache("local")
    assert failing.notes == ("History cache: disk full",)


@pytest.mark.parametrize("ends", [
    pytest.param(["\r\n"] * 30, id="every-line-crlf"),  # DuckDB reads nothing at all, without an error
    pytest.param(["\n"] + ["\r\n"] * 29, id="crlf-after-the-first"),
    pytest.param(["\n"] * 20 + ["\r\n"] + ["\n"] * 9, id="one-crlf-further-on"),
    pytest.param(["\n"] * 29 + ["\r"], id="a-cr-at-the-end"),
])
def test_carriage_returns_anywhere_read_as_the_converted_file_reads_them(tmp_path, ends):
    """A file with CRs, wherever they are, is scanned as its bytes are (DuckDB's line reader, once
    the scanner, read a file whose first line ended in CRLF as nothing at all): its answer is the
    converted file's, as replay reads it."""
    rng = random.Random(31)
    path = tmp_path / "cr.log"
    path.write_bytes("".join(f"{line(DEFAULT_FORMAT, rng)}{end}" for end in ends).encode())
    scanned, converted, uncached = _scanned_and_converted([path], tmp_path)
    assert uncached == 1  # scanned
    assert scanned == converted


def _scanned_and_converted(paths: list[Path], tmp_path: Path, subject: str = "10.0.0.1") -> tuple[dict, dict, int]:
    question = Question(Subject.parse(subject), ALWAYS, bin_seconds=BIN, records_limit=1000)
    local = LocalEngine([str(path) for path in paths], DEFAULT_FORMAT, ParquetCache(tmp_path / "scan", 10**9),
                        workers=2)
    scanned = local.run(question)
    wide = f"{subject}/{128 if ':' in subject else 32}"
    converted = LocalEngine([str(path) for path in paths], DEFAULT_FORMAT, ParquetCache(tmp_path / "conv", 10**9),
                            workers=1).run(Question(Subject.parse(wide), ALWAYS, bin_seconds=BIN, records_limit=1000))
    return observed(scanned), observed(converted), local.uncached


@pytest.mark.parametrize(("out_bytes", "in_bytes"), [(7, 5), (64, 3), (4096, 100), (1 << 20, 1 << 16)])
@pytest.mark.parametrize("inflate", ["isal", "zlib"])
def test_any_block_sizes_and_either_inflater_give_the_converted_answer(tmp_path, monkeypatch, out_bytes, in_bytes,
                                                                      inflate):
    """Lines, candidates and gzip members cut across every block boundary: the same answer."""
    import zlib

    from tui.history import prefilter

    monkeypatch.setattr(prefilter, "INFLATE_OUT", out_bytes)
    monkeypatch.setattr(prefilter, "READ_IN", in_bytes)
    if inflate == "zlib":
        monkeypatch.setattr(prefilter, "_inflate", lambda: zlib)
    files = _files(tmp_path)
    members = tmp_path / "members.log.gz"  # cat a.gz b.gz: two gzip members in one file
    members.write_bytes(gzip.compress(files[1].read_bytes()) + gzip.compress(files[5].read_bytes()))
    scanned, converted, uncached = _scanned_and_converted([*files, members], tmp_path)
    assert uncached == len(files) + 1
    assert scanned == converted and converted["matched"] > 0


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_gzip_is_converted_whole_and_says_so(tmp_path, damage):
    data = gzip.compress("".join(f"{line(DEFAULT_FORMAT, random.Random(4))}\n" for _ in range(200)).encode())
    path = tmp_path / "damaged.log.gz"
    path.write_bytes(data[: len(data) // 2] if damage == "truncated" else data[:20] + b"\x00" * 40 + data[60:])
    question = Question(Subject.parse("10.0.0.1"), ALWAYS, bin_seconds=BIN)
    with pytest.raises(FlowtailError, match="damaged.log.gz"):
        LocalEngine([str(path)], DEFAULT_FORMAT, ParquetCache(tmp_path / "cache", 10**9), workers=1).run(question)


def _sigint_disposition(_: int) -> object:
    import signal

    return signal.getsignal(signal.SIGINT)


def test_the_scanning_processes_leave_ctrl_c_to_the_command(tmp_path):
    """Ctrl-C reaches every process of the terminal's group: a pool process that took it would print
    a KeyboardInterrupt traceback under the command's one line."""
    import signal

    local = LocalEngine([], DEFAULT_FORMAT, ParquetCache(tmp_path / "cache", 10**9), workers=2)
    results = dict(local._in_processes(_sigint_disposition, {index: (index,) for index in range(2)}, None))
    assert set(results.values()) == {signal.SIG_IGN}
