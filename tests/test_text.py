"""The one sanitiser of untrusted text (tui.text), which every view uses."""

from __future__ import annotations

import sys

from tui.app.safe import safe_text
from tui.commands.test_pattern import terminal_safe
from tui.sinks.sns import clean_text
from tui.text import one_line, strip_controls

BIDI = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u200e", "\u200f", "\u061c"]
C0_C1 = [*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0))]


def test_every_control_and_bidi_character_goes():
    for char in [*BIDI, *C0_C1, "\u2028", "\u2029"]:
        assert strip_controls(f"a{char}b") == "ab", hex(ord(char))
        assert strip_controls(f"a{char}b", "\ufffd") == "a\ufffdb", hex(ord(char))


def test_printable_text_is_kept_as_it_is():
    text = "10.0.0.1 – é ☃ 𝄞 \u00a0 [red]"
    assert strip_controls(text) == text


def test_nothing_printable_is_taken():
    kept = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable()]
    assert strip_controls("".join(kept)) == "".join(kept)


def test_one_line_turns_spacing_into_spaces():
    assert one_line("a\tb\nc\r\nd\u202ee\x1b[31m") == "a b c  de[31m"


def test_every_view_uses_it():
    evil = "10.0.0.1\u202e1.1.01\x1b\u2066"
    assert safe_text(evil) == "10.0.0.1\ufffd1.1.01\ufffd\ufffd"
    assert terminal_safe(evil + "\tx") == "10.0.0.1\ufffd1.1.01\ufffd\ufffd\tx"
    assert clean_text(evil) == "10.0.0.11.1.01"
