"""What went wrong with an AWS call, in words an operator can act on, and how soon to try again.

A follower never stops because of AWS: every failure is classified here into a kind (which decides the
backoff) and a one-line message for the status bar. Exceptions that are not AWS or network failures
are programming errors and are not classified (``classify`` returns None; the caller re-raises).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class FaultKind(enum.Enum):
    THROTTLED = "throttled"  # the account's request rate: back off with jitter, retry soon
    TRANSIENT = "transient"  # network, timeouts, 5xx: retry soon
    CREDENTIALS = "credentials"  # expired or rejected credentials: retry slowly until refreshed
    ACCESS_DENIED = "access denied"  # IAM: retry slowly (a policy may be attached meanwhile)
    NOT_FOUND = "not found"  # the log group does not exist (yet): retry slowly
    INVALID = "invalid"  # the request itself was refused: retry slowly, show why


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    code: str  # the AWS error code or the exception class name
    message: str  # one line for the status bar


@dataclass(frozen=True)
class CallContext:
    """What the messages name: the log group (or stream) as configured, the client's region, the
    profile, and the service and IAM action for the messages of other services than CloudWatch Logs."""

    log_group: str
    region: str | None = None
    profile: str | None = None
    service: str = "CloudWatch Logs"
    action: str = "logs:FilterLogEvents"
    noun: str = "log group"
    resource: str | None = None  # the ARN an AccessDenied message names; default: the log group's


_THROTTLING = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "LimitExceededException",
        "SlowDown",
        "ProvisionedThroughputExceededException",  # Kinesis: a shard's read limits (5 calls/s, 2 MB/s)
        "KMSThrottlingException",
    }
)
_TRANSIENT = frozenset(
    {
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_REJECTED = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "InvalidAccessKeyId",
        "AuthFailure",
    }
)
_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})


def classify(error: BaseException, context: CallContext) -> Fault | None:
    """The fault ``error`` stands for, or None when it is not an AWS or network failure."""
    from botocore import exceptions as bx  # lazy: importing this module stays cheap

    from tui.sources.answers import DeadlineExceeded, MalformedResponse

    if isinstance(error, MalformedResponse):
        return Fault(
            FaultKind.TRANSIENT,
            "MalformedResponse",
            f"unreadable answer from {context.service}: {_one_line(error)}: retrying",
        )
    if isinstance(error, DeadlineExceeded):
        return Fault(FaultKind.TRANSIENT, "DeadlineExceeded", f"{context.service}: {_one_line(error)}: retrying")
    if isinstance(error, bx.ClientError):
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return _from_code(str(details.get("Code") or status or "?"), str(details.get("Message") or ""), status, context)
    if isinstance(error, (bx.TokenRetrievalError, bx.SSOError, bx.RefreshWithMFAUnsupportedError)):
        return Fault(FaultKind.CREDENTIALS, type(error).__name__, _expired(context))
    if isinstance(error, bx.CredentialRetrievalError):
        # Never echo what a credential_process printed: it may hold a token or a secret.
        provider = error.kwargs.get("provider", "credential")
        return Fault(
            FaultKind.CREDENTIALS,
            type(error).__name__,
            f"no usable AWS credentials: the {provider} provider failed (its output is not shown): "
            f"{_refresh_hint(context)}",
        )
    if isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return Fault(
            FaultKind.CREDENTIALS,
            type(error).__name__,
            f"no usable AWS credentials ({error}): {_refresh_hint(context)}",
        )
    if isinstance(error, (bx.HTTPClientError, bx.ConnectionError, ConnectionError, TimeoutError)) or _is_urllib3(error):
        return Fault(FaultKind.TRANSIENT, type(error).__name__, f"network error: {_one_line(error)}")
    if isinstance(error, bx.BotoCoreError):
        return Fault(FaultKind.INVALID, type(error).__name__, f"request not sent: {_one_line(error)}")
    if _raised_by_credential_refresh(error):
        # botocore lets a provider's own failure through unwrapped (a credential_process printing
        # cut-off JSON, credentials still expired after a refresh): never its text, it may hold secrets
        return Fault(
            FaultKind.CREDENTIALS,
            type(error).__name__,
            f"no usable AWS credentials: the credential provider failed (its output is not shown): "
            f"{_refresh_hint(context)}",
        )
    return None


def _raised_by_credential_refresh(error: BaseException) -> bool:
    """Whether ``error`` was raised while botocore was refreshing credentials."""
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename.replace("\\", "/").endswith("botocore/credentials.py"):
            return True
        traceback = traceback.tb_next
    return False


def _from_code(code: str, message: str, status: int | None, context: CallContext) -> Fault:
    if code in _THROTTLING or status == 429:
        return Fault(FaultKind.THROTTLED, code, f"throttled by {context.service} (account request rate): backing off")
    if code in _TRANSIENT or (status is not None and status >= 500):
        return Fault(FaultKind.TRANSIENT, code, f"{context.service} unavailable ({code}): retrying")
    if code in _EXPIRED:
        text = _expired(context)
        if code == "RequestExpired":
            text += "; if they are fresh, check the system clock"
        return Fault(FaultKind.CREDENTIALS, code, text)
    if code in _REJECTED:
        return Fault(FaultKind.CREDENTIALS, code, f"AWS credentials rejected ({code}): {_refresh_hint(context)}")
    if code in _DENIED or status == 403:
        return Fault(
            FaultKind.ACCESS_DENIED,
            code,
            f"access denied: the IAM principal needs {context.action} on {_resource(context)}",
        )
    if code == "ResourceNotFoundException":
        return Fault(
            FaultKind.NOT_FOUND,
            code,
            f"{context.noun} {context.log_group} not found in {context.region or 'the configured region'}",
        )
    return Fault(FaultKind.INVALID, code, f"{context.service} refused the request ({code}): {_one_line(message)}")


def _expired(context: CallContext) -> str:
    return f"AWS credentials expired: {_refresh_hint(context)}"


def _refresh_hint(context: CallContext) -> str:
    profile = f" --profile {context.profile}" if context.profile else ""
    return f"refresh them (e.g. aws sso login{profile})"


def _resource(context: CallContext) -> str:
    if context.resource:
        return context.resource
    if context.log_group.startswith("arn:"):
        return context.log_group
    return f"arn:aws:logs:{context.region or '*'}:*:log-group:{context.log_group}"


def _is_urllib3(error: BaseException) -> bool:
    try:
        from urllib3.exceptions import HTTPError
    except ImportError:  # pragma: no cover - botocore depends on urllib3
        return False
    return isinstance(error, HTTPError)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]
