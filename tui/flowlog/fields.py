"""The catalogue of VPC flow-log fields: name, version that introduced it, value kind, meaning.

Kinds say how a raw token is typed (see ``values.py``): ``"int"`` and ``"epoch"`` (Unix seconds)
become ``int``; ``"str"`` and ``"ip"`` stay text. Every count, port, number or bitmask is ``int``
(transit-gateway ``packets-lost-*`` counters included), so ``sum:`` and ``<``/``>`` work on it;
identifiers that look numeric but are not quantities (account IDs, with their leading zeros) are
text. ``version`` is ``None`` where AWS documents the field but not the version that added it, and
for names borrowed from transit-gateway flow logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

KINDS = frozenset({"int", "str", "ip", "epoch"})

_FIELD_NAME = re.compile(r"[a-z][a-z0-9-]*\Z", re.ASCII)


def is_field_name(token: str) -> bool:
    """True when ``token`` is spelled like a flow-log field: lowercase letters, digits, hyphens, a letter first."""
    return _FIELD_NAME.match(token) is not None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One flow-log field as the catalogue knows it."""

    name: str
    version: int | None
    kind: str
    description: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name!r}: unknown kind {self.kind!r}")


def unknown_field(name: str) -> FieldSpec:
    """The spec given to a ``${name}`` the catalogue does not know: kept as text (AWS keeps adding fields)."""
    return FieldSpec(name, None, "str", "field not in flowtail's catalogue; kept as text")


_TGW = "transit-gateway flow logs (a different product; its version 6): accepted as text"
_TGW_LOST = "transit-gateway flow logs (version 6): packets dropped {}, a count"

_CATALOGUE: tuple[tuple[str, int | None, str, str], ...] = (
    # version 2: the default format, in its order
    ("version", 2, "int", "flow-log version: the highest version among the format's fields"),
    (
        "account-id",
        2,
        "str",
        "AWS account of the interface owner; 'unknown' for some AWS-created ENIs; keeps leading zeros",
    ),
    ("interface-id", 2, "str", "network interface (eni-...)"),
    ("srcaddr", 2, "ip", "source address (for an ENI, its primary private IPv4)"),
    ("dstaddr", 2, "ip", "destination address (for an ENI, its primary private IPv4)"),
    ("srcport", 2, "int", "source port (0 for ICMP)"),
    ("dstport", 2, "int", "destination port (0 for ICMP)"),
    ("protocol", 2, "int", "IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...)"),
    ("packets", 2, "int", "packets in the flow during the aggregation interval"),
    ("bytes", 2, "int", "bytes in the flow during the aggregation interval"),
    ("start", 2, "epoch", "first packet of the interval, Unix seconds (flowtail's event time)"),
    ("end", 2, "epoch", "last packet of the interval, Unix seconds"),
    ("action", 2, "str", "ACCEPT or REJECT; absent in NODATA/SKIPDATA records"),
    ("log-status", 2, "str", "OK, NODATA (no traffic) or SKIPDATA (records dropped for capacity)"),
    # version 3
    ("vpc-id", 3, "str", "VPC of the interface"),
    ("subnet-id", 3, "str", "subnet of the interface"),
    ("instance-id", 3, "str", "instance of the interface; absent for requester-managed ENIs"),
    ("tcp-flags", 3, "int", "TCP flags OR-ed over the interval: FIN 1, SYN 2, RST 4, SYN-ACK 18"),
    ("type", 3, "str", "traffic type: IPv4, IPv6 or EFA"),
    ("pkt-srcaddr", 3, "ip", "packet-level (original) source address"),
    ("pkt-dstaddr", 3, "ip", "packet-level (original) destination address"),
    # version 4
    ("region", 4, "str", "region of the interface"),
    ("az-id", 4, "str", "Availability Zone ID of the interface; absent for sublocation traffic"),
    ("sublocation-type", 4, "str", "wavelength, outpost or localzone; absent when not a sublocation"),
    ("sublocation-id", 4, "str", "ID of the sublocation; absent when not a sublocation"),
    # version 5
    ("pkt-src-aws-service", 5, "str", "AWS service of the source address range (S3, AMAZON, EC2, ...)"),
    ("pkt-dst-aws-service", 5, "str", "AWS service of the destination address range"),
    ("flow-direction", 5, "str", "ingress or egress, relative to the interface"),
    (
        "traffic-path",
        5,
        "int",
        "egress path 1-8 (1 same VPC, 2 internet/gateway endpoint, ... 8 internet gateway on Nitro)",
    ),
    # version 7: ECS
    ("ecs-cluster-arn", 7, "str", "ECS cluster ARN"),
    ("ecs-cluster-name", 7, "str", "ECS cluster name"),
    ("ecs-container-instance-arn", 7, "str", "ECS container instance ARN; absent on Fargate"),
    ("ecs-container-instance-id", 7, "str", "ECS container instance ID; absent on Fargate"),
    ("ecs-container-id", 7, "str", "Docker runtime ID of the task's first container"),
    ("ecs-second-container-id", 7, "str", "Docker runtime ID of the task's second container"),
    ("ecs-service-name", 7, "str", "ECS service name; absent when no service started the task"),
    ("ecs-task-definition-arn", 7, "str", "ECS task definition ARN"),
    ("ecs-task-arn", 7, "str", "ECS task ARN"),
    ("ecs-task-id", 7, "str", "ECS task ID"),
    # documented, version number not confirmed by AWS text
    ("reject-reason", None, "str", "BPA when VPC Block Public Access rejected the flow (probably version 8)"),
    ("resource-id", None, "str", "regional NAT gateway ID (third-party notes; probably version 9)"),
    (
        "encryption-status",
        None,
        "int",
        "0 clear, 1 Nitro-encrypted, 2 application-encrypted, 3 both (probably version 10)",
    ),
    # provisional (2026, names from third-party write-ups; probably version 11)
    ("instance-tag", None, "str", "instance tag value (provisional)"),
    ("instance-tag-2", None, "str", "second instance tag value (provisional)"),
    ("interface-tag", None, "str", "interface tag value (provisional)"),
    ("interface-tag-2", None, "str", "second interface tag value (provisional)"),
    ("asg-tag", None, "str", "Auto Scaling group tag value (provisional)"),
    ("asg-tag-2", None, "str", "second Auto Scaling group tag value (provisional)"),
    ("interface-type", None, "str", "type of the interface (provisional)"),
    ("next-hop-interface-id", None, "str", "next-hop interface (provisional)"),
    ("next-hop-subnet-id", None, "str", "next-hop subnet (provisional)"),
    ("next-hop-az-id", None, "str", "next-hop Availability Zone ID (provisional)"),
    ("next-hop-vpc-id", None, "str", "next-hop VPC (provisional)"),
    ("next-hop-interface-type", None, "str", "next-hop interface type (provisional)"),
    # transit-gateway flow-log names
    ("resource-type", None, "str", _TGW),
    ("tgw-id", None, "str", _TGW),
    ("tgw-attachment-id", None, "str", _TGW),
    ("tgw-src-vpc-account-id", None, "str", _TGW),
    ("tgw-dst-vpc-account-id", None, "str", _TGW),
    ("tgw-src-vpc-id", None, "str", _TGW),
    ("tgw-dst-vpc-id", None, "str", _TGW),
    ("tgw-src-subnet-id", None, "str", _TGW),
    ("tgw-dst-subnet-id", None, "str", _TGW),
    ("tgw-src-eni", None, "str", _TGW),
    ("tgw-dst-eni", None, "str", _TGW),
    ("tgw-src-az-id", None, "str", _TGW),
    ("tgw-dst-az-id", None, "str", _TGW),
    ("tgw-pair-attachment-id", None, "str", _TGW),
    ("packets-lost-no-route", None, "int", _TGW_LOST.format("for want of a route")),
    ("packets-lost-blackhole", None, "int", _TGW_LOST.format("by a blackhole route")),
    ("packets-lost-mtu-exceeded", None, "int", _TGW_LOST.format("for exceeding the MTU")),
    ("packets-lost-ttl-expired", None, "int", _TGW_LOST.format("for an expired TTL")),
)

FIELDS: Mapping[str, FieldSpec] = MappingProxyType({row[0]: FieldSpec(*row) for row in _CATALOGUE})

DEFAULT_NAMES: tuple[str, ...] = tuple(name for name, spec in FIELDS.items() if spec.version == 2)
"""The 14 fields of the default (version 2) format, in order."""
