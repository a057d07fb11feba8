"""JSON patterns: `{ $.user.id = 1 && ($.action = "GET" || $.latency > 100) }`."""

from __future__ import annotations

import json
import operator
from decimal import Decimal
from typing import Callable, TypeGuard

from tui.patterns.base import Pattern
from tui.patterns.compare import make_cmp
from tui.patterns.errors import PatternError
from tui.patterns.numbers import to_decimal
from tui.patterns.scanner import Literal, Scanner

Test = Callable[[object], bool]  # on a whole document
ValueTest = Callable[[object], bool]  # on one selected value
Step = str | int | None  # object key, array index, or None for a wildcard

MAX_WILDCARDS = 3
# Parentheses deeper than this are refused (the parser recurses once per level).
MAX_NESTING = 64

_ORDERING = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-@")


class JsonPattern(Pattern):
    kind = "json"

    def __init__(self, text: str, test: Test) -> None:
        super().__init__(text)
        self._test = test

    def matches(self, message: str) -> bool:
        document = _load_object(message)
        return document is not None and self._test(document)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


class JsonNumber(Decimal):
    """A JSON number: its exact value (ordering and numeric equality use it) and its ``text`` as
    written in the message, which is what a quoted pattern value is compared with."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> JsonNumber:
        number = super().__new__(cls, to_decimal(text))
        number.text = text
        return number


def _load_object(message: str) -> dict | None:
    """The message as a JSON object, or None (not JSON, not an object, too deep, NaN...)."""
    if not message.lstrip().startswith("{"):
        return None
    try:
        document = json.loads(message, parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _select(document: object, steps: tuple[Step, ...]) -> list[object]:
    """The values a selector reaches; a wildcard step fans out over array elements or object values."""
    values = [document]
    for step in steps:
        reached: list[object] = []
        for value in values:
            if step is None:
                if isinstance(value, dict):
                    reached.extend(value.values())
                elif isinstance(value, list):
                    reached.extend(value)
            elif isinstance(step, int):
                if isinstance(value, list) and step < len(value):
                    reached.append(value[step])
            elif isinstance(value, dict) and step in value:
                reached.append(value[step])
        values = reached
    return values


class _Parser:
    """Recursive descent over `{ or }`: or := and ('||' and)*, and := primary ('&&' primary)*."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.wildcards = 0

    def parse(self) -> Test:
        scanner = self.scanner
        scanner.expect("{")
        test = self.parse_or(0)
        scanner.skip_space()
        if scanner.at_end():
            raise scanner.error("Missing '}' at the end of the JSON pattern")
        scanner.expect("}")
        scanner.skip_space()
        if not scanner.at_end():
            raise scanner.error(f"Unexpected text after '}}': '{scanner.text[scanner.pos:].strip()}'")
        return test

    def parse_or(self, depth: int) -> Test:
        tests = [self.parse_and(depth)]
        while self._joiner("||"):
            tests.append(self.parse_and(depth))
        return tests[0] if len(tests) == 1 else (lambda doc: any(test(doc) for test in tests))

    def parse_and(self, depth: int) -> Test:
        tests = [self.parse_primary(depth)]
        while self._joiner("&&"):
            tests.append(self.parse_primary(depth))
        return tests[0] if len(tests) == 1 else (lambda doc: all(test(doc) for test in tests))

    def _joiner(self, token: str) -> bool:
        scanner = self.scanner
        scanner.skip_space()
        start = scanner.pos
        word = scanner.read_while(str.isalpha)
        if word.upper() in ("AND", "OR"):
            raise scanner.error(f"Use '{'&&' if word.upper() == 'AND' else '||'}' instead of '{word}'", start)
        scanner.pos = start
        return scanner.accept(token)

    def parse_primary(self, depth: int) -> Test:
        scanner = self.scanner
        scanner.skip_space()
        if scanner.peek() == "(":
            if depth >= MAX_NESTING:
                raise scanner.error(f"Parentheses nested deeper than {MAX_NESTING} levels")
            scanner.pos += 1
            test = self.parse_or(depth + 1)
            scanner.skip_space()
            scanner.expect(")")
            return test
        if scanner.peek() != "$":
            raise scanner.error(f"Expected a selector such as '$.field' or '(' but found {scanner.describe_next()}")
        return self.parse_condition()

    def parse_condition(self) -> Test:
        steps = self.parse_selector()
        scanner = self.scanner
        scanner.skip_space()
        start = scanner.pos
        keyword = scanner.read_while(str.isalpha).upper()
        if keyword:
            return self._keyword_test(keyword, steps, start)
        op = scanner.read_operator()
        if op is None:
            raise scanner.error(f"Expected an operator after the selector but found {scanner.describe_next()}")
        value_test = _value_test(op, scanner.read_value())
        return lambda doc: any(value_test(value) for value in _select(doc, steps))

    def _keyword_test(self, keyword: str, steps: tuple[Step, ...], start: int) -> Test:
        scanner = self.scanner
        scanner.skip_space()
        second_at = scanner.pos
        second = scanner.read_while(str.isalpha).upper()
        if keyword == "NOT" and second == "EXISTS":
            return lambda doc: not _select(doc, steps)
        if keyword == "IS" and second in ("NULL", "TRUE", "FALSE"):
            constant = {"NULL": None, "TRUE": True, "FALSE": False}[second]
            return lambda doc: any(value is constant for value in _select(doc, steps))
        if keyword == "IS" and second == "NOT":
            raise scanner.error("'IS NOT' is not supported (use '!=' or 'NOT EXISTS')", start)
        if keyword == "IS":
            raise scanner.error(
                f"Expected NULL, TRUE or FALSE after 'IS' but found {scanner.describe_next()}", second_at
            )
        if keyword == "EXISTS":
            raise scanner.error("'EXISTS' is not supported (only 'NOT EXISTS' is)", start)
        if keyword == "NOT":
            raise scanner.error("Expected 'EXISTS' after 'NOT'", second_at)
        raise scanner.error(
            f"Expected an operator after the selector but found '{scanner.text[start:second_at].strip()}'", start
        )

    def parse_selector(self) -> tuple[Step, ...]:
        """`$` then `.name`, `.*`, `.['key']`, `[N]`, `[*]` or `['key']` steps."""
        scanner = self.scanner
        start = scanner.pos
        scanner.expect("$")
        steps: list[Step] = []
        while True:
            at = scanner.pos
            if scanner.accept(".*"):
                steps.append(self._wildcard(steps, at))
            elif scanner.accept(".") or scanner.peek() == "[":
                if scanner.peek() == "[":
                    steps.append(self._bracket_step(steps))
                else:
                    name = scanner.read_while(_NAME_CHARS.__contains__)
                    if not name:
                        raise scanner.error(f"Expected a field name after '.' but found {scanner.describe_next()}")
                    steps.append(name)
            else:
                break
        if not steps:
            raise scanner.error("Expected '.' after '$' in a selector", start + 1)
        return tuple(steps)

    def _bracket_step(self, steps: list[Step]) -> Step:
        scanner = self.scanner
        at = scanner.pos
        scanner.expect("[")
        if scanner.accept("*"):
            step = self._wildcard(steps, at)
        elif scanner.peek() in ("'", '"'):
            step = scanner.read_quoted(scanner.peek())
        else:
            digits = scanner.read_while(lambda c: "0" <= c <= "9")
            if not digits:
                raise scanner.error(
                    f"Expected an array index, '*' or a quoted key after '[' but found {scanner.describe_next()}"
                )
            step = int(digits)
        scanner.expect("]")
        return step

    def _wildcard(self, steps: list[Step], at: int) -> Step:
        """Count a wildcard step (returned as None) against the per-selector and per-pattern limits."""
        if None in steps:
            raise self.scanner.error("At most one wildcard per selector", at)
        self.wildcards += 1
        if self.wildcards > MAX_WILDCARDS:
            raise self.scanner.error(f"At most {MAX_WILDCARDS} wildcards per pattern", at)
        return None


def _is_number(value: object) -> TypeGuard[JsonNumber]:
    return isinstance(value, JsonNumber)  # bool is not one


def _value_test(op: str, literal: Literal) -> ValueTest:
    """The test of one selected value against `OP literal`, with CloudWatch's JSON rules.

    `!=` is true only for a string or number that is not equal; every comparison is false on null,
    booleans, arrays and objects.
    """
    if literal.kind == "word" and literal.text.lower() == "null":
        raise PatternError(f"Use 'IS NULL' instead of '{op} {literal.text}'", literal.column)
    if op in _ORDERING:
        limit = literal.number  # set exactly when the literal's kind is "number"
        if limit is None:
            raise PatternError(f"Operator '{op}' needs a number, not '{literal.display}'", literal.column)
        compare = _ORDERING[op]
        return lambda value: _is_number(value) and compare(value, limit)
    if literal.kind == "number":
        number, text = literal.number, literal.text

        def equal(value: object) -> bool:
            # Numbers compare by value, strings by the literal's text ("1" equals 1, "1.0" does not).
            return value == number if _is_number(value) else value == text

    else:
        if literal.kind == "quoted" and (literal.text[:1] == "*" or literal.text[-1:] == "*"):
            # Observed: a `*` at either end of a quoted JSON value is a wildcard too ("Alpha*").
            literal = Literal("word", literal.text, literal.column)
        text_equal = make_cmp("=", literal).predicate()
        matches_numbers = literal.kind == "word" and not literal.text.strip("*")  # `= *` matches numbers too
        # Observed: `= "1"` matches the number 1 as well as the string "1", but not 1.0 or 1e0: a quoted
        # value is compared with the number's text as written, not with its value.
        quoted = literal.kind == "quoted"

        def equal(value: object) -> bool:
            if isinstance(value, str):
                return text_equal(value)
            return matches_numbers or quoted and _is_number(value) and value.text == literal.text

    if op == "=":
        return lambda value: _comparable(value) and equal(value)
    return lambda value: _comparable(value) and not equal(value)


def _comparable(value: object) -> bool:
    return isinstance(value, str) or _is_number(value)


def parse_json(text: str, scanner: Scanner) -> JsonPattern:
    """Parse `{ expr }`, the scanner standing on the `{`."""
    return JsonPattern(text, _Parser(scanner).parse())
