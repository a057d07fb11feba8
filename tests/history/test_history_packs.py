"""Packed cache entries (tui/history/cache.py): after a question, the entries it read are moved into
one Parquet file; the answers are the same as before and as the reference, for every subject, for a
question over part of a pack, for files of several layouts, after a file changed, and the cache's
cap counts a pack once and removes it with its last entry."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from tui.flowlog import DEFAULT_FORMAT
from tui.history.cache import PACK_PREFIX, ParquetCache
from tui.history.local import LocalEngine
from tui.history.model import Question, Subject, TimeRange

from tests.history.reference import V5, expected, line, observed, write_file

ALWAYS = TimeRange(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2030, 1, 1, tzinfo=timezone.utc))
BIN = 7 * 86400


def files(folder: Path, count: int = 4, seed: int = 5) -> list[tuple[Path, list[tuple]]]:
    """``count`` files, every other one in V5 with its header line, gz and plain; (path, records)."""
    rng = random.Random(seed)
    made = []
    for index in range(count):
        fmt = V5 if index % 2 else DEFAULT_FORMAT
        lines = [line(fmt, rng) for _ in range(120)]
        path = write_file(folder / f"f{index}.log{'.gz' if index % 3 == 0 else ''}", lines,
                          header=fmt if fmt is V5 else None, gz=index % 3 == 0)
        made.append((path, [(fmt, text) for text in lines]))
    return made


def engine(paths, cache_root: Path, cache_bytes: int = 10**9) -> LocalEngine:
    return LocalEngine([str(path) for path in paths], DEFAULT_FORMAT, ParquetCache(cache_root, cache_bytes), workers=1)


def packs(cache_root: Path) -> list[Path]:
    return sorted(path for path in cache_root.iterdir() if path.name.startswith(PACK_PREFIX))


def metas(cache_root: Path) -> list[dict]:
    return [json.loads((path / "meta.json").read_text()) for path in cache_root.iterdir()
            if not path.name.startswith((".", PACK_PREFIX))]


SUBJECTS = ["10.0.0.1", "2001:db8::1", "10.0.0.0/16", "port:443", "eni-00000000000000001"]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_packed_entries_answer_as_before_and_as_the_reference(tmp_path, subject):
    made = files(tmp_path)
    question = Question(Subject.parse(subject), ALWAYS, bin_seconds=BIN, records_limit=500)
    local = engine([path for path, _ in made], tmp_path / "cache")
    first = local.run(question)
    local.fill_cache()  # converts what an address's first answer scanned, then packs everything
    [pack] = packs(tmp_path / "cache")
    assert all("pack" in meta for meta in metas(tmp_path / "cache"))
    # every entry's rows once: an entry listed twice (converted by the answer, then by the filling)
    # was packed twice, and its records counted twice
    rows = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{pack / 'data.parquet'}')").fetchone()
    assert rows == (sum(meta["records"] for meta in metas(tmp_path / "cache")),)
    assert not [path for path in (tmp_path / "cache").rglob("part-*.parquet")]  # the parts went into the pack
    again = local.run(question)
    assert f"0 converted to Parquet, {len(made)} from the cache" in again.notes[0]
    assert local.cache_work == 0  # nothing left to convert or pack
    reference = expected(question, [record for _, records in made for record in records])
    assert observed(again) == observed(first) == reference


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_question_over_some_of_a_packs_files_reads_only_theirs(tmp_path, subject):
    made = files(tmp_path)
    everything = engine([path for path, _ in made], tmp_path / "cache")
    everything.run(Question(Subject.parse("10.0.0.0/8"), ALWAYS, bin_seconds=BIN))  # converts all four
    everything.fill_cache()
    some = made[1:3]
    question = Question(Subject.parse(subject), ALWAYS, bin_seconds=BIN, records_limit=500)
    answer = engine([path for path, _ in some], tmp_path / "cache").run(question)
    assert f"0 converted to Parquet, {len(some)} from the cache" in answer.notes[0]
    assert observed(answer) == expected(question, [record for _, records in some for record in records])


def test_a_changed_file_is_converted_again_beside_its_pack(tmp_path):
    made = files(tmp_path)
    paths = [path for path, _ in made]
    local = engine(paths, tmp_path / "cache")
    question = Question(Subject.parse("10.0.0.0/8"), ALWAYS, bin_seconds=BIN, records_limit=500)
    local.run(question)
    local.fill_cache()
    rng = random.Random(8)
    more = [line(DEFAULT_FORMAT, rng) for _ in range(40)]
    with open(made[2][0], "a") as stream:  # plain, default format
        stream.write("".join(f"{text}\n" for text in more))
    changed = local.run(question)
    assert "1 converted to Parquet, 3 from the cache" in changed.notes[0]
    records = [record for _, records in made for record in records] + [(DEFAULT_FORMAT, text) for text in more]
    assert observed(changed) == expected(question, records)
    assert local.cache_work == 0  # one loose entry: nothing to pack with it


def test_the_cap_counts_a_pack_once_and_removes_it_with_its_last_entry(tmp_path):
    made = files(tmp_path, count=6)
    paths = [path for path, _ in made]
    cache_root = tmp_path / "cache"
    question = Question(Subject.parse("10.0.0.0/8"), ALWAYS, bin_seconds=BIN)
    first = engine(paths[:3], cache_root)
    first.run(question)
    first.fill_cache()
    [old_pack] = packs(cache_root)
    pack_bytes = (old_pack / "data.parquet").stat().st_size
    # Room for one pack and a little: the next question's three files push the first three out.
    second = engine(paths[3:], cache_root, cache_bytes=int(pack_bytes * 1.5))
    second.run(question)
    second.fill_cache()
    [new_pack] = packs(cache_root)
    assert new_pack != old_pack and not old_pack.exists()
    held = sum(path.stat().st_size for path in cache_root.rglob("*") if path.is_file() and ".duckdb" not in str(path))
    assert held <= int(pack_bytes * 1.5) + 4096 * 4  # the pack and the entries' small meta files
    again = engine(paths[3:], cache_root).run(question)
    assert "0 converted to Parquet, 3 from the cache" in again.notes[0]
    assert observed(again) == expected(question, [record for _, records in made[3:] for record in records])


def test_entries_cached_before_a_scanned_answer_are_packed_once(tmp_path):
    """A file already in the cache (loose) and three scanned for an address: the filling converts the
    three and packs all four, each once (the cached one was listed by the answer and by the filling,
    and went into the pack twice: its records counted twice)."""
    made = files(tmp_path)
    paths = [path for path, _ in made]
    cache_root = tmp_path / "cache"
    engine(paths[:1], cache_root).run(Question(Subject.parse("10.0.0.0/8"), ALWAYS, bin_seconds=BIN))
    question = Question(Subject.parse("10.0.0.1"), ALWAYS, bin_seconds=BIN, records_limit=500)
    local = engine(paths, cache_root)
    scanned = local.run(question)
    local.fill_cache()
    [pack] = packs(cache_root)
    rows = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{pack / 'data.parquet'}')").fetchone()
    assert rows == (sum(len(records) for _, records in made),)
    cached = local.run(question)
    assert observed(cached) == observed(scanned) == expected(question, [r for _, records in made for r in records])
