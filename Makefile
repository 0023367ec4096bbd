# omniretail — the two Quick start commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup run test test-sqlite test-postgres lint assets messages clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

setup: $(BIN)/.installed assets messages

assets: $(BIN)/.installed
	@bash scripts/install-assets.sh

messages: $(BIN)/.installed
	@bash scripts/compile-messages.sh

run: setup
	$(BIN)/omniretail demo

test: setup
	@bash scripts/test.sh all

test-sqlite: setup
	@bash scripts/test.sh sqlite

test-postgres: setup
	@bash scripts/test.sh postgres

lint: setup
	$(BIN)/ruff check omniretail conftest.py
	$(BIN)/mypy omniretail

clean:
	rm -rf $(VENV) var node_modules omniretail/web/static/vendor
