"""The suite never touches the user's own files: tests/conftest.py gives every test its own HOME."""

from __future__ import annotations

import os
from pathlib import Path

from tui.paths import state_dir

# read when the module is collected, before any fixture runs
USERS_HOME = Path(os.path.expanduser("~"))


def test_state_dir_is_under_a_throwaway_home() -> None:
    home = Path(os.environ["HOME"])
    assert home != USERS_HOME
    assert state_dir().is_relative_to(home)
    assert not state_dir().is_relative_to(USERS_HOME / ".local" / "state")


def test_aws_files_are_not_the_users() -> None:
    assert not Path(os.environ["AWS_CONFIG_FILE"]).is_relative_to(USERS_HOME / ".aws")
