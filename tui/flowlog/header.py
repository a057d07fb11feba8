"""Telling an S3 text file's header line from a record."""

from __future__ import annotations

import re

from tui.flowlog.fields import FIELDS, is_field_name
from tui.flowlog.logformat import FlowFormat, FormatError

# eni-0a1b2c3d, vpc-..., subnet-..., i-...: record values that are spelled like field names.
_RESOURCE_ID = re.compile(r"[a-z]+-[0-9a-f]{8,}\Z", re.ASCII)


def detect_header(line: str) -> FlowFormat | None:
    """The format a header line gives, or None when ``line`` is not a header.

    A header is field names only (lowercase letters, digits and hyphens, a letter first; no
    resource IDs) with at least one field flowtail knows. Records always hold something else:
    numbers, addresses, ``-``, ACCEPT/REJECT/OK, or values such as ``eni-...``.
    """
    tokens = line.split()
    if not tokens or not any(token in FIELDS for token in tokens):
        return None
    if not all(is_field_name(token) and not _RESOURCE_ID.match(token) for token in tokens):
        return None
    try:
        return FlowFormat.from_header(line)
    except FormatError:  # a repeated name: not a header we can use
        return None
