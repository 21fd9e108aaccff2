# The two commands that matter: `make demo` and `make test`.
GO       ?= go
BIN      := bin/quietdesk
DEMO_DB  ?= quietdesk.db
ADDR     ?= 127.0.0.1:8080
export CGO_ENABLED := 0

.PHONY: build demo test bench vet clean assets

build: assets
	$(GO) build -o $(BIN) ./cmd/quietdesk

# The web UI's third-party files (the chart library): installed from npm as
# package-lock.json pins them, without running any package's scripts, and
# copied where //go:embed picks them up. Never edited or committed. npm ci
# also installs the development dependencies: axe-core, which the browser
# tests run in Chromium to check the help centre's accessibility.
VENDOR := internal/web/static/vendor
UPLOT  := node_modules/uplot
assets: $(VENDOR)/uPlot.iife.min.js $(VENDOR)/uPlot.min.css $(VENDOR)/uPlot.LICENSE

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(VENDOR)/uPlot.iife.min.js: node_modules/.package-lock.json
	cp $(UPLOT)/dist/uPlot.iife.min.js $@
$(VENDOR)/uPlot.min.css: node_modules/.package-lock.json
	cp $(UPLOT)/dist/uPlot.min.css $@
$(VENDOR)/uPlot.LICENSE: node_modules/.package-lock.json
	cp $(UPLOT)/LICENSE $@

# Builds, creates $(DEMO_DB) with the demo store (internal/demo/README.md),
# serves it and prints a login. On a database that already holds the demo it
# only serves.
demo: build
	$(BIN) demo --db $(DEMO_DB) --addr $(ADDR)

# Every test. PostgreSQL tests run when $$QUIETDESK_TEST_PG names a server
# (scripts/pg-test-server.sh starts one); CI makes them required.
test: assets vet
	$(GO) test -count=1 -timeout 14m ./...

vet:
	$(GO) vet ./...

# Large-scale runs, each once (-benchtime 1x), with a summary at the end: the
# CLI import of 1,000,000 generic orders on SQLite and PostgreSQL (rows/s, peak
# memory, ratio to the sqlite3 tool's .import of the same file, measured in
# the same run), ImportFile in-process (for profiling), API ingest of 100,000
# orders in batches of 1,000, the metrics query against raw rows, the demo
# store's generation (BenchmarkDemo) and its questions (BenchmarkDemoStore: a
# 52-week CPO series and every guardrail for a week, warm against raw rows;
# QUIETDESK_BENCH_STORE names an existing demo database to use instead), and
# a live desk (BenchmarkLiveDesk: serve, dashboard reads with and without 10
# contacts a second; QUIETDESK_BENCH_LIVE_ORDERS, QUIETDESK_BENCH_LIVE_SECONDS,
# QUIETDESK_BENCH_BINARY to measure another build), and the channels
# (BenchmarkChat: 500 chat visitors and 50 agents; BenchmarkTwilioWebhooks and
# BenchmarkShopifyWebhooks: signed webhooks at 100 a second against an idle
# baseline), and self-service (BenchmarkSearch: 5,000 articles in 5
# languages against a whole-word baseline; BenchmarkHelpArticle: the help
# centre's article pages at 200 requests a second against /healthz).
# Topics: training on 8,640 and 100,000 labels, and classifying short messages
# on one core, each against naive Bayes on the same data in the same run.
# BenchmarkProactive: fulfillment events at 200/s for 30 s to queued notices (QUIETDESK_BENCH_PROACTIVE_ORDERS).
# QUIETDESK_BENCH_ROWS, QUIETDESK_BENCH_API_ORDERS and
# QUIETDESK_BENCH_DEMO_ORDERS change the sizes; PostgreSQL runs when
# $$QUIETDESK_TEST_PG is set; the baseline needs the sqlite3 tool.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./internal/bench/
	$(GO) test -run '^$$' -bench 'BenchmarkSearch$$' -benchtime 1x ./internal/kb/
	$(GO) test -run '^$$' -bench 'BenchmarkHelpArticle$$' -benchtime 1x ./internal/web/
	$(GO) test -run '^$$' -bench 'BenchmarkTrainSizes$$' -benchtime 1x ./internal/topics/
	$(GO) test -run '^$$' -bench 'BenchmarkClassify$$' -cpu 1 ./internal/topics/

clean:
	rm -rf bin node_modules $(VENDOR)/uPlot.*
