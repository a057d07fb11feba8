"""`flowtail check` refuses display.keys that put two actions on one key or take a built-in key, and
names both sides."""

from __future__ import annotations

import pytest

from tui.cli import main


def check(tmp_path, capsys, keys: str) -> tuple[int, str]:
    path = tmp_path / "c.yaml"
    path.write_text(f"display:\n  keys:\n{keys}")
    code = main(["check", "-c", str(path)])
    return code, capsys.readouterr().err


def test_two_actions_on_one_key_are_refused_naming_both(tmp_path, capsys):
    # the example: q would open the filter and h pause, so only ctrl+q could quit
    code, err = check(tmp_path, capsys, "    filter: q\n    pause: h\n")
    assert code == 2
    assert "c.yaml:3: display.keys.filter: 'q' is also the key of quit on the dashboard" in err
    assert "c.yaml:4: display.keys.pause: 'h' is also the key of history on the dashboard" in err


def test_two_remapped_actions_on_one_key_are_both_named(tmp_path, capsys):
    code, err = check(tmp_path, capsys, "    ack: x\n    history: x\n")
    assert code == 2
    assert "display.keys.ack: 'x' is also the key of history" in err
    assert "display.keys.history: 'x' is also the key of ack" in err


@pytest.mark.parametrize(("key", "what"), [
    ("ctrl+p", "the command palette"), ("tab", "the next panel"), ("ctrl+c", "quit"),
])
def test_a_built_in_key_is_refused(tmp_path, capsys, key, what):
    code, err = check(tmp_path, capsys, f"    pause: {key}\n")
    assert code == 2
    assert f"display.keys.pause: '{key}' is a built-in key ({what})" in err


def test_keys_only_clash_on_the_same_screen(tmp_path, capsys):
    # a on the history view acknowledges the selected alarm; s (snooze) exists only there, so the
    # dashboard's pause may take s; and moving quit off q frees q for the filter
    code, err = check(tmp_path, capsys, "    pause: s\n    quit: x\n    filter: q\n")
    assert code == 0, err


def test_aliases_are_the_keys_textual_names(tmp_path, capsys):
    code, err = check(tmp_path, capsys, "    pause: '?'\n")
    assert code == 2
    assert "is also the key of help" in err
