"""``flowtail import``'s document: the account's alarms on metric filters as a configuration file."""

from __future__ import annotations

from typing import Any

import yaml

from tui.account.alarms import Found, read_alarms
from tui.errors import FlowtailError
from tui.flowlog import DEFAULT_FORMAT, FlowFormat

IAM_ACTIONS = "logs:DescribeMetricFilters, cloudwatch:DescribeAlarms"


def import_alarms(log_groups: list[str], region: str | None, profile: str | None,
                  endpoint_url: str | None = None, fmt: FlowFormat = DEFAULT_FORMAT) -> Found:
    """Read the account (see tui.account.alarms); AWS problems become one FlowtailError line."""
    from botocore.exceptions import BotoCoreError, ClientError

    from tui.sources.clients import make_client

    try:
        logs = make_client("logs", region, profile, endpoint_url)
        cloudwatch = make_client("cloudwatch", region, profile, endpoint_url)
        return read_alarms(logs, cloudwatch, log_groups, fmt)
    except ClientError as error:
        info = error.response.get("Error", {})
        raise FlowtailError(f"import: {info.get('Code', 'error')}: {info.get('Message', error)} "
                            f"(IAM actions needed: {IAM_ACTIONS})") from None
    except BotoCoreError as error:
        raise FlowtailError(f"import: {error}") from None


def config_text(found: Found, region: str | None) -> str:
    """A configuration file ``flowtail check`` accepts, with what was left out as comments."""
    lines = [f"# flowtail import: {len(found.rules)} rule(s) from the account's alarms on metric filters"]
    lines += [f"# not imported: {why}" for why in found.skipped]
    document: dict[str, Any] = {}
    if region:
        document["aws"] = {"region": region}
    document["sources"] = [{"log_group": group} for group in found.log_groups]
    document["rules"] = found.rules
    return "\n".join(lines) + "\n" + yaml.safe_dump(document, sort_keys=False, width=1000, allow_unicode=True)
