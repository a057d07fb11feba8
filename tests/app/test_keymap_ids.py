"""The configuration's list of remappable actions and the app's key bindings must agree."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from tui.app.app import FlowtailApp
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.detail import DetailScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.history import HistoryScreen
from tui.app.widgets.flows_table import FlowsTable
from tui.config import ConfigError, load_config
from tui.config.schema import KEY_ACTIONS


def test_every_binding_id_is_a_configurable_action_and_back():
    ids = {
        binding.id
        for owner in (FlowtailApp, DashboardScreen, FlowsTable, HistoryScreen, HelpScreen, DetailScreen)
        for binding in owner.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }
    assert ids == set(KEY_ACTIONS)


def test_an_unknown_action_in_display_keys_is_a_config_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("display:\n  keys:\n    pause: p\n    pasue: x\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert "c.yaml:4: display.keys.pasue: unknown action" in str(raised.value)
    assert "c.yaml:3" not in str(raised.value)
