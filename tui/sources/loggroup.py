"""Log groups as users write them: a name, or an ARN (``arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# From the botocore model of FilterLogEvents (logGroupName, logStreamNamePrefix).
_NAME = re.compile(r"[\.\-_/#A-Za-z0-9]{1,512}")
_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):logs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):log-group:(?P<name>[^:]+)(?::\*)?"
)
_STREAM_PREFIX = re.compile(r"[^:*]{1,512}")


@dataclass(frozen=True)
class LogGroupRef:
    """A log group to follow. ``arn`` is None when it was given by name."""

    name: str
    arn: str | None = None
    region: str | None = None
    account: str | None = None

    @classmethod
    def parse(cls, text: str) -> LogGroupRef:
        """Parse a name or ARN; ValueError (one line) when it is neither."""
        match = _ARN.fullmatch(text)
        if match:
            name = match["name"]
            if not _NAME.fullmatch(name):
                raise ValueError(
                    f"{text!r}: the log group name in this ARN has characters CloudWatch Logs does not allow"
                )
            return cls(
                name,
                f"arn:{match['partition']}:logs:{match['region']}:{match['account']}:log-group:{name}",
                match["region"],
                match["account"],
            )
        if text.startswith("arn:"):
            raise ValueError(f"{text!r} is not a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)")
        if not _NAME.fullmatch(text):
            raise ValueError(f"{text!r} is not a log group name (letters, digits and . - _ / # only, at most 512)")
        return cls(text)

    @property
    def label(self) -> str:
        """How status lines name it: the ARN when one was given (it also tells account and region)."""
        return self.arn or self.name

    def request_params(self) -> dict[str, Any]:
        """The FilterLogEvents parameter naming the group.

        An ARN goes in ``logGroupIdentifier``, the only way to read a group shared from another account
        (CloudWatch cross-account observability); a name goes in ``logGroupName``. moto's server
        ignores ``logGroupIdentifier``, so against moto use names.
        """
        if self.arn:
            return {"logGroupIdentifier": self.arn}
        return {"logGroupName": self.name}


def check_stream_prefix(prefix: str | None) -> None:
    """ValueError when ``prefix`` cannot be a logStreamNamePrefix."""
    if prefix is not None and not _STREAM_PREFIX.fullmatch(prefix):
        raise ValueError(f"stream prefix {prefix!r} must be 1 to 512 characters without ':' or '*'")
