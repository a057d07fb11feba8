"""Space-delimited (bracket) patterns: `[version, account, ..., dstport=22, action=REJECT, status]`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.patterns.base import Pattern
from tui.patterns.compare import RegexCmp, make_cmp
from tui.patterns.fields import SIMPLE_LINE, split_fields_with_starts
from tui.patterns.plan import AllOf, AnyOf, Binding, FieldsMatcher, Rest, compile_plan
from tui.patterns.scanner import Scanner

_NAME = re.compile(r"[A-Za-z0-9_-]+")
# Compiled matchers kept per field count; a flood of odd-length lines cannot grow memory past this.
_MATCHERS_KEPT = 64


@dataclass(frozen=True)
class Entry:
    """One comma-separated entry other than the ellipsis; `name` is None for an empty entry."""

    name: str | None
    condition: AnyOf | None


class BracketPattern(Pattern):
    """Entries bound to fields by position; see `_targets` for the alignment rules."""

    kind = "bracket"

    def __init__(self, text: str, entries: list[Entry], ellipsis: int | None) -> None:
        super().__init__(text)
        self._entries = tuple(entries)
        self._ellipsis = ellipsis  # index in `_entries` before which the `...` stood, or None
        self._matchers: dict[int, FieldsMatcher] = {}
        # Where its fields end depends on whether it holds a regex (fields.separators: the one rule).
        self.has_regex = any(
            isinstance(cmp, RegexCmp)
            for entry in self._entries
            if entry.condition is not None
            for group in entry.condition.all_of
            for cmp in group.cmps
        )

    @property
    def entry_count(self) -> int:
        """The entries that bind a field (the ellipsis not counted)."""
        return len(self._entries)

    @property
    def has_ellipsis(self) -> bool:
        return self._ellipsis is not None

    def _targets(self, nfields: int) -> list[int | Rest] | None:
        """The field each entry binds for a message of `nfields` fields; None if it has too few.

        Without an ellipsis entry i binds field i, and when there are more fields than entries the
        last entry takes the rest of the line. With one, the entries before it bind the first fields
        and those after it the last fields.
        """
        count = len(self._entries)
        if nfields < count:
            return None
        if self._ellipsis is None:
            targets: list[int | Rest] = list(range(count))
            if 0 < count < nfields:
                targets[-1] = Rest(count - 1)
            return targets
        after = count - self._ellipsis
        return [*range(self._ellipsis), *range(nfields - after, nfields)]

    def bind(self, nfields: int) -> tuple[Binding, ...] | None:
        targets = self._targets(nfields)
        if targets is None:
            return None
        return tuple(
            Binding(target, entry.condition)
            for entry, target in zip(self._entries, targets)
            if entry.condition is not None
        )

    def field_positions(self, nfields: int) -> dict[str, int]:
        """Each named entry's field index in a message of ``nfields`` fields (a metric filter's
        ``$name`` refers to it); an entry that takes the rest of the line is left out."""
        targets = self._targets(nfields) or []
        return {entry.name: target for entry, target in zip(self._entries, targets)
                if entry.name is not None and isinstance(target, int)}

    def matches_fields(self, fields: list[str], line: str) -> bool:
        try:
            matcher = self._matchers[len(fields)]
        except KeyError:
            matcher = self._compile(len(fields))
        return matcher(fields, line)

    def _compile(self, nfields: int) -> FieldsMatcher:
        if len(self._matchers) >= _MATCHERS_KEPT:
            del self._matchers[next(iter(self._matchers))]
        matcher = self._matchers[nfields] = compile_plan(self.bind(nfields))
        return matcher

    def matches(self, message: str) -> bool:
        if SIMPLE_LINE(message):
            return self.matches_fields(message.split(), message)
        values, starts = split_fields_with_starts(message, self.has_regex)
        return self.matches_fields(self._absorb(values, starts, message), message)

    def _absorb(self, values: list[str], starts: list[int], message: str) -> list[str]:
        """Fold rest-of-line absorption into the last field.

        `Rest` targets re-split the line with str.split(), which is right only for simple lines; with
        the absorbed text in place, the plan for exactly len(entries) fields (no `Rest`) applies.
        """
        count = len(self._entries)
        if self._ellipsis is None and 0 < count < len(values):
            return [*values[: count - 1], message[starts[count - 1] :]]
        return values

    def extract(self, message: str) -> dict[str, str] | None:
        values, starts = split_fields_with_starts(message, self.has_regex)
        if not self.matches_fields(self._absorb(values, starts, message), message):
            return None
        targets = self._targets(len(values))
        assert targets is not None  # it matched
        bound = {(t.start if isinstance(t, Rest) else t): (entry, t) for entry, t in zip(self._entries, targets)}
        extracted: dict[str, str] = {}
        for index, value in enumerate(values):
            if index in bound:
                entry, target = bound[index]
                key = f"${entry.name}" if entry.name else f"${index + 1}"
                if isinstance(target, Rest):
                    extracted[key] = message[starts[index] :]
                    break
                extracted[key] = value
            elif self._ellipsis is not None:
                extracted[f"${index + 1}"] = value
        return extracted


def parse_bracket(text: str, scanner: Scanner) -> BracketPattern:
    """Parse `[entry, entry, ...]`, the scanner standing on the `[`."""
    scanner.expect("[")
    entries: list[Entry] = []
    ellipsis: int | None = None
    scanner.skip_space()
    if not scanner.accept("]"):
        while True:
            scanner.skip_space()
            start = scanner.pos
            name = scanner.read_word()
            if name == "...":
                if ellipsis is not None:
                    raise scanner.error("Duplicate field '...'", start)
                ellipsis = len(entries)
            elif not name and scanner.peek() in (",", "]"):
                entries.append(Entry(None, None))
            else:
                _check_name(scanner, name, start, entries)
                entries.append(Entry(name, _parse_condition(scanner, name)))
            scanner.skip_space()
            if scanner.accept("]"):
                break
            if not scanner.accept(","):
                raise scanner.error(f"Expected ',' or ']' but found {scanner.describe_next()}")
    scanner.skip_space()
    if not scanner.at_end():
        raise scanner.error(f"Unexpected text after ']': '{scanner.text[scanner.pos:].strip()}'")
    return BracketPattern(text, entries, ellipsis)


def _check_name(scanner: Scanner, name: str, start: int, entries: list[Entry]) -> None:
    if not name:
        raise scanner.error(f"Expected a field name but found {scanner.describe_next()}")
    if not _NAME.fullmatch(name):
        raise scanner.error(f"Invalid field name '{name}' (use letters, digits, '_' and '-')", start)
    if any(entry.name == name for entry in entries):
        raise scanner.error(f"Duplicate field '{name}'", start)


def _parse_condition(scanner: Scanner, name: str) -> AnyOf | None:
    """`OP value` after a field name, then more `&& name OP value` / `|| name OP value`."""
    scanner.skip_space()
    op = scanner.read_operator()
    if op is None:
        return None
    groups = [[make_cmp(op, scanner.read_value())]]
    while True:
        scanner.skip_space()
        if scanner.accept("||"):
            groups.append([])
        elif not scanner.accept("&&"):
            break
        scanner.skip_space()
        start = scanner.pos
        other = scanner.read_word()
        if other != name:
            found = f"'{other}'" if other else scanner.describe_next()
            raise scanner.error(f"Expected field '{name}' after '&&'/'||' but found {found}", start)
        scanner.skip_space()
        op = scanner.read_operator()
        if op is None:
            raise scanner.error(f"Expected an operator after '{name}' but found {scanner.describe_next()}")
        groups[-1].append(make_cmp(op, scanner.read_value()))
    return AnyOf(tuple(AllOf(tuple(group)) for group in groups))
