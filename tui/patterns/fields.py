"""How CloudWatch splits a message into fields for space-delimited (bracket) patterns."""

from __future__ import annotations

import re
from typing import Callable

# The one rule for where fields end. Observed in AWS on the tab-separated line
# 127.0.0.1<TAB>-<TAB>frank<TAB>[10/Oct/2000:13:25:15 -0700]<TAB>"GET /index.html HTTP/1.0"<TAB>404<TAB>1534:
# it matches [ip, identity, user, timestamp, request, status, bytes], [..., status >= 400, bytes > 1000],
# [..., request = *.html*, status = 4*, bytes] and [..., status = 404 || status = 410, bytes], so runs of
# spaces and tabs separate its fields; it does not match [ip = %127\.0\.0\.[1-3]%, identity, ...], which its
# space-separated twin matches, although a search of that regex finds 127.0.0.1 in any field holding it.
# Hence: a pattern that holds a regular expression splits at spaces only (a tab is part of a field, and
# the tab-separated line has too few fields); every other pattern splits at spaces and tabs.
FIELD_SEPARATORS = " \t"
REGEX_FIELD_SEPARATORS = " "


def separators(has_regex: bool) -> str:
    """The characters whose runs separate fields for a bracket pattern (see the rule above)."""
    return REGEX_FIELD_SEPARATORS if has_regex else FIELD_SEPARATORS


def _field_regex(separators: str) -> re.Pattern[str]:
    """A field: "quoted text" or [bracketed text] (delimiters stripped), else a run of anything but a
    separator. An unterminated quote or bracket fails its alternative and falls through to ordinary text."""
    return re.compile(r'"([^"]*)"|\[([^\]]*)\]|([^' + separators + "]+)")


_FIELDS = {chars: _field_regex(chars) for chars in (FIELD_SEPARATORS, REGEX_FIELD_SEPARATORS)}

SPLIT_DIFFERS = (
    '"['  # quoted and bracketed fields
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # every other character str.split() splits at
)
"""The characters that make ``line.split()`` differ from :func:`split_fields` for some pattern: quotes,
brackets, and every character str.split() treats as whitespace other than the space (the tab too: a
pattern holding a regex does not split at it). A line (or a whole batch of lines) without any of them
may be split with the much faster str.split(); the rule engine's kernel checks its batches against the
same characters."""

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


def split_fields_with_starts(message: str, has_regex: bool = False) -> tuple[list[str], list[int]]:
    """The fields of `message` for a pattern with or without a regex, and for each the index where it
    starts (at its opening quote or bracket)."""
    values: list[str] = []
    starts: list[int] = []
    for match in _FIELDS[separators(has_regex)].finditer(message):
        values.append(match.group(match.lastindex or 0))
        starts.append(match.start())
    return values, starts


def split_fields(message: str, has_regex: bool = False) -> list[str]:
    """CloudWatch's fields: runs of spaces and tabs separate them (spaces only for a pattern holding a
    regex); "..." and [...] are one field each, unwrapped."""
    return split_fields_with_starts(message, has_regex)[0]
