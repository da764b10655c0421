# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
GO ?= go
HJX := bin/hjx
export DATABASE_URL ?=
DB_URL = $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable)

.PHONY: run test build web chromium db-up vet staticcheck generate check-generated check-schema release-schema eco bench bench-tools clean soak

# The browser pages' bundles (GraphiQL, Chart.js), embedded in the binary: built
# from the pinned npm project with `npm ci` (the npm registry only, no install
# scripts) and esbuild; rebuilt only when an input is newer than the last build.
WEB_DIR := internal/web/frontend
WEB_DIST := internal/web/static/dist
WEB_STAMP := $(WEB_DIST)/.built
WEB_DEPS := $(WEB_DIR)/node_modules/.package-lock.json
WEB_SRC := $(WEB_DIR)/build.mjs $(wildcard $(WEB_DIR)/src/*) internal/web/documents/dashboard.json

build: web
	$(GO) build -o $(HJX) ./cmd/hjx

## web: bundle the playground's and dashboard's scripts and styles (needs Node.js 18+ and npm)
web: $(WEB_STAMP)

$(WEB_DEPS): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "make web needs Node.js 18+ and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	cd $(WEB_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(WEB_STAMP): $(WEB_DEPS) $(WEB_SRC)
	cd $(WEB_DIR) && node build.mjs
	@touch $@

## chromium: install Debian's Chromium for the browser tests when missing (as root); otherwise they skip
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the browser tests"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "could not install chromium: the browser tests will be skipped" >&2; \
	else echo "no chromium and not root: the browser tests will be skipped (install Debian's chromium package)" >&2; fi

## db-up: make sure PostgreSQL answers (DATABASE_URL, a running server, or one started here)
db-up:
	@./.ci/db-up

## run: database up, migrate, demo data, serve on :8080 with the playground
run: db-up build
	DATABASE_URL='$(DB_URL)' $(HJX) migrate
	DATABASE_URL='$(DB_URL)' $(HJX) seed --demo
	DATABASE_URL='$(DB_URL)' $(HJX) serve

# Third-party GraphQL tools the tests run against hjx (the graphql-http audit,
# Apollo Client with persisted queries, GraphQL Inspector, an Apollo Federation
# gateway; Node.js 20+ for Apollo Server 5), pinned by the
# committed lockfile and installed like the web bundles' (no install scripts).
ECO_DIR := test/ecosystem
ECO_DEPS := $(ECO_DIR)/node_modules/.package-lock.json

$(ECO_DEPS): $(ECO_DIR)/package.json $(ECO_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs Node.js 20+ and npm (Debian 13: apt-get install nodejs npm)" >&2; exit 1; }
	cd $(ECO_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

## eco: install the pinned npm tools of test/ecosystem
eco: $(ECO_DEPS)

## check-schema: fail on a breaking change from the last released schema (schema/released/); see docs/CHANGELOG.md
check-schema: $(ECO_DEPS)
	$(ECO_DIR)/check-schema

## release-schema: record the current schema as the released one (at a release; then empty schema/released/allowed-breaking.txt)
release-schema: $(ECO_DEPS)
	$(ECO_DIR)/check-schema --release

## test: database up, vet, staticcheck, schema check, every test against real PostgreSQL (fuzz seeds included)
test: db-up web chromium check-schema
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	DATABASE_URL='$(DB_URL)' $(GO) test -count=1 -timeout 20m ./...

## soak: mixed load against a real server with the demo world for SOAK_DURATION (default 5m); not in CI
## (the load generator is bench/soak, a program of its own: the production binary does not ship it)
soak: db-up build
	$(GO) build -o bin/soak ./bench/soak
	HJX=$(HJX) SOAK=bin/soak ./.ci/soak

.PHONY: utility
## utility: what disclosure control costs researchers: error of every published cell of a standard set of
## queries against the true pooled value, per metric kind, on the demo world and a generated dataset (about two
## minutes; creates the databases hjx_utility_demo and hjx_utility_generated); docs/DISCLOSURE.md, "Utility (measured)"
utility: db-up
	DATABASE_URL='$(DB_URL)' $(GO) run ./bench/utility

vet:
	$(GO) vet ./...

## staticcheck: the linter, at the version go.mod pins (`tool` directive); graph/generated/staticcheck.conf says
## which check is off for generated code and why
staticcheck:
	$(GO) tool staticcheck ./...

generate:
	$(GO) generate ./...

## check-generated: fail if `go generate ./...` would change committed files
check-generated:
	$(GO) generate ./...
	@git diff --exit-code --stat -- graph schema/generated || { echo "generated code is stale: run 'go generate ./...' and commit" >&2; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- graph schema/generated)" || { git status --porcelain -- graph schema/generated; echo "go generate created files that are not committed" >&2; exit 1; }

## bench: every benchmark in one go (15-30 minutes on 2 cores, depending on load; the first run generates the databases); rewrites docs/BENCHMARKS.md,
## docs/bench/*.json and docs/scaling.png. Ingest: uploads through a real `hjx serve` vs raw COPY;
## outcomes: generated databases of 1M and 10M observations (kept as hjx_bench_<n> for the next run),
## hjx vs direct SQL vs PostGraphile, throughput with hey and pgbench. Larger sizes:
## make bench BENCH_INGEST_SIZES=100000,1000000,5000000 BENCH_OUTCOME_SIZES=1000000,10000000,30000000
BENCH_INGEST_SIZES ?= 100000,1000000
BENCH_OUTCOME_SIZES ?= 1000000,10000000
BENCH_RUNS ?= 3
BENCH_QUERY_RUNS ?= 5
HEY := bin/hey
PGL_DIR := bench/postgraphile
PGL_DEPS := $(PGL_DIR)/node_modules/.package-lock.json

# hey, the HTTP load generator, pinned, from the Go module proxy.
$(HEY):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/rakyll/hey@v0.1.5

# PostGraphile v4 and @graphile/pg-aggregates, pinned by the committed lockfile.
$(PGL_DEPS): $(PGL_DIR)/package.json $(PGL_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "make bench needs Node.js 18+ and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	cd $(PGL_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

## bench-tools: psql and pgbench (Debian: postgresql-client, postgresql), hey, PostGraphile
bench-tools: $(HEY) $(PGL_DEPS)
	@if command -v pgbench >/dev/null 2>&1 && pgbench --version >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing pgbench and psql"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client postgresql >/dev/null; \
	else echo "make bench needs pgbench and psql (Debian: apt-get install postgresql-client postgresql)" >&2; exit 1; fi

bench: db-up build bench-tools
	DATABASE_URL='$(DB_URL)' $(GO) run ./bench/ingest -hjx $(HJX) -sizes $(BENCH_INGEST_SIZES) -runs $(BENCH_RUNS)
	DATABASE_URL='$(DB_URL)' $(GO) run ./bench/outcomes -hjx $(HJX) -hey $(HEY) -sizes $(BENCH_OUTCOME_SIZES) -runs $(BENCH_QUERY_RUNS)
	$(GO) run ./bench/plot
	DATABASE_URL='$(DB_URL)' $(GO) test -run XXX -bench BenchmarkDashboardQuery -benchtime 200x ./internal/federation/

clean:
	rm -rf bin $(WEB_DIR)/node_modules $(PGL_DIR)/node_modules $(ECO_DIR)/node_modules
	find $(WEB_DIST) -mindepth 1 ! -name README.txt -delete
