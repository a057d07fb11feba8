"""`%regex%` bodies: check them against CloudWatch's regex alphabet and translate them to Python `re`.

CloudWatch accepts a small dialect. Anything outside it is rejected here, at compile time, with the
column of the offending character, rather than being given a Python meaning CloudWatch would not give.
The translation keeps the dialect's meaning under Python's engine:

- `$` becomes `\\Z`: CloudWatch anchors at the true end of the text; Python's `$` would also match
  before a trailing newline.
- `\\d \\w \\s` and their negations are ASCII-only (re.ASCII), as in CloudWatch.
- `.` matches any character except a newline (the usual meaning, which Python shares).
"""

from __future__ import annotations

import re
import warnings

from tui.patterns.errors import PatternError

_LITERALS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_#=@/;,- ")
_OPERATORS = frozenset("^$?[]{}|\\*+.")
_CLASS_ESCAPES = frozenset("dDsSwW")
_HEX = frozenset("0123456789abcdefABCDEF")


def compile_regex(body: str, offset: int) -> re.Pattern[str]:
    """Compile the text between the `%` signs; `offset` is the index of `body[0]` in the pattern text."""
    if not body:
        raise PatternError("Empty regular expression '%%'", offset)  # offset == column of the opening '%'
    translated, origins = _translate(body, offset)
    try:
        with warnings.catch_warnings():
            # Python warns about constructs such as '[[' that it may read differently one day.
            warnings.simplefilter("ignore")
            return re.compile(translated, re.ASCII)
    except re.error as error:
        position = origins[min(error.pos or 0, len(origins) - 1)]
        raise PatternError(f"Invalid regular expression '%{body}%': {error.msg}", position + 1) from None
    except (OverflowError, ValueError) as error:
        raise PatternError(f"Invalid regular expression '%{body}%': {error}", offset) from None  # at the '%'


def _translate(body: str, offset: int) -> tuple[str, list[int]]:
    """Return the Python regex and, for each of its characters, the index in the pattern text it came from."""
    out: list[str] = []
    origins: list[int] = []
    in_class = False
    class_start = 0  # index in `body` just after '[' or '[^': a ']' there is a literal
    i = 0
    while i < len(body):
        char = body[i]
        where = offset + i
        if char == "\\":
            piece = _escape(body, i, offset)
        elif char in "()":
            raise PatternError("Parentheses are not allowed in a regular expression", where + 1)
        elif not char.isascii():
            raise PatternError(f"Non-ASCII character {char!r} in a regular expression (use \\xhh)", where + 1)
        elif char not in _LITERALS and char not in _OPERATORS:
            raise PatternError(f"Invalid character {char!r} in a regular expression", where + 1)
        elif in_class:
            piece = char
            if char == "]" and i != class_start:
                in_class = False
        elif char == "[":
            piece, in_class = char, True
            class_start = i + 2 if body.startswith("^", i + 1) else i + 1
        else:
            piece = "\\Z" if char == "$" else char
        out.append(piece)
        origins.extend([where] * len(piece))
        i += len(piece) if char == "\\" else 1
    return "".join(out), origins


def _escape(body: str, i: int, offset: int) -> str:
    """The escape sequence starting at body[i] (a backslash), validated."""
    following = body[i + 1 : i + 2]
    if following in _CLASS_ESCAPES or (following and following in _OPERATORS):
        return body[i : i + 2]
    if following == "x" and len(body) >= i + 4 and body[i + 2] in _HEX and body[i + 3] in _HEX:
        return body[i : i + 4]
    shown = body[i : i + 4] if following == "x" else body[i : i + 2]
    raise PatternError(f"Invalid escape '{shown}' in a regular expression", offset + i + 1)
