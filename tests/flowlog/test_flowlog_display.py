"""Display helpers: protocol names, tcp-flags names and labels, port services."""

from __future__ import annotations

import pytest

from tui.flowlog import port_service, protocol_name, tcp_flags_label, tcp_flags_names
from tui.flowlog.protocols import PROTOCOLS


@pytest.mark.parametrize(
    ("number", "name"),
    [
        (0, "HOPOPT"), (1, "ICMP"), (2, "IGMP"), (4, "IPv4"), (6, "TCP"), (8, "EGP"), (17, "UDP"), (41, "IPv6"),
        (47, "GRE"), (50, "ESP"), (51, "AH"), (58, "ICMPv6"), (88, "EIGRP"), (89, "OSPF"), (103, "PIM"),
        (112, "VRRP"), (115, "L2TP"), (132, "SCTP"), (137, "MPLS-in-IP"), (145, "NSH"),
    ],
)
def test_protocol_names(number, name):
    assert protocol_name(number) == name


def test_unknown_and_absent_protocols():
    assert protocol_name(None) is None
    assert protocol_name(200) == "200"
    assert protocol_name(61) == "61"  # "any host internal protocol": no keyword


def test_protocol_table_covers_iana_0_to_145_with_distinct_names():
    assert set(PROTOCOLS) <= set(range(146))
    assert len(PROTOCOLS) >= 140
    assert len(set(PROTOCOLS.values())) == len(PROTOCOLS)


@pytest.mark.parametrize(
    ("bits", "names", "label"),
    [
        (0, (), ""),
        (None, (), ""),
        (1, ("FIN",), "FIN"),
        (2, ("SYN",), "SYN"),
        (3, ("SYN", "FIN"), "SYN+FIN"),
        (4, ("RST",), "RST"),
        (16, ("ACK",), "ACK"),
        (18, ("SYN", "ACK"), "SYN-ACK"),
        (19, ("SYN", "ACK", "FIN"), "SYN-ACK+FIN"),
        (20, ("ACK", "RST"), "ACK+RST"),
        (255, ("SYN", "ACK", "FIN", "RST", "PSH", "URG", "ECE", "CWR"), "SYN-ACK+FIN+RST+PSH+URG+ECE+CWR"),
    ],
)
def test_tcp_flags(bits, names, label):
    assert tcp_flags_names(bits) == names
    assert tcp_flags_label(bits) == label


@pytest.mark.parametrize(
    ("port", "service"),
    [
        (20, "ftp"), (21, "ftp"), (22, "ssh"), (23, "telnet"), (25, "smtp"), (53, "dns"), (67, "dhcp"), (68, "dhcp"),
        (80, "http"), (110, "pop3"), (123, "ntp"), (143, "imap"), (161, "snmp"), (389, "ldap"), (443, "https"),
        (445, "smb"), (465, "smtps"), (514, "syslog"), (587, "submission"), (636, "ldaps"), (993, "imaps"),
        (995, "pop3s"), (1433, "mssql"), (1521, "oracle"), (2049, "nfs"), (2379, "etcd"), (3306, "mysql"),
        (3389, "rdp"), (5432, "postgres"), (5439, "redshift"), (5671, "amqp"), (5672, "amqp"), (5900, "vnc"),
        (6379, "redis"), (6443, "kube-api"), (8080, "http-alt"), (8443, "https-alt"), (9092, "kafka"),
        (9200, "elasticsearch"), (11211, "memcached"), (27017, "mongodb"),
    ],
)
def test_port_services(port, service):
    assert port_service(port) == service


@pytest.mark.parametrize(
    ("port", "protocol", "service"),
    [
        (22, 6, "ssh"), (22, 17, None), (53, 6, "dns"), (53, 17, "dns"), (123, 17, "ntp"), (123, 6, None),
        (443, 1, None), (0, None, None), (None, 6, None), (49152, 6, None),
    ],
)
def test_port_service_narrowed_by_protocol(port, protocol, service):
    assert port_service(port, protocol) == service
