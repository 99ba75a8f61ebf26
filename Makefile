# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PY     := $(BIN)/python
# What mypy checks (strict; pyproject.toml's [tool.mypy]). cli/ joins once it exists.
TYPED  := matchmaking embeddings web workers $(wildcard cli)
# Test processes (pytest-xdist): each has its own PostgreSQL database, SQLite file and
# Redis database. Two keep both cores of a small machine busy while one waits.
TEST_WORKERS ?= 2

.PHONY: install demo test test-fast fuzz lint fmt services browser bench-quality bench-perf bench-perf-1m clean

# The stamp is refreshed whenever pyproject.toml changes. torch is pinned to
# the local CPU build first so sentence-transformers does not pull CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,st]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/matchmaking demo

services:
	scripts/services.sh

# The browser tests drive Debian's Chromium through Playwright (no browser download).
browser:
	scripts/browser.sh

test: install services browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)
	$(BIN)/pytest -q -n $(TEST_WORKERS)

test-fast: install
	$(BIN)/pytest -q -n $(TEST_WORKERS) -m "not e2e and not postgres"

# The API against its OpenAPI document with many random examples per operation (the
# test suite runs 5 reproducible ones): no 5xx, every answer as declared.
FUZZ_EXAMPLES ?= 100
fuzz: install
	MATCHMAKING_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider \
		tests/reliability/test_schemathesis.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench-quality: install
	$(BIN)/matchmaking bench quality --csl ../shared/data/csl-dev

# The HTTP part loads the server with wrk (Debian's package) when it is installed,
# and with Python threads otherwise (which then share the server's CPU).
bench-perf: install
	scripts/debian.sh wrk
	$(BIN)/matchmaking bench perf --n 10000,100000

# A million achievements on one machine (docs/benchmarks.md): 8-bit vectors, one
# numeric thread per process, and a long health-check wait for web processes that load
# the index. The first run builds the corpus in PERF_1M_DIR (about 45 minutes on two
# cores, 4 GB of disk) and keeps it; later runs measure the same corpus again in
# about ten. In the background: nohup make bench-perf-1m > perf-1m.log 2>&1 &
PERF_1M_DIR ?= var/bench-perf-1m
bench-perf-1m: install
	scripts/debian.sh wrk
	MATCHMAKING_HNSW_STORAGE=sq8 MATCHMAKING_COMPUTE_THREADS=1 MATCHMAKING_WEB_HEALTHCHECK_SECONDS=1800 \
		$(BIN)/matchmaking bench perf --n 1000000 --http-seconds 20 --ingest-docs 8 --json \
		--workdir $(PERF_1M_DIR)

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
