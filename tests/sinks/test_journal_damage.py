"""A damaged alert journal never blocks a start nor fails in silence; a file that is not a journal
is refused and left untouched. Each damaged file is written by the test."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tui.sinks.delivery import Delivery
from tui.sinks.journal import Journal, JournalEntry, NotAJournal


def _alert_line(make_alert, **overrides) -> str:
    entry = JournalEntry.new(make_alert(), ("sns",), 1000.0)
    return json.dumps({**entry.to_line(), **overrides})


def test_a_line_of_two_thousand_brackets_is_a_damaged_line_not_a_recursion_error(journal_path, make_alert):
    good = JournalEntry.new(make_alert(), ("sns",), 1000.0)
    journal_path.parent.mkdir(parents=True)
    journal_path.write_text("[" * 2000 + "\n" + json.dumps(good.to_line()) + "\n")

    journal = Journal(journal_path)
    try:
        assert [entry.id for entry in journal.pending("sns")] == [good.id]  # the rest of the file is used
        assert journal.malformed == 1
    finally:
        journal.close()


@pytest.mark.parametrize("field", ["value", "threshold", "window"])
def test_an_alert_whose_number_is_text_is_damaged_not_owed_forever(journal_path, make_alert, field):
    journal_path.parent.mkdir(parents=True)
    journal_path.write_text(_alert_line(make_alert, **{field: "big"}) + "\n")

    journal = Journal(journal_path)
    try:
        assert journal.pending("sns") == []
        assert journal.malformed == 1
    finally:
        journal.close()


def test_damaged_lines_are_said_once_and_counted_in_the_status(journal_path, make_alert, topic):
    good = JournalEntry.new(make_alert(), ("sns",), 1000.0)
    journal_path.parent.mkdir(parents=True)
    journal_path.write_text(json.dumps(good.to_line()) + "\n" + '{"type": "alert", "id": "x", "rul' + "\n"
                            + _alert_line(make_alert, value="big") + "\n")
    told: list[str] = []
    delivery = Delivery(Journal(journal_path), {"sns": topic.notifier()})
    delivery.on_report(told.append)
    delivery.start()
    try:
        assert delivery.status().damaged == 2
        assert told[0] == (
            f"the alert journal {journal_path} has 2 damaged lines, skipped (the rest is used): an alert whose "
            "receipts were on them may be sent again; move the file away to start a new journal"
        )
    finally:
        delivery.stop()


def test_a_file_that_is_not_a_journal_is_refused_and_left_untouched(tmp_path):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("dear diary\nthe pager was quiet today\n")
    os.chmod(foreign, 0o644)

    with pytest.raises(NotAJournal, match="is not a flowtail alert journal: it was left untouched"):
        Journal(foreign)
    assert foreign.read_text() == "dear diary\nthe pager was quiet today\n"
    assert stat.S_IMODE(foreign.stat().st_mode) == 0o644


def test_a_directory_or_device_is_refused(tmp_path):
    with pytest.raises(NotAJournal, match="is not a regular file"):
        Journal(tmp_path)


def test_a_journal_whose_first_line_was_damaged_is_still_a_journal(journal_path, make_alert):
    journal_path.parent.mkdir(parents=True)
    journal_path.write_text("garbage\n" + _alert_line(make_alert) + "\n")
    journal = Journal(journal_path)
    try:
        assert len(journal.pending("sns")) == 1 and journal.malformed == 1
    finally:
        journal.close()
