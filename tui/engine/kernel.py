"""The per-batch kernel: one generated Python function that evaluates every rule and every statistic
in a single pass over a batch of flow-log lines.

Each line is tokenised once (``str.split``); rules become inline comparisons on the tokens they need
(from ``Pattern.bind``), matches are aggregated per (group, event time) bucket, and the dashboard
statistics are counted as locals flushed once per event-time minute. Lines that could split
differently under CloudWatch's rules (quotes, brackets, unusual whitespace) take the pattern's own
``matches`` instead, so the generated fast path never changes what a rule matches.
"""

from __future__ import annotations

import functools
import gc
import itertools
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Iterator, Sequence

from tui.engine.batch import MINUTE_COLUMNS, TOP_DIMENSIONS, BatchResult, Buckets
from tui.flowlog import FlowFormat
from tui.flowlog.header import detect_header
from tui.flowlog.values import MILLISECONDS_ABOVE, NUMBER_DIGITS_LIMIT
from tui.patterns import SIMPLE_LINE, Binding, Pattern, Rest
from tui.patterns.compare import INT_FAST_DIGITS, NumberCmp, TextCmp, number_source, odd_source
from tui.patterns.fields import SPLIT_DIFFERS

# Characters that can make ``str.split`` disagree with CloudWatch's field splitting, on ASCII text
# whose lines are separated by newlines (the one rule, from tui.patterns.fields): tabs included.
# And "{": a JSON object (a wrapped record, unwrapped or not) is no record, which only the checked
# kernel tests.
_UNSIMPLE = "".join(char for char in SPLIT_DIFFERS if char.isascii() and char != "\n") + "{"
# With none of those (tabs included), these are all that can stand between fields but one space.
_NOT_SINGLE_SPACED = ("  ", " \n", "\n ")
_MALFORMED_SAMPLES = 3
_SAMPLE_CHARS = 200
_kernel_ids = itertools.count()


@dataclass(frozen=True)
class KernelRule:
    """What the kernel needs of a rule: its pattern and which fields form its group and measure."""

    pattern: Pattern
    group_by: tuple[str, ...] = ()
    measure: str = "count"  # count | sum | distinct | stats (partials [count, sum, minimum, maximum] of a field)
    measure_field: str | None = None


def split_lines(text: str) -> list[str]:
    """Lines separated by newlines only: ``str.splitlines`` would also cut at \\x0b, \\x1c or U+2028,
    which CloudWatch keeps inside a message. A CR before the newline is dropped."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


def split_after(text: str, count: int) -> tuple[str, str]:
    """``text``'s first ``count`` lines (as :func:`split_lines` reads them) and the rest, each as
    text of whole lines: where a batch that ended at a header of another layout cuts its chunk."""
    lines = split_lines(text)
    head, rest = lines[:count], lines[count:]
    return "\n".join(head) + "\n" if head else "", "\n".join(rest) + "\n" if rest else ""


def start_ms(token: str) -> int | None:
    """Event time in ms from a record's ``start`` token (Unix seconds, or milliseconds in the wild);
    the generated kernel inlines the same rule."""
    if not token.isdigit():
        return None
    value = int(token)
    return value * 1000 if value <= MILLISECONDS_ABOVE else value


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a batch allocates tens of thousands of dicts and sets
    (no cycles among them, so reference counting frees them all), and the collections their
    allocation triggers would cost a tenth of the kernel's time for nothing."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def text_is_simple(text: str) -> bool:
    """True when ``str.split`` splits every line of ``text`` exactly as CloudWatch would for every
    pattern (ASCII, and no quote, bracket, tab, which a pattern holding a regex does not split at, or
    other whitespace), and no line can start with ``{``: what the fast kernel may take."""
    return text.isascii() and not any(char in text for char in _UNSIMPLE)


def single_spaced(text: str) -> bool:
    """True when, in simple text, every line's fields are separated by exactly one space with none
    before or after: ``line.split(" ")`` (a plain search, cheaper) then equals ``line.split()``."""
    return not any(gap in text for gap in _NOT_SINGLE_SPACED) and text[:1] != " " and text[-1:] != " "


class Kernel:
    """A compiled batch processor for one format and one list of rules."""

    def __init__(
        self, fmt: FlowFormat, rules: Sequence[KernelRule], event_times: bool = False, top_tables: bool = True,
    ) -> None:
        """``top_tables=False`` leaves out the top-N tables (a quarter of the work per record) for
        callers that never show them: the batches' ``top`` is then empty."""
        self.fmt = fmt
        self.rules = tuple(rules)
        self.event_times = event_times
        self.top_tables = top_tables
        source, namespace = _generate(fmt, self.rules, event_times, top_tables)
        self.source = source
        exec(compile(source, f"<flowtail kernel {next(_kernel_ids)}>", "exec"), namespace)
        self._fast: Callable = namespace["kernel_fast"]
        self._fast_spaced: Callable = functools.partial(self._fast, sep=" ")
        self._checked: Callable = namespace["kernel_checked"]

    def process_text(self, text: str, now_ms: int = 0) -> BatchResult:
        """A chunk of a file: whole lines separated by newlines.

        An S3 header line of this layout is skipped (``headers`` counts it); one of another layout
        ends the batch there: the result's ``next_format`` is that layout, its ``lines`` counts the
        lines up to the header, and the caller goes on with the rest (:func:`split_after`) under a
        kernel for the new layout. Kernels with event times (CloudWatch messages) read no headers."""
        lines = split_lines(text)
        with collector_paused():
            return self._pick(text, lines)(lines, None, now_ms)

    def process(self, lines: Sequence[str], times: Sequence[int] | None = None, now_ms: int = 0) -> BatchResult:
        """A batch of messages, with their event times in ms when ``event_times`` is set."""
        text = "\n".join(lines)
        # A message with a newline inside is not one line of the joined text: the spacing check
        # would miss the whitespace there.
        whole = text.count("\n") == max(len(lines) - 1, 0)
        with collector_paused():
            return self._pick(text, lines, whole)(lines, times, now_ms)

    def _pick(self, text: str, lines: Sequence[str], lines_of_text: bool = True) -> Callable:
        """The fast kernel takes ASCII text that str.split splits like CloudWatch, in lines too short
        to hold a number int() could choke on; anything else takes the checked one. It splits at
        single spaces when ``lines`` are the lines of ``text`` and that is all their spacing."""
        if text_is_simple(text) and (not lines or max(map(len, lines)) < INT_FAST_DIGITS):
            return self._fast_spaced if lines_of_text and single_spaced(text) else self._fast
        return self._checked


class _Code:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def block(self, header: str) -> _Block:
        self(header)
        return _Block(self)


class _Block:
    def __init__(self, code: _Code) -> None:
        self.code = code

    def __enter__(self) -> None:
        self.code.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.code.depth -= 1


# time_runs longer than this are not worth pickling: the engine scans instead of bisecting.
MAX_TIME_RUNS = 4096
# Per-batch caches of low-cardinality fields (text -> int value, or text -> not-canonical flag), at
# most this big. They never hold None (a text that is no number is not cached): None means a miss.
_NUMBER_CACHE = 4096


def digits_value(text: str) -> int | None:
    """``int(text)`` for a digit string (the statistics' and sum measure's reading of a number field),
    None for anything else, including digit strings ``int()`` refuses (superscripts, or more digits
    than ``sys.get_int_max_str_digits()``)."""
    if not text.isdigit():
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _line_offsets(lines: Sequence[str], indexes: list[int]) -> list[int]:
    """Where lines[i] starts in ``"\\n".join(lines)``, for each i in ``indexes``."""
    prefix = [0, *accumulate(map(len, lines))]
    return [prefix[index] + index for index in indexes]


def _top_tables(tables: Sequence[dict[str, list[int]]]) -> list[tuple[dict[str, int], dict[str, int]]]:
    """(records by key, bytes by key) per dimension from the kernel's tables (key -> the bytes of each
    of its records); the counting and summing run in C."""
    return [
        (dict(zip(table, map(len, table.values()))), dict(zip(table, map(sum, table.values())))) for table in tables
    ]


def _generate(fmt: FlowFormat, rules: tuple[KernelRule, ...], event_times: bool, top_tables: bool) -> tuple[str, dict]:
    namespace: dict = {
        "BatchResult": BatchResult, "Buckets": Buckets, "_simple_line": SIMPLE_LINE, "_split": str.split,
        "_digits": digits_value, "_top_tables": _top_tables, "_Tops": defaultdict, "_line_offsets": _line_offsets,
        "_stats_add": _stats_add,
    }
    nfields = fmt.nfields
    var = [f"v{i}" for i in range(nfields)]
    # File kernels (no event times) read S3 header lines; CloudWatch messages have none.
    headers = not event_times
    namespace.update(_header=detect_header, _fmt=fmt)

    def field_index(name: str | None) -> int | None:
        return fmt.index(name) if name is not None and fmt.has(name) else None

    def field_var(name: str) -> str | None:
        index = field_index(name)
        return None if index is None else var[index]

    # Per-record facts computed once and shared by the statistics and every rule: n<i> is the int
    # value of field i (see compare.number_source), o<i> whether it is not a canonical digit string.
    numeric: set[int] = set()
    for name in ("bytes", "packets"):
        if (index := field_index(name)) is not None:
            numeric.add(index)
    for rule in rules:
        if rule.measure in ("sum", "stats") and (index := field_index(rule.measure_field)) is not None:
            numeric.add(index)
    equalities: dict[int, int] = {}
    for rule in rules:
        for index, cmp in _number_cmps(rule.pattern, nfields):
            if cmp.op in ("<", ">", "<=", ">="):
                numeric.add(index)
            else:
                equalities[index] = equalities.get(index, 0) + 1
    odd = {index for index, uses in equalities.items() if uses >= 2 and index not in numeric}
    facts = {index: (f"n{index}" if index in numeric else None, f"o{index}" if index in odd else None)
             for index in numeric | odd}
    cached = {index for index in numeric if index != field_index("bytes")}
    dim_names = [dim for dim in TOP_DIMENSIONS if top_tables and fmt.has(dim)]

    conditions = []
    for index, rule in enumerate(rules):
        namespace[f"_pattern_{index}"] = rule.pattern
        conditions.append(_rule_condition(index, rule.pattern, nfields, var, namespace, facts))

    def emit(code: _Code, name: str, checked: bool) -> None:
        nrules = len(rules)
        width = len(MINUTE_COLUMNS) + nrules
        counters = [f"m{i}" for i in range(width)]
        dims = [var[fmt.index(dim)] for dim in dim_names]
        start = field_var("start")
        action, status = field_var("action"), field_var("log-status")
        byte_index, packet_index = field_index("bytes"), field_index("packets")
        grouped = [bool(rule.group_by) for rule in rules]

        # The fast kernel splits at ``sep`` (None: any whitespace), the checked one at whitespace.
        with code.block(
            f"def {name}(lines, times, now_ms):" if checked else f"def {name}(lines, times, now_ms, sep=None):"
        ):
            code("split = _split")
            code("malformed = 0; samples = []; records = 0; blank = 0; headers = 0; switch = None")
            code("minutes = {}; cur_minute = None; t = now_ms; t_min = None; t_max = None")
            code("last_token = None; runs_at = []; runs_t = []; t_run = None")
            code(" = ".join(counters) + " = 0")
            for index in sorted(cached):
                code(f"cache{index} = {{}}; get_cache{index} = cache{index}.get")
            for index in sorted(odd):
                code(f"odd{index} = {{}}; get_odd{index} = odd{index}.get")
            for d in range(len(dims)):
                code(f"top{d} = _Tops(list)")
            for r in range(nrules):
                if grouped[r]:
                    code(f"groups_{r} = {{}}; get_{r} = groups_{r}.get; order_{r} = []; add_{r} = order_{r}.append")
                else:
                    code(f"run_{r} = {{}}; get_{r} = run_{r}.get")
            loop = "for line, t in zip(lines, times):" if event_times else "for line in lines:"
            with code.block(loop):
                with code.block("try:"):
                    tokens = "split(line)" if checked else "split(line, sep)"
                    code(", ".join(var) + (f", = {tokens}" if nfields == 1 else f" = {tokens}"))
                with code.block("except ValueError:"):
                    # Not one token per field: a blank line, or not a record.
                    with code.block("if not split(line):"):
                        code("blank += 1")
                        code("continue")
                    _not_a_record(code, headers)
                invalid = _invalid_record(start, checked, headers)
                if invalid is not None:
                    with code.block(f"if {invalid}:"):
                        _not_a_record(code, headers)
                # A record's start is ASCII digits, fewer than NUMBER_DIGITS_LIMIT (in the fast
                # kernel's lines every token is ASCII and shorter). Read from the records, it is
                # tested when it changes: most records repeat the token of the one before.
                valid = None if start is None else f"{start}.isdigit()" if not checked else (
                    f"{start}.isdigit() and {start}.isascii() and len({start}) < {NUMBER_DIGITS_LIMIT}"
                )
                if valid is not None and event_times:
                    with code.block(f"if not ({valid}):"):
                        _not_a_record(code, headers)
                # Event time and its minute; the minute's counters are flushed when it changes.
                token = "t" if event_times else start if start is not None else "now_ms"
                with code.block(f"if {token} != last_token:"):
                    if valid is not None and not event_times:
                        with code.block(f"if not ({valid}):"):
                            _not_a_record(code, headers)
                    if not event_times and start is not None:
                        code(f"t = int({start})")
                        with code.block(f"if t <= {MILLISECONDS_ABOVE}:"):
                            code("t *= 1000")
                    code(f"last_token = {token}")
                    with code.block("if t != t_run:"):
                        with code.block("if runs_t is not None:"):
                            with code.block("if t_run is not None and t < t_run:"):
                                code("runs_t = None")
                            with code.block("else:"):
                                # Every earlier line was blank, not a record (malformed or a header) or a record.
                                code("runs_at.append(records + m0 + malformed + blank + headers); runs_t.append(t)")
                        code("t_run = t")
                    with code.block("if t_max is None or t > t_max:"):
                        code("t_max = t")
                    with code.block("if t_min is None or t < t_min:"):
                        code("t_min = t")
                    code("minute = t // 60000")
                    with code.block("if minute != cur_minute:"):
                        _flush(code, counters)
                        code("cur_minute = minute")
                        code(" = ".join(counters) + " = 0")
                code("m0 += 1")
                for index in sorted(facts):
                    number, odd_name = facts[index]
                    token = var[index]
                    if number:
                        # For low-cardinality numbers (packets, ports...) a dict lookup beats isdigit + int.
                        source = number_source(token, ascii_known=not checked, short_known=not checked)
                        _emit_fact(code, number, source, token, f"cache{index}" if index in cached else None)
                    if odd_name:
                        # Fields compared with `=` are ports, protocols...: a lookup beats isdigit() and
                        # two comparisons.
                        _emit_fact(code, odd_name, odd_source(token), token, f"odd{index}")
                # Traffic statistics: NODATA/SKIPDATA records carry no flow.
                traffic = f"if {status} == 'OK':" if status else "if True:"
                with code.block(traffic):
                    if action:
                        with code.block(f"if {action} == 'REJECT':"):
                            code("m2 += 1")
                        with code.block(f"elif {action} == 'ACCEPT':"):
                            code("m1 += 1")
                    if byte_index is not None:
                        n, v = f"n{byte_index}", var[byte_index]
                        code(f"b = {n} if {n} is not None else (_digits({v}) or 0)")
                        code("m3 += b")
                    else:
                        code("b = 0")
                    if packet_index is not None:
                        n, v = f"n{packet_index}", var[packet_index]
                        with code.block(f"if {n} is not None:"):
                            code(f"m4 += {n}")
                        with code.block(f"elif {v}.isdigit():"):
                            code(f"m4 += _digits({v}) or 0")
                    for d, v in enumerate(dims):
                        # Each key keeps its records' bytes: appending costs less than adding to a
                        # count and a sum (ints past 2**30 are allocated afresh at every addition).
                        code(f"top{d}[{v}].append(b)")
                if status:
                    with code.block(f"elif {status} == 'NODATA':"):
                        code("m5 += 1")
                    with code.block(f"elif {status} == 'SKIPDATA':"):
                        code("m6 += 1")
                if checked and rules:
                    code("simple = _simple_line(line)")
                for r, rule in enumerate(rules):
                    condition = conditions[r]
                    if condition is None:
                        continue
                    if checked and rule.pattern.kind == "bracket":
                        condition = f"(({condition}) if simple else _pattern_{r}.matches(line))"
                    with code.block(f"if {condition}:"):
                        code(f"m{len(MINUTE_COLUMNS) + r} += 1")
                        _emit_bucket(code, r, rule, fmt.index, var)
            _flush(code, counters)
            code(f"if runs_t is not None and len(runs_t) > {MAX_TIME_RUNS}: runs_t = None")
            code("time_runs = None if runs_t is None else (runs_at, runs_t, _line_offsets(lines, runs_at))")
            top = ", ".join(f"{dim!r}: tops[{d}]" for d, dim in enumerate(dim_names))
            code(f"tops = _top_tables([{', '.join(f'top{d}' for d in range(len(dims)))}])")
            buckets = ", ".join(
                f"Buckets(groups_{r}, order_{r} if len(groups_{r}) > 1 else None)" if grouped[r]
                else f"Buckets({{'': run_{r}}} if run_{r} else {{}})"
                for r in range(nrules)
            )
            # At a header of another layout the batch ends after it (see Kernel.process_text).
            code("consumed = len(lines) if switch is None else lines.index(line) + 1")
            code(
                "return BatchResult(consumed, records, malformed, samples, t_min, t_max, minutes, "
                f"{{{top}}}, [{buckets}], time_runs, headers, switch)"
            )

    code = _Code()
    emit(code, "kernel_fast", checked=False)
    emit(code, "kernel_checked", checked=True)
    return "\n".join(code.lines) + "\n", namespace


def _not_a_record(code: _Code, headers: bool) -> None:
    """The end of a line's iteration when it is no record: a header line of this layout is skipped,
    one of another layout ends the batch (``switch``), anything else is malformed."""
    if headers:
        code("header = _header(line)")
        with code.block("if header is not None:"):
            with code.block("if header == _fmt:"):
                code("headers += 1")
                code("continue")
            code("switch = header")
            code("break")
    code("malformed += 1")
    with code.block(f"if len(samples) < {_MALFORMED_SAMPLES}:"):
        code(f"samples.append(line[:{_SAMPLE_CHARS}])")
    code("continue")


def _invalid_record(start: str | None, checked: bool, headers: bool) -> str | None:
    """An expression, over a line split into one token per field, true when the line is still no
    record (see ``FlowFormat.split``, the definition this code follows; ``start`` is tested where
    the event time is read); None when nothing is left to test, the common case."""
    # The fast kernel's lines are ASCII, without "{".
    tests = ["'\\ufffd' in line", "v0[0] == '{'"] if checked else []
    if start is None and headers:
        tests.append("_header(line) is not None")  # nothing else tells a header from a record
    return " or ".join(tests) or None


def _emit_fact(code: _Code, name: str, source: str, token: str, cache: str | None) -> None:
    """``name = source`` (a per-record fact about ``token``), looked up first in the batch's dict
    ``cache`` when there is one; a None from the lookup means a miss, so None values are not cached."""
    if cache is None:
        code(f"{name} = {source}")
        return
    code(f"{name} = get_{cache}({token})")
    with code.block(f"if {name} is None:"):
        code(f"{name} = {source}")
        with code.block(f"if {name} is not None and len({cache}) < {_NUMBER_CACHE}:"):
            code(f"{cache}[{token}] = {name}")


def _flush(code: _Code, counters: list[str]) -> None:
    with code.block("if cur_minute is not None and m0:"):
        code("records += m0")
        code("row = minutes.get(cur_minute)")
        with code.block("if row is None:"):
            code(f"minutes[cur_minute] = [{', '.join(counters)}]")
        with code.block("else:"):
            for i, counter in enumerate(counters):
                code(f"row[{i}] += {counter}")


def _stats_add(partial: list, value: int) -> None:
    """One more value in a ``stats`` partial: [count, sum, minimum, maximum]."""
    partial[0] += 1
    partial[1] += value
    if value < partial[2]:
        partial[2] = value
    elif value > partial[3]:
        partial[3] = value


def _emit_bucket(code: _Code, r: int, rule: KernelRule, field_index: Callable[[str], int], var: list[str]) -> None:
    """Add the record to its (group, time) bucket: ``run_<r>`` ({time: partial}) for a rule without
    groups, else ``groups_<r>`` ({group: {time: partial}}), noting each new bucket in ``order_<r>``.

    ``field_index`` raises FormatError for a field the format lacks (a file whose header names other
    fields than the rule groups by or measures)."""
    if rule.measure in ("sum", "stats", "distinct"):
        if rule.measure_field is None:
            raise ValueError(f"a {rule.measure} rule needs a field to measure")
        measured = field_index(rule.measure_field)
    if rule.measure in ("sum", "stats"):
        index = measured
        value = "x"
        # Only a number field value makes (or adds to) a bucket.
        with code.block(f"if n{index} is not None:"):
            code(f"x = n{index}")
        with code.block("else:"):
            code(f"x = _digits({var[index]})")
        code("if x is not None:")
        code.depth += 1
    elif rule.measure == "distinct":
        value = var[measured]
    else:
        value = "1"
    if rule.group_by:
        group_vars = [var[field_index(name)] for name in rule.group_by]
        group = group_vars[0] if len(group_vars) == 1 else f"({', '.join(group_vars)})"
        code(f"run = get_{r}({group})")
        with code.block("if run is None:"):
            code(f"run = groups_{r}[{group}] = {{}}")
        code("partial = run.get(t)")
        first = {"distinct": f"{{{value}}}", "stats": f"[1, {value}, {value}, {value}]"}.get(rule.measure, value)
        with code.block("if partial is None:"):
            code(f"run[t] = {first}")
            code(f"add_{r}(run)")
        with code.block("else:"):
            more = {"distinct": f"partial.add({value})", "stats": f"_stats_add(partial, {value})"}
            code(more.get(rule.measure, f"run[t] = partial + {value}"))
    elif rule.measure == "stats":
        code(f"partial = get_{r}(t)")
        with code.block("if partial is None:"):
            code(f"run_{r}[t] = [1, {value}, {value}, {value}]")
        with code.block("else:"):
            code(f"_stats_add(partial, {value})")
    elif rule.measure == "distinct":
        code(f"seen = get_{r}(t)")
        with code.block("if seen is None:"):
            code(f"run_{r}[t] = {{{value}}}")
        with code.block("else:"):
            code(f"seen.add({value})")
    else:
        code(f"run_{r}[t] = get_{r}(t, 0) + {value}")
    if rule.measure in ("sum", "stats"):
        code.depth -= 1


def _number_cmps(pattern: Pattern, nfields: int) -> Iterator[tuple[int, NumberCmp]]:
    """(field index, comparison) for every numeric comparison on a whole field of a simple line."""
    if pattern.kind != "bracket":
        return
    for binding in pattern.bind(nfields) or ():
        if isinstance(binding.target, Rest):
            continue
        for all_of in binding.condition.all_of:
            for cmp in all_of.cmps:
                if type(cmp) is NumberCmp:
                    yield binding.target, cmp


def _rule_condition(
    index: int,
    pattern: Pattern,
    nfields: int,
    var: list[str],
    namespace: dict,
    facts: dict[int, tuple[str | None, str | None]],
) -> str | None:
    """A Python expression over the field variables, or None when the rule cannot match."""
    if pattern.kind == "all":
        return "True"
    if pattern.kind != "bracket":
        return f"_pattern_{index}.matches(line)"
    bindings = pattern.bind(nfields)
    if bindings is None:
        return None
    parts = []
    # Cheapest checks first (plain text, then globs, numbers, regexes; rest-of-line last): an AND
    # stops at the first false condition, and conditions have no side effects.
    for binding in sorted(bindings, key=lambda binding: _binding_cost(binding, facts)):
        target = binding.target
        rest = isinstance(target, Rest)
        name = f"rest{target.start}" if isinstance(target, Rest) else var[target]
        one_of = None if rest else _one_of_source(binding, name, facts, namespace)
        if one_of is not None:
            parts.append(f"({one_of})")
            continue
        alternatives = []
        for all_of in binding.condition.all_of:
            terms = []
            for cmp in all_of.cmps:
                namespace.update(cmp.namespace)
                if type(cmp) is NumberCmp and not rest and binding.target in facts:
                    number, odd = facts[binding.target]
                    terms.append(f"({cmp.source_given(name, number, odd)})")
                else:
                    terms.append(f"({cmp.source(name)})")
            alternatives.append(" and ".join(terms) or "True")
        expression = " or ".join(f"({alt})" for alt in alternatives) or "True"
        if isinstance(target, Rest):
            # The raw rest of the line, computed only when the earlier fields matched.
            start = target.start
            expression = f"(({name} := split(line, None, {start})[{start}]) is not None) and ({expression})"
        parts.append(f"({expression})")
    return " and ".join(parts) or "True"


def _one_of_source(
    binding: Binding, name: str, facts: dict[int, tuple[str | None, str | None]], namespace: dict
) -> str | None:
    """``field=a || field=b || ...`` as one set membership test (one hash lookup instead of a
    comparison per value), when every alternative is a single ``=`` on plain text, or every one a
    single ``=`` on an integer with the field's number facts at hand; else None."""
    alternatives = binding.condition.all_of
    if len(alternatives) < 2 or any(len(all_of.cmps) != 1 or all_of.cmps[0].op != "=" for all_of in alternatives):
        return None
    cmps = [all_of.cmps[0] for all_of in alternatives]
    if all(type(cmp) is TextCmp for cmp in cmps):
        return f"{name} in {{{', '.join(repr(cmp.literal_text) for cmp in cmps)}}}"
    numbers = [cmp for cmp in cmps if type(cmp) is NumberCmp and cmp.int_value is not None]
    if len(numbers) != len(cmps) or binding.target not in facts:
        return None
    for number_cmp in numbers:
        namespace.update(number_cmp.namespace)
    number, odd = facts[binding.target]
    exact = " or ".join(number_cmp.exact_source(name) for number_cmp in numbers)
    if number is not None:
        return (
            f"{number} in {{{', '.join(str(cmp.int_value) for cmp in numbers)}}} if {number} is not None else ({exact})"
        )
    if odd is not None:
        # Canonical digit strings equal a value only as its own text (see NumberCmp.source_given).
        return f"{name} in {{{', '.join(repr(str(cmp.int_value)) for cmp in numbers)}}} or {odd} and ({exact})"
    return None


def _binding_cost(binding: Binding, facts: dict[int, tuple[str | None, str | None]]) -> tuple[bool, float]:
    """Rest-of-line targets last, then by the comparisons' cost. A number comparison on a field whose
    int value or canonical-digits flag the kernel already has costs about one comparison: more than
    plain text, less than a glob's startswith() call."""
    rest = isinstance(binding.target, Rest)
    cheap = not rest and binding.target in facts
    cost = sum(
        1.5 if cheap and type(cmp) is NumberCmp else cmp.cost
        for all_of in binding.condition.all_of for cmp in all_of.cmps
    )
    return rest, cost
