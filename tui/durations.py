"""Durations as people write them in configs and on the command line: ``45s``, ``5m``, ``1h30m``.

A duration is one or more ``NUMBER UNIT`` parts with units in decreasing order (``d h m s ms``), or a
bare number of seconds (a YAML number, or text such as ``"300"``). Anything else — including a
trailing number without a unit, as in ``5m5`` — is rejected rather than guessed at.
"""

from __future__ import annotations

import math
import re

# Largest unit first: the order a duration must be written in.
_UNITS: dict[str, float] = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_RANK = {unit: rank for rank, unit in enumerate(_UNITS)}
_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"({_NUMBER})(ms|d|h|m|s)")  # "ms" before "m": 500ms is not 500m + junk
_WHOLE = re.compile(rf"(?:{_NUMBER}(?:ms|d|h|m|s))+")
_BARE = re.compile(_NUMBER)


def _not_a_duration(text: object) -> ValueError:
    return ValueError(f"{str(text)!r} is not a duration (use e.g. 45s, 5m, 1h30m)")


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``text``; ValueError with a one-line message when it is not a duration.

    Zero is a valid duration; callers that need a positive one check that themselves.
    """
    if isinstance(text, bool):  # YAML `yes`/`no` arrive as bools, which are ints in Python
        raise _not_a_duration(text)
    if isinstance(text, (int, float)):
        seconds = float(text)
    elif isinstance(text, str):
        seconds = _parse_text(text.strip())
    else:
        raise _not_a_duration(text)
    if math.isnan(seconds) or math.isinf(seconds):
        raise _not_a_duration(text)
    if seconds < 0:
        raise ValueError(f"{str(text)!r} is negative; a duration is 0 or more (e.g. 45s, 5m, 1h30m)")
    return seconds


def _parse_text(text: str) -> float:
    # The sign is parsed only so that "-5m" gets the "negative" message instead of "not a duration".
    sign, body = (-1.0, text[1:]) if text.startswith("-") else (1.0, text)
    if _BARE.fullmatch(body):
        return sign * float(body)
    if not _WHOLE.fullmatch(body):
        raise _not_a_duration(text)
    parts = _PART.findall(body)
    ranks = [_RANK[unit] for _, unit in parts]
    if any(later <= earlier for earlier, later in zip(ranks, ranks[1:])):
        raise ValueError(f"{text!r} is not a duration: write each unit once, largest first (e.g. 1h30m)")
    return sign * sum(float(number) * _UNITS[unit] for number, unit in parts)


def format_duration(seconds: float) -> str:
    """The shortest spelling of ``seconds`` that :func:`parse_duration` reads back: 5400 -> ``1h30m``.

    Rounded to the millisecond; 0 is ``0s``.
    """
    if seconds < 0 or math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"cannot format {seconds!r} as a duration")
    remaining = round(seconds * 1000)
    parts = []
    for unit, size in _UNITS.items():
        count, remaining = divmod(remaining, round(size * 1000))
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def parse_since(text: str, now: float) -> float:
    """Seconds back from ``now`` (epoch s) to where ``--since`` says to start: a duration (``30m``)
    or an ISO-8601 time (``2026-12-02T14:05``, ``2026-12-02 14:05:30Z``, ``...+01:00``; without an
    offset it is UTC, the dashboard's default clock). ValueError (one line) otherwise, or when the
    time is in the future."""
    try:
        return parse_duration(text)
    except ValueError:
        pass
    from datetime import datetime, timezone

    iso = text.strip()
    if iso[-1:] in ("Z", "z"):
        iso = iso[:-1] + "+00:00"  # Python 3.10's fromisoformat does not read the Z suffix
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"{text!r} is neither a duration (30m, 2h) nor an ISO-8601 time (2026-12-02T14:05Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = now - moment.timestamp()
    if seconds < 0:
        raise ValueError(f"{text!r} is in the future")
    return seconds
