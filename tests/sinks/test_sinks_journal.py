"""The alert journal: durable, append-only, resumable, bounded, private."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tui.paths import state_dir
from tui.sinks.journal import Journal, JournalEntry


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
    assert journal_path.stat().st_size <= 6_000
    journal.close()


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
