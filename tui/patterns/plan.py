"""The inspectable plan of a bracket pattern for one field count, and its compilation to Python.

`BracketPattern.bind(n)` returns the plan as a tuple of `Binding`s; the rule engine turns it into
its own generated code, and `compile_plan` turns it into the function bracket patterns themselves
match with, so both run the same expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tui.patterns.compare import Cmp

FieldsMatcher = Callable[[list[str], str], bool]


@dataclass(frozen=True)
class Rest:
    """Rest-of-line absorption: the raw text from field `start` (0-based) to the end of the line,
    i.e. `line.split(None, start)[start]` for a simple line."""

    start: int

    def source(self, line_var: str) -> str:
        """A Python expression for the absorbed text, over the str variable `line_var`."""
        return f"{line_var}.split(None, {self.start})[{self.start}]"


@dataclass(frozen=True)
class AllOf:
    """Comparisons joined by `&&`."""

    cmps: tuple[Cmp, ...]

    def source(self, var: str) -> str:
        return " and ".join(cmp.source(var) for cmp in self.cmps)


@dataclass(frozen=True)
class AnyOf:
    """`&&` groups joined by `||` (`&&` binds tighter): the condition of one bracket entry."""

    all_of: tuple[AllOf, ...]

    @property
    def cost(self) -> int:
        """Rough relative cost of evaluating the whole condition."""
        return sum(cmp.cost for group in self.all_of for cmp in group.cmps)

    def source(self, var: str) -> str:
        """A parenthesised Python boolean expression over the str variable `var`."""
        if len(self.all_of) == 1 and len(self.all_of[0].cmps) == 1:
            return self.all_of[0].cmps[0].source(var)  # already parenthesised
        return "(" + " or ".join(group.source(var) for group in self.all_of) + ")"

    @property
    def namespace(self) -> dict[str, object]:
        """The globals `source` needs."""
        return {name: value for group in self.all_of for cmp in group.cmps for name, value in cmp.namespace.items()}


Condition = AnyOf


@dataclass(frozen=True)
class Binding:
    """Check `condition` on field `target` (0-based index), or on the rest of the line."""

    target: int | Rest
    condition: Condition


def compile_plan(plan: tuple[Binding, ...] | None) -> FieldsMatcher:
    """A function `(fields, line) -> bool` checking every binding, cheapest first.

    The generated body loads each field into `x` and returns False at the first failed condition.
    Conditions have no side effects, so their order is free: plain text comparisons (one string
    compare, and on flow logs usually the most selective) go first, rest-of-line targets (which split
    the line again) last.
    """
    if plan is None:
        return lambda fields, line: False
    ordered = sorted(plan, key=lambda binding: (isinstance(binding.target, Rest), binding.condition.cost))
    namespace: dict[str, object] = {}
    lines = ["def _match(f, line):"]
    for binding in ordered:
        target = binding.target
        load = target.source("line") if isinstance(target, Rest) else f"f[{target}]"
        lines += [f"    x = {load}", f"    if not {binding.condition.source('x')}:", "        return False"]
        namespace.update(binding.condition.namespace)
    lines.append("    return True")
    exec("\n".join(lines), namespace)  # noqa: S102 - source built from our own parsed pattern
    return namespace["_match"]  # type: ignore[return-value]
