"""JSON patterns: selectors, value rules, IS/NOT EXISTS, boolean structure, non-object messages."""

from __future__ import annotations

import json

import pytest

from tui.patterns import compile_pattern

DOC = json.dumps({
    "eventType": "UpdateTrail",
    "n": 1,
    "f": 1.5,
    "s1": "1",
    "s10": "1.0",
    "t": True,
    "fa": False,
    "nul": None,
    "arr": [1, 2, 3],
    "obj": {"a": 1},
    "users": [{"id": 2, "email": "a@x"}, {"id": 3, "email": "b@x"}],
    "grid": [[0, 1, 2], [4, 5, 6]],
    "cluster.name": "c",
    "big": 12345678901234567891,
    "words": {"x": "alpha", "y": "beta"},
})


def matches(pattern: str, message: str = DOC) -> bool:
    return compile_pattern(pattern).matches(message)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.eventType = "UpdateTrail" }', True),
        ("{ $.eventType = UpdateTrail }", True),
        ("{ $.eventType = Update* }", True),
        ("{ $.eventType = *Trail }", True),
        ("{ $.eventType = *dateTr* }", True),
        ('{ $.eventType = "Update*" }', True),  # observed: a quoted value globs at its ends too
        ('{ $.eventType = "*Trail" }', True),
        ('{ $.eventType = "*Tr*" }', True),
        ('{ $.eventType = "Up*Trail" }', False),  # inside the value a `*` is plain text
        ('{ $.eventType != "Update*" }', False),
        ('{ $.n = "*" }', True),
        ('{ $.n = "" }', False),
        ('{ $.n = "1" }', True),  # observed: a quoted number equals the JSON number
        ('{ $.n = "1.0" }', False),  # the number 1 is written "1": a quoted value compares that text
        ('{ $.n = "2" }', False),
        ('{ $.n != "1" }', False),
        ('{ $.s1 = "1" }', True),
        ('{ $.s10 = "1" }', False),
        ('{ $.f = "1.5" }', True),
        ('{ $.n = "1*" }', False),  # a wildcard value compares text: numbers are not text
        ("{ $.eventType != Create* }", True),
        ("{ $.eventType = %Tr[a-z]+l$% }", True),
        ("{ $.n = 1 }", True),
        ("{ $.n = 1.0 }", True),
        ("{ $.n = 1e0 }", True),
        ("{ $.f = 1.50 }", True),
        ("{ $.s1 = 1 }", True),  # string "1" equals the literal's text
        ("{ $.s10 = 1 }", False),  # "1.0" is not the text "1"
        ("{ $.s10 = 1.0 }", True),
        ("{ $.n != 2 }", True),
        ("{ $.n > 0 && $.n < 2 && $.n >= 1 && $.n <= 1 }", True),
        ("{ $.s1 > 0 }", False),  # ordering applies to JSON numbers only
        ("{ $.big = 12345678901234567891 }", True),
        ("{ $.big = 12345678901234567890 }", False),
        ("{ $.t = true }", False),  # compares the string "true"
        ("{ $.t IS TRUE }", True),
        ("{ $.fa IS FALSE }", True),
        ("{ $.t IS FALSE }", False),
        ("{ $.nul IS NULL }", True),
        ("{ $.missing IS NULL }", False),
        ("{ $.missing NOT EXISTS }", True),
        ("{ $.nul NOT EXISTS }", False),
        ("{ $.n = * }", True),
        ("{ $.eventType = * }", True),
        ("{ $.nul = * }", False),
        ("{ $.obj = * }", False),
        ("{ $.n != * }", False),
        ("{ $.arr[1] = 2 }", True),
        ("{ $.arr[3] = 2 }", False),
        ("{ $.arr[3] NOT EXISTS }", True),
        ("{ $.grid[1][2] = 6 }", True),
        ("{ $.users[1].email = \"b@x\" }", True),
        ("{ $.['cluster.name'] = c }", True),
        ('{ $["cluster.name"] = c }', True),
        ("{ $.words.x = alpha }", True),
        ("{ $.obj.a = 1 }", True),
        ("{ $.arr.a = 1 }", False),
        ("{ $.obj[0] = 1 }", False),
    ],
)
def test_values_and_selectors(pattern, expected):
    assert matches(pattern) is expected


@pytest.mark.parametrize(
    "pattern",
    ["{ $.missing != 1 }", "{ $.nul != 1 }", "{ $.t != 1 }", "{ $.arr != 1 }", "{ $.obj != x }", "{ $.fa != abc }"],
)
def test_not_equal_is_false_on_missing_null_boolean_array_and_object(pattern):
    assert not matches(pattern)


def test_not_equal_between_a_string_value_and_a_number_is_true():
    assert matches("{ $.n != abc }")
    assert matches("{ $.eventType != 5 }")


def test_comparisons_on_arrays_and_objects_are_false():
    assert not matches("{ $.arr = 1 }")
    assert not matches("{ $.obj = * }")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{ $.arr[*] = 3 }", True),
        ("{ $.arr[*] = 4 }", False),
        ("{ $.users[*].id = 3 }", True),
        ("{ $.words.* = beta }", True),
        ("{ $.* = UpdateTrail }", True),
        ("{ $.*.a = 1 }", True),  # one level only: obj.a
        ("{ $.* = alpha }", False),  # no recursion into words
        ("{ $.arr[*] != 1 }", True),  # any candidate
        ("{ $.arr[*] > 2 && $.arr[*] < 2 }", True),  # each condition on its own
    ],
)
def test_wildcards(pattern, expected):
    assert matches(pattern) is expected


def test_and_binds_tighter_than_or_and_parentheses_group():
    assert matches("{ $.n = 1 || $.n = 2 && $.n = 3 }")
    assert not matches("{ ($.n = 1 || $.n = 2) && $.n = 3 }")
    assert matches("{ (($.n = 1)) }")


def test_duplicate_keys_last_one_wins():
    assert matches('{ $.a = 2 }', '{"a": 1, "a": 2}')
    assert not matches('{ $.a = 1 }', '{"a": 1, "a": 2}')
    assert matches('{ $.v = "1" }', '{"v": 2, "v": 1}')
    assert not matches('{ $.v = "1" }', '{"v": 1, "v": 2}')


@pytest.mark.parametrize(
    ("message", "quoted", "bare"),
    [
        ('{"v":1}', True, True),
        ('{"v":"1"}', True, True),
        ('{"v":2,"v":1}', True, True),  # the last key wins
        ('{"v":1.0}', False, True),
        ('{"v":1e0}', False, True),
    ],
)
def test_a_quoted_value_compares_a_numbers_text_as_written_a_bare_number_its_value(message, quoted, bare):
    """Observed AWS answers: `{ $.v = "1" }` matches 1, "1" and a last key of 1, not 1.0 or 1e0;
    `{ $.v = 1 }` matches all of 1, 1.0, 1e0 and "1"."""
    assert matches('{ $.v = "1" }', message) is quoted
    assert matches('{ $.v != "1" }', message) is not quoted
    assert matches("{ $.v = 1 }", message) is bare


def test_a_quoted_value_equals_a_number_written_the_same_way():
    assert matches('{ $.v = "1.0" }', '{"v": 1.0}')
    assert matches('{ $.v = "1e0" }', '{"v": 1e0}')
    assert not matches('{ $.v = "1E0" }', '{"v": 1e0}')
    assert matches('{ $.v = "-0.50" }', '{"v": -0.50}') and not matches('{ $.v = "-0.5" }', '{"v": -0.50}')
    assert matches("{ $.v > 0.9 && $.v < 1.1 }", '{"v": 1e0}')  # ordering still by value


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ('{ $.v = "Alpha*" }', "Alpha", True),
        ('{ $.v = "Alpha*" }', "Alphabet", True),
        ('{ $.v = "Alpha*" }', "xAlpha", False),
        ('{ $.v = "*Alpha" }', "Alpha", True),
        ('{ $.v = "*Alpha" }', "xAlpha", True),
        ('{ $.v = "*Alpha" }', "Alphabet", False),
    ],
)
def test_a_quoted_json_value_globs_at_its_ends(pattern, value, expected):
    """Observed AWS answers for wildcards inside quotes."""
    assert matches(pattern, json.dumps({"v": value})) is expected


@pytest.mark.parametrize(
    "message",
    ["[1, 2]", '"text"', "3", "null", "not json", '{"a": 1', '{"a": NaN}', "", '{"a": 1} trailing', "[" * 100000],
)
def test_non_object_messages_match_no_json_pattern(message):
    assert not matches("{ $.a NOT EXISTS }", message)
    assert compile_pattern("{ $.a NOT EXISTS }").extract(message) is None


def test_too_deeply_nested_object_is_treated_as_not_json():
    message = '{"a": ' + "[" * 100000 + "]" * 100000 + "}"
    assert matches("{ $.b NOT EXISTS }", message) is False
    assert matches("{ $.b NOT EXISTS }", '{"a": ' + "[" * 50 + "]" * 50 + "}") is True


def test_huge_numbers_in_messages():
    assert matches("{ $.a > 5 }", '{"a": 1e999999999999999999999}')
    assert matches("{ $.a > 5 }", '{"a": ' + "9" * 5000 + "}")


def test_json_pattern_kind_and_extract():
    pattern = compile_pattern("{ $.n = 1 }")
    assert pattern.kind == "json"
    assert pattern.extract(DOC) == {}
    assert pattern.extract('{"n": 2}') is None


def test_keywords_are_case_insensitive():
    assert matches("{ $.nul is null }")
    assert matches("{ $.missing not exists }")


def test_leading_whitespace_in_message():
    assert matches("{ $.a = 1 }", '  \n{"a": 1}')
