"""The configuration's list of remappable actions and the app's key bindings must agree."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from tui.app.app import FlowtailApp
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.detail import DetailScreen
from tui.app.screens.errors import ErrorsScreen
from tui.app.screens.evidence import EvidenceScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.history import HistoryScreen
from tui.app.screens.investigate import InvestigateScreen
from tui.app.screens.live_modal import LiveModal
from tui.app.screens.rule import RuleScreen
from tui.app.widgets.flows_table import FlowsTable
from tui.config import ConfigError, load_config
from tui.config.keys import DEFAULT_KEYS
from tui.config.schema import KEY_ACTIONS

OWNERS = (FlowtailApp, DashboardScreen, FlowsTable, HistoryScreen, HelpScreen, DetailScreen, ErrorsScreen, RuleScreen,
          LiveModal, EvidenceScreen, InvestigateScreen)


def test_every_binding_id_is_a_configurable_action_and_back():
    ids = {
        binding.id
        for owner in OWNERS
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


def _default_keys(*owners):
    return {binding.id: binding.key for owner in owners for binding in owner.BINDINGS
            if isinstance(binding, Binding) and binding.id}


def test_check_knows_every_screens_default_keys():
    """tui/config/keys.py (read without Textual) holds the same keys as the bindings, screen by screen."""
    assert DEFAULT_KEYS["the dashboard"] == _default_keys(FlowtailApp, DashboardScreen, FlowsTable)
    assert DEFAULT_KEYS["the alert history"] == _default_keys(LiveModal, HistoryScreen)
    assert DEFAULT_KEYS["the rule view"] == _default_keys(LiveModal, RuleScreen)
    for screen in (HelpScreen, ErrorsScreen):
        assert DEFAULT_KEYS["the keys and errors views"] == _default_keys(LiveModal, screen)
    for screen in (DetailScreen, EvidenceScreen):
        assert DEFAULT_KEYS["the detail and evidence views"] == _default_keys(LiveModal, screen)
    assert DEFAULT_KEYS["the History view"] == _default_keys(LiveModal, InvestigateScreen)
