# The two commands that matter: `make demo` and `make test`.
GO       ?= go
BIN      := bin/quietdesk
DEMO_DB  ?= quietdesk.db
ADDR     ?= 127.0.0.1:8080
export CGO_ENABLED := 0

.PHONY: build demo test bench vet clean

build:
	$(GO) build -o $(BIN) ./cmd/quietdesk

# Builds, creates $(DEMO_DB) with the sample store and serves it.
demo: build
	scripts/demo.sh $(BIN) $(DEMO_DB) $(ADDR)

# Every test. PostgreSQL tests run when $$QUIETDESK_TEST_PG names a server
# (scripts/pg-test-server.sh starts one); CI makes them required.
test: vet
	$(GO) test -count=1 -timeout 14m ./...

vet:
	$(GO) vet ./...

# Large-scale runs: 1,000,000-row imports on SQLite and PostgreSQL, API ingest.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./internal/bench/

clean:
	rm -rf bin
