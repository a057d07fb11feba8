"""Reading the file: line numbers kept, safe loading only, and one clear line for each unreadable file."""

from __future__ import annotations

import pytest

from tui.config import ConfigError, load_config
from tui.config.loader import read_yaml


def only_issue(path) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert len(raised.value.issues) == 1
    assert str(raised.value) == raised.value.issues[0]
    return raised.value.issues[0]


def test_lines_of_keys_and_items(write):
    document = read_yaml(write("""
        follow:
          lookback: 15m

        rules:
          - name: a
            group_by:
              - srcaddr
              - dstport
    """))
    assert document.line_of("follow") == 1 and document.line_of("rules") == 4
    assert document["follow"].line_of("lookback") == 2
    rule = document["rules"][0]
    assert document["rules"].line_of(0) == 5 and rule.line_of("group_by") == 6
    assert rule["group_by"].item_lines == [7, 8]


def test_duplicate_keys_are_recorded_not_silently_dropped(write):
    document = read_yaml(write("""
        format: default
        rules: []
        format: default
    """))
    assert document.duplicates == [("format", 3, 1)]


def test_merge_keys_may_be_overridden_without_a_duplicate(write):
    document = read_yaml(write("""
        base: &base {threshold: 3, window: 5m}
        rule:
          <<: *base
          window: 1m
    """))
    assert document["rule"] == {"threshold": 3, "window": "1m"}
    assert document["rule"].duplicates == []


def test_python_tags_are_refused(issues):
    """Only the safe loader is used: a config file must never run code."""
    (issue,) = issues("rules: !!python/object/apply:os.system ['true']\n")
    assert issue.startswith("cfg.yaml:1: YAML error: could not determine a constructor for the tag")


def test_syntax_error_names_its_line(issues):
    assert issues("""
        rules:
          - name: a
            pattern: [a
        follow: {}
    """) == ["cfg.yaml:4: YAML error: expected ',' or ']', but got ':' (while parsing a flow sequence on line 3)"]


def test_tab_indentation_is_a_syntax_error_with_its_line(issues):
    (issue,) = issues("rules:\n\t- name: a\n")
    assert issue.startswith("cfg.yaml:2: YAML error: found character '\\t' that cannot start any token")


def test_control_character_is_refused_with_its_line(issues):
    (issue,) = issues("rules: []\nformat: \x07default\n")
    assert issue == "cfg.yaml:2: YAML error: character '\\x07' is not allowed in YAML"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
def test_empty_file(issues, text):
    assert issues(text) == ["cfg.yaml:1: the file is empty; expected keys such as 'sources:' and 'rules:'"]


@pytest.mark.parametrize(
    ("text", "got"),
    [("# a list\n- name: a\n", "a list"), ("just words\n", "the text 'just words'"), ("42\n", "the number 42")],
)
def test_top_level_must_be_a_mapping(issues, text, got):
    line = 2 if text.startswith("#") else 1
    assert issues(text) == [f"cfg.yaml:{line}: the top level must be a mapping of keys such as 'sources:' and 'rules:', not {got}"]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert only_issue(path) == f"{path}: cannot read the file: No such file or directory"


def test_directory(tmp_path):
    assert only_issue(tmp_path) == f"{tmp_path}: cannot read the file: Is a directory"


def test_unreadable_file(write, monkeypatch):
    """Simulated: the tests may run as root, who can read a file with no permissions."""
    from tui.config import loader

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(loader, "open", refuse, raising=False)
    path = write("rules: []\n")
    assert only_issue(path) == f"{path}: cannot read the file: Permission denied"


def test_key_that_is_a_list_is_refused(issues):
    (issue,) = issues("? [a, b]\n: 1\n")
    assert issue.startswith("cfg.yaml:1: YAML error: found a key that is a list or a mapping")


def test_not_utf8_names_the_line_and_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("rules: []\n# caf\xe9\n".encode("latin-1"))
    assert only_issue(path) == f"{path}:2: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffrules: []\n".encode("utf-8"))
    assert load_config(path).rules == ()
