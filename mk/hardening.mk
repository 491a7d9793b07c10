# Hardening: fuzzing, sanitizers, hostile input at the C boundary, stress (docs/hardening.md).
# Included by the top-level Makefile (`include mk/hardening.mk`); every target installs the
# tools it needs on a fresh Debian machine (apt-get, rustup, cargo install).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="verify ffi_strings"]   long fuzzing, corpus kept
#   make test-fuzz [FUZZ_SMOKE_SECONDS=10]   FUZZ_SMOKE_TARGETS briefly, seeds replayed (for `make test`)
#   make test-hostile                       generated hostile-input test, under valgrind
#   make test-asan                          C programs under ASan+UBSan+LSan against a sandbox
#   make test-stress                        16 threads x 500 calls under ASan, 4 x 25 under valgrind

FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS ?=
# Every target `make test-fuzz` runs (a new fuzz target is added here too).
FUZZ_SMOKE_TARGETS ?= config_json verify notification validate ffi_strings answer

.PHONY: fuzz test-fuzz test-hostile test-asan test-stress test-hardening

# The fuzz crate builds its own copy of the library (instrumented); it needs no `build`.
fuzz:
	bash fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

test-fuzz:
	bash fuzz/run.sh --smoke $(FUZZ_SMOKE_SECONDS) $(or $(FUZZ_TARGETS),$(FUZZ_SMOKE_TARGETS))

test-hostile: build
	bash tests/native/c/asan.sh hostile

test-asan: build
	bash tests/native/c/asan.sh asan

test-stress: build
	bash tests/native/c/asan.sh stress

test-hardening: test-fuzz test-hostile test-asan test-stress
	@echo "make test-hardening: all passed"
