"""ENI context against moto server's EC2 (DescribeNetworkInterfaces, DescribeInstances). A missing
permission goes through a local EC2 double in front of moto (moto server enforces IAM only when the
whole server is switched to it, which the shared test server is not): it refuses the chosen actions
with the documented query-protocol error ``UnauthorizedOperation`` (HTTP 403,
``<Response><Errors><Error>``) and forwards the others."""

from __future__ import annotations

import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import pytest

from tui.demo.environment import IMAGE  # an id moto accepts without listing its 1,366 images (seconds)
from tui.history.eni import EniDirectory, lookup_key
from tui.sources.clients import make_client

from tests.conftest import REGION
from tests.loopback import LoopbackServer


@pytest.fixture
def ec2(aws_endpoint):
    return make_client("ec2", region=REGION, endpoint_url=aws_endpoint)


@pytest.fixture
def vpc(ec2) -> dict[str, Any]:
    """A VPC with a subnet, a security group, one named instance and three service interfaces."""
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="web-sg", Description="web", VpcId=vpc_id)["GroupId"]
    instance = ec2.run_instances(
        ImageId=IMAGE, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[group],
        PrivateIpAddress="10.0.1.10",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "bastion-1"}]}],
    )["Instances"][0]

    def interface(address: str, description: str) -> str:
        return ec2.create_network_interface(
            SubnetId=subnet, PrivateIpAddress=address, Description=description, Groups=[group]
        )["NetworkInterface"]["NetworkInterfaceId"]

    return {
        "vpc": vpc_id, "subnet": subnet, "group": group, "instance": instance["InstanceId"],
        "instance_eni": instance["NetworkInterfaces"][0]["NetworkInterfaceId"],
        "nat": interface("10.0.1.20", "Interface for NAT Gateway nat-0123456789abcdef0"),
        "lambda": interface("10.0.1.30", "AWS Lambda VPC ENI-api-handler-1b2c3d4e-aaaa-bbbb-cccc-1234567890ab"),
        "elb": interface("10.0.1.40", "ELB app/web/50dc6c495c0c9188"),
    }


def test_an_instance_interface_names_the_instance_its_name_tag_subnet_vpc_and_groups(ec2, vpc):
    directory = EniDirectory(ec2)
    info = directory.lookup(vpc["instance_eni"])
    assert info is not None
    assert info.instance_id == vpc["instance"] and info.instance_name == "bastion-1"
    assert (info.subnet_id, info.vpc_id) == (vpc["subnet"], vpc["vpc"])
    assert info.security_groups == ((vpc["group"], "web-sg"),)
    assert "10.0.1.10" in info.private_addresses
    assert info.owner == f"instance {vpc['instance']} (bastion-1)"
    assert info.summary == f"instance {vpc['instance']} (bastion-1) · {vpc['subnet']} · {vpc['vpc']} · sg web-sg"


@pytest.mark.parametrize(
    ("which", "owner"),
    [
        ("nat", "NAT gateway nat-0123456789abcdef0"),
        ("lambda", "Lambda function api-handler"),
        ("elb", "load balancer app/web/50dc6c495c0c9188"),
    ],
)
def test_service_interfaces_are_named_by_their_description(ec2, vpc, which, owner):
    info = EniDirectory(ec2).lookup(vpc[which])
    assert info is not None and info.instance_id is None
    assert info.owner == owner


def test_a_private_address_finds_its_interface(ec2, vpc):
    directory = EniDirectory(ec2)
    info = directory.lookup("10.0.1.20")
    assert info is not None and info.eni_id == vpc["nat"]
    assert directory.lookup("10.0.9.9") is None  # nobody's: None, and remembered as such
    assert directory.peek("10.0.9.9") is None and len(directory) == 2


def test_lookup_many_answers_several_in_one_call_and_skips_what_is_neither(ec2, vpc):
    answers = EniDirectory(ec2).lookup_many([vpc["nat"], vpc["elb"], "10.0.1.30", "port:22", "eni-00000000"])
    assert set(answers) == {vpc["nat"], vpc["elb"], "10.0.1.30", "eni-00000000"}
    assert answers["10.0.1.30"] is not None and answers["10.0.1.30"].eni_id == vpc["lambda"]
    assert answers["eni-00000000"] is None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingClient:
    """The real client, counting DescribeNetworkInterfaces calls."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.describes = 0

    def describe_network_interfaces(self, **request: Any) -> Any:
        self.describes += 1
        return self._client.describe_network_interfaces(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_answers_are_cached_until_their_ttl_and_the_cache_is_bounded(ec2, vpc):
    clock, client = Clock(), CountingClient(ec2)
    directory = EniDirectory(client, capacity=2, ttl_s=60, clock=clock)
    assert directory.peek(vpc["nat"]) is None  # nothing asked yet
    directory.lookup(vpc["nat"])
    directory.lookup(vpc["nat"])
    assert client.describes == 1 and directory.peek(vpc["nat"]) is not None
    clock.now += 61
    assert directory.peek(vpc["nat"]) is None
    directory.lookup(vpc["nat"])
    assert client.describes == 2
    directory.lookup(vpc["elb"])
    directory.lookup(vpc["lambda"])
    assert len(directory) == 2 and directory.peek(vpc["nat"]) is None  # the oldest went first


def test_lookup_key_accepts_enis_and_addresses_only():
    assert lookup_key(" ENI-0ABC1234 ") == "eni-0abc1234"
    assert lookup_key("2001:DB8::1") == "2001:db8::1"
    assert lookup_key("port:22") is None and lookup_key("eni-xyz") is None


class DeniedEc2(LoopbackServer):
    """EC2 as seen by a principal without some permissions: the ``denied`` actions are refused as AWS
    refuses them (query protocol, HTTP 403 ``UnauthorizedOperation``); the others go to ``upstream``
    (moto), or are refused too when there is none."""

    def __init__(self, denied: set[str], upstream: str | None = None) -> None:
        self.calls: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = parse_qs(body.decode()).get("Action", [""])[0]
                server.calls.append(action)
                if action in denied or upstream is None:
                    status, content_type, payload = 403, "text/xml;charset=UTF-8", (
                        b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                        b"<Code>UnauthorizedOperation</Code>"
                        b"<Message>You are not authorized to perform this operation.</Message></Error></Errors>"
                        b"<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"
                    )
                else:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                    request = urllib.request.Request(upstream + self.path, data=body, headers=headers, method="POST")
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, content_type, payload = response.status, response.headers["Content-Type"], response.read()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        super().__init__(Handler)


@pytest.fixture
def credentials(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)


def test_without_the_permission_one_note_then_no_more_calls(credentials):
    server = DeniedEc2({"DescribeNetworkInterfaces"}).start()
    try:
        notes: list[str] = []
        directory = EniDirectory.from_settings(region=REGION, endpoint_url=server.url, on_note=notes.append)
        assert directory.lookup("eni-0abc1234") is None
        assert directory.lookup("10.0.1.10") is None
        assert directory.lookup_many(["eni-0abc1235", "10.0.1.11"]) == {"eni-0abc1235": None, "10.0.1.11": None}
        assert notes == ["ENI context off: the IAM principal may not call ec2:DescribeNetworkInterfaces (optional)"]
        assert server.calls == ["DescribeNetworkInterfaces"] and directory.denied
    finally:
        server.stop()


def test_without_describe_instances_the_interfaces_still_answer_without_names(aws_endpoint, vpc):
    server = DeniedEc2({"DescribeInstances"}, upstream=aws_endpoint).start()
    try:
        notes: list[str] = []
        directory = EniDirectory.from_settings(region=REGION, endpoint_url=server.url, on_note=notes.append)
        info = directory.lookup(vpc["instance_eni"])
        assert info is not None and info.instance_id == vpc["instance"] and info.instance_name is None
        assert info.owner == f"instance {vpc['instance']}"
        directory.lookup(vpc["elb"])
        assert notes == ["ENI context: no instance names (ec2:DescribeInstances not allowed)"]
        assert server.calls.count("DescribeInstances") == 1
    finally:
        server.stop()


def test_from_config_uses_the_aws_section(tmp_path, aws_endpoint, vpc):
    from tui.config import load_config

    path = tmp_path / "flowtail.yaml"
    path.write_text(f"aws:\n  region: {REGION}\n  endpoint_url: {aws_endpoint}\nsources:\n  - log_group: /vpc/flow-logs\n")
    directory = EniDirectory.from_config(load_config(str(path)))
    assert directory is not None
    info = directory.lookup("10.0.1.40")
    assert info is not None and info.eni_id == vpc["elb"]


def test_without_a_region_the_context_is_off_and_says_nothing(monkeypatch):
    """A replay of files with no AWS set up: no context, and no error to list for it."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    notes: list[str] = []
    assert EniDirectory.from_settings(on_note=notes.append) is None
    assert notes == []


def test_an_unknown_profile_turns_the_context_off_with_one_note(monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    notes: list[str] = []
    assert EniDirectory.from_settings(region="us-east-1", profile="nope", on_note=notes.append) is None
    assert len(notes) == 1 and notes[0].startswith("ENI context off: no EC2 client (") and "nope" in notes[0]
