# ccbridge: every set-up step lives here, so a fresh machine needs only `make demo` or `make test`.
#
#   make demo      build the CLI and run the demo on the embedded simulator
#   make test      every test of every language (what CI runs)
#   make bench     benchmarks, printed as JSON
#   make bench-compare REV=<commit>
#                  Python callback throughput against an earlier revision's, same run
#   make bindings  generate the Kotlin and Swift sources (uniffi, library mode)
#   make codegen   regenerate the per-endpoint and per-event code from core/api/*.yaml

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all demo test bench bench-compare bindings codegen codegen-check lint test-rust test-c test-python test-kotlin test-swift header-check sim clean

all: test

demo:
	$(CARGO) run -q -p ccbridge-cli --bin ccbridge -- demo

sim:
	$(CARGO) run -q -p ccbridge-cli --bin ccbridge -- sim --port 8080

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: codegen-check lint test-rust header-check test-c test-python test-kotlin test-swift
	@echo "make test: all suites passed"

test-rust:
	$(CARGO) test --workspace

codegen:
	$(CARGO) run -q -p ccbridge-codegen

# The committed generated files must be what the generator writes from the description.
codegen-check:
	$(CARGO) run -q -p ccbridge-codegen -- --check

# The committed header must be what cbindgen generates from the current sources.
header-check:
	$(CARGO) build -q -p ccbridge-c
	git diff --exit-code -- include/ccbridge.h || (echo "include/ccbridge.h drifted from the sources: commit the regenerated header" >&2; exit 1)

test-c:
	bash tests/c/run.sh

test-python:
	bash python/run-tests.sh

bindings:
	bash bindings/uniffi/generate.sh

test-kotlin: bindings
	bash bindings/uniffi/kotlin/run-tests.sh

test-swift: bindings
	bash bindings/uniffi/swift/run-tests.sh

bench:
	bash tests/bench/run.sh

bench-compare:
	bash tests/bench/compare_revision.sh

clean:
	$(CARGO) clean
	rm -rf tests/c/build .venv bindings/uniffi/kotlin/target
