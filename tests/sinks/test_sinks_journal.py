"""The alert journal: durable, append-only, resumable, bounded, private."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tui.paths import state_dir
from tui.sinks.journal import CUT_MARK, MAX_SAMPLES, SAMPLE_MAX_BYTES, Journal, JournalEntry


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def entry(alert, sinks=("sns",), at=1000.0) -> JournalEntry:
    return JournalEntry.new(alert, sinks, at)


def test_an_alert_reads_back_equal_with_its_bookkeeping(journal, make_alert):
    alert = make_alert(time_ms=1_718_000_059_250, value=12.5, group={"srcaddr": "10.0.0.1", "dstport": 22})
    written = entry(alert)
    journal.append(written)

    (read,) = journal.pending("sns")
    assert read == written
    assert read.alert == alert
    line = json.loads(journal.path.read_text())
    assert line["type"] == "alert" and line["id"] == written.id == alert.id
    assert line["delivered"] == {} and line["rule"] == "ssh-brute-force"


def test_receipts_are_appended_lines_and_resolve_an_alert_per_sink(journal, make_alert):
    first, second = entry(make_alert(), sinks=("sns", "pager")), entry(make_alert(src="198.51.100.9"))
    journal.append(first)
    journal.append(second)
    journal.mark_delivered(first.id, "sns", "msg-1")
    journal.mark_suppressed(second.id, "sns", "cooldown")

    assert journal.pending("sns") == []
    assert [e.id for e in journal.pending("pager")] == [first.id]
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert lines[2] == {"type": "delivered", "id": first.id, "sink": "sns", "message_id": "msg-1"}
    assert lines[3] == {"type": "suppressed", "id": second.id, "sink": "sns", "reason": "cooldown"}
    assert len(lines) == 4  # nothing rewritten


def test_recent_is_newest_last_with_receipts(journal, make_alert):
    entries = [entry(make_alert(src=f"10.0.0.{i}")) for i in range(5)]
    for each in entries:
        journal.append(each)
    journal.mark_delivered(entries[4].id, "sns", "msg-4")

    recent = journal.recent(2)
    assert [e.id for e in recent] == [entries[3].id, entries[4].id]
    assert recent[1].delivered == {"sns": "msg-4"} and recent[0].delivered == {}
    assert journal.recent(0) == []


def test_a_truncated_last_line_and_malformed_lines_are_skipped_and_counted(journal_path, make_alert):
    journal = Journal(journal_path)
    kept = entry(make_alert())
    journal.append(kept)
    journal.close()
    with open(journal_path, "ab") as file:
        file.write(b"not json\n[1, 2]\n")
        file.write(b'{"type": "alert", "id": "no-fields"}\n')
        file.write(b'{"type": "delivered", "id": "x"}\n')  # receipt without sink
        file.write(b'{"type": "alert", "id": "killed-mid-wr')  # killed mid-write: no newline

    reopened = Journal(journal_path)
    assert [e.id for e in reopened.pending("sns")] == [kept.id]
    assert reopened.malformed == 5
    later = entry(make_alert(src="198.51.100.1"))
    reopened.append(later)  # must not be glued onto the truncated line
    assert [e.id for e in reopened.pending("sns")] == [kept.id, later.id]
    reopened.close()


def test_file_is_owner_only_and_directory_is_created_private(journal, make_alert):
    journal.append(entry(make_alert()))
    assert mode(journal.path) == 0o600
    assert mode(journal.path.parent) == 0o700


def test_an_existing_world_readable_journal_is_made_private(journal_path):
    journal_path.parent.mkdir(parents=True)
    journal_path.write_text("")
    os.chmod(journal_path, 0o644)
    Journal(journal_path).close()
    assert mode(journal_path) == 0o600


def test_default_path_follows_xdg_state_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    journal = Journal()
    assert journal.path == tmp_path / "xdg" / "flowtail" / "alerts.jsonl"
    assert mode(journal.path.parent) == 0o700
    journal.close()


def test_state_dir_falls_back_to_local_state_and_ignores_a_relative_xdg_value(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert state_dir() == tmp_path / ".local" / "state" / "flowtail"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")
    assert state_dir() == tmp_path / ".local" / "state" / "flowtail"


def test_rotation_keeps_pending_alerts_and_bounds_the_file(journal_path, make_alert):
    journal = Journal(journal_path, max_bytes=20_000)
    owed = []
    for i in range(60):
        item = entry(make_alert(src=f"10.0.1.{i}"), sinks=("sns", "pager"))
        journal.append(item)
        journal.mark_delivered(item.id, "sns", f"msg-{i}")
        if i % 10 == 0:
            owed.append(item)  # still owed to the pager
        else:
            journal.mark_delivered(item.id, "pager", f"page-{i}")

    assert journal.rotated_path.exists()
    assert journal_path.stat().st_size <= 20_000
    assert mode(journal_path) == 0o600 and mode(journal.rotated_path) == 0o600
    pending = journal.pending("pager")
    assert [e.id for e in pending] == [e.id for e in owed]
    assert all(e.delivered == {"sns": f"msg-{i * 10}"} for i, e in enumerate(pending))  # carried over
    assert journal.pending("sns") == [] and journal.dropped == 0
    journal.close()
    assert [e.id for e in Journal(journal_path).pending("pager")] == [e.id for e in owed]


def test_rotation_keeps_the_newest_pending_alerts_when_they_alone_exceed_the_cap(journal_path, make_alert):
    journal = Journal(journal_path, max_bytes=6_000)
    owed = [entry(make_alert(src=f"10.0.2.{i}")) for i in range(12)]
    for item in owed:
        journal.append(item)

    pending = journal.pending("sns")
    assert journal.dropped > 0
    assert len(pending) + journal.dropped >= len(owed)
    assert pending[-1].id == owed[-1].id
    journal.close()


def test_rotation_never_leaves_a_pending_alert_behind_below_the_cap(journal_path, make_alert):
    journal = Journal(journal_path, max_bytes=30_000)
    owed = []
    for i in range(40):
        item = entry(make_alert(src=f"10.0.3.{i}"))
        journal.append(item)
        if i % 3 == 0:  # a third of them delivered: the owed alone fill more than half the cap
            journal.mark_delivered(item.id, "sns", f"msg-{i}")
        else:
            owed.append(item)

    assert journal.rotated_path.exists() and journal.dropped == 0
    assert [e.id for e in journal.pending("sns")] == [e.id for e in owed]
    journal.close()


def test_rotation_keeps_recently_delivered_alerts_so_a_restart_knows_them(journal_path, make_alert):
    clock = [5000.0]
    journal = Journal(journal_path, max_bytes=20_000, retain_s=600, clock=lambda: clock[0])
    old = entry(make_alert(src="10.0.4.0"), at=1000.0)
    journal.append(old)
    journal.mark_delivered(old.id, "sns", "msg-old")
    recent = [entry(make_alert(src=f"10.0.4.{i}"), at=4900.0) for i in range(1, 30)]
    for item in recent:
        journal.append(item)
        journal.mark_delivered(item.id, "sns", "msg")

    assert journal.rotated_path.exists()
    kept = {e.id: e for e in journal.entries()}
    assert old.id not in kept  # older than retain_s: only in .1
    assert kept[recent[-1].id].delivered == {"sns": "msg"}
    journal.close()


def test_samples_are_capped_in_count_and_size_and_marked_when_cut(journal, make_alert):
    samples = ("a" * 5000, "ü" * 700, "short", "4", "5", "6", "7")
    journal.append(entry(make_alert(samples=samples)))

    (read,) = journal.entries()
    assert len(read.alert.samples) == MAX_SAMPLES
    assert all(len(sample.encode()) <= SAMPLE_MAX_BYTES for sample in read.alert.samples)
    assert read.alert.samples[0].endswith(CUT_MARK) and read.alert.samples[1].endswith(CUT_MARK)
    assert read.alert.samples[2:] == ("short", "4", "5")
    assert len(journal.path.read_bytes()) < 8_000


def test_a_dead_letter_receipt_resolves_the_alert_with_its_reason(journal, make_alert):
    item = entry(make_alert())
    journal.append(item)
    journal.mark_dead_letter(item.id, "sns", "SNS rejected the message (InvalidParameter)")

    assert journal.pending("sns") == []
    (read,) = journal.entries()
    assert read.dead_lettered == {"sns": "SNS rejected the message (InvalidParameter)"}
    assert json.loads(journal.path.read_text().splitlines()[1])["type"] == "dead-letter"


def test_a_rotation_interrupted_between_its_renames_is_completed_on_open(journal_path, make_alert):
    journal = Journal(journal_path)
    item = entry(make_alert())
    journal.append(item)
    journal.close()
    tmp = journal_path.with_name("alerts.jsonl.tmp")
    os.replace(journal_path, tmp)  # as if killed after "current -> .1" ... here: the new file is only tmp

    reopened = Journal(journal_path)
    assert [e.id for e in reopened.pending("sns")] == [item.id]
    assert not tmp.exists()
    reopened.close()


def test_a_stale_rotation_file_is_discarded_when_the_journal_is_intact(journal_path, make_alert):
    journal = Journal(journal_path)
    item = entry(make_alert())
    journal.append(item)
    journal.close()
    tmp = journal_path.with_name("alerts.jsonl.tmp")
    tmp.write_text("partial")

    reopened = Journal(journal_path)
    assert [e.id for e in reopened.pending("sns")] == [item.id]
    assert not tmp.exists()
    reopened.close()
