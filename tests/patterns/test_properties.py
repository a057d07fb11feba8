"""Property tests: no input crashes the compiler or a matcher; the term and bracket matchers agree with
small independent reference implementations; the fast paths agree with `matches()`."""

from __future__ import annotations

import json
import operator
import re
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tui.patterns import SIMPLE_LINE, Pattern, PatternError, Rest, compile_pattern, split_fields

# --- (a) robustness ------------------------------------------------------------------------------

PATTERN_TOKENS = [
    "[", "]", "{", "}", "(", ")", '"', "'", "%", "...", "=", "!=", "==", "!", "<", ">", "<=", ">=", "&&", "||",
    "&", "|", "$.", "$.a", "$.*", "[0]", "[*]", ".['k.v']", "?", "-", "*", ",", "\\", "IS", "NULL", "NOT",
    "EXISTS", "TRUE", "AND", "x", "dstport", "REJECT", "22", "1.5", "-3", "1e9", "a*", "*b", "\\d", "^", "$",
]
pattern_texts = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PATTERN_TOKENS), max_size=25).map("".join),
    st.lists(st.sampled_from(PATTERN_TOKENS), max_size=25).map(" ".join),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from("abk"), children, max_size=4),
    max_leaves=12,
)
messages = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["a", "22", "-", '"', "[", "]", "x y", "\t", "\n", "REJECT", "10.0.0.1", "é"]), max_size=20).map(" ".join),
    json_values.map(json.dumps),
    st.dictionaries(st.sampled_from(["a", "k", "dstport"]), json_values, max_size=4).map(json.dumps),
)


def compile_or_none(text: str) -> Pattern | None:
    try:
        return compile_pattern(text)
    except PatternError as error:
        assert error.column >= 1 and error.message
        return None


@settings(max_examples=500)
@given(pattern_texts)
def test_compile_returns_a_pattern_or_raises_pattern_error(text):
    pattern = compile_or_none(text)
    assert pattern is None or pattern.kind in ("all", "term", "bracket", "json")


@settings(max_examples=300)
@given(pattern_texts, messages)
def test_matching_never_raises(text, message):
    pattern = compile_or_none(text)
    if pattern is not None:
        matched = pattern.matches(message)
        extracted = pattern.extract(message)
        assert isinstance(matched, bool)
        assert (extracted is not None) == matched


VALID_PATTERNS = [
    "", "ERROR", "?a ?b", "-x", '"a b"', "%a.c%", "[]", "[...]", "[a, b]", "[a=x*, ...]", "[..., b>5]",
    "[a, ..., b!=-]", "{ $.a = 1 }", "{ $.* = * }", "{ $.a[*].k IS NULL || $.b NOT EXISTS }",
]


@settings(max_examples=300)
@given(st.sampled_from(VALID_PATTERNS), messages)
def test_valid_patterns_never_raise_on_any_message(text, message):
    pattern = compile_pattern(text)
    assert (pattern.extract(message) is not None) == pattern.matches(message)


# --- (b) terms against a reference -----------------------------------------------------------------

term_words = st.text(alphabet="ab", min_size=1, max_size=3)
terms = st.lists(st.tuples(st.sampled_from(["", "-", "?"]), term_words, st.booleans()), min_size=1, max_size=4)


def reference_terms(parsed: list[tuple[str, str]], message: str) -> bool:
    plain = [word for prefix, word in parsed if prefix == ""]
    excluded = [word for prefix, word in parsed if prefix == "-"]
    optional = [word for prefix, word in parsed if prefix == "?"]
    if not plain and not excluded:
        return any(word in message for word in optional)
    return all(word in message for word in plain) and not any(word in message for word in excluded)


@settings(max_examples=500)
@given(terms, st.text(alphabet="ab \n", max_size=12))
def test_term_matcher_agrees_with_reference(parsed, message):
    text = " ".join(f'{prefix}"{word}"' if quoted else prefix + word for prefix, word, quoted in parsed)
    pattern = compile_pattern(text)
    assert pattern.matches(message) == reference_terms([(p, w) for p, w, _ in parsed], message)


# --- (c) bracket patterns: fast paths and a reference ------------------------------------------------

FIELD_VALUES = ["2", "22", "022", "0", "-", "1e3", "100001", "1.5", "+5", "-1", "REJECT", "ACCEPT",
                "10.0.14.1", "10.0.1.14", "abc", "٢٢", "OK", "NODATA"]
# (text in the pattern, kind, literal for the reference)
VALUES = [
    ("22", "number", "22"), ("0", "number", "0"), ("100000", "number", "100000"), ("1.5", "number", "1.5"),
    ("-1", "number", "-1"), ("022", "number", "022"), ("1e3", "number", "1e3"), ("REJECT", "text", "REJECT"),
    ("-", "text", "-"), ('"22"', "text", "22"), ("10.0.*", "glob", "10.0.*"), ("*CEPT", "glob", "*CEPT"),
    ("*0*", "glob", "*0*"), ("*", "glob", "*"), ("%^10\\.%", "regex", r"^10\."), ("%0$%", "regex", r"0\Z"),
]
ORDERING = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
REFERENCE_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def reference_cmp(op: str, kind: str, literal: str, value: str) -> bool:
    if kind == "number":
        number = Decimal(value) if REFERENCE_NUMBER.fullmatch(value) else None
        if op in ORDERING:
            return number is not None and ORDERING[op](number, Decimal(literal))
        equal = number is not None and number == Decimal(literal)
    elif kind == "glob":
        core = literal.strip("*")
        if literal.startswith("*") and literal.endswith("*"):
            equal = core in value
        elif literal.startswith("*"):
            equal = value.endswith(core)
        else:
            equal = value.startswith(core)
    elif kind == "regex":
        equal = re.search(literal, value) is not None
    else:
        equal = value == literal
    return equal if op == "=" else not equal


conditions = st.lists(
    st.tuples(st.sampled_from(["=", "!=", "<", ">", "<=", ">="]), st.sampled_from(VALUES), st.sampled_from(["&&", "||"])),
    min_size=1, max_size=3,
).filter(lambda cs: all(op in ("=", "!=") or value[1] == "number" for op, value, _ in cs))
entries = st.lists(st.one_of(st.none(), conditions), min_size=0, max_size=5)
lines = st.tuples(
    st.lists(st.sampled_from(FIELD_VALUES), max_size=8),
    st.lists(st.sampled_from([" ", "  ", "   "]), min_size=9, max_size=9),
    st.sampled_from(["", " ", "  "]),
).map(lambda t: t[2] + "".join(f + sep for f, sep in zip(t[0], t[1])).rstrip(" ") + t[2][:1])


def render(entry_list: list, ellipsis: int | None) -> str:
    rendered = []
    for index, entry in enumerate(entry_list):
        name = f"f{index}"
        rendered.append(name if entry is None else " ".join(
            f"{name}{op}{value[0]}" + (f" {joiner}" if i < len(entry) - 1 else "") for i, (op, value, joiner) in enumerate(entry)
        ))
    if ellipsis is not None:
        rendered.insert(ellipsis, "...")
    return "[" + ", ".join(rendered) + "]"


def reference_condition(entry: list, value: str) -> bool:
    """`&&` binds tighter than `||`: split the chain on `||`."""
    groups, current = [], []
    for i, (op, (_, kind, literal), joiner) in enumerate(entry):
        current.append(reference_cmp(op, kind, literal, value))
        if i == len(entry) - 1 or joiner == "||":
            groups.append(all(current))
            current = []
    return any(groups)


def reference_bracket(entry_list: list, ellipsis: int | None, line: str) -> bool:
    fields = split_fields(line)
    count = len(entry_list)
    if len(fields) < count:
        return False
    if ellipsis is None:
        values = fields[:count]
        if 0 < count < len(fields):
            values[-1] = line.split(None, count - 1)[count - 1]
    else:
        after = count - ellipsis
        values = fields[:ellipsis] + fields[len(fields) - after:]
    return all(entry is None or reference_condition(entry, value) for entry, value in zip(entry_list, values))


@settings(max_examples=600)
@given(entries, st.data(), lines)
def test_bracket_matching_agrees_with_reference_and_fast_paths(entry_list, data, line):
    ellipsis = data.draw(st.one_of(st.none(), st.integers(0, len(entry_list))))
    assume(sum(value[1] == "regex" for entry in entry_list if entry for _, value, _ in entry) <= 2)
    pattern = compile_pattern(render(entry_list, ellipsis))
    assert SIMPLE_LINE(line)
    fields = line.split()
    expected = reference_bracket(entry_list, ellipsis, line)
    assert pattern.matches(line) == expected
    assert pattern.matches_fields(fields, line) == expected
    plan = pattern.bind(len(fields))
    by_plan = plan is not None and all(
        eval(b.condition.source("v"), dict(b.condition.namespace),
             {"v": line.split(None, b.target.start)[b.target.start] if isinstance(b.target, Rest) else fields[b.target]})
        for b in plan
    )
    assert by_plan == expected


@settings(max_examples=1000)
@given(
    st.sampled_from(["=", "!=", "<", ">", "<=", ">="]),
    st.sampled_from(["22", "0", "-5", "1.5", "007", "1e3", "100000", "12345678901234567890", "1e999999999999999999999"]),
    st.one_of(st.text(alphabet="0123456789+-.eE٢² a", max_size=8), st.sampled_from(["0", "00", "-", "22", "9" * 700])),
)
def test_numeric_expression_agrees_with_exact_rules(op, literal, value):
    (binding,) = compile_pattern(f"[x{op}{literal}]").bind(1)
    fast = eval(binding.condition.source("v"), dict(binding.condition.namespace), {"v": value})
    number = Decimal(value) if REFERENCE_NUMBER.fullmatch(value) else None
    limit = Decimal(literal) if "999999999999" not in literal else Decimal("Infinity")
    if op in ("=", "!="):
        expected = (number is not None and number == limit) == (op == "=")
    else:
        expected = number is not None and ORDERING[op](number, limit)
    assert fast == expected
