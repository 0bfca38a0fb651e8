# code.ved — the two commands are `make run` and `make test` (see README.md).
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
export CARGO_TARGET_DIR := $(TARGET_DIR)
# The runner image's content tag, built on demand (see runner/build-image.sh).
RUNNER_IMAGE = $$(runner/build-image.sh | tail -n1)

.PHONY: run test provision provision-test lint-rust test-rust test-frontend e2e openapi runner-image frontend frontend-deps bench bench-ui

## Install what is missing, build everything, make sure the runner image exists, serve on :8000.
run: provision frontend runner-image
	$(CARGO) build --release -p ved
	VED_RUNNER_IMAGE=$(RUNNER_IMAGE) $(TARGET_DIR)/release/ved serve

## Everything the project checks: Rust format and lints, Rust tests (with real Docker, on
## SQLite and on PostgreSQL),
## frontend lint, types and unit tests, the browser end-to-end suite, OpenAPI drift.
test: provision-test lint-rust test-frontend runner-image test-rust e2e

## System packages and a running Docker engine (tools/provision.sh says what it needs).
provision:
	tools/provision.sh run

provision-test:
	tools/provision.sh test

lint-rust:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## The Rust tests on SQLite, then the black-box suite again on PostgreSQL 15 (a private
## cluster the harness starts in a temporary directory and removes: tests/src/database.rs).
test-rust:
	$(CARGO) build -p ved -p ved-tests --bins
	VED_RUNNER_IMAGE=$(RUNNER_IMAGE) $(CARGO) test --workspace
	VED_RUNNER_IMAGE=$(RUNNER_IMAGE) VED_TEST_DATABASE=postgres $(CARGO) test -p ved-tests --test api

test-frontend: frontend-deps
	cd frontend && npm run lint && npm run typecheck && npm test
	cd frontend && npm run build

e2e: frontend runner-image
	$(CARGO) build -p ved -p ved-tests --bins
	VED_RUNNER_IMAGE=$(RUNNER_IMAGE) $(TARGET_DIR)/debug/e2e_env npm --prefix frontend run e2e

## Regenerate the checked-in OpenAPI document from the code.
openapi:
	$(CARGO) run -q -p ved -- openapi > openapi.yaml

runner-image:
	runner/ensure-docker.sh
	runner/build-image.sh

frontend-deps: frontend/node_modules/.installed

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend: frontend-deps
	cd frontend && npm run build

## Performance figures of the release build with real Docker and a fake LLM upstream, each
## next to a same-run baseline; also written to target/bench/latest.json. Not part of `test`.
## Figure 10 compares PostgreSQL with SQLite, hence the test packages.
bench: provision-test runner-image
	$(CARGO) build --release -p ved -p bench
	VED_BIN=$(TARGET_DIR)/release/ved VED_RUNNER_IMAGE=$(RUNNER_IMAGE) $(TARGET_DIR)/release/bench

## The editor's latency in real Chromium against the e2e server: first Pyright squiggle after
## opening a script (cold and warm browser cache) and after a keystroke. Not part of `test`.
bench-ui: frontend runner-image
	$(CARGO) build -p ved -p ved-tests --bins
	VED_RUNNER_IMAGE=$(RUNNER_IMAGE) $(TARGET_DIR)/debug/e2e_env node frontend/bench/editor.bench.mjs
