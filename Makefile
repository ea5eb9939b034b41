# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/shequn setup
	$(BIN)/shequn serve --host $(HOST) --port $(PORT)

# Every test on SQLite; then, when SHEQUN_TEST_DATABASE_URL names a PostgreSQL
# server, every test that touches the store again on PostgreSQL.
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy shequn
	$(BIN)/python -m pytest
	@if [ -n "$$SHEQUN_TEST_DATABASE_URL" ]; then \
		echo "== store tests on PostgreSQL =="; \
		SHEQUN_DATABASE_URL="$$SHEQUN_TEST_DATABASE_URL" $(BIN)/python -m pytest -m store; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shequn

bench: $(VENV)/.installed
	$(BIN)/python bench/ingest_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
