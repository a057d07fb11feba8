"""Every example AWS documents (filter-pattern-doc-examples.json) gives the documented result."""

from __future__ import annotations

import json

import pytest
from spec_paths import LOCAL_SPEC, SHARED_SPEC, spec_file

from tui.patterns import compile_pattern

EXAMPLES_NAME = "filter-pattern-doc-examples.json"
EXAMPLES = json.loads(spec_file(EXAMPLES_NAME).read_text(encoding="utf-8"))


def _example_id(example: dict) -> str:
    verdict = "match" if example["match"] else "no-match"
    return f"{example['pattern'][:60]} | {example['message'][:40]} -> {verdict}"


def test_examples_are_loaded():
    assert len(EXAMPLES) >= 90


@pytest.mark.parametrize("example", EXAMPLES, ids=[_example_id(e) for e in EXAMPLES])
def test_documented_example(example):
    pattern = compile_pattern(example["pattern"])
    assert pattern.matches(example["message"]) is example["match"]
    extracted = pattern.extract(example["message"])
    assert (extracted is not None) is example["match"]
    if "extract" in example:
        assert extracted is not None
        assert example["extract"].items() <= extracted.items()


@pytest.mark.skipif(not (SHARED_SPEC / EXAMPLES_NAME).exists(), reason="no ../shared/spec beside this clone")
def test_local_copy_is_identical_to_shared_spec():
    assert (LOCAL_SPEC / EXAMPLES_NAME).read_bytes() == (SHARED_SPEC / EXAMPLES_NAME).read_bytes()
