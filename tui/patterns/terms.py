"""Term patterns: `ERROR -DEBUG "disk full" %time.?out%`, `?ERROR ?FATAL`."""

from __future__ import annotations

from typing import Callable

from tui.patterns.base import Pattern
from tui.patterns.scanner import Scanner

Finder = Callable[[str], object]  # truthy when the term occurs in the message

# Characters a bare word may not contain: `*` is not a wildcard, and `"`/`%` only open a term.
_FORBIDDEN_IN_WORD = frozenset('*"%')


class TermPattern(Pattern):
    """Case-sensitive substring (or regex) search, with the `-term` and `?term` rules."""

    kind = "term"

    def __init__(self, text: str, required: list[Finder], excluded: list[Finder], optional: list[Finder]) -> None:
        super().__init__(text)
        # `?` terms count only when every term is one (then any of them suffices); otherwise ignored.
        self._any_of = tuple(optional) if not required and not excluded else None
        self._required = tuple(required)
        self._excluded = tuple(excluded)

    def matches(self, message: str) -> bool:
        if self._any_of is not None:
            return any(find(message) for find in self._any_of)
        return all(find(message) for find in self._required) and not any(find(message) for find in self._excluded)


def _substring(term: str) -> Finder:
    return lambda message: term in message


def parse_terms(text: str, scanner: Scanner) -> TermPattern:
    """Parse whitespace-separated terms, each optionally prefixed by `-` (exclude) or `?` (any of)."""
    groups: dict[str, list[Finder]] = {"": [], "-": [], "?": []}
    while True:
        scanner.skip_space()
        if scanner.at_end():
            break
        prefix = scanner.peek() if scanner.peek() in ("-", "?") else ""
        scanner.pos += len(prefix)
        groups[prefix].append(_read_term(scanner, prefix))
    return TermPattern(text, groups[""], groups["-"], groups["?"])


def _read_term(scanner: Scanner, prefix: str) -> Finder:
    start = scanner.pos
    if scanner.at_end() or scanner.peek().isspace():
        raise scanner.error(f"Expected a term after '{prefix}'")
    if scanner.peek() == '"':
        finder = _substring(scanner.read_quoted())
    elif scanner.peek() == "%":
        finder = scanner.read_regex().search
    else:
        word = scanner.read_while(lambda c: not c.isspace())
        if _FORBIDDEN_IN_WORD.intersection(word):
            raise scanner.error(f"Invalid character(s) in term '{word}'", start)
        return _substring(word)
    if not scanner.at_end() and not scanner.peek().isspace():
        raise scanner.error(f"Expected a space after the term but found {scanner.describe_next()}")
    return finder
