"""Where the shared spec data lives: ../shared/spec beside the repository, else the copy in tests/data/spec."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_SPEC = REPO.parent / "shared" / "spec"
LOCAL_SPEC = REPO / "tests" / "data" / "spec"


def spec_file(name: str) -> Path:
    shared = SHARED_SPEC / name
    return shared if shared.exists() else LOCAL_SPEC / name
