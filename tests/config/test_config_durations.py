"""parse_duration / format_duration: the spellings accepted, the ones refused, and round trips."""

from __future__ import annotations

import pytest

from tui.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("2d", 172800.0),
        ("500ms", 0.5),
        ("1.5s", 1.5),
        ("1d2h3m4s5ms", 93784.005),
        (" 5m ", 300.0),
        ("0s", 0.0),
        ("300", 300.0),
        (300, 300.0),
        (2.5, 2.5),
        (0, 0.0),
    ],
)
def test_valid_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        ("5x", "'5x' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        ("5m5", "'5m5' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        ("5 m", "'5 m' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        (".5s", "'.5s' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        ("m", "'m' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        ("1e3", "'1e3' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        ("-5s", "'-5s' is negative; a duration is 0 or more (e.g. 45s, 5m, 1h30m)"),
        (-1, "'-1' is negative; a duration is 0 or more (e.g. 45s, 5m, 1h30m)"),
        ("30m1h", "'30m1h' is not a duration: write each unit once, largest first (e.g. 1h30m)"),
        ("1m1m", "'1m1m' is not a duration: write each unit once, largest first (e.g. 1h30m)"),
        (float("inf"), "'inf' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        (float("nan"), "'nan' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        (True, "'True' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        (None, "'None' is not a duration (use e.g. 45s, 5m, 1h30m)"),
    ],
)
def test_invalid_durations(text, message):
    with pytest.raises(ValueError) as raised:
        parse_duration(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(300, "5m"), (5400, "1h30m"), (45, "45s"), (0, "0s"), (0.5, "500ms"), (1.5, "1s500ms"), (86400 + 61, "1d1m1s")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(text) == pytest.approx(seconds)  # what it prints, the config reads back


def test_format_duration_refuses_negative():
    with pytest.raises(ValueError):
        format_duration(-1)


def test_memory_sizes_take_every_documented_unit():
    """Two branches once defined the size table twice in convert.py and the second, lower-case one
    shadowed the first: ``512MiB`` (the example's value) raised KeyError instead of loading."""
    from tui.config.convert import memory_size

    assert memory_size("512MiB") == 512 * 1024**2
    assert memory_size("1.5GB") == 1_500_000_000
    assert memory_size(2_000_000) == 2_000_000
    for bad in ("512KB", 1.5, "lots"):
        with pytest.raises(ValueError):
            memory_size(bad)
