"""Read a YAML file with the safe loader, keeping the line of every key and list item.

Mappings load as :class:`LineDict` and sequences as :class:`LineList`, so the validator can say
``cfg.yaml:12: rules[2].window: ...``. Duplicate keys are kept as data on the mapping (PyYAML
silently keeps the last one) and reported by the validator with the key's path.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from tui.config.issues import ConfigError, describe

_MERGE_TAG = "tag:yaml.org,2002:merge"


class LineDict(dict):
    """A YAML mapping that knows its own line, each key's line, and the keys written twice."""

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int, int]] = []  # (key, line, line of its first occurrence)

    def line_of(self, key: Any) -> int:
        """The line of ``key``, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A YAML sequence that knows its own line and each item's line."""

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class LineLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (never the full loader: the file may come from anyone) with line numbers."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> LineDict:
        if not isinstance(node, yaml.MappingNode):
            raise ConstructorError(None, None, f"expected a mapping, found {_kind(node)}", node.start_mark)
        # Keys written in this mapping, as opposed to keys brought in by a `<<: *anchor` merge, which
        # they may override without that being a duplicate.
        own = {id(key_node) for key_node, _ in node.value if key_node.tag != _MERGE_TAG}
        self.flatten_mapping(node)
        mapping = LineDict(node.start_mark.line + 1)
        first_own: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "found a key that is a list or a mapping",
                    key_node.start_mark,
                )
            line = key_node.start_mark.line + 1
            if id(key_node) in own:
                if key in first_own:
                    mapping.duplicates.append((key, line, first_own[key]))
                else:
                    first_own[key] = line
            mapping.key_lines[key] = line
            mapping[key] = self.construct_object(value_node, deep=True)
        return mapping

    def construct_sequence(self, node: yaml.Node, deep: bool = False) -> LineList:
        if not isinstance(node, yaml.SequenceNode):
            raise ConstructorError(None, None, f"expected a sequence, found {_kind(node)}", node.start_mark)
        sequence = LineList(node.start_mark.line + 1)
        for child in node.value:
            sequence.item_lines.append(child.start_mark.line + 1)
            sequence.append(self.construct_object(child, deep=True))
        return sequence


def _kind(node: yaml.Node) -> str:
    """'scalar', 'sequence' or 'mapping': PyYAML sets ``id`` on each node class, not on ``Node`` itself."""
    return str(getattr(node, "id", "node"))


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)


MAX_CONFIG_BYTES = 1024 * 1024  # a configuration is a few KB; this stops /dev/zero or a log file given by mistake


def read_yaml(path: str | os.PathLike[str]) -> LineDict:
    """The top-level mapping in ``path``.

    Raises ConfigError with one clear line when the file cannot be read, is larger than
    :data:`MAX_CONFIG_BYTES`, is not UTF-8, is empty, is not valid YAML (with the line of the
    problem), or holds something other than a mapping.
    """
    name = os.fspath(path)
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError([f"{name}: cannot read the file: {error.strerror or error}"]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{name}: larger than {MAX_CONFIG_BYTES // 1024} KiB: not a flowtail configuration"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start]
        raise ConfigError(
            [f"{name}:{line}: the file is not UTF-8 text (byte 0x{byte:02x}); save it as UTF-8"]
        ) from None
    try:
        node, document = _load(text)
    except yaml.YAMLError as error:
        raise ConfigError([_yaml_issue(name, text, error)]) from None
    if node is None or document is None:  # no document, or only `---` or `~`
        raise ConfigError([f"{name}:1: the file is empty; expected keys such as 'sources:' and 'rules:'"])
    if not isinstance(document, LineDict):
        raise ConfigError([
            f"{name}:{node.start_mark.line + 1}: the top level must be a mapping of keys "
            f"such as 'sources:' and 'rules:', not {describe(document)}"
        ])
    return document


def _load(text: str) -> tuple[yaml.Node | None, Any]:
    """The root node (for its line) and the document built from it."""
    loader = LineLoader(text)
    try:
        node = loader.get_single_node()
        return node, (None if node is None else loader.construct_document(node))
    finally:
        loader.dispose()


def _yaml_issue(name: str, text: str, error: yaml.YAMLError) -> str:
    """One line for a YAML error: the line of the problem, what it is, and what it was inside."""
    if isinstance(error, yaml.reader.ReaderError):
        line = text[: error.position].count("\n") + 1
        return f"{name}:{line}: YAML error: character {chr(error.character)!r} is not allowed in YAML"
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = f"{name}:{line}: YAML error: {error.problem or error.context}"
        if error.context and error.problem and error.context_mark is not None:
            message += f" ({error.context} on line {error.context_mark.line + 1})"
        return message
    return f"{name}: YAML error: {error}"
