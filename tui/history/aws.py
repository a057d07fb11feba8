"""AWS for the history engines: clients made like the sources', and botocore errors as one line."""

from __future__ import annotations

from typing import Any, Sequence

from tui.history.model import HistoryError

_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException")


def client_factory(config: Any, service: str) -> Any:
    """A function making the boto3 client for ``service`` from the configuration's ``aws:`` settings."""

    def make() -> Any:
        from tui.sources.clients import make_client

        try:
            return make_client(service, config.aws.region, config.aws.profile, config.aws.endpoint_url)
        except Exception as error:  # unknown profile, no region
            raise HistoryError(f"cannot reach AWS for {service}: {str(error).splitlines()[0]}") from None

    return make


def aws_error(error: BaseException, doing: str, actions: Sequence[str]) -> HistoryError:
    """``error`` (botocore's) as one line; access refusals name the IAM actions the question needs."""
    response = getattr(error, "response", None)
    code = message = ""
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        message = str(response.get("Error", {}).get("Message", ""))
    first = (message or str(error)).splitlines()[0] if (message or str(error)) else type(error).__name__
    if code in _DENIED:
        return HistoryError(f"{doing}: access denied ({code}); allow {', '.join(actions)}")
    return HistoryError(f"{doing}: {code + ': ' if code else ''}{first}")
