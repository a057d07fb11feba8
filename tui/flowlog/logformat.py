"""A flow log's record layout: the ``default`` format, a ``${...}`` LogFormat, or an S3 header line.

The layout always comes from the format, never from a record's ``version`` or token count (a
custom format may omit ``${version}``, and ``5`` labels many layouts).
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable

from tui.errors import FlowtailError
from tui.flowlog.fields import DEFAULT_NAMES, FIELDS, FieldSpec, is_field_name, unknown_field
from tui.flowlog.values import ABSENT, CONVERTERS, NUMERIC_KINDS, Converter, is_numeric_token

DEFAULT_KEYWORD = "default"

_TOKEN = re.compile(r"\S+")
_FIELD_TOKEN = re.compile(r"\$\{([^${}\s]*)\}")


class FormatError(FlowtailError):
    """A format, header or field name that cannot be used; the message is one line and says where."""


class FlowFormat:
    """An immutable record layout: the field names in record order, and how each is typed.

    Build one with :meth:`parse` (config ``format:``) or :meth:`from_header` (S3 text files).
    Two formats are equal when they list the same fields in the same order.
    """

    __slots__ = ("_names", "_index", "_specs", "_converters", "_numeric")

    def __init__(self, names: Iterable[str]) -> None:
        """Use :meth:`parse`, :meth:`from_header` or :meth:`from_names`: they check the names."""
        self._names: tuple[str, ...] = tuple(names)
        self._index = {name: position for position, name in enumerate(self._names)}
        self._specs = tuple(FIELDS.get(name) or unknown_field(name) for name in self._names)
        self._converters: tuple[Converter, ...] = tuple(CONVERTERS[spec.kind] for spec in self._specs)
        self._numeric = tuple(i for i, spec in enumerate(self._specs) if spec.kind in NUMERIC_KINDS)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> FlowFormat:
        """``"default"`` or a LogFormat such as ``"${version} ${srcaddr} ..."`` (fields separated by whitespace).

        Unknown ``${names}`` are accepted as text fields: AWS keeps adding fields.
        """
        if text.strip().lower() == DEFAULT_KEYWORD:
            return DEFAULT_FORMAT
        entries = []
        for match in _TOKEN.finditer(text):
            token, column = match.group(), match.start() + 1
            field = _FIELD_TOKEN.fullmatch(token)
            if field is None:
                raise FormatError(f"format: column {column}: {_bad_token(token)}")
            entries.append((column, field.group(1)))
        if not entries:
            raise FormatError(
                "format: empty; give 'default' or the flow log's LogFormat, e.g. '${version} ${srcaddr} ...'"
            )
        return cls._checked(entries, "format", "${{{}}}")

    @classmethod
    def from_header(cls, line: str) -> FlowFormat:
        """The header line of an S3 text file: the field names without ``${}``."""
        entries = [(match.start() + 1, match.group()) for match in _TOKEN.finditer(line)]
        return cls._checked(entries, "header", "{}")

    @classmethod
    def from_names(cls, names: Iterable[str]) -> FlowFormat:
        """A format from field names, checked like a LogFormat."""
        return cls.parse(" ".join(f"${{{name}}}" for name in names))

    @classmethod
    def _checked(cls, entries: list[tuple[int, str]], where: str, shown: str) -> FlowFormat:
        """Check (column, name) pairs, shared by LogFormat and header parsing; ``shown`` spells a name in messages."""
        if not entries:
            raise FormatError(f"{where}: no field names")
        first_seen: dict[str, int] = {}
        for column, name in entries:
            if not is_field_name(name):
                raise FormatError(f"{where}: column {column}: {_bad_name(name, shown)}")
            if name in first_seen:
                raise FormatError(
                    f"{where}: column {column}: field {name!r} appears twice (first at column {first_seen[name]})"
                )
            first_seen[name] = column
        return cls(name for _, name in entries)

    # -- the layout ---------------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        """Field names in record order."""
        return self._names

    @property
    def nfields(self) -> int:
        return len(self._names)

    @property
    def version(self) -> int | None:
        """The highest version among the known fields (what AWS writes in ``${version}``), None if none is known."""
        return max((spec.version for spec in self._specs if spec.version is not None), default=None)

    @property
    def unknown_names(self) -> tuple[str, ...]:
        """Fields not in flowtail's catalogue (kept as text): worth a warning, maybe a typo."""
        return tuple(name for name in self._names if name not in FIELDS)

    def has(self, name: str) -> bool:
        return name in self._index

    def position(self, name: str) -> int | None:
        """Where ``name`` sits in a record, or None when the format lacks it."""
        return self._index.get(name)

    def index(self, name: str) -> int:
        """Where ``name`` sits in a record; FormatError (with close matches) when the format lacks it."""
        position = self._index.get(name)
        if position is None:
            raise self._missing(name)
        return position

    def spec(self, name: str) -> FieldSpec:
        return self._specs[self.index(name)]

    def kind(self, name: str) -> str:
        return self.spec(name).kind

    def converter(self, name: str) -> Converter:
        """The exact function that types this field's raw token (``-``, or no number in a numeric field, -> None)."""
        return self._converters[self.index(name)]

    @property
    def converters(self) -> tuple[Converter, ...]:
        """One converter per position, in record order."""
        return self._converters

    def split(self, line: str) -> tuple[str, ...] | None:
        """The record's raw tokens, or None when the line is no record of this format.

        This is the one definition of a record, which the rule kernel generates code for and every
        count and ``--records`` output follows. A line is a record when:

        - it splits on runs of whitespace (an AWS documentation record has a double space) into
          exactly one token per field;
        - its ``start``, the event time, is a number (ASCII digits);
        - it holds no U+FFFD (where a file had bytes that are not text: a torn write) and does not
          start with ``{`` (a JSON object, such as a wrapped record: files unwrap those);
        - it is not a header line (for a format with ``start``, the digits already tell).

        Any other numeric field that holds no number reads as absent, like ``-``.
        """
        tokens = line.split()
        if len(tokens) != len(self._names) or "\ufffd" in line or tokens[0][0] == "{":
            return None
        start = self._index.get("start")
        if start is None:
            if line_is_header(line):
                return None
        elif tokens[start] == ABSENT or not is_numeric_token(tokens[start]):
            return None
        return tuple(tokens)

    def _missing(self, name: str) -> FormatError:
        matches = difflib.get_close_matches(name, self._names, n=3)
        if matches:
            hint = "did you mean " + " or ".join(repr(match) for match in matches) + "?"
        else:
            hint = "its fields are " + ", ".join(self._names)
        return FormatError(f"format: no field {name!r} in this format; {hint}")

    # -- value semantics ----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlowFormat):
            return NotImplemented
        return self._names == other._names

    def __hash__(self) -> int:
        return hash(self._names)

    def __str__(self) -> str:
        """The LogFormat string (``${a} ${b} ...``), also for the default format."""
        return " ".join(f"${{{name}}}" for name in self._names)

    def __repr__(self) -> str:
        return f"FlowFormat.parse({str(self)!r})"


def _bad_token(token: str) -> str:
    """Why a LogFormat token is not a ``${name}``."""
    if token.startswith("${") and "}" not in token:
        return f"{token!r} is not closed"
    field = _FIELD_TOKEN.match(token)
    if field is not None:
        return f"{token!r}: put whitespace after {field.group()!r}"
    if is_field_name(token):
        return f"{token!r} is not a ${{...}} field; write '${{{token}}}'"
    return f"{token!r} is not a ${{field}} token"


def _bad_name(name: str, shown: str) -> str:
    """Why ``name`` is not a field name, with the catalogue field it probably means."""
    if not name:
        return "empty field name " + repr(shown.format(name))
    message = f"{shown.format(name)!r} is not a field name (lowercase letters, digits and hyphens, a letter first)"
    guess = name.lower().replace("_", "-")
    if guess in FIELDS:
        message += f"; did you mean {shown.format(guess)!r}?"
    return message


def line_is_header(line: str) -> bool:
    """Whether ``line`` is an S3 header line (see :func:`tui.flowlog.header.detect_header`)."""
    from tui.flowlog.header import detect_header  # it builds FlowFormats: imported late

    return detect_header(line) is not None


DEFAULT_FORMAT = FlowFormat(DEFAULT_NAMES)
"""The 14-field version 2 layout every flow log without a custom format uses."""
