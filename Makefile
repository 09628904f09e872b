# Two commands do all the set-up on a fresh machine (README.md):
#   make run   - virtual environment, install, init SQLite + keys, seed the demo, serve on :5000
#   make test  - the same set-up, then the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
# The JavaScript reference libraries that tests compare canonical forms and signatures with
# (dev only, offline; scripts/reference/oracle.mjs). Without npm those tests skip.
REF     = scripts/reference
REF_STAMP = $(REF)/node_modules/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint imports format bench lock system-deps clean conformance vectors fuzz-api soak

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

system-deps:
	@scripts/system-deps.sh

$(REF_STAMP): $(REF)/package.json $(REF)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(REF) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the live reference-oracle tests will skip (committed vectors are still checked)"; \
	fi

# Credentials, QR codes and did:web name the address they are served at: follow PORT/HOST
# unless MICROCRED_BASE_URL says otherwise (behind a proxy, say).
run: export MICROCRED_BASE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP) system-deps
	$(BIN)/microcred init
	$(BIN)/microcred demo
	$(BIN)/microcred serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(REF_STAMP) system-deps
	$(BIN)/pytest -n 2 --dist loadgroup

# Schemathesis against a served app (SQLite, or DATABASE_URL=…), longer than make test's
# fixed budget: every phase, stateful links, zero 5xx, responses as documented
# (docs/ISSUING.md, "Input limits"). FUZZ_SEED picks other cases.
FUZZ_EXAMPLES ?= 300
FUZZ_SEED ?= 16
fuzz-api: $(STAMP)
	$(BIN)/python -m tests.api_fuzz --max-examples $(FUZZ_EXAMPLES) --seed $(FUZZ_SEED) \
		$(if $(DATABASE_URL),--database-url $(DATABASE_URL))

lint: imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy credentials

# The floors (docs/ARCHITECTURE.md): import-linter contracts in pyproject.toml; a broken one
# fails the build.
imports: $(STAMP)
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# --- overview: the console pages' p95 at 100,000 credentials (docs/PERFORMANCE.md) ---
# PostgreSQL at BENCH_CONSOLE_DATABASE_URL (the database is created and seeded once).
BENCH_CONSOLE_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/bench_console
.PHONY: bench-console
bench-console: $(STAMP)
	$(BIN)/python -m bench.console_pages --database-url $(BENCH_CONSOLE_DATABASE_URL)
# --- end overview ---

bench: $(STAMP) system-deps
	@scripts/system-deps.sh wrk
	$(BIN)/python -m bench

# A bounded load test of the production topology on loopback (docs/PERFORMANCE.md, "Soak"):
# two gunicorn masters, two queue workers, a fresh PostgreSQL database on the server
# TEST_DATABASE_URL or SOAK_DATABASE_URL names (else postgres@127.0.0.1:5432), a private
# redis-server. Mixed issue/verify/PDF/bulk/revoke traffic; exit status 1 on any 5xx.
SOAK_SECONDS ?= 600
soak: $(STAMP) system-deps
	SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/python -m bench.soak

# The pinned W3C suites (VC 2.0, vc-di-eddsa, Bitstring Status List) against the service,
# copied into the git-ignored .conformance/ (docs/VERIFYING.md, "Conformance").
W3C_SUITES ?= ../shared/w3c
conformance: $(STAMP)
	@scripts/conformance.sh $(W3C_SUITES)

# Regenerate tests/credentials/reference_vectors.json from the reference libraries.
vectors: $(STAMP) $(REF_STAMP)
	$(BIN)/python $(REF)/generate_vectors.py

# Re-pin the whole dependency tree after editing pyproject.toml (the extras too: the lock
# is what CI and `make run` install, and what a production install can be constrained by).
lock:
	@test -x $(BIN)/pip-compile || $(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --extra dev --extra redis --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .conformance build *.egg-info .mypy_cache .ruff_cache .pytest_cache $(REF)/node_modules

# --- fl-wallet: the wallet holder the wallet-delivery tests run (dev only, offline) ---
# scripts/holder/holder.mjs: Digital Bazaar's vc libraries and jose, pinned by its
# package-lock.json. Without npm those tests skip, saying so.
HOLDER = scripts/holder
HOLDER_STAMP = $(HOLDER)/node_modules/.installed
$(HOLDER_STAMP): $(HOLDER)/package.json $(HOLDER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(HOLDER) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the wallet-delivery holder tests will skip"; \
	fi
test: $(HOLDER_STAMP)
# --- end fl-wallet ---

# --- i18n: the public pages' catalogues (README.md, "Languages") ---
# Extract the marked strings (babel.cfg) into a template, merge it into every language's
# .po, then compile the .mo files. Both .po and .mo are committed: a fresh clone and the
# wheel need no compile step, and tests/microcred/test_translations.py fails when a .mo
# is stale or a Spanish entry is missing or fuzzy.
TRANSLATIONS = microcred/translations
.PHONY: translations
translations: $(STAMP)
	$(BIN)/python scripts/i18n_finding_words.py
	$(BIN)/pybabel extract --no-location -F babel.cfg -k N_ -k _l \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)
# --- end i18n ---
