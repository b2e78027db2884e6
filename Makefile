# Two commands do all the set-up: `make run` and `make test`.
# Another interpreter gets its own venv: `make test PYTHON=python3.13` builds .venv-3.13.1,
# named by the full version so Debian's /usr/bin/python3 (3.11.2) and pyenv's 3.11.7 never
# share one. Installs come from the hash-checked lock files in requirements/; `make lock`
# refreshes them.
PYTHON ?= python3
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)
ifeq ($(origin PYTHON),command line)
ifeq ($(PY_VERSION),)
$(error PYTHON=$(PYTHON) does not run here: give the path or name of a Python 3.11 or newer)
endif
VENV ?= .venv-$(PY_VERSION)
else
VENV ?= .venv
endif
BIN   := $(VENV)/bin
TOOLS := .tools
UV    := $(TOOLS)/bin/uv
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet
# Ask uv, not pip's machine-wide settings, which index to use; and keep its cache in one place.
export UV_NO_CONFIG := 1

.PHONY: run test check lint lock bench render validate dist clean

$(UV): requirements/tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements/tools.txt
	touch $@

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock or the package metadata changes. The dev venv holds exactly the
# lock (`sync`); the project itself goes in editable, without dependencies of its own. Then
# check that the lock has everything pyproject.toml asks for (offline, nothing is installed).
# Libraries are installed with their bytecode, as pip does: a kiosk (and every loader child it
# starts) must not compile them at each start where PYTHONDONTWRITEBYTECODE is set.
$(VENV)/.installed-run: requirements/run.txt pyproject.toml | $(BIN)/python $(UV)
	$(UV) pip install --quiet --python $(BIN)/python --compile-bytecode --require-hashes -r requirements/run.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	$(call lock_covers,run.txt,)
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(BIN)/python $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python --compile-bytecode --require-hashes requirements/dev.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	$(call lock_covers,dev.txt,[dev])
	touch $@ $(VENV)/.installed-run

define lock_covers
	@out=$$($(UV) pip install --python $(BIN)/python --dry-run --offline -e '.$(2)' 2>&1) \
	  && ! printf '%s\n' "$$out" | grep -v ' cvi-kiosk' | grep -q '^ [-+] ' \
	  || { echo "pyproject.toml asks for packages that requirements/$(1) does not have yet: run 'make lock' and commit the result." >&2; exit 1; }
endef

run: $(VENV)/.installed-run
	$(BIN)/kiosk run

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# The quick lane for edits: everything but the long runs (marked slow), in under a minute.
check: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not slow" -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kiosk tests bench run_kiosk.py
	$(BIN)/ruff format --check kiosk tests bench run_kiosk.py
	$(BIN)/mypy

# Refresh the locks after changing dependencies in pyproject.toml. Pins already in the files
# are kept; `make lock UPGRADE=--upgrade` moves everything to the newest allowed versions.
lock: | $(UV)
	$(UV) pip compile requirements/tools.in $(LOCK_FLAGS) $(UPGRADE) -o requirements/tools.txt
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(UPGRADE) -o requirements/dev.txt
	$(UV) pip compile pyproject.toml -c requirements/dev.txt $(LOCK_FLAGS) $(UPGRADE) -o requirements/run.txt

validate: $(VENV)/.installed-run
	$(BIN)/kiosk validate slides

render: $(VENV)/.installed-run
	$(BIN)/kiosk render slides --out out/

bench: $(VENV)/.installed-run
	$(BIN)/python bench/kiosk_bench.py

# The wheel and sdist clinic IT installs (with the deck, fonts and pictures inside).
dist: $(VENV)/.installed-dev
	$(BIN)/python -m build --outdir dist

clean:
	rm -rf .venv .venv-3.* $(TOOLS) out dist build .pytest_cache .mypy_cache .ruff_cache
