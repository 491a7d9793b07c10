# wx-recover: `make demo` and `make test` work on a fresh Debian machine (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := build

ROOT := $(CURDIR)
REL := $(ROOT)/target/release
CARGO_TARGET ?= target/release
export WX_SANDBOX_BIN := $(REL)/wx-sandbox
export WX_RECOVER_LIB := $(REL)/libwx_recover.so

.PHONY: deps build demo test lint header check-header test-rust test-c test-python test-java test-journal \
        test-cpp test-install test-wheel test-maven-consumer test-logs test-secrets test-quota test-batch \
        test-portable install soak bench clean

deps:
	@bash scripts/deps.sh

# One release build serves the demo, every test and the benchmarks.
build: deps
	cargo build --release --workspace
	@ln -sf libwx_recover.so $(REL)/libwx_recover.so.0

demo: build
	@bash scripts/demo.sh

test: build dist check-header lint test-logs test-rust test-c test-python test-java test-cpp \
      test-install test-wheel test-maven-consumer test-portable test-journal test-quota test-batch \
      test-hostile test-asan test-stress \
      test-secrets test-fuzz
	@echo "make test: all suites passed"

# Every suite runs with the library logging at its most verbose into one file, with its
# temporary sandboxes under build/tmp; test-secrets then scans that log for their secrets.
TEST_LOG := $(ROOT)/build/logs/wx.log
TEST_TMP := $(ROOT)/build/tmp
LOGGED_TESTS := test test-rust test-c test-python test-java test-cpp test-install test-wheel \
                test-maven-consumer test-portable test-journal test-quota test-batch test-hostile \
                test-asan test-stress test-secrets
# Created at parse time too, so a suite run alone (`make test-c`) has its TMPDIR.
$(shell mkdir -p $(TEST_TMP) $(dir $(TEST_LOG)))
$(LOGGED_TESTS): export WX_RECOVER_LOG := trace
$(LOGGED_TESTS): export WX_RECOVER_LOG_FILE := $(TEST_LOG)
$(LOGGED_TESTS): export TMPDIR := $(TEST_TMP)

test-logs:
	@rm -rf $(TEST_TMP) $(dir $(TEST_LOG)) && mkdir -p $(TEST_TMP) $(dir $(TEST_LOG)) && : > $(TEST_LOG)

test-secrets:
	python3 scripts/scan_secrets.py $(TEST_LOG) $(TEST_TMP)

# The soak test at ten times its `make test` size, and the journal crash storm: 220 cycles, so that
# at least 200 of them kill a running submitter.
soak: build
	WX_SOAK_RECOVERS=20000 cargo test --release --test soak -- --nocapture
	python3 tests/journal/crash_storm.py --cycles 220
	python3 tests/journal/fleet_storm.py --cycles 60

# The operators' batch command (docs/operators.md) against real sandboxes: validation, faults
# under a per-minute limit, SIGKILL/SIGTERM and resume, the progress bar in a tmux terminal.
test-batch: build
	python3 -m pytest -q tests/batch

# Submitters sharing one journal are killed with SIGKILL; reconciliation must leave the
# journal and the sandbox in exact agreement (docs/journal.md). Then the same for a fleet on a
# real PostgreSQL: three replicas (C and Python), one never back, the database crashed and
# restarted mid-cycle; and six processes racing one number with two different orders.
test-journal: build
	python3 tests/journal/crash_storm.py --cycles $${WX_STORM_CYCLES:-25}
	python3 -m pytest -q tests/journal/test_pg_server.py
	python3 tests/journal/fleet_storm.py --cycles $${WX_FLEET_CYCLES:-12}
	python3 tests/journal/race.py

# Three processes (C, Python, Java; 4 threads each) share one recover quota through Redis and
# through a file while the sandbox enforces the same limit; Redis is killed and restarted
# mid-run, and the "fail" fallback is checked (tests/quota/fleet.py says what each scenario
# proves). About a minute and a half; part of `make test`.
test-quota: build
	python3 -m pytest -q tests/quota/test_redis_server.py
	python3 tests/quota/fleet.py --all

# build.rs generates the header into cargo's OUT_DIR; `make header` copies it to include/ and
# `make check-header` (part of `make test`) fails when the committed copy differs.
GENERATED_HEADER = $$(ls -t $(REL)/build/wx-recover-*/out/wx_recover.h | head -1)
header: build
	@cp "$(GENERATED_HEADER)" include/wx_recover.h && echo "include/wx_recover.h updated"
	@python3 scripts/c_api_docs.py --write
	@python3 scripts/gen_tables.py --write

check-header: build
	@diff -u include/wx_recover.h "$(GENERATED_HEADER)" \
	  || { echo "include/wx_recover.h differs from a fresh cbindgen run: run make header and commit it"; exit 1; }
	@python3 scripts/c_api_docs.py --check
	@python3 scripts/gen_tables.py --check

lint: build
	python3 scripts/check_layers.py --self-test
	python3 scripts/check_layers.py
	cargo fmt --all -- --check
	cargo clippy --release --workspace --all-targets -- -D warnings
	cargo package --workspace --no-verify --allow-dirty --quiet

test-rust: build
	cargo test --release --workspace

test-c: build
	bash tests/native/c/run.sh

# The bindings' suites run on the shipped library (make portable: glibc 2.17, OpenSSL built
# in); the Rust, C, C++ and install suites run on the source build (system OpenSSL).
test-python: build portable
test-python: export WX_RECOVER_LIB = $(PORTABLE)/libwx_recover.so
test-python:
	python3 -m pytest -q bindings/python/tests sandbox/tests/test_peer_wechatpayv3.py sandbox/py

test-java: build portable
	cd bindings/java && $(WX_JAVA_NATIVE_ENV) mvn -B --no-transfer-progress test $(WX_JAVA_NATIVE_ARGS)

# What ships loads on old systems: every library in dist/ needs at most GLIBC_2.17 and no
# system OpenSSL; the C/C++ archive builds and runs its examples from outside the tree; the
# header compiles as C99 and C++11; the Python package keeps to Python 3.8; then the three
# artifacts install and recover inside a real Debian 11 userland (tests/portable/oldsys.sh).
test-portable: build dist
	python3 tests/portable/elf_floor.py --floor $(WX_GLIBC_FLOOR) $(DIST)/*.whl $(DIST)/*.jar $(DIST)/*.tar.gz
	vermin -t=3.8- --violations --no-tips bindings/python/wx_recover bindings/python/setup.py
	WX_DIST_ARCHIVE=$(DIST)/$(WX_DIST_NAME).tar.gz bash tests/native/install/run.sh
	@rc=0; bash tests/portable/oldsys.sh || rc=$$?; \
	  if [ $$rc = 77 ]; then echo "test-portable: the Debian 11 chroot test was SKIPPED (no chroot here: see its SKIP line)"; \
	  elif [ $$rc != 0 ]; then exit $$rc; fi

test-cpp: build
	bash tests/native/cpp/run.sh

test-install: build
	bash tests/native/install/run.sh

# Each binding installed the way its ecosystem does, and used from outside the source tree
# with nothing set: a fresh venv and `pip install` (which reuses target/ through
# CARGO_TARGET_DIR), then the wheel's tag and contents; a fresh Maven project on the
# `mvn install`ed jar (tests/packaging/).
test-wheel: build dist
	bash tests/packaging/wheel.sh

test-maven-consumer: build dist
	bash tests/packaging/maven_consumer.sh

# Fuzzing, sanitizers, hostile input and stress at the C boundary (docs/hardening.md).
# `make test` fuzzes each target briefly; `make fuzz FUZZ_SECONDS=N` runs longer.
FUZZ_SMOKE_SECONDS ?= 5
include mk/hardening.mk

# `make portable` and `make dist`: the shipped artifacts (docs/platforms.md).
include mk/dist.mk

# `make install PREFIX=… [DESTDIR=…]`: libraries, headers, pkg-config files, CMake package.
# It only copies (building the libraries with cargo if they are missing): no deps, no header.
include mk/install.mk

bench: build
	@bash scripts/deps.sh --bench
	bash bench/run.sh

clean:
	cargo clean
	rm -rf build bindings/java/target
