"""One comparison of a text value with a pattern literal, as generated Python source.

Every comparison is expressed once, as a Python boolean expression over a variable holding the field
text (`Cmp.source`). Bracket patterns compile those expressions into one function per field count,
the rule engine inlines them into its own generated code, and JSON patterns evaluate them on string
values through `Cmp.predicate()`. The expressions are written so that the common flow-log cases cost
about one string comparison; the slower exact rules (numbers such as `022`, `2.2e1`, `-`) are reached
only when the cheap test cannot decide.
"""

from __future__ import annotations

import itertools
import operator
import re
from decimal import Decimal
from typing import Callable

from tui.patterns.errors import PatternError
from tui.patterns.numbers import parse_number
from tui.patterns.scanner import Literal

_serial = itertools.count(1)

# Ordering operators and `=`; `!=` is written as `not (... = ...)`.
_OPERATOR_FUNCS = {"=": operator.eq, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
_OPERATOR_NAMES = {"=": "eq", "<": "lt", ">": "gt", "<=": "le", ">=": "ge"}
# Digit strings shorter than this go through int(); longer ones take the exact path, since int() may
# refuse them (sys.get_int_max_str_digits(): 4300 by default, and never below 640).
_INT_FAST_DIGITS = 600
INT_FAST_DIGITS = _INT_FAST_DIGITS


def fresh_name(kind: str) -> str:
    """A global name no other comparison in this process uses, so generated namespaces can be merged."""
    return f"_pat_{kind}_{next(_serial)}"


def _numeric_helper(compare: Callable[[Decimal, Decimal], bool]) -> Callable[[str, Decimal], bool]:
    def helper(text: str, limit: Decimal) -> bool:
        value = parse_number(text)
        return value is not None and compare(value, limit)

    return helper


# The exact numeric rules, shared by every comparison: a field that is not a number is never equal,
# less or greater. Their names are fixed, and each always refers to the same function.
_NUMERIC_HELPERS = {f"_pat_num_{_OPERATOR_NAMES[op]}": _numeric_helper(func) for op, func in _OPERATOR_FUNCS.items()}


class Cmp:
    """A comparison `field OP literal` with CloudWatch semantics.

    `source(var)` is a Python boolean expression over the str variable `var`; `namespace` holds the
    globals it needs (compiled regexes, constants, helpers), under process-unique names. `cost` is a
    rough relative evaluation cost, for ordering ANDed checks cheapest first.
    """

    cost = 1

    def __init__(self, op: str, literal_text: str, namespace: dict[str, object] | None = None) -> None:
        self.op = op
        self.literal_text = literal_text
        self.namespace: dict[str, object] = namespace or {}
        self._predicate: Callable[[str], bool] | None = None

    def source(self, var: str) -> str:
        """A parenthesised Python boolean expression over the str variable `var`."""
        expression = self._equal_source(var)
        return f"(not ({expression}))" if self.op == "!=" else f"({expression})"

    def _equal_source(self, var: str) -> str:
        """The expression for `=` (or for the ordering operator in `self.op`)."""
        raise NotImplementedError

    def predicate(self) -> Callable[[str], bool]:
        """This comparison as a function of the field text (compiled from `source`, so never a second semantics)."""
        if self._predicate is None:
            self._predicate = eval(f"lambda x: {self.source('x')}", dict(self.namespace))  # noqa: S307 - our own source
        return self._predicate

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.op!r}, {self.literal_text!r})"


class TextCmp(Cmp):
    """Exact text: a quoted value, or a bare word without `*`."""

    def source(self, var: str) -> str:
        return f"({var} {'==' if self.op == '=' else '!='} {self.literal_text!r})"


class GlobCmp(Cmp):
    """A bare word with `*` at its start, its end, or both."""

    cost = 2

    def _equal_source(self, var: str) -> str:
        text = self.literal_text
        core = text.strip("*")
        if not core:
            return "True"
        if text.startswith("*") and text.endswith("*"):
            return f"{core!r} in {var}"
        if text.startswith("*"):
            return f"{var}.endswith({core!r})"
        return f"{var}.startswith({core!r})"


class RegexCmp(Cmp):
    """A `%regex%` value: an unanchored search in the field text."""

    cost = 8

    def __init__(self, op: str, literal_text: str, regex: re.Pattern[str]) -> None:
        self._name = fresh_name("re")
        super().__init__(op, literal_text, {self._name: regex})

    def _equal_source(self, var: str) -> str:
        return f"{self._name}.search({var}) is not None"


class NumberCmp(Cmp):
    """A numeric literal: compared by value when the field is a number.

    `=`/`!=` against a field that is not a number compare text, which can never be equal (the
    literal's text is a number), so `=` is simply "is a number and equal".
    Ordering comparisons are false on a field that is not a number (`-` in NODATA records).
    """

    cost = 3

    def __init__(self, op: str, literal_text: str, value: Decimal) -> None:
        self.value = value
        self._name = fresh_name("num")
        self._helper = f"_pat_num_{_OPERATOR_NAMES['=' if op == '!=' else op]}"
        super().__init__(op, literal_text, {self._name: value, self._helper: _NUMERIC_HELPERS[self._helper]})
        # Integers of ordinary size also get a fast path on their canonical text / int() value.
        self._int = (
            int(value) if value.is_finite() and value == value.to_integral_value() and abs(value) < 10**100 else None
        )

    def _equal_source(self, var: str) -> str:
        exact = f"{self._helper}({var}, {self._name})"
        if self.op in ("<", ">", "<=", ">="):
            limit = self._name if self._int is None else str(self._int)
            return (
                f"int({var}) {self.op} {limit}"
                f" if {var}.isdigit() and {var}.isascii() and len({var}) < {_INT_FAST_DIGITS}"
                f" else {var} != '-' and {exact}"
            )
        if self._int is not None:
            # A digit string without a leading zero is canonical: only its exact text can equal the value.
            return f"{var} == '{self._int}' or (not {var}.isdigit() or {var}[0] == '0' != {var}) and {exact}"
        if self.value.is_finite():
            # Not an integer: no digit string can equal it.
            return f"{var} == {self.literal_text!r} or not {var}.isdigit() and {exact}"
        return exact

    @property
    def int_value(self) -> int | None:
        """The literal as an int when it is an integer of ordinary size (then its canonical digit
        string is the only canonical field text equal to it), else None."""
        return self._int

    def exact_source(self, var: str) -> str:
        """The exact numeric test of ``var`` against the literal (slow; any text)."""
        return f"{self._helper}({var}, {self._name})"

    def source_given(self, var: str, number: str | None = None, odd: str | None = None) -> str:
        """`source(var)`, reusing per-record facts a caller computed once for the field:

        - ``number``: a variable holding ``int(var) if var.isdigit() and var.isascii() and
          len(var) < _INT_FAST_DIGITS else None`` (see :func:`number_source`);
        - ``odd``: a variable holding ``not var.isdigit() or var[0] == '0' != var`` (the field is
          not a canonical digit string, see :func:`odd_source`).

        The rule kernel uses these when several comparisons (or the statistics) read the same field,
        so the digit tests and ``int()`` run once per record instead of once per comparison. The
        result is the same boolean as ``source(var)`` for every text.
        """
        exact = f"{self._helper}({var}, {self._name})"
        expression = None
        if self.op in ("<", ">", "<=", ">="):
            if number is not None:
                limit = self._name if self._int is None else str(self._int)
                expression = f"{number} {self.op} {limit} if {number} is not None else {var} != '-' and {exact}"
        elif self._int is not None:
            if number is not None:
                # An ASCII digit string of ordinary length equals the value iff its int() does (leading
                # zeros included); any other text is decided by the exact rules, which never accept
                # non-ASCII digits or a 600-digit string without leading zeros.
                expression = f"{number} == {self._int} if {number} is not None else {exact}"
            elif odd is not None:
                expression = f"{var} == '{self._int}' or {odd} and {exact}"
        if expression is None:
            return self.source(var)
        return f"(not ({expression}))" if self.op == "!=" else f"({expression})"


def number_source(var: str, ascii_known: bool = False, short_known: bool = False) -> str:
    """The expression for :meth:`NumberCmp.source_given`'s ``number`` fact. ``ascii_known`` drops the
    ``isascii()`` test when the caller knows the text is ASCII, ``short_known`` the length test when
    it knows the text is shorter than ``INT_FAST_DIGITS``."""
    ascii_test = "" if ascii_known else f" and {var}.isascii()"
    length_test = "" if short_known else f" and len({var}) < {_INT_FAST_DIGITS}"
    return f"int({var}) if {var}.isdigit(){ascii_test}{length_test} else None"


def odd_source(var: str) -> str:
    """The expression for :meth:`NumberCmp.source_given`'s ``odd`` fact."""
    return f"not {var}.isdigit() or {var}[0] == '0' != {var}"


def make_cmp(op: str, literal: Literal) -> Cmp:
    """The comparison `field OP literal`; ordering operators need a numeric literal."""
    if literal.number is not None:
        return NumberCmp(op, literal.text, literal.number)
    if op not in ("=", "!="):
        raise PatternError(f"Operator '{op}' needs a number, not '{literal.display}'", literal.column)
    if literal.regex is not None:
        return RegexCmp(op, literal.text, literal.regex)
    if literal.kind == "word" and "*" in literal.text:
        return GlobCmp(op, literal.text)
    return TextCmp(op, literal.text)
