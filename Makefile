# Two commands matter: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test test-spark lint bench screenshots clean install pdf-deps

# The demo needs only the runtime; the tools for tests (browser driver, API fuzzer) come with
# `make test`.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

# the system libraries `northstar report qbr` needs for its PDF (Pango, a font; as root)
pdf-deps:
	bash .ci/pdf-deps

demo: $(STAMP)
	$(BIN)/northstar demo demo-company

test: $(DEV_STAMP)
	$(BIN)/ruff check src tests $(wildcard bench scripts)
	$(BIN)/mypy
	$(BIN)/pytest

# every pack's sample company on Spark against DuckDB (issue 16): slow, so not in `make test`
test-spark: $(DEV_STAMP)
	$(BIN)/pytest -m spark_packs

# the soak is bounded: 2 minutes here; `make bench SOAK_MINUTES=60` for the hour
SOAK_MINUTES ?= 2

bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/run.py --pack agency --rows 1000000
	$(BIN)/python bench/spark.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/ask.py
	$(BIN)/python bench/sources.py --docs --repeats 3
	$(BIN)/python bench/servicetitan.py --docs --repeats 3
	$(BIN)/python bench/field_service.py --docs --repeats 3
	$(BIN)/python bench/bounds.py
	$(BIN)/python bench/soak.py --minutes $(SOAK_MINUTES)

# docs/screenshots/ from the sample company (demo-company/, built when missing), in Chromium
screenshots: $(DEV_STAMP)
	bash .ci/browser-deps
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) demo-company .pytest_cache .mypy_cache .ruff_cache
