"""`%regex%`: CloudWatch's alphabet, anchors, escapes, and where regexes may appear."""

from __future__ import annotations

import pytest

from tui.patterns import PatternError, compile_pattern


def matches(regex: str, message: str) -> bool:
    return compile_pattern(f"%{regex}%").matches(message)


def test_search_is_unanchored_and_case_sensitive():
    assert matches("AUTHORIZED", "UNAUTHORIZED REQUEST")
    assert not matches("authorized", "UNAUTHORIZED REQUEST")


def test_dollar_anchors_at_the_true_end():
    assert matches("done$", "job done")
    assert not matches("done$", "job done\n")  # Python's `$` would match before the newline
    assert not matches("done$", "done twice")


def test_caret_anchors_at_the_start_only():
    assert matches("^job", "job done")
    assert not matches("^done", "job\ndone")


def test_dollar_inside_a_class_is_literal():
    assert matches("[$]5", "costs $5")
    assert not matches("[$]5", "costs 5")


def test_dot_matches_any_character_except_newline():
    assert matches(".at", "#at")
    assert not matches("a.b", "a\nb")


@pytest.mark.parametrize(
    ("regex", "message", "expected"),
    [
        ("\\d+", "port 22", True),
        ("\\d", "٣", False),  # ASCII only, as CloudWatch
        ("\\w", "é", False),
        ("\\s", "\u2003", False),
        ("\\D", "a", True),
        ("\\S\\W", "a-", True),
        ("\\x3A", "a:b", True),
        ("\\.", "a.b", True),
        ("\\.", "ab", False),
        ("a\\*", "a*", True),
        ("\\[x\\]", "[x]", True),
        ("a{2,3}", "caab", True),
        ("colou?r", "color", True),
        ("cat|dog", "hotdog", True),
        ("[^a-z]", "abc", False),
        ("[]a]", "]", True),
        ("ab+c", "ac", False),
        ("a@b/c;d,e#f=g:h_i-j k", "a@b/c;d,e#f=g:h_i-j k", True),
    ],
)
def test_supported_syntax(regex, message, expected):
    assert matches(regex, message) is expected


def test_regex_as_bracket_and_json_value():
    assert compile_pattern("[a=%^1[0-9]+$%, b]").matches("123 x")
    assert compile_pattern('{ $.a = %^ab% }').matches('{"a": "abc"}')
    assert not compile_pattern('{ $.a = %^ab% }').matches('{"a": 5}')


def test_two_regexes_are_allowed():
    assert compile_pattern("%a% %b%").matches("ab")
    assert compile_pattern("[x=%a%, y=%b%]").matches("a b")


@pytest.mark.parametrize(
    ("pattern", "column", "message"),
    [
        ("%a(b)%", 3, "Parentheses are not allowed in a regular expression"),
        ("%ab)%", 4, "Parentheses are not allowed in a regular expression"),
        ("%something!%", 11, "Invalid character '!' in a regular expression"),
        ("%caf\u00e9%", 5, "Non-ASCII character 'é' in a regular expression (use \\xhh)"),
        ("%a\tb%", 3, "Invalid character '\\t' in a regular expression"),
        ("%a\"b%", 3, "Invalid character '\"' in a regular expression"),
        ("%\\q%", 2, "Invalid escape '\\q' in a regular expression"),
        ("%\\b%", 2, "Invalid escape '\\b' in a regular expression"),
        ("%\\1%", 2, "Invalid escape '\\1' in a regular expression"),
        ("%\\x4%", 2, "Invalid escape '\\x4' in a regular expression"),
        ("%\\xZZ%", 2, "Invalid escape '\\xZZ' in a regular expression"),
        ("%ab\\%", 4, "Invalid escape '\\' in a regular expression"),
        ("%%", 1, "Empty regular expression '%%'"),
        ("%abc", 1, "Unterminated regular expression (missing closing '%')"),
        ("%a% %b% %c%", 9, "Too many regular expressions: at most 2 per pattern"),
        ("[x=%a%, y=%b%, z=%c%]", 18, "Too many regular expressions: at most 2 per pattern"),
        ("%*a%", 2, "Invalid regular expression '%*a%': nothing to repeat"),
        ("%ab[c%", 4, "Invalid regular expression '%ab[c%': unterminated character set"),
        ("%a{99999999999999999999}%", 1, "Invalid regular expression '%a{99999999999999999999}%': the repetition number is too large"),
    ],
)
def test_rejected_regexes(pattern, column, message):
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert (caught.value.column, caught.value.message) == (column, message)
