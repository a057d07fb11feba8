"""Who is this ENI or address: ``ec2:DescribeNetworkInterfaces``, on demand, cached.

A flow-log record names an interface (``eni-…``) and addresses; on call, the next question is what
they are: an instance (its id and Name tag), a NAT gateway, a load balancer, a Lambda function, a VPC
endpoint…, in which subnet and VPC, behind which security groups. :class:`EniDirectory` answers from
a bounded cache (``capacity`` entries, each kept ``ttl_s``; "not found" is cached too, so a busy
screen does not ask again and again) and asks EC2 for the rest. Its calls block: the app calls it from
a worker thread and shows :meth:`EniDirectory.peek` meanwhile.

The permission is optional. Without ``ec2:DescribeNetworkInterfaces`` the first refusal is reported
once through ``on_note`` (one line, for the errors list) and every later lookup answers None without
asking: nothing else changes. The instance's Name tag needs ``ec2:DescribeInstances`` (the ENI's own
tags seldom carry it); without that permission, names are left out, also with one note.

Descriptions and tags are text anyone with EC2 write access chose: the UI shows them through
``tui.text`` like every other untrusted text.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping

_ENI = re.compile(r"eni-[0-9a-f]{8,17}\Z")
_DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
_BATCH = 200  # filter values per DescribeNetworkInterfaces call
Note = Callable[[str], None]


@dataclass(frozen=True)
class EniInfo:
    """What EC2 says about one network interface."""

    eni_id: str
    interface_type: str  # EC2's InterfaceType: interface, nat_gateway, lambda, vpc_endpoint, network_load_balancer…
    description: str
    subnet_id: str | None
    vpc_id: str | None
    availability_zone: str | None
    private_addresses: tuple[str, ...]
    public_address: str | None
    security_groups: tuple[tuple[str, str], ...]  # (group id, group name)
    instance_id: str | None
    instance_name: str | None  # the instance's Name tag (ec2:DescribeInstances), else the ENI's own
    requester_managed: bool  # created by an AWS service on the user's behalf
    status: str | None

    @property
    def owner(self) -> str:
        """What the interface belongs to, in a few words: ``instance i-0abc (web-1)``, ``NAT gateway
        nat-0123…``, ``load balancer app/web/…``, ``Lambda function api``, ``VPC endpoint vpce-…``."""
        if self.instance_id:
            return f"instance {self.instance_id}" + (f" ({self.instance_name})" if self.instance_name else "")
        text = self.description
        kind = self.interface_type
        for pattern, label in _DESCRIPTIONS:
            match = pattern.search(text)
            if match:
                return f"{label} {match.group(1)}"
        named = _TYPES.get(kind)
        if named:
            return f"{named}: {text}" if text else named
        return text or f"{kind} interface"

    @property
    def summary(self) -> str:
        """One line for a title or a row: owner, subnet, VPC, security groups."""
        parts = [self.owner]
        if self.subnet_id:
            parts.append(self.subnet_id)
        if self.vpc_id:
            parts.append(self.vpc_id)
        if self.security_groups:
            parts.append("sg " + ", ".join(name or group for group, name in self.security_groups))
        return " · ".join(parts)


_DESCRIPTIONS = (
    (re.compile(r"Interface for NAT Gateway (nat-[0-9a-f]+)"), "NAT gateway"),
    (re.compile(r"^ELB (\S+)"), "load balancer"),
    (re.compile(r"^AWS Lambda VPC ENI-(.+?)(?:-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})?$"), "Lambda function"),
    (re.compile(r"VPC Endpoint Interface (vpce-[0-9a-f]+)"), "VPC endpoint"),
)
_TYPES = {
    "nat_gateway": "NAT gateway",
    "natGateway": "NAT gateway",
    "network_load_balancer": "load balancer",
    "gateway_load_balancer": "gateway load balancer",
    "gateway_load_balancer_endpoint": "gateway load balancer endpoint",
    "lambda": "Lambda function",
    "vpc_endpoint": "VPC endpoint",
    "transit_gateway": "transit gateway attachment",
    "api_gateway_managed": "API Gateway",
    "efa": "EFA interface",
    "trunk": "trunk interface",
}


def lookup_key(text: str) -> str | None:
    """The cache key for an ENI id or an address (canonical form), None for anything else."""
    value = text.strip().lower()
    if _ENI.match(value):
        return value
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


class EniDirectory:
    """ENIs and addresses -> :class:`EniInfo`, cached (see the module docstring).

    ``client`` is a boto3 ``ec2`` client (:meth:`from_settings` makes one as the sources make theirs);
    ``on_note`` receives the one-line notes (permission missing, EC2 unreachable).
    """

    def __init__(
        self,
        client: Any,
        *,
        capacity: int = 2048,
        ttl_s: float = 900.0,
        on_note: Note | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._client = client
        self.capacity = capacity
        self.ttl_s = ttl_s
        self._on_note = on_note
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, EniInfo | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._noted: set[str] = set()
        self.denied = False  # ec2:DescribeNetworkInterfaces refused: no more calls
        self._names_denied = False  # ec2:DescribeInstances refused: no instance names

    @classmethod
    def from_settings(
        cls,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        **options: Any,
    ) -> EniDirectory | None:
        """A directory with its own EC2 client, made as the sources make theirs; None when no client
        can be made (no region, an unknown profile): the context is optional, and ``on_note`` says why,
        except for no region at all (a replay of files with no AWS set up: nothing to say)."""
        from botocore.exceptions import NoRegionError

        from tui.sources.clients import make_client

        try:
            client = make_client("ec2", region=region, profile=profile, endpoint_url=endpoint_url)
        except Exception as error:  # botocore's: unknown profile, no region
            note = options.get("on_note")
            if note is not None and not isinstance(error, NoRegionError):
                note(f"ENI context off: no EC2 client ({str(error).splitlines()[0]})")
            return None
        return cls(client, **options)

    @classmethod
    def from_config(cls, config: Any, **options: Any) -> EniDirectory | None:
        """:meth:`from_settings` with the configuration's ``aws:`` section (region, profile, endpoint)."""
        aws = config.aws
        return cls.from_settings(region=aws.region, profile=aws.profile, endpoint_url=aws.endpoint_url, **options)

    # -- reading -------------------------------------------------------------------------------------

    def peek(self, text: str) -> EniInfo | None:
        """The cached answer for an ENI id or address, without asking EC2 (for the UI thread)."""
        key = lookup_key(text)
        if key is None:
            return None
        with self._lock:
            entry = self._cache.get(key)
            if entry is None or entry[0] <= self._clock():
                return None
            return entry[1]

    def lookup(self, text: str) -> EniInfo | None:
        """What an ENI id or a private address belongs to; None when EC2 does not know it, the text is
        neither, or the permission is missing. Blocks on EC2 for what is not cached."""
        key = lookup_key(text)
        if key is None:
            return None
        return self.lookup_many([key]).get(key)

    def lookup_many(self, texts: Iterable[str]) -> dict[str, EniInfo | None]:
        """:meth:`lookup` for several at once (one EC2 call per kind and batch), keyed by the canonical
        form (:func:`lookup_key`); texts that are neither an ENI nor an address are left out."""
        keys = list(dict.fromkeys(key for key in map(lookup_key, texts) if key is not None))
        now = self._clock()
        answers: dict[str, EniInfo | None] = {}
        missing = []
        with self._lock:
            for key in keys:
                entry = self._cache.get(key)
                if entry is not None and entry[0] > now:
                    self._cache.move_to_end(key)
                    answers[key] = entry[1]
                else:
                    missing.append(key)
        if not missing or self.denied:
            return {**answers, **{key: None for key in missing}}
        enis = [key for key in missing if key.startswith("eni-")]
        addresses = [key for key in missing if not key.startswith("eni-")]
        found: dict[str, EniInfo | None] = {key: None for key in missing}
        try:
            infos = self._describe("network-interface-id", enis) + self._describe_addresses(addresses)
        except _Refused:
            return {**answers, **{key: None for key in missing}}
        self._name_instances(infos)
        for info in infos:
            for name in (info.eni_id, *info.private_addresses, info.public_address):
                if name is not None and name in found:
                    found[name] = info
        with self._lock:
            expires = self._clock() + self.ttl_s
            for key, value in found.items():
                self._cache[key] = (expires, value)
                self._cache.move_to_end(key)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return {**answers, **found}

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)

    # -- EC2 -----------------------------------------------------------------------------------------

    def _describe_addresses(self, addresses: list[str]) -> list[EniInfo]:
        v4 = [a for a in addresses if ipaddress.ip_address(a).version == 4]
        v6 = [a for a in addresses if ipaddress.ip_address(a).version == 6]
        return self._describe("addresses.private-ip-address", v4) + self._describe("ipv6-addresses.ipv6-address", v6)

    def _describe(self, filter_name: str, values: list[str]) -> list[EniInfo]:
        infos: list[EniInfo] = []
        for offset in range(0, len(values), _BATCH):
            request: dict[str, Any] = {"Filters": [{"Name": filter_name, "Values": values[offset : offset + _BATCH]}]}
            while True:
                try:
                    response = self._client.describe_network_interfaces(**request)
                except Exception as error:
                    if not self._refused(error, "ec2:DescribeNetworkInterfaces"):
                        raise
                    raise _Refused from None
                infos.extend(_info(item) for item in response.get("NetworkInterfaces", []))
                token = response.get("NextToken")
                if not token:
                    break
                request["NextToken"] = token
        return infos

    def _name_instances(self, infos: list[EniInfo]) -> None:
        """Replace each attached interface's name by its instance's Name tag, when allowed."""
        ids = sorted({info.instance_id for info in infos if info.instance_id})
        if not ids or self._names_denied:
            return
        names: dict[str, str] = {}
        try:
            pages = self._client.get_paginator("describe_instances").paginate(InstanceIds=ids)
            for page in pages:
                for reservation in page.get("Reservations", []):
                    for instance in reservation.get("Instances", []):
                        name = _tags(instance.get("Tags")).get("Name")
                        if name:
                            names[instance["InstanceId"]] = name
        except Exception as error:
            if not self._refused(error, "ec2:DescribeInstances"):
                raise
            return
        for index, info in enumerate(infos):
            if info.instance_id in names:
                infos[index] = _replace_name(info, names[info.instance_id])

    def _refused(self, error: Exception, action: str) -> bool:
        """Note an AWS or network failure once; False when ``error`` is neither (a programming error,
        for the caller to re-raise). A denial switches the call off."""
        from tui.sources.aws_errors import CallContext, FaultKind, classify

        context = CallContext(log_group="*", service="EC2", action=action, noun="ENI", resource="*")
        fault = classify(error, context)
        if fault is None:
            return False
        code = _code(error)
        if fault.kind is FaultKind.ACCESS_DENIED or code in _DENIED:
            if action == "ec2:DescribeInstances":
                self._names_denied = True
                self._note(action, f"ENI context: no instance names ({action} not allowed)")
            else:
                self.denied = True
                self._note(action, f"ENI context off: the IAM principal may not call {action} (optional)")
            return True
        self._note(f"{action}:{fault.code}", f"ENI context: {fault.message}")
        return True

    def _note(self, key: str, text: str) -> None:
        with self._lock:
            if key in self._noted:
                return
            self._noted.add(key)
        if self._on_note is not None:
            self._on_note(text)


class _Refused(Exception):
    """EC2 refused or failed the call (already noted)."""


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _tags(tags: Any) -> dict[str, str]:
    return {str(tag.get("Key")): str(tag.get("Value")) for tag in tags or ()}


def _info(item: Mapping[str, Any]) -> EniInfo:
    attachment = item.get("Attachment") or {}
    addresses = [entry.get("PrivateIpAddress") for entry in item.get("PrivateIpAddresses") or ()]
    addresses.insert(0, item.get("PrivateIpAddress"))
    addresses += [entry.get("Ipv6Address") for entry in item.get("Ipv6Addresses") or ()]
    canonical = [ipaddress.ip_address(a).compressed for a in addresses if a]
    public = (item.get("Association") or {}).get("PublicIp")
    return EniInfo(
        eni_id=str(item.get("NetworkInterfaceId")),
        interface_type=str(item.get("InterfaceType") or "interface"),
        description=" ".join(str(item.get("Description") or "").split()),
        subnet_id=item.get("SubnetId"),
        vpc_id=item.get("VpcId"),
        availability_zone=item.get("AvailabilityZone"),
        private_addresses=tuple(dict.fromkeys(canonical)),
        public_address=public,
        security_groups=tuple((g.get("GroupId", ""), g.get("GroupName", "")) for g in item.get("Groups") or ()),
        instance_id=attachment.get("InstanceId"),
        instance_name=_tags(item.get("TagSet")).get("Name"),
        requester_managed=bool(item.get("RequesterManaged")),
        status=item.get("Status"),
    )


def _replace_name(info: EniInfo, name: str) -> EniInfo:
    return replace(info, instance_name=name)
