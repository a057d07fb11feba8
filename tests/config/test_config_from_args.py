"""Configurations without a file: the --rule mini-language, the default rules (one copy, in the
demo's config, rewritten for a custom format), and the bracket-pattern field-count warning of
`check` (a 14-field pattern on a 16-field format is valid, positional, and silently matches nothing)."""

from __future__ import annotations

import pytest
import yaml

from tui.cli import main
from tui.config.default_rules import DEFAULT_RULE_NAMES, default_rules
from tui.config.from_args import command_line_document, config_from_document, parse_rule
from tui.config.pattern_fit import misfit
from tui.demo.run import CONFIG as DEMO_CONFIG
from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.patterns import compile_pattern

CUSTOM = FlowFormat.parse(
    "${version} ${vpc-id} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${flow-direction}"
)
RUNBOOK_14 = (
    "[version, account, eni, source, destination, srcport, destport=22, protocol=6, packets, bytes, start, end, "
    "action=REJECT, status]"
)


@pytest.mark.parametrize("text, rule", [
    ("ssh: [..., dstport=22, action=REJECT, status] >= 20 in 60s by srcaddr",
     {"name": "ssh", "pattern": "[..., dstport=22, action=REJECT, status]", "threshold": 20, "window": "60s",
      "group_by": ["srcaddr"]}),
    ("big: [..., bytes >= 1000, start, end, action, status] >= 2.5 in 5m by srcaddr, dstaddr",
     {"name": "big", "pattern": "[..., bytes >= 1000, start, end, action, status]", "threshold": 2.5,
      "window": "5m", "group_by": ["srcaddr", "dstaddr"]}),
    ("j:{ $.n >= 3 }>=1 in 1h", {"name": "j", "pattern": "{ $.n >= 3 }", "threshold": 1, "window": "1h"}),
])
def test_the_rule_mini_language(text, rule):
    assert parse_rule(text) == rule


@pytest.mark.parametrize("text", ["ssh [x] >= 1 in 1m", "ssh: REJECT > 3 in 5m", "ssh: REJECT >= x in 5m",
                                  "ssh: REJECT >= 3", ": REJECT >= 3 in 5m"])
def test_a_rule_of_another_shape_is_one_line_with_the_syntax(text):
    with pytest.raises(ValueError) as error:
        parse_rule(text)
    assert "\n" not in str(error.value) and str(error.value).startswith(f"--rule {text!r}: ")


def test_the_default_rules_are_the_demos_without_notify():
    demo = {rule["name"]: rule for rule in yaml.safe_load(DEMO_CONFIG.read_text())["rules"]}
    rules, notes = default_rules()
    assert notes == [] and [rule["name"] for rule in rules] == [name for name in demo if name in DEFAULT_RULE_NAMES]
    for rule in rules:
        assert rule == {key: value for key, value in demo[rule["name"]].items() if key != "notify"}
    config = config_from_document(command_line_document(["/g"], rules=rules))
    assert config.path is None and len(config.rules) == 4


def test_on_a_custom_format_each_condition_stays_on_its_named_field():
    rules, _ = default_rules(CUSTOM)
    by_name = {rule["name"]: compile_pattern(rule["pattern"]) for rule in rules}
    ssh = "5 vpc-1 123456789010 eni-1 203.0.113.9 10.0.1.5 40000 22 6 3 180 1700000000 1700000060 REJECT OK ingress"
    web = ssh.replace(" 22 6 ", " 443 6 ")
    assert by_name["ssh-brute-force"].matches(ssh) and not by_name["ssh-brute-force"].matches(web)
    assert by_name["port-scan"].matches(ssh) and not by_name["large-transfer"].matches(ssh)
    # The rules as written for the default format match nothing here: the reason for the rewrite.
    demo = {rule["name"]: rule for rule in default_rules()[0]}
    assert not compile_pattern(demo["ssh-brute-force"]["pattern"]).matches(ssh)
    config = config_from_document(command_line_document(["/g"], rules=rules, flow_format=str(CUSTOM)))
    assert len(config.rules) == 4


def test_a_rule_needing_a_field_the_format_lacks_is_left_out_with_the_reason():
    small = FlowFormat.parse("${srcaddr} ${dstaddr} ${dstport} ${protocol} ${action}")
    rules, notes = default_rules(small)
    assert [rule["name"] for rule in rules] == ["ssh-brute-force", "port-scan", "rdp-probe"]
    assert notes == ["default rule 'large-transfer' left out: the format has no field 'bytes'"]


@pytest.mark.parametrize("pattern, nfields, said", [
    (RUNBOOK_14, 16, "the pattern has 14 fields, the format 16: bracket entries bind fields by position"),
    (RUNBOOK_14, 13, "the pattern has 14 fields, the format 13: it can never match"),
    ("[a, ..., b, c, d]", 3, "the pattern has 4 fields, the format 3: it can never match"),
    (RUNBOOK_14, 14, None),
    ("[..., action=REJECT, status]", 16, None),
    ("REJECT", 16, None),
])
def test_misfit_names_both_counts(pattern, nfields, said):
    found = misfit(compile_pattern(pattern), nfields)
    assert (found is None) if said is None else (said in found)


def test_check_warns_for_a_runbook_pattern_on_a_custom_format_and_still_accepts_it(write, capsys):
    path = write(f"""
        format: '{CUSTOM}'
        sources: [{{log_group: /vpc/flow-logs, filter_pattern: '[a, b]'}}]
        rules:
          - name: ssh
            pattern: '{RUNBOOK_14}'
            threshold: 3
            window: 5m
    """)
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: ok (1 rule, 1 source, format custom, 16 fields)")
    assert err.splitlines() == [
        f"{path}:4: warning: rule 'ssh': the pattern has 14 fields, the format 16: bracket entries bind fields by "
        "position, so its conditions test other fields than their names say (the last entry takes the rest of the "
        "line); name every field or use '...'",
        f"{path}:2: warning: source '/vpc/flow-logs' filter_pattern: the pattern has 2 fields, the format 16: "
        "bracket entries bind fields by position, so its conditions test other fields than their names say (the "
        "last entry takes the rest of the line); name every field or use '...'",
    ]


def test_check_takes_the_file_as_an_argument_too(write, capsys):
    path = write("sources: [{log_group: /g}]\n")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok (0 rules, 1 source, format default)\n"
    assert main(["check"]) == 2
    assert "flowtail check FILE" in capsys.readouterr().err
    assert main(["check", str(path), "-c", "other.yaml"]) == 2
    assert "give the configuration file once" in capsys.readouterr().err
    assert DEFAULT_FORMAT.nfields == 14


def test_watch_says_the_same_warning_line_as_check_at_start(write, capsys):
    path = write(f"""
        format: '{CUSTOM}'
        sources: [{{log_group: /vpc/flow-logs}}]
        rules: [{{name: ssh, pattern: '{RUNBOOK_14}', threshold: 3, window: 5m}}]
    """)
    assert main(["check", str(path)]) == 0
    [warning] = capsys.readouterr().err.splitlines()
    # An unknown profile ends `watch` right after its start-up lines, before any AWS call.
    assert main(["watch", "-c", str(path), "--headless", "--profile", "no-such-profile-here"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == warning


def test_a_rule_whose_pattern_needs_a_missing_field_is_left_out():
    no_ports = FlowFormat.parse("${srcaddr} ${dstaddr} ${protocol} ${bytes} ${action} ${log-status}")
    rules, notes = default_rules(no_ports)
    assert [rule["name"] for rule in rules] == ["large-transfer"]
    assert "default rule 'ssh-brute-force' left out: the format has no field 'dstport'" in notes
    assert "default rule 'port-scan' left out: the format has no field 'dstport'" in notes  # its measure
