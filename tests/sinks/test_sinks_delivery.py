"""The delivery worker: journal first, never blocks or raises, retries until SNS is back, resumes
after a restart, and keeps a flapping source from paging over and over."""

from __future__ import annotations

import threading

import pytest

from tui.sinks.delivery import Delivery, exponential_backoff
from tui.sinks.journal import Journal, JournalEntry

from tests.sinks.conftest import T0_MS

WAIT_S = 15


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def running():
    """Starts deliveries and stops them at the end of the test, whatever happened."""
    started: list[Delivery] = []

    def start(delivery: Delivery) -> Delivery:
        started.append(delivery)
        delivery.start()
        return delivery

    yield start
    for delivery in started:
        delivery.stop(timeout=1)


def sources(envelopes) -> list[str]:
    """The srcaddr of each delivered alert, in order."""
    return [envelope["Subject"].split("srcaddr=")[1].split()[0] for envelope in envelopes]


def test_sns_down_keeps_the_alert_and_sends_it_once_when_sns_is_back(topic, proxy, journal, make_alert,
                                                                       recording_backoff, running):
    backoff = recording_backoff(after=3)
    delivery = running(Delivery(journal, {"sns": topic.notifier(proxy.url)}, backoff=backoff))

    alert_id = delivery.submit(make_alert())
    assert backoff.reached.wait(WAIT_S), "no retries while SNS is down"

    status = delivery.status()
    assert status.pending == 1 and status.sent == 0 and status.failed_attempts >= 3
    assert status.last_error.startswith("cannot reach SNS")
    assert [entry.id for entry in journal.pending("sns")] == [alert_id]
    assert topic.messages() == []

    proxy.up.set()
    assert delivery.drain(WAIT_S)

    assert sources(topic.messages()) == ["203.0.113.7"]
    status = delivery.status()
    assert (status.sent, status.pending, status.last_error) == (1, 0, None)
    assert journal.pending("sns") == []
    assert journal.recent(1)[0].delivered["sns"]


def test_a_restart_sends_what_a_killed_run_left_unsent_and_nothing_twice(topic, journal_path, make_alert, running):
    killed = Journal(journal_path)
    owed = [JournalEntry.new(make_alert(src=f"10.0.0.{i}"), ["sns"], at=1000.0 + i) for i in range(3)]
    sent = JournalEntry.new(make_alert(src="10.0.0.99"), ["sns"], at=999.0)
    for entry in [sent, *owed]:
        killed.append(entry)
    killed.mark_delivered(sent.id, "sns", "sent-before-the-crash")
    killed.close()
    with open(journal_path, "ab") as file:
        file.write(b'{"type":"alert","rule":"ssh-brute-force","state":"AL')  # killed mid-write

    journal = Journal(journal_path)
    delivery = running(Delivery(journal, {"sns": topic.notifier()}))
    assert delivery.drain(WAIT_S)

    assert sources(topic.messages()) == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert journal.pending("sns") == [] and journal.malformed == 1
    assert delivery.status().sent == 3

    again = running(Delivery(Journal(journal_path), {"sns": topic.notifier()}))
    assert again.drain(WAIT_S)
    assert topic.messages() == [] and again.status().sent == 0


def test_cooldown_suppresses_repeats_per_rule_group_and_state(topic, journal, make_alert, running):
    clock = Clock()
    delivery = running(Delivery(journal, {"sns": topic.notifier(cooldown_s=600)}, clock=clock))

    delivery.submit(make_alert())
    delivery.submit(make_alert(state="OK", value=3, time_ms=T0_MS + 119_000))  # the episode ends
    assert delivery.drain(WAIT_S)
    clock.now += 300
    # same rule and source, a new episode, within the cooldown
    repeat = delivery.submit(make_alert(time_ms=T0_MS + 359_000))
    delivery.submit(make_alert(src="198.51.100.23"))  # another source
    delivery.submit(make_alert(rule="port-scan"))  # another rule, same source
    assert delivery.drain(WAIT_S)

    assert sources(topic.messages()) == ["203.0.113.7", "198.51.100.23", "203.0.113.7"]
    assert delivery.status().suppressed == 1
    (suppressed,) = [entry for entry in journal.recent(10) if entry.id == repeat]
    assert suppressed.suppressed == {"sns": "cooldown"} and not suppressed.pending_for("sns")

    delivery.submit(make_alert(state="OK", value=3, time_ms=T0_MS + 419_000, episode_start_ms=T0_MS + 359_000))
    clock.now += 300  # 600 s after the first publish
    delivery.submit(make_alert(time_ms=T0_MS + 659_000))
    assert delivery.drain(WAIT_S)
    assert sources(topic.messages()) == ["203.0.113.7"]


def test_ok_is_published_only_when_configured_and_not_held_back_by_the_alarm(topic, journal, make_alert, running):
    clock = Clock()
    alarms_only = running(Delivery(journal, {"sns": topic.notifier()}, clock=clock))
    alarm = alarms_only.submit(make_alert())
    recovered = alarms_only.submit(make_alert(state="OK", value=3, time_ms=T0_MS + 119_000))
    assert alarms_only.drain(WAIT_S)
    assert [envelope["Subject"].split()[1] for envelope in topic.messages()] == ["ALARM"]
    assert recovered is None  # an OK nobody wants is not journaled ...
    (entry,) = journal.recent(10)
    assert entry.id == alarm and entry.closed == {"*": str(T0_MS + 119_000)}  # ... only the end of its episode

    both = running(Delivery(journal, {"sns": topic.notifier(states=("ALARM", "OK"))}, clock=clock))
    flap = [T0_MS + 59_000, T0_MS + 300_000]  # two episodes, further apart than the window
    both.submit(make_alert(src="198.51.100.5", time_ms=flap[0]))
    clock.now += 10
    both.submit(make_alert(src="198.51.100.5", state="OK", value=3, time_ms=flap[0] + 60_000, episode_start_ms=flap[0]))
    clock.now += 10
    both.submit(make_alert(src="198.51.100.5", time_ms=flap[1]))  # flapping: within the cooldown of the sent ALARM
    clock.now += 10
    both.submit(make_alert(src="198.51.100.5", state="OK", value=3, time_ms=flap[1] + 60_000,
                           episode_start_ms=flap[1]))  # ... and of the sent OK
    assert both.drain(WAIT_S)
    assert [envelope["Subject"].split()[1] for envelope in topic.messages()] == ["ALARM", "OK"]
    assert both.status().suppressed == 2


def test_alerts_that_do_not_fit_the_queue_are_sent_from_the_journal(topic, journal, make_alert, running):
    delivery = Delivery(journal, {"sns": topic.notifier()}, max_queue=1)
    for i in range(4):
        delivery.submit(make_alert(src=f"10.9.0.{i}"))
    assert delivery.status().pending == 4

    running(delivery)
    assert delivery.drain(WAIT_S)
    assert sources(topic.messages()) == ["10.9.0.0", "10.9.0.1", "10.9.0.2", "10.9.0.3"]
    assert delivery.status().pending == 0


def test_stop_does_not_wait_for_sns_and_leaves_the_alert_owed(topic, proxy, journal, make_alert, recording_backoff):
    backoff = recording_backoff(after=1, delay_s=3600)
    delivery = Delivery(journal, {"sns": topic.notifier(proxy.url)}, backoff=backoff)
    delivery.start()
    alert_id = delivery.submit(make_alert())
    assert backoff.reached.wait(WAIT_S)

    delivery.stop(timeout=WAIT_S)  # interrupts the hour-long backoff

    assert not any(thread.is_alive() for thread in delivery._threads)
    assert [entry.id for entry in journal.pending("sns")] == [alert_id]


def test_a_broken_journal_does_not_stop_the_alert_or_raise(topic, journal, make_alert, running):
    delivery = running(Delivery(journal, {"sns": topic.notifier()}))
    journal.close()  # every journal write now fails

    delivery.submit(make_alert())
    assert delivery.drain(WAIT_S)

    assert sources(topic.messages()) == ["203.0.113.7"]
    assert delivery.status().last_error.startswith("alert journal write failed")


def test_exponential_backoff_grows_to_its_cap_with_jitter():
    delay = exponential_backoff(base_s=1, cap_s=60)
    assert 0.5 <= delay(0) <= 1
    assert 4 <= delay(3) <= 8
    assert 30 <= delay(50) <= 60
    assert len({delay(10) for _ in range(20)}) > 1


def client_error(code: str, message: str = "") -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}}, "Publish")


class Failing:
    """The real SNS notifier, except that the alerts of ``sources`` fail with ``error`` (a fault
    injected in front of moto) for their first ``times`` attempts. Records the journal's state at
    each publish."""

    def __init__(self, real, sources, error, times: int = 10**9, journal=None) -> None:
        self.real, self.sources, self.error, self.times = real, set(sources), error, times
        self.states, self.cooldown_s = real.states, real.cooldown_s
        self.attempts: dict[str, int] = {}
        self.journal = journal
        self.journaled_before_publish: list[bool] = []

    def publish(self, alert) -> str:
        if self.journal is not None:
            self.journaled_before_publish.append(alert.id in {entry.id for entry in self.journal.entries()})
        src = alert.group["srcaddr"]
        self.attempts[src] = self.attempts.get(src, 0) + 1
        if src in self.sources and self.attempts[src] <= self.times:
            raise self.error
        return self.real.publish(alert)

    def describe_error(self, exc: BaseException) -> str:
        return self.real.describe_error(exc)

    def is_permanent(self, exc: BaseException) -> bool:
        return self.real.is_permanent(exc)


def test_a_restart_that_finds_the_same_episodes_again_sends_nothing_twice(topic, journal_path, make_alert, running):
    alerts = [make_alert(src=f"10.1.0.{i}", episode_start_ms=T0_MS + i) for i in range(3)]
    first = running(Delivery(Journal(journal_path), {"sns": topic.notifier(cooldown_s=0)}))
    for alert in alerts:
        first.submit(alert)
    assert first.drain(WAIT_S)
    first.stop()
    assert len(topic.messages()) == 3

    again = running(Delivery(Journal(journal_path), {"sns": topic.notifier(cooldown_s=0)}))
    assert [again.submit(alert) for alert in alerts] == [None, None, None]
    moved = make_alert(src="10.1.0.0", episode_start_ms=T0_MS - 5_000, time_ms=T0_MS + 55_000)  # start moved earlier
    assert again.submit(moved) is None
    ok = again.submit(make_alert(src="10.1.0.0", state="OK", value=1, episode_start_ms=T0_MS - 5_000,
                                 time_ms=T0_MS + 200_000))
    assert ok is None  # nobody wants OKs, but the episode's end is journaled
    assert again.drain(WAIT_S)
    assert topic.messages() == [] and again.status().duplicates == 4
    next_episode = make_alert(src="10.1.0.0", episode_start_ms=T0_MS + 400_000, time_ms=T0_MS + 400_000)
    assert again.submit(next_episode) == next_episode.id
    assert again.drain(WAIT_S)
    assert sources(topic.messages()) == ["10.1.0.0"]


def test_the_cooldown_survives_a_restart(topic, journal_path, make_alert, running):
    clock = Clock()
    first = running(Delivery(Journal(journal_path), {"sns": topic.notifier(cooldown_s=600)}, clock=clock))
    first.submit(make_alert())
    first.submit(make_alert(state="OK", value=1, time_ms=T0_MS + 120_000))
    assert first.drain(WAIT_S)
    first.stop()
    clock.now += 60

    again = running(Delivery(Journal(journal_path), {"sns": topic.notifier(cooldown_s=600)}, clock=clock))
    again.submit(make_alert(time_ms=T0_MS + 300_000))  # a new episode 60 s (wall clock) after the page
    assert again.drain(WAIT_S)
    assert sources(topic.messages()) == ["203.0.113.7"] and again.status().suppressed == 1


def test_a_rejected_alert_is_dead_lettered_once_and_does_not_hold_back_the_rest(topic, journal_path, make_alert,
                                                                               running):
    notifier = Failing(topic.notifier(), ["10.2.0.1"], client_error("InvalidParameter", "Message too long"))
    reports: list[str] = []
    delivery = Delivery(Journal(journal_path), {"sns": notifier})
    delivery.on_report(reports.append)
    running(delivery)
    for i in range(4):
        delivery.submit(make_alert(src=f"10.2.0.{i}"))
    assert delivery.drain(WAIT_S)

    assert sources(topic.messages()) == ["10.2.0.0", "10.2.0.2", "10.2.0.3"]
    status = delivery.status()
    assert (status.dead_lettered, status.pending, status.failed) == (1, 0, 0)
    assert notifier.attempts["10.2.0.1"] == 1
    (dead,) = [entry for entry in Journal(journal_path).entries() if entry.dead_lettered]
    assert dead.dead_lettered == {"sns": "SNS rejected the message (InvalidParameter): Message too long"}
    assert len(reports) == 1 and "dead-lettered for sns, not retried" in reports[0]

    restarted = running(Delivery(Journal(journal_path), {"sns": notifier}))
    assert restarted.drain(WAIT_S) and notifier.attempts["10.2.0.1"] == 1  # not owed any more


def test_a_failing_alert_is_retried_in_order_while_the_ones_behind_it_go(topic, journal, make_alert, running,
                                                                       recording_backoff):
    notifier = Failing(topic.notifier(), ["10.3.0.0"], client_error("Throttling", "Rate exceeded"), times=3)
    backoff = recording_backoff(after=3)
    reports: list[str] = []
    delivery = Delivery(journal, {"sns": notifier}, backoff=backoff)
    delivery.on_report(reports.append)
    running(delivery)
    for i in range(3):
        delivery.submit(make_alert(src=f"10.3.0.{i}"))
    assert delivery.drain(WAIT_S)

    assert sources(topic.messages()) == ["10.3.0.1", "10.3.0.2", "10.3.0.0"]
    assert notifier.attempts == {"10.3.0.0": 4, "10.3.0.1": 1, "10.3.0.2": 1}
    status = delivery.status()
    assert (status.sent, status.failed_attempts, status.failed, status.last_error) == (3, 3, 0, None)
    assert reports == ["SNS is throttling publishes; retrying with backoff", "alert delivery recovered"]


def test_submit_never_waits_for_the_journal_and_the_journal_is_written_before_the_publish(topic, journal_path,
                                                                                            make_alert, running):
    gate = threading.Event()

    class SlowDisk(Journal):
        def append_many(self, entries):
            gate.wait(WAIT_S)
            super().append_many(entries)

    journal = SlowDisk(journal_path)
    notifier = Failing(topic.notifier(), [], None, journal=journal)
    delivery = running(Delivery(journal, {"sns": notifier}))
    alert_id = delivery.submit(make_alert())  # returns although the disk is stuck

    assert alert_id is not None and delivery.status().pending == 1 and journal.entries() == []
    gate.set()
    assert delivery.drain(WAIT_S)
    assert notifier.journaled_before_publish == [True]


def test_the_status_counts_what_the_journal_could_not_keep(topic, journal_path, make_alert):
    journal = Journal(journal_path, max_bytes=6_000)
    delivery = Delivery(journal, {"sns": topic.notifier()})  # not started: everything stays owed
    for i in range(12):
        journal.append(JournalEntry.new(make_alert(src=f"10.4.0.{i}"), ["sns"], 1000.0))
    assert journal.dropped > 0
    assert delivery.status().lost == journal.dropped
