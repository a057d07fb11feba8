"""Every rejection: its message and its 1-based column in the original pattern text."""

from __future__ import annotations

import pytest

from tui.patterns import PatternError, compile_pattern

REJECTED = [
    # term patterns
    ("ERROR *", 7, "Invalid character(s) in term '*'"),
    ("ab *", 4, "Invalid character(s) in term '*'"),
    ("ERR*", 1, "Invalid character(s) in term 'ERR*'"),
    ('a"b', 1, "Invalid character(s) in term 'a\"b'"),
    ("50%", 1, "Invalid character(s) in term '50%'"),
    ('"abc', 1, 'Unterminated quoted string starting "abc'),
    ('ERROR "disk', 7, 'Unterminated quoted string starting "disk'),
    ("-", 2, "Expected a term after '-'"),
    ("ERROR ?", 8, "Expected a term after '?'"),
    ('"a"b', 4, "Expected a space after the term but found 'b'"),
    ("%a%b", 4, "Expected a space after the term but found 'b'"),
    # bracket patterns
    ("[a, ..., b, ...]", 13, "Duplicate field '...'"),
    ("[a, b, a]", 8, "Duplicate field 'a'"),
    ("[a b]", 4, "Expected ',' or ']' but found 'b'"),
    ("[a, b", 6, "Expected ',' or ']' but found the end of the pattern"),
    ("[a] x", 5, "Unexpected text after ']': 'x'"),
    ("[a.b]", 2, "Invalid field name 'a.b' (use letters, digits, '_' and '-')"),
    ("[a==1]", 3, "Invalid operator '==' (use '=')"),
    ("[a!1]", 3, "Invalid operator '!' (use '!=')"),
    ("[a=]", 4, "Expected a value but found ']'"),
    ("[a>abc]", 4, "Operator '>' needs a number, not 'abc'"),
    ('[a>"5"]', 4, "Operator '>' needs a number, not '\"5\"'"),
    ("[a>%x%]", 4, "Operator '>' needs a number, not '%x%'"),
    ("[a=b*c]", 4, "Wildcard '*' is only allowed at the start or end of a value: 'b*c'"),
    ("[a=1 || b=2]", 9, "Expected field 'a' after '&&'/'||' but found 'b'"),
    ("[a=1 ||]", 8, "Expected field 'a' after '&&'/'||' but found ']'"),
    ("[a=1 && a]", 10, "Expected an operator after 'a' but found ']'"),
    ("[a=1 &]", 6, "Expected ',' or ']' but found '&'"),
    ("[=1]", 2, "Expected a field name but found '='"),
    ('[a="x]', 4, 'Unterminated quoted string starting "x]'),
    # JSON patterns
    ("{ $.a IS NOT NULL }", 7, "'IS NOT' is not supported (use '!=' or 'NOT EXISTS')"),
    ("{ $.a EXISTS }", 7, "'EXISTS' is not supported (only 'NOT EXISTS' is)"),
    ("{ $.a == 1 }", 7, "Invalid operator '==' (use '=')"),
    ("{ $.a ! 1 }", 7, "Invalid operator '!' (use '!=')"),
    ("{ !$.a }", 3, "Expected a selector such as '$.field' or '(' but found '!'"),
    ("{ $.a = 1 AND $.b = 2 }", 11, "Use '&&' instead of 'AND'"),
    ("{ $.a = 1 or $.b = 2 }", 11, "Use '||' instead of 'or'"),
    ("{ $.a = null }", 9, "Use 'IS NULL' instead of '= null'"),
    ("{ $.a != NULL }", 10, "Use 'IS NULL' instead of '!= NULL'"),
    ("{ $.a > abc }", 9, "Operator '>' needs a number, not 'abc'"),
    ('{ $.a > "5" }', 9, "Operator '>' needs a number, not '\"5\"'"),
    ("{ $.a < b* }", 9, "Operator '<' needs a number, not 'b*'"),
    ("{ $.a = b*c }", 9, "Wildcard '*' is only allowed at the start or end of a value: 'b*c'"),
    ("{ $.a IS 5 }", 10, "Expected NULL, TRUE or FALSE after 'IS' but found '5'"),
    ("{ $.a NOT 5 }", 11, "Expected 'EXISTS' after 'NOT'"),
    ("{ $.a }", 7, "Expected an operator after the selector but found '}'"),
    ("{ $ = 1 }", 4, "Expected '.' after '$' in a selector"),
    ("{ $. = 1 }", 5, "Expected a field name after '.' but found ' '"),
    ("{ $.a[x] = 1 }", 7, "Expected an array index, '*' or a quoted key after '[' but found 'x'"),
    ("{ $.a[1 = 1 }", 8, "Expected ']' but found ' '"),
    ("{ $.['a = 1 }", 6, "Unterminated quoted string starting 'a = 1 }"),
    ("{ $.a[*].b[*] = 1 }", 11, "At most one wildcard per selector"),
    ("{ $.a[*] = 1 && $.b[*] = 1 && $.c.* = 1 && $.d.* = 1 }", 47, "At most 3 wildcards per pattern"),
    ("{ $.a = 1", 10, "Missing '}' at the end of the JSON pattern"),
    ("{ $.a = 1 } x", 13, "Unexpected text after '}': 'x'"),
    ("{ $.a = 1 }}", 12, "Unexpected text after '}': '}'"),
    ("{ ($.a = 1 }", 12, "Expected ')' but found '}'"),
    ("{ }", 3, "Expected a selector such as '$.field' or '(' but found '}'"),
    ("{ $.a = 1 & $.b = 1}", 11, "Expected '}' but found '&'"),
    ("{ $.a = %x% && $.b = %y% && $.c = %z% }", 35, "Too many regular expressions: at most 2 per pattern"),
    ("{" + "(" * 65 + "$.a = 1" + ")" * 65 + "}", 66, "Parentheses nested deeper than 64 levels"),
]


@pytest.mark.parametrize(("pattern", "column", "message"), REJECTED, ids=[case[0][:50] for case in REJECTED])
def test_rejected_pattern(pattern, column, message):
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    error = caught.value
    assert (error.column, error.message) == (column, message)
    assert str(error) == f"invalid filter pattern at column {column}: {message}"


def test_error_is_a_value_error():
    assert issubclass(PatternError, ValueError)


def test_columns_count_from_the_untrimmed_text():
    with pytest.raises(PatternError) as caught:
        compile_pattern("   ab *")
    assert caught.value.column == 7


def test_documented_error_example():
    with pytest.raises(PatternError, match=r"^invalid filter pattern at column 4: Invalid character\(s\) in term '\*'$"):
        compile_pattern("ab *")


def test_length_limit():
    assert compile_pattern("a" * 1024).matches("a" * 1024)
    with pytest.raises(PatternError) as caught:
        compile_pattern("a" * 1025)
    assert (caught.value.column, caught.value.message) == (1025, "Pattern is longer than 1024 characters")


def test_nesting_up_to_the_limit_compiles():
    assert compile_pattern("{" + "(" * 64 + "$.a = 1" + ")" * 64 + "}").matches('{"a": 1}')


def test_unprintable_characters_in_messages_are_escaped():
    with pytest.raises(PatternError) as caught:
        compile_pattern('ERROR "a\nb\x1b[2J')
    assert caught.value.message == 'Unterminated quoted string starting "a\\nb\\x1b[2J'
    assert "\n" not in str(caught.value)
