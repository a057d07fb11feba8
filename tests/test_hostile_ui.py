"""What the dashboard shows of a blind source and of alert delivery trouble: a stalled source says so
in the status bar; SNS and journal problems are in the errors list (`e`), not a log group's error."""

from __future__ import annotations

from types import SimpleNamespace

from tui.app.errorlog import ErrorLog
from tui.app.widgets.status_bar import source_status
from tui.sinks.delivery import DeliveryStatus
from tui.sources.follower import FollowerStatus

GROUP = "/vpc/flow-logs"
STALLED = "stalled: no answer for over 45 s (the call waits for its deadline)"


def test_a_stalled_source_reads_as_stalled_with_its_reason():
    status = FollowerStatus(GROUP, "stalled", None, 0.0, None, None, 0, 0, 1.0, STALLED, 0, 1)
    text = source_status(status, now=1_800_000_000.0).plain
    assert text.startswith(f"✖ {GROUP} stalled ") and STALLED in text


def test_delivery_errors_and_damaged_journal_lines_are_in_the_errors_list():
    delivery = DeliveryStatus(sent=0, pending=1, suppressed=0, failed_attempts=2,
                              last_error="SNS topic arn:aws:sns:us-east-1:123456789012:x does not exist",
                              damaged=3, journal="/state/alerts.jsonl")
    source = FollowerStatus(GROUP, "ok", 1.0, 0.0, None, None, 0, 0, 1.0, None, 0, 1)
    snapshot = SimpleNamespace(sources=(source,), error=None, mode="watch", delivery=delivery)
    log = ErrorLog()
    log.update(snapshot, 10.0)
    assert {(entry.where, entry.text) for entry in log.entries} == {
        ("alert delivery", "SNS topic arn:aws:sns:us-east-1:123456789012:x does not exist"),
        ("alert journal", "the alert journal /state/alerts.jsonl has 3 damaged lines, skipped (the rest is used): "
                          "an alert whose receipts were on them may be sent again; move the file away to start a "
                          "new journal"),
    }
