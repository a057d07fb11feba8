"""`flowtail discover` and `watch --discover` on a moto account: three flow logs (a VPC into one
group in the default format, a subnet into another in a custom format, an ENI into S3; moto accepts
an S3 destination only as a bare bucket ARN), and how several formats map to one config."""

from __future__ import annotations

import boto3
import pytest
import yaml

from tui.account.discover import FlowLog, account_format, plan, plan_document
from tui.cli import main
from tui.config import load_config
from tui.flowlog import DEFAULT_FORMAT, FlowFormat

CUSTOM = (
    "${version} ${vpc-id} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${flow-direction}"
)
ROLE = "arn:aws:iam::123456789012:role/flow-logs"


@pytest.fixture
def account(aws_endpoint):
    """The three flow logs; returns the endpoint."""
    ec2 = boto3.client("ec2", endpoint_url=aws_endpoint, region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName="/vpc/main",
                         DeliverLogsPermissionArn=ROLE, MaxAggregationInterval=60)
    ec2.create_flow_logs(ResourceIds=[subnet], ResourceType="Subnet", TrafficType="REJECT", LogGroupName="/vpc/custom",
                         DeliverLogsPermissionArn=ROLE, LogFormat=CUSTOM)
    boto3.client("s3", endpoint_url=aws_endpoint, region_name="us-east-1").create_bucket(Bucket="flow-archive")
    ec2.create_flow_logs(ResourceIds=[eni], ResourceType="NetworkInterface", TrafficType="ALL",
                         LogDestinationType="s3", LogDestination="arn:aws:s3:::flow-archive")
    return aws_endpoint


def test_discover_prints_a_config_that_check_accepts(account, tmp_path, capsys):
    assert main(["discover", "--endpoint-url", account, "--region", "us-east-1"]) == 0
    out, err = capsys.readouterr()
    path = tmp_path / "discovered.yaml"
    path.write_text(out)
    assert main(["check", str(path)]) == 0
    assert f"{path}: ok" in capsys.readouterr().out
    config = load_config(path)
    # Two groups in two formats: a tie, so the first group by name (/vpc/custom) sets the format and
    # /vpc/main is left out, named with the reason on stderr and in the file.
    assert [source.log_group for source in config.sources] == ["/vpc/custom"]
    assert config.format == FlowFormat.parse(CUSTOM)
    assert config.aws.endpoint_url == account and config.aws.region == "us-east-1"
    assert {rule.name for rule in config.rules} == {"ssh-brute-force", "rdp-probe", "port-scan", "large-transfer"}
    left_out = [line for line in err.splitlines() if "left out" in line]
    assert len(left_out) == 1 and "/vpc/main" in left_out[0] and "another format" in left_out[0]
    assert "s3://flow-archive/" in out and "s3://flow-archive/" in err
    assert "REJECT traffic" in out and "subnet" in out  # what logs, with which traffic type
    history = yaml.safe_load(out).get("history")
    assert history is None or history == {"files": ["s3://flow-archive/"]}


def test_discover_log_group_narrows_it_to_one_group_in_its_own_format(account, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["discover", "--endpoint-url", account, "--log-group", "/vpc/main", "-o", "main.yaml"]) == 0
    config = load_config("main.yaml")
    assert [source.log_group for source in config.sources] == ["/vpc/main"]
    assert config.format == DEFAULT_FORMAT
    assert "flowtail check main.yaml" in capsys.readouterr().err


def test_the_format_most_groups_use_is_chosen(account):
    def flow_log(group: str, log_format: str | None) -> FlowLog:
        return FlowLog("fl-" + group, "vpc-1", "us-east-1", "cloud-watch-logs", group, None, log_format)

    found = plan([flow_log("/a", CUSTOM), flow_log("/b", None), flow_log("/c", None)], "us-east-1")
    assert found.flow_format == DEFAULT_FORMAT and list(found.followed) == ["/b", "/c"]
    assert [line.split(" ")[0] for line in found.left_out] == ["/a"]
    chosen, notes = account_format([flow_log("/a", CUSTOM), flow_log("/a", None)], ["/a"])
    assert chosen == FlowFormat.parse(CUSTOM) and "another format" in notes[0]


def test_other_regions_and_firehose_are_left_out_with_the_reason():
    flow_logs = [
        FlowLog("fl-1", "vpc-1", "eu-west-1", "cloud-watch-logs", "/far", None, None),
        FlowLog("fl-2", "vpc-1", "us-east-1", "kinesis-data-firehose", None, "arn:aws:firehose:x", None),
    ]
    found = plan(flow_logs, "us-east-1")
    assert not found.followed
    assert "--region eu-west-1" in found.left_out[0] and "kinesis-data-firehose" in found.left_out[1]
    document = plan_document(found, {})
    assert document["sources"] == []


def test_watch_discover_follows_the_groups_found(account, capsys):
    boto3.client("logs", endpoint_url=account, region_name="us-east-1").create_log_group(logGroupName="/vpc/custom")
    from tui.cli import build_parser
    from tui.commands.quickstart import config_from_args

    args = build_parser().parse_args(["watch", "--discover", "--endpoint-url", account, "--headless"])
    config = config_from_args(args)
    assert [source.log_group for source in config.sources] == ["/vpc/custom"]
    assert config.format == FlowFormat.parse(CUSTOM)
    assert "following /vpc/custom" in capsys.readouterr().err


def test_describe_refused_is_one_line(aws_endpoint, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["discover", "--region", "us-east-1"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("flowtail: error: ec2:DescribeFlowLogs in us-east-1 failed")
