"""CloudWatch Logs filter patterns, evaluated locally with CloudWatch's semantics.

    p = compile_pattern('[..., dstport=22, protocol, packets, bytes, start, end, action=REJECT, status]')
    p.matches(line)            # bool, never raises
    p.extract(line)            # {"$dstport": "22", ...} or None
    p.matches_fields(line.split(), line)   # the same, on pre-split simple lines (see SIMPLE_LINE)
    p.bind(14)                 # the checks for a 14-field line, for code generation

The language is CloudWatch Logs filter-pattern syntax (the README has a cheat-sheet). This package does no
I/O and imports no UI.
"""

from __future__ import annotations

from tui.patterns.base import MatchAll, Pattern
from tui.patterns.bracket import parse_bracket
from tui.patterns.compare import Cmp
from tui.patterns.errors import PatternError
from tui.patterns.fields import SIMPLE_LINE, split_fields
from tui.patterns.jsonpat import parse_json
from tui.patterns.plan import AllOf, AnyOf, Binding, Condition, Rest
from tui.patterns.scanner import Scanner
from tui.patterns.terms import parse_terms

__all__ = [
    "SIMPLE_LINE",
    "AllOf",
    "AnyOf",
    "Binding",
    "Cmp",
    "Condition",
    "Pattern",
    "PatternError",
    "Rest",
    "compile_pattern",
    "split_fields",
]

MAX_PATTERN_LENGTH = 1024


def compile_pattern(text: str) -> Pattern:
    """Compile a filter pattern; raises PatternError (and nothing else) when it is invalid.

    Surrounding whitespace is ignored; an empty pattern matches every event. A leading `{` makes a
    JSON pattern, a leading `[` a space-delimited one, anything else a term pattern.
    """
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"Pattern is longer than {MAX_PATTERN_LENGTH} characters", MAX_PATTERN_LENGTH + 1)
    scanner = Scanner(text)
    scanner.skip_space()
    first = scanner.peek()
    if not first:
        return MatchAll(text)
    if first == "{":
        return parse_json(text, scanner)
    if first == "[":
        return parse_bracket(text, scanner)
    return parse_terms(text, scanner)
