# One task runner for people and CI. `make run` and `make test` each set up everything they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check test-later lint check-content clean bench axe

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the line under gunicorn on http://127.0.0.1:8000 (development mode unless TWILIO_AUTH_TOKEN is set),
## after making or upgrading its database (instance/ivr-stats.sqlite unless IVR_DATABASE_URL says otherwise).
run: $(STAMP)
	$(BIN)/ivr db upgrade
	@echo "Rodblokade-linjen on http://127.0.0.1:$${PORT:-8000}/ (start page: preview, statistics, health, menu)"
	@echo "  the preview:    http://127.0.0.1:$${PORT:-8000}/preview/"
	@echo "  statistics:     http://127.0.0.1:$${PORT:-8000}/staff/stats"
	@echo "  health check:   http://127.0.0.1:$${PORT:-8000}/healthz"
	@if [ -z "$$TWILIO_AUTH_TOKEN" ]; then export IVR_DEVELOPMENT=$${IVR_DEVELOPMENT:-true}; fi; \
	$(BIN)/ivr serve --bind 127.0.0.1:$${PORT:-8000}

## Lint, type-check and run every test (the accessibility tests need axe-core: `make axe`, where npm is).
## pytest-xdist runs them on two workers (the tests of a file on one; each worker its own PostgreSQL database),
## then the tests marked `serial` alone, as they time what they do or load the machine on purpose.
XDIST := -n 2 --dist loadfile
test: lint
	@if command -v npm >/dev/null && [ ! -f build/axe/node_modules/axe-core/axe.min.js ]; then $(MAKE) axe; fi
	$(BIN)/pytest -m "not serial" $(XDIST)
	$(BIN)/pytest -m serial

## The quick loop: lint, type-check and every test not marked slow (no servers, browsers or audio builds).
check: lint
	$(BIN)/pytest -m "not slow and not serial" $(XDIST)
	$(BIN)/pytest -m "not slow and serial"

## The date-sensitive tests again 400 days from now (libfaketime: `apt-get install faketime`), so no time bomb
## lands. Only the wall clock moves: timed waits (queues, locks, threads joined) measure against the real monotonic
## clock, as a faked one would put their deadlines 400 days away. libfaketime 0.9.10 then fails time.sleep with
## EINVAL now and then, so every Python process of the run (pytest and the children it starts) loads
## tests/faketime/sitecustomize.py, which sleeps on an Event instead.
DATED := $(addprefix tests/unit/test_,$(addsuffix .py,schedule moments callbacks stats_calls stats_web staff_login \
	publicholidays flow voice spoken stats_report preview caller stats_cli health webhook security safety \
	startpage pages call_e2e graph content closures))
## One process: under libfaketime, two pytest-xdist workers took twice as long (209 s against 100 s).
test-later: $(STAMP)
	PYTHONPATH=$(CURDIR)/tests/faketime FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f +400d $(BIN)/pytest -q -m "not slow" -p no:cacheprovider \
		$(DATED)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

check-content: $(STAMP)
	$(BIN)/ivr check

## axe-core from the npm registry, for tests/integration/test_accessibility.py (into build/, which git ignores).
axe:
	npm install --silent --no-audit --no-fund --prefix build/axe axe-core@4

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .grimp_cache .import_linter_cache

.PHONY: audio
## Build the audio prompts (only changed ones); e.g. `make audio ARGS="--engine espeak"`.
audio: $(STAMP)
	$(BIN)/ivr build-audio $(ARGS)

## Benchmarks (not tests): webhook against bare Flask, worker memory, prompt build. See docs/performance.md.
bench: $(STAMP)
	$(BIN)/python -m bench.webhook --seconds 4 --repetitions 5
	$(BIN)/python -m bench.webhook --seconds 4 --repetitions 5 --lines 50
	$(BIN)/python -m bench.instructions
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.memory --lines 50
	$(BIN)/python -m bench.lines
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.asking
	$(BIN)/python -m bench.prompts
	$(BIN)/python -m bench.listening
	$(BIN)/python -m bench.understanding
	$(BIN)/python -m bench.stats
	$(BIN)/python -m bench.staffqueue
	$(BIN)/python -m bench.metrics
