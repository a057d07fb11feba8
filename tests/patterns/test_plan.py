"""bind(): the inspectable plan the rule engine compiles, and the cost shape of its expressions."""

from __future__ import annotations

import pytest

from tui.patterns import AllOf, AnyOf, Binding, Cmp, Rest, compile_pattern

V2_SSH = "[version, account, eni, srcaddr, dstaddr, srcport, dstport=22, protocol, packets, bytes>100000, start, end, action=REJECT, status]"


def evaluate(binding: Binding, fields: list[str], line: str) -> bool:
    """What a rule engine would do with one binding."""
    target = binding.target
    value = line.split(None, target.start)[target.start] if isinstance(target, Rest) else fields[target]
    return eval(binding.condition.source("v"), dict(binding.condition.namespace), {"v": value})


def test_bind_without_ellipsis():
    pattern = compile_pattern(V2_SSH)
    assert pattern.bind(13) is None
    assert [b.target for b in pattern.bind(14)] == [6, 9, 12]
    assert [b.target for b in pattern.bind(20)] == [6, 9, 12]  # the last entry has no condition
    assert all(isinstance(b, Binding) and isinstance(b.condition, AnyOf) for b in pattern.bind(14))


def test_bind_absorbs_into_a_rest_target():
    pattern = compile_pattern("[a, b=x*]")
    assert [b.target for b in pattern.bind(2)] == [1]
    assert [b.target for b in pattern.bind(5)] == [Rest(1)]
    line = "1  xa  yb  "
    (binding,) = pattern.bind(3)
    assert evaluate(binding, line.split(), line)
    assert line.split(None, 1)[1] == "xa  yb  "


def test_bind_with_ellipsis_binds_the_last_fields():
    pattern = compile_pattern("[v=2, ..., dstport=22, action=REJECT, status]")
    assert pattern.bind(2) is None
    assert [b.target for b in pattern.bind(4)] == [0, 1, 2]
    assert [b.target for b in pattern.bind(14)] == [0, 11, 12]


def test_bind_of_unconditional_patterns_is_empty():
    assert compile_pattern("[]").bind(0) == ()
    assert compile_pattern("[a, b]").bind(5) == ()
    assert compile_pattern("[a, b]").bind(1) is None


@pytest.mark.parametrize("text", ["ERROR", "{ $.a = 1 }", ""])
def test_bind_is_for_bracket_patterns_only(text):
    with pytest.raises(TypeError):
        compile_pattern(text).bind(3)


def test_condition_structure_keeps_and_inside_or():
    (binding,) = compile_pattern("[n = 1 || n > 5 && n < 8]").bind(1)
    assert [len(group.cmps) for group in binding.condition.all_of] == [1, 2]
    assert all(isinstance(group, AllOf) for group in binding.condition.all_of)
    assert all(isinstance(cmp, Cmp) for group in binding.condition.all_of for cmp in group.cmps)


def cmp_source(condition: str) -> str:
    (binding,) = compile_pattern(f"[x{condition}]").bind(1)
    ((cmp,),) = [group.cmps for group in binding.condition.all_of]
    return cmp.source("x")


def test_text_equality_is_one_string_comparison():
    assert cmp_source("=REJECT") == "(x == 'REJECT')"
    assert cmp_source("!=REJECT") == "(x != 'REJECT')"
    assert cmp_source('="10.0.0.155"') == "(x == '10.0.0.155')"


def test_integer_equality_tries_the_canonical_text_first():
    source = cmp_source("=22")
    assert source.startswith("(x == '22' or ")
    assert cmp_source("=022").startswith("(x == '22' or ")


def test_ordering_uses_int_on_digit_strings():
    source = cmp_source(">100000")
    assert source.startswith("(int(x) > 100000 if x.isdigit()")


@pytest.mark.parametrize(
    ("condition", "source"),
    [("=10.0.14.*", "(x.startswith('10.0.14.'))"), ("=*.html", "(x.endswith('.html'))"),
     ("=*.html*", "('.html' in x)"), ("=*", "(True)"), ("!=4*", "(not (x.startswith('4')))")],
)
def test_globs_use_string_methods(condition, source):
    assert cmp_source(condition) == source


def test_namespaces_of_many_patterns_merge_without_conflict():
    first = compile_pattern("[a=%^x%, b=22, c>5]").bind(3)
    second = compile_pattern("[a=%y$%, b=23, c>6]").bind(3)
    merged: dict[str, object] = {}
    for binding in first + second:
        for name, value in binding.condition.namespace.items():
            assert merged.setdefault(name, value) is value, name
    checks = [eval(b.condition.source("v"), merged, {"v": value}) for b, value in zip(first, ["xa", "022", "6"])]
    checks += [eval(b.condition.source("v"), merged, {"v": value}) for b, value in zip(second, ["ay", "23", "6"])]
    assert checks == [True, True, True, True, True, False]


def test_matches_fields_for_every_kind():
    line = "2 123 eni-1 10.0.0.1 10.0.14.2 4000 22 6 5 500 1 61 REJECT OK"
    for text in ("REJECT", "-REJECT", "{ $.a = 1 }", "", V2_SSH, "[..., action=REJECT, status]"):
        pattern = compile_pattern(text)
        assert pattern.matches_fields(line.split(), line) == pattern.matches(line)


def test_compiled_matchers_per_field_count_are_bounded():
    pattern = compile_pattern("[a=x, ...]")
    for n in range(1, 300):
        assert pattern.matches("x " + "y " * n)
    assert len(pattern._matchers) <= 64  # noqa: SLF001 - the bound is the behaviour under test
