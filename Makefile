# Two entry points: `make run` (the bundled example scenario) and `make test` (the whole suite).
# Both build .venv from the pinned versions in constraints.txt first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/sr25-example.toml
OUT      ?= results/sr25-example

.PHONY: run test venv lint typecheck pytest bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,notebooks,distributed]"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/missionfinance run $(SCENARIO) --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache .hypothesis
