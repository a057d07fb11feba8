"""Bracket patterns that do not fit the format: valid, positional, and silently matching nothing.

A bracket pattern binds entries to fields by position. With 14 entries on a 16-field custom format
the entries compare the wrong fields (the last one takes the rest of the line); with more entries
than the format has fields it never matches a record. Neither is an error (CloudWatch accepts both),
so `flowtail check` and `flowtail watch` say it as a warning naming both counts.
"""

from __future__ import annotations

from tui.config.schema import Config, SourceConfig
from tui.patterns.bracket import BracketPattern


def field_count_warnings(config: Config) -> list[str]:
    """One line per rule or source filter whose bracket pattern's field count differs from the format's:
    ``FILE:LINE: rules 'NAME': warning: ...``."""
    where = config.path or "<command line>"
    nfields = len(config.format.names)
    checked = [(f"rule {rule.name!r}", rule.line, rule.pattern) for rule in (*config.rules, *config.disabled_rules)]
    checked += [
        (f"source {source.log_group!r} filter_pattern", source.line, _compiled(source.filter_pattern))
        for source in config.sources
        if isinstance(source, SourceConfig) and source.filter_pattern
    ]
    result = []
    for label, line, pattern in checked:
        problem = misfit(pattern, nfields)
        if problem is not None:
            location = f"{where}:{line}" if config.path else where
            result.append(f"{location}: warning: {label}: {problem}")
    return result


def misfit(pattern: object, nfields: int) -> str | None:
    """Why a bracket ``pattern`` does not fit a format of ``nfields`` fields, or None."""
    if not isinstance(pattern, BracketPattern):
        return None
    entries = pattern.entry_count
    if pattern.has_ellipsis and entries <= nfields:
        return None
    if entries == nfields:
        return None
    counts = f"the pattern has {entries} fields, the format {nfields}"
    if entries > nfields:
        return f"{counts}: it can never match a record of this format"
    return (
        f"{counts}: bracket entries bind fields by position, so its conditions test other fields than "
        "their names say (the last entry takes the rest of the line); name every field or use '...'"
    )


def _compiled(text: str | None) -> object:
    from tui.patterns import PatternError, compile_pattern

    try:
        return compile_pattern(text or "")
    except PatternError:
        return None  # reported by the validator
