"""The shipped example and the benchmark rules load; the example documents every key flowtail reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.config import load_config
from tui.config.validate import SECTION_KEYS

REPO = Path(__file__).resolve().parents[2]

EXAMPLE = REPO / "config.example.yaml"
BENCH_RULES = REPO.parent / "shared" / "bench" / "rules-10.yaml"


def test_example_loads_with_the_runbook_rules():
    config = load_config(EXAMPLE)
    rules = {rule.name: rule for rule in config.rules}
    bastion = rules["bastion-http-reject"]
    assert (bastion.threshold, bastion.window_s) == (3.0, 300.0)
    assert '"10.0.0.155"' in bastion.pattern_text and 'action="REJECT"' in bastion.pattern_text
    assert rules["ssh-brute-force"].group_by == ("srcaddr",)
    assert (rules["port-scan"].measure, rules["port-scan"].measure_field) == ("distinct", "dstport")
    assert (rules["large-transfer"].measure, rules["large-transfer"].measure_field) == ("sum", "bytes")
    assert "3389" in rules["rdp-reject"].pattern_text
    assert "SKIPDATA" in rules["skipdata"].pattern_text
    assert [rule.name for rule in config.disabled_rules] == ["bastion-http-reject-cloudwatch", "nodata"]
    assert config.disabled_rules[0].alarm.treat_missing_data == "notBreaching"
    assert config.notifiers["sns"].topic_arn.split(":")[4] == "123456789012"


def test_example_documents_every_key():
    """A key added to the validator must be added (with a comment) to the example."""
    text = EXAMPLE.read_text(encoding="utf-8")
    written = set(re.findall(r"^[\s#-]*([a-z_]+):", text, flags=re.MULTILINE))
    missing = {f"{section}.{key}" for section, keys in SECTION_KEYS.items() for key in keys if key not in written}
    assert missing == set()


@pytest.mark.skipif(not BENCH_RULES.exists(), reason=f"{BENCH_RULES} is not present")
def test_bench_rules_load():
    config = load_config(BENCH_RULES)
    assert len(config.rules) == 10
    assert {rule.measure for rule in config.rules} == {"count", "sum", "distinct"}


def test_example_values_are_the_defaults_and_leave_the_region_to_aws(monkeypatch):
    """Whoever copies the example keeps AWS_REGION: the example sets no region (issue 13), and every
    value it shows for aws, follow, display and limits is the default it claims to be."""
    from tui.config.schema import AwsConfig, DisplayConfig, FollowConfig, LimitsConfig

    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    config = load_config(EXAMPLE)
    assert config.aws == AwsConfig()
    assert (config.follow, config.display, config.limits) == (FollowConfig(), DisplayConfig(), LimitsConfig())
