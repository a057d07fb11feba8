"""Space-delimited patterns: alignment, absorption, ellipsis, conditions, extraction."""

from __future__ import annotations

import pytest

from tui.patterns import compile_pattern

V2 = "version account eni srcaddr dstaddr srcport dstport protocol packets bytes start end action status"
SSH_REJECT = "2 123456789010 eni-0a1b2c3d 10.0.1.5 10.0.14.100 51234 22 6 10 840 1700000000 1700000060 REJECT OK"
NODATA = "2 123456789010 eni-0a1b2c3d - - - - - - - 1700000000 1700000060 - NODATA"


def v2(**conditions: str) -> str:
    """A 14-entry default-format pattern with `name<cond>` for the given names."""
    return "[" + ", ".join(name + conditions.get(name, "") for name in V2.split()) + "]"


def matches(pattern: str, message: str) -> bool:
    return compile_pattern(pattern).matches(message)


def test_runbook_pattern():
    assert matches(v2(dstport="=22", action="=REJECT"), SSH_REJECT)
    assert not matches(v2(dstport="=22", action="=ACCEPT"), SSH_REJECT)
    assert compile_pattern(v2()).kind == "bracket"


def test_names_are_labels_binding_is_positional():
    assert matches("[a, b, c=10.0.1.5, ...]", SSH_REJECT) is False
    assert matches("[a, b, c, d=10.0.1.5, ...]", SSH_REJECT)


# --- alignment without an ellipsis -------------------------------------------------------------


def test_too_few_fields_never_match():
    assert not matches("[a, b, c]", "x y")
    assert compile_pattern("[a, b, c]").extract("x y") is None


def test_last_entry_absorbs_the_rest_of_the_line_raw():
    pattern = compile_pattern("[level, rest]")
    message = 'ERROR  disk "full" [now]\tok '
    assert pattern.extract(message) == {"$level": "ERROR", "$rest": 'disk "full" [now]\tok '}


def test_absorbed_text_is_what_the_condition_sees():
    assert matches("[level, msg=*full*]", "ERROR disk is full today")
    assert not matches("[level, msg=disk]", "ERROR disk is full")
    assert matches("[level, msg=%^disk is full$%]", "ERROR disk is full")


def test_one_entry_pattern_sees_the_whole_line():
    assert matches("[line=%REJECT OK$%]", SSH_REJECT)
    assert compile_pattern("[line]").extract("a  b") == {"$line": "a  b"}


def test_exact_field_count_binds_the_last_field_unwrapped():
    assert compile_pattern("[a, b]").extract('x "y z"') == {"$a": "x", "$b": "y z"}
    assert compile_pattern("[a, b]").extract('x "y z" w') == {"$a": "x", "$b": '"y z" w'}


def test_absorption_by_an_unnamed_last_entry():
    assert compile_pattern("[a,]").extract("x y z") == {"$a": "x", "$2": "y z"}


# --- ellipsis -------------------------------------------------------------------------------------


def test_ellipsis_first_binds_the_last_fields():
    pattern = compile_pattern("[..., action=REJECT, status]")
    assert pattern.matches(SSH_REJECT)
    extracted = pattern.extract("a b REJECT OK")
    assert extracted == {"$1": "a", "$2": "b", "$action": "REJECT", "$status": "OK"}


def test_ellipsis_last_binds_the_first_fields_without_absorption():
    pattern = compile_pattern("[version, account, eni, srcaddr=10.0.1.*, ...]")
    assert pattern.matches(SSH_REJECT)
    extracted = pattern.extract("2 acct eni-1 10.0.1.9 x y")
    assert extracted == {"$version": "2", "$account": "acct", "$eni": "eni-1", "$srcaddr": "10.0.1.9", "$5": "x", "$6": "y"}


def test_ellipsis_in_the_middle():
    pattern = compile_pattern("[first=a, ..., last=z]")
    assert pattern.matches("a z")
    assert pattern.matches("a b c z")
    assert not pattern.matches("a b c y")
    assert not pattern.matches("a")
    assert pattern.extract("a b c z") == {"$first": "a", "$2": "b", "$3": "c", "$last": "z"}


def test_ellipsis_alone_and_empty_brackets_match_everything():
    for text in ("[...]", "[]", "[ ]"):
        pattern = compile_pattern(text)
        assert pattern.matches("")
        assert pattern.matches("a b c")
    assert compile_pattern("[]").extract("a b") == {}
    assert compile_pattern("[...]").extract("a b") == {"$1": "a", "$2": "b"}


def test_empty_entries_are_unnamed_fields():
    pattern = compile_pattern("[..., request=*.html*, status_code=4*,]")
    extracted = pattern.extract('1.2.3.4 - f [t] "GET /a.html HTTP/1.0" 404 1534')
    assert extracted == {"$1": "1.2.3.4", "$2": "-", "$3": "f", "$4": "t", "$request": "GET /a.html HTTP/1.0",
                         "$status_code": "404", "$7": "1534"}
    assert compile_pattern("[,]").extract("x y") == {"$1": "x", "$2": "y"}


# --- conditions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("=4*", "404", True),
        ("=4*", "504", False),
        ("=*.html", "/a.html", True),
        ("=*.html", "/a.html?x", False),
        ("=*.html*", "/a.html?x", True),
        ("=*", "-", True),
        ("!=*", "x", False),
        ("=10.0.14.*", "10.0.14.100", True),
        ("=10.0.14.*", "10.0.1.100", False),
        ("!=4*", "200", True),
        ('="4*"', "4*", True),  # quoted: literal text, no glob
        ('="4*"', "404", False),
        ("=abc", "abc", True),
        ("=abc", "abcd", False),
        ("!=abc", "abcd", True),
    ],
)
def test_text_and_glob_conditions(condition, value, expected):
    assert matches(f"[x{condition}]", value) is expected


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("=22", "22", True),
        ("=22", "022", True),
        ("=022", "22", True),
        ("=22", "22.0", True),
        ("=22", "2.2e1", True),
        ("=22", "+22", True),
        ("=22", "220", False),
        ("=22", "0", False),
        ("=0", "0", True),
        ("=0", "-0", True),
        ("=0", "00", True),
        ("=1.5", "1.50", True),
        ("=1.5", "1", False),
        ("=-5", "-5", True),
        ("=22", "٢٢", False),  # non-ASCII digits are not numbers
        ('="22"', "022", False),  # quoted: text
        ("!=22", "022", False),
        ("!=0", "-", True),  # NODATA: text comparison, not equal
        ("=0", "-", False),
        (">1000", "1534", True),
        (">1000", "1000", False),
        (">=1000", "1000", True),
        ("<1000", "999", True),
        ("<=1000", "1000.0", True),
        (">1000", "1e4", True),
        (">1000", "-", False),
        ("<1000", "-", False),
        (">=0", "-", False),
        ("<1000", "abc", False),
        (">1000", "٢٢٢٢", False),
        (">1.5", "2", True),
        (">-1", "0", True),
        (">12345678901234567890", "12345678901234567891", True),  # exact, beyond float precision
        ("=12345678901234567890", "12345678901234567891", False),
        (">1000", "9" * 5000, True),  # longer than int() accepts
        ("<1e999999999999999999999", "5", True),
    ],
)
def test_numeric_conditions(condition, value, expected):
    assert matches(f"[x{condition}]", value) is expected


def test_nodata_record():
    assert not matches(v2(bytes=">0"), NODATA)
    assert matches(v2(bytes="!=0"), NODATA)
    assert matches(v2(status="=NODATA"), NODATA)
    assert not matches(v2(packets="<10"), NODATA)


def test_regex_condition_searches_inside_the_field():
    assert matches("[ip=%127\\.0\\.0\\.[1-9]%, rest]", "127.0.0.1 x")
    assert matches("[ip=%0\\.0%, rest]", "127.0.0.1 x")
    assert not matches("[ip=%^0\\.0%, rest]", "127.0.0.1 x")
    assert matches("[ip!=%^10\\.%, rest]", "127.0.0.1 x")


def test_or_and_and_within_an_entry():
    pattern = compile_pattern("[w1=ERROR || w1=WARNING, w2]")
    assert pattern.matches("WARNING x")
    assert not pattern.matches("INFO x")
    both = compile_pattern("[w1!=ERROR && w1!=WARNING, w2]")
    assert both.matches("INFO x")
    assert not both.matches("ERROR x")


def test_and_binds_tighter_than_or():
    pattern = compile_pattern("[n = 1 || n > 5 && n < 8, rest]")
    assert [pattern.matches(f"{n} x") for n in (1, 2, 6, 9)] == [True, False, True, False]


def test_whitespace_around_operators_is_free():
    assert matches("[ a   =  b  , c ]", "b c")
    assert matches("[a=b,c]", "b c")


def test_quoted_value_with_spaces_and_comma():
    assert matches('[a, req="GET /x, y"]', 'a "GET /x, y"')


def test_conditions_see_unwrapped_quoted_and_bracketed_fields():
    assert matches('[ip, t=10/Oct*, req=GET*, code=404, size>1000]', '1.2.3.4 [10/Oct/2000 -0700] "GET /" 404 1534')


def test_only_spaces_and_tabs_separate_fields_in_matching():
    assert not matches("[a=x, b>5]", "x\x0b 6")  # the first field is "x\x0b"
    assert matches("[a=x*, b>5]", "x\x0b 6")
    assert not matches("[a, b>5]", "x 6\r")  # "6\r" is not a number
