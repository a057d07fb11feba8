"""The local engine's answers equal a brute-force Python reference on generated records: every
subject kind, layouts mixed in one file (an S3 header further on switches the layout), gzip and
plain files, NODATA records, IPv6, any time range and bin."""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tui.flowlog import DEFAULT_FORMAT
from tui.history.cache import ParquetCache
from tui.history.local import LocalEngine
from tui.history.model import Question, Subject, TimeRange, from_epoch

from tests.history.reference import BASE, V5, expected, line, observed, write_file

SUBJECTS = [
    "10.0.0.1", "192.0.2.7", "2001:db8::1", "10.0.0.0/24", "10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32",
    "2001:db8:1::/48", "eni-00000000000000001", "eni-00000000000000002", "port:22", "port:50000",
]


@st.composite
def files(draw):
    """(file specs, seed): each file a list of (layout, count) runs, with or without header, gz or not."""
    specs = []
    for _ in range(draw(st.integers(1, 3))):
        runs = draw(st.lists(st.tuples(st.sampled_from([DEFAULT_FORMAT, V5]), st.integers(0, 40)), min_size=1,
                             max_size=3))
        specs.append((runs, draw(st.booleans()), draw(st.booleans())))
    return specs, draw(st.integers(0, 2**32))


def build(directory: Path, specs, seed: int) -> list:
    """Write the files; the (layout, line) of every record written."""
    rng = random.Random(seed)
    records = []
    for index, (runs, with_header, gz) in enumerate(specs):
        lines = []
        for position, (layout, count) in enumerate(runs):
            # An S3 header: this layout from here on (a file not in the default layout starts with one).
            if position > 0 or with_header or layout is not DEFAULT_FORMAT:
                lines.append(" ".join(layout.names))
            run = [line(layout, rng) for _ in range(count)]
            records.extend((layout, text) for text in run)
            lines.extend(run)
        write_file(directory / f"part-{index}.log{'.gz' if gz else ''}", lines, gz=gz)
    return records


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    files(),
    st.sampled_from(SUBJECTS),
    st.integers(0, 3600),
    st.integers(1, 3600),
    st.sampled_from([60, 300, 7]),
    st.sampled_from([0, 3, 50]),
    st.sampled_from([2, 100]),
)
def test_local_engine_matches_the_reference(layout_files, subject, offset, length, bin_s, records, peers):
    specs, seed = layout_files
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        written = build(directory, specs, seed)
        start = from_epoch(BASE + offset)
        question = Question(
            Subject.parse(subject), TimeRange(start, start + timedelta(seconds=length)), bin_s, records, peers
        )
        engine = LocalEngine([str(directory)], DEFAULT_FORMAT, ParquetCache(directory / "cache", 10**9), workers=1)
        # The cache lives inside the directory the engine reads: keep it out of the sources.
        engine.locations = tuple(str(path) for path in sorted(directory.glob("part-*")))
        answer = engine.run(question)
        assert observed(answer) == expected(question, written)
        event(f"records matched: {'none' if answer.records_matched == 0 else 'some'}")
