"""Which keys the dashboard's remappable actions use, screen by screen, so ``flowtail check`` can
refuse a ``display.keys`` that puts two actions on one key or takes a key Textual keeps for itself.

This module cannot import Textual (the config is read without the UI); tests/app checks that these
defaults are the app's bindings.
"""

from __future__ import annotations

from collections.abc import Mapping

# screen -> action -> its default keys (comma-separated, as in a Textual Binding)
DEFAULT_KEYS: dict[str, dict[str, str]] = {
    "the dashboard": {
        "quit": "q", "help": "question_mark", "pause": "space", "filter": "slash", "clear_filter": "escape",
        "ack": "a", "history": "h", "top_next": "n", "top_bytes": "b", "clock": "t", "errors": "e",
        "order": "o", "detail": "enter", "investigate": "i",
    },
    "the alert history": {
        "help": "question_mark", "close": "escape,q", "ack_selected": "a", "snooze": "s", "order": "o",
        "investigate": "i",
    },
    "the rule view": {"help": "question_mark", "close": "escape,q", "filter_rule": "f", "investigate": "i"},
    "the keys and errors views": {"help": "question_mark", "close": "escape,q"},
    "the detail and evidence views": {"help": "question_mark", "close": "escape,q", "investigate": "i"},
    "the History view": {
        "help": "question_mark", "close": "escape,q", "range_1h": "1", "range_6h": "6", "range_24h": "2",
        "range_7d": "7", "engine": "e", "toggle_records": "r", "approve": "y",
    },
}

# keys flowtail or Textual binds on every screen, which no action may take
BUILT_IN_KEYS: dict[str, str] = {
    "ctrl+q": "quit", "ctrl+c": "quit", "ctrl+p": "the command palette",
    "tab": "the next panel", "shift+tab": "the previous panel",
    "up": "cursor up", "down": "cursor down", "pageup": "page up", "pagedown": "page down",
    "home": "the first row", "end": "the last row",
}

# what people type for keys Textual names otherwise
_ALIASES = {"?": "question_mark", "/": "slash", " ": "space", "esc": "escape", "return": "enter"}


def key_names(keys: str) -> list[str]:
    """``"esc, q"`` -> ``["escape", "q"]``."""
    return [_ALIASES.get(key.strip(), key.strip()) for key in keys.split(",") if key.strip()]


def key_conflicts(remapped: Mapping[str, str]) -> dict[str, str]:
    """action -> one line naming the clash, for each remapped action whose key another action of the
    same screen also has (after the remapping), or that a built-in key holds."""
    problems: dict[str, str] = {}
    for action, keys in remapped.items():
        for key in key_names(keys):
            if key in BUILT_IN_KEYS:
                problems[action] = f"{key!r} is a built-in key ({BUILT_IN_KEYS[key]}); choose another"
                break
    for screen, defaults in DEFAULT_KEYS.items():
        holders: dict[str, list[str]] = {}
        for action, default in defaults.items():
            for key in key_names(remapped.get(action, default)):
                holders.setdefault(key, []).append(action)
        for key, actions in holders.items():
            if len(actions) < 2:
                continue
            for action in actions:
                if action in remapped and action not in problems:
                    others = " and ".join(other for other in actions if other != action)
                    problems[action] = f"{key!r} is also the key of {others} on {screen}; give one of them another key"
    return problems
