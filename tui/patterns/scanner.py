"""A cursor over pattern text, with the token readers the three pattern grammars share.

Positions are indexes into the original (untrimmed) pattern text, so an error's column is `pos + 1`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from tui.patterns.errors import PatternError
from tui.patterns.numbers import NUMBER, to_decimal
from tui.patterns.regex import compile_regex

MAX_REGEXES = 2

# Characters that end an unquoted value or name in bracket and JSON patterns.
_VALUE_STOP = frozenset(',[](){}&|=!<>"%')
_OPERATORS = ("<=", ">=", "!=", "=", "<", ">")


@dataclass(frozen=True)
class Literal:
    """A value written in a pattern.

    kind: "quoted" (text inside double quotes, compared literally), "word" (bare text, `*` globs at
    its ends), "number" (a bare numeric literal) or "regex" (`%...%`).
    """

    kind: str
    text: str
    column: int
    number: Decimal | None = None
    regex: re.Pattern[str] | None = None

    @property
    def display(self) -> str:
        """The value as written (for error messages)."""
        return f'"{self.text}"' if self.kind == "quoted" else self.text


class Scanner:
    """Reads tokens from `text[pos:]`; every reader raises PatternError with the right column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.regexes = 0  # regexes read so far: CloudWatch allows MAX_REGEXES per pattern

    def error(self, message: str, pos: int | None = None) -> PatternError:
        return PatternError(message, (self.pos if pos is None else pos) + 1)

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def describe_next(self) -> str:
        """The next character, quoted, or 'the end of the pattern' (for error messages)."""
        return f"'{self.peek()}'" if not self.at_end() else "the end of the pattern"

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def accept(self, token: str) -> bool:
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.accept(token):
            raise self.error(f"Expected '{token}' but found {self.describe_next()}")

    def read_while(self, keep: Callable[[str], bool]) -> str:
        """The longest run of characters from here for which `keep(char)` is true."""
        start = self.pos
        while self.pos < len(self.text) and keep(self.text[self.pos]):
            self.pos += 1
        return self.text[start : self.pos]

    def read_word(self) -> str:
        """Bare text up to whitespace or a character with a meaning in bracket/JSON patterns."""
        return self.read_while(lambda c: not c.isspace() and c not in _VALUE_STOP)

    def read_quoted(self, quote: str = '"') -> str:
        r"""The text between `quote` characters, starting at the opening one. `\"` and `\\` are escapes."""
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(out)
            if char == "\\" and self.text[self.pos + 1 : self.pos + 2] in (quote, "\\"):
                self.pos += 1
                char = self.text[self.pos]
            out.append(char)
            self.pos += 1
        raise self.error(f"Unterminated quoted string starting {quote}{self.text[start + 1 : start + 21]}", start)

    def read_regex(self) -> re.Pattern[str]:
        """A `%...%` regex, starting at the opening `%`."""
        start = self.pos
        end = self.text.find("%", start + 1)
        if end < 0:
            raise self.error("Unterminated regular expression (missing closing '%')", start)
        self.regexes += 1
        if self.regexes > MAX_REGEXES:
            raise self.error(f"Too many regular expressions: at most {MAX_REGEXES} per pattern", start)
        self.pos = end + 1
        return compile_regex(self.text[start + 1 : end], start + 1)

    def read_operator(self) -> str | None:
        """One of `= != < > <= >=`, or None when no operator is here. `==` and a lone `!` are errors."""
        if self.text.startswith("==", self.pos):
            raise self.error("Invalid operator '==' (use '=')")
        for operator in _OPERATORS:
            if self.accept(operator):
                return operator
        if self.peek() == "!":
            raise self.error("Invalid operator '!' (use '!=')")
        return None

    def read_value(self) -> Literal:
        """The value after an operator: quoted text, `%regex%`, a number or a bare word."""
        self.skip_space()
        start = self.pos
        if self.peek() == '"':
            return Literal("quoted", self.read_quoted(), start + 1)
        if self.peek() == "%":
            regex = self.read_regex()
            return Literal("regex", self.text[start : self.pos], start + 1, regex=regex)
        word = self.read_word()
        if not word:
            raise self.error(f"Expected a value but found {self.describe_next()}")
        if NUMBER.fullmatch(word):
            return Literal("number", word, start + 1, number=to_decimal(word))
        if "*" in word[1:-1]:
            raise self.error(f"Wildcard '*' is only allowed at the start or end of a value: '{word}'", start)
        return Literal("word", word, start + 1)
