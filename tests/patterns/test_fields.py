"""Field splitting for bracket patterns, and the SIMPLE_LINE guarantee the rule engine relies on."""

from __future__ import annotations

import sys

import pytest

from tui.patterns import SIMPLE_LINE, compile_pattern, split_fields
from tui.patterns.fields import SPLIT_DIFFERS

APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'


def test_quotes_and_brackets_make_one_field_without_delimiters():
    assert split_fields(APACHE) == [
        "127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700", "GET /index.html HTTP/1.0", "404", "1534",
    ]


def test_runs_of_spaces_and_tabs_separate_fields():
    assert split_fields("  a \t\t b  c ") == ["a", "b", "c"]
    assert split_fields("a\tb\t c") == ["a", "b", "c"]


def test_in_a_pattern_holding_a_regex_only_spaces_separate_and_tabs_belong_to_fields():
    assert split_fields("  a \t\t b  c ", has_regex=True) == ["a", "\t\t", "b", "c"]
    assert split_fields("a\tb\t c", has_regex=True) == ["a\tb\t", "c"]


def test_no_other_whitespace_separates():
    assert split_fields("a\nb c\x0bd\te") == ["a\nb", "c\x0bd", "e"]
    assert split_fields("a\nb c\x0bd\te", has_regex=True) == ["a\nb", "c\x0bd\te"]


# The line of the AWS observations (issue 20, point 16): every separator a tab.
APACHE_TABS = '127.0.0.1\t-\tfrank\t[10/Oct/2000:13:25:15 -0700]\t"GET /index.html HTTP/1.0"\t404\t1534'
# The line of the earlier observation: tabs except around the timestamp's closing bracket.
APACHE_MOSTLY_TABS = (
    APACHE.replace(" - ", "\t-\t").replace("frank ", "frank\t").replace('" ', '"\t').replace(" 1534", "\t1534")
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ip, identity, user, timestamp, request, status, bytes]", True),
        ("[ip, identity, user, timestamp, request, status >= 400, bytes > 1000]", True),
        ("[ip, identity, user, timestamp, request = *.html*, status = 4*, bytes]", True),
        ("[ip, identity, user, timestamp, request, status = 404 || status = 410, bytes]", True),
        ("[ip = %127\\.0\\.0\\.[1-3]%, identity, user, timestamp, request, status, bytes]", False),
    ],
)
def test_the_observed_answers_on_a_tab_separated_line(pattern, expected):
    """Observed AWS answers (each also holds for the space-separated twin, which matches all five)."""
    assert compile_pattern(pattern).matches(APACHE_TABS) is expected
    assert compile_pattern(pattern).matches(APACHE)


def test_the_tab_separated_line_binds_the_same_fields_as_its_space_separated_twin():
    pattern = compile_pattern("[ip, identity, user, timestamp, request, status, bytes]")
    assert pattern.extract(APACHE_TABS) == pattern.extract(APACHE) == {
        "$ip": "127.0.0.1", "$identity": "-", "$user": "frank", "$timestamp": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0", "$status": "404", "$bytes": "1534",
    }


def test_a_pattern_holding_a_regex_does_not_split_a_tab_separated_line_at_its_tabs():
    """Observed AWS answer (the earlier one): the mostly tab-separated access-log line does not match the
    regex pattern its space-separated twin matches."""
    pattern = compile_pattern("[ip = %127\\.0\\.0\\.[1-3]%, identity, user, timestamp, request, status, bytes]")
    assert pattern.matches(APACHE)
    assert not pattern.matches(APACHE_MOSTLY_TABS)
    assert pattern.extract(APACHE_MOSTLY_TABS) is None
    assert compile_pattern("[ip = %127%, rest]").extract("127.0.0.1\tx y") == {"$ip": "127.0.0.1\tx", "$rest": "y"}


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
    assert not SIMPLE_LINE("a\tb")
    assert not SIMPLE_LINE('a "b"')
    assert not SIMPLE_LINE("a [b]")


def test_simple_line_rejects_every_other_character_str_split_treats_as_whitespace():
    other_whitespace = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c) != " "]
    assert other_whitespace  # \t, \n, \r, \x0b, \x85, \u2028, ...
    assert set(other_whitespace) | {'"', "["} == set(SPLIT_DIFFERS)
    for char in other_whitespace:
        assert not SIMPLE_LINE(f"a{char}b"), repr(char)
        assert split_fields(f"a{char}b", has_regex=True) == [f"a{char}b"], repr(char)
        assert split_fields(f"a{char}b") == (["a", "b"] if char == "\t" else [f"a{char}b"]), repr(char)


@pytest.mark.parametrize("line", ["a b  c", " a ", "x", "", " ", "é ü ☃ 1"])
def test_simple_lines_split_like_str_split(line):
    assert SIMPLE_LINE(line)
    assert split_fields(line) == line.split()
