# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
GO ?= go
HJX := bin/hjx
export DATABASE_URL ?=
DB_URL = $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable)

.PHONY: run test build web chromium db-up vet generate check-generated bench clean soak

# The browser pages' bundles (GraphiQL, Chart.js), embedded in the binary: built
# from the pinned npm project with `npm ci` (the npm registry only, no install
# scripts) and esbuild; rebuilt only when an input is newer than the last build.
WEB_DIR := internal/web/frontend
WEB_DIST := internal/web/static/dist
WEB_STAMP := $(WEB_DIST)/.built
WEB_DEPS := $(WEB_DIR)/node_modules/.package-lock.json
WEB_SRC := $(WEB_DIR)/build.mjs $(wildcard $(WEB_DIR)/src/*)

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

## test: database up, vet, every test against real PostgreSQL (fuzz seeds included)
test: db-up web chromium
	$(GO) vet ./...
	DATABASE_URL='$(DB_URL)' $(GO) test -count=1 -timeout 20m ./...

## soak: mixed load against a real server with the demo world for SOAK_DURATION (default 5m); not in CI
soak: db-up build
	HJX=$(HJX) ./.ci/soak

vet:
	$(GO) vet ./...

generate:
	$(GO) generate ./...

## check-generated: fail if `go generate ./...` would change committed files
check-generated:
	$(GO) generate ./...
	@git diff --exit-code --stat -- graph || { echo "generated code is stale: run 'go generate ./...' and commit" >&2; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- graph)" || { git status --porcelain -- graph; echo "go generate created files that are not committed" >&2; exit 1; }

## bench: upload 1,000,000 rows through a real `hjx serve` and load them with raw COPY (median of 3
## runs); writes the figures to docs/BENCHMARKS.md. Takes several minutes.
bench: db-up build
	DATABASE_URL='$(DB_URL)' $(GO) run ./bench/ingest -hjx $(HJX) -rows 1000000 -runs 3 -out docs/BENCHMARKS.md

clean:
	rm -rf bin $(WEB_DIR)/node_modules
	find $(WEB_DIST) -mindepth 1 ! -name README.txt -delete
