"""What a session needs settled before its first AWS call: the region (``AWS_REGION`` honoured as the
AWS SDKs do, an unknown region refused with a did-you-mean), the profile (named when it is missing)
and credentials that can actually be used (a ``credential_process`` that prints cut-off JSON or
already-expired credentials is one line, its output never shown)."""

from __future__ import annotations

import difflib
import os
from typing import Any

# What to do when botocore finds no region: every command that makes a client says the same.
NO_REGION = "no AWS region: set aws.region in the config, --region, or AWS_REGION"


def resolve_region(region: str | None) -> str | None:
    """``region`` when given, else ``AWS_REGION`` (what Lambda, ECS and CloudShell set, and what the
    AWS SDKs read first), else None: botocore's own chain (``AWS_DEFAULT_REGION``, the profile)."""
    return region or os.environ.get("AWS_REGION") or None


def session_region(profile: str | None, region: str | None) -> str | None:
    """The region a client for ``profile`` would use (``resolve_region``, then botocore's chain)."""
    import botocore.session

    explicit = resolve_region(region)
    if explicit:
        return explicit
    return botocore.session.Session(profile=profile).get_config_variable("region")


def profile_problem(profile: str | None) -> str | None:
    """One line when the profile in use (``profile``, else ``AWS_PROFILE``) is not configured."""
    import botocore.session

    name, origin = profile, "--profile or aws.profile"
    if not name:
        name, origin = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE"), "AWS_PROFILE"
    if not name:
        return None
    if name in botocore.session.Session().available_profiles:
        return None
    return (f"AWS profile {name!r} (from {origin}) not found in ~/.aws/config or ~/.aws/credentials: "
            "check its name, or run aws configure sso")


def known_regions(service: str) -> set[str]:
    """The regions the installed botocore lists for ``service``, across every partition."""
    import botocore.session

    session = botocore.session.Session()
    return {region for partition in session.get_available_partitions()
            for region in session.get_available_regions(service, partition_name=partition)}


def region_problem(region: str, service: str) -> str | None:
    """One line, with a did-you-mean, when ``region`` is not one botocore lists for ``service``."""
    regions = known_regions(service)
    if region in regions:
        return None
    close = difflib.get_close_matches(region, sorted(regions), n=1, cutoff=0.6)
    hint = f": did you mean {close[0]}?" if close else ""
    return (f"unknown AWS region {region!r}{hint} (if it is newer than the installed botocore, "
            "pass --unknown-region-ok or set aws.allow_unknown_region: true)")


def usable_credentials(session: Any) -> None:
    """Resolve ``session``'s credentials now. A provider that fails in a way botocore does not wrap
    (cut-off JSON from a credential_process, credentials still expired after a refresh) becomes
    botocore's CredentialRetrievalError, whose text (see ``aws_errors.classify``) never includes
    the provider's output; the same failure during a later refresh is classified from its traceback
    (``aws_errors``). botocore's own credential errors are left to the first call, which classifies
    them with their hints."""
    from botocore.exceptions import BotoCoreError, CredentialRetrievalError

    try:
        credentials = session.get_credentials()
        if credentials is not None:
            credentials.get_frozen_credentials()
    except BotoCoreError:
        return
    except (ValueError, RuntimeError, KeyError, TypeError):
        raise CredentialRetrievalError(provider="credential", error_msg="unusable or expired credentials") from None
