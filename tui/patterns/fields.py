"""How CloudWatch splits a message into fields for space-delimited (bracket) patterns."""

from __future__ import annotations

import re
from typing import Callable

# A field: "quoted text" or [bracketed text] (delimiters stripped), else a run of anything but space/tab.
# An unterminated quote or bracket fails its alternative and falls through to ordinary text.
_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|([^ \t]+)')

# Characters that make `line.split()` differ from split_fields(line): quotes, brackets, and every
# character str.split() treats as whitespace other than space and tab.
_NOT_SIMPLE = re.compile("[\"\\[\x0b\x0c\r\n\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def _is_simple(line: str) -> bool:
    """True when `line.split() == split_fields(line)` is guaranteed (no quotes, brackets or whitespace
    other than space and tab), so callers may split with the much faster str.split().

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
    """CloudWatch's fields: runs of spaces/tabs separate them; "..." and [...] are one field each, unwrapped."""
    return split_fields_with_starts(message)[0]
