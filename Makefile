# The two commands: `make run` (set up and start on the embedded default) and
# `make test` (set up and run the tests). Everything else is a helper of those.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ADDR   ?= 127.0.0.1:8000
DEMO_PASSWORD ?= normdemo-2026
PYTEST_ARGS ?=
# Extra arguments for the Python benchmarks (the smoke test passes a few iterations).
BENCH_ARGS ?=

.PHONY: run setup test test-fast test-deps lint bench-normcore bench-grader bench-load bench-sample-runs bench-bank-table bench-integrity bench-similarity banktable clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

setup: $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadbank
	$(PY) manage.py demo_setup --password "$(DEMO_PASSWORD)" --base-url "http://$(ADDR)"

run: setup
	$(PY) manage.py serve_dev --addr $(ADDR)

# System packages the tests drive for real: bubblewrap and libseccomp (the grader's sandbox
# and its syscall filter), python3-venv (CI's non-root sandbox pass) and Chromium (browser
# tests). Installed with apt when missing and we are root.
test-deps:
	@missing=""; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	ldconfig -p | grep -q libseccomp.so.2 || missing="$$missing libseccomp2"; \
	/usr/bin/python3 -c "import ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing system packages:$$missing (install them; tests that need them are skipped outside CI)"; fi; \
	fi
	@# The SSO tests' identity provider (panva/oidc-provider under node, tests/sso_idp/).
	@test -d tests/sso_idp/node_modules/oidc-provider || ! command -v npm >/dev/null || \
	  npm ci --prefix tests/sso_idp --no-audit --no-fund >/dev/null

test: $(VENV)/.installed-dev test-deps
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest ran no tests; that is a failure, not a pass"; exit 1; fi; \
	exit $$rc

# The production compose stack (docker-compose.yml), built from Debian's packages and
# started for real, then attacked: docs/deploy.md says what it exercises. Needs root and
# Docker (installed when missing); minutes. Not part of `make test`.
.PHONY: test-deploy
test-deploy: $(VENV)/.installed-dev test-deps
	NORMASSESS_TEST_DEPLOY=1 $(PY) -m pytest tests/deploy $(PYTEST_ARGS)

# The edit loop: everything but the browser tests and the ones marked slow (real workers).
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -m "not e2e and not slow" $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

banktable: $(VENV)/.installed-run
	$(PY) manage.py banktable

bench-normcore: $(VENV)/.installed-dev
	$(PY) -m normcore bench $(BENCH_ARGS)

bench-grader: $(VENV)/.installed-dev
	$(PY) -m grader bench $(BENCH_ARGS)

# 200 simulated candidates against gunicorn + PostgreSQL + Redis + one worker (loopback).
bench-load: $(VENV)/.installed-dev
	sh assess/bench/run.sh

bench-sample-runs: $(VENV)/.installed-dev
	sh assess/bench/sample_runs.sh

bench-bank-table: $(VENV)/.installed-dev
	$(PY) manage.py bench_bank_table $(BENCH_ARGS)

bench-integrity: $(VENV)/.installed-dev
	$(PY) -m assess.bench.integrity_sessions $(BENCH_ARGS)

bench-similarity: $(VENV)/.installed-dev
	$(PY) manage.py bench_similarity $(BENCH_ARGS)

clean:
	rm -rf var db.sqlite3 staticfiles
