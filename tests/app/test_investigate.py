"""The History screen (issue 18, point 3): from a flow, a top-N row, a rule group or the detail view,
``i`` asks the History engine about that subject; the timeline chart, the ACCEPTed call-out, the
peers and the newest records, read from the rendered cells at 80x24 and 120x40, with NO_COLOR too.
The real local engine (DuckDB) answers over the sample written to a file; a scripted engine stands
in where the test needs a query that runs until it is cancelled, or one that must be approved."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from tui.app.app import FlowtailApp
from tui.app.sample import BRUTE, SCANNER, FrozenClock
from tui.app.screens.detail import DetailScreen
from tui.app.screens.investigate import InvestigateScreen, timeline_counts
from tui.app.timeline_chart import ACCEPT_GLYPH, REJECT_GLYPH, ChartColumn, chart_rows, column_cells
from tui.app.widgets.top_panel import TopPanel
from tui.history.model import (
    Answer,
    HistoryCancelled,
    HistoryError,
    Peer,
    Question,
    Subject,
    TimelineBin,
    TimeRange,
)
from tui.run.history import HistoryAccess

from tests.app.conftest import ALL_LINES, END, build_app, feed, rows, screen_text, select_flow_from, settle

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_i_on_the_attackers_flow_shows_its_history(local_app, size, no_color):
    app = local_app
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        await select_flow_from(pilot, BRUTE)
        await pilot.press("i")
        assert isinstance(app.screen, InvestigateScreen)
        await settle(pilot)
        screen = app.screen
        assert screen.answer is not None and screen.answer.complete, screen.error
        text = screen_text(app)
        assert f"History {BRUTE}" in text and "last 1h" in text and "local" in text
        assert "✔ 0 ACCEPTed" in text  # the brute force got nothing in
        assert f"{ACCEPT_GLYPH} ACCEPT" in text and f"{REJECT_GLYPH} REJECT" in text
        assert REJECT_GLYPH * 1 in "".join(line for line in text.splitlines() if "ACCEPT" not in line)
        assert "30 records" in text
        peers = rows(screen.query_one("#investigate-peers"))
        assert peers and all("REJECT" in peer["action"] and peer["direction"] == "out" for peer in peers)
        assert sum(int(peer["flows"]) for peer in peers) == 30

        await pilot.press("r")  # the newest records, decoded as the flows are
        records = screen.query_one("#investigate-records")
        assert records.display and not screen.query_one("#investigate-peers").display
        assert records.row_count == 30
        assert all(row["source"] == BRUTE and row["dport"].startswith("22") for row in rows(records))
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape", "escape")
        assert app.screen is app.dashboard


async def test_accepted_peers_are_called_out_first(local_app):
    app = local_app
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        accepted = next(line.split() for line in ALL_LINES if line.split()[12] == "ACCEPT")
        address = accepted[3]
        await select_flow_from(pilot, address)
        await pilot.press("i")
        await settle(pilot)
        answer = app.screen.answer
        flows = sum(row.flows for row in answer.timeline if row.action == "ACCEPT")
        assert flows
        text = screen_text(app)
        assert f"▲ {flows} ACCEPTed flow" in text
        first = rows(app.screen.query_one("#investigate-peers"))[0]
        assert "ACCEPT" in first["action"]


async def test_i_on_a_top_n_row_asks_about_that_key(local_app):
    app = local_app
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        top = app.screen.query_one(TopPanel)
        top.focus()
        top.cycle(2)  # destination ports
        await pilot.pause()
        key = top.selected_key()
        await pilot.press("i")
        assert isinstance(app.screen, InvestigateScreen)
        assert app.screen.subject == Subject("port", key)
        await settle(pilot)
        assert f"History port:{key}" in screen_text(app)


async def test_the_detail_view_opens_history_of_its_source(local_app):
    app = local_app
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        await select_flow_from(pilot, SCANNER)
        await pilot.press("enter", "i")
        assert isinstance(app.screen, InvestigateScreen)
        assert app.screen.subject == Subject("address", SCANNER)
        await settle(pilot)


# -- a scripted engine ----------------------------------------------------------------------------


class ScriptedEngine:
    """Answers with one ACCEPT bin; with ``hold``, sends a partial answer and then waits until the
    question is cancelled (or ``release`` is set); ``approval`` makes the first run ask for approval."""

    def __init__(self, name: str, hold: bool = False, approval: bool = False) -> None:
        self.name = name
        self.hold = hold
        self.approval = approval
        self.questions: list[Question] = []
        self.cancels: list[threading.Event] = []
        self.approved: list[Question] = []
        self.release = threading.Event()

    def estimate(self, question: Question) -> int | None:
        return None

    def approve(self, question: Question) -> None:
        self.approved.append(question)

    def run(self, question, progress=None, cancel=None) -> Answer:
        self.questions.append(question)
        self.cancels.append(cancel)
        if self.approval and question not in self.approved:
            error = HistoryError("Logs Insights would scan about 12.0 GB (~$0.06), more than history.max_scan")
            error.estimated_bytes = 12 * 10**9
            raise error
        start = question.time_range.start
        answer = Answer(self.name, question, timeline=(TimelineBin(start, "ACCEPT", 1, 60, 1),),
                        records_matched=1, bytes_scanned=2_500_000)
        if self.hold:
            progress(dataclasses.replace(answer, complete=False, records_matched=5))
            deadline = time.monotonic() + 30
            while not cancel.wait(0.01) and not self.release.is_set():
                assert time.monotonic() < deadline, "never cancelled"
            if cancel.is_set():
                raise HistoryCancelled("cancelled")
        return answer


def scripted_app(*engines: ScriptedEngine):
    app = build_app(clock=FrozenClock(END))
    app.history = HistoryAccess({engine.name: (lambda engine=engine: engine) for engine in engines}, engines[0].name)
    return app


async def open_history(pilot) -> None:
    await feed(pilot, ALL_LINES)
    await select_flow_from(pilot, BRUTE)
    await pilot.press("i")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_esc_cancels_a_running_query_and_the_dashboard_goes_on(size):
    engine = ScriptedEngine("insights", hold=True)
    app = scripted_app(engine)
    async with app.run_test(size=size) as pilot:
        await open_history(pilot)
        deadline = time.monotonic() + 10
        while "so far" not in screen_text(app):  # the partial answer, shown while it runs
            assert time.monotonic() < deadline
            await pilot.pause(0.02)
        text = screen_text(app)
        assert "⟳ running · 5 records so far · 2.5 MB scanned" in text
        before = app.snapshot.engine.records
        await feed(pilot, ALL_LINES[:100])  # ingestion and the live top go on under the query
        assert app.snapshot.engine.records == before + 100
        assert f"{before + 100:,}" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is app.dashboard
        await settle(pilot)
        assert engine.cancels[0].is_set()


async def test_range_keys_ask_again_and_e_switches_engines():
    first, second = ScriptedEngine("local"), ScriptedEngine("athena")
    app = scripted_app(first, second)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        await settle(pilot)
        question = first.questions[-1]
        assert question.time_range.seconds == 3600 and question.subject == Subject("address", BRUTE)
        await pilot.press("6")
        await settle(pilot)
        assert first.questions[-1].time_range.seconds == 6 * 3600 and first.questions[-1].bin_seconds == 300
        assert "last 6h · local" in screen_text(app)
        await pilot.press("7")
        await settle(pilot)
        assert first.questions[-1].time_range.seconds == 7 * 86400
        await pilot.press("e")
        await settle(pilot)
        assert second.questions and "last 7d · athena" in screen_text(app)
        assert "▲ 1 ACCEPTed flow" in screen_text(app)


async def test_one_engine_has_no_engine_key():
    app = scripted_app(ScriptedEngine("local"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        await settle(pilot)
        assert "Engine" not in screen_text(app).splitlines()[-1]


async def test_a_scan_above_the_limit_asks_first_and_y_runs_it():
    engine = ScriptedEngine("insights", approval=True)
    app = scripted_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        await settle(pilot)
        text = screen_text(app)
        assert "more than history.max_scan" in text and "y runs it" in text
        await pilot.press("y")
        await settle(pilot)
        assert engine.approved and app.screen.answer is not None
        assert "1 records" in screen_text(app)


async def test_an_engine_that_cannot_be_built_is_one_line():
    def broken():
        raise ImportError("no duckdb", name="duckdb")

    app = build_app()
    app.history = HistoryAccess({"local": broken})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        await settle(pilot)
        assert "pip install 'flowtail[history]'" in screen_text(app)


async def test_without_history_the_key_says_so():
    app = build_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await open_history(pilot)
        await pilot.pause()
        assert app.screen is app.dashboard
        assert "History is not available" in screen_text(app)


# -- the chart -----------------------------------------------------------------------------------


def test_one_accept_among_many_rejects_still_shows():
    rows_ = chart_rows([ChartColumn(1, 10_000), ChartColumn(0, 5)], 5)
    column = [row[0] for row in rows_]
    assert column.count(ACCEPT_GLYPH) == 1 and column.count(REJECT_GLYPH) == 4
    assert [row[1] for row in rows_][-1] == REJECT_GLYPH


def test_cells_scale_with_the_peak_and_empty_bins_stay_empty():
    assert column_cells(ChartColumn(0, 0), 10, 5) == (0, 0)
    assert column_cells(ChartColumn(10, 0), 10, 5) == (5, 0)
    assert column_cells(ChartColumn(0, 1), 100, 5) == (0, 1)


def test_timeline_counts_place_bins_in_the_range_and_keep_empty_ones():
    end = datetime.fromtimestamp(END - END % 60, tz=timezone.utc)  # bins are aligned on the epoch
    question = Question(Subject("address", BRUTE), TimeRange(end - timedelta(minutes=10), end), bin_seconds=60)
    second_bin = question.time_range.start + timedelta(minutes=1)
    answer = Answer("local", question, timeline=(TimelineBin(second_bin, "REJECT", 3, 1, 1),
                                                 TimelineBin(second_bin, "ACCEPT", 1, 1, 1)))
    counts = timeline_counts(answer)
    assert len(counts) == 10
    assert counts[1] == (1, 3) and sum(a + r for a, r in counts) == 4


ABOUT = "instance i-0123456789abcdef0 (app-1) · subnet-0123456789abcdef0 · vpc-0123456789abcdef0"


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_who_the_subject_is_shows_under_the_title_cut_with_an_ellipsis(size):
    app = build_app()
    asked = []

    def about(subject):
        asked.append(subject)
        return ABOUT

    app.history = HistoryAccess({"local": lambda: ScriptedEngine("local")}, about=about)
    async with app.run_test(size=size) as pilot:
        await open_history(pilot)
        await settle(pilot)
        assert Subject("address", BRUTE) in asked  # the top-N panel asks about its own addresses too
        line = next(line for line in screen_text(app).splitlines() if "who instance" in line)
        if size[0] == 80:
            assert "…" in line and "(app-1)" in line
        else:
            assert ABOUT in line
        assert f"History {BRUTE} · last 1h · local" in screen_text(app)


async def test_the_detail_view_says_who_the_records_interface_and_addresses_are():
    app = build_app()
    app.history = HistoryAccess(
        {"local": lambda: ScriptedEngine("local")},
        about=lambda subject: "instance i-0abc (web-1)" if subject.kind == "eni" else None,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        await select_flow_from(pilot, BRUTE)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "who" in text and "interface-id" in text and "instance i-0abc (web-1)" in text


async def test_historys_notes_go_to_the_errors_list():
    """ENI context without ec2:DescribeNetworkInterfaces is one note in the errors list, nothing else."""
    access = HistoryAccess({"local": lambda: ScriptedEngine("local")})
    base = build_app()
    app = FlowtailApp(base.session, base.config, clock=FrozenClock(END), live=False, history=access)
    async with app.run_test(size=(120, 40)) as pilot:
        note = "ENI context: ec2:DescribeNetworkInterfaces was refused (AccessDenied); ENIs are not named"
        access.note(note)
        access.note(note)
        await feed(pilot, ALL_LINES)
        assert [entry.text for entry in app.error_log.entries] == [note]
        assert "1 error: e" in screen_text(app)


class PeersEngine(ScriptedEngine):
    """Answers with ``count`` REJECTed peers (the engines stop at the question's ``peers_limit``)."""

    def __init__(self, count: int) -> None:
        super().__init__("local")
        self.count = count

    def run(self, question, progress=None, cancel=None) -> Answer:
        answer = super().run(question, progress, cancel)
        start = question.time_range.start
        peers = tuple(Peer(f"198.51.100.{index % 250}", 1024 + index, 6, "REJECT", "in", 1, 60, 1, start, start)
                      for index in range(min(self.count, question.peers_limit)))
        return dataclasses.replace(answer, peers=peers)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_history_says_when_the_peers_list_hit_its_cap(size, no_color):
    for count, said in ((100, "only the first 100 peers listed (the cap)"), (250, "only the first 100 peers listed"),
                        (7, "7 peers"), (1, "1 peer")):
        app = scripted_app(PeersEngine(count))
        async with app.run_test(size=size) as pilot:
            await open_history(pilot)
            await settle(pilot)
            screen = app.screen
            assert screen.answer is not None and len(screen.answer.peers) == min(count, 100)
            assert screen.answer.question.peers_limit == 100
            text = " ".join(line.strip() for line in screen_text(app).splitlines())  # the status line may wrap
            assert said in text, (count, text)
            if count < 100:
                assert "the first" not in text


async def test_the_timeline_labels_sit_under_the_bars_and_a_day_names_its_dates():
    """The end label ends under the last bin's column (not at the screen's edge, which would put an
    attack at the wrong time), and 24 hours apart the two labels carry their dates."""
    engine = ScriptedEngine("local")
    app = scripted_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        await settle(pilot)
        chart = app.screen.query_one("TimelineChart")
        last = chart.render().plain.splitlines()[-1]
        assert len(last.rstrip()) <= 60 + 1, last  # 1h: 60 one-minute bins, 60 columns
        await pilot.press("2")
        await settle(pilot)
        start, end = app.screen.query_one("TimelineChart").labels
        assert start.split()[0] != end.split()[0], (start, end)  # the dates differ, so they are shown
