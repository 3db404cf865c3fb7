# golign's build. `make` sets up a fresh machine and runs the tour; `make test`
# runs every test. See README.md.

export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO      ?= go
TAGS    ?= openblas
BIN     := bin/golign
OUT     := out

.PHONY: all tour deps build install test gotest lint fuzz jupyter faults notebooks browser notebook-ui clean bench

all: tour

deps:
	@bash scripts/deps.sh

# The binary is linked to a temporary file and copied into place. Left where
# the external linker wrote it, the file sits in the page cache in blocks of up
# to 2 MB, and every kernel started from it maps whole blocks: measured on
# Linux 6.18, 43 MiB resident after start against 26 MiB from the copy.
build: deps
	$(GO) build -tags '$(TAGS)' -o $(BIN).link ./cmd/golign
	cp $(BIN).link $(BIN)
	rm $(BIN).link

install: build
	$(BIN) install --user

tour: install
	@mkdir -p $(OUT)
	$(BIN) run notebooks/tour.ipynb -o $(OUT)/tour.ipynb --html $(OUT)/tour.html
	@echo
	@echo "The executed tour is in $(OUT)/tour.ipynb and its report in $(OUT)/tour.html (open it in a browser)."
	@echo "To work in Jupyter: jupyter notebook notebooks/   (choose the kernel \"Go (golign)\")"
	@echo "or in a terminal:    jupyter console --kernel golign"

test: build lint gotest fuzz jupyter faults notebooks browser notebook-ui
	@echo "all tests passed"

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^stdlib/'))" || { gofmt -l $$(git ls-files '*.go' | grep -v '^stdlib/'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet -tags '$(TAGS)' ./...

gotest:
	$(GO) test -tags '$(TAGS)' -count=1 ./...

fuzz:
	@bash scripts/fuzz.sh

jupyter: build
	GOLIGN=$(abspath $(BIN)) bash test/jupyter/run.sh

faults: build
	GOLIGN=$(abspath $(BIN)) TAGS='$(TAGS)' bash test/faults/run.sh

notebooks: build
	$(BIN) test notebooks

browser: build
	GOLIGN=$(abspath $(BIN)) bash test/browser/run.sh

# Jupyter Notebook on the golign kernel, driven in headless Chromium; the
# screenshot is kept in out/notebook-ui/.
notebook-ui: build
	GOLIGN=$(abspath $(BIN)) bash test/notebook-ui/run.sh

clean:
	rm -rf bin $(OUT)

# The performance suite against ipykernel and NumPy; report in $(OUT)/bench/REPORT.md.
# `make bench BENCHFLAGS=-full` runs the full sizes.
bench: build
	$(GO) run -tags '$(TAGS)' ./bench -golign $(BIN) -out $(OUT)/bench $(BENCHFLAGS)
