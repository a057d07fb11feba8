"""What a fresh install meets: the demo extra missing, and another distribution's `tui` package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(code: str, *, pythonpath: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, cwd=cwd)


def test_demo_without_moto_says_what_to_install():
    # A plain `pip install flowtail` has no moto: simulate it by making the import fail.
    result = _run("import sys; sys.modules['moto'] = None\n"
                  "from flowtail.__main__ import main; sys.exit(main(['demo', '--headless', '--duration', '1']))")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "'.[demo]'" in lines[0] and "'moto'" in lines[0]


def test_a_foreign_tui_package_is_named_in_one_line(tmp_path):
    foreign = tmp_path / "tui"
    foreign.mkdir()
    (foreign / "__init__.py").write_text("'''some other text-UI toolkit'''\n")
    result = _run("import sys; from flowtail.__main__ import main; sys.exit(main(['--version']))",
                  pythonpath=f"{tmp_path}{os.pathsep}{REPO}", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(foreign) in lines[0] and "another distribution" in lines[0]


def test_flowtails_own_tui_runs():
    result = _run("import sys; from flowtail.__main__ import main; sys.exit(main(['--version']))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowtail ")
