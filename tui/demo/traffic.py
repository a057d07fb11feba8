"""Simulated VPC flow-log traffic for the demo, in the default (version 2) format.

Normal traffic (web clients to the load-balanced web tier, the app tier to its databases, DNS, NTP,
internet scanners being rejected) plus the attacks the runbooks alarm on: the bastion 10.0.0.155
refused on 10.0.14.100:80, an SSH brute force, a port scan and a large transfer out. Like real flow
logs, each record is stamped with its flow's start time and delivered late: most 5 to 90 seconds
after, some several minutes after, out of order across ENIs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Mapping

ACCOUNT = "123456789010"
BASTION = "10.0.0.155"
WEB_SERVER = "10.0.14.100"
SSH_ATTACKER = "203.0.113.7"
SCANNER = "198.51.100.23"
EXFIL_HOST = "10.0.3.7"

# The demo's instances: private address -> Name tag (their ENIs exist in the demo's EC2).
HOSTS = {
    "10.0.14.100": "web-1",
    "10.0.14.101": "web-2",
    "10.0.20.10": "mysql",
    "10.0.20.11": "postgres",
    "10.0.0.155": "bastion",
    "10.0.1.20": "app-1",
    "10.0.3.7": "batch",
}
# ENI -> the private address of the instance behind it (when no EC2 gave them ids of its own)
ENIS = {
    "eni-0a1b2c3d4e5f60001": "10.0.14.100",  # web-1
    "eni-0a1b2c3d4e5f60002": "10.0.14.101",  # web-2
    "eni-0a1b2c3d4e5f60003": "10.0.20.10",  # mysql
    "eni-0a1b2c3d4e5f60004": "10.0.20.11",  # postgres
    "eni-0a1b2c3d4e5f60005": "10.0.0.155",  # bastion
    "eni-0a1b2c3d4e5f60006": "10.0.1.20",  # app-1
    "eni-0a1b2c3d4e5f60007": "10.0.3.7",  # batch host
}
CLIENTS = [f"198.18.{i}.{j}" for i in range(3) for j in (10, 23, 47, 88, 120)]


@dataclass(order=True)
class Delivery:
    """One record and when it becomes visible in CloudWatch (arrival), in epoch seconds."""

    arrival: float
    eni: str = field(compare=False)
    start: int = field(compare=False)
    message: str = field(compare=False)


def record(eni: str, src: str, dst: str, sport: int, dport: int, proto: int, packets: int, size: int,
           start: int, action: str) -> str:
    return (f"2 {ACCOUNT} {eni} {src} {dst} {sport} {dport} {proto} {packets} {size} "
            f"{start} {start + 60} {action} OK")


class TrafficGenerator:
    """Produces the records that reach CloudWatch during each second of the demo."""

    def __init__(self, seed: int = 7, rate: int = 40, enis: Mapping[str, str] = ENIS) -> None:
        """``enis``: ENI id -> the private address behind it (the demo's EC2 gives the ids)."""
        self.rng = random.Random(seed)
        self.rate = rate  # normal records per second of wall time
        self.enis = dict(enis)
        self.eni_of = {address: eni for eni, address in self.enis.items()}

    def lateness(self) -> float:
        """How long after its start time a record reaches CloudWatch: usually 5 to 90 s, one in six
        3 to 9 minutes (flow logs are aggregated, then delivered in batches)."""
        if self.rng.random() < 1 / 6:
            return self.rng.uniform(180, 540)
        return self.rng.uniform(5, 90)

    def second(self, now: float, elapsed: float) -> list[Delivery]:
        """The records delivered in the second starting at ``now`` (epoch seconds), ``elapsed``
        seconds into the demo. Normal records arrive now, stamped ``lateness()`` ago; a fifth of the
        attack records are held back 20 to 60 s, so they arrive after newer ones."""
        rng = self.rng
        out = []
        for _ in range(self.rate):
            start = int(now - self.lateness())
            eni, message = self._normal_flow(start)
            out.append(Delivery(now, eni, start, message))
        for eni, message, start in self._attacks(int(now), elapsed):
            held = rng.uniform(20, 60) if rng.random() < 0.2 else 0.0
            out.append(Delivery(now + held, eni, start, message))
        return out

    def _normal_flow(self, start: int) -> tuple[str, str]:
        rng = self.rng
        kind = rng.random()
        if kind < 0.45:  # internet clients to the web tier
            server = rng.choice(["10.0.14.100", "10.0.14.101"])
            src, dport = rng.choice(CLIENTS), rng.choice([443, 443, 443, 80])
            packets = rng.randint(4, 60)
            return self.eni_of[server], record(self.eni_of[server], src, server, rng.randint(1024, 65535), dport, 6,
                                          packets, packets * rng.randint(200, 1400), start, "ACCEPT")
        if kind < 0.7:  # the app tier to its databases
            db, port = rng.choice([("10.0.20.10", 3306), ("10.0.20.11", 5432)])
            packets = rng.randint(2, 40)
            return self.eni_of[db], record(self.eni_of[db], "10.0.1.20", db, rng.randint(32768, 60999), port, 6,
                                      packets, packets * rng.randint(100, 900), start, "ACCEPT")
        if kind < 0.85:  # DNS and NTP from the app host
            port = rng.choice([53, 53, 123])
            return self.eni_of["10.0.1.20"], record(self.eni_of["10.0.1.20"], "10.0.1.20", "10.0.0.2",
                                               rng.randint(32768, 60999), port, 17, 1, rng.randint(60, 120),
                                               start, "ACCEPT")
        # background noise from the internet: probes on common ports, refused
        target = rng.choice(list(self.enis.values()))
        port = rng.choice([23, 445, 1433, 3389, 8080, 5900])
        return self.eni_of[target], record(self.eni_of[target], f"192.0.2.{rng.randint(1, 254)}", target,
                                      rng.randint(1024, 65535), port, 6, 1, 40, start, "REJECT")

    def _attacks(self, now: int, elapsed: float) -> list[tuple[str, str, int]]:
        """Attack records for this second, as (eni, message, start). The attacks begin in the demo's
        first seconds and come back every three minutes, so alarms fire, clear and fire again."""
        rng = self.rng
        phase = elapsed % 180
        out = []

        def add(target: str, src: str, dport: int, packets: int, size: int, action: str) -> None:
            start = now - rng.randint(5, 40)
            eni = self.eni_of[target] if target in self.eni_of else self.eni_of[src]
            out.append((eni, record(eni, src, target, rng.randint(30000, 60999), dport, 6, packets, size,
                                    start, action), start))

        if 1 <= phase < 5:  # the runbook test: curl http://ITSVR-A from the bastion, refused
            add(WEB_SERVER, BASTION, 80, 3, 180, "REJECT")
        if 3 <= phase < 13:  # SSH brute force against the app host
            for _ in range(4):
                add("10.0.1.20", SSH_ATTACKER, 22, 2, 120, "REJECT")
        if 5 <= phase < 11:  # a port scan of web-2
            for _ in range(15):
                add("10.0.14.101", SCANNER, rng.randint(1, 1024), 1, 44, "REJECT")
        if 7 <= phase < 11:  # a large transfer out to the internet
            packets = rng.randint(300_000, 400_000)
            add("52.95.128.179", EXFIL_HOST, 443, packets, packets * 1400, "ACCEPT")
        return out
