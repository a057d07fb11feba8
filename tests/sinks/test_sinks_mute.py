"""A mute silences one (rule, group) in every notifier until its end, is journaled so a restart keeps
it (rotation too), and can be lifted; the alerts met meanwhile are receipted ``suppressed: muted``."""

from __future__ import annotations

from tui.sinks.delivery import Delivery
from tui.sinks.journal import Journal, JournalEntry

from tests.sinks.test_sinks_delivery import WAIT_S, Clock, running, sources  # noqa: F401 - fixture

GROUP = "srcaddr=203.0.113.7"


def test_a_muted_pair_is_not_published_and_the_others_are(topic, journal, make_alert, running):  # noqa: F811
    clock = Clock()
    delivery = running(Delivery(journal, {"sns": topic.notifier()}, clock=clock))
    delivery.mute("ssh-brute-force", GROUP, clock.now + 3600)

    muted_id = delivery.submit(make_alert())
    delivery.submit(make_alert(src="198.51.100.9"))
    assert delivery.drain(WAIT_S)

    assert sources(topic.messages()) == ["198.51.100.9"]
    entry = next(e for e in journal.entries() if e.id == muted_id)
    assert entry.suppressed == {"sns": "muted"} and not entry.pending_for("sns")
    assert delivery.mutes() == {("ssh-brute-force", GROUP): clock.now + 3600}


def test_a_restart_keeps_the_mute_until_its_end_and_unmute_lifts_it(topic, journal_path, make_alert, running):  # noqa: F811
    clock = Clock()
    first = Delivery(Journal(journal_path, clock=clock), {"sns": topic.notifier()}, clock=clock)
    first.mute("ssh-brute-force", GROUP, clock.now + 600)
    first.journal.close()

    restarted = running(Delivery(Journal(journal_path, clock=clock), {"sns": topic.notifier()}, clock=clock))
    assert restarted.mutes() == {("ssh-brute-force", GROUP): clock.now + 600}
    restarted.submit(make_alert())
    assert restarted.drain(WAIT_S)
    assert topic.messages() == []

    clock.now += 601  # the mute ended
    assert restarted.mutes() == {}
    assert Journal(journal_path, clock=clock).mutes() == {}

    clock.now -= 601
    restarted.mute("ssh-brute-force", GROUP, 0)  # lifted early
    assert restarted.mutes() == {} and Journal(journal_path, clock=clock).mutes() == {}
    restarted.submit(make_alert(episode_start_ms=1))  # another episode of the pair: sent
    assert restarted.drain(WAIT_S)
    assert sources(topic.messages()) == ["203.0.113.7"]


def test_rotation_carries_the_running_mutes(journal_path, make_alert):
    clock = Clock()
    journal = Journal(journal_path, max_bytes=4096, clock=clock)
    journal.mute("ssh-brute-force", GROUP, clock.now + 600)
    journal.mute("port-scan", "srcaddr=198.51.100.23", clock.now - 1)  # over already
    for index in range(20):  # past max_bytes: rotates
        journal.append(JournalEntry.new(make_alert(src=f"10.0.0.{index}"), ["sns"], at=clock.now))
    assert journal.rotated_path.exists()
    assert Journal(journal_path, clock=clock).mutes() == {("ssh-brute-force", GROUP): clock.now + 600}
