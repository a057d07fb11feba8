"""Byte-range chunks of plain files (what parallel replay hands its workers) equal the chunks
read_chunks yields: same boundaries, same text, same S3 header handling."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.errors import FlowtailError
from tui.sources.files import is_plain_file, read_chunks, read_spans

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
RECORD = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 4000 80 6 1 40 1700000000 1700000060 ACCEPT OK"

pieces = st.sampled_from([RECORD, HEADER, "", "short", "x" * 70, "caf\u00e9 \u2028", "a\r", "\u00ff" * 3])


@st.composite
def files(draw):
    lines = draw(st.lists(pieces, max_size=30))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += "\n"
    return text.encode("utf-8") + draw(st.sampled_from([b"", b"\xff\xfe broken utf-8", b"\n\xc3"]))


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=files(), chunk_bytes=st.integers(1, 200))
def test_spans_are_the_chunks_read_chunks_yields(tmp_path, data, chunk_bytes):
    path = tmp_path / "flows.log"
    path.write_bytes(data)
    assert outcome(read_spans, str(path), chunk_bytes) == outcome(read_chunks, str(path), chunk_bytes)


def outcome(read, path, chunk_bytes):
    """The (text, format) of every chunk, or the error that refused the file."""
    try:
        return [(chunk.text, chunk.fmt) for chunk in read(path, chunk_bytes)]
    except FlowtailError as error:
        return str(error)


@pytest.mark.parametrize("read", [read_spans, read_chunks])
def test_a_corrupt_line_inside_text_becomes_a_marked_line_and_the_rest_is_read(tmp_path, read):
    path = tmp_path / "flows.log"
    path.write_bytes(f"{RECORD}\n".encode() * 3 + b"\x00\x01bin\xffary\n" + f"{RECORD}\n".encode())
    text = "".join(chunk.text for chunk in read(str(path), 40))
    assert text == f"{RECORD}\n" * 3 + "\ufffd\x01bin\ufffdary\n" + f"{RECORD}\n"


@pytest.mark.parametrize("read", [read_spans, read_chunks])
@pytest.mark.parametrize(
    "start",
    [b"\x00\x01binary\n", b"\x89PNG\r\n\x1a\n", b"\x7fELF\x02\x01\x01\x00", b"\xff\xfe" + "2 1".encode("utf-16-le")],
)
def test_a_file_binary_from_its_start_is_refused(tmp_path, read, start):
    path = tmp_path / "flows.log"
    path.write_bytes(start + f"{RECORD}\n".encode() * 3)
    with pytest.raises(FlowtailError, match="binary data, not a flow-log text file"):
        list(read(str(path), 40))


def test_only_regular_uncompressed_files_are_read_in_spans(tmp_path):
    plain, packed = tmp_path / "a.log", tmp_path / "b.log.gz"
    plain.write_text(RECORD + "\n")
    packed.write_bytes(gzip.compress(b"x\n"))
    assert is_plain_file(str(plain))
    assert not is_plain_file(str(packed)) and not is_plain_file(str(tmp_path)) and not is_plain_file("-")
    assert not is_plain_file(str(tmp_path / "missing.log"))


def test_a_file_that_grows_during_the_replay_is_read_to_its_new_end(tmp_path):
    path = tmp_path / "flows.log"
    path.write_text(f"{RECORD}\n" * 3)
    spans = read_spans(str(path), 40)
    texts = [next(spans).text]
    with open(path, "a") as stream:
        stream.write(f"{RECORD}\n" * 2)
    texts += [span.text for span in spans]
    assert "".join(texts) == f"{RECORD}\n" * 5
