"""Term patterns: substring AND, -exclusions, the ?-only OR rule, quoted phrases, regex terms."""

from __future__ import annotations

import pytest

from tui.patterns import compile_pattern


def matches(pattern: str, message: str) -> bool:
    return compile_pattern(pattern).matches(message)


@pytest.mark.parametrize("message", ["TERROR REQUEST", "ERROR-REQUEST", "ERROR_ARGUMENTS", "Exiting with ERRORCODE: -1"])
def test_term_is_a_substring_without_word_boundaries(message):
    assert matches("ERROR", message)


def test_terms_are_case_sensitive():
    assert not matches("ERROR", "error: disk full")


def test_all_plain_terms_must_occur_in_any_order_even_across_lines():
    assert matches("disk full", "full\nthe disk is")
    assert not matches("disk full", "the disk is fine")


def test_exclusion():
    assert matches("ERROR -DEBUG", "ERROR at boot")
    assert not matches("ERROR -DEBUG", "DEBUG ERROR at boot")


def test_only_exclusions_match_every_message_without_them():
    assert matches("-DEBUG -TRACE", "INFO all good")
    assert matches("-DEBUG", "")
    assert not matches("-DEBUG -TRACE", "TRACE here")


def test_question_terms_are_an_or_when_every_term_has_one():
    pattern = compile_pattern("?ERROR ?FATAL")
    assert pattern.matches("FATAL: oom")
    assert pattern.matches("ERROR 1")
    assert not pattern.matches("WARN disk")


def test_question_terms_are_ignored_beside_a_plain_term():
    pattern = compile_pattern("?ERROR ?ARGUMENTS REQUEST")
    assert pattern.matches("[INFO] REQUEST FAILED")  # neither ?term present
    assert not pattern.matches("ERROR ARGUMENTS")  # both ?terms, no REQUEST


def test_question_terms_are_ignored_beside_an_exclusion():
    pattern = compile_pattern("?ERROR -DEBUG")
    assert pattern.matches("INFO ok")
    assert not pattern.matches("ERROR DEBUG")


def test_quoted_phrase_keeps_inner_whitespace():
    assert matches('"INTERNAL SERVER ERROR"', "500 INTERNAL SERVER ERROR")
    assert not matches('"INTERNAL SERVER ERROR"', "500 INTERNAL  SERVER ERROR")


def test_quoted_space_is_a_one_space_phrase_not_match_all():
    pattern = compile_pattern('" "')
    assert pattern.matches("a b")
    assert not pattern.matches("ab")


def test_quoted_phrase_escapes():
    assert matches(r'"say \"hi\""', 'they say "hi" twice')
    assert matches(r'"C:\temp"', r"saved to C:\temp")


def test_quoted_phrase_may_hold_characters_bare_words_may_not():
    assert matches('"50% *done*"', "progress 50% *done*")


def test_prefixes_apply_to_phrases_and_regexes():
    assert not matches('-"disk full" ERROR', "ERROR disk full")
    assert matches("?%fa[i]l% ?%err%", "it did fail")


def test_regex_term():
    assert matches("%ab+c%", "xxabbcxx")
    assert not matches("%ab+c%", "ac")
    assert matches("%^INFO% done", "INFO job done")
    assert not matches("%^INFO% done", "job INFO done")


def test_double_dash_excludes_a_term_starting_with_dash():
    assert not matches("--verbose", "run --verbose")
    assert matches("--verbose", "run -v")


def test_term_pattern_kind_and_extract():
    pattern = compile_pattern("ERROR")
    assert pattern.kind == "term"
    assert pattern.extract("ERROR") == {}
    assert pattern.extract("INFO") is None


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_pattern_matches_everything(text):
    pattern = compile_pattern(text)
    assert pattern.kind == "all"
    assert pattern.text == text
    assert pattern.matches("")
    assert pattern.extract("anything") == {}
