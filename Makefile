# 支部通 — `make run` serves the demo, `make test` passes the suite. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 poppler-utils
TEST_SYSTEM_PACKAGES := chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint format worker beat clean system-packages test-system-packages bench backup restore load

# Development settings for run/worker/beat; tests use tests/settings.py.
run worker beat: export DEBUG ?= 1

run: setup
	$(PY) manage.py demo_data
	@echo ""
	@echo "支部通已启动： http://$(HOST):$(PORT)/   （Ctrl+C 停止）"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup test-system-packages
	$(PY) -m pytest

setup: $(VENV)/.installed system-packages
	DEBUG=1 $(PY) manage.py migrate --noinput -v 0

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Installs missing Debian packages when running as root; otherwise says what is missing.
system-packages:
	@./.ci/apt-ensure $(SYSTEM_PACKAGES)

test-system-packages:
	@./.ci/apt-ensure $(TEST_SYSTEM_PACKAGES)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# One worker for every queue; on several machines each can take its own (README, 多机部署（扩展）).
worker: setup
	$(VENV)/bin/celery -A config worker -Q celery,reports,reminders -l info

beat: setup
	$(VENV)/bin/celery -A config beat -l info --schedule tmp/celerybeat-schedule

# Benchmarks of issue 8 on their own PostgreSQL database (created, migrated and seeded on first use),
# with production settings (DEBUG=0); the table is printed and written to docs/benchmarks.md.
# More: make bench BENCH_ARGS="--with-100k" (or --skip-seed, --only dashboard,pages, --runs 30).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zhibutong_bench
BENCH_ARGS ?=

bench: setup
	@./.ci/apt-ensure wrk || true  # without wrk the bench skips the HTTP rows
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=0 \
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	$(PY) manage.py bench $(BENCH_ARGS)

# Bounded load test of issue 9 on its own PostgreSQL database (created, migrated and seeded with
# SCALE-1000 on first use): gunicorn (DEBUG=0) on loopback, 50 secretaries saving meetings and
# 10 reviewers on dashboards for 60 s; the table is printed and written to docs/load.md.
# More: make load LOAD_ARGS="--seconds 20 --secretaries 10 --reviewers 2".
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zhibutong_load
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/11
LOAD_ARGS ?=

load: setup
	DATABASE_URL=$(LOAD_DATABASE_URL) LOAD_REDIS_URL=$(LOAD_REDIS_URL) DEBUG=0 \
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	$(PY) manage.py load $(LOAD_ARGS)

# Backup and restore (PostgreSQL only; README, 备份与恢复). No `setup` prerequisite: that would run
# migrate on the database being copied, and fill the empty database a restore needs.
# make backup [BACKUP_DIR=backups]   → backups/zhibutong-YYYYmmdd-HHMMSS.tar (dump + MEDIA_ROOT + manifest)
# make restore FILE=… [FORCE=1]      → into the empty database of DATABASE_URL and MEDIA_ROOT, then verified
BACKUP_DIR ?= backups

backup: $(VENV)/.installed
	@command -v pg_dump >/dev/null || ./.ci/apt-ensure postgresql-client
	$(PY) -m ops.backup --dir "$(BACKUP_DIR)"

restore: $(VENV)/.installed
	@test -n "$(FILE)" || { echo "请指定备份文件：make restore FILE=backups/zhibutong-YYYYmmdd-HHMMSS.tar" >&2; exit 2; }
	@command -v pg_restore >/dev/null || ./.ci/apt-ensure postgresql-client
	$(PY) -m ops.restore "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)

clean:
	rm -rf $(VENV) staticfiles tmp .pytest_cache
