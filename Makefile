# The two set-up commands: `make run` and `make test`. Both create the virtualenv when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONF ?= conf/pyredisd.conf

.PHONY: run test lint typecheck unit redis-server bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/twistd -n pyredisd --config $(CONF)

# Debian's redis-server is what the comparison tests run beside pyredisd.
redis-server:
	@command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null || { \
	  echo "installing Debian's redis-server and redis-tools"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq redis-server redis-tools >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) redis-server
	PYREDISD_REQUIRE_REDIS=1 $(BIN)/python -m twisted.trial tests
	PYREDISD_REQUIRE_REDIS=1 $(BIN)/python -m pytest -q tests

test: lint typecheck unit

bench: $(STAMP) redis-server
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) _trial_temp .mypy_cache .ruff_cache .pytest_cache dropin.cache twisted/plugins/dropin.cache
