"""boto3 clients for the sources, all made the same way."""

from __future__ import annotations

from typing import Any

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30  # FilterLogEvents can scan for a while before answering


def make_client(
    service: str,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    *,
    inject_host_prefix: bool = True,
    deadline_s: float | None = None,
) -> Any:
    """A client from the standard credential chain (env, SSO, profile, instance role).

    botocore's own retries are off (``total_max_attempts=1``; its ``max_attempts`` would count retries
    only): the sources own retries and backoff, so every request passes their rate limits and every
    throttle shows in the status. ``endpoint_url`` defaults to boto3's own resolution, which honours
    ``AWS_ENDPOINT_URL`` and the per-service variables (``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``,
    ``AWS_ENDPOINT_URL_KINESIS``). ``inject_host_prefix=False`` keeps botocore from prefixing the
    host of StartLiveTail (``stream-127.0.0.1`` does not resolve; see ``livetail.py``). Every answer
    is checked and every call has a total deadline (``deadline_s``, default
    ``answers.CALL_DEADLINE_S``; see ``answers.py``). ``AWS_REGION`` is honoured when ``region`` is
    None (``aws_setup.resolve_region``). Raises botocore errors (unknown profile, no region, a
    credential provider that failed: CredentialRetrievalError).
    """
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        tcp_keepalive=True,
        user_agent_extra="flowtail",
        inject_host_prefix=inject_host_prefix,
    )
    from tui.sources.answers import CALL_DEADLINE_S, guard_client
    from tui.sources.aws_setup import resolve_region, usable_credentials

    session = boto3.Session(profile_name=profile, region_name=resolve_region(region))
    usable_credentials(session)
    client = session.client(service, endpoint_url=endpoint_url, config=config)
    return guard_client(client, CALL_DEADLINE_S if deadline_s is None else deadline_s)
