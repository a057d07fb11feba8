"""How CloudWatch splits a message into fields for space-delimited (bracket) patterns."""

from __future__ import annotations

import re
from typing import Callable

# The one rule for where fields end: CloudWatch separates fields at spaces only. A tab is part of a
# field (observed: AWS does not match a tab-separated line that a space-separated one matches).
FIELD_SEPARATOR = " "

# A field: "quoted text" or [bracketed text] (delimiters stripped), else a run of anything but a space.
# An unterminated quote or bracket fails its alternative and falls through to ordinary text.
_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|([^' + FIELD_SEPARATOR + "]+)")

SPLIT_DIFFERS = (
    '"['  # quoted and bracketed fields
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # every other character str.split() splits at
)
"""The characters that make ``line.split()`` differ from :func:`split_fields`: quotes, brackets, and
every character str.split() treats as whitespace other than the space. A line (or a whole batch of
lines) without any of them may be split with the much faster str.split(); the rule engine's kernel
checks its batches against the same characters."""

_NOT_SIMPLE = re.compile("[" + re.escape(SPLIT_DIFFERS) + "]")


def _is_simple(line: str) -> bool:
    """True when `line.split() == split_fields(line)` is guaranteed (no character of SPLIT_DIFFERS),
    so callers may split with the much faster str.split().

    Every whitespace character but the space is unprintable, so a printable line needs only the two
    delimiter checks (twice as fast as the regex, which handles the rest, such as lines with tabs).
    """
    if line.isprintable():
        return '"' not in line and "[" not in line
    return _NOT_SIMPLE.search(line) is None


SIMPLE_LINE: Callable[[str], bool] = _is_simple


def split_fields_with_starts(message: str) -> tuple[list[str], list[int]]:
    """The fields of `message`, and for each the index where it starts (at its opening quote or bracket)."""
    values: list[str] = []
    starts: list[int] = []
    for match in _FIELD.finditer(message):
        values.append(match.group(match.lastindex or 0))
        starts.append(match.start())
    return values, starts


def split_fields(message: str) -> list[str]:
    """CloudWatch's fields: runs of spaces separate them; "..." and [...] are one field each, unwrapped."""
    return split_fields_with_starts(message)[0]
