"""Offline TestMetricFilter: print the messages a CloudWatch filter pattern matches.

Messages are read one per line from FILE (gzip files unzipped, as replay reads them) or standard
input (only the line terminator is removed).
Plain input is decoded as UTF-8, undecodable bytes becoming U+FFFD; with --jsonl each line is a JSON
string (so a message may hold newlines), decoded strictly. Exit status: 0 if a message matched,
1 if none did, 2 for an invalid pattern or unreadable input.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from typing import BinaryIO, Iterator

from tui.errors import FlowtailError
from tui.patterns import PatternError, compile_pattern
from tui.text import strip_controls

_SURROGATE = re.compile("[\ud800-\udfff]")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pattern", nargs="?", metavar="PATTERN",
        help="a CloudWatch Logs filter pattern; one that starts with '-' (an exclusion: -NODATA) works as typed",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="messages, one per line (default: stdin)")
    parser.add_argument(
        "-e", "--pattern", dest="pattern_option", metavar="PATTERN",
        help="the pattern as an option (any text, '--...' too); FILE is then the only argument",
    )
    parser.add_argument("--jsonl", action="store_true", help="each input line is a JSON string")
    parser.add_argument("--json", action="store_true", help="print one JSON object per match")
    parser.set_defaults(run=run)


_FLAGS = frozenset({"-h", "--help", "--json", "--jsonl"})
_PATTERN_OPTIONS = ("-e", "--pattern")


def prepare_argv(args: list[str]) -> list[str]:
    """The arguments with a positional PATTERN that starts with '-' passed as ``--pattern=PATTERN``.

    argparse takes any argument that starts with '-' for an option, but a term pattern often starts
    with one (``-NODATA``, an exclusion): the first argument that is neither one of this command's
    options nor after ``--`` is the pattern, whatever its first character (``-error`` too: ``-e``
    takes its pattern as the next argument, never attached). One that starts with '--' is taken
    for a mistyped option; ``-e``/``--pattern`` or ``--`` pass such a pattern.
    """
    for index, arg in enumerate(args):
        if arg in _PATTERN_OPTIONS and index + 1 < len(args):
            # argparse would not take a value that starts with '-' after the option either.
            return [*args[:index], f"--pattern={args[index + 1]}", *args[index + 2:]]
        if arg == "--" or arg.startswith("--pattern="):
            break  # what follows is positional, or the pattern comes as an option
        if arg in _FLAGS:
            continue
        if arg.startswith("-") and not arg.startswith("--") and arg != "-":
            return [*args[:index], f"--pattern={arg}", *args[index + 1:]]
        break
    return args


def run(args: argparse.Namespace) -> int:
    text, path = args.pattern, args.file
    if args.pattern_option is not None:
        if args.file is not None:
            raise FlowtailError("test-pattern: give the pattern once: -e PATTERN [FILE], or PATTERN [FILE]")
        text, path = args.pattern_option, args.pattern
    if text is None:
        raise FlowtailError("test-pattern: a PATTERN is required (see flowtail test-pattern -h)")
    try:
        pattern = compile_pattern(text)
    except PatternError as error:
        raise FlowtailError(str(error)) from None
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper):
        out.reconfigure(errors="replace")  # a message the terminal's encoding cannot show is not an error
    for_terminal = out.isatty()
    matched = False
    try:
        for number, message in enumerate(_messages(path, args.jsonl), start=1):
            if args.json:
                values = pattern.extract(message)
                if values is None:
                    continue
                # json.dumps escapes every control and non-ASCII character: safe on a terminal too.
                out.write(
                    json.dumps({"eventNumber": number, "eventMessage": message, "extractedValues": values}) + "\n"
                )
            else:
                if not pattern.matches(message):
                    continue
                out.write((terminal_safe(message) if for_terminal else message) + "\n")
            out.flush()
            matched = True
    except BrokenPipeError:
        # The reader went away (`| head`). Point stdout at /dev/null so the interpreter's final
        # flush does not fail again, and end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 0
    return 0 if matched else 1


def terminal_safe(message: str) -> str:
    """The message with every control character (tab excepted: it is a message's own spacing) and
    bidirectional control replaced by U+FFFD, for display (see :mod:`tui.text`)."""
    return "\t".join(strip_controls(part, "\ufffd") for part in message.split("\t"))


def _messages(path: str | None, jsonl: bool) -> Iterator[str]:
    """The messages of FILE (or stdin when None or '-'), in order."""
    from tui.sources.files import GZIP_ERRORS, open_input

    from_stdin = path in (None, "-")
    name = "<stdin>" if from_stdin else str(path)
    if from_stdin and sys.stdin.isatty():
        print("flowtail: reading messages from standard input, one per line (end with Ctrl-D)", file=sys.stderr)
    stream: BinaryIO = sys.stdin.buffer if from_stdin else open_input(name)
    try:
        for line_number, raw in enumerate(stream, start=1):
            line = raw[:-1] if raw.endswith(b"\n") else raw
            line = line[:-1] if line.endswith(b"\r") else line
            if not jsonl:
                yield line.decode("utf-8", errors="replace")
            elif line.strip():
                yield _json_string(line, name, line_number)
    except GZIP_ERRORS as error:
        raise FlowtailError(f"{name}: truncated or corrupt gzip data ({error})") from None
    except OSError as error:
        raise FlowtailError(f"cannot read {name}: {error.strerror or error}") from None
    finally:
        if not from_stdin:
            stream.close()


def _json_string(line: bytes, name: str, line_number: int) -> str:
    try:
        message = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise FlowtailError(f"{name}:{line_number}: not valid UTF-8") from None
    except (ValueError, RecursionError):
        message = None
    if not isinstance(message, str):
        raise FlowtailError(f"{name}:{line_number}: expected a JSON string, one message per line") from None
    # A lone surrogate ("\ud800") is valid JSON but no log event can hold it.
    return _SURROGATE.sub("\ufffd", message)
