"""`flowtail demo` answers History offline (issue 18, point 6): its records also go to files the local
engine reads, and its instances exist in moto's EC2, so the History of the SSH attacker and who an
address is are answered with no account."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from tui.demo.run import demo_world
from tui.demo.traffic import HOSTS, SSH_ATTACKER
from tui.history.model import Question, Subject, TimeRange
from tui.run.history import history_access


def test_the_demo_answers_the_attackers_history_and_names_its_hosts() -> None:
    with demo_world() as world:
        archive = world.config.history.files[0]
        assert archive.startswith(str(world.state_dir))  # nothing left behind in the user's directories
        access = history_access(world.config)
        subject = Subject("address", SSH_ATTACKER)
        deadline = time.monotonic() + 60
        while True:  # the attack starts a few seconds in; its records reach the files as they arrive
            now = datetime.now(timezone.utc)
            answer = access.run("local", Question(subject, TimeRange.last(3600, now)))
            if answer.records_matched >= 20:
                break
            assert time.monotonic() < deadline, "the attacker's records never reached the History files"
            threading.Event().wait(0.5)  # the poll interval
        assert not answer.accepted_peers
        assert {row.action for row in answer.timeline} == {"REJECT"}
        assert all(peer.port == 22 and peer.direction == "out" for peer in answer.peers)
        assert all(SSH_ATTACKER in row.message for row in answer.records)

        app_host = next(address for address, name in HOSTS.items() if name == "app-1")
        about = access.about(Subject("address", app_host))
        assert about is not None and "(app-1)" in about
        eni = next(eni for eni, address in world.environment.enis.items() if address == app_host)
        assert any(eni in row.message for row in answer.records)  # the records carry EC2's ENI ids
        assert "(app-1)" in (access.about(Subject("eni", eni)) or "")
