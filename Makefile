# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO_FIRMS ?= 200000

.PHONY: demo install migrate seed serve test lint bench clean

demo: migrate seed serve

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

migrate: install
	$(FLASK) db upgrade

# The demo's history spans 2021 to today: backfill computes the months before the first snapshot from it,
# so the leaders' trend charts show the past on a new installation (months already there are skipped).
seed: migrate
	$(FLASK) demo seed --if-empty --firms $(DEMO_FIRMS)
	$(FLASK) dashboard backfill

# The web server and the scheduler process (Procfile) under honcho: Ctrl+C stops both.
serve: install
	@echo "培育库与升级跟踪系统: http://$(HOST):$(PORT)/  (Web 与后台服务一起运行，Ctrl+C 停止)"
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) $(BIN)/honcho start -f Procfile -p $(PORT)

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/pytest

# City scale: import throughput (BENCH_FIRMS firm rows and 3x as many indicator rows) and the read paths
# (search, filters, counts) on SQLite and, when BENCH_DATABASE_URL or TEST_DATABASE_URL is set
# (postgresql://user@host/db), on PostgreSQL; BENCH_ONLY=search,tags runs some sections alone.
# The scheduled checks and the 成长之星 screening too (bench/checks.py, bench/star.py, runnable alone), each on a
# copy of the raw register; the demo registers of the read paths are cached in BENCH_CACHE (~/.cache/hz-peiyu-bench).
# Every section at BENCH_GROWTH_FROM firms and at BENCH_FIRMS, with how each figure grows (bench/growth.py),
# the state changes per second (bench/throughput.py); one report in bench/results/<date>.json.
BENCH_FIRMS ?= 1000000
BENCH_GROWTH_FROM ?= 100000
BENCH_ONLY ?=
bench: install
	$(BIN)/python -m bench.run --growth --growth-from $(BENCH_GROWTH_FROM) --firms $(BENCH_FIRMS) $(if $(BENCH_ONLY),--only $(BENCH_ONLY))

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
