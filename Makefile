# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORPUS ?= ../shared/corpus/articles
STORE ?= data/store
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test web-assets demo build serve test test-fast lint format clean bench bench-build bench-extract bench-validate bench-export bench-http bench-pages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python web-assets
	$(BIN)/pip install --quiet -e .

# The query editor (YASGUI, from the npm registry) and its monospace font with Vietnamese
# (JetBrains Mono, @fontsource), served by cdskg itself, never a CDN: npm ci into
# node_modules/, then the files the pages use are copied into the package's static/vendor/.
# The package build (setup.py) runs the same script, so `pip install .` and wheels carry them.
web-assets:
	$(PYTHON) src/cdskg/web/assets.py --if-needed

install-test: $(BIN)/python web-assets
	$(BIN)/pip install --quiet -e '.[test]'
	# Browser tests drive Debian's Chromium with Playwright (never a downloaded browser)
	[ -x /usr/bin/chromium ] || (apt-get update && apt-get install -y chromium) \
		|| (sudo apt-get update && sudo apt-get install -y chromium)

# Build the graph from CORPUS into STORE and serve it at http://HOST:PORT
demo: install
	$(BIN)/cdskg build $(CORPUS) --store $(STORE) --report $(STORE).report.json || [ $$? -eq 1 ]
	$(BIN)/cdskg serve --store $(STORE) --host $(HOST) --port $(PORT)

build: install
	$(BIN)/cdskg build $(CORPUS) --store $(STORE) --report $(STORE).report.json

serve: install
	$(BIN)/cdskg serve --store $(STORE) --host $(HOST) --port $(PORT)

# Install what the tests need and run them all (lint included)
test: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest

# The fast loop while developing: everything but the end-to-end tests (real servers, the CLI,
# Chromium), which `make test` and CI run too.
test-fast: install-test
	$(BIN)/python -m pytest -m "not e2e"

# HTTP benchmark against `oxigraph serve-read-only` (not part of `make test`; minutes).
# Needs wrk (Debian package) and a built STORE; OBSERVATIONS synthetic ones are added.
OBSERVATIONS ?= 100000
bench-http: install-test
	command -v wrk >/dev/null || apt-get install -y wrk || sudo apt-get install -y wrk
	$(BIN)/python benchmarks/bench_http.py --store $(STORE) --observations $(OBSERVATIONS)

# The other benchmarks, each against a reference measured in the same run.
ARTICLES ?= 1000
bench-build: install-test
	$(BIN)/python benchmarks/bench_build.py --articles $(ARTICLES)

# Extraction alone on the dev corpus, articles/s per process (issue 20: at least 150).
DEV_CORPUS ?= ../shared/corpus/dev
bench-extract: install-test
	$(BIN)/python benchmarks/bench_extract.py --corpus $(DEV_CORPUS)

bench-validate: install-test
	$(BIN)/python -u benchmarks/bench_validate.py --sizes 10000 100000 --pyshacl-max 1000

bench-export: install-test build
	$(BIN)/python benchmarks/bench_export.py --seed-store $(STORE) --observations $(OBSERVATIONS)

# Every page kind and catalogue query over HTTP, p50/p95 against the targets of issue 23, on
# stores of SIZES synthetic observations (100000,1000000 for 1M too), beside
# `oxigraph serve-read-only` on the same data. Needs the sample CORPUS; most of an hour at 100k
# while pages and queries run into the time limit, so it is not part of `make bench`.
SIZES ?= 100000
bench-pages: install-test
	$(BIN)/python -u benchmarks/bench_pages.py --sizes $(SIZES) --corpus $(CORPUS)

bench: bench-build bench-extract bench-validate bench-export bench-http

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: install-test
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) data build *.egg-info src/*.egg-info
