# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
GO ?= go
HJX := bin/hjx
export DATABASE_URL ?=
DB_URL = $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/hjx?sslmode=disable)

.PHONY: run test build db-up vet generate check-generated bench clean

build:
	$(GO) build -o $(HJX) ./cmd/hjx

## db-up: make sure PostgreSQL answers (DATABASE_URL, a running server, or one started here)
db-up:
	@./.ci/db-up

## run: database up, migrate, demo data, serve on :8080 with the playground
run: db-up build
	DATABASE_URL='$(DB_URL)' $(HJX) migrate
	DATABASE_URL='$(DB_URL)' $(HJX) seed --demo
	DATABASE_URL='$(DB_URL)' $(HJX) serve

## test: database up, vet, every test against real PostgreSQL (fuzz seeds included)
test: db-up
	$(GO) vet ./...
	DATABASE_URL='$(DB_URL)' $(GO) test -count=1 -timeout 20m ./...

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
	rm -rf bin
