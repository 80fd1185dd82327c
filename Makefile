# The two commands a newcomer runs: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench setup browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

BROWSER_STAMP := $(VENV)/.browser

$(BROWSER_STAMP): scripts/install-browser.sh
	bash scripts/install-browser.sh
	touch $(BROWSER_STAMP)

setup: $(STAMP)

browser: $(BROWSER_STAMP)

PLACE ?= out/leeds

demo: setup
	$(BIN)/healthequity demo --place $(PLACE)

lint: setup
	$(BIN)/ruff check healthequity tests bench
	$(BIN)/ruff format --check healthequity tests bench

typecheck: setup
	$(BIN)/mypy

unit: setup browser
	$(BIN)/python -m pytest -n 2 -q

test: lint typecheck unit

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
