# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint check-deploy pytest migrate bench mixin-sweep mixin-eval bench-mixins gate-samples clean

$(BIN)/python:
	@py=$$(scripts/find-python.sh) && PYENV_VERSION=3.12.1 "$$py" -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python -m app.migrations

run: migrate
	$(BIN)/uvicorn --factory app.main:create_app --host 0.0.0.0 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check app tests scripts migrations
	$(BIN)/ruff format --check app tests scripts migrations
	$(BIN)/mypy --strict app

check-deploy: $(STAMP)
	docker-compose -f docker-compose.yml config --quiet
	$(BIN)/hadolint Dockerfile
	@if command -v promtool >/dev/null; then promtool check config --syntax-only deploy/prometheus.yml && promtool check rules deploy/alerts.yml; \
	  else echo "promtool not installed: skipping Prometheus config check"; fi

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint check-deploy pytest

bench: $(STAMP)
	$(BIN)/python scripts/bench_generate.py

mixin-sweep: migrate
	$(BIN)/python -m app.mixins.sweep

mixin-eval: $(STAMP)
	$(BIN)/python -m app.mixins.evaluate

bench-mixins: $(STAMP)
	$(BIN)/python scripts/bench_mixins.py

gate-samples: $(STAMP)
	$(BIN)/python scripts/gate_samples.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
