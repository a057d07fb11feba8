"""The demo's local AWS: a moto server on 127.0.0.1 (a free port) with the demo VPC's instances in
EC2 (so ``ec2:DescribeNetworkInterfaces`` names their ENIs), the flow-log group with one log stream
per ENI, and the SNS topic alerts go to (with an SQS queue subscribed, so published alerts land
somewhere that can be counted)."""

from __future__ import annotations

import logging
import os
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Mapping

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
LOG_GROUP = "/flowtail/demo/vpc-flow-logs"
TOPIC = "flowtail-demo-alerts"
QUEUE = "flowtail-demo-oncall"
STREAM = "flowtail-demo-flowlogs"  # `flowtail demo --source kinesis`: the subscription filter's stream
STREAM_SHARDS = 2
VPC_CIDR = "10.0.0.0/16"
IMAGE = "ami-12c6146b"  # any id: moto does not check that the image exists


def use_local_credentials() -> None:
    """Throwaway credentials for this process only: the demo needs no AWS account and must never
    reach a real one, whatever profile the user has set."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ["AWS_ACCESS_KEY_ID"] = "flowtail-demo"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "flowtail-demo"
    os.environ["AWS_DEFAULT_REGION"] = REGION


@dataclass
class DemoEnvironment:
    server: Any
    endpoint: str
    topic_arn: str
    queue_url: str
    enis: dict[str, str] = field(default_factory=dict)  # ENI id -> the private address behind it

    @classmethod
    def start(cls, hosts: Mapping[str, str], kinesis: bool = False) -> DemoEnvironment:
        """Start it with one instance per ``hosts`` entry (private address -> Name tag); with
        ``kinesis``, the log group also feeds a Kinesis stream through a subscription filter (moto
        delivers every event put after the filter exists)."""
        import boto3
        from moto.server import ThreadedMotoServer

        use_local_credentials()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # moto's state lives in the process, not the server: start from an empty account even when
        # this process ran a demo (or a test's moto) before.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()
        enis = create_hosts(boto3.client("ec2", endpoint_url=endpoint, region_name=REGION), hosts)
        logs = boto3.client("logs", endpoint_url=endpoint, region_name=REGION)
        logs.create_log_group(logGroupName=LOG_GROUP)
        for eni in enis:
            logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=f"{eni}-all")
        if kinesis:
            subscribe_stream(endpoint, logs)
        sns = boto3.client("sns", endpoint_url=endpoint, region_name=REGION)
        topic_arn = sns.create_topic(Name=TOPIC)["TopicArn"]
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)
        queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return cls(server, endpoint, topic_arn, queue_url, enis)

    def published(self) -> int:
        """How many alert notifications reached the subscribed queue (approximately, as SQS says)."""
        import boto3

        sqs = boto3.client("sqs", endpoint_url=self.endpoint, region_name=REGION)
        attributes = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def stop(self) -> None:
        self.server.stop()


def subscribe_stream(endpoint: str, logs: Any) -> None:
    """Create the demo's stream and the subscription filter that feeds it the log group's events."""
    import boto3

    kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name=REGION)
    kinesis.create_stream(StreamName=STREAM, ShardCount=STREAM_SHARDS)
    arn = kinesis.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamARN"]
    logs.put_subscription_filter(
        logGroupName=LOG_GROUP,
        filterName="flowtail-demo-to-kinesis",
        filterPattern="",
        destinationArn=arn,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/CWLtoKinesisRole",
    )


def create_hosts(ec2: Any, hosts: Mapping[str, str]) -> dict[str, str]:
    """The demo VPC: a subnet per /24 and an instance per host (its private address, its Name tag);
    returns each instance's ENI id -> its address, the ids the flow-log records carry."""
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "flowtail-demo"}])
    subnets: dict[str, str] = {}
    enis: dict[str, str] = {}
    for address, name in hosts.items():
        cidr = address.rsplit(".", 1)[0] + ".0/24"
        if cidr not in subnets:
            subnets[cidr] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        instance = ec2.run_instances(
            ImageId=IMAGE, MinCount=1, MaxCount=1, SubnetId=subnets[cidr], PrivateIpAddress=address,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
        )["Instances"][0]
        enis[instance["NetworkInterfaces"][0]["NetworkInterfaceId"]] = address
    return enis
