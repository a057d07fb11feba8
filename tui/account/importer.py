"""``flowtail import``'s document: the account's alarms on metric filters as a configuration file."""

from __future__ import annotations

from typing import Any, Callable

import yaml

from tui.account.alarms import Found, filter_groups, read_alarms, read_filters
from tui.errors import FlowtailError
from tui.flowlog import DEFAULT_FORMAT, FlowFormat

IAM_ACTIONS = "logs:DescribeMetricFilters, cloudwatch:DescribeAlarms"


def import_alarms(log_groups: list[str], region: str | None, profile: str | None,
                  endpoint_url: str | None = None, fmt: FlowFormat | None = DEFAULT_FORMAT,
                  format_of: Callable[[list[str]], FlowFormat] | None = None) -> Found:
    """Read the account (see tui.account.alarms); AWS problems become one FlowtailError line.
    With ``fmt`` None, ``format_of(the filters' log groups)`` gives the format the patterns are read in."""
    from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

    from tui.sources.aws_setup import NO_REGION
    from tui.sources.clients import make_client

    try:
        logs = make_client("logs", region, profile, endpoint_url)
        cloudwatch = make_client("cloudwatch", region, profile, endpoint_url)
        filters = read_filters(logs, log_groups)
        if fmt is None:
            fmt = format_of(log_groups or filter_groups(filters)) if format_of else DEFAULT_FORMAT
        found = read_alarms(logs, cloudwatch, log_groups, fmt, filters)
        found.flow_format = fmt
        return found
    except ClientError as error:
        info = error.response.get("Error", {})
        raise FlowtailError(f"import: {info.get('Code', 'error')}: {info.get('Message', error)} "
                            f"(IAM actions needed: {IAM_ACTIONS})") from None
    except NoRegionError:
        raise FlowtailError(f"import: {NO_REGION}") from None
    except BotoCoreError as error:
        raise FlowtailError(f"import: {error}") from None


def config_text(found: Found, region: str | None) -> str:
    """A configuration file ``flowtail check`` accepts, with what was left out as comments."""
    lines = [f"# flowtail import: {len(found.rules)} rule(s) from the account's alarms on metric filters"]
    lines += [f"# not imported: {why}" for why in found.skipped]
    lines += [f"# warning: {warning}" for warning in misfits(found)]
    document: dict[str, Any] = {}
    if region:
        document["aws"] = {"region": region}
    if found.flow_format != DEFAULT_FORMAT:
        document["format"] = str(found.flow_format)
    document["sources"] = [{"log_group": group} for group in found.log_groups]
    document["rules"] = found.rules
    return "\n".join(lines) + "\n" + yaml.safe_dump(document, sort_keys=False, width=1000, allow_unicode=True)


def misfits(found: Found) -> list[str]:
    """``rule 'NAME': the pattern has 14 fields, the format 16: ...`` for each imported bracket pattern
    whose field count does not fit the format (the warning ``flowtail check`` gives)."""
    from tui.config.pattern_fit import misfit
    from tui.patterns import PatternError, compile_pattern

    result = []
    for rule in found.rules:
        try:
            problem = misfit(compile_pattern(rule["pattern"]), len(found.flow_format.names))
        except PatternError:
            continue  # not imported: rule_from_pair refused it
        if problem is not None:
            result.append(f"rule {rule['name']!r}: {problem}")
    return result


def with_imported_rules(config: Any) -> tuple[Any, Found]:
    """``config`` with the account's alarms on its log groups' metric filters added as cloudwatch
    rules (``watch --import``); an imported name that a configured rule already has gets ``imported-``."""
    import dataclasses

    from tui.config import ConfigError
    from tui.config.loader import LineLoader
    from tui.config.validate import build_config

    groups = [s.log_group for s in config.sources if hasattr(s, "log_group")]
    aws = config.aws
    found = import_alarms(groups, aws.region, aws.profile, aws.endpoint_url, config.format)
    taken = {rule.name for rule in (*config.rules, *config.disabled_rules)}
    for rule in found.rules:
        if rule["name"] in taken:
            rule["name"] = f"imported-{rule['name']}"
    document: dict[str, Any] = {"rules": found.rules}
    if config.format != DEFAULT_FORMAT:
        document["format"] = " ".join(f"${{{name}}}" for name in config.format.names)
    loader = LineLoader(yaml.safe_dump(document, sort_keys=False, width=1000))
    try:
        mapping = loader.get_single_data()
    finally:
        loader.dispose()
    try:
        imported = build_config(mapping, "<flowtail import>")
    except ConfigError as error:
        raise FlowtailError("import: " + "; ".join(error.issues)) from None
    return dataclasses.replace(config, rules=(*config.rules, *imported.rules)), found
