"""Helpers for the configuration tests: write a YAML file, load it, and read back its issues."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tui.config import ConfigError, load_config


def dedent(text: str) -> str:
    """The YAML as written in the test, with line 1 the first line after the opening quotes."""
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def write(tmp_path):
    """write(text, name="cfg.yaml") -> path of a file holding the dedented YAML."""

    def write(text: str, name: str = "cfg.yaml") -> Path:
        path = tmp_path / name
        path.write_text(dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def issues(write, monkeypatch, tmp_path):
    """issues(text) -> the ConfigError issue lines for that YAML, file named 'cfg.yaml' (relative)."""
    monkeypatch.chdir(tmp_path)

    def issues(text: str) -> list[str]:
        write(text)
        with pytest.raises(ConfigError) as raised:
            load_config("cfg.yaml")
        return raised.value.issues

    return issues
