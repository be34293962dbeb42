#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, and all tests (unit, end-to-end).
# Installs what the tests need first, when it is missing: Graphviz (`dot`) for the
# diagram tests, Debian's Chromium for the interactive diagram's browser test,
# Debian's PostgreSQL server for the history store's tests (each test starts its own
# on 127.0.0.1 and stops it), OpenSSH's ssh-keygen for the evidence pack's signature,
# gcp-storage-emulator for the GCP provider tests, moto's AWS server and boto3 (for
# the seed script) for the AWS provider tests.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]} for the tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "the tests need ${missing[*]}: sudo apt-get install ${missing[*]} (macOS: brew install graphviz chromium postgresql, then PG_BIN=\$(pg_config --bindir))" >&2
        exit 1
    fi
fi

# The emulators, from PyPI, in a venv of the project's own (versions pinned: their
# quirks are written down in tests/EMULATOR-NOTES.md).
[ -x .venv/bin/python ] || python3 -m venv .venv
if [ ! -x .venv/bin/gcp-storage-emulator ]; then
    echo "installing gcp-storage-emulator into .venv for the GCP provider tests"
    .venv/bin/pip install --quiet --disable-pip-version-check gcp-storage-emulator==2026.7.19
fi
if [ ! -x .venv/bin/moto_server ]; then
    echo "installing moto's AWS server and boto3 into .venv for the AWS provider tests"
    .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]==5.2.5' boto3==1.44.8
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
