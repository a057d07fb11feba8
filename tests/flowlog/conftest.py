"""Where the shared flow-log spec lives, and the documented examples as test parameters.

The examples are read, never transcribed: from ``<repo>/../shared/spec/`` when it is there, else
from the verbatim copy in ``tests/data/spec/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_SPEC = REPO.parent / "shared" / "spec"
LOCAL_SPEC = REPO / "tests" / "data" / "spec"
EXAMPLES = "flowlog-doc-examples.json"


def _examples_path() -> Path:
    shared = SHARED_SPEC / EXAMPLES
    return shared if shared.is_file() else LOCAL_SPEC / EXAMPLES


def _cases() -> list[dict]:
    return json.loads(_examples_path().read_text(encoding="utf-8"))["cases"]


def _record_lines() -> list[str]:
    lines: list[str] = []
    for case in _cases():
        lines.extend([case["line"]] if "line" in case else case["file_lines"][1:])
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``doc_case``: each documented example; ``doc_record_line``: each documented record line."""
    if "doc_case" in metafunc.fixturenames:
        cases = _cases()
        metafunc.parametrize("doc_case", cases, ids=[case["name"] for case in cases])
    if "doc_record_line" in metafunc.fixturenames:
        lines = _record_lines()
        metafunc.parametrize("doc_record_line", lines, ids=[f"record{i}" for i in range(len(lines))])


@pytest.fixture
def doc_cases() -> list[dict]:
    return _cases()


@pytest.fixture
def example_copies() -> tuple[Path, Path]:
    """(shared file, local copy)."""
    return SHARED_SPEC / EXAMPLES, LOCAL_SPEC / EXAMPLES


@pytest.fixture
def records_spec() -> str:
    """The text of flowlog-records.md (a verbatim copy in tests/data/spec)."""
    return (LOCAL_SPEC / "flowlog-records.md").read_text(encoding="utf-8")
