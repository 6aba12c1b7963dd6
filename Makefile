# Two entry points: `make run` (the bundled example scenario) and `make test` (the whole suite).
# Both build .venv from the pinned versions in constraints.txt first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/sr25-example.toml
OUT      ?= results/sr25-example
PIP      := $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt

.PHONY: run test venv lint typecheck pytest bench clean

$(VENV)/bin/python:
	@echo "==> creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

# `make run` needs only the library and its runtime dependencies: no test, notebook or dask extras.
$(RUN_STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	@echo "==> installing missionfinance and its runtime dependencies (versions pinned in constraints.txt; a few minutes the first time)"
	$(PIP) --progress-bar on -e .
	touch $(RUN_STAMP)

# `make test` and the other developer targets need everything: tests, notebooks, dask.
$(DEV_STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	@echo "==> installing missionfinance with its dev, notebooks and distributed extras (pinned in constraints.txt)"
	$(PIP) --quiet -e ".[dev,notebooks,distributed]"
	touch $(RUN_STAMP) $(DEV_STAMP)

venv: $(DEV_STAMP)

run: $(RUN_STAMP)
	@echo "==> running $(SCENARIO) into $(OUT)"
	$(BIN)/missionfinance run $(SCENARIO) --out $(OUT)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache .hypothesis
