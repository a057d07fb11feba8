"""Field splitting for bracket patterns, and the SIMPLE_LINE guarantee the rule engine relies on."""

from __future__ import annotations

import sys

import pytest

from tui.patterns import SIMPLE_LINE, split_fields

APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'


def test_quotes_and_brackets_make_one_field_without_delimiters():
    assert split_fields(APACHE) == [
        "127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700", "GET /index.html HTTP/1.0", "404", "1534",
    ]


def test_runs_of_spaces_and_tabs_separate_fields():
    assert split_fields("  a \t\t b  c ") == ["a", "b", "c"]


def test_only_space_and_tab_separate():
    assert split_fields("a\nb c\x0bd") == ["a\nb", "c\x0bd"]


def test_unterminated_quote_and_bracket_are_ordinary_text():
    assert split_fields('a "b c') == ["a", '"b', "c"]
    assert split_fields("a [b c") == ["a", "[b", "c"]


def test_empty_quotes_are_an_empty_field():
    assert split_fields('a "" b') == ["a", "", "b"]


def test_quote_inside_a_word_is_ordinary_text():
    assert split_fields('a"b c"d') == ['a"b', 'c"d']


def test_empty_message_has_no_fields():
    assert split_fields("") == []


def test_simple_line():
    assert SIMPLE_LINE("2 123 eni-1 10.0.0.1 - - OK")
    assert SIMPLE_LINE("a\tb")
    assert not SIMPLE_LINE('a "b"')
    assert not SIMPLE_LINE("a [b]")


def test_simple_line_rejects_every_other_character_str_split_treats_as_whitespace():
    other_whitespace = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c) not in " \t"]
    assert other_whitespace  # \n, \r, \x0b, \x85, \u2028, ...
    for char in other_whitespace:
        assert not SIMPLE_LINE(f"a{char}b"), repr(char)


@pytest.mark.parametrize("line", ["a b  c", "\ta\t", "x", "", " ", "é ü ☃ 1"])
def test_simple_lines_split_like_str_split(line):
    assert SIMPLE_LINE(line)
    assert split_fields(line) == line.split()
