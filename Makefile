# Entry points, each setting up what it needs: `make demo`, `make test` and `make lint`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# An editable install leaves no bytecode, and PYTHONDONTWRITEBYTECODE (set on some machines)
	@# keeps Python from caching it: compiling it once saves ~80 ms at every start.
	$(BIN)/python -m compileall -q tui
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/flowtail demo

test: $(STAMP)
	@# Four workers (pytest-xdist) on the 2-core machines: many tests wait on loopback servers and subprocesses,
	@# so more workers than cores fill them (about 3.7 minutes with four, 4.4 with three, 8 with one);
	@# worksteal balances the long property tests.
	$(BIN)/python -m pytest -n 4 --dist worksteal

# Style and errors (ruff), types (mypy, configured in pyproject.toml), and the import contracts (lint-imports).
lint: $(STAMP)
	$(BIN)/ruff check tui flowtail tests benchmarks scripts
	$(BIN)/mypy tui flowtail
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_patterns.py
	$(BIN)/python benchmarks/bench_replay.py

clean:
	rm -rf $(VENV)
