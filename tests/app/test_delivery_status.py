"""Alert delivery trouble on the status line: shown compactly, cut with an ellipsis, gone when well."""

from __future__ import annotations

import pytest

from tui.sinks.delivery import DeliveryStatus

from tests.app.conftest import build_app, screen_lines

TROUBLE = DeliveryStatus(sent=4, pending=2, suppressed=0, failed_attempts=9, failed=1, dead_lettered=1, lost=0,
                         last_error="SNS topic arn:aws:sns:eu-west-1:123456789012:flow-alerts does not exist "
                                    "(check the topic ARN and region)")
HEALTHY = DeliveryStatus(sent=4, pending=0, suppressed=1, failed_attempts=0, last_error=None)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_delivery_trouble_is_on_the_status_line_and_the_clock_stays(size):
    app = build_app()
    status = [TROUBLE]
    app.session.set_delivery_status(lambda: status[0])
    async with app.run_test(size=size) as pilot:
        app.refresh_view()
        await pilot.pause()
        top = screen_lines(app)[0]
        assert "SNS: 2 pending, 1 failing, 1 dead" in top
        assert "…" in top and "UTC" in top  # the error is cut, the clock is not

        status[0] = HEALTHY
        app.refresh_view()
        await pilot.pause()
        assert "SNS:" not in screen_lines(app)[0]
