"""The per-batch kernel: one generated Python function that evaluates every rule and every statistic
in a single pass over a batch of flow-log lines.

Each line is tokenised once (``str.split``); rules become inline comparisons on the tokens they need
(from ``Pattern.bind``), matches are aggregated per (group, event time) bucket, and the dashboard
statistics are counted as locals flushed once per event-time minute. Lines that could split
differently under CloudWatch's rules (quotes, brackets, unusual whitespace) take the pattern's own
``matches`` instead, so the generated fast path never changes what a rule matches.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Sequence

from tui.batch import MINUTE_COLUMNS, TOP_DIMENSIONS, BatchResult
from tui.flowlog import FlowFormat
from tui.flowlog.values import MILLISECONDS_ABOVE
from tui.patterns import SIMPLE_LINE, Binding, Pattern, Rest

# Characters that can make ``str.split`` disagree with CloudWatch's field splitting (on ASCII text).
_UNSIMPLE = '"[\x0b\x0c\r\x1c\x1d\x1e\x1f'
_MALFORMED_SAMPLES = 3
_SAMPLE_CHARS = 200
_kernel_ids = itertools.count()


@dataclass(frozen=True)
class KernelRule:
    """What the kernel needs of a rule: its pattern and which fields form its group and measure."""

    pattern: Pattern
    group_by: tuple[str, ...] = ()
    measure: str = "count"  # count | sum | distinct
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


def start_ms(token: str) -> int | None:
    """Event time in ms from a record's ``start`` token (Unix seconds, or milliseconds in the wild);
    the generated kernel inlines the same rule."""
    if not token.isdigit():
        return None
    value = int(token)
    return value * 1000 if value <= MILLISECONDS_ABOVE else value


def text_is_simple(text: str) -> bool:
    """True when ``str.split`` splits every line of ``text`` exactly as CloudWatch would."""
    return text.isascii() and not any(char in text for char in _UNSIMPLE)


class Kernel:
    """A compiled batch processor for one format and one list of rules."""

    def __init__(self, fmt: FlowFormat, rules: Sequence[KernelRule], event_times: bool = False) -> None:
        self.fmt = fmt
        self.rules = tuple(rules)
        self.event_times = event_times
        source, namespace = _generate(fmt, self.rules, event_times)
        self.source = source
        exec(compile(source, f"<flowtail kernel {next(_kernel_ids)}>", "exec"), namespace)
        self._fast: Callable = namespace["kernel_fast"]
        self._checked: Callable = namespace["kernel_checked"]

    def process_text(self, text: str, now_ms: int = 0) -> BatchResult:
        """A chunk of a file: whole lines separated by newlines."""
        run = self._fast if text_is_simple(text) else self._checked
        return run(split_lines(text), None, now_ms)

    def process(self, lines: Sequence[str], times: Sequence[int] | None = None, now_ms: int = 0) -> BatchResult:
        """A batch of messages, with their event times in ms when ``event_times`` is set."""
        run = self._fast if text_is_simple("\n".join(lines)) else self._checked
        return run(lines, times, now_ms)


class _Code:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def block(self, header: str) -> "_Block":
        self(header)
        return _Block(self)


class _Block:
    def __init__(self, code: _Code) -> None:
        self.code = code

    def __enter__(self) -> None:
        self.code.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.code.depth -= 1


def _generate(fmt: FlowFormat, rules: tuple[KernelRule, ...], event_times: bool) -> tuple[str, dict]:
    namespace: dict = {"BatchResult": BatchResult, "_simple_line": SIMPLE_LINE, "_split": str.split}
    nfields = fmt.nfields
    var = [f"v{i}" for i in range(nfields)]

    def field_var(name: str) -> str | None:
        return var[fmt.index(name)] if fmt.has(name) else None

    conditions = []
    for index, rule in enumerate(rules):
        namespace[f"_pattern_{index}"] = rule.pattern
        conditions.append(_rule_condition(index, rule.pattern, nfields, var, namespace))

    def emit(code: _Code, name: str, checked: bool) -> None:
        nrules = len(rules)
        width = len(MINUTE_COLUMNS) + nrules
        counters = [f"m{i}" for i in range(width)]
        dims = [(dim, field_var(dim)) for dim in TOP_DIMENSIONS if fmt.has(dim)]
        start = field_var("start")
        action, status = field_var("action"), field_var("log-status")
        byte_var, packet_var = field_var("bytes"), field_var("packets")

        with code.block(f"def {name}(lines, times, now_ms):"):
            code("split = _split")
            code("malformed = 0; samples = []; records = 0")
            code("minutes = {}; cur_minute = None; t = now_ms; t_min = None; t_max = None")
            code("last_token = None")
            code(" = ".join(counters) + " = 0")
            for d, _ in enumerate(dims):
                code(f"top_r{d} = {{}}; top_b{d} = {{}}; get_r{d} = top_r{d}.get; get_b{d} = top_b{d}.get")
            for r in range(nrules):
                code(f"buckets_{r} = {{}}; get_{r} = buckets_{r}.get")
            loop = "for line, t in zip(lines, times):" if event_times else "for line in lines:"
            with code.block(loop):
                code("fields = split(line)")
                with code.block(f"if len(fields) != {nfields}:"):
                    with code.block("if fields:"):
                        code("malformed += 1")
                        with code.block(f"if len(samples) < {_MALFORMED_SAMPLES}:"):
                            code(f"samples.append(line[:{_SAMPLE_CHARS}])")
                    code("continue")
                code(", ".join(var) + ", = fields" if nfields == 1 else ", ".join(var) + " = fields")
                # Event time and its minute; the minute's counters are flushed when it changes.
                if event_times:
                    code("token = t")
                elif start is not None:
                    code(f"token = {start}")
                else:
                    code("token = now_ms")
                with code.block("if token != last_token:"):
                    if not event_times and start is not None:
                        with code.block(f"if not {start}.isdigit():"):
                            code("malformed += 1")
                            with code.block(f"if len(samples) < {_MALFORMED_SAMPLES}:"):
                                code(f"samples.append(line[:{_SAMPLE_CHARS}])")
                            code("continue")
                        code(f"t = int({start})")
                        with code.block(f"if t <= {MILLISECONDS_ABOVE}:"):
                            code("t *= 1000")
                    code("last_token = token")
                    with code.block("if t_max is None or t > t_max:"):
                        code("t_max = t")
                    with code.block("if t_min is None or t < t_min:"):
                        code("t_min = t")
                    code("minute = t // 60000")
                    with code.block("if minute != cur_minute:"):
                        _flush(code, counters)
                        code("cur_minute = minute")
                        code(" = ".join(counters) + " = 0")
                code("records += 1")
                code("m0 += 1")
                # Traffic statistics: NODATA/SKIPDATA records carry no flow.
                traffic = f"if {status} == 'OK':" if status else "if True:"
                with code.block(traffic):
                    if action:
                        with code.block(f"if {action} == 'REJECT':"):
                            code("m2 += 1")
                        with code.block(f"elif {action} == 'ACCEPT':"):
                            code("m1 += 1")
                    if byte_var:
                        code(f"b = int({byte_var}) if {byte_var}.isdigit() else 0")
                        code("m3 += b")
                    else:
                        code("b = 0")
                    if packet_var:
                        with code.block(f"if {packet_var}.isdigit():"):
                            code(f"m4 += int({packet_var})")
                    for d, (_, v) in enumerate(dims):
                        code(f"top_r{d}[{v}] = get_r{d}({v}, 0) + 1")
                        if byte_var:
                            code(f"top_b{d}[{v}] = get_b{d}({v}, 0) + b")
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
                        _emit_bucket(code, r, rule, field_var)
            _flush(code, counters)
            top = ", ".join(f"{dim!r}: (top_r{d}, top_b{d})" for d, (dim, _) in enumerate(dims))
            code(
                "return BatchResult(len(lines), records, malformed, samples, t_min, t_max, minutes, "
                f"{{{top}}}, [{', '.join(f'buckets_{r}' for r in range(nrules))}])"
            )

    code = _Code()
    emit(code, "kernel_fast", checked=False)
    emit(code, "kernel_checked", checked=True)
    return "\n".join(code.lines) + "\n", namespace


def _flush(code: _Code, counters: list[str]) -> None:
    with code.block("if cur_minute is not None and m0:"):
        code("row = minutes.get(cur_minute)")
        with code.block("if row is None:"):
            code(f"minutes[cur_minute] = [{', '.join(counters)}]")
        with code.block("else:"):
            for i, counter in enumerate(counters):
                code(f"row[{i}] += {counter}")


def _emit_bucket(code: _Code, r: int, rule: KernelRule, field_var: Callable[[str], str | None]) -> None:
    group_vars = [field_var(name) for name in rule.group_by]
    if not group_vars:
        key = "('', t)"
    elif len(group_vars) == 1:
        key = f"({group_vars[0]}, t)"
    else:
        key = f"(({', '.join(group_vars)}), t)"
    code(f"key = {key}")
    if rule.measure == "count":
        code(f"buckets_{r}[key] = get_{r}(key, 0) + 1")
        return
    value = field_var(rule.measure_field)
    if rule.measure == "sum":
        with code.block(f"if {value}.isdigit():"):
            code(f"buckets_{r}[key] = get_{r}(key, 0) + int({value})")
        return
    code(f"seen = get_{r}(key)")
    with code.block("if seen is None:"):
        code(f"buckets_{r}[key] = {{{value}}}")
    with code.block("else:"):
        code(f"seen.add({value})")


def _rule_condition(index: int, pattern: Pattern, nfields: int, var: list[str], namespace: dict) -> str | None:
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
    for binding in sorted(bindings, key=_binding_cost):
        rest = isinstance(binding.target, Rest)
        name = f"rest{binding.target.start}" if rest else var[binding.target]
        alternatives = []
        for all_of in binding.condition.all_of:
            terms = []
            for cmp in all_of.cmps:
                namespace.update(cmp.namespace)
                terms.append(f"({cmp.source(name)})")
            alternatives.append(" and ".join(terms) or "True")
        expression = " or ".join(f"({alt})" for alt in alternatives) or "True"
        if rest:
            # The raw rest of the line, computed only when the earlier fields matched.
            start = binding.target.start
            expression = f"(({name} := split(line, None, {start})[{start}]) is not None) and ({expression})"
        parts.append(f"({expression})")
    return " and ".join(parts) or "True"


def _binding_cost(binding: Binding) -> tuple[bool, int]:
    cost = sum(cmp.cost for all_of in binding.condition.all_of for cmp in all_of.cmps)
    return isinstance(binding.target, Rest), cost
