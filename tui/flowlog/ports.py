"""Well-known service names for ports, for the UI ("22" reads better as "ssh")."""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

TCP = 6
UDP = 17

_T, _U, _TU = frozenset({TCP}), frozenset({UDP}), frozenset({TCP, UDP})

SERVICES: Mapping[int, tuple[str, frozenset[int]]] = MappingProxyType({
    20: ("ftp", _T), 21: ("ftp", _T), 22: ("ssh", _T), 23: ("telnet", _T), 25: ("smtp", _T),
    53: ("dns", _TU), 67: ("dhcp", _U), 68: ("dhcp", _U), 69: ("tftp", _U), 80: ("http", _T),
    88: ("kerberos", _TU), 110: ("pop3", _T), 111: ("rpcbind", _TU), 123: ("ntp", _U),
    135: ("msrpc", _T), 137: ("netbios-ns", _U), 138: ("netbios-dgm", _U), 139: ("netbios-ssn", _T),
    143: ("imap", _T), 161: ("snmp", _U), 162: ("snmptrap", _U), 179: ("bgp", _T),
    389: ("ldap", _TU), 443: ("https", _TU), 445: ("smb", _T), 465: ("smtps", _T),
    500: ("isakmp", _U), 514: ("syslog", _U), 587: ("submission", _T), 636: ("ldaps", _T),
    853: ("dns-tls", _T), 873: ("rsync", _T), 993: ("imaps", _T), 995: ("pop3s", _T),
    1194: ("openvpn", _TU), 1433: ("mssql", _T), 1521: ("oracle", _T), 1812: ("radius", _U),
    1883: ("mqtt", _T), 2049: ("nfs", _TU), 2181: ("zookeeper", _T), 2375: ("docker", _T),
    2376: ("docker-tls", _T), 2379: ("etcd", _T), 2380: ("etcd-peer", _T), 3306: ("mysql", _T),
    3389: ("rdp", _TU), 4500: ("ipsec-nat-t", _U), 4789: ("vxlan", _U), 5060: ("sip", _TU),
    5353: ("mdns", _U), 5432: ("postgres", _T), 5439: ("redshift", _T), 5671: ("amqp", _T),
    5672: ("amqp", _T), 5900: ("vnc", _T), 6081: ("geneve", _U), 6379: ("redis", _T),
    6443: ("kube-api", _T), 8080: ("http-alt", _T), 8443: ("https-alt", _T), 8883: ("mqtts", _T),
    9042: ("cassandra", _T), 9090: ("prometheus", _T), 9092: ("kafka", _T),
    9200: ("elasticsearch", _T), 10250: ("kubelet", _T), 11211: ("memcached", _TU),
    27017: ("mongodb", _T),
})
"""port -> (service, transports it runs over)."""


def port_service(port: int | None, protocol: int | None = None) -> str | None:
    """The service usually on ``port``, or None.

    With ``protocol`` (IANA number) the answer is narrowed: None for a transport the service
    does not use (UDP 22) and for protocols without ports (ICMP, GRE, ...).
    """
    entry = SERVICES.get(port) if port is not None else None
    if entry is None:
        return None
    name, transports = entry
    if protocol is not None and protocol not in transports:
        return None
    return name
