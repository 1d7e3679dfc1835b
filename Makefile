# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# uv installs the same packages as pip, several times faster (this is what keeps a first
# `make run` under a minute); pip is the fallback when uv cannot be installed.
# Install chatter goes to var/install.log (shown only on failure), so that `make run` prints
# nothing but the service's JSON log lines.
INSTALL = mkdir -p var && { if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install -q --python $(BIN)/python $(1); \
	else $(BIN)/pip install -q --disable-pip-version-check $(1); fi; } >var/install.log 2>&1 \
	|| { cat var/install.log >&2; exit 1; }

.PHONY: run test lint check-deploy pytest analysis-eval migrate bench mixin-sweep mixin-eval bench-mixins bench-liveness gate-samples load clean

$(BIN)/python:
	@py=$$(scripts/find-python.sh) && "$$py" -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check uv >/dev/null 2>&1 || true

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@$(call INSTALL,-e .)
	@touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	@$(call INSTALL,-e '.[dev]')
	@touch $(RUN_STAMP) $(DEV_STAMP)

migrate: $(RUN_STAMP)
	@$(BIN)/python -m app.migrations

run: migrate
	@exec $(BIN)/uvicorn --factory app.main:create_app --host 0.0.0.0 --port $(PORT)

# the outbox dispatcher as its own process (needs CODEGEN_EVENTS__BROKER, e.g. nats://127.0.0.1:4222;
# several may share one PostgreSQL); the service also runs one in its lifespan when a broker is set
.PHONY: worker
worker: migrate
	@exec $(BIN)/python -m app.events.worker

lint: $(DEV_STAMP)
	$(BIN)/ruff check app lab tests scripts migrations
	$(BIN)/ruff format --check app lab tests scripts migrations
	$(BIN)/mypy --strict app lab

# scripts/run-tests.sh installs missing system tools (docker-compose, promtool), starts PostgreSQL
# with a throwaway database, runs every step, and fails with an INCOMPLETE line for what could not run.
check-deploy: $(DEV_STAMP)
	@scripts/run-tests.sh check-deploy

pytest: $(DEV_STAMP)
	@scripts/run-tests.sh pytest

# the PRD analysis scored on the answer keys in lab/analysis/key (samples, tuning, validation)
analysis-eval: $(RUN_STAMP)
	$(BIN)/python -m lab.analysis.evaluate

# users' kind verdicts replayed over HTTP for the samples + tuning half, POST /patterns/tune, and
# kind precision/recall/F1 on the validation half before and after (fails if it got worse)
.PHONY: pattern-eval
pattern-eval: $(RUN_STAMP)
	$(BIN)/python -m lab.patterns.evaluate

test: $(DEV_STAMP)
	@MAKE="$(MAKE)" scripts/run-tests.sh

# schemathesis against the live service (throwaway SQLite, keys mode), every check and phase,
# fixed seed: 180 s in `make test`; test-api-long: 660 s (the issue's >= 10 minute run)
.PHONY: test-api test-api-long
test-api: $(DEV_STAMP)
	@scripts/test_api.sh 180

test-api-long: $(DEV_STAMP)
	@scripts/test_api.sh 660

# generation figures, then events dispatched to NATS JetStream (events/s; commit-to-ack p95 at 500/s)
bench: $(DEV_STAMP)
	$(BIN)/python scripts/bench_generate.py
	$(BIN)/python scripts/bench_events.py

# retention once (the service also prunes every retention.interval_s): generations past
# retention.max_age_days or beyond the newest retention.max_generations_with_files lose their files
.PHONY: prune
prune: migrate
	$(BIN)/python -m app.generation.retention

# an API key for auth.mode=keys, printed once (only its hash is stored). NAME and SCOPES
# (space-separated: generate feedback admin) e.g. `make api-key NAME=ci SCOPES="generate feedback"`;
# list and revoke with `.venv/bin/python -m app.auth.cli list|revoke KEY_ID`
.PHONY: api-key
NAME ?= local
SCOPES ?= generate feedback
api-key: migrate
	@$(BIN)/python -m app.auth.cli create --name "$(NAME)" $(foreach s,$(SCOPES),--scope $(s))

mixin-sweep: migrate
	$(BIN)/python -m lab.mixins.sweep --publish

mixin-eval: migrate
	$(BIN)/python -m lab.mixins.evaluate

bench-mixins: $(DEV_STAMP)
	$(BIN)/python scripts/bench_mixins.py

# /health/live latency while the costliest hostile PRDs are analysed, four at a time
bench-liveness: $(DEV_STAMP)
	$(BIN)/python scripts/bench_liveness.py

# 50 clients for 60 s on mixed endpoints over loopback, then kill -9 and a PostgreSQL restart
# mid-load; prints statuses, p50/p95/p99, health during/after, RSS, and lost accepted writes
load: $(DEV_STAMP)
	$(BIN)/python scripts/load.py

gate-samples: $(DEV_STAMP)
	$(BIN)/python scripts/gate_samples.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
